/**
 * MCP Bundles: `scripts/bundle.mjs` (npm run bundle) builds one .mcpb per server with the official
 * @anthropic-ai/mcpb CLI. Each is checked as Claude Desktop would use it: the manifest passes the
 * tool's own validator, the bundle unpacks into an empty directory, and the server starts exactly as
 * the manifest says (the tool's own substitution of ${__dirname} and the user_config values) and serves.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getMcpConfigForManifest } from '@anthropic-ai/mcpb';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { server as crmServer } from '@portcullis/crm';
import { server as billingServer } from '@portcullis/billing';
import { server as postureServer } from '@portcullis/posture-read';
import { server as remediationServer } from '@portcullis/remediation-write';
import { cleanEnv, killAll } from '@portcullis/test-support/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, npmEnv, pkgOf, readJson, ROOT, SLOW, stdioClient } from './helpers.js';

interface Manifest {
  manifest_version: string;
  name: string;
  version: string;
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: { name: string; description: string }[];
  compatibility: { platforms: string[]; runtimes: { node: string } };
  user_config: Record<
    string,
    { type: string; title: string; required?: boolean; sensitive?: boolean; default?: unknown }
  >;
}
interface Built {
  system: string;
  file: string;
  bytes: number;
}

const DEFINITIONS: Record<string, { tools: { name: string; description: string }[] }> = {
  crm: crmServer,
  billing: billingServer,
  'posture-read': postureServer,
  'remediation-write': remediationServer,
};
/** Who the test acts as, per server, and one read call that must succeed against the bundle's demo store. */
const AS: Record<
  string,
  { userConfig: Record<string, string | boolean>; call: { name: string; arguments: Record<string, unknown> } }
> = {
  crm: {
    userConfig: {
      principal: 'alice',
      roles: 'rep,pii_reader',
      tenant: 'acme',
      attributes: '{"team":"east"}',
    },
    call: { name: 'crm_search_accounts', arguments: { query: 'north', limit: 5 } },
  },
  billing: {
    userConfig: { principal: 'agent-7', roles: 'support', tenant: 'acme' },
    call: { name: 'billing_list_invoices', arguments: { limit: 5 } },
  },
  'posture-read': {
    userConfig: { principal: 'sam', roles: 'analyst', tenant: 'acme' },
    call: { name: 'posture_search_findings', arguments: { severity_at_least: 'high', limit: 5 } },
  },
  'remediation-write': {
    userConfig: { principal: 'riley', roles: 'responder', tenant: 'acme' },
    call: { name: 'remediation_list_actions', arguments: {} },
  },
};

const MCPB_CLI = (() => {
  const require = createRequire(import.meta.url);
  let root = dirname(require.resolve('@anthropic-ai/mcpb'));
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  const pkg = readJson<{ bin: string | Record<string, string> }>(join(root, 'package.json'));
  return join(root, typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]!);
})();

const work = mkdtempSync(join(tmpdir(), 'portcullis-mcpb-'));
const out = join(work, 'out');
let built: Built[] = [];
const clients: Client[] = [];

beforeAll(() => {
  const stdout = execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--out', out], {
    cwd: ROOT,
    env: npmEnv(),
    encoding: 'utf8',
    timeout: 880_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  built = JSON.parse(stdout.trim().split('\n').pop()!) as Built[];
  process.stderr.write(
    `[bundle] sizes: ${built.map((b) => `${b.system} ${(b.bytes / 1e6).toFixed(1)} MB`).join(', ')}\n`,
  );
}, 900_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

function files(dir: string, acc: string[] = [], base = dir): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, acc, base);
    else acc.push(p.slice(base.length + 1));
  }
  return acc;
}

it('builds one bundle per server in scripts/distribution.json', () => {
  expect(built.map((b) => b.system).sort()).toEqual(DIST.servers.map((s) => s.system).sort());
  for (const b of built)
    expect(
      statSync(join(out, `portcullis-${b.system}-${pkgOf(`servers/${b.system}`).version}.mcpb`)).size,
    ).toBe(b.bytes);
});

describe.each(DIST.servers.map((s) => s.system))('the %s bundle', (system) => {
  const dir = join(work, `unpacked-${system}`);
  const pkg = pkgOf(`servers/${system}`);
  let manifest: Manifest;

  beforeAll(() => {
    mkdirSync(dir);
    const file = join(out, `portcullis-${system}-${pkg.version}.mcpb`);
    const r = spawnSync(process.execPath, [MCPB_CLI, 'unpack', file, dir], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  }, 130_000);

  it("passes the mcpb tool's own validator", () => {
    const r = spawnSync(process.execPath, [MCPB_CLI, 'validate', join(dir, 'manifest.json')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Manifest schema validation passes');
  });

  it('lists the real tool definitions, states the Node range, and asks for the identity and credential references', () => {
    const def = DEFINITIONS[system]!;
    expect(manifest.tools).toEqual(def.tools.map((t) => ({ name: t.name, description: t.description })));
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
    const uc = manifest.user_config;
    expect(uc.principal).toMatchObject({ type: 'string', required: true });
    for (const k of ['roles', 'tenant', 'attributes']) expect(uc[k], k).toBeDefined();
    const env = manifest.server.mcp_config.env;
    expect(env).toMatchObject({
      PORTCULLIS_PRINCIPAL: '${user_config.principal}',
      PORTCULLIS_ROLES: '${user_config.roles}',
      PORTCULLIS_TENANT: '${user_config.tenant}',
    });
    const entry = DIST.servers.find((s) => s.system === system)!;
    for (const s of entry.settings) {
      expect(env[s.env]).toBe(`\${user_config.${s.key}}`);
      expect(uc[s.key]?.sensitive === true, s.key).toBe(s.credential === true);
      // An option without a default would reach the server as the literal "${user_config.x}".
      expect(uc[s.key]?.default, s.key).toBeDefined();
    }
    for (const [k, o] of Object.entries(uc)) if (o.required !== true) expect(o.default, k).toBeDefined();
  });

  it('holds no development files, source maps or the SDKs a stdio bundle never loads', () => {
    const all = files(dir);
    expect(all).toContain(manifest.server.entry_point);
    for (const f of all) {
      expect(f).not.toMatch(/\.map$|\.[mc]?ts$|\.tsbuildinfo$|(^|\/)tsconfig\.json$/);
      expect(f).not.toMatch(/^node_modules\/.*\/(test|tests|__tests__|examples?)\//);
    }
    const nm = join(dir, 'node_modules');
    for (const dropped of ['express', 'pg', 'ioredis', 'hono', 'cross-spawn'])
      expect(existsSync(join(nm, dropped)), dropped).toBe(false);
    for (const p of ['@portcullis/core', `@portcullis/${system}`]) {
      expect(existsSync(join(nm, p, 'src')), `${p}/src`).toBe(false);
      expect(existsSync(join(nm, p, 'test')), `${p}/test`).toBe(false);
    }
    expect(existsSync(join(nm, `@portcullis/${system}/policies/schema.cedarschema`))).toBe(true);
    // A server whose build prepares its first start's store ships it (ServerDefinition.preparedStore).
    if (system === 'posture-read')
      for (const f of ['prepared-store.tar', 'prepared-store.json'])
        expect(existsSync(join(nm, `@portcullis/${system}/dist/${f}`)), f).toBe(true);
  });

  it('starts as the manifest says, with the user_config filled in, and serves its tools', async () => {
    const config = await getMcpConfigForManifest({
      manifest: manifest as never,
      extensionPath: dir,
      systemDirs: { HOME: join(work, 'home') },
      userConfig: AS[system]!.userConfig,
      pathSeparator: '/',
    });
    expect(config).toBeDefined();
    const { command, args = [], env = {} } = config!;
    expect(JSON.stringify({ args, env })).not.toContain('${');
    expect(args[0]).toBe(join(dir, manifest.server.entry_point));
    // The host's own environment (PATH ...), with HOME in a temp dir so the default data dir is too.
    const base = cleanEnv(
      { HOME: join(work, `home-${system}`), XDG_DATA_HOME: join(work, `data-${system}`) },
      [`${system.toUpperCase()}_`],
    );
    const client = await stdioClient(command, args, { ...base, ...env }, work, []);
    clients.push(client);
    expect(client.getServerVersion()).toMatchObject({ name: manifest.name, version: manifest.version });
    const { tools } = await client.listTools(undefined, SLOW);
    expect(tools.length).toBeGreaterThan(0);
    for (const t of tools) expect(manifest.tools.map((m) => m.name)).toContain(t.name);
    const r = await client.callTool(AS[system]!.call, undefined, SLOW);
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  }, 300_000);
});

it('docs/clients.md names every setting the bundles ask for', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'clients.md'), 'utf8');
  for (const system of DIST.servers.map((s) => s.system)) {
    const m = readJson<Manifest>(join(work, `unpacked-${system}`, 'manifest.json'));
    for (const o of Object.values(m.user_config)) expect(doc, `${system}: ${o.title}`).toContain(o.title);
  }
});

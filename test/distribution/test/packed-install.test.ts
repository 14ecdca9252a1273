/**
 * The packages as npm would publish them: `npm pack` of @portcullis/core and the servers, installed
 * into an empty directory outside the workspace with their third-party dependencies from the npm
 * registry (npm's cache may serve them), then the installed bin driven over stdio by the SDK client.
 */
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { server as crmServer } from '@portcullis/crm';
import { server as billingServer } from '@portcullis/billing';
import { cleanEnv, killAll } from '@portcullis/test-support/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIST,
  npm,
  npmEnv,
  pack,
  pkgOf,
  ROOT,
  SLOW,
  stdioClient,
  type PackageJson,
  type Packed,
} from './helpers.js';

const DIRS = ['packages/core', ...DIST.servers.map((s) => s.dir)];
const work = mkdtempSync(join(tmpdir(), 'portcullis-packed-'));
const app = join(work, 'app');
let packed: Packed[] = [];
const clients: Client[] = [];

beforeAll(() => {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  packed = pack(DIRS, tarballs);
  mkdirSync(app);
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../tarballs/${p.filename}`]));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'install-check', private: true, dependencies }),
  );
  // A bounded install: the registry serves third-party packages (or npm's cache does).
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], app, 400_000);
}, 420_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

const installed = (name: string): string => join(app, 'node_modules', name);
const installedPkg = (name: string): PackageJson =>
  JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as PackageJson;

describe('npm pack', () => {
  it('ships the bin, the built code, the policies and the README; no sources, tests or source maps', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(DIRS.map((d) => pkgOf(d).name).sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      const pkg = DIRS.map(pkgOf).find((x) => x.name === p.name)!;
      for (const target of Object.values(pkg.bin)) expect(files, p.name).toContain(target);
      expect(files).toContain('dist/index.js');
      expect(files).toContain('README.md');
      if (p.name !== '@portcullis/core') {
        expect(files).toContain('dist/cli.js');
        expect(files.filter((f) => f.startsWith('policies/') && f.endsWith('.cedar')).length).toBeGreaterThan(
          0,
        );
        expect(files).toContain('policies/schema.cedarschema');
      }
      for (const f of files)
        expect(f, p.name).not.toMatch(/^(src|test|scripts)\/|\.map$|tsconfig|\.tsbuildinfo$/);
    }
  });

  it('publishable metadata: not private, licence, repository, engines, exports, mcpName for servers', () => {
    for (const p of packed) {
      const pkg = installedPkg(p.name);
      expect(pkg.private, p.name).toBeUndefined();
      expect(pkg.license).toMatch(/\S/);
      expect(pkg.repository?.url).toContain(DIST.repository.replace(/^https:\/\//, ''));
      expect(pkg.engines.node).toBe('>=20.19');
      expect(pkg.exports['.']).toBeDefined();
      const entry = DIST.servers.find((s) => pkgOf(s.dir).name === p.name);
      if (entry !== undefined) expect(pkg.mcpName).toBe(`${DIST.namespace}/${entry.system}`);
    }
  });
});

describe('installed on its own', () => {
  it('the packages are real copies, nothing links back into the workspace', () => {
    const top = readdirSync(join(app, 'node_modules'), { withFileTypes: true });
    const dirs = top.flatMap((e) =>
      e.name.startsWith('@')
        ? readdirSync(join(app, 'node_modules', e.name)).map((n) => join(app, 'node_modules', e.name, n))
        : [join(app, 'node_modules', e.name)],
    );
    for (const d of dirs) expect(relative(ROOT, realpathSync(d)).startsWith('..'), d).toBe(true);
    for (const p of packed) expect(lstatSync(installed(p.name)).isSymbolicLink(), p.name).toBe(false);
  });

  it('every package the built code imports is a declared runtime dependency (or a Node builtin)', () => {
    const builtins = new Set(builtinModules);
    for (const p of packed) {
      const pkg = installedPkg(p.name);
      const declared = new Set(Object.keys(pkg.dependencies ?? {}));
      const files = p.files.map((f) => f.path).filter((f) => f.endsWith('.js'));
      for (const f of files) {
        const code = readFileSync(join(installed(p.name), f), 'utf8');
        for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g)) {
          const spec = m[1]!;
          if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          expect(declared.has(name), `${p.name}/${f} imports ${spec}, not in its dependencies`).toBe(true);
          expect(existsSync(join(app, 'node_modules', name)), `${name} was not installed`).toBe(true);
        }
      }
    }
  });

  it('npx resolves each package name to its installed bin (the client entry `npx -y @portcullis/<server>`)', () => {
    for (const entry of DIST.servers) {
      const pkg = pkgOf(entry.dir);
      // --no-install stands in for -y here: the packages are not on the registry, so npx must find them installed.
      const r = spawnSync('npx', ['--no-install', pkg.name, '--version'], {
        cwd: app,
        env: npmEnv(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('the installed CRM bin over stdio: initialize, tools/list, a search', async () => {
    const stderr: string[] = [];
    const client = await stdioClient(
      process.execPath,
      [join(app, 'node_modules', '.bin', 'portcullis-crm')],
      cleanEnv(
        {
          PORTCULLIS_PRINCIPAL: 'alice',
          PORTCULLIS_ROLES: 'rep,pii_reader',
          PORTCULLIS_TENANT: 'acme',
          PORTCULLIS_ATTRIBUTES: '{"team":"east"}',
          PORTCULLIS_DATA_DIR: join(work, 'crm-data'),
        },
        ['CRM_'],
      ),
      app,
      stderr,
    );
    clients.push(client);
    expect(client.getServerVersion()).toMatchObject({
      name: 'portcullis-crm',
      version: pkgOf('servers/crm').version,
    });
    const { tools } = await client.listTools(undefined, SLOW);
    expect(tools.map((t) => t.name).sort()).toEqual(crmServer.tools.map((t) => t.name).sort());
    const r = await client.callTool(
      { name: 'crm_search_accounts', arguments: { query: 'north', limit: 5 } },
      undefined,
      SLOW,
    );
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const accounts = (r.structuredContent as { accounts: { tenant?: string; name: string }[] }).accounts;
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) expect(a.name.toLowerCase()).toMatch(/\bnorth/);
    expect(stderr.join('')).not.toMatch(/Cannot find (module|package)/);
  }, 300_000);

  it('the installed billing bin over stdio lists its tools', async () => {
    const client = await stdioClient(
      process.execPath,
      [join(app, 'node_modules', '.bin', 'portcullis-billing')],
      cleanEnv(
        {
          PORTCULLIS_PRINCIPAL: 'agent-7',
          PORTCULLIS_ROLES: 'support',
          PORTCULLIS_TENANT: 'acme',
          PORTCULLIS_DATA_DIR: join(work, 'billing-data'),
        },
        ['BILLING_'],
      ),
      app,
      [],
    );
    clients.push(client);
    const { tools } = await client.listTools(undefined, SLOW);
    expect(tools.length).toBeGreaterThan(0);
    for (const t of tools) expect(billingServer.tools.map((d) => d.name)).toContain(t.name);
  }, 300_000);
});

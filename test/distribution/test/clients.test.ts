/**
 * The client snippets of docs/clients.md are the files in docs/clients/: each is shown verbatim in
 * the page, parsed here, and its settings start the server they name (the workspace build of the
 * package that `npx -y <package>` would fetch; test/packed-install proves npx resolves to it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { server as crmServer } from '@portcullis/crm';
import { server as billingServer } from '@portcullis/billing';
import { server as postureServer } from '@portcullis/posture-read';
import { server as remediationServer } from '@portcullis/remediation-write';
import { cleanEnv, killAll, spawnHttp, writeApiKeys } from '@portcullis/test-support/servers';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST, pkgOf, readJson, ROOT, SLOW, stdioClient } from './helpers.js';

interface StdioEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}
interface HttpEntry {
  type: string;
  url: string;
  headers: Record<string, string>;
}

const CLIENTS = join(ROOT, 'docs', 'clients');
const doc = readFileSync(join(ROOT, 'docs', 'clients.md'), 'utf8');
const DEFS: Record<string, { defaultPort: number; tools: { name: string }[] }> = {
  crm: crmServer,
  billing: billingServer,
  'posture-read': postureServer,
  'remediation-write': remediationServer,
};
const IDENTITY = ['PORTCULLIS_PRINCIPAL', 'PORTCULLIS_ROLES', 'PORTCULLIS_TENANT'];
/** One read per server that finds demo records only when the snippet's tenant and roles took effect. */
const PROBE: Record<string, { name: string; arguments: Record<string, unknown>; field: string }> = {
  crm: { name: 'crm_search_accounts', arguments: { query: 'north', limit: 5 }, field: 'accounts' },
  billing: { name: 'billing_list_invoices', arguments: { limit: 5 }, field: 'invoices' },
  'posture-read': {
    name: 'posture_search_findings',
    arguments: { severity_at_least: 'high', limit: 5 },
    field: 'findings',
  },
  'remediation-write': { name: 'remediation_list_actions', arguments: {}, field: 'actions' },
};

const work = mkdtempSync(join(tmpdir(), 'portcullis-clients-'));
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

/** The package a `npx -y <package>` entry names, as a distribution entry. */
function entryFor(args: string[]): { system: string; dir: string } {
  expect(args.slice(0, 1)).toEqual(['-y']);
  const entry = DIST.servers.find((s) => pkgOf(s.dir).name === args[1]);
  expect(entry, `${args[1]} is not a distributed package`).toBeDefined();
  expect(args).toHaveLength(2);
  return entry!;
}

it('every snippet file is shown verbatim in docs/clients.md', () => {
  for (const f of ['claude-desktop-npx.json', 'mcp-http.json']) {
    expect(doc, f).toContain(readFileSync(join(CLIENTS, f), 'utf8').trim());
  }
  const script = readFileSync(join(CLIENTS, 'claude-code.sh'), 'utf8');
  expect(doc).toContain(script.slice(script.indexOf('# From npm')).trim());
});

describe('Claude Desktop over npx (docs/clients/claude-desktop-npx.json)', () => {
  const servers = readJson<{ mcpServers: Record<string, StdioEntry> }>(
    join(CLIENTS, 'claude-desktop-npx.json'),
  ).mcpServers;

  it('has an npx entry with the identity for every distributed server', () => {
    const systems = Object.values(servers).map((s) => entryFor(s.args).system);
    expect(systems.sort()).toEqual(DIST.servers.map((s) => s.system).sort());
    for (const [name, s] of Object.entries(servers)) {
      expect(s.command).toBe('npx');
      expect(name).toBe(`portcullis-${entryFor(s.args).system}`);
      for (const k of IDENTITY) expect(s.env[k], `${name} ${k}`).toMatch(/\S/);
      for (const k of Object.keys(s.env)) expect(k, name).not.toMatch(/(KEY|SECRET|TOKEN|PASSWORD)$/);
    }
  });

  it.each(Object.entries(servers))(
    '%s starts with its settings and acts as that identity',
    async (_name, s) => {
      const entry = entryFor(s.args);
      const bin = Object.values(pkgOf(entry.dir).bin)[0]!;
      const env = cleanEnv({ ...s.env, PORTCULLIS_DATA_DIR: join(work, `desktop-${entry.system}`) }, [
        `${entry.system.toUpperCase()}_`,
      ]);
      const client = await stdioClient(process.execPath, [join(ROOT, entry.dir, bin)], env, work, []);
      clients.push(client);
      const { tools } = await client.listTools(undefined, SLOW);
      expect(tools.length).toBeGreaterThan(0);
      for (const t of tools) expect(DEFS[entry.system]!.tools.map((d) => d.name)).toContain(t.name);
      const probe = PROBE[entry.system]!;
      const r = await client.callTool({ name: probe.name, arguments: probe.arguments }, undefined, SLOW);
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect((r.structuredContent as Record<string, unknown[]>)[probe.field]!.length).toBeGreaterThan(0);
    },
    300_000,
  );
});

describe('Claude Code (docs/clients/claude-code.sh)', () => {
  const script = join(CLIENTS, 'claude-code.sh');
  /** Runs the script with a `claude` on PATH that records its arguments. */
  function run(env: Record<string, string | undefined>): {
    status: number | null;
    stderr: string;
    calls: string[][];
  } {
    const dir = mkdtempSync(join(work, 'claude-'));
    const log = join(dir, 'calls.jsonl');
    writeFileSync(
      join(dir, 'claude'),
      `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`,
      { mode: 0o755 },
    );
    const r = spawnSync('bash', [script], {
      env: cleanEnv({ ...env, PATH: `${dir}:${process.env.PATH ?? ''}` }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    let calls: string[][] = [];
    try {
      calls = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]);
    } catch {
      calls = [];
    }
    return { status: r.status, stderr: r.stderr, calls };
  }

  it('adds every server from npm over stdio with the same identity as the Desktop snippet', () => {
    const desktop = readJson<{ mcpServers: Record<string, StdioEntry> }>(
      join(CLIENTS, 'claude-desktop-npx.json'),
    ).mcpServers;
    const { status, stderr, calls } = run({ PORTCULLIS_CRM_TOKEN: 'pk_test_token' });
    expect(status, stderr).toBe(0);
    const stdio = calls.filter((c) => c.includes('--'));
    expect(stdio.length).toBe(DIST.servers.length);
    for (const c of stdio) {
      expect(c.slice(0, 2)).toEqual(['mcp', 'add']);
      const name = c[2]!;
      expect(name).not.toMatch(/^-/);
      const tail = c.slice(c.indexOf('--') + 1);
      expect(tail[0]).toBe('npx');
      const entry = entryFor(tail.slice(1));
      expect(name).toBe(`portcullis-${entry.system}`);
      const env: Record<string, string> = {};
      c.slice(3, c.indexOf('--')).forEach((a, i, all) => {
        if (a === '--env' || a === '-e') {
          const [k, ...v] = all[i + 1]!.split('=');
          env[k!] = v.join('=');
        }
      });
      for (const k of IDENTITY) expect(env[k], `${name} ${k}`).toMatch(/\S/);
      expect(env).toEqual(desktop[name]!.env);
    }
  });

  it('adds a deployed server over HTTP with the token from the environment, and refuses without one', () => {
    const { calls } = run({ PORTCULLIS_CRM_TOKEN: 'pk_test_token' });
    const http = calls.find((c) => c.includes('http'))!;
    expect(http.slice(0, 3)).toEqual(['mcp', 'add', 'portcullis-crm-http']);
    expect(http[http.indexOf('--transport') + 1]).toBe('http');
    expect(new URL(http.find((a) => a.startsWith('http://'))!).pathname).toBe('/mcp');
    expect(http[http.indexOf('--header') + 1]).toBe('Authorization: Bearer pk_test_token');
    const refused = run({ PORTCULLIS_CRM_TOKEN: undefined });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('PORTCULLIS_CRM_TOKEN');
  });
});

describe('any client over HTTP (docs/clients/mcp-http.json)', () => {
  const servers = readJson<{ mcpServers: Record<string, HttpEntry> }>(
    join(CLIENTS, 'mcp-http.json'),
  ).mcpServers;

  it('points each server at its default port and /mcp, with a bearer token from the environment', () => {
    for (const [name, s] of Object.entries(servers)) {
      const system = name.replace(/^portcullis-/, '');
      expect(DEFS[system], name).toBeDefined();
      expect(s.type).toBe('http');
      const url = new URL(s.url);
      expect(url.pathname).toBe('/mcp');
      expect(Number(url.port)).toBe(DEFS[system]!.defaultPort);
      expect(s.headers.Authorization).toMatch(/^Bearer \$\{[A-Z_]+\}$/);
    }
  });

  it('the CRM entry connects with an API key as its token and is refused without one', async () => {
    const s = servers['portcullis-crm']!;
    const keys = writeApiKeys(
      work,
      [{ principal: 'alice', roles: ['rep', 'pii_reader'], tenant: 'acme', attributes: { team: 'east' } }],
      generateApiKey,
    );
    const srv = await spawnHttp({
      cliPath: join(ROOT, 'servers', 'crm', 'dist', 'cli.js'),
      name: 'CRM CLI',
      env: cleanEnv(
        {
          PORTCULLIS_DATA_DIR: join(work, 'http-crm'),
          PORTCULLIS_AUTH: 'apikey',
          PORTCULLIS_API_KEYS_FILE: keys.file,
        },
        ['CRM_'],
      ),
      expectHost: '127.0.0.1',
      timeoutMs: 170_000,
    });
    // The snippet's URL on the port the test server got; its ${VAR} expanded as the client would.
    const url = new URL(s.url);
    url.port = String(srv.port);
    const variable = /\$\{([A-Z_]+)\}/.exec(s.headers.Authorization!)![1]!;
    const headers = { Authorization: s.headers.Authorization!.replace(`\${${variable}}`, keys.keys.alice!) };
    const client = new SdkClient({ name: 'clients-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }), SLOW);
    clients.push(client);
    const probe = PROBE.crm!;
    const r = await client.callTool({ name: probe.name, arguments: probe.arguments }, undefined, SLOW);
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();

    const anonymous = new SdkClient({ name: 'clients-http-anonymous', version: '1.0.0' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(
      /Authorization header is missing/,
    );
  }, 420_000);
});

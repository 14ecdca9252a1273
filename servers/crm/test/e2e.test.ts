/**
 * End to end against the BUILT CLI (`node servers/crm/dist/cli.js`), as Claude Desktop / Claude Code
 * and an HTTP client run it: over stdio through the SDK's StdioClientTransport, and over Streamable
 * HTTP with API keys through the SDK's StreamableHTTPClientTransport. Real processes, real PGlite
 * store under a temp data dir, the real audit file checked by the `portcullis-audit` CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness, type ServerProc as HttpServer } from '@portcullis/test-support/servers';
import { call, envelope, ok } from '@portcullis/test-support/results';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Tool results are asserted field by field; their shapes are the output schemas, checked by the kit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'servers/crm/dist/cli.js');
const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/tools-list.json', import.meta.url));
const SNAPSHOT_TOOLS = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { name: string }[];
const ALL_TOOLS = SNAPSHOT_TOOLS.map((t) => t.name).sort();
const READ_TOOLS = [
  'crm_get_account',
  'crm_get_contact',
  'crm_search_accounts',
  'crm_search_contacts',
  'crm_search_opportunities',
];
const HOOK_TIMEOUT = 120_000;

const auditFileOf = (dataDir: string) => join(dataDir, 'audit', 'portcullis-crm.audit.jsonl');

// Every process spawned here (and every temp dir) is killed/removed in afterAll. The environment of
// a spawned server: PATH/HOME and friends; none of the caller's PORTCULLIS_*, CRM_*, DATABASE_URL,
// REDIS_URL, NODE_ENV, VITEST*.
const harness = serverHarness({
  cliPath: CLI,
  name: 'CRM CLI',
  envPrefixes: ['CRM_'],
  tempPrefix: 'crm-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// Results

// ---------------------------------------------------------------------------------------------

describe('stdio: the built CLI under the SDK StdioClientTransport', () => {
  const dataDir = harness.tempDir();
  const stderr: string[] = [];
  const transportErrors: Error[] = [];
  let client: Client;
  let pid: number | null = null;
  const auditIds: Row = {};

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: harness.cleanEnv({
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_PRINCIPAL: 'alice',
        PORTCULLIS_ROLES: 'rep,pii_reader',
        PORTCULLIS_TENANT: 'acme',
        PORTCULLIS_ATTRIBUTES: '{"team":"east"}',
      }),
      stderr: 'pipe',
    });
    transport.stderr!.on('data', harness.lines(stderr));
    client = new Client({ name: 'crm-e2e-stdio', version: '1.0.0' });
    client.onerror = (e) => transportErrors.push(e);
    await client.connect(transport);
    pid = transport.pid;
    if (pid !== null) harness.trackPid(pid);
    // The first request waits for the store to open (PGlite's first start on an empty data dir).
    await client.listTools();
  }, HOOK_TIMEOUT);

  it('initializes as portcullis-crm and lists exactly the committed snapshot tools', async () => {
    expect(client.getServerVersion()?.name).toBe('portcullis-crm');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
    // The built CLI serves the reviewed definitions byte for byte (names, schemas, annotations).
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    expect(JSON.parse(JSON.stringify(sorted))).toEqual(SNAPSHOT_TOOLS);
  });

  it('reads: searches its tenant and reads a contact with personal data (pii_reader)', async () => {
    const r = await call(client, 'crm_search_accounts', { owner_id: 'alice', limit: 5 });
    const page = ok(r);
    auditIds.search = (r._meta as Row)['portcullis/audit_id'];
    expect(page.accounts.length).toBeGreaterThan(0);
    expect(page.accounts.every((a: Row) => a.owner_id === 'alice' && a.team === 'east')).toBe(true);

    const contacts = ok(await call(client, 'crm_search_contacts', { owner_id: 'alice', limit: 1 }));
    const contact = ok(await call(client, 'crm_get_contact', { id: contacts.contacts[0].id })).contact;
    expect(contact).toMatchObject({ owner_id: 'alice', email: expect.stringContaining('@') });
  });

  it('writes: logs an activity on an owned opportunity, and a retry with the same key replays it', async () => {
    const opps = ok(await call(client, 'crm_search_opportunities', { owner_id: 'alice', limit: 1 }));
    const opp = opps.opportunities[0];
    const args = {
      type: 'call',
      subject: 'E2E stdio call',
      body: 'Logged through the built CLI.',
      opportunity_id: opp.id,
      idempotency_key: 'crm-e2e-stdio-0001',
    };
    const r = await call(client, 'crm_log_activity', args);
    const first = ok(r);
    auditIds.write = (r._meta as Row)['portcullis/audit_id'];
    expect(first).toMatchObject({
      replayed: false,
      activity: { type: 'call', opportunity_id: opp.id, account_id: opp.account_id, owner_id: 'alice' },
    });
    expect(ok(await call(client, 'crm_log_activity', args))).toEqual({ ...first, replayed: true });
  });

  it("is denied on another owner's record with the error envelope", async () => {
    const bobs = ok(await call(client, 'crm_search_opportunities', { owner_id: 'bob', limit: 1 }));
    const r = await call(client, 'crm_log_activity', {
      type: 'note',
      subject: 'not mine',
      opportunity_id: bobs.opportunities[0].id,
    });
    const env = envelope(r);
    expect(env).toMatchObject({ category: 'forbidden', retryable: false });
    auditIds.denied = env.audit_id;
    // A tool the principal can never call does not exist for it (protocol error, not a result).
    await expect(client.callTool({ name: 'crm_nonexistent', arguments: {} })).rejects.toSatisfy(
      (e: unknown) => e instanceof McpError && e.code === -32602 && /Unknown tool/.test(e.message),
    );
  });

  it('after close: stdout carried only protocol, stderr only JSON logs, and the audit chain verifies', async () => {
    await client.close();
    // The SDK transport reports any stdout line that is not JSON-RPC as an error.
    expect(transportErrors).toEqual([]);
    if (pid !== null) {
      for (let i = 0; i < 200 && harness.alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(harness.alive(pid)).toBe(false);
    }
    const nonEmpty = stderr.filter((l) => l.trim() !== '');
    expect(nonEmpty.length).toBeGreaterThan(0);
    const logs = nonEmpty.map((l) => {
      try {
        return JSON.parse(l) as Row;
      } catch {
        throw new Error(`stderr line is not JSON: ${l}`);
      }
    });
    for (const l of logs) {
      expect(typeof l.level).toBe('string');
      expect(typeof l.msg).toBe('string');
    }
    expect(logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(logs.find((l) => l.msg === 'serving MCP over stdio')).toMatchObject({
      principal: 'alice',
      tenant: 'acme',
    });

    const file = auditFileOf(dataDir);
    expect(existsSync(file)).toBe(true);
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit(file);
    expect(records.every((r) => r.principal === 'alice' && r.tenant === 'acme')).toBe(true);
    expect(records.find((r) => r.id === auditIds.search)).toMatchObject({
      tool: 'crm_search_accounts',
      outcome: 'ok',
    });
    expect(records.find((r) => r.id === auditIds.write)).toMatchObject({
      tool: 'crm_log_activity',
      outcome: 'ok',
    });
    expect(records.find((r) => r.id === auditIds.denied)).toMatchObject({
      tool: 'crm_log_activity',
      outcome: 'denied',
    });
  });

  it(
    'every byte on stdout is a JSON-RPC message (checked by hand, without the SDK)',
    { timeout: 150_000 },
    async () => {
      const p = spawn(process.execPath, [CLI], {
        env: harness.cleanEnv({
          PORTCULLIS_DATA_DIR: dataDir,
          PORTCULLIS_PRINCIPAL: 'alice',
          PORTCULLIS_ROLES: 'rep',
          PORTCULLIS_TENANT: 'acme',
        }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      harness.track(p);
      const out: string[] = [];
      p.stdout.on('data', harness.lines(out));
      p.stderr.resume();
      const exited = new Promise((r) => p.once('exit', r));
      const send = (m: Row) => p.stdin.write(`${JSON.stringify(m)}\n`);
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'crm_search_accounts', arguments: { limit: 1 } },
      });
      for (let i = 0; i < 2400 && out.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      p.stdin.end();
      await exited;
      expect(out.length).toBe(3);
      const msgs = out.map((l) => JSON.parse(l) as Row);
      for (const m of msgs) expect(m.jsonrpc).toBe('2.0');
      expect(msgs.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(msgs[1]!.result.tools.map((t: Row) => t.name).sort()).toEqual(ALL_TOOLS);
      expect(msgs[2]!.result.structuredContent.accounts).toHaveLength(1);
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe('HTTP: the built CLI with API keys under the SDK StreamableHTTPClientTransport', () => {
  const dir = harness.tempDir();
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  let srv: HttpServer;

  async function connectAs(principal: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
    });
    const c = new Client({ name: `crm-e2e-http-${principal}`, version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    const people = [
      { principal: 'alice', roles: ['rep', 'pii_reader'], tenant: 'acme', attributes: { team: 'east' } },
      { principal: 'carol', roles: ['manager'], tenant: 'acme', attributes: { team: 'east' } },
      { principal: 'victor', roles: ['viewer'], tenant: 'acme' },
      { principal: 'grace', roles: ['rep'], tenant: 'globex', attributes: { team: 'north' } },
      { principal: 'mallory', roles: [], tenant: 'acme' },
    ];
    const apiKeys = harness.writeApiKeys(dir, people, generateApiKey);
    Object.assign(keys, apiKeys.keys);
    const keysFile = apiKeys.file;
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: join(dir, 'data'),
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: keysFile,
    });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('lists tools per principal: reps and managers all, viewers only reads, no role nothing', async () => {
    const names = async (p: string) =>
      (await (await connectAs(p)).listTools()).tools.map((t) => t.name).sort();
    expect(await names('alice')).toEqual(ALL_TOOLS);
    expect(await names('carol')).toEqual(ALL_TOOLS);
    expect(await names('victor')).toEqual(READ_TOOLS);
    expect(await names('grace')).toEqual(ALL_TOOLS);
    expect(await names('mallory')).toEqual([]);
  });

  it('calls work per principal: reads in the own tenant, a write by the owner, none across tenants', async () => {
    const alice = await connectAs('alice');
    const victor = await connectAs('victor');
    const grace = await connectAs('grace');

    const mine = ok(await call(alice, 'crm_search_accounts', { owner_id: 'alice', limit: 2 }));
    expect(mine.accounts).toHaveLength(2);
    const account = mine.accounts[0];

    const summary = ok(await call(victor, 'crm_get_account', { id: account.id }));
    expect(summary.account).toMatchObject({ id: account.id, owner_id: 'alice' });
    // A viewer cannot write: the tool does not exist for it.
    await expect(
      victor.callTool({ name: 'crm_log_activity', arguments: { type: 'note', subject: 'x' } }),
    ).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof McpError && e.code === -32602 && /Unknown tool: crm_log_activity/.test(e.message),
    );

    const logged = ok(
      await call(alice, 'crm_log_activity', {
        type: 'email',
        subject: 'E2E over HTTP',
        account_id: account.id,
        idempotency_key: 'crm-e2e-http-0001',
      }),
    );
    expect(logged).toMatchObject({
      replayed: false,
      activity: { account_id: account.id, owner_id: 'alice' },
    });

    // Another tenant's record does not exist for grace.
    expect(envelope(await call(grace, 'crm_get_account', { id: account.id })).category).toBe('not_found');
    const theirs = ok(await call(grace, 'crm_search_accounts', { limit: 100 }));
    expect(theirs.accounts.some((a: Row) => a.id === account.id)).toBe(false);
  });

  it('refuses a bad or missing key with 401 and a WWW-Authenticate challenge naming the resource metadata', async () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bad', version: '1' } },
    });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    for (const auth of [`Bearer pk_0123456789ab_${'x'.repeat(43)}`, `Bearer ${keys.alice}x`, undefined]) {
      const res = await fetch(srv.url, {
        method: 'POST',
        headers: auth ? { ...headers, authorization: auth } : headers,
        body: init,
      });
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${srv.base}/.well-known/oauth-protected-resource/mcp"`);
      await res.body?.cancel();
    }
    // The SDK client fails to connect with a bad key.
    const bad = new Client({ name: 'crm-e2e-bad', version: '1.0.0' });
    await expect(
      bad.connect(
        new StreamableHTTPClientTransport(new URL(srv.url), {
          requestInit: {
            headers: { Authorization: 'Bearer pk_0123456789ab_notarealsecretnotarealsecretnotareal' },
          },
        }),
      ),
    ).rejects.toThrow();
    await bad.close().catch(() => undefined);
  });

  it('serves /healthz and /readyz, and its logs are JSON lines on stderr', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`${srv.base}${path}`);
      expect(res.status, path).toBe(200);
      await res.body?.cancel();
    }
    const nonEmpty = srv.stderr.filter((l) => l.trim() !== '');
    for (const l of nonEmpty) expect(() => JSON.parse(l), l).not.toThrow();
    const errors = nonEmpty
      .map((l) => JSON.parse(l) as Row)
      .filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors).toEqual([]);
  });

  it('stops on SIGTERM, and its audit chain verifies', async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
    srv.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const file = auditFileOf(join(dir, 'data'));
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit(file);
    expect(
      records.find((r) => r.tool === 'crm_log_activity' && r.principal === 'alice' && r.outcome === 'ok'),
    ).toBeDefined();
    expect(
      records.find((r) => r.tool === 'crm_get_account' && r.principal === 'grace' && r.tenant === 'globex'),
    ).toMatchObject({ outcome: expect.not.stringMatching(/^ok$/) });
  });
});

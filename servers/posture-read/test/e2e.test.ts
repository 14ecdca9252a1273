/**
 * End to end against the BUILT CLI (`node servers/posture-read/dist/cli.js`): over stdio through the
 * SDK's StdioClientTransport, and over Streamable HTTP with API keys (one principal restricted to a
 * cloud account by its key's attributes). Real processes, a real PGlite store under a temp data
 * dir, the real audit file checked by the `portcullis-audit` CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness, type ServerProc as HttpServer } from '@portcullis/test-support/servers';
import { call, envelope, ok } from '@portcullis/test-support/results';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'servers/posture-read/dist/cli.js');
const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/tools-list.json', import.meta.url));
const ALL_TOOLS = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { name: string }[])
  .map((t) => t.name)
  .sort();
const HOOK_TIMEOUT = 150_000;
const DEV = '333333333333';

const harness = serverHarness({
  cliPath: CLI,
  name: 'posture-read CLI',
  envPrefixes: ['POSTURE_'],
  tempPrefix: 'posture-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

describe('stdio: the built CLI under the SDK StdioClientTransport', () => {
  const dataDir = harness.tempDir();
  const stderr: string[] = [];
  const transportErrors: Error[] = [];
  let client: Client;
  let pid: number | null = null;
  const auditIds: string[] = [];

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: harness.cleanEnv({
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_PRINCIPAL: 'sam',
        PORTCULLIS_ROLES: 'analyst',
        PORTCULLIS_TENANT: 'acme',
      }),
      stderr: 'pipe',
    });
    transport.stderr!.on('data', harness.lines(stderr));
    client = new Client({ name: 'posture-e2e-stdio', version: '1.0.0' });
    client.onerror = (e) => transportErrors.push(e);
    await client.connect(transport);
    pid = transport.pid;
    if (pid !== null) harness.trackPid(pid);
    // The first request waits for the store: PGlite's first start, migrations and the demo seed.
    await client.listTools(undefined, { timeout: HOOK_TIMEOUT - 10_000 });
  }, HOOK_TIMEOUT);

  it('initializes as portcullis-posture-read, read-only, with the snapshot tools', async () => {
    expect(client.getServerVersion()?.name).toBe('portcullis-posture-read');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
    expect(client.getInstructions()).toContain('only reads');
  });

  it('answers the demo story over stdio: exposures, the public bucket in full, compliance', async () => {
    const exposures = await call(client, 'posture_list_exposures', { limit: 100 });
    const ex = ok(exposures);
    expect(ex.exposures.map((e: Row) => e.asset.resource_id)).toContain('arn:aws:s3:::acme-prod-exports');
    const search = ok(
      await call(client, 'posture_search_findings', {
        resource_id: 'arn:aws:s3:::acme-prod-exports',
        severity_at_least: 'critical',
      }),
    );
    const f = ok(await call(client, 'posture_get_finding', { id: search.findings[0].id }));
    expect(f.finding.severity).toBe('critical');
    expect(f.remediation_action.action).toBe('s3_block_public_access');
    const comp = ok(
      await call(client, 'posture_compliance_summary', { framework: 'cis-aws-foundations-3.0' }),
    );
    expect(comp.frameworks[0].failed).toBeGreaterThan(0);
    for (const r of [exposures]) auditIds.push((r._meta as Row)['portcullis/audit_id'] as string);
  });

  it('after close: stdout carried only protocol, stderr only JSON logs, and the audit chain verifies', async () => {
    await client.close();
    expect(transportErrors).toEqual([]);
    if (pid !== null) {
      for (let i = 0; i < 200 && harness.alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(harness.alive(pid)).toBe(false);
    }
    const logs = stderr.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
    expect(logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(logs.find((l) => l.msg === 'posture backend: findings store')).toMatchObject({
      seed: 'demo',
      store: 'pglite',
    });
    const file = join(dataDir, 'audit', 'portcullis-posture-read.audit.jsonl');
    expect(existsSync(file)).toBe(true);
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit(file);
    expect(records.find((r) => r.id === auditIds[0])).toMatchObject({
      tool: 'posture_list_exposures',
      outcome: 'ok',
    });
  });
});

describe('HTTP: the built CLI with API keys under the SDK StreamableHTTPClientTransport', () => {
  const dir = harness.tempDir();
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  let srv: HttpServer;

  async function connectAs(principal: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
    });
    const c = new Client({ name: `posture-e2e-http-${principal}`, version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    const people = [
      { principal: 'sam', roles: ['analyst'], tenant: 'acme' },
      { principal: 'dana', roles: ['analyst'], tenant: 'acme', attributes: { accounts: [DEV] } },
      { principal: 'victor', roles: ['viewer'], tenant: 'acme' },
      { principal: 'grace', roles: ['analyst'], tenant: 'globex' },
    ];
    const apiKeys = harness.writeApiKeys(dir, people, generateApiKey);
    Object.assign(keys, apiKeys.keys);
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: join(dir, 'data'),
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: apiKeys.file,
    });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('lists tools per role and keeps an account-restricted key to its account', async () => {
    const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();
    const sam = await connectAs('sam');
    const dana = await connectAs('dana');
    const victor = await connectAs('victor');
    expect(await names(sam)).toEqual(ALL_TOOLS);
    expect(await names(victor)).toEqual([
      'posture_compliance_summary',
      'posture_list_exposures',
      'posture_summarize_findings',
    ]);
    const byAccount = ok(await call(dana, 'posture_summarize_findings', { group_by: ['account'] }));
    expect(byAccount.groups.map((g: Row) => g.keys.account)).toEqual([DEV]);
    const prod = ok(await call(sam, 'posture_search_findings', { account: '111111111111', limit: 1 }));
    expect(envelope(await call(dana, 'posture_get_finding', { id: prod.findings[0].id })).category).toBe(
      'forbidden',
    );
    const grace = await connectAs('grace');
    expect(envelope(await call(grace, 'posture_get_finding', { id: prod.findings[0].id })).category).toBe(
      'not_found',
    );
  });

  it('refuses a missing key with 401', async () => {
    const res = await fetch(srv.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata');
  });

  it('serves /healthz and /readyz, and stops on SIGTERM with a verifying audit chain', async () => {
    expect((await fetch(`${srv.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${srv.base}/readyz`)).status).toBe(200);
    const exit = await srv.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const v = await harness.verifyAudit(join(dir, 'data', 'audit', 'portcullis-posture-read.audit.jsonl'));
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

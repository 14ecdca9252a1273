/**
 * CRM and billing mounted on one host in one process (the built multi-system CLI): one store, one
 * audit chain that `portcullis-audit verify` accepts with records naming both systems, and the
 * tools of both listed and callable over stdio and over Streamable HTTP, each under its own policy.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { call, envelope, ok } from '@portcullis/test-support/results';
import { serverHarness, type ServerProc } from '@portcullis/test-support/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'test/multi-host/dist/cli.js');
const HOOK_TIMEOUT = 180_000;
const auditFileOf = (dataDir: string) => join(dataDir, 'audit', 'portcullis-host.audit.jsonl');

const harness = serverHarness({
  cliPath: CLI,
  name: 'multi-system host CLI',
  envPrefixes: ['CRM_', 'BILLING_'],
  tempPrefix: 'multi-host-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

async function stdioClient(dataDir: string, roles: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: harness.cleanEnv({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_PRINCIPAL: 'alice',
      PORTCULLIS_ROLES: roles,
      PORTCULLIS_TENANT: 'acme',
    }),
    stderr: 'pipe',
  });
  const client = new Client({ name: 'multi-host-e2e', version: '1.0.0' });
  await client.connect(transport);
  if (transport.pid !== null) harness.trackPid(transport.pid);
  // The first request waits for one store to be created, migrated and seeded for both systems.
  await client.listTools({}, { timeout: HOOK_TIMEOUT - 10_000 });
  return client;
}

describe('stdio: crm and billing on one host', () => {
  const dataDir = harness.tempDir();
  let client: Client;

  beforeAll(async () => {
    client = await stdioClient(dataDir, 'rep,support');
  }, HOOK_TIMEOUT);

  it('announces one server and lists the tools of both systems', async () => {
    expect(client.getServerVersion()?.name).toBe('portcullis-host');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['crm_search_accounts', 'crm_log_activity', 'billing_get_order']),
    );
    expect(names).toContain('billing_issue_refund');
    // billing's own policy: approving needs the approver role, which this principal lacks.
    expect(names).not.toContain('billing_approve_refund');
  });

  it('calls both systems, each under its own policy', async () => {
    const accounts = ok(await call(client, 'crm_search_accounts', { owner_id: 'alice', limit: 1 }));
    expect(accounts.accounts).toHaveLength(1);
    const order = ok(await call(client, 'billing_get_order', { order_id: '4821' }));
    expect(order.order).toMatchObject({ id: '4821', paid_minor: 45_000 });
    // Over $500 is never allowed by billing's policy, whatever CRM would say.
    const refused = envelope(
      await call(client, 'billing_issue_refund', {
        order_id: '4822',
        amount_minor: 60_000,
        reason: 'requested_by_customer',
        idempotency_key: 'multi-host-0001',
      }),
    );
    expect(refused).toMatchObject({ category: 'forbidden' });
  });

  it('keeps one store and one audit chain that verifies, with records naming both systems', async () => {
    await client.close();
    // One embedded database for both systems.
    expect(readdirSync(dataDir).filter((f) => f === 'pgdata')).toHaveLength(1);
    expect(readdirSync(join(dataDir, 'audit')).filter((f) => f.endsWith('.audit.jsonl'))).toEqual([
      'portcullis-host.audit.jsonl',
    ]);
    const records = harness.readAudit(auditFileOf(dataDir));
    const servers = new Set(records.map((r) => r.server));
    expect(servers).toEqual(new Set(['portcullis-crm', 'portcullis-billing']));
    const verified = await harness.verifyAudit(auditFileOf(dataDir));
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});

describe('stdio: a principal with only CRM roles', () => {
  it(
    'sees no billing tool: billing policy permits none of them',
    async () => {
      const client = await stdioClient(harness.tempDir(), 'rep');
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names.some((n) => n.startsWith('crm_'))).toBe(true);
        expect(names.filter((n) => n.startsWith('billing_'))).toEqual([]);
      } finally {
        await client.close();
      }
    },
    HOOK_TIMEOUT,
  );
});

describe('Streamable HTTP: crm and billing on one host', () => {
  let srv: ServerProc;
  let dir: string;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  const connectAs = async (principal: string): Promise<Client> => {
    const c = new Client({ name: `multi-host-${principal}`, version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(srv.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
      }),
    );
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = harness.tempDir();
    const people = [
      { principal: 'alice', roles: ['rep', 'support'], tenant: 'acme' },
      { principal: 'mona', roles: ['approver'], tenant: 'acme' },
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

  it('lists and calls both systems per principal, and the approval channel finds billing plans', async () => {
    const alice = await connectAs('alice');
    const mona = await connectAs('mona');
    const aliceTools = (await alice.listTools()).tools.map((t) => t.name);
    expect(aliceTools).toEqual(expect.arrayContaining(['crm_get_account', 'billing_issue_refund']));
    const monaTools = (await mona.listTools()).tools.map((t) => t.name);
    expect(monaTools).toContain('billing_approve_refund');
    expect(monaTools.filter((n) => n.startsWith('crm_'))).toEqual([]);

    const acct = ok(await call(alice, 'crm_search_accounts', { owner_id: 'alice', limit: 1 })).accounts[0];
    expect(ok(await call(alice, 'crm_get_account', { id: acct.id })).account.id).toBe(acct.id);

    // A $300 refund needs billing's approval: the plan is approved through POST /approvals/{id}.
    const planned = envelope(
      await call(alice, 'billing_issue_refund', {
        order_id: '4821',
        amount_minor: 30_000,
        reason: 'requested_by_customer',
        idempotency_key: 'multi-host-http-0001',
      }),
    );
    expect(planned).toMatchObject({ category: 'approval_required' });
    const planId = (planned.details as { plan_id: string }).plan_id;
    const res = await fetch(new URL(`/approvals/${planId}`, srv.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${keys.mona}` },
    });
    expect(res.status).toBe(200);
    const approval = (await res.json()) as { approval_token: string };
    const applied = ok(
      await call(alice, 'billing_apply_refund', { plan_id: planId, approval_token: approval.approval_token }),
    );
    expect(applied).toMatchObject({ result: { refund: { amount_minor: 30_000 } } });

    const auditFile = auditFileOf(join(dir, 'data'));
    const servers = new Set(harness.readAudit(auditFile).map((r) => r.server));
    expect(servers).toEqual(new Set(['portcullis-crm', 'portcullis-billing']));
  });

  it('serves one path per system beside the shared one: /mcp/crm and /mcp/billing', async () => {
    const connectTo = async (path: string, sse = false): Promise<Client> => {
      const c = new Client({ name: `multi-host-path`, version: '1.0.0' });
      const opts = { requestInit: { headers: { Authorization: `Bearer ${keys.alice}` } } };
      const url = new URL(path, srv.url);
      await c.connect(
        sse
          ? new SSEClientTransport(url, {
              ...opts,
              eventSourceInit: {
                fetch: (u, init) =>
                  fetch(u, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${keys.alice}` } }),
              },
            })
          : new StreamableHTTPClientTransport(url, opts),
      );
      clients.push(c);
      return c;
    };
    const crm = await connectTo('/mcp/crm');
    const billing = await connectTo('/mcp/billing');
    expect(crm.getServerVersion()?.name).toBe('portcullis-crm');
    const crmTools = (await crm.listTools()).tools.map((t) => t.name);
    expect(crmTools).toContain('crm_get_account');
    expect(crmTools.filter((n) => !n.startsWith('crm_'))).toEqual([]);
    const billingTools = (await billing.listTools()).tools.map((t) => t.name);
    expect(billingTools).toContain('billing_get_order');
    expect(billingTools.filter((n) => !n.startsWith('billing_'))).toEqual([]);
    // CRM resources only on the CRM path.
    expect(billing.getServerCapabilities()?.resources).toBeUndefined();
    expect((await crm.listResourceTemplates()).resourceTemplates.length).toBeGreaterThan(0);

    // Each path calls its own system; the other system's tool is unknown there, as on any server.
    expect(ok(await call(billing, 'billing_get_order', { order_id: '4821' })).order.id).toBe('4821');
    await expect(call(crm, 'billing_get_order', { order_id: '4821' })).rejects.toThrow(
      /Unknown tool: billing_get_order/,
    );

    // Legacy HTTP+SSE per system too.
    const sse = await connectTo('/sse/billing', true);
    expect((await sse.listTools()).tools.map((t) => t.name)).toEqual(billingTools);

    // The refusal is recorded in the host's one chain, under the system whose path was used.
    const records = harness.readAudit(auditFileOf(join(dir, 'data')));
    const refused = records.filter((r) => r.tool === 'billing_get_order' && r.outcome === 'denied');
    expect(refused.at(-1)).toMatchObject({ server: 'portcullis-crm', error_code: 'unknown_tool' });

    // Both paths are parts of the host's one protected resource.
    const meta = (await (
      await fetch(new URL('/.well-known/oauth-protected-resource/mcp/crm', srv.url))
    ).json()) as { resource: string };
    expect(meta.resource).toBe(new URL('/mcp', srv.url).toString());
  });

  it(
    'the audit chain verifies after the process stops',
    async () => {
      for (const c of clients.splice(0)) await c.close().catch(() => undefined);
      await srv.stop();
      const verified = await harness.verifyAudit(auditFileOf(join(dir, 'data')));
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    },
    HOOK_TIMEOUT,
  );
});

describe('Streamable HTTP, stateful, PORTCULLIS_HTTP_PATHS=per-system', () => {
  let srv: ServerProc;
  let key = '';
  const base = () => new URL(srv.url);

  beforeAll(async () => {
    const dir = harness.tempDir();
    const apiKeys = harness.writeApiKeys(
      dir,
      [{ principal: 'alice', roles: ['rep', 'support'], tenant: 'acme' }],
      generateApiKey,
    );
    key = apiKeys.keys.alice!;
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: join(dir, 'data'),
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: apiKeys.file,
      PORTCULLIS_HTTP_MODE: 'stateful',
      PORTCULLIS_HTTP_PATHS: 'per-system',
    });
  }, HOOK_TIMEOUT);
  afterAll(() => srv?.stop(), HOOK_TIMEOUT);

  const post = (path: string, body: unknown, session?: string) =>
    fetch(new URL(path, base()), {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(session ? { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-06-18' } : {}),
      },
      body: JSON.stringify(body),
    });
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  };

  it('serves no shared /mcp, and a session is used only on the path that opened it', async () => {
    expect((await post('/mcp', initialize)).status).toBe(404);
    const opened = await post('/mcp/crm', initialize);
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id')!;
    expect(session).toBeTruthy();
    await opened.body?.cancel();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const elsewhere = await post('/mcp/billing', list, session);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: -32001, message: 'Session not found.' } });
    const home = await post('/mcp/crm', list, session);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('crm_get_account');
  });
});

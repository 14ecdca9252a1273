/**
 * End to end against the BUILT CLI (`node servers/billing/dist/cli.js`): over stdio through the SDK's
 * StdioClientTransport (one support agent), and over Streamable HTTP with API keys through the SDK's
 * StreamableHTTPClientTransport, where the canonical refund runs across two principals: $150 directly,
 * $300 planned, approved by a manager through `POST /approvals/{plan_id}`, applied by the agent, and
 * the whole story in an audit file that the `portcullis-audit` CLI verifies.
 */
import { randomUUID } from 'node:crypto';
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
const CLI = join(ROOT, 'servers/billing/dist/cli.js');
const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/tools-list.json', import.meta.url));
const SNAPSHOT_TOOLS = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { name: string }[];
const ALL_TOOLS = SNAPSHOT_TOOLS.map((t) => t.name).sort();
const READS = [
  'billing_check_refund',
  'billing_get_customer',
  'billing_get_invoice',
  'billing_get_order',
  'billing_list_invoices',
  'billing_list_refunds',
];
const SUPPORT_TOOLS = [
  ...READS,
  'billing_apply_refund',
  'billing_cancel_refund_plan',
  'billing_issue_refund',
].sort();
const APPROVER_TOOLS = [
  ...READS,
  'billing_approve_refund',
  'billing_cancel_refund_plan',
  'billing_list_pending_approvals',
].sort();
const HOOK_TIMEOUT = 120_000;

const auditFileOf = (dataDir: string) => join(dataDir, 'audit', 'portcullis-billing.audit.jsonl');

// Every process spawned here (and every temp dir) is killed/removed in afterAll. The environment of
// a spawned server: PATH/HOME and friends; none of the caller's PORTCULLIS_*, BILLING_*, DATABASE_URL,
// REDIS_URL, NODE_ENV, VITEST*.
const harness = serverHarness({
  cliPath: CLI,
  name: 'billing CLI',
  envPrefixes: ['BILLING_'],
  tempPrefix: 'billing-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// Results

// ---------------------------------------------------------------------------------------------

const refund = (orderId: string, amount: number, key = `e2e-${randomUUID()}`) => ({
  order_id: orderId,
  amount_minor: amount,
  reason: 'requested_by_customer',
  idempotency_key: key,
});

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
        PORTCULLIS_PRINCIPAL: 'agent-7',
        PORTCULLIS_ROLES: 'support',
        PORTCULLIS_TENANT: 'acme',
      }),
      stderr: 'pipe',
    });
    transport.stderr!.on('data', harness.lines(stderr));
    client = new Client({ name: 'billing-e2e-stdio', version: '1.0.0' });
    client.onerror = (e) => transportErrors.push(e);
    await client.connect(transport);
    pid = transport.pid;
    if (pid !== null) harness.trackPid(pid);
    // The first request waits for the store to open (PGlite's first start on an empty data dir).
    await client.listTools();
  }, HOOK_TIMEOUT);

  it('initializes as portcullis-billing and lists the committed snapshot tools a support agent may call', async () => {
    expect(client.getServerVersion()?.name).toBe('portcullis-billing');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    // Everything in the snapshot except approving and the approver's queue (the approver role) and
    // applying someone else's plan (admins).
    const notSupport = [
      'billing_approve_refund',
      'billing_list_pending_approvals',
      'billing_admin_apply_refund',
    ];
    expect(names).toEqual(ALL_TOOLS.filter((n) => !notSupport.includes(n)));
    expect(names).toEqual(SUPPORT_TOOLS);
    // Each listed tool is served exactly as reviewed (description, schemas, annotations).
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    expect(JSON.parse(JSON.stringify(sorted))).toEqual(SNAPSHOT_TOOLS.filter((t) => names.includes(t.name)));
  });

  it('reads: order 4821 is paid $450.00 with nothing refunded, and the dry run says what needs approval', async () => {
    const r = await call(client, 'billing_get_order', { order_id: '4821' });
    auditIds.read = (r._meta as Row)['portcullis/audit_id'];
    expect(ok(r).order).toMatchObject({ id: '4821', paid_minor: 45_000, refunded_minor: 0 });
    const dry = ok(await call(client, 'billing_check_refund', { order_id: '4821', amount_minor: 30_000 }));
    expect(dry).toMatchObject({ decision: 'approval_required', policies: ['billing-refund-needs-approval'] });
  });

  it('writes: refunds $50.00 directly, and the same idempotency key replays it', async () => {
    const args = refund('4821', 5_000, 'billing-e2e-stdio-0001');
    const r = await call(client, 'billing_issue_refund', args);
    const first = ok(r);
    auditIds.write = (r._meta as Row)['portcullis/audit_id'];
    expect(first).toMatchObject({
      replayed: false,
      plan_id: null,
      refund: { amount_minor: 5_000, requested_by: 'agent-7' },
      order: { refunded_minor: 5_000 },
    });
    const again = ok(await call(client, 'billing_issue_refund', args));
    expect(again).toMatchObject({ replayed: true, refund: { id: first.refund.id } });
  });

  it('is denied a refund over $500.00 with the error envelope, and approving does not exist for it', async () => {
    const env = envelope(await call(client, 'billing_issue_refund', refund('4822', 60_000)));
    expect(env).toMatchObject({ category: 'forbidden', retryable: false });
    auditIds.denied = env.audit_id;
    await expect(
      client.callTool({ name: 'billing_approve_refund', arguments: { plan_id: `plan_${randomUUID()}` } }),
    ).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof McpError && e.code === -32602 && /Unknown tool: billing_approve_refund/.test(e.message),
    );
  });

  it('after close: stdout carried only protocol, stderr only JSON logs, and the audit chain verifies', async () => {
    await client.close();
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
      principal: 'agent-7',
      tenant: 'acme',
    });

    const file = auditFileOf(dataDir);
    expect(existsSync(file)).toBe(true);
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit(file);
    expect(records.every((r) => r.principal === 'agent-7' && r.tenant === 'acme')).toBe(true);
    expect(records.find((r) => r.id === auditIds.read)).toMatchObject({
      tool: 'billing_get_order',
      outcome: 'ok',
    });
    expect(records.find((r) => r.id === auditIds.write)).toMatchObject({
      tool: 'billing_issue_refund',
      outcome: 'ok',
      decision: { effect: 'allow', policies: ['billing-refund-direct'] },
      refs: { refund_id: expect.any(String) },
    });
    expect(records.find((r) => r.id === auditIds.denied)).toMatchObject({
      tool: 'billing_issue_refund',
      outcome: 'denied',
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('HTTP: the built CLI with API keys, and the canonical refund across two principals', () => {
  const dir = harness.tempDir();
  const dataDir = join(dir, 'data');
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  let srv: HttpServer;
  const flow: Row = {};

  async function connectAs(principal: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
    });
    const c = new Client({ name: `billing-e2e-http-${principal}`, version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    return c;
  }

  async function approveOverHttp(planId: string, key: string | undefined) {
    const res = await fetch(`${srv.base}/approvals/${planId}`, {
      method: 'POST',
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Row };
  }

  beforeAll(async () => {
    const people = [
      { principal: 'agent-7', roles: ['support'], tenant: 'acme' },
      { principal: 'manager-1', roles: ['approver'], tenant: 'acme' },
      { principal: 'auditor', roles: ['viewer'], tenant: 'acme' },
      { principal: 'manager-g', roles: ['approver'], tenant: 'globex' },
    ];
    const apiKeys = harness.writeApiKeys(dir, people, generateApiKey);
    Object.assign(keys, apiKeys.keys);
    const keysFile = apiKeys.file;
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: keysFile,
    });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('lists tools per principal: the viewer only reads, support refunds, the approver approves', async () => {
    const names = async (p: string) =>
      (await (await connectAs(p)).listTools()).tools.map((t) => t.name).sort();
    expect(await names('auditor')).toEqual(READS);
    expect(await names('agent-7')).toEqual(SUPPORT_TOOLS);
    expect(await names('manager-1')).toEqual(APPROVER_TOOLS);
    expect(await names('manager-g')).toEqual(APPROVER_TOOLS);
  });

  it('the canonical refund: $150 direct, $300 planned, approved over POST /approvals, applied by the agent', async () => {
    const agent = await connectAs('agent-7');
    const auditor = await connectAs('auditor');

    // A viewer reads but has no refund tools at all.
    expect(ok(await call(auditor, 'billing_get_order', { order_id: '4821' })).order).toMatchObject({
      paid_minor: 45_000,
      refunded_minor: 0,
    });
    await expect(
      auditor.callTool({ name: 'billing_issue_refund', arguments: refund('4821', 100) }),
    ).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof McpError && e.code === -32602 && /Unknown tool: billing_issue_refund/.test(e.message),
    );

    // 1. $150.00 directly.
    const direct = await call(agent, 'billing_issue_refund', refund('4821', 15_000));
    const directOut = ok(direct);
    expect(directOut).toMatchObject({
      replayed: false,
      plan_id: null,
      refund: { amount_minor: 15_000, requested_by: 'agent-7' },
      order: { refunded_minor: 15_000 },
    });
    flow.directAuditId = (direct._meta as Row)['portcullis/audit_id'];
    flow.refundId = directOut.refund.id;

    // 2. $300.00 more needs an approved plan; nothing moves.
    const more = envelope(await call(agent, 'billing_issue_refund', refund('4821', 30_000)));
    expect(more).toMatchObject({
      code: 'approval_required',
      category: 'approval_required',
      details: { plan_id: expect.stringMatching(/^plan_/) },
    });
    const planId = more.details.plan_id as string;
    flow.planId = planId;
    flow.planAuditId = more.audit_id;
    expect(ok(await call(agent, 'billing_get_order', { order_id: '4821' })).order.refunded_minor).toBe(
      15_000,
    );

    // The requester may not approve their own plan; a bad key is unauthenticated.
    expect((await approveOverHttp(planId, keys['agent-7'])).status).toBe(403);
    const anon = await approveOverHttp(planId, undefined);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
    // Another tenant's approver does not see the plan.
    expect((await approveOverHttp(planId, keys['manager-g'])).status).toBe(404);

    // 3. The approver approves from outside the agent.
    const approved = await approveOverHttp(planId, keys['manager-1']);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      plan: {
        plan_id: planId,
        status: 'approved',
        requester: 'agent-7',
        approver: 'manager-1',
        amount_minor: 30_000,
      },
      approval_id: expect.any(String),
      approval_token: expect.any(String),
    });
    flow.approvalId = approved.body.approval_id;
    flow.approvalToken = approved.body.approval_token;

    // 4. The agent applies exactly the approved plan; the token works once.
    const apply = await call(agent, 'billing_apply_refund', {
      plan_id: planId,
      approval_token: approved.body.approval_token,
    });
    expect(ok(apply)).toMatchObject({
      plan: { plan_id: planId, status: 'applied' },
      approval_id: flow.approvalId,
      result: { refund: { amount_minor: 30_000 }, order: { refunded_minor: 45_000, status: 'refunded' } },
    });
    flow.applyAuditId = (apply._meta as Row)['portcullis/audit_id'];
    const replay = envelope(
      await call(agent, 'billing_apply_refund', {
        plan_id: planId,
        approval_token: approved.body.approval_token,
      }),
    );
    expect(replay.code).toBe('approval_token_replayed');
  });

  it('refuses a bad key on /mcp with 401 and a WWW-Authenticate challenge naming the resource metadata', async () => {
    const res = await fetch(srv.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${keys['agent-7']}x`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${srv.base}/.well-known/oauth-protected-resource/mcp"`,
    );
    await res.body?.cancel();
    const bad = new Client({ name: 'billing-e2e-bad', version: '1.0.0' });
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
    const nonEmpty = srv.stderr.filter((x) => x.trim() !== '');
    for (const l of nonEmpty) expect(() => JSON.parse(l), l).not.toThrow();
    const errors = nonEmpty
      .map((l) => JSON.parse(l) as Row)
      .filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors).toEqual([]);
  });

  it('after SIGTERM the audit file verifies and tells the whole refund: direct, plan, approval, apply', async () => {
    expect(flow.planId, 'the canonical flow ran').toBeDefined();
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
    srv.proc.kill('SIGTERM');
    expect(await exited).toBe(0);

    const file = auditFileOf(dataDir);
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit(file);
    expect(records.find((r) => r.id === flow.directAuditId)).toMatchObject({
      tool: 'billing_issue_refund',
      principal: 'agent-7',
      outcome: 'ok',
      decision: { effect: 'allow', policies: ['billing-refund-direct'] },
      refs: { refund_id: flow.refundId },
    });
    expect(records.find((r) => r.id === flow.planAuditId)).toMatchObject({
      tool: 'billing_issue_refund',
      principal: 'agent-7',
      outcome: 'approval_required',
      decision: { effect: 'approval_required', policies: ['billing-refund-needs-approval'] },
      refs: { plan_id: flow.planId },
    });
    const approval = records.find(
      (r) => r.tool === 'billing_approve_refund' && r.principal === 'manager-1' && r.outcome === 'ok',
    );
    expect(approval).toMatchObject({ refs: { plan_id: flow.planId, approval_id: flow.approvalId } });
    const apply = records.find((r) => r.id === flow.applyAuditId);
    expect(apply).toMatchObject({
      tool: 'billing_apply_refund',
      principal: 'agent-7',
      outcome: 'ok',
      refs: { plan_id: flow.planId, approval_id: flow.approvalId },
    });
    // Order of the story in the chain, and the bearer token appears nowhere in the file.
    const seqs = [flow.directAuditId, flow.planAuditId, approval!.id, flow.applyAuditId].map(
      (id) => records.find((r) => r.id === id)!.seq as number,
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(readFileSync(file, 'utf8')).not.toContain(flow.approvalToken);
    for (const k of Object.values(keys))
      expect(readFileSync(file, 'utf8')).not.toContain(k.replace(/^pk_[a-z0-9]+_/, ''));
  });
});

/**
 * Every billing tool and every refusal of issue 4, in-process with a real MCP client against the
 * real server (embedded backend). One runtime per file (opening the store is the slow part), so
 * each test uses its own principals and orders.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { verifyAuditFile } from '@portcullis/core/audit';
import type { BillingBackend } from '../src/backend.js';
import { server } from '../src/index.js';
import { billingSeed } from '../src/seed.js';

const seed = billingSeed();
const ALL_TOOLS = [
  'billing_admin_apply_refund',
  'billing_apply_refund',
  'billing_approve_refund',
  'billing_cancel_refund_plan',
  'billing_check_refund',
  'billing_get_customer',
  'billing_get_invoice',
  'billing_get_order',
  'billing_issue_refund',
  'billing_list_invoices',
  'billing_list_pending_approvals',
  'billing_list_refunds',
];
const READS = [
  'billing_check_refund',
  'billing_get_customer',
  'billing_get_invoice',
  'billing_get_order',
  'billing_list_invoices',
  'billing_list_refunds',
];

let h: InProcessHarness<BillingBackend>;
const clients = new Map<string, InProcessClient>();

async function as(id: string, roles: string[], tenant = 'acme'): Promise<InProcessClient> {
  const key = `${id}/${roles.join(',')}/${tenant}`;
  const existing = clients.get(key);
  if (existing) return existing;
  const c = await h.as({ id, roles, tenant });
  clients.set(key, c);
  return c;
}

/** Paid acme orders nobody has refunded yet, handed out once each. */
const fresh = seed.orders.filter((o) => o.tenant === 'acme' && o.status === 'paid' && o.id !== '4821');
function freshOrder(minPaid = 30_000): string {
  const i = fresh.findIndex((o) => o.paid_minor >= minPaid);
  const order = fresh[i];
  if (order === undefined) throw new Error('out of fresh orders');
  fresh.splice(i, 1);
  return order.id;
}

const key = (): string => `key-${randomUUID()}`;

/** structuredContent, as loosely typed as parsed JSON: the output schemas are checked by the kit. */
function ok(r: ToolCallOutcome): ReturnType<typeof JSON.parse> {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured;
}

function refused(r: ToolCallOutcome): NonNullable<ToolCallOutcome['envelope']> {
  expect(r.isError).toBe(true);
  expect(r.envelope).toBeDefined();
  expect(r.envelope!.audit_id).toMatch(/.+/);
  return r.envelope!;
}

function auditOf(id: string | undefined) {
  const rec = h.auditRecords().find((r) => r.id === id);
  expect(rec, `audit record ${id}`).toBeDefined();
  return rec!;
}

async function planFor(agent: InProcessClient, orderId: string, amount: number): Promise<string> {
  const r = await agent.callTool('billing_issue_refund', {
    order_id: orderId,
    amount_minor: amount,
    reason: 'requested_by_customer',
    idempotency_key: key(),
  });
  const env = refused(r);
  expect(env).toMatchObject({ code: 'approval_required', category: 'approval_required' });
  return env.details!.plan_id as string;
}

async function approve(approver: InProcessClient, planId: string): Promise<string> {
  return ok(await approver.callTool('billing_approve_refund', { plan_id: planId })).approval_token as string;
}

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: {
      BILLING_BACKEND: 'embedded',
      PORTCULLIS_RATE_TENANT: '100000/60s',
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '100000/60s',
    },
  });
});

afterAll(async () => {
  await h?.close();
});

describe('tools/list', () => {
  it('shows each role only what it may call', async () => {
    expect(await h.listToolNames()).toEqual(ALL_TOOLS);
    expect(await (await as('viewer-1', ['viewer'])).listToolNames()).toEqual(READS);
    expect(await (await as('agent-list', ['support'])).listToolNames()).toEqual(
      [...READS, 'billing_apply_refund', 'billing_cancel_refund_plan', 'billing_issue_refund'].sort(),
    );
    expect(await (await as('manager-list', ['approver'])).listToolNames()).toEqual(
      [
        ...READS,
        'billing_approve_refund',
        'billing_cancel_refund_plan',
        'billing_list_pending_approvals',
      ].sort(),
    );
    expect(await (await as('nobody', [])).listToolNames()).toEqual([]);
  });

  it('matches the committed snapshot (names, descriptions, schemas, annotations)', async () => {
    const { tools } = await h.client.listTools();
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    await expect(`${JSON.stringify(sorted, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tools-list.json',
    );
  });

  it('derives annotations from each tool access', async () => {
    const { tools } = await h.client.listTools();
    const by = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    for (const r of READS) expect(by[r]).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(by.billing_issue_refund).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(by.billing_apply_refund).toMatchObject({ destructiveHint: true, idempotentHint: false });
    expect(by.billing_approve_refund).toMatchObject({ readOnlyHint: false, destructiveHint: false });
  });
});

describe('reads', () => {
  it('billing_get_customer returns the customer and masks the email in the audit trail', async () => {
    const viewer = await as('viewer-1', ['viewer']);
    const r = await viewer.callTool('billing_get_customer', { customer_id: 'cus_acme_0001' });
    expect(ok(r).customer).toEqual(seed.customers.find((c) => c.id === 'cus_acme_0001'));
    const rec = auditOf(r.auditId);
    expect(rec).toMatchObject({
      tool: 'billing_get_customer',
      principal: 'viewer-1',
      tenant: 'acme',
      outcome: 'ok',
    });
    expect(JSON.stringify(rec)).not.toContain('billing@');
  });

  it('billing_get_order returns order 4821: $450.00 paid', async () => {
    const r = await (await as('viewer-1', ['viewer'])).callTool('billing_get_order', { order_id: '4821' });
    expect(ok(r).order).toMatchObject({
      id: '4821',
      paid_minor: 45_000,
      refundable_minor: 45_000,
      currency: 'usd',
    });
    expect(r.text).toContain('$450.00');
  });

  it("refuses another caller's or another tenant's cursor, and a forged one, as invalid_cursor", async () => {
    const viewer = await as('viewer-1', ['viewer']);
    const first = ok(await viewer.callTool('billing_list_invoices', { limit: 2 }));
    expect(first.next_cursor).not.toBeNull();
    for (const other of [await as('viewer-2', ['viewer']), await as('viewer-1', ['viewer'], 'globex')]) {
      const r = refused(
        await other.callTool('billing_list_invoices', { limit: 2, cursor: first.next_cursor }),
      );
      expect(r).toMatchObject({ code: 'invalid_cursor', category: 'validation' });
    }
    // The old unkeyed checksum could be recomputed by anyone; a signed cursor cannot be forged.
    const [body] = (first.next_cursor as string).split('.');
    const forged = `${body}.${'A'.repeat(43)}`;
    expect(
      refused(await viewer.callTool('billing_list_invoices', { limit: 2, cursor: forged })),
    ).toMatchObject({
      code: 'invalid_cursor',
      category: 'validation',
    });
  });

  it('billing_list_invoices pages to the end with its cursor', async () => {
    const viewer = await as('viewer-1', ['viewer']);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = ok(
        await viewer.callTool('billing_list_invoices', { limit: 25, ...(cursor ? { cursor } : {}) }),
      );
      ids.push(...page.invoices.map((x: { id: string }) => x.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(ids.sort()).toEqual(
      seed.invoices
        .filter((x) => x.tenant === 'acme')
        .map((x) => x.id)
        .sort(),
    );
    const bad = refused(
      await viewer.callTool('billing_list_invoices', { cursor: 'garbage.garbagegarbage00' }),
    );
    expect(bad).toMatchObject({ code: 'invalid_cursor', category: 'validation' });
  });

  it('billing_get_invoice and billing_list_refunds', async () => {
    const viewer = await as('viewer-1', ['viewer']);
    const inv = seed.invoices.find((x) => x.tenant === 'acme')!;
    expect(ok(await viewer.callTool('billing_get_invoice', { invoice_id: inv.id })).invoice).toEqual(inv);
    const refundedOrder = seed.orders.find((o) => o.tenant === 'acme' && o.status === 'refunded')!;
    const listed = ok(
      await viewer.callTool('billing_list_refunds', { order_id: refundedOrder.id, limit: 1 }),
    );
    expect(listed.refunds).toHaveLength(1);
    expect(listed.next_cursor).not.toBeNull();
  });

  it('tenant isolation: another tenant sees not_found, never the record', async () => {
    const globex = await as('agent-g', ['support'], 'globex');
    for (const [tool, args] of [
      ['billing_get_order', { order_id: '4821' }],
      ['billing_get_customer', { customer_id: 'cus_acme_0001' }],
      ['billing_get_invoice', { invoice_id: 'in_acme_0001' }],
      ['billing_list_refunds', { order_id: '4821' }],
      ['billing_check_refund', { order_id: '4821', amount_minor: 100 }],
      [
        'billing_issue_refund',
        { order_id: '4821', amount_minor: 100, reason: 'other', idempotency_key: key() },
      ],
    ] as const) {
      const env = refused(await globex.callTool(tool, args));
      expect(env.category, tool).toBe('not_found');
      expect(JSON.stringify(env)).not.toContain('acme');
    }
  });

  it('bad input is a clear validation error', async () => {
    const agent = await as('agent-val', ['support']);
    const env = refused(
      await agent.callTool('billing_issue_refund', {
        order_id: '4821',
        amount_minor: 150.5,
        reason: 'requested_by_customer',
        idempotency_key: key(),
      }),
    );
    expect(env).toMatchObject({ category: 'validation' });
    expect(env.message).toMatch(/amount_minor/);
  });
});

describe('billing_check_refund (dry run)', () => {
  it('answers allowed, approval required or denied with reasons and deciding policies, writing nothing', async () => {
    const agent = await as('agent-check', ['support']);
    const orderId = freshOrder();
    const check = async (amount: number) =>
      ok(await agent.callTool('billing_check_refund', { order_id: orderId, amount_minor: amount }));
    expect(await check(15_000)).toMatchObject({ decision: 'allowed', policies: ['billing-refund-direct'] });
    const approval = await check(30_000);
    expect(approval).toMatchObject({
      decision: 'approval_required',
      policies: ['billing-refund-needs-approval'],
    });
    expect(approval.reasons.join(' ')).toMatch(/approver/);
    const denied = await check(60_000);
    expect(denied.decision).toBe('denied');
    expect(denied.policies).toContain('billing-refund-over-limit');
    expect(denied.reasons.join(' ')).toMatch(/\$500\.00/);
    const viewer = ok(
      await (
        await as('viewer-1', ['viewer'])
      ).callTool('billing_check_refund', { order_id: orderId, amount_minor: 100 }),
    );
    expect(viewer).toMatchObject({ decision: 'denied', policies: [] });
    // Nothing was written: no refund, no budget, no plan.
    expect(ok(await agent.callTool('billing_get_order', { order_id: orderId })).order.refunded_minor).toBe(0);
    expect(ok(await agent.callTool('billing_list_refunds', { order_id: orderId })).refunds).toEqual([]);
    expect((await check(100)).budget.used_minor).toBe(0);
    const records = h
      .auditRecords()
      .filter((r) => r.tool === 'billing_check_refund' && r.principal === 'agent-check');
    expect(records.length).toBeGreaterThanOrEqual(4);
    expect(records.every((r) => r.outcome === 'ok' && r.refs?.plan_id === undefined)).toBe(true);
  });
});

describe('the canonical request: refund order 4821', () => {
  it('$150 directly, $300 more through an approved plan, all audited and linked', async () => {
    const agent = await as('agent-7', ['support']);
    const manager = await as('manager-1', ['approver']);

    const direct = await agent.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 15_000,
      reason: 'requested_by_customer',
      idempotency_key: 'canonical-4821-a',
    });
    const first = ok(direct);
    expect(first).toMatchObject({
      replayed: false,
      plan_id: null,
      refund: { amount_minor: 15_000, requested_by: 'agent-7' },
      order: { refunded_minor: 15_000 },
    });
    expect(direct.text).toMatch(/Refunded \$150\.00 on order 4821/);
    expect(auditOf(direct.auditId)).toMatchObject({
      outcome: 'ok',
      decision: { effect: 'allow', policies: ['billing-refund-direct'] },
      refs: { refund_id: first.refund.id },
    });

    const more = await agent.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 30_000,
      reason: 'requested_by_customer',
      idempotency_key: 'canonical-4821-b',
    });
    const env = refused(more);
    expect(env).toMatchObject({
      code: 'approval_required',
      category: 'approval_required',
      details: { plan_id: expect.stringMatching(/^plan_/) },
    });
    const planId = env.details!.plan_id as string;
    expect(auditOf(more.auditId)).toMatchObject({
      outcome: 'approval_required',
      refs: { plan_id: planId },
      decision: { effect: 'approval_required', policies: ['billing-refund-needs-approval'] },
    });
    // Planning refunded nothing.
    expect(ok(await agent.callTool('billing_get_order', { order_id: '4821' })).order.refunded_minor).toBe(
      15_000,
    );

    const approval = await manager.callTool('billing_approve_refund', { plan_id: planId });
    const approved = ok(approval);
    expect(approved.plan).toMatchObject({
      plan_id: planId,
      status: 'approved',
      requester: 'agent-7',
      approver: 'manager-1',
      order_id: '4821',
      amount_minor: 30_000,
    });
    const approvalRecord = auditOf(approval.auditId);
    expect(approvalRecord.refs).toMatchObject({ plan_id: planId, approval_id: approved.approval_id });
    expect(JSON.stringify(approvalRecord)).not.toContain(approved.approval_token);

    const apply = await agent.callTool('billing_apply_refund', {
      plan_id: planId,
      approval_token: approved.approval_token,
    });
    const applied = ok(apply);
    expect(applied).toMatchObject({
      plan: { plan_id: planId, status: 'applied' },
      approval_id: approved.approval_id,
      result: {
        plan_id: planId,
        refund: { amount_minor: 30_000 },
        order: { refunded_minor: 45_000, status: 'refunded' },
      },
    });
    const applyRecord = auditOf(apply.auditId);
    expect(applyRecord).toMatchObject({
      tool: 'billing_apply_refund',
      outcome: 'ok',
      refs: { plan_id: planId, approval_id: approved.approval_id },
    });
    expect(JSON.stringify(applyRecord)).not.toContain(approved.approval_token);

    const chain = await verifyAuditFile(h.auditFile);
    expect(chain).toMatchObject({ ok: true });
  });
});

describe('refusals', () => {
  it('a replayed approval token is refused and audited', async () => {
    const agent = await as('agent-replay', ['support']);
    const planId = await planFor(agent, freshOrder(), 25_000);
    const token = await approve(await as('manager-1', ['approver']), planId);
    ok(await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: token }));
    const r = await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
    expect(refused(r)).toMatchObject({ code: 'approval_token_replayed', category: 'conflict' });
    expect(auditOf(r.auditId)).toMatchObject({
      outcome: 'error',
      error_code: 'approval_token_replayed',
      refs: { plan_id: planId },
    });
  });

  it('a token approved for different arguments is refused', async () => {
    const agent = await as('agent-args', ['support']);
    const manager = await as('manager-1', ['approver']);
    const planA = await planFor(agent, freshOrder(), 25_000);
    const planB = await planFor(agent, freshOrder(), 26_000);
    const tokenA = await approve(manager, planA);
    await approve(manager, planB);
    const r = await agent.callTool('billing_apply_refund', { plan_id: planB, approval_token: tokenA });
    expect(refused(r)).toMatchObject({ code: 'plan_arguments_changed', category: 'approval_required' });
    expect(auditOf(r.auditId).error_code).toBe('plan_arguments_changed');
  });

  it('a tampered token is refused', async () => {
    const agent = await as('agent-tamper', ['support']);
    const planId = await planFor(agent, freshOrder(), 25_000);
    const token = await approve(await as('manager-1', ['approver']), planId);
    const [head, payload, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, approver: 'someone-else' })).toString('base64url')}.${sig}`;
    expect(
      refused(await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: forged })),
    ).toMatchObject({ code: 'approval_token_invalid' });
  });

  it('self-approval is refused, even for someone holding both roles', async () => {
    const lead = await as('lead-1', ['support', 'approver']);
    const planId = await planFor(lead, freshOrder(), 25_000);
    const r = await lead.callTool('billing_approve_refund', { plan_id: planId });
    expect(refused(r)).toMatchObject({ code: 'self_approval', category: 'forbidden' });
    expect(auditOf(r.auditId)).toMatchObject({ outcome: 'denied', error_code: 'self_approval' });
  });

  it('approval by a non-approver is refused: the approve tool does not exist for them', async () => {
    const agent = await as('agent-noapprove', ['support']);
    const other = await as('agent-requester', ['support']);
    const planId = await planFor(other, freshOrder(), 25_000);
    await expect(agent.callTool('billing_approve_refund', { plan_id: planId })).rejects.toThrow(
      /Unknown tool/,
    );
    const rec = h
      .auditRecords()
      .filter((x) => x.tool === 'billing_approve_refund' && x.principal === 'agent-noapprove');
    expect(rec.at(-1)).toMatchObject({ outcome: 'denied', error_code: 'unknown_tool' });
  });

  it('apply after cancel is refused', async () => {
    const agent = await as('agent-cancel', ['support']);
    const planId = await planFor(agent, freshOrder(), 25_000);
    const token = await approve(await as('manager-1', ['approver']), planId);
    const cancelled = await agent.callTool('billing_cancel_refund_plan', { plan_id: planId });
    expect(ok(cancelled)).toMatchObject({
      plan: { plan_id: planId, status: 'cancelled' },
      cancelled_by: 'agent-cancel',
    });
    expect(auditOf(cancelled.auditId).refs).toMatchObject({ plan_id: planId });
    const r = await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
    expect(refused(r)).toMatchObject({ code: 'plan_cancelled', category: 'conflict' });
  });

  it('only the requester or an approver may cancel a plan', async () => {
    const requester = await as('agent-own', ['support']);
    const planId = await planFor(requester, freshOrder(), 25_000);
    const colleague = await as('agent-colleague', ['support']);
    expect(
      refused(await colleague.callTool('billing_cancel_refund_plan', { plan_id: planId })),
    ).toMatchObject({ code: 'forbidden', category: 'forbidden', details: { plan_id: planId } });
    const globex = await as('manager-g', ['approver'], 'globex');
    expect(refused(await globex.callTool('billing_cancel_refund_plan', { plan_id: planId }))).toMatchObject({
      code: 'plan_not_found',
    });
    expect(
      ok(
        await (
          await as('manager-1', ['approver'])
        ).callTool('billing_cancel_refund_plan', { plan_id: planId }),
      ).plan.status,
    ).toBe('cancelled');
  });

  it('refunds over $500 are denied by policy, with the deciding policy named', async () => {
    const agent = await as('agent-big', ['support']);
    const r = await agent.callTool('billing_issue_refund', {
      order_id: freshOrder(),
      amount_minor: 50_001,
      reason: 'other',
      idempotency_key: key(),
    });
    expect(refused(r)).toMatchObject({
      category: 'forbidden',
      code: 'denied_by_policy',
      details: { policies: ['billing-refund-over-limit'] },
    });
    expect(auditOf(r.auditId)).toMatchObject({
      outcome: 'denied',
      decision: { effect: 'deny', policies: ['billing-refund-over-limit'] },
    });
  });

  it('a viewer cannot issue refunds (the tool does not exist for them)', async () => {
    const viewer = await as('viewer-1', ['viewer']);
    await expect(
      viewer.callTool('billing_issue_refund', {
        order_id: '4821',
        amount_minor: 100,
        reason: 'other',
        idempotency_key: key(),
      }),
    ).rejects.toThrow(/Unknown tool/);
  });
});

describe('money invariants through the tools', () => {
  it('an idempotency key repeated returns the first result and writes nothing new', async () => {
    const agent = await as('agent-idem', ['support']);
    const args = { order_id: freshOrder(), amount_minor: 5_000, reason: 'duplicate', idempotency_key: key() };
    const first = ok(await agent.callTool('billing_issue_refund', args));
    const again = await agent.callTool('billing_issue_refund', args);
    expect(ok(again)).toMatchObject({ replayed: true, refund: { id: first.refund.id } });
    expect(again.text).toMatch(/nothing new was refunded/);
    expect(auditOf(again.auditId).refs).toMatchObject({ refund_id: first.refund.id, replayed: 'true' });
    expect(
      ok(await agent.callTool('billing_list_refunds', { order_id: args.order_id })).refunds,
    ).toHaveLength(1);
    const changed = refused(await agent.callTool('billing_issue_refund', { ...args, amount_minor: 5_001 }));
    expect(changed).toMatchObject({ code: 'idempotency_key_reused', category: 'conflict' });
  });

  it('the daily budget is a forbid policy, and parallel refunds never overshoot it', async () => {
    const agent = await as('agent-burst', ['support']);
    const orders = Array.from({ length: 8 }, () => freshOrder(15_000));
    // 8 x $150 = $1,200 fired at once against a $1,000 budget: the policy check alone would race.
    const results = await Promise.all(
      orders.map((o) =>
        agent.callTool('billing_issue_refund', {
          order_id: o,
          amount_minor: 15_000,
          reason: 'requested_by_customer',
          idempotency_key: key(),
        }),
      ),
    );
    const succeeded = results.filter((r) => !r.isError);
    expect(succeeded.length).toBeLessThanOrEqual(6);
    for (const r of results.filter((x) => x.isError))
      expect(['denied_by_policy', 'daily_refund_budget_exceeded']).toContain(r.envelope!.code);
    const budget = ok(
      await agent.callTool('billing_check_refund', { order_id: orders[0]!, amount_minor: 15_000 }),
    );
    expect(budget.budget.used_minor).toBe(succeeded.length * 15_000);
    expect(budget.budget.used_minor).toBeLessThanOrEqual(100_000);
    // Now sequential: the policy names the budget.
    const more = refused(
      await agent.callTool('billing_issue_refund', {
        order_id: freshOrder(15_000),
        amount_minor: 15_000,
        reason: 'requested_by_customer',
        idempotency_key: key(),
      }),
    );
    expect(more).toMatchObject({
      code: 'denied_by_policy',
      details: { policies: ['billing-refund-daily-budget'] },
    });
    expect(budget.decision).toBe('denied');
    expect(budget.policies).toContain('billing-refund-daily-budget');
  });
});

// Last: moving the clock forward also moves the rate limiter's windows for the rest of the file.
describe('expiry', () => {
  it('an expired token is refused', async () => {
    const agent = await as('agent-expire', ['support']);
    const planId = await planFor(agent, freshOrder(), 25_000);
    const token = await approve(await as('manager-1', ['approver']), planId);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60 * 60_000 });
    try {
      const r = await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
      expect(refused(r)).toMatchObject({ code: 'approval_token_expired', category: 'approval_required' });
      expect(auditOf(r.auditId).error_code).toBe('approval_token_expired');
    } finally {
      vi.useRealTimers();
    }
  });
});

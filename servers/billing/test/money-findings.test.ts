/**
 * The security review's money findings (issue 8: 1, 2, 6, 7) and issue 9's apply-time re-checks
 * and threshold edges, through the tools: a real MCP client against the real server, with a clock
 * injected for the UTC day budgets count. Each test works in its own tenant and orders, so budgets
 * and queues do not leak between tests.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import type { BillingBackend } from '../src/backend.js';
import { createBillingServer } from '../src/index.js';

const clock = { now: Date.parse('2026-03-10T12:00:00Z') };
let h: InProcessHarness<BillingBackend>;

/** Limits per currency (minor units): JPY has no decimals, KWD three. */
const LIMITS = {
  USD: { above: 20_000, max: 50_000, daily: 100_000, tenant: 150_000 },
  JPY: { above: 30_000, max: 75_000, daily: 150_000, tenant: 400_000 },
  KWD: { above: 60_000, max: 150_000, daily: 300_000, tenant: 800_000 },
} as const;
type Cur = keyof typeof LIMITS;
const table = (pick: (l: (typeof LIMITS)[Cur]) => number): string =>
  ['EUR:20000', ...Object.entries(LIMITS).map(([c, l]) => `${c}:${pick(l)}`)].join(',');

beforeAll(async () => {
  h = await startInProcess(createBillingServer({ now: () => clock.now }), {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: {
      BILLING_BACKEND: 'embedded',
      BILLING_REFUND_APPROVAL_ABOVE: table((l) => l.above),
      BILLING_REFUND_MAX: table((l) => l.max),
      BILLING_DAILY_REFUND_BUDGET: table((l) => l.daily),
      BILLING_TENANT_DAILY_REFUND_BUDGET: table((l) => l.tenant),
      PORTCULLIS_PLAN_TTL_SECONDS: '7200',
      PORTCULLIS_APPROVAL_TOKEN_TTL_SECONDS: '300',
      PORTCULLIS_RATE_TENANT: '100000/60s',
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '100000/60s',
    },
  });
});

afterAll(async () => {
  await h?.close();
});

let seq = 0;
/** A paid order of its own in `tenant` (the demo seed is USD only). */
async function addOrder(tenant: string, currency: string, paid: number): Promise<string> {
  const n = ++seq;
  const store = h.runtime.kitServices.store;
  const at = new Date(Date.parse('2026-01-01T00:00:00Z') + n * 1000).toISOString();
  const id = `m${n}`;
  await store.query(
    'INSERT INTO billing_customers (id, tenant, name, email, currency, created_at) VALUES ($1, $2, $3, NULL, $4, $5)',
    [`cus_m_${n}`, tenant, `Customer ${n}`, currency, at],
  );
  await store.query(
    `INSERT INTO billing_orders (tenant, id, customer_id, description, currency, amount_minor, paid_minor, refunded_minor, payment_id, version, created_at)
     VALUES ($1, $2, $3, 'test order', $4, $5, $5, 0, $6, 1, $7)`,
    [tenant, id, `cus_m_${n}`, currency, paid, `pi_m_${n}`, at],
  );
  await store.query(
    `INSERT INTO billing_payments (id, tenant, order_id, amount_minor, currency, status, created_at) VALUES ($1, $2, $3, $4, $5, 'succeeded', $6)`,
    [`pi_m_${n}`, tenant, id, paid, currency, at],
  );
  return id;
}

/** Waits (bounded) for the wall clock to tick, so plans made one after another differ in created_at. */
function nextMs(): void {
  const t0 = Date.now();
  for (let i = 0; i < 1e8 && Date.now() === t0; i++);
}

const who = (id: string, roles: string[], tenant: string): Promise<InProcessClient> =>
  h.as({ id, roles, tenant });

function ok(r: ToolCallOutcome): ReturnType<typeof JSON.parse> {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured;
}

function refused(r: ToolCallOutcome): NonNullable<ToolCallOutcome['envelope']> {
  expect(r.isError).toBe(true);
  expect(r.envelope?.audit_id).toMatch(/.+/);
  return r.envelope!;
}

const refund = (c: InProcessClient, order_id: string, amount_minor: number) =>
  c.callTool('billing_issue_refund', {
    order_id,
    amount_minor,
    reason: 'requested_by_customer',
    idempotency_key: `key-${randomUUID()}`,
  });

async function plan(c: InProcessClient, order: string, amount: number): Promise<string> {
  const env = refused(await refund(c, order, amount));
  expect(env).toMatchObject({
    code: 'approval_required',
    details: { policies: ['billing-refund-needs-approval'] },
  });
  return env.details!.plan_id as string;
}

async function approve(c: InProcessClient, planId: string): Promise<string> {
  return ok(await c.callTool('billing_approve_refund', { plan_id: planId })).approval_token as string;
}

function deniedBy(r: ToolCallOutcome, policy: string): void {
  expect(refused(r)).toMatchObject({
    code: 'denied_by_policy',
    category: 'forbidden',
    details: { policies: [policy] },
  });
}

describe('finding 1: split refunds meet the thresholds on the order cumulative total', () => {
  it('finding 1: split refunds walk past neither approval nor the hard limit; open plans count', async () => {
    const t = 't-split';
    const agent = await who('agent-split', ['support'], t);
    const order = await addOrder(t, 'usd', 60_000);
    expect(ok(await refund(agent, order, 15_000)).order.refunded_minor).toBe(15_000);
    // $150 more on the same order: $300 in total, so an approver must see it (it went through before).
    const first = await plan(agent, order, 15_000);
    // The open plan counts: $150 done + $150 planned + $200 = $500 still needs approval ...
    await plan(agent, order, 20_000);
    // ... and one cent more than $500 in total is never through this server.
    deniedBy(await refund(agent, order, 1), 'billing-refund-over-limit');
    const check = ok(await agent.callTool('billing_check_refund', { order_id: order, amount_minor: 1 }));
    expect(check).toMatchObject({
      decision: 'denied',
      policies: ['billing-refund-over-limit'],
      order: { refunded_minor: 15_000, planned_minor: 35_000 },
    });
    // Cancelling a plan gives its room back.
    ok(await agent.callTool('billing_cancel_refund_plan', { plan_id: first }));
    await plan(agent, order, 1);
  });

  it("finding 1: the tenant's daily budget holds across principals (two agents cannot double it)", async () => {
    const t = 't-tenant';
    const a = await who('agent-ta', ['support'], t);
    const b = await who('agent-tb', ['support'], t);
    const orders = await Promise.all(Array.from({ length: 9 }, () => addOrder(t, 'usd', 20_000)));
    for (const o of orders.slice(0, 5)) ok(await refund(a, o, 20_000)); // a: $1,000, its own budget
    ok(await refund(b, orders[5]!, 20_000));
    ok(await refund(b, orders[6]!, 20_000)); // tenant: $1,400 of $1,500
    deniedBy(await refund(b, orders[7]!, 10_001), 'billing-refund-tenant-daily-budget');
    const at = ok(await refund(b, orders[7]!, 10_000)); // exactly $1,500
    expect(at.budget).toMatchObject({
      used_minor: 50_000,
      tenant_used_minor: 150_000,
      tenant_remaining_minor: 0,
    });
    // The next UTC day is a new budget for the tenant too.
    const saved = clock.now;
    clock.now = Date.parse('2026-03-11T00:00:00Z');
    try {
      ok(await refund(b, orders[8]!, 100));
    } finally {
      clock.now = saved;
    }
  });
});

describe('finding 2: thresholds and budgets per currency, from the configured table', () => {
  it('finding 2: a JPY or KWD amount meets its own currency threshold, not the USD number', async () => {
    const t = 't-cur';
    const agent = await who('agent-cur', ['support'], t);
    // JPY has no minor unit: its threshold is 30,000 yen, whatever USD's number is.
    const jpy = await addOrder(t, 'jpy', 100_000);
    expect(ok(await refund(agent, jpy, 30_000)).refund).toMatchObject({
      amount_minor: 30_000,
      currency: 'jpy',
    });
    await plan(agent, await addOrder(t, 'jpy', 100_000), 30_001);
    // KWD has three decimals: 60.000 KWD is 60000 fils.
    const kwd = await addOrder(t, 'kwd', 200_000);
    const r = ok(await refund(agent, kwd, 60_000));
    expect(r.budget).toMatchObject({ currency: 'kwd', used_minor: 60_000, limit_minor: 300_000 });
    await plan(agent, kwd, 1);
  });

  it('finding 2: minor units of different currencies never add up into one budget', async () => {
    const t = 't-budgets';
    const agent = await who('agent-budgets', ['support'], t);
    for (let i = 0; i < 5; i++) ok(await refund(agent, await addOrder(t, 'usd', 20_000), 20_000));
    deniedBy(await refund(agent, await addOrder(t, 'usd', 20_000), 1), 'billing-refund-daily-budget');
    // The USD budget is spent; yen are counted on their own.
    const yen = ok(await refund(agent, await addOrder(t, 'jpy', 20_000), 20_000));
    expect(yen.budget).toMatchObject({ currency: 'jpy', used_minor: 20_000, limit_minor: 150_000 });
  });

  it('finding 2: a currency with no entry is refused for refunds naming the setting; reads still work', async () => {
    const t = 't-chf';
    const agent = await who('agent-chf', ['support'], t);
    const order = await addOrder(t, 'chf', 50_000);
    const env = refused(await refund(agent, order, 100));
    expect(env).toMatchObject({
      code: 'currency_not_configured',
      category: 'validation',
      details: { currency: 'CHF', setting: 'BILLING_REFUND_APPROVAL_ABOVE' },
    });
    expect(env.message).toContain('BILLING_REFUND_APPROVAL_ABOVE');
    expect(ok(await agent.callTool('billing_get_order', { order_id: order })).order.currency).toBe('chf');
    const check = ok(await agent.callTool('billing_check_refund', { order_id: order, amount_minor: 100 }));
    expect(check.decision).toBe('denied');
    expect(check.reasons.join(' ')).toContain('BILLING_REFUND_APPROVAL_ABOVE');
  });
});

describe('finding 6: an approval token is not a bearer token', () => {
  it('finding 6: only the requester applies; another support user is refused', async () => {
    const t = 't-bearer';
    const requester = await who('agent-req', ['support'], t);
    const other = await who('agent-other', ['support'], t);
    const approver = await who('manager-b', ['approver'], t);
    const planId = await plan(requester, await addOrder(t, 'usd', 40_000), 30_000);
    const token = await approve(approver, planId);
    const r = await other.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
    expect(refused(r)).toMatchObject({ code: 'not_plan_requester', category: 'forbidden' });
    expect(h.auditRecords().find((x) => x.id === r.auditId)).toMatchObject({
      principal: 'agent-other',
      outcome: 'denied',
      error_code: 'not_plan_requester',
    });
    // The refused attempt consumed nothing: the requester applies, and it is their budget.
    const applied = ok(
      await requester.callTool('billing_apply_refund', { plan_id: planId, approval_token: token }),
    );
    expect(applied.result.budget.used_minor).toBe(30_000);
  });

  it("finding 6: an admin override is its own audited action and charges the requester's budget", async () => {
    const t = 't-override';
    const requester = await who('agent-away', ['support'], t);
    const approver = await who('manager-o', ['approver'], t);
    const admin = await who('admin-o', ['admin'], t);
    expect(await requester.listToolNames()).not.toContain('billing_admin_apply_refund');
    const order = await addOrder(t, 'usd', 40_000);
    const planId = await plan(requester, order, 30_000);
    const token = await approve(approver, planId);
    expect(
      refused(await admin.callTool('billing_apply_refund', { plan_id: planId, approval_token: token })),
    ).toMatchObject({ code: 'not_plan_requester' });
    const r = await admin.callTool('billing_admin_apply_refund', { plan_id: planId, approval_token: token });
    expect(ok(r).result.refund).toMatchObject({ amount_minor: 30_000, requested_by: 'agent-away' });
    expect(h.auditRecords().find((x) => x.id === r.auditId)).toMatchObject({
      tool: 'billing_admin_apply_refund',
      principal: 'admin-o',
      outcome: 'ok',
      refs: { plan_id: planId, requester: 'agent-away' },
    });
    const mine = ok(await admin.callTool('billing_check_refund', { order_id: order, amount_minor: 1 }));
    expect(mine.budget.used_minor).toBe(0);
    const theirs = ok(await requester.callTool('billing_check_refund', { order_id: order, amount_minor: 1 }));
    expect(theirs.budget.used_minor).toBe(30_000);
  });
});

describe('finding 7: approvers find what waits for them; lifetimes are settings', () => {
  it('finding 7: billing_list_pending_approvals lists the tenant queue newest first, paged, without own plans', async () => {
    const t = 't-queue';
    const agent = await who('agent-q', ['support'], t);
    const lead = await who('lead-q', ['support', 'approver'], t);
    const approver = await who('manager-q', ['approver'], t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      nextMs();
      ids.push(await plan(agent, await addOrder(t, 'usd', 30_000), 25_000 + i));
    }
    nextMs();
    const leadsOwn = await plan(lead, await addOrder(t, 'usd', 30_000), 25_000);
    expect(await agent.listToolNames()).not.toContain('billing_list_pending_approvals');
    const first = ok(await approver.callTool('billing_list_pending_approvals', { limit: 3 }));
    expect(first.plans.map((p: { plan_id: string }) => p.plan_id)).toEqual([leadsOwn, ids[2], ids[1]]);
    expect(first.plans[1]).toMatchObject({ requester: 'agent-q', amount_minor: 25_002, currency: 'usd' });
    const second = ok(
      await approver.callTool('billing_list_pending_approvals', { limit: 3, cursor: first.next_cursor }),
    );
    expect(second).toMatchObject({ plans: [{ plan_id: ids[0] }], next_cursor: null });
    // Not the lead's own request (they cannot approve it), and not once decided.
    await approve(approver, ids[2]!);
    const leads = ok(await lead.callTool('billing_list_pending_approvals', {}));
    expect(leads.plans.map((p: { plan_id: string }) => p.plan_id)).toEqual([ids[1], ids[0]]);
    // Another tenant's approver sees none of them; a cursor is the caller's own.
    const foreign = await who('manager-x', ['approver'], 't-elsewhere');
    expect(ok(await foreign.callTool('billing_list_pending_approvals', {})).plans).toEqual([]);
    expect(
      refused(await lead.callTool('billing_list_pending_approvals', { limit: 3, cursor: first.next_cursor })),
    ).toMatchObject({ code: 'invalid_cursor' });
  });

  it('finding 7: plan and token lifetimes come from PORTCULLIS_PLAN_TTL_SECONDS and PORTCULLIS_APPROVAL_TOKEN_TTL_SECONDS', async () => {
    const t = 't-ttl';
    const agent = await who('agent-ttl', ['support'], t);
    const approver = await who('manager-ttl', ['approver'], t);
    const env = refused(await refund(agent, await addOrder(t, 'usd', 30_000), 25_000));
    const planId = env.details!.plan_id as string;
    const listed = ok(await approver.callTool('billing_list_pending_approvals', {})).plans[0];
    expect(Date.parse(listed.expires_at) - Date.parse(listed.created_at)).toBe(7_200_000);
    const approved = ok(await approver.callTool('billing_approve_refund', { plan_id: planId }));
    const ttl = Date.parse(approved.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(240_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
  });
});

describe('issue 9.3: apply re-checks policy and the target through the tools', () => {
  it('plan, approve, another refund on the same order, apply: plan_target_changed', async () => {
    const t = 't-moved';
    const agent = await who('agent-m', ['support'], t);
    const approver = await who('manager-m', ['approver'], t);
    const order = await addOrder(t, 'usd', 50_000);
    const big = await plan(agent, order, 30_000);
    const small = await plan(agent, order, 10_000); // $300 planned + $100: needs approval too
    const bigToken = await approve(approver, big);
    const smallToken = await approve(approver, small);
    ok(await agent.callTool('billing_apply_refund', { plan_id: small, approval_token: smallToken }));
    const r = await agent.callTool('billing_apply_refund', { plan_id: big, approval_token: bigToken });
    expect(refused(r)).toMatchObject({ code: 'plan_target_changed', category: 'conflict' });
    expect(ok(await agent.callTool('billing_get_order', { order_id: order })).order.refunded_minor).toBe(
      10_000,
    );
  });

  it('plan, approve, budget used up meanwhile, apply: denied by the daily budget policy', async () => {
    const t = 't-spent';
    const agent = await who('agent-sp', ['support'], t);
    const approver = await who('manager-sp', ['approver'], t);
    const planId = await plan(agent, await addOrder(t, 'usd', 30_000), 30_000);
    const token = await approve(approver, planId);
    for (let i = 0; i < 4; i++) ok(await refund(agent, await addOrder(t, 'usd', 20_000), 20_000)); // $800
    const r = await agent.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
    deniedBy(r, 'billing-refund-daily-budget');
    expect(h.auditRecords().find((x) => x.id === r.auditId)).toMatchObject({
      tool: 'billing_apply_refund',
      outcome: 'denied',
      decision: { effect: 'deny', policies: ['billing-refund-daily-budget'] },
    });
  });
});

describe('issue 9.5: thresholds at their edges, per currency, through the tools', () => {
  const currencies = Object.keys(LIMITS) as Cur[];

  it.each(currencies)('%s: approval threshold and maximum, each side of the edge', async (cur) => {
    const l = LIMITS[cur];
    const t = `t-edge-${cur}`;
    const agent = await who(`agent-edge-${cur}`, ['support'], t);
    const order = await addOrder(t, cur.toLowerCase(), l.max + 10);
    const cases: [number, string, string][] = [
      [l.above, 'allowed', 'billing-refund-direct'],
      [l.above + 1, 'approval_required', 'billing-refund-needs-approval'],
      [l.max, 'approval_required', 'billing-refund-needs-approval'],
      [l.max + 1, 'denied', 'billing-refund-over-limit'],
    ];
    for (const [amount, decision, policy] of cases) {
      const c = ok(await agent.callTool('billing_check_refund', { order_id: order, amount_minor: amount }));
      expect({ amount, decision: c.decision, policies: c.policies }).toEqual({
        amount,
        decision,
        policies: [policy],
      });
    }
    // And the refund itself at each edge.
    ok(await refund(agent, await addOrder(t, cur.toLowerCase(), l.max + 10), l.above));
    await plan(agent, await addOrder(t, cur.toLowerCase(), l.max + 10), l.above + 1);
    await plan(agent, await addOrder(t, cur.toLowerCase(), l.max + 10), l.max);
    deniedBy(
      await refund(agent, await addOrder(t, cur.toLowerCase(), l.max + 10), l.max + 1),
      'billing-refund-over-limit',
    );
  });

  it.each(currencies)('%s: the daily budget at and past its edge, on the injected UTC day', async (cur) => {
    const l = LIMITS[cur];
    const t = `t-day-${cur}`;
    const agent = await who(`agent-day-${cur}`, ['support'], t);
    const saved = clock.now;
    clock.now = Date.parse('2026-03-12T23:59:59.999Z');
    try {
      const pieces = l.daily / l.above;
      for (let i = 0; i < pieces; i++)
        ok(await refund(agent, await addOrder(t, cur.toLowerCase(), l.above), l.above));
      const last = await addOrder(t, cur.toLowerCase(), l.above);
      const check = ok(await agent.callTool('billing_check_refund', { order_id: last, amount_minor: 1 }));
      expect(check.budget).toMatchObject({ used_minor: l.daily, remaining_minor: 0 });
      deniedBy(await refund(agent, last, 1), 'billing-refund-daily-budget');
      clock.now = Date.parse('2026-03-13T00:00:00.000Z');
      expect(ok(await refund(agent, last, 1)).budget).toMatchObject({ day: '2026-03-13', used_minor: 1 });
    } finally {
      clock.now = saved;
    }
  });
});

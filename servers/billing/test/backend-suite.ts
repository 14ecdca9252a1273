/**
 * The one backend suite both implementations pass: same seed, same answers, same money invariants.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PortcullisError } from '@portcullis/core';
import type { BillingBackend, RefundRequest } from '../src/backend.js';
import type { Invoice, Refund } from '../src/domain.js';
import { billingSeed } from '../src/seed.js';
import type { BackendHarness } from './harness.js';
import { DAY } from './harness.js';

const seed = billingSeed();
const desc = <T extends { created_at: string; id: string }>(a: T, b: T): number =>
  b.created_at.localeCompare(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export async function refusal(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PortcullisError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

let keySeq = 0;
/** A request executing an approved plan: the order's maximum applies, not the approval threshold. */
export function plannedReq(over: Partial<RefundRequest> = {}): RefundRequest {
  const id = `plan_00000000-0000-4000-8000-${String(++keySeq).padStart(12, '0')}`;
  return refundReq({ plan_id: id, idempotency_key: `plan:${id}`, ...over });
}

export function refundReq(over: Partial<RefundRequest> = {}): RefundRequest {
  keySeq++;
  return {
    tenant: 'acme',
    order_id: '4821',
    amount_minor: 15_000,
    reason: 'requested_by_customer',
    note: null,
    principal_id: 'agent-1',
    idempotency_key: `test-key-${keySeq}-${Math.random().toString(36).slice(2)}`,
    plan_id: null,
    ...over,
  };
}

async function allPages<T>(
  fetch: (cursor: string | null) => Promise<{ items: T[]; next_cursor: string | null } | null>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page = await fetch(cursor);
    if (page === null) throw new Error('no page');
    out.push(...page.items);
    if (page.next_cursor === null) return out;
    cursor = page.next_cursor;
  }
  throw new Error('paging did not end');
}

/** Paid orders of acme without refunds, for tests that need fresh money to refund. */
function freshPaidOrders(tenant = 'acme'): string[] {
  return seed.orders
    .filter((o) => o.tenant === tenant && o.paid_minor >= 20_000 && o.refunded_minor === 0 && o.id !== '4821')
    .map((o) => o.id);
}

/**
 * `parallel`: the store runs transactions truly in parallel (a PostgreSQL server), so the racing
 * tests race; on PGlite (one connection) the same calls are serialised and check the sequential
 * invariant only, and are named for that.
 */
export function backendSuite(
  name: string,
  setup: () => Promise<BackendHarness>,
  opts: { parallel?: boolean; stripe?: boolean } = {},
): void {
  const racing =
    opts.parallel === true ? 'racing in parallel transactions' : 'sent at once (serialised by PGlite)';
  // Stripe's refunded total cannot be locked from the store: the order's cumulative threshold holds
  // for calls one after another there (budgets and Stripe's over-refund check hold under races).
  const orderCalls = opts.stripe === true ? 'one after another (Stripe backend)' : racing;
  describe(`billing backend: ${name}`, () => {
    let h: BackendHarness;
    let b: BillingBackend;

    beforeAll(async () => {
      h = await setup();
    });

    beforeEach(async () => {
      await h.reset();
      b = h.backend;
    });

    afterAll(async () => {
      await h.close();
    });

    describe('reads', () => {
      it('gets a customer of the tenant, and nothing across tenants', async () => {
        const expected = seed.customers.find((c) => c.id === 'cus_acme_0001')!;
        expect(await b.getCustomer('acme', 'cus_acme_0001')).toEqual(expected);
        expect(await b.getCustomer('globex', 'cus_acme_0001')).toBeNull();
        expect(await b.getCustomer('acme', 'cus_acme_9999')).toBeNull();
      });

      it('gets order 4821: paid $450.00, nothing refunded', async () => {
        const order = await b.getOrder('acme', '4821');
        expect(order).toMatchObject({
          id: '4821',
          tenant: 'acme',
          status: 'paid',
          currency: 'usd',
          amount_minor: 45_000,
          paid_minor: 45_000,
          refunded_minor: 0,
          refundable_minor: 45_000,
          payment_id: 'pi_acme_4821',
        });
        const { version: _v, ...rest } = order!;
        const { version: _sv, ...seeded } = seed.orders.find((o) => o.tenant === 'acme' && o.id === '4821')!;
        expect(rest).toEqual(seeded);
        expect(await b.getOrder('globex', '4821')).toBeNull();
        expect(await b.getOrder('acme', '99999')).toBeNull();
      });

      it('answers every seeded order as seeded (paid, unpaid, partly and fully refunded)', async () => {
        const statuses = ['paid', 'unpaid', 'partially_refunded', 'refunded'];
        const sample = seed.orders.filter(
          (o, i) => i % 6 === 0 || seed.orders.find((x) => x.status === o.status) === o,
        );
        expect(statuses.every((st) => sample.some((o) => o.status === st))).toBe(true);
        for (const o of sample) {
          const got = await b.getOrder(o.tenant, o.id);
          const { version: _v, ...rest } = got!;
          const { version: _sv, ...want } = o;
          expect(rest).toEqual(want);
        }
      });

      it('lists invoices newest first, to the end, without gaps or repeats', async () => {
        const expected = seed.invoices.filter((i) => i.tenant === 'acme').sort(desc);
        const got = await allPages<Invoice>((cursor) => b.listInvoices('acme', {}, { cursor, limit: 7 }));
        expect(got.map((i) => i.id)).toEqual(expected.map((i) => i.id));
        expect(got).toEqual(expected);
      });

      it('filters invoices by customer and by status', async () => {
        const customer = seed.invoices.find((i) => i.tenant === 'acme')!.customer_id;
        const byCustomer = await allPages<Invoice>((cursor) =>
          b.listInvoices('acme', { customer_id: customer }, { cursor, limit: 2 }),
        );
        expect(byCustomer.map((i) => i.id)).toEqual(
          seed.invoices
            .filter((i) => i.customer_id === customer)
            .sort(desc)
            .map((i) => i.id),
        );
        const open = await allPages<Invoice>((cursor) =>
          b.listInvoices('acme', { status: 'open' }, { cursor, limit: 3 }),
        );
        expect(open.length).toBeGreaterThan(0);
        expect(open.map((i) => i.id)).toEqual(
          seed.invoices
            .filter((i) => i.tenant === 'acme' && i.status === 'open')
            .sort(desc)
            .map((i) => i.id),
        );
        // Another tenant's customer has no invoices here.
        expect(
          (await b.listInvoices('globex', { customer_id: customer }, { cursor: null, limit: 10 })).items,
        ).toEqual([]);
      });

      it('refuses a cursor that was tampered with or belongs to another query', async () => {
        const first = await b.listInvoices('acme', {}, { cursor: null, limit: 2 });
        expect(first.next_cursor).not.toBeNull();
        expect(
          await refusal(b.listInvoices('acme', { status: 'paid' }, { cursor: first.next_cursor, limit: 2 })),
        ).toMatchObject({ code: 'invalid_cursor', category: 'validation' });
        expect(
          await refusal(b.listInvoices('globex', {}, { cursor: first.next_cursor, limit: 2 })),
        ).toMatchObject({ code: 'invalid_cursor' });
        expect(
          await refusal(b.listInvoices('acme', {}, { cursor: 'not a cursor!', limit: 2 })),
        ).toMatchObject({ code: 'invalid_cursor' });
        expect(
          await refusal(b.listInvoices('acme', {}, { cursor: `${first.next_cursor}x`, limit: 2 })),
        ).toMatchObject({ code: 'invalid_cursor' });
      });

      it('gets an invoice with its lines, and nothing across tenants', async () => {
        const inv = seed.invoices.find((i) => i.tenant === 'acme' && i.lines.length > 1)!;
        expect(await b.getInvoice('acme', inv.id)).toEqual(inv);
        expect(await b.getInvoice('globex', inv.id)).toBeNull();
        expect(await b.getInvoice('acme', 'in_acme_9999')).toBeNull();
      });

      it('lists the refunds of an order, paging to the end', async () => {
        const refunded = seed.orders.find((o) => o.tenant === 'acme' && o.status === 'refunded')!;
        const expected = seed.refunds
          .filter((r) => r.order_id === refunded.id && r.tenant === 'acme')
          .sort(desc);
        expect(expected.length).toBeGreaterThan(1);
        const got = await allPages<Refund>((cursor) =>
          b.listRefunds('acme', refunded.id, { cursor, limit: 1 }),
        );
        expect(got).toEqual(expected);
        expect((await b.listRefunds('acme', '4821', { cursor: null, limit: 10 }))?.items).toEqual([]);
        expect(await b.listRefunds('globex', refunded.id, { cursor: null, limit: 10 })).toBeNull();
        expect(await b.listRefunds('acme', 'nope', { cursor: null, limit: 10 })).toBeNull();
      });
    });

    describe('refunds', () => {
      it('refunds $150.00 of order 4821 and shows it everywhere', async () => {
        const before = (await b.getOrder('acme', '4821'))!.version;
        const req = refundReq({ note: 'damaged on arrival' });
        const out = await b.issueRefund(req);
        expect(out.replayed).toBe(false);
        expect(out.refund).toMatchObject({
          tenant: 'acme',
          order_id: '4821',
          payment_id: 'pi_acme_4821',
          amount_minor: 15_000,
          currency: 'usd',
          reason: 'requested_by_customer',
          note: 'damaged on arrival',
          status: 'succeeded',
          requested_by: 'agent-1',
        });
        expect(out.refund.id).toMatch(/^re_/);
        expect(out.order).toMatchObject({
          refunded_minor: 15_000,
          refundable_minor: 30_000,
          status: 'partially_refunded',
        });
        expect(out.budget).toEqual({
          day: '2025-06-02',
          currency: 'usd',
          used_minor: 15_000,
          limit_minor: 100_000,
          remaining_minor: 85_000,
          tenant_used_minor: 15_000,
          tenant_limit_minor: 500_000,
          tenant_remaining_minor: 485_000,
        });
        const order = await b.getOrder('acme', '4821');
        expect(order).toMatchObject({ refunded_minor: 15_000, refundable_minor: 30_000 });
        expect(order!.version).not.toBe(before);
        expect(out.order.version).toBe(order!.version);
        const listed = await b.listRefunds('acme', '4821', { cursor: null, limit: 10 });
        expect(listed?.items).toEqual([out.refund]);
        expect(await b.refundBudget('acme', 'agent-1', 'usd')).toEqual(out.budget);
        expect(await b.refundBudget('acme', 'agent-2', 'usd')).toMatchObject({ used_minor: 0 });
      });

      it('never refunds more than was paid, and a refused refund writes nothing', async () => {
        await b.issueRefund(plannedReq({ amount_minor: 40_000, principal_id: 'agent-a' }));
        const err = await refusal(b.issueRefund(refundReq({ amount_minor: 5_001, principal_id: 'agent-b' })));
        expect(err).toMatchObject({ code: 'refund_exceeds_paid', category: 'conflict' });
        expect(await b.getOrder('acme', '4821')).toMatchObject({
          refunded_minor: 40_000,
          refundable_minor: 5_000,
        });
        expect(await b.refundBudget('acme', 'agent-b', 'usd')).toMatchObject({ used_minor: 0 });
        expect((await b.listRefunds('acme', '4821', { cursor: null, limit: 10 }))?.items).toHaveLength(1);
        // Exactly what is left is fine.
        const last = await b.issueRefund(plannedReq({ amount_minor: 5_000, principal_id: 'agent-b' }));
        expect(last.order).toMatchObject({ status: 'refunded', refundable_minor: 0 });
        expect(
          await refusal(b.issueRefund(refundReq({ amount_minor: 1, principal_id: 'agent-b' }))),
        ).toMatchObject({ code: 'refund_exceeds_paid' });
      });

      it('refuses to refund an unpaid order or one of another tenant', async () => {
        const unpaid = seed.orders.find((o) => o.tenant === 'acme' && o.status === 'unpaid')!;
        expect(
          await refusal(b.issueRefund(refundReq({ order_id: unpaid.id, amount_minor: 100 }))),
        ).toMatchObject({ code: 'order_not_paid', category: 'conflict' });
        expect(await refusal(b.issueRefund(refundReq({ tenant: 'globex' })))).toMatchObject({
          category: 'not_found',
        });
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 0 });
      });

      it('an idempotency key repeated returns the first result and writes nothing new', async () => {
        const req = refundReq();
        const first = await b.issueRefund(req);
        const again = await b.issueRefund(req);
        expect(again.replayed).toBe(true);
        expect(again.refund).toEqual(first.refund);
        expect(again.order).toEqual(first.order);
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 15_000 });
        expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
        expect((await b.listRefunds('acme', '4821', { cursor: null, limit: 10 }))?.items).toHaveLength(1);
        // Same key, different request: refused, not executed.
        expect(await refusal(b.issueRefund({ ...req, amount_minor: 15_001 }))).toMatchObject({
          code: 'idempotency_key_reused',
          category: 'conflict',
        });
        // Keys are per principal too: another caller's identical key is its own, and refunds once.
        const theirs = await b.issueRefund({ ...req, principal_id: 'agent-2', amount_minor: 100 });
        expect(theirs.replayed).toBe(false);
        expect(theirs.refund.id).not.toBe(first.refund.id);
        expect((await b.issueRefund({ ...req, principal_id: 'agent-2', amount_minor: 100 })).replayed).toBe(
          true,
        );
        // Keys are per tenant.
        const globexOrder = freshPaidOrders('globex')[0]!;
        const other = await b.issueRefund({
          ...req,
          tenant: 'globex',
          order_id: globexOrder,
          amount_minor: 100,
        });
        expect(other.replayed).toBe(false);
      });

      it('the same key sent concurrently refunds once', async () => {
        const req = refundReq({ amount_minor: 10_000 });
        const results = await Promise.allSettled(Array.from({ length: 5 }, () => b.issueRefund(req)));
        const ok = results.filter(
          (r): r is PromiseFulfilledResult<Awaited<ReturnType<BillingBackend['issueRefund']>>> =>
            r.status === 'fulfilled',
        );
        // Under Stripe a concurrent duplicate may be told to retry (refund_in_progress); none may refund again.
        for (const r of results)
          if (r.status === 'rejected')
            expect(r.reason).toMatchObject({
              code: expect.stringMatching(/^refund_(in_progress|outcome_unknown)$/),
            });
        expect(ok.length).toBeGreaterThan(0);
        expect(new Set(ok.map((r) => r.value.refund.id)).size).toBe(1);
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 10_000 });
        expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 10_000 });
      });

      it('enforces the daily budget per principal, a sum of money', async () => {
        const orders = freshPaidOrders();
        let used = 0;
        for (const id of orders) {
          if (used + 20_000 > 100_000) break;
          await b.issueRefund(
            refundReq({ order_id: id, amount_minor: 20_000, principal_id: 'agent-budget' }),
          );
          used += 20_000;
        }
        expect(used).toBe(100_000);
        const err = await refusal(
          b.issueRefund(refundReq({ amount_minor: 1, principal_id: 'agent-budget' })),
        );
        expect(err).toMatchObject({
          code: 'daily_refund_budget_exceeded',
          category: 'forbidden',
          details: { limit_minor: 100_000, used_minor: 100_000, requested_minor: 1 },
        });
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 0 });
        // Someone else's budget is their own; tomorrow is a new day.
        await b.issueRefund(refundReq({ amount_minor: 100, principal_id: 'agent-other' }));
        h.clock.now += DAY;
        expect(await b.refundBudget('acme', 'agent-budget', 'usd')).toMatchObject({
          day: '2025-06-03',
          used_minor: 0,
        });
        await b.issueRefund(refundReq({ amount_minor: 100, principal_id: 'agent-budget' }));
      });

      it('concurrent refunds never overshoot the daily budget', async () => {
        const orders = freshPaidOrders().slice(0, 8);
        expect(orders).toHaveLength(8);
        const results = await Promise.allSettled(
          orders.map((id) =>
            b.issueRefund(refundReq({ order_id: id, amount_minor: 20_000, principal_id: 'agent-race' })),
          ),
        );
        const ok = results.filter((r) => r.status === 'fulfilled');
        const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(ok).toHaveLength(5);
        for (const r of refused) expect(r.reason).toMatchObject({ code: 'daily_refund_budget_exceeded' });
        expect(await b.refundBudget('acme', 'agent-race', 'usd')).toMatchObject({
          used_minor: 100_000,
          remaining_minor: 0,
        });
        let refundedTotal = 0;
        for (const id of orders) refundedTotal += (await b.getOrder('acme', id))!.refunded_minor;
        expect(refundedTotal).toBe(100_000);
      });

      it('concurrent refunds on one order never exceed what was paid', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 7 }, (_, i) =>
            b.issueRefund(plannedReq({ amount_minor: 10_000, principal_id: `agent-${i}` })),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
        for (const r of results)
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'refund_exceeds_paid' });
        const order = await b.getOrder('acme', '4821');
        expect(order).toMatchObject({ refunded_minor: 40_000, refundable_minor: 5_000 });
        const refunds = (await b.listRefunds('acme', '4821', { cursor: null, limit: 100 }))!.items;
        expect(refunds.reduce((s, r) => s + r.amount_minor, 0)).toBe(40_000);
        // Refused attempts gave their budget back.
        const budgets = await Promise.all(
          Array.from({ length: 7 }, (_, i) => b.refundBudget('acme', `agent-${i}`, 'usd')),
        );
        expect(budgets.reduce((s, x) => s + x.used_minor, 0)).toBe(40_000);
      });

      it(`finding 1: split refunds meet the order's cumulative thresholds in the ledger too, ${orderCalls}`, async () => {
        // Two $150 pieces of one order both passed policy alone: without a plan only $200 may go.
        const pieces = [
          refundReq({ amount_minor: 15_000, principal_id: 'agent-s1' }),
          refundReq({ amount_minor: 15_000, principal_id: 'agent-s2' }),
        ];
        const results: PromiseSettledResult<unknown>[] = [];
        if (opts.stripe === true) {
          for (const p of pieces) results.push(...(await Promise.allSettled([b.issueRefund(p)])));
        } else {
          results.push(...(await Promise.allSettled(pieces.map((p) => b.issueRefund(p)))));
        }
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refusedPiece = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        expect(refusedPiece.reason).toMatchObject({
          code: 'order_refund_limit_exceeded',
          category: 'forbidden',
          details: { refunded_minor: 15_000, requested_minor: 15_000, limit_minor: 20_000 },
        });
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 15_000 });
        // Exactly the threshold is fine; a plan may take the order to the maximum, never past it.
        await b.issueRefund(refundReq({ amount_minor: 5_000, principal_id: 'agent-s1' }));
        expect(
          await refusal(b.issueRefund(refundReq({ amount_minor: 1, principal_id: 'agent-s1' }))),
        ).toMatchObject({ code: 'order_refund_limit_exceeded' });
        await b.issueRefund(plannedReq({ amount_minor: 25_000 }));
        expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 45_000 });
        // Both budgets gave back what the refused attempt reserved.
        expect(await b.refundBudget('acme', 'agent-s2', 'usd')).toMatchObject({
          used_minor: results[1]!.status === 'fulfilled' ? 15_000 : 0,
        });
        expect((await b.refundBudget('acme', 'agent-s1', 'usd')).tenant_used_minor).toBe(45_000);
      });

      it(`finding 1: the tenant's daily budget holds across principals, ${racing}`, async () => {
        // $200 x 30 principals = $6,000 against the tenant's $5,000 (each within their own $1,000).
        const orders = freshPaidOrders().filter((id) => id !== '4821');
        const reqs = Array.from({ length: 30 }, (_, i) =>
          refundReq({
            order_id: orders[i % orders.length]!,
            amount_minor: 2_000,
            principal_id: `agent-t${i}`,
          }),
        );
        const big = Array.from({ length: 30 }, (_, i) =>
          plannedReq({
            order_id: orders[i % orders.length]!,
            amount_minor: 20_000,
            principal_id: `agent-u${i}`,
          }),
        );
        const results = await Promise.allSettled([...reqs, ...big].map((r) => b.issueRefund(r)));
        const budget = await b.refundBudget('acme', 'agent-t0', 'usd');
        expect(budget.tenant_used_minor).toBeLessThanOrEqual(500_000);
        let refundedTotal = 0;
        for (const id of orders) refundedTotal += (await b.getOrder('acme', id))!.refunded_minor;
        expect(refundedTotal).toBe(budget.tenant_used_minor);
        const codes = new Set(
          results
            .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
            .map((r) => r.reason.code),
        );
        expect(codes.has('tenant_daily_refund_budget_exceeded')).toBe(true);
        expect(
          [...codes].every((c) =>
            [
              'tenant_daily_refund_budget_exceeded',
              'refund_exceeds_paid',
              'order_refund_limit_exceeded',
            ].includes(c as string),
          ),
        ).toBe(true);
      });

      it('finding 2: budgets are per currency; a currency without limits is refused naming the setting', async () => {
        await b.issueRefund(refundReq({ amount_minor: 100 }));
        expect((await b.refundBudget('acme', 'agent-1', 'usd')).used_minor).toBe(100);
        expect(await b.refundBudget('acme', 'agent-1', 'eur')).toMatchObject({
          used_minor: 0,
          limit_minor: 100_000,
        });
        expect(await b.refundBudget('acme', 'agent-1', 'chf')).toMatchObject({
          used_minor: 0,
          limit_minor: 0,
        });
        // Stripe holds its orders' currency; the embedded ledger's can be edited to one without limits.
        if (h.kind !== 'embedded') return;
        await h.store.exec(
          `UPDATE billing_orders SET currency = 'chf' WHERE tenant = 'acme' AND id = '4822'`,
        );
        expect(
          await refusal(b.issueRefund(refundReq({ order_id: '4822', amount_minor: 100 }))),
        ).toMatchObject({
          code: 'currency_not_configured',
          category: 'validation',
          details: { currency: 'CHF', setting: 'BILLING_REFUND_APPROVAL_ABOVE' },
        });
        expect(await b.getOrder('acme', '4822')).toMatchObject({ refunded_minor: 0 });
      });

      it('records who issued a refund and under which plan', async () => {
        const out = await b.issueRefund(
          refundReq({
            idempotency_key: 'plan:plan_00000000-0000-4000-8000-000000000000',
            plan_id: 'plan_00000000-0000-4000-8000-000000000000',
            reason: 'other',
          }),
        );
        expect(out.refund).toMatchObject({ requested_by: 'agent-1', reason: 'other' });
      });
    });
  });
}

/**
 * The read cache on the Stripe connector: one Stripe account serves several tenants (metadata),
 * so the tenant in every key is what keeps one tenant's order from another's with the same id.
 * Refunds read Stripe fresh (the threshold and budgets need the current refunded total) and
 * invalidate the order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness } from '@portcullis/core/testing';
import { FakeStripe } from '@portcullis/fakes/stripe';
import type { BillingBackend } from '../src/backend.js';
import { server } from '../src/index.js';
import { billingSeed } from '../src/seed.js';
import { STRIPE_KEY, stripeSeedOf } from './harness.js';

let fake: FakeStripe;
let h: InProcessHarness<BillingBackend>;
let acme: InProcessClient;
let globex: InProcessClient;

const retrieves = (pi: string) =>
  fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${pi}`).length;

async function cacheCount(type: string, result: string): Promise<number> {
  const m = await h.runtime.metrics!.registry.getSingleMetric('portcullis_cache_requests_total')!.get();
  return m.values
    .filter((v) => v.labels.system === 'stripe' && v.labels.type === type && v.labels.result === result)
    .reduce((n, v) => n + v.value, 0);
}

beforeAll(async () => {
  fake = await FakeStripe.start({ apiKeys: [STRIPE_KEY] });
  const seed = stripeSeedOf(billingSeed());
  const acmeOrder = seed.paymentIntents!.find((p) => p.id === 'pi_acme_4821')!;
  // The same order id in another tenant of the same Stripe account.
  seed.paymentIntents!.push({
    ...acmeOrder,
    id: 'pi_globex_4821',
    amount: 12_345,
    amount_received: 12_345,
    description: 'globex order 4821',
    customer: seed.customers!.find((c) => c.metadata?.tenant === 'globex')!.id,
    metadata: { tenant: 'globex', order_id: '4821' },
  });
  fake.seed(seed);
  h = await startInProcess(server, {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: {
      BILLING_BACKEND: 'stripe',
      BILLING_STRIPE_KEY: 'env:TEST_STRIPE_SECRET',
      TEST_STRIPE_SECRET: STRIPE_KEY,
      BILLING_STRIPE_API_BASE: fake.url,
      PORTCULLIS_CACHE_TTL: 'order=1m,customer=1m,invoice=1m',
    },
  });
  acme = await h.as({ id: 'agent-7', roles: ['support'], tenant: 'acme' });
  globex = await h.as({ id: 'agent-9', roles: ['support'], tenant: 'globex' });
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('Stripe reads through the cache', () => {
  it("a second read within the TTL does not reach Stripe; another tenant's same id is its own", async () => {
    const first = await acme.callTool('billing_get_order', { order_id: '4821' });
    expect(first.structured).toMatchObject({ order: { id: '4821', paid_minor: 45_000 } });
    const n = retrieves('pi_acme_4821');
    expect(n).toBeGreaterThanOrEqual(1);
    const second = await acme.callTool('billing_get_order', { order_id: '4821' });
    expect(second.structured).toEqual(first.structured);
    expect(retrieves('pi_acme_4821')).toBe(n);
    expect(await cacheCount('order', 'hit')).toBeGreaterThanOrEqual(1);

    const theirs = await globex.callTool('billing_get_order', { order_id: '4821' });
    expect(theirs.structured).toMatchObject({ order: { id: '4821', paid_minor: 12_345 } });
    expect(retrieves('pi_globex_4821')).toBeGreaterThanOrEqual(1);
    // And acme's cached order is still acme's.
    const again = await acme.callTool('billing_get_order', { order_id: '4821' });
    expect(again.structured).toEqual(first.structured);
    expect(retrieves('pi_acme_4821')).toBe(n);
    // Every call was decided and audited, cached or not.
    expect(h.auditRecords().filter((r) => r.tool === 'billing_get_order')).toHaveLength(4);
  });

  it('reuses one kept-alive TCP connection for consecutive Stripe calls', async () => {
    const connections = fake.connections;
    const requests = fake.requests.length;
    for (let i = 0; i < 3; i++) await acme.callTool('billing_list_invoices', { limit: 1 + i });
    expect(fake.requests.length - requests).toBeGreaterThanOrEqual(3);
    expect(fake.connections - connections).toBeLessThanOrEqual(1);
  });

  it('a refund reads the order fresh and invalidates it', async () => {
    const n = retrieves('pi_acme_4821');
    const refund = await acme.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 10_000,
      reason: 'requested_by_customer',
      idempotency_key: 'cache-refund-1',
    });
    expect(refund.isError).toBe(false);
    const afterRefund = retrieves('pi_acme_4821');
    expect(afterRefund).toBeGreaterThan(n);
    expect(await cacheCount('order', 'bypass')).toBeGreaterThanOrEqual(1);
    const read = await acme.callTool('billing_get_order', { order_id: '4821' });
    expect(read.structured).toMatchObject({ order: { refunded_minor: 10_000, refundable_minor: 35_000 } });
    expect(retrieves('pi_acme_4821')).toBe(afterRefund + 1);
  });
});

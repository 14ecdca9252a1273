/**
 * What only the Stripe connector has: an upstream that times out, rate-limits, rotates its key.
 * The money invariants must hold through all of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeStripe } from '@portcullis/fakes/stripe';
import type { BillingBackend } from '../src/backend.js';
import { REFUND_KEY_METADATA, stripeIdempotencyKey } from '../src/stripe.js';
import { plannedReq, refundReq, refusal } from './backend-suite.js';
import { DAY, STRIPE_KEY, stripeHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof stripeHarness>>;

describe('Stripe connector', () => {
  let h: Harness;
  let b: BillingBackend;
  let fake: FakeStripe;

  beforeAll(async () => {
    h = await stripeHarness();
  });
  beforeEach(async () => {
    await h.reset();
    b = h.backend;
    fake = h.fake;
  });
  afterAll(async () => {
    await h.close();
  });

  const newRefunds = () => fake.all('refund').filter((r) => !r.id.startsWith('re_seed_'));
  const refundPosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');

  it('sends every write with an Idempotency-Key derived from the caller key, tenant and principal', async () => {
    const req = refundReq();
    await b.issueRefund(req);
    const posts = refundPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.idempotencyKey).toBe(
      `portcullis-refund:acme:${req.principal_id}:${req.idempotency_key}`,
    );
    expect(fake.requests.filter((r) => r.method !== 'GET').every((r) => r.idempotencyKey !== null)).toBe(
      true,
    );
    const [refund] = newRefunds();
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 15_000,
      payment_intent: 'pi_acme_4821',
      reason: 'requested_by_customer',
      metadata: { tenant: 'acme', order_id: '4821', requested_by: 'agent-1' },
    });
  });

  it("keeps one caller's Stripe key from another's when names hold a colon", () => {
    const a = stripeIdempotencyKey({ tenant: 'acme', principal_id: 'svc:ops', idempotency_key: 'key-0001' });
    const b = stripeIdempotencyKey({ tenant: 'acme', principal_id: 'svc', idempotency_key: 'ops:key-0001' });
    expect(a).not.toBe(b);
    expect(a).toBe('portcullis-refund:acme:svc%3Aops:key-0001');
    // Names without `:` or `%` (an Auth0 subject, an e-mail) give the keys they gave before.
    expect(
      stripeIdempotencyKey({ tenant: 'acme', principal_id: 'auth0|7@x.io', idempotency_key: 'k:1' }),
    ).toBe('portcullis-refund:acme:auth0|7@x.io:k:1');
  });

  it('a retry after an upstream timeout returns the first refund and refunds once', async () => {
    // Stripe executes the refund, then the connection drops: the client never sees the answer.
    fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' });
    const req = refundReq();
    const out = await b.issueRefund(req);
    expect(newRefunds()).toHaveLength(1);
    expect(out.refund.id).toBe(newRefunds()[0]!.id);
    const posts = refundPosts();
    expect(posts).toHaveLength(2);
    expect(posts[0]).toMatchObject({ injected: true });
    expect(posts[1]).toMatchObject({ replayed: true, idempotencyKey: posts[0]!.idempotencyKey });
    expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 15_000 });
    expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
  });

  it('when every retry is lost the outcome is reported unknown, and a later retry settles it without refunding twice', async () => {
    fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' }, 10);
    const req = refundReq();
    const err = await refusal(b.issueRefund(req));
    expect(err).toMatchObject({ code: 'refund_outcome_unknown', category: 'upstream', retryable: true });
    expect(err.remediation).toMatch(/same idempotency_key/);
    expect(newRefunds()).toHaveLength(1);
    // The budget stays reserved while the outcome is unknown: it is never overshot.
    expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });

    fake.clearInjections();
    const settled = await b.issueRefund(req);
    expect(settled.refund.id).toBe(newRefunds()[0]!.id);
    expect(newRefunds()).toHaveLength(1);
    expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
    const again = await b.issueRefund(req);
    expect(again).toMatchObject({ replayed: true, refund: { id: settled.refund.id } });
    expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 15_000 });
  });

  describe('a retry after Stripe forgot the Idempotency-Key (24 hours)', () => {
    /** Stripe forgets keys once they are 24 hours old; the retry comes a day later. */
    const aDayLater = () => {
      expect(fake.forgetIdempotencyKeys()).toBeGreaterThan(0);
      h.clock.now += DAY + 3_600_000;
    };

    it('finds the refund that landed unanswered and answers with it: one refund', async () => {
      // Stripe refunds, then every answer is lost: the call ends unknown, the key stays pending.
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      const [landed] = newRefunds();
      expect(newRefunds()).toHaveLength(1);
      expect(landed!.metadata).toMatchObject({ [REFUND_KEY_METADATA]: stripeIdempotencyKey(req) });
      fake.clearInjections();
      aDayLater();
      const posts = refundPosts().length;

      const out = await b.issueRefund(req);
      expect(newRefunds()).toHaveLength(1);
      expect(refundPosts()).toHaveLength(posts);
      expect(out).toMatchObject({
        replayed: false,
        refund: { id: landed!.id, amount_minor: 15_000, status: 'succeeded', requested_by: 'agent-1' },
        order: { refunded_minor: 15_000 },
        budget: { day: '2025-06-02', used_minor: 15_000 },
      });
      // Settled: a further retry replays from the journal, neither looking nor sending again.
      const seen = fake.requests.filter((r) => r.path === '/v1/refunds').length;
      expect(await b.issueRefund(req)).toMatchObject({ replayed: true, refund: { id: landed!.id } });
      expect(fake.requests.filter((r) => r.path === '/v1/refunds')).toHaveLength(seen);
      expect(await b.getOrder('acme', '4821')).toMatchObject({ refunded_minor: 15_000 });
    });

    it("creates the refund when none landed, and never takes another key's refund for it", async () => {
      // Another key's refund of the same amount by the same caller on the same order.
      const other = await b.issueRefund(refundReq({ amount_minor: 5_000 }));
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'status', status: 500 }, 10);
      const req = refundReq({ amount_minor: 5_000 });
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      expect(newRefunds()).toHaveLength(1);
      fake.clearInjections();
      aDayLater();

      const out = await b.issueRefund(req);
      expect(out.refund.id).not.toBe(other.refund.id);
      expect(newRefunds()).toHaveLength(2);
      expect(fake.get('refund', out.refund.id)!.metadata).toMatchObject({
        [REFUND_KEY_METADATA]: stripeIdempotencyKey(req),
      });
      expect(out).toMatchObject({ order: { refunded_minor: 10_000 }, budget: { used_minor: 10_000 } });
      expect(await b.issueRefund(req)).toMatchObject({ replayed: true, refund: { id: out.refund.id } });
      expect(newRefunds()).toHaveLength(2);
    });

    it('pages through the order refunds to find it', async () => {
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      const [landed] = newRefunds();
      fake.clearInjections();
      // 120 newer refunds on the same PaymentIntent push it past Stripe's first page of 100.
      const created = Math.floor(h.clock.now / 1000);
      fake.seed({
        refunds: Array.from({ length: 120 }, (_, i) => ({
          id: `re_seed_page_${String(i).padStart(3, '0')}`,
          payment_intent: 'pi_acme_4821',
          amount: 1,
          reason: null,
          created: created + 60 + i,
          metadata: { tenant: 'acme', order_id: '4821' },
        })),
      });
      aDayLater();

      const out = await b.issueRefund(req);
      expect(out.refund.id).toBe(landed!.id);
      expect(newRefunds()).toHaveLength(1);
      const lists = fake.requests.filter((r) => r.method === 'GET' && r.path === '/v1/refunds');
      expect(lists).toHaveLength(2);
    });

    it('stays unknown, sending nothing, while Stripe cannot say whether it landed', async () => {
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      fake.clearInjections();
      aDayLater();
      const posts = refundPosts().length;
      fake.inject({ method: 'GET', path: '/v1/refunds' }, { kind: 'status', status: 503 }, 10);

      const err = await refusal(b.issueRefund(req));
      expect(err).toMatchObject({ code: 'refund_outcome_unknown', retryable: true });
      expect(refundPosts()).toHaveLength(posts);
      expect(newRefunds()).toHaveLength(1);

      fake.clearInjections();
      const out = await b.issueRefund(req);
      expect(out.refund.id).toBe(newRefunds()[0]!.id);
      expect(newRefunds()).toHaveLength(1);
      expect(out.budget).toMatchObject({ day: '2025-06-02', used_minor: 15_000 });
    });

    it('never adopts a refund that carries the key for another amount, nor sends one beside it', async () => {
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'status', status: 500 }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      fake.clearInjections();
      fake.seed({
        refunds: [
          {
            id: 're_seed_other_amount',
            payment_intent: 'pi_acme_4821',
            amount: 1,
            reason: null,
            created: Math.floor(h.clock.now / 1000),
            metadata: { tenant: 'acme', order_id: '4821', [REFUND_KEY_METADATA]: stripeIdempotencyKey(req) },
          },
        ],
      });
      const posts = refundPosts().length;
      expect(await refusal(b.issueRefund(req))).toMatchObject({
        code: 'refund_needs_reconciliation',
        retryable: false,
      });
      // Remembered for the key: no later retry sends anything.
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_needs_reconciliation' });
      expect(refundPosts()).toHaveLength(posts);
      expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
    });

    it('fails the key for a person to reconcile when Stripe holds it for another request (a refund sent without the tag)', async () => {
      // Nothing lands from this version's attempt; then a refund under the same Idempotency-Key,
      // without the key in its metadata (an older replica's, or metadata edited by hand), lands.
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'status', status: 500 }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      fake.clearInjections();
      const res = await fetch(`${fake.url}/v1/refunds`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${STRIPE_KEY}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': stripeIdempotencyKey(req),
        },
        body: new URLSearchParams({ payment_intent: 'pi_acme_4821', amount: '15000' }),
      });
      expect(res.status).toBe(200);

      // The lookup finds no tagged refund and Stripe refuses the tagged request as another one:
      // the refund may have landed, so the budget stays spent and a person reconciles the key.
      const err = await refusal(b.issueRefund(req));
      expect(err).toMatchObject({ code: 'refund_needs_reconciliation', retryable: false });
      expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
      // Once Stripe forgets the key, a retry still sends nothing: the failure is the key's.
      h.clock.now += 25 * 3_600_000;
      fake.forgetIdempotencyKeys();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_needs_reconciliation' });
      expect(newRefunds()).toHaveLength(1);
    });

    it('re-sends an attempt left pending by a version that did not tag its key exactly as sent', async () => {
      // Nothing lands; the journal's entry is then made as an earlier version wrote it (untagged).
      fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'status', status: 500 }, 10);
      const req = refundReq();
      expect(await refusal(b.issueRefund(req))).toMatchObject({ code: 'refund_outcome_unknown' });
      fake.clearInjections();
      await h.store.query(
        `UPDATE portcullis_idempotency SET data = data - 'tagged' WHERE key = $1 AND state = 'pending'`,
        [req.idempotency_key],
      );
      // What that version sent under the same Idempotency-Key: the refund, no key in its metadata.
      const res = await fetch(`${fake.url}/v1/refunds`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${STRIPE_KEY}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': stripeIdempotencyKey(req),
        },
        body: new URLSearchParams({
          payment_intent: 'pi_acme_4821',
          amount: '15000',
          reason: 'requested_by_customer',
          'metadata[tenant]': 'acme',
          'metadata[order_id]': '4821',
          'metadata[requested_by]': 'agent-1',
          'metadata[reason]': 'requested_by_customer',
        }),
      });
      const first = (await res.json()) as { id: string };
      expect(res.status).toBe(200);

      // Within Stripe's 24 hours the same request is replayed, not refused as another request.
      const out = await b.issueRefund(req);
      expect(out.refund.id).toBe(first.id);
      expect(refundPosts().at(-1)).toMatchObject({ replayed: true, status: 200 });
      expect(newRefunds()).toHaveLength(1);
      expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 15_000 });
    });
  });

  it('retries a 429 and a 5xx through the kit retry policy', async () => {
    fake.inject(
      { method: 'POST', path: '/v1/refunds' },
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      2,
    );
    fake.inject({ method: 'GET', path: '/v1/payment_intents/search' }, { kind: 'status', status: 503 });
    const out = await b.issueRefund(refundReq());
    expect(out.refund.amount_minor).toBe(15_000);
    expect(refundPosts().map((p) => p.status)).toEqual([429, 429, 200]);
    expect(fake.requests.some((r) => r.path === '/v1/payment_intents/search' && r.status === 503)).toBe(true);
    expect(newRefunds()).toHaveLength(1);
  });

  it('re-resolves a rotated key once after a 401 and carries on', async () => {
    const rotated = 'sk_test_portcullis_rotated_fedcba9876';
    // Warm the credential cache with the old key, then rotate at Stripe and in the secret store.
    await b.getOrder('acme', '4821');
    fake.setApiKeys([rotated]);
    h.env.BILLING_TEST_STRIPE_KEY = rotated;
    const out = await b.issueRefund(refundReq());
    expect(out.refund.amount_minor).toBe(15_000);
    expect(fake.requests.some((r) => r.status === 401)).toBe(true);
  });

  it('a refused key frees the budget and forgets the attempt, so the same key works once fixed', async () => {
    await b.getOrder('acme', '4821');
    const req = refundReq();
    fake.setApiKeys(['sk_test_someone_else_entirely']);
    const err = await refusal(b.issueRefund(req));
    expect(err.category).toBe('upstream');
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(STRIPE_KEY);
    expect(await b.refundBudget('acme', 'agent-1', 'usd')).toMatchObject({ used_minor: 0 });
    fake.setApiKeys([STRIPE_KEY]);
    const out = await b.issueRefund(req);
    expect(out.replayed).toBe(false);
    expect(newRefunds()).toHaveLength(1);
  });

  it('refunds racing past the pre-check are refused by Stripe, give their budget back, and stay refused for their key', async () => {
    const reqs = [
      plannedReq({ amount_minor: 30_000, principal_id: 'agent-a' }),
      plannedReq({ amount_minor: 30_000, principal_id: 'agent-b' }),
    ];
    const results = await Promise.allSettled(reqs.map((r) => b.issueRefund(r)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const i = results.findIndex((r) => r.status === 'rejected');
    expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'refund_exceeds_paid' });
    expect(await refusal(b.issueRefund(reqs[i]!))).toMatchObject({ code: 'refund_exceeds_paid' });
    expect(newRefunds()).toHaveLength(1);
    const budgets = await Promise.all(['agent-a', 'agent-b'].map((p) => b.refundBudget('acme', p, 'usd')));
    expect(budgets.map((x) => x.used_minor).sort()).toEqual([0, 30_000]);
  });
});

/**
 * The fake Stripe answers in Stripe's documented shapes (raw HTTP, no SDK), so the connector tests
 * prove something about the real API rather than about a convenient double.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripe } from '@portcullis/fakes/stripe';
import { billingSeed } from '../src/seed.js';
import { STRIPE_KEY, stripeSeedOf } from './harness.js';

// Parsed JSON bodies: each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let fake: FakeStripe;
const auth = { authorization: `Bearer ${STRIPE_KEY}` };

// Bodies stay as loosely typed as Response.json() returns them: these tests check raw HTTP shapes.
async function get(path: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${fake.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function post(path: string, form: Record<string, string>, key?: string) {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'application/x-www-form-urlencoded',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

beforeAll(async () => {
  fake = await FakeStripe.start({ apiKeys: [STRIPE_KEY] });
  fake.seed(stripeSeedOf(billingSeed()));
});

afterAll(async () => {
  await fake.close();
});

describe('fake Stripe API shapes', () => {
  it('requires a Bearer secret key (401 invalid_request_error otherwise)', async () => {
    const none = await get('/v1/customers/cus_acme_0001', {});
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(none.body.error.message).toMatch(/did not provide an API key/);
    const wrong = await get('/v1/customers/cus_acme_0001', {
      authorization: 'Bearer sk_test_wrongwrongwrong',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).not.toContain('sk_test_wrongwrongwrong');
    const basic = await get('/v1/customers/cus_acme_0001', {
      authorization: `Basic ${Buffer.from(`${STRIPE_KEY}:`).toString('base64')}`,
    });
    expect(basic.status).toBe(200);
  });

  it('returns objects with object, id, created and livemode, and resource_missing for unknown ids', async () => {
    const c = await get('/v1/customers/cus_acme_0001');
    expect(c.body).toMatchObject({
      object: 'customer',
      id: 'cus_acme_0001',
      livemode: false,
      metadata: { tenant: 'acme' },
    });
    expect(typeof c.body.created).toBe('number');
    expect(c.headers.get('request-id')).toMatch(/^req_/);
    const missing = await get('/v1/customers/cus_nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: expect.objectContaining({
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: "No such customer: 'cus_nope'",
      }),
    });
  });

  it('expands latest_charge on a payment intent, and refuses non-expandable fields', async () => {
    const pi = await get('/v1/payment_intents/pi_acme_4821?expand[]=latest_charge');
    expect(pi.body).toMatchObject({
      object: 'payment_intent',
      amount: 45_000,
      amount_received: 45_000,
      currency: 'usd',
      status: 'succeeded',
      latest_charge: { object: 'charge', amount: 45_000, amount_refunded: 0 },
    });
    const plain = await get('/v1/payment_intents/pi_acme_4821');
    expect(typeof plain.body.latest_charge).toBe('string');
    const bad = await get('/v1/payment_intents/pi_acme_4821?expand[]=amount');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('expand');
  });

  it('lists newest first with limit, has_more and starting_after', async () => {
    const first = await get('/v1/invoices?limit=3');
    expect(first.body).toMatchObject({ object: 'list', has_more: true, url: '/v1/invoices' });
    expect(first.body.data).toHaveLength(3);
    const created = first.body.data.map((i: { created: number }) => i.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const next = await get(`/v1/invoices?limit=3&starting_after=${first.body.data[2].id}`);
    expect(next.body.data[0].id).not.toBe(first.body.data[2].id);
    expect(next.body.data[0].created).toBeLessThanOrEqual(first.body.data[2].created);
    const tooMany = await get('/v1/invoices?limit=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ param: 'limit', code: 'parameter_invalid_integer' });
  });

  it('searches with the query language and pages with next_page', async () => {
    const q = encodeURIComponent("metadata['tenant']:'acme' AND status:'paid'");
    const page = await get(`/v1/invoices/search?query=${q}&limit=5`);
    expect(page.body).toMatchObject({ object: 'search_result', has_more: true, url: '/v1/invoices/search' });
    expect(
      page.body.data.every(
        (i: { status: string; metadata: { tenant: string } }) =>
          i.status === 'paid' && i.metadata.tenant === 'acme',
      ),
    ).toBe(true);
    const more = await get(`/v1/invoices/search?query=${q}&limit=5&page=${page.body.next_page}`);
    expect(more.body.data[0].id).not.toBe(page.body.data[0].id);
    const bad = await get(`/v1/invoices/search?query=${encodeURIComponent('tenant = acme')}`);
    expect(bad.status).toBe(400);
  });

  it('creates refunds from form-encoded bodies, replays an Idempotency-Key and refuses it with other parameters', async () => {
    const form = {
      payment_intent: 'pi_acme_4822',
      amount: '1000',
      reason: 'requested_by_customer',
      'metadata[order_id]': '4822',
    };
    const first = await post('/v1/refunds', form, 'shape-key-1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      object: 'refund',
      amount: 1000,
      status: 'succeeded',
      payment_intent: 'pi_acme_4822',
      metadata: { order_id: '4822' },
    });
    const again = await post('/v1/refunds', form, 'shape-key-1');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await post('/v1/refunds', { ...form, amount: '1001' }, 'shape-key-1');
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe('idempotency_error');
    expect(fake.all('refund').filter((r) => r.payment_intent === 'pi_acme_4822')).toHaveLength(1);
  });

  it('lists refunds by payment_intent or charge, with their metadata, paged newest first', async () => {
    const form = { payment_intent: 'pi_acme_4840', amount: '100' };
    const a = await post('/v1/refunds', { ...form, 'metadata[k]': 'a' }, 'list-key-a');
    const b2 = await post('/v1/refunds', { ...form, 'metadata[k]': 'b' }, 'list-key-b');
    const page = await get('/v1/refunds?payment_intent=pi_acme_4840&limit=1');
    expect(page.body).toMatchObject({ object: 'list', has_more: true, url: '/v1/refunds' });
    expect(page.body.data).toHaveLength(1);
    const ids = [page.body.data[0].id];
    const next = await get(`/v1/refunds?payment_intent=pi_acme_4840&limit=1&starting_after=${ids[0]}`);
    ids.push(next.body.data[0].id);
    expect(ids.sort()).toEqual([a.body.id, b2.body.id].sort());
    const byCharge = await get(`/v1/refunds?charge=${a.body.charge}&limit=100`);
    expect(byCharge.body).toMatchObject({ object: 'list', has_more: false });
    expect(byCharge.body.data.map((r: { metadata: { k?: string } }) => r.metadata.k).sort()).toEqual([
      'a',
      'b',
    ]);
    expect((await get('/v1/refunds?payment_intent=pi_acme_4840', {})).status).toBe(401);
  });

  it('forgets Idempotency-Keys when a test says Stripe would have (24 hours)', async () => {
    const form = { payment_intent: 'pi_acme_4839', amount: '100' };
    const first = await post('/v1/refunds', form, 'forget-key-1');
    expect((await post('/v1/refunds', form, 'forget-key-1')).body.id).toBe(first.body.id);
    expect(fake.forgetIdempotencyKeys()).toBeGreaterThan(0);
    const again = await post('/v1/refunds', form, 'forget-key-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
    expect(fake.all('refund').filter((r) => r.payment_intent === 'pi_acme_4839')).toHaveLength(2);
  });

  it('never refunds more than the charge: amount_too_large, then charge_already_refunded', async () => {
    const order = billingSeed().orders.find(
      (o) => o.tenant === 'acme' && o.status === 'paid' && !['4821', '4822'].includes(o.id),
    )!;
    const piId = order.payment_id!;
    const pi = (await get(`/v1/payment_intents/${piId}?expand[]=latest_charge`)).body;
    const left = pi.latest_charge.amount - pi.latest_charge.amount_refunded;
    const over = await post('/v1/refunds', { payment_intent: piId, amount: String(left + 1) });
    expect(over.status).toBe(400);
    expect(over.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount',
    });
    expect(over.body.error.message).toMatch(/greater than unrefunded amount on charge/);
    expect((await post('/v1/refunds', { payment_intent: piId })).body).toMatchObject({ amount: left });
    const done = await post('/v1/refunds', { payment_intent: piId, amount: '1' });
    expect(done.body.error.code).toBe('charge_already_refunded');
    const unknown = await post('/v1/refunds', {
      payment_intent: 'pi_acme_4821',
      amount: '1',
      colour: 'blue',
    });
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });

  it('answers 429 rate_limit errors when a test injects them', async () => {
    fake.inject({ path: '/v1/customers' }, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    const limited = await get('/v1/customers/cus_acme_0001');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limit' });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await get('/v1/customers/cus_acme_0001')).status).toBe(200);
  });
});

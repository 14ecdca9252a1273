/**
 * The tools on the Stripe backend, through the whole kit (its limiter, retry policy and credential
 * resolver), against the fake Stripe API.
 */
import { randomUUID } from 'node:crypto';
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
let agent: InProcessClient;
let manager: InProcessClient;

beforeAll(async () => {
  fake = await FakeStripe.start({ apiKeys: [STRIPE_KEY] });
  fake.seed(stripeSeedOf(billingSeed()));
  h = await startInProcess(server, {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: {
      BILLING_BACKEND: 'stripe',
      BILLING_STRIPE_KEY: 'env:TEST_STRIPE_SECRET',
      TEST_STRIPE_SECRET: STRIPE_KEY,
      BILLING_STRIPE_API_BASE: fake.url,
    },
  });
  agent = await h.as({ id: 'agent-7', roles: ['support'], tenant: 'acme' });
  manager = await h.as({ id: 'manager-1', roles: ['approver'], tenant: 'acme' });
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const newRefunds = () => fake.all('refund').filter((r) => !r.id.startsWith('re_seed_'));

describe('billing tools on Stripe', () => {
  it('reads orders and invoices from Stripe', async () => {
    const order = await agent.callTool('billing_get_order', { order_id: '4821' });
    expect(order.structured).toMatchObject({
      order: { id: '4821', paid_minor: 45_000, refundable_minor: 45_000, payment_id: 'pi_acme_4821' },
    });
    const invoices = await agent.callTool('billing_list_invoices', { limit: 5 });
    expect((invoices.structured!.invoices as unknown[]).length).toBe(5);
    expect(invoices.structured!.next_cursor).toEqual(expect.any(String));
  });

  it('runs the canonical request: $150 directly, $300 through an approved plan', async () => {
    const direct = await agent.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 15_000,
      reason: 'requested_by_customer',
      idempotency_key: 'stripe-canonical-a',
    });
    expect(direct.isError).toBe(false);
    const planned = await agent.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 30_000,
      reason: 'requested_by_customer',
      idempotency_key: 'stripe-canonical-b',
    });
    const planId = planned.envelope!.details!.plan_id as string;
    const approved = await manager.callTool('billing_approve_refund', { plan_id: planId });
    const applied = await agent.callTool('billing_apply_refund', {
      plan_id: planId,
      approval_token: approved.structured!.approval_token,
    });
    expect(applied.structured).toMatchObject({
      result: {
        plan_id: planId,
        refund: { amount_minor: 30_000 },
        order: { refunded_minor: 45_000, refundable_minor: 0 },
      },
    });
    const refunds = newRefunds();
    expect(refunds.map((r) => r.amount).sort()).toEqual([15_000, 30_000]);
    expect(refunds.find((r) => r.amount === 30_000)).toMatchObject({
      metadata: { plan_id: planId, requested_by: 'agent-7' },
    });
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
    expect(posts.map((p) => p.idempotencyKey)).toEqual([
      'portcullis-refund:acme:agent-7:stripe-canonical-a',
      `portcullis-refund:acme:agent-7:plan:${planId}`,
    ]);
  });

  it('a timeout after Stripe acted is retried by the kit with the same key: one refund', async () => {
    const orderId = billingSeed().orders.find(
      (o) => o.tenant === 'acme' && o.status === 'paid' && o.id !== '4821' && o.paid_minor >= 10_000,
    )!.id;
    fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' });
    const before = newRefunds().length;
    const args = {
      order_id: orderId,
      amount_minor: 10_000,
      reason: 'duplicate',
      idempotency_key: `key-${randomUUID()}`,
    };
    const r = await agent.callTool('billing_issue_refund', args);
    expect(r.isError).toBe(false);
    expect(newRefunds()).toHaveLength(before + 1);
    const posts = fake.requests.filter(
      (x) =>
        x.method === 'POST' && x.idempotencyKey === `portcullis-refund:acme:agent-7:${args.idempotency_key}`,
    );
    expect(posts.map((p) => ({ injected: p.injected, replayed: p.replayed }))).toEqual([
      { injected: true, replayed: false },
      { injected: false, replayed: true },
    ]);
    const again = await agent.callTool('billing_issue_refund', args);
    expect(again.structured).toMatchObject({
      replayed: true,
      refund: { id: (r.structured as { refund: { id: string } }).refund.id },
    });
    expect(newRefunds()).toHaveLength(before + 1);
  });

  it('a call whose refund landed unanswered, retried after Stripe forgot its key: one refund', async () => {
    const orderId = billingSeed()
      .orders.filter(
        (o) => o.tenant === 'acme' && o.status === 'paid' && o.id !== '4821' && o.paid_minor >= 10_000,
      )
      .at(-1)!.id;
    // Stripe refunds, every answer is lost, the call ends unknown: the key stays pending.
    fake.inject({ method: 'POST', path: '/v1/refunds' }, { kind: 'drop-after-commit' }, 20);
    const before = newRefunds().length;
    const earlier = new Set(newRefunds().map((r) => r.id));
    const args = {
      order_id: orderId,
      amount_minor: 10_000,
      reason: 'duplicate',
      idempotency_key: `key-${randomUUID()}`,
    };
    const lost = await agent.callTool('billing_issue_refund', args);
    expect(lost.isError).toBe(true);
    expect(lost.envelope).toMatchObject({ code: 'refund_outcome_unknown', retryable: true });
    expect(newRefunds()).toHaveLength(before + 1);
    const landed = newRefunds().find((r) => !earlier.has(r.id))!;
    fake.clearInjections();
    // A day later Stripe no longer knows the key: sending the refund again would refund twice.
    fake.forgetIdempotencyKeys();

    const retried = await agent.callTool('billing_issue_refund', args);
    expect(retried.isError).toBe(false);
    expect(retried.structured).toMatchObject({
      replayed: false,
      refund: { id: landed.id, amount_minor: 10_000 },
    });
    expect(newRefunds()).toHaveLength(before + 1);
  });
});

import { randomBytes } from 'node:crypto';
import { Redactor, createLogger, migrate, openStore } from '@portcullis/core';
import { approvalMigrations } from '@portcullis/core/approvals';
import { parseMoneyTable } from '@portcullis/core/money';
import type { Store } from '@portcullis/core';
import { CredentialResolver } from '@portcullis/core/credentials';
import { CursorCodec } from '@portcullis/core/cursor';
import { withRetry } from '@portcullis/core/retry';
import { FakeStripe } from '@portcullis/fakes/stripe';
import type { FakeStripeSeed } from '@portcullis/fakes/stripe';
import type { BillingBackend, RefundLimits } from '../src/backend.js';
import { DEFAULT_REFUND_LIMITS } from '../src/backend.js';
import { EmbeddedBillingBackend } from '../src/embedded.js';
import { billingMigrations } from '../src/migrations.js';
import type { SeedData } from '../src/seed.js';
import { billingSeed } from '../src/seed.js';
import { StripeBillingBackend } from '../src/stripe.js';

export const START = Date.parse('2025-06-02T10:00:00Z');
export const DAY = 86_400_000;

/**
 * One store per test file (opening PGlite is the slow part); reset() gives each test a fresh
 * seeded backend, journal and clock on it.
 */
export interface BackendHarness {
  kind: 'embedded' | 'stripe';
  backend: BillingBackend;
  store: Store;
  clock: { now: number };
  /** The fake Stripe, for the Stripe backend. */
  fake: FakeStripe | null;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const BILLING_TABLES =
  'billing_refunds, billing_invoices, billing_payments, billing_orders, billing_customers, billing_refund_budgets, billing_tenant_refund_budgets, billing_seed, portcullis_idempotency, portcullis_approval_tokens_used, portcullis_plans';

/** The default limits, with the per-principal daily budget (USD) replaced when a test asks. */
export function testLimits(budget?: number): RefundLimits {
  return {
    approvalAbove: parseMoneyTable(DEFAULT_REFUND_LIMITS.approvalAbove),
    max: parseMoneyTable(DEFAULT_REFUND_LIMITS.max),
    principalDaily: parseMoneyTable(
      budget === undefined ? DEFAULT_REFUND_LIMITS.principalDaily : `USD:${budget}`,
    ),
    tenantDaily: parseMoneyTable(DEFAULT_REFUND_LIMITS.tenantDaily),
  };
}

const sec = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** The billing seed as Stripe objects: what a Stripe account holding the same data returns. */
export function stripeSeedOf(data: SeedData): FakeStripeSeed {
  return {
    customers: data.customers.map((c) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      currency: c.currency,
      created: sec(c.created_at),
      metadata: {
        tenant: c.tenant,
        ...(c.crm_contact_id !== null ? { crm_contact_id: c.crm_contact_id } : {}),
      },
    })),
    paymentIntents: data.orders.map((o) => ({
      id: o.payment_id ?? `pi_${o.tenant}_${o.id}`,
      amount: o.amount_minor,
      amount_received: o.paid_minor,
      currency: o.currency,
      customer: o.customer_id,
      description: o.description,
      created: sec(o.created_at),
      metadata: { tenant: o.tenant, order_id: o.id },
    })),
    invoices: data.invoices.map((i) => ({
      id: i.id,
      number: i.number,
      customer: i.customer_id,
      status: i.status,
      currency: i.currency,
      total: i.total_minor,
      amount_paid: i.amount_paid_minor,
      amount_due: i.amount_due_minor,
      created: sec(i.created_at),
      due_date: i.due_at === null ? null : sec(i.due_at),
      lines: i.lines.map((l) => ({
        description: l.description,
        quantity: l.quantity,
        amount: l.amount_minor,
      })),
      metadata: { tenant: i.tenant, ...(i.order_id !== null ? { order_id: i.order_id } : {}) },
    })),
    refunds: data.refunds.map((r) => ({
      id: r.id,
      payment_intent: r.payment_id,
      amount: r.amount_minor,
      reason: r.reason === 'other' ? null : r.reason,
      created: sec(r.created_at),
      metadata: { tenant: r.tenant, order_id: r.order_id, reason: r.reason },
    })),
  };
}

/** In-memory PGlite by default; a PostgreSQL server with `databaseUrl`. */
export async function migratedStore(databaseUrl?: string): Promise<Store> {
  const store = await openStore(databaseUrl === undefined ? {} : { databaseUrl });
  await migrate(store, 'billing', billingMigrations);
  // Open approval plans count against an order's cumulative refunds: the backend reads them.
  await migrate(store, 'core-approvals', approvalMigrations);
  return store;
}

export async function embeddedHarness(
  opts: { budget?: number; databaseUrl?: string } = {},
): Promise<BackendHarness> {
  const store = await migratedStore(opts.databaseUrl);
  const cursors = new CursorCodec(randomBytes(32));
  const clock = { now: START };
  const make = () =>
    EmbeddedBillingBackend.create({
      store,
      cursors,
      limits: testLimits(opts.budget),
      now: () => clock.now,
    });
  const h: BackendHarness = {
    kind: 'embedded',
    backend: await make(),
    store,
    clock,
    fake: null,
    reset: async () => {
      await store.exec(`TRUNCATE ${BILLING_TABLES}`);
      clock.now = START;
      h.backend = await make();
    },
    close: () => store.close(),
  };
  return h;
}

export const STRIPE_KEY = 'sk_test_portcullis_0123456789abcdef';

export async function stripeHarness(
  opts: { budget?: number } = {},
): Promise<BackendHarness & { env: Record<string, string>; fake: FakeStripe }> {
  const store = await migratedStore();
  const clock = { now: START };
  const env: Record<string, string> = { BILLING_TEST_STRIPE_KEY: STRIPE_KEY };
  const redactor = new Redactor();
  const logger = createLogger({ name: 'billing-test', level: 'silent', redactor });
  const credentials = new CredentialResolver({ redactor, logger, env });
  const startFake = async (): Promise<FakeStripe> => {
    const fake = await FakeStripe.start({ apiKeys: [STRIPE_KEY], now: () => clock.now });
    fake.seed(stripeSeedOf(billingSeed()));
    return fake;
  };
  const cursors = new CursorCodec(randomBytes(32));
  const make = (fake: FakeStripe): Promise<StripeBillingBackend> =>
    StripeBillingBackend.open({
      store,
      cursors,
      limits: testLimits(opts.budget),
      now: () => clock.now,
      apiBase: fake.url,
      timeoutMs: 5_000,
      withKey: (fn) => credentials.withSecret('env:BILLING_TEST_STRIPE_KEY', 'BILLING_STRIPE_KEY', fn),
      // The kit's retry policy, with short waits so tests stay quick; no timing is asserted.
      callUpstream: (fn, signal) =>
        withRetry(({ signal: s }) => fn(s), {
          system: 'stripe',
          signal,
          retries: 3,
          minTimeoutMs: 5,
          maxTimeoutMs: 20,
        }),
    });
  const fake = await startFake();
  const h = {
    kind: 'stripe' as const,
    backend: (await make(fake)) as BillingBackend,
    store,
    clock,
    fake,
    env,
    reset: async () => {
      await h.fake.close();
      await store.exec(`TRUNCATE ${BILLING_TABLES}`);
      clock.now = START;
      env.BILLING_TEST_STRIPE_KEY = STRIPE_KEY;
      credentials.invalidate('env:BILLING_TEST_STRIPE_KEY');
      h.fake = await startFake();
      h.backend = await make(h.fake);
    },
    close: async () => {
      credentials.close();
      await h.fake.close();
      await store.close();
    },
  };
  return h;
}

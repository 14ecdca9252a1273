import type { Migration } from '@portcullis/core/store';

/**
 * The embedded ledger plus the per-principal daily budget counters. The counters and the kit's
 * idempotency ledger (refund keys) serve both backends: they are what makes a refund idempotent
 * and the budget race-free even when the money itself moves in Stripe.
 */
export const billingMigrations: Migration[] = [
  {
    id: '001_ledger',
    sql: `
CREATE TABLE IF NOT EXISTS billing_customers (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  name text NOT NULL,
  email text,
  currency text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_customers_tenant_idx ON billing_customers (tenant);

CREATE TABLE IF NOT EXISTS billing_orders (
  tenant text NOT NULL,
  id text NOT NULL,
  customer_id text NOT NULL REFERENCES billing_customers (id),
  description text NOT NULL,
  currency text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  paid_minor bigint NOT NULL CHECK (paid_minor >= 0),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
  payment_id text UNIQUE,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  -- The ledger's own last line of defence: no code path can store an over-refund.
  CONSTRAINT billing_orders_refund_within_paid CHECK (refunded_minor <= paid_minor)
);

CREATE TABLE IF NOT EXISTS billing_payments (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  order_id text NOT NULL,
  amount_minor bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  FOREIGN KEY (tenant, order_id) REFERENCES billing_orders (tenant, id)
);

CREATE TABLE IF NOT EXISTS billing_invoices (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  number text NOT NULL,
  customer_id text NOT NULL REFERENCES billing_customers (id),
  order_id text,
  status text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
  currency text NOT NULL,
  total_minor bigint NOT NULL,
  amount_paid_minor bigint NOT NULL,
  amount_due_minor bigint NOT NULL,
  lines jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  due_at timestamptz
);
CREATE INDEX IF NOT EXISTS billing_invoices_list_idx ON billing_invoices (tenant, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS billing_invoices_customer_idx ON billing_invoices (tenant, customer_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS billing_refunds (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  order_id text NOT NULL,
  payment_id text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  reason text NOT NULL,
  note text,
  status text NOT NULL,
  requested_by text,
  plan_id text,
  idempotency_key text,
  created_at timestamptz NOT NULL,
  FOREIGN KEY (tenant, order_id) REFERENCES billing_orders (tenant, id)
);
CREATE INDEX IF NOT EXISTS billing_refunds_order_idx ON billing_refunds (tenant, order_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS billing_refund_requests (
  tenant text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  principal text NOT NULL,
  order_id text NOT NULL,
  amount_minor bigint NOT NULL,
  day date NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  refund_id text,
  outcome jsonb,
  error jsonb,
  plan_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, idempotency_key)
);

CREATE TABLE IF NOT EXISTS billing_refund_budgets (
  tenant text NOT NULL,
  principal text NOT NULL,
  day date NOT NULL,
  used_minor bigint NOT NULL DEFAULT 0 CHECK (used_minor >= 0),
  PRIMARY KEY (tenant, principal, day)
);

CREATE TABLE IF NOT EXISTS billing_seed (
  version text PRIMARY KEY,
  seeded_at timestamptz NOT NULL
);
`,
  },
  {
    // Refund idempotency keys moved into the kit's ledger (portcullis_idempotency, keyed by tenant,
    // principal, tool and key); the refund-specific state (pending budget, outcome or refusal)
    // travels with the key there.
    id: '0002_refund_keys_in_kit_ledger',
    sql: `DROP TABLE IF EXISTS billing_refund_requests;`,
  },
  {
    // The link to the customer's CRM contact (docs: "From an order to a contact").
    id: '0003_crm_contact_link',
    sql: `ALTER TABLE billing_customers ADD COLUMN IF NOT EXISTS crm_contact_id text;`,
  },
  {
    // Budgets per currency (minor units of different currencies never add up), and per tenant.
    // Counters from before were all USD (the only currency then).
    id: '0004_budgets_per_currency_and_tenant',
    sql: `
ALTER TABLE billing_refund_budgets ADD COLUMN IF NOT EXISTS currency text NOT NULL DEFAULT 'usd';
ALTER TABLE billing_refund_budgets DROP CONSTRAINT IF EXISTS billing_refund_budgets_pkey;
ALTER TABLE billing_refund_budgets ADD PRIMARY KEY (tenant, principal, currency, day);
CREATE TABLE IF NOT EXISTS billing_tenant_refund_budgets (
  tenant text NOT NULL,
  currency text NOT NULL,
  day date NOT NULL,
  used_minor bigint NOT NULL DEFAULT 0 CHECK (used_minor >= 0),
  PRIMARY KEY (tenant, currency, day)
);
`,
  },
];

import { fileURLToPath } from 'node:url';
import { ConfigError, defineServer } from '@portcullis/core';
import type { KitServices } from '@portcullis/core';
import type { BillingBackend } from './backend.js';
import { billingConfigSchema, billingSeedFor } from './config.js';
import { EmbeddedBillingBackend } from './embedded.js';
import { billingMigrations } from './migrations.js';
import { STRIPE_SYSTEM, StripeBillingBackend } from './stripe.js';
import { billingTools } from './tools.js';

export type {
  BillingBackend,
  InvoiceQuery,
  PageRequest,
  RefundBudget,
  RefundOutcome,
  RefundRequest,
} from './backend.js';
export { DEFAULT_DAILY_REFUND_BUDGET_MINOR, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './backend.js';
export type { Customer, Invoice, InvoiceLine, Order, Page, Refund, RefundReason } from './domain.js';
export { billingConfigSchema, billingSeedFor } from './config.js';
export type { BillingConfig } from './config.js';
export { EmbeddedBillingBackend } from './embedded.js';
export { StripeBillingBackend } from './stripe.js';
export type { StripeBackendOptions } from './stripe.js';
export { billingMigrations } from './migrations.js';
export { billingSeed, CANONICAL_ORDER, SEED_VERSION } from './seed.js';
export type { SeedData } from './seed.js';
export { billingTools } from './tools.js';
export { replaceToolsTable, toolsTable, TABLE_END, TABLE_START } from '@portcullis/core';

async function createBackend(services: KitServices): Promise<BillingBackend> {
  const config = billingConfigSchema.parse(
    Object.fromEntries(
      Object.keys(billingConfigSchema.shape).flatMap((k) => (services.env[k] ? [[k, services.env[k]]] : [])),
    ),
  );
  if (config.BILLING_BACKEND === 'embedded') {
    const seed = billingSeedFor(config, services.env);
    services.logger.info({ backend: 'embedded', seed }, 'billing backend: embedded store');
    return EmbeddedBillingBackend.create({
      store: services.store,
      dailyBudgetMinor: config.BILLING_DAILY_REFUND_BUDGET_MINOR,
      seed: seed === 'demo',
    });
  }
  const keyRef = config.BILLING_STRIPE_KEY;
  if (keyRef === undefined)
    throw new ConfigError(
      'BILLING_STRIPE_KEY is required when BILLING_BACKEND=stripe (env:NAME, file:/path or aws-sm:secret-id[#json-key]).',
    );
  // Resolve once at start: a missing or unreadable key stops start-up with one clear line.
  await services.credentials.get(keyRef, 'BILLING_STRIPE_KEY');
  return new StripeBillingBackend({
    store: services.store,
    dailyBudgetMinor: config.BILLING_DAILY_REFUND_BUDGET_MINOR,
    withKey: (fn) => services.credentials.withSecret(keyRef, 'BILLING_STRIPE_KEY', fn),
    callUpstream: (fn, signal) => services.callUpstream(STRIPE_SYSTEM, fn, signal),
    ...(config.BILLING_STRIPE_API_BASE !== undefined ? { apiBase: config.BILLING_STRIPE_API_BASE } : {}),
    ...(config.BILLING_STRIPE_TIMEOUT_MS !== undefined
      ? { timeoutMs: config.BILLING_STRIPE_TIMEOUT_MS }
      : {}),
  });
}

export const server = defineServer<BillingBackend>({
  name: 'billing',
  version: '0.1.0',
  title: 'Portcullis Billing',
  description:
    'Customers, orders, invoices and refunds under policy: thresholds, approvals, a daily budget per person, and idempotent refunds.',
  instructions:
    'Amounts are integer minor units (cents): $150.00 is 15000. Before refunding, call billing_check_refund to see whether the refund is allowed, needs an approval or is denied. ' +
    'billing_issue_refund needs an idempotency_key; when it answers approval_required, give the plan id to an approver, then call billing_apply_refund with the approval token they return.',
  defaultPort: 7302,
  tools: billingTools,
  policyDir: fileURLToPath(new URL('../policies', import.meta.url)),
  extraActions: [{ name: 'billing_cancel_others_plan', resourceTypes: ['Tenant'] }],
  approvalTool: 'billing_approve_refund',
  configSchema: billingConfigSchema,
  sensitiveKeys: ['email'],
  migrations: billingMigrations,
  createBackend,
});

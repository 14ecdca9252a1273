import { fileURLToPath } from 'node:url';
import { ConfigError, defineServer } from '@portcullis/core';
import type { KitServices } from '@portcullis/core';
import { openCursorCodec } from '@portcullis/core/cursor';
import type { BillingBackend } from './backend.js';
import { billingConfigSchema, billingSeedFor, type BillingConfig } from './config.js';
import { EmbeddedBillingBackend } from './embedded.js';
import { billingMigrations } from './migrations.js';
import { STRIPE_SYSTEM, StripeBillingBackend } from './stripe.js';
import { billingTools } from './tools/index.js';

export type {
  BillingBackend,
  InvoiceQuery,
  PageRequest,
  RefundBudget,
  RefundOutcome,
  RefundRequest,
} from './backend.js';
export { DEFAULT_DAILY_REFUND_BUDGET_MINOR, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './backend.js';
export type { Page } from './backend.js';
export type { Customer, Invoice, InvoiceLine, Order, Refund, RefundReason } from './domain.js';
export { billingConfigSchema, billingSeedFor } from './config.js';
export type { BillingConfig } from './config.js';
export { EmbeddedBillingBackend } from './embedded.js';
export { StripeBillingBackend } from './stripe.js';
export type { StripeBackendOptions } from './stripe.js';
export { billingMigrations } from './migrations.js';
export { billingSeed, CANONICAL_ORDER, SEED_VERSION } from './seed.js';
export type { SeedData } from './seed.js';
export { billingTools } from './tools/index.js';
export { replaceToolsTable, toolsTable, TABLE_END, TABLE_START } from '@portcullis/core';

async function createBackend(services: KitServices<BillingConfig>): Promise<BillingBackend> {
  const config = services.config;
  const cursors = await openCursorCodec(services);
  if (config.BILLING_BACKEND === 'embedded') {
    const seed = billingSeedFor(config, services.env);
    services.logger.info({ backend: 'embedded', seed }, 'billing backend: embedded store');
    return EmbeddedBillingBackend.create({
      store: services.store,
      cursors,
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
  return StripeBillingBackend.open({
    store: services.store,
    cursors,
    dailyBudgetMinor: config.BILLING_DAILY_REFUND_BUDGET_MINOR,
    withKey: (fn) => services.credentials.withSecret(keyRef, 'BILLING_STRIPE_KEY', fn),
    callUpstream: (fn, signal) => services.callUpstream(STRIPE_SYSTEM, fn, signal),
    crmContactField: config.BILLING_STRIPE_CRM_CONTACT_FIELD,
    ...(config.BILLING_STRIPE_API_BASE !== undefined ? { apiBase: config.BILLING_STRIPE_API_BASE } : {}),
    ...(config.BILLING_STRIPE_TIMEOUT_MS !== undefined
      ? { timeoutMs: config.BILLING_STRIPE_TIMEOUT_MS }
      : {}),
  });
}

export const server = defineServer<BillingBackend, typeof billingConfigSchema>({
  name: 'billing',
  version: '0.1.0',
  title: 'Portcullis Billing',
  description:
    'Customers, orders, invoices and refunds under policy: thresholds, approvals, a daily budget per person, and idempotent refunds.',
  instructions:
    'Amounts are integer minor units (cents): $150.00 is 15000. Before refunding, call billing_check_refund to see whether the refund is allowed, needs an approval or is denied. ' +
    'billing_issue_refund needs an idempotency_key; when it answers approval_required, give the plan id to an approver, then call billing_apply_refund with the approval token they return.',
  defaultPort: 7302,
  toolsets: [
    { id: 'orders', description: 'Read customers and their orders.', default: true },
    { id: 'invoices', description: 'List and read invoices.', default: true },
    {
      id: 'refunds',
      description: 'See, check and issue refunds, and apply approved refund plans.',
      default: true,
    },
    { id: 'approvals', description: 'Approve or cancel refund plans (approvers).', default: true },
  ],
  tools: billingTools,
  policyDir: fileURLToPath(new URL('../policies', import.meta.url)),
  extraActions: [{ name: 'billing_cancel_others_plan', resourceTypes: ['Tenant'] }],
  approvalTool: 'billing_approve_refund',
  configSchema: billingConfigSchema,
  sensitiveKeys: ['email'],
  migrations: billingMigrations,
  createBackend,
});

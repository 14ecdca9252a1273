import { ConfigError, defineServer, packageFile } from '@portcullis/core';
import type { KitServices } from '@portcullis/core';
import { upstreamIdentity } from '@portcullis/core/cache';
import { openCursorCodec } from '@portcullis/core/cursor';
import type { BillingBackend, RefundLimits } from './backend.js';
import { billingConfigSchema, billingSeedFor, type BillingConfig } from './config.js';
import { EmbeddedBillingBackend } from './embedded.js';
import { billingMigrations } from './migrations.js';
import { STRIPE_SYSTEM, StripeBillingBackend } from './stripe.js';
import { billingTools } from './tools/index.js';

export type {
  BillingBackend,
  CurrencyLimits,
  InvoiceQuery,
  PageRequest,
  RefundBudget,
  RefundLimits,
  RefundOutcome,
  RefundRequest,
} from './backend.js';
export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_REFUND_LIMITS,
  MAX_PAGE_SIZE,
  REFUND_LIMIT_SETTINGS,
  limitsFor,
} from './backend.js';
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
export { replaceMoneyTable } from '@portcullis/core/money';
export { billingMoneyRules, billingMoneyTable } from './money-table.js';

/** The refund limit tables from the settings. */
export function refundLimitsOf(config: BillingConfig): RefundLimits {
  return {
    approvalAbove: config.BILLING_REFUND_APPROVAL_ABOVE,
    max: config.BILLING_REFUND_MAX,
    principalDaily: config.BILLING_DAILY_REFUND_BUDGET,
    tenantDaily: config.BILLING_TENANT_DAILY_REFUND_BUDGET,
  };
}

async function createBackend(
  services: KitServices<BillingConfig>,
  now: (() => number) | undefined,
): Promise<BillingBackend> {
  const config = services.config;
  const cursors = await openCursorCodec(services);
  const common = {
    store: services.store,
    cursors,
    limits: refundLimitsOf(config),
    planServer: services.serverName,
    ...(now !== undefined ? { now } : {}),
  };
  if (config.BILLING_BACKEND === 'embedded') {
    const seed = billingSeedFor(config, services.env);
    services.logger.info({ backend: 'embedded', seed }, 'billing backend: embedded store');
    return EmbeddedBillingBackend.create({ ...common, seed: seed === 'demo' });
  }
  const keyRef = config.BILLING_STRIPE_KEY;
  if (keyRef === undefined)
    throw new ConfigError(
      'BILLING_STRIPE_KEY is required when BILLING_BACKEND=stripe (env:NAME, file:/path or aws-sm:secret-id[#json-key]).',
    );
  // Resolve once at start: a missing or unreadable key stops start-up with one clear line.
  await services.credentials.get(keyRef, 'BILLING_STRIPE_KEY');
  return StripeBillingBackend.open({
    ...common,
    withKey: (fn) => services.credentials.withSecret(keyRef, 'BILLING_STRIPE_KEY', fn),
    callUpstream: (fn, signal) => services.callUpstream(STRIPE_SYSTEM, fn, signal),
    crmContactField: config.BILLING_STRIPE_CRM_CONTACT_FIELD,
    // The Stripe account is named by the key's reference (never the key) and the API base.
    cache: services.cache.forUpstream(
      STRIPE_SYSTEM,
      upstreamIdentity({
        apiBase: config.BILLING_STRIPE_API_BASE ?? 'https://api.stripe.com',
        key: keyRef,
        crmContactField: config.BILLING_STRIPE_CRM_CONTACT_FIELD,
      }),
    ),
    ...(config.BILLING_STRIPE_API_BASE !== undefined ? { apiBase: config.BILLING_STRIPE_API_BASE } : {}),
    ...(config.BILLING_STRIPE_TIMEOUT_MS !== undefined
      ? { timeoutMs: config.BILLING_STRIPE_TIMEOUT_MS }
      : {}),
  });
}

export interface BillingServerOptions {
  /** The clock budgets count UTC days with (tests inject one). */
  now?: () => number;
}

/** The billing server definition; `server` is the one the CLI runs. */
export function createBillingServer(opts: BillingServerOptions = {}) {
  return defineServer<BillingBackend, typeof billingConfigSchema>({
    name: 'billing',
    version: '0.1.0',
    title: 'Portcullis Billing',
    description:
      "Customers, orders, invoices and refunds under policy: per-currency thresholds on each order's cumulative refunds, approvals applied by their requester, daily budgets per person and per tenant, and idempotent refunds.",
    instructions:
      "Amounts are integer minor units of the order's currency (cents for USD: $150.00 is 15000; yen for JPY). Before refunding, call billing_check_refund to see whether the refund is allowed, needs an approval or is denied. " +
      'billing_issue_refund needs an idempotency_key; when it answers approval_required, give the plan id to an approver, then call billing_apply_refund yourself with the approval token they return (only the requester may apply). ' +
      'Approvers find what waits for them with billing_list_pending_approvals.',
    defaultPort: 7302,
    toolsets: [
      { id: 'orders', description: 'Read customers and their orders.', default: true },
      { id: 'invoices', description: 'List and read invoices.', default: true },
      {
        id: 'refunds',
        description: 'See, check and issue refunds, and apply approved refund plans.',
        default: true,
      },
      {
        id: 'approvals',
        description: 'List, approve or cancel refund plans (approvers).',
        default: true,
      },
    ],
    tools: billingTools,
    policyDir: packageFile('@portcullis/billing', import.meta.url, 'policies'),
    extraActions: [{ name: 'billing_cancel_others_plan', resourceTypes: ['Tenant'] }],
    approvalTool: 'billing_approve_refund',
    configSchema: billingConfigSchema,
    sensitiveKeys: ['email'],
    migrations: billingMigrations,
    createBackend: (services) => createBackend(services, opts.now),
  });
}

export const server = createBillingServer();

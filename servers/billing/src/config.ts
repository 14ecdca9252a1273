import { z } from 'zod';
import { isProduction } from '@portcullis/core';
import { moneyTableSetting } from '@portcullis/core/money';
import { DEFAULT_REFUND_LIMITS } from './backend.js';

/** Billing's own settings (validated at start; a bad value stops start-up naming the variable). */
export const billingConfigSchema = z.object({
  BILLING_BACKEND: z.enum(['embedded', 'stripe']).default('embedded'),
  /** Credential reference to the Stripe secret key: env:NAME, file:/path or aws-sm:secret-id[#json-key]. */
  BILLING_STRIPE_KEY: z
    .string()
    .regex(
      /^(env|file|aws-sm):.+$/,
      'a credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key] (never the key itself)',
    )
    .optional(),
  /** Where the Stripe API is (tests point it at a local fake); default https://api.stripe.com. */
  BILLING_STRIPE_API_BASE: z
    .url({ protocol: /^https?$/ })
    // Plain http would send the secret key in clear: only to a local fake.
    .refine(
      (u) => u.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u),
      'https, or http only for 127.0.0.1/localhost',
    )
    .optional(),
  /** Customer metadata key that holds the linked CRM contact id. */
  BILLING_STRIPE_CRM_CONTACT_FIELD: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a Stripe metadata key (letters, digits, _ and -, at most 40)')
    .default('crm_contact_id'),
  BILLING_STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  // Refund limits, per currency: CODE:MINOR_UNITS entries (e.g. USD:20000 is $200.00, JPY:30000 is
  // 30,000 yen). A currency without an entry is refused for refunds, naming the setting.
  /** A refund that takes the order's refunds (done + pending plans + this one) past this needs an approver. */
  BILLING_REFUND_APPROVAL_ABOVE: moneyTableSetting(DEFAULT_REFUND_LIMITS.approvalAbove),
  /** No order's refunds (done + pending plans + this one) go past this through the server. */
  BILLING_REFUND_MAX: moneyTableSetting(DEFAULT_REFUND_LIMITS.max),
  /** Each principal's refunds per UTC day. */
  BILLING_DAILY_REFUND_BUDGET: moneyTableSetting(DEFAULT_REFUND_LIMITS.principalDaily),
  /** Each tenant's refunds per UTC day, all principals together. */
  BILLING_TENANT_DAILY_REFUND_BUDGET: moneyTableSetting(DEFAULT_REFUND_LIMITS.tenantDaily),
  /** Replaced by BILLING_DAILY_REFUND_BUDGET (per currency): refused so an old deployment does not silently lose its cap. */
  BILLING_DAILY_REFUND_BUDGET_MINOR: z
    .string()
    .refine(() => false, 'replaced by BILLING_DAILY_REFUND_BUDGET, per currency (e.g. USD:100000)')
    .optional(),
  /** demo seeds the demo tenants once into an empty embedded store; none starts empty. Default: none when NODE_ENV=production, else demo. */
  BILLING_SEED: z.enum(['demo', 'none']).optional(),
});

/** Whether the embedded store gets the demo data: BILLING_SEED, else none in production, demo elsewhere. */
export function billingSeedFor(config: BillingConfig, env: NodeJS.ProcessEnv): 'demo' | 'none' {
  return config.BILLING_SEED ?? (isProduction(env.NODE_ENV) ? 'none' : 'demo');
}

export type BillingConfig = z.output<typeof billingConfigSchema>;

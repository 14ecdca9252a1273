import { moneyRulesTable, rolesInPolicy, type MoneyRule } from '@portcullis/core/money';
import type { BillingConfig } from './config.js';

/**
 * Billing's money rules as a README table: amounts from the settings (per currency), roles from
 * the policies, so `test/readme.test.ts` fails when the README, the config or the policies drift.
 */
export function billingMoneyRules(config: BillingConfig, policyText: string): MoneyRule[] {
  const roles = (id: string): string => rolesInPolicy(policyText, id).join(', ');
  return [
    {
      who: roles('billing-refund-direct'),
      what: "refund directly while the order's refunds (done + open plans + this one) stay within (`BILLING_REFUND_APPROVAL_ABOVE`)",
      amounts: config.BILLING_REFUND_APPROVAL_ABOVE,
    },
    {
      who: roles('billing-refund-needs-approval'),
      what: `refund through a plan approved by another person (${roles('billing-approve')}) and applied by the requester (an admin override is its own action), order total up to (\`BILLING_REFUND_MAX\`); beyond: nobody`,
      amounts: config.BILLING_REFUND_MAX,
    },
    {
      who: 'each principal (an applied plan counts for its requester)',
      what: 'refund per UTC day, in each currency (`BILLING_DAILY_REFUND_BUDGET`)',
      amounts: config.BILLING_DAILY_REFUND_BUDGET,
    },
    {
      who: 'each tenant (everyone together)',
      what: 'refund per UTC day, in each currency (`BILLING_TENANT_DAILY_REFUND_BUDGET`)',
      amounts: config.BILLING_TENANT_DAILY_REFUND_BUDGET,
    },
  ];
}

/** The README table for these settings: one column per configured currency, USD first. */
export function billingMoneyTable(config: BillingConfig, policyText: string): string {
  const currencies = [
    ...new Set([
      ...Object.keys(config.BILLING_REFUND_APPROVAL_ABOVE),
      ...Object.keys(config.BILLING_REFUND_MAX),
      ...Object.keys(config.BILLING_DAILY_REFUND_BUDGET),
      ...Object.keys(config.BILLING_TENANT_DAILY_REFUND_BUDGET),
    ]),
  ];
  return moneyRulesTable(billingMoneyRules(config, policyText), currencies);
}

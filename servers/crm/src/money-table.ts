import { moneyRulesTable, rolesInPolicy, type MoneyRule } from '@portcullis/core/money';
import type { CrmConfig } from './config.js';

/**
 * The CRM's money and record rules as a README table: the threshold from the settings (per
 * currency), roles from the policies, so `test/readme.test.ts` fails when they drift apart.
 */
export function crmMoneyRules(config: CrmConfig, policyText: string): MoneyRule[] {
  const roles = (id: string): string => rolesInPolicy(policyText, id).join(', ');
  const bigDealers = rolesInPolicy(policyText, 'crm-large-deal-close');
  const writers = [
    ...rolesInPolicy(policyText, 'crm-write-own-records'),
    ...rolesInPolicy(policyText, 'crm-write-team-records'),
  ].filter((r) => !bigDealers.includes(r));
  return [
    {
      who: `${roles('crm-write-own-records')} (own records)`,
      what: "write records they own; every record a write reads or links (an activity's targets and their accounts, a new contact's or deal's account, the account a contact moves to) must be theirs too",
      amounts: null,
    },
    {
      who: `${roles('crm-write-team-records')} (team records)`,
      what: "the same for their team's records",
      amounts: null,
    },
    { who: roles('crm-write-admin'), what: 'write any record of their tenant', amounts: null },
    {
      who: writers.join(', '),
      what: 'close a deal as won only below (`CRM_LARGE_DEAL_THRESHOLD`, in the deal currency)',
      amounts: config.CRM_LARGE_DEAL_THRESHOLD,
    },
    {
      who: bigDealers.join(', '),
      what: 'close a deal as won at or above it',
      amounts: config.CRM_LARGE_DEAL_THRESHOLD,
    },
  ];
}

export function crmMoneyTable(config: CrmConfig, policyText: string): string {
  return moneyRulesTable(crmMoneyRules(config, policyText), Object.keys(config.CRM_LARGE_DEAL_THRESHOLD));
}

import { z } from 'zod';
import { errors, loadedRecord, withRecord } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import type { AccountRelated, CrmBackend } from '../backend.js';
import { OPEN_STAGES, type Account } from '../domain.js';
import {
  accountLine,
  accountOut,
  activityLine,
  activityOut,
  contactSummaryOut,
  cursorField,
  idField,
  limitField,
  opportunityLine,
  opportunityOut,
  ownerField,
  pageFields,
  pageCount,
  pageFooter,
  queryField,
  recordResource,
  summariseContact,
  tool,
  versioned,
} from './common.js';

const SUMMARY_SIZE = 10;
const RECENT_ACTIVITIES = 5;

export const searchAccounts = tool({
  name: 'crm_search_accounts',
  title: 'Search accounts',
  description:
    "Search the accounts (customer companies) of your tenant by name words and exact filters, sorted by name. Returns one page of accounts with their owner, team and version, plus next_cursor for the following page and the total count. Use crm_get_account for one account's contacts, open opportunities and recent activities.",
  toolset: 'accounts',
  access: 'read',
  input: z.object({
    query: queryField('account name', 3),
    industry: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Exact industry, e.g. "software" or "finance" (crm://schema lists the values in use).'),
    region: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Exact sales region, e.g. "na", "emea", "apac" or "latam".'),
    owner_id: ownerField.optional().describe('Only accounts owned by this CRM owner (sales rep).'),
    cursor: cursorField,
    limit: limitField,
  }),
  output: z.object({ accounts: z.array(accountOut), ...pageFields }),
  handler: async (args, ctx) => {
    const page = await ctx.backend.searchAccounts(
      ctx.principal.tenant,
      { query: args.query, industry: args.industry, region: args.region, owner_id: args.owner_id },
      pageRequest(args, ctx.principal),
      { signal: ctx.signal },
    );
    return { accounts: page.items, next_cursor: page.next_cursor, ...pageCount(page) };
  },
  render: (out) => [...out.accounts.map(accountLine), pageFooter(out, out.accounts.length)].join('\n'),
});

export const accountSummaryOut = z.object({
  account: accountOut,
  contacts: z.object({
    total: z.number().int(),
    items: z
      .array(contactSummaryOut)
      .describe(`The first ${SUMMARY_SIZE} contacts by name; crm_search_contacts with account_id lists all.`),
  }),
  open_opportunities: z.object({
    total: z.number().int(),
    items: z
      .array(opportunityOut)
      .describe(
        `The first ${SUMMARY_SIZE} open opportunities by close date; crm_search_opportunities lists all.`,
      ),
  }),
  recent_activities: z
    .array(activityOut)
    .describe(`The ${RECENT_ACTIVITIES} most recent activities on the account.`),
});

/**
 * One account with its people, pipeline and latest touches; shared by the tool and the
 * crm://accounts/{id} resource. `loaded` is the account when the caller already read it (the
 * tool's resolver, for policy): it is then not read again.
 */
export async function accountSummary(
  backend: CrmBackend,
  tenant: string,
  id: string,
  signal: AbortSignal,
  loaded?: Account,
): Promise<z.input<typeof accountSummaryOut> | null> {
  const account = loaded ?? (await backend.getAccount(tenant, id, { signal }));
  if (account === null) return null;
  const related = backend.accountRelated
    ? await backend.accountRelated(tenant, id, { size: SUMMARY_SIZE, recent: RECENT_ACTIVITIES }, { signal })
    : await relatedBySearches(backend, tenant, id, signal);
  return {
    account,
    contacts: { total: related.contacts.total, items: related.contacts.items.map(summariseContact) },
    open_opportunities: related.openOpportunities,
    recent_activities: related.activities,
  };
}

/** accountRelated through the backend's searches (a backend without its own, e.g. HubSpot's). */
async function relatedBySearches(
  backend: CrmBackend,
  tenant: string,
  id: string,
  signal: AbortSignal,
): Promise<AccountRelated> {
  const [contacts, opps, activities] = await Promise.all([
    backend.searchContacts(tenant, { account_id: id }, { cursor: null, limit: SUMMARY_SIZE }, { signal }),
    backend.searchOpportunities(
      tenant,
      { account_id: id, stages: [...OPEN_STAGES] },
      { cursor: null, limit: SUMMARY_SIZE },
      { signal },
    ),
    backend.listActivities(tenant, { account_id: id }, RECENT_ACTIVITIES, { signal }),
  ]);
  return {
    contacts: { total: contacts.total, items: contacts.items },
    openOpportunities: { total: opps.total, items: opps.items },
    activities,
  };
}

export const getAccount = tool({
  name: 'crm_get_account',
  title: 'Get an account',
  description:
    'Get one account of your tenant by id, with a summary: its contacts (names and titles, no personal contact details), its open opportunities and its most recent activities.',
  toolset: 'accounts',
  access: 'read',
  resourceType: 'Account',
  input: z.object({ id: idField('account') }),
  output: accountSummaryOut,
  resource: async (args, ctx) => {
    const a = await ctx.backend.getAccount(ctx.principal.tenant, args.id, { signal: ctx.signal });
    return a === null ? null : withRecord(recordResource('Account', a.tenant, a, versioned(a)), a);
  },
  handler: async (args, ctx) => {
    // The account policy decided on, as the resolver read it: not read a second time.
    const summary = await accountSummary(
      ctx.backend,
      ctx.principal.tenant,
      args.id,
      ctx.signal,
      loadedRecord<Account>(ctx.resource),
    );
    if (summary === null) throw errors.notFound(`Account ${args.id}`);
    return summary;
  },
  render: (out) =>
    [
      accountLine(out.account),
      `Contacts (${out.contacts.total}): ${out.contacts.items.map((c) => `${c.first_name} ${c.last_name} [${c.id}]${c.title ? ` ${c.title}` : ''}`).join('; ') || 'none'}`,
      `Open opportunities (${out.open_opportunities.total}):`,
      ...out.open_opportunities.items.map((o) => `- ${opportunityLine(o)}`),
      'Recent activities:',
      ...out.recent_activities.map((a) => `- ${activityLine(a)}`),
    ].join('\n'),
});

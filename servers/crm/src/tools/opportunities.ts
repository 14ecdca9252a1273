import { z } from 'zod';
import { errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import { OPEN_STAGES, STAGES, STAGE_TRANSITIONS } from '../domain.js';
import {
  authorizeLinked,
  cursorField,
  dealMoney,
  idempotencyField,
  idField,
  limitField,
  linkedAs,
  opportunityLine,
  opportunityOut,
  ownerField,
  pageFields,
  pageCount,
  pageFooter,
  queryField,
  recordResource,
  replayedField,
  resolveOwner,
  tool,
  versioned,
  versionField,
  writeOptions,
} from './common.js';

const transitions = STAGES.map((s) => `${s} → ${STAGE_TRANSITIONS[s].join(' | ') || '(final)'}`).join('; ');

export const searchOpportunities = tool({
  name: 'crm_search_opportunities',
  title: 'Search opportunities',
  description:
    "Search the opportunities (deals) of your tenant by name words, account, owner, stages and minimum amount, sorted by close date. Returns one page with each deal's stage, amount and version, plus next_cursor and the total count.",
  toolset: 'opportunities',
  access: 'read',
  input: z.object({
    query: queryField('opportunity name', 2),
    account_id: idField('account').optional().describe('Only opportunities of this account.'),
    owner_id: ownerField.optional().describe('Only opportunities owned by this CRM owner.'),
    stages: z
      .array(z.enum(STAGES))
      .min(1)
      .max(STAGES.length)
      .optional()
      .describe(
        `Only opportunities in one of these stages. Open stages: ${OPEN_STAGES.join(', ')}; closed: closed_won, closed_lost.`,
      ),
    min_amount: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Only opportunities worth at least this much (whole currency units).'),
    cursor: cursorField,
    limit: limitField,
  }),
  output: z.object({ opportunities: z.array(opportunityOut), ...pageFields }),
  handler: async (args, ctx) => {
    const page = await ctx.backend.searchOpportunities(
      ctx.principal.tenant,
      {
        query: args.query,
        account_id: args.account_id,
        owner_id: args.owner_id,
        stages: args.stages,
        min_amount: args.min_amount,
      },
      pageRequest(args, ctx.principal),
      { signal: ctx.signal },
    );
    return { opportunities: page.items, next_cursor: page.next_cursor, ...pageCount(page) };
  },
  render: (out) =>
    [...out.opportunities.map(opportunityLine), pageFooter(out, out.opportunities.length)].join('\n'),
});

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'a real calendar date',
  );

export const createOpportunity = tool({
  name: 'crm_create_opportunity',
  title: 'Create an opportunity',
  description:
    'Create an opportunity (deal) at an account, in an open stage (prospecting by default). It is owned by owner_id, or by you when omitted. Reps may create opportunities they own, managers for owners in their team, admins any. Pass an idempotency_key so a retry cannot create a duplicate.',
  toolset: 'opportunities',
  access: 'write',
  resourceType: 'Opportunity',
  input: z.object({
    account_id: idField('account'),
    name: z.string().trim().min(1).max(200).describe('Short name of the deal, e.g. "Platform renewal 2026".'),
    amount: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .describe('Expected value in whole units of currency, e.g. 25000.'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD')
      .describe('ISO 4217 currency code (default USD).'),
    close_date: isoDate.describe('Expected close date, YYYY-MM-DD.'),
    stage: z
      .enum(OPEN_STAGES)
      .default('prospecting')
      .describe(`Starting stage, one of the open stages: ${OPEN_STAGES.join(', ')}.`),
    owner_id: ownerField.optional().describe('CRM owner of the new opportunity; defaults to you.'),
    idempotency_key: idempotencyField,
  }),
  output: z.object({ opportunity: opportunityOut, replayed: replayedField }),
  resource: async (args, ctx) => {
    const owner = await resolveOwner(ctx, args.owner_id);
    if (
      (await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal })) === null
    ) {
      throw errors.notFound(`Account ${args.account_id}`, 'Find the account with crm_search_accounts.');
    }
    return recordResource(
      'Opportunity',
      ctx.principal.tenant,
      { id: 'new', owner_id: owner.id, team: owner.team },
      {
        version: 0,
        amount: args.amount,
        ...dealMoney(ctx, args.amount, args.currency),
        stage: args.stage,
      },
    );
  },
  handler: async (args, ctx) => {
    // The account the deal is created at is a record this write links: authorized too.
    const account = await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, {
      signal: ctx.signal,
    });
    if (account === null) throw errors.notFound(`Account ${args.account_id}`);
    authorizeLinked(ctx, 'crm_create_opportunity', [
      {
        what: 'account',
        resource: linkedAs('Opportunity', account, {
          version: 0,
          amount: args.amount,
          ...dealMoney(ctx, args.amount, args.currency),
          stage: args.stage,
        }),
      },
    ]);
    const { record, replayed } = await ctx.backend.createOpportunity(
      ctx.principal.tenant,
      {
        account_id: args.account_id,
        name: args.name,
        stage: args.stage,
        amount: args.amount,
        currency: args.currency,
        close_date: args.close_date,
        owner_id: args.owner_id ?? ctx.principal.id,
      },
      writeOptions(ctx),
    );
    return { opportunity: record, replayed };
  },
  render: (out) =>
    `${out.replayed ? 'Already created (replayed): ' : 'Created: '}${opportunityLine(out.opportunity)}`,
});

export const updateOpportunityStage = tool({
  name: 'crm_update_opportunity_stage',
  title: 'Move an opportunity to another stage',
  description: `Move an opportunity to its next stage. Only legal transitions are accepted (${transitions}); anything else is an illegal_stage_transition conflict naming the legal next stages. Pass the version you read; a stale one is a conflict. Reps may move opportunities they own, managers their team's, admins any; closing a large deal as won (at least CRM_LARGE_DEAL_THRESHOLD in its currency: 100,000.00 USD/EUR/GBP by default) needs a manager or admin; an opportunity in a currency without a threshold is refused.`,
  toolset: 'opportunities',
  access: 'write',
  idempotent: true,
  resourceType: 'Opportunity',
  input: z.object({
    id: idField('opportunity'),
    version: versionField,
    stage: z.enum(STAGES).describe('The stage to move to.'),
    idempotency_key: idempotencyField,
  }),
  output: z.object({ opportunity: opportunityOut, replayed: replayedField }),
  resource: async (args, ctx) => {
    const o = await ctx.backend.getOpportunity(ctx.principal.tenant, args.id, { signal: ctx.signal });
    return o === null
      ? null
      : recordResource('Opportunity', o.tenant, o, {
          ...versioned(o),
          amount: o.amount,
          ...dealMoney(ctx, o.amount, o.currency),
          stage: o.stage,
        });
  },
  handler: async (args, ctx) => {
    const { record, replayed } = await ctx.backend.updateOpportunityStage(
      ctx.principal.tenant,
      args.id,
      args.version,
      args.stage,
      writeOptions(ctx),
    );
    return { opportunity: record, replayed };
  },
  render: (out) =>
    `${out.replayed ? 'Already moved (replayed): ' : 'Moved: '}${opportunityLine(out.opportunity)}`,
});

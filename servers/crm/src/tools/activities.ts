import { z } from 'zod';
import { errors } from '@portcullis/core';
import { ACTIVITY_TYPES } from '../domain.js';
import {
  activityLine,
  activityOut,
  idempotencyField,
  idField,
  authorizeLinked,
  linkedAs,
  recordResource,
  replayedField,
  tool,
  writeOptions,
  type RCtx,
} from './common.js';

export const logActivity = tool({
  name: 'crm_log_activity',
  title: 'Log an activity',
  description:
    "Record a call, email, meeting, note or task against an opportunity, a contact and/or an account of your tenant (at least one). Targets must belong to the same account; the account of a given opportunity or contact is linked automatically. Reps may log on records they own, managers on their team's, admins on any. Activities cannot be edited afterwards. Pass an idempotency_key so a retry cannot log twice.",
  toolset: 'activities',
  access: 'write',
  resourceType: 'Activity',
  input: z
    .object({
      type: z.enum(ACTIVITY_TYPES).describe('Kind of activity.'),
      subject: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .describe('One-line summary, e.g. "Pricing call with the CFO".'),
      body: z.string().trim().min(1).max(5000).optional().describe('Details, notes or outcome.'),
      occurred_at: z.iso
        .datetime({ offset: true })
        .optional()
        .describe('When it happened, ISO 8601 with time zone, e.g. "2025-05-01T14:30:00Z"; defaults to now.'),
      opportunity_id: idField('opportunity').optional().describe('The opportunity it concerns.'),
      contact_id: idField('contact').optional().describe('The person it was with.'),
      account_id: idField('account')
        .optional()
        .describe('The account it concerns (implied by an opportunity or contact).'),
      idempotency_key: idempotencyField,
    })
    .refine(
      (a) => a.opportunity_id !== undefined || a.contact_id !== undefined || a.account_id !== undefined,
      {
        message: 'give at least one of opportunity_id, contact_id, account_id',
        path: ['account_id'],
      },
    ),
  output: z.object({ activity: activityOut, replayed: replayedField }),
  resource: async (args, ctx) => {
    // The call's own decision is on the most specific record given; the handler authorizes every
    // other record the activity reads or links before anything is written.
    const targets = await linkedTargets(args, ctx);
    const primary = targets[0]!;
    return recordResource('Activity', primary.rec.tenant, {
      id: 'new',
      owner_id: primary.rec.owner_id,
      team: primary.rec.team,
    });
  },
  handler: async (args, ctx) => {
    const targets = await linkedTargets(args, ctx);
    authorizeLinked(
      ctx,
      'crm_log_activity',
      targets.map((t) => ({ what: t.what, resource: linkedAs('Activity', t.rec) })),
    );
    const { record, replayed } = await ctx.backend.logActivity(
      ctx.principal.tenant,
      {
        type: args.type,
        subject: args.subject,
        body: args.body ?? null,
        occurred_at: args.occurred_at ?? null,
        account_id: args.account_id ?? null,
        contact_id: args.contact_id ?? null,
        opportunity_id: args.opportunity_id ?? null,
        owner_id: ctx.principal.id,
      },
      writeOptions(ctx),
    );
    return { activity: record, replayed };
  },
  render: (out) =>
    `${out.replayed ? 'Already logged (replayed): ' : 'Logged: '}${activityLine(out.activity)}`,
});

interface Linked {
  what: 'opportunity' | 'contact' | 'account';
  rec: { id: string; tenant: string; owner_id: string; team: string };
}

/**
 * Every record the activity reads or links, most specific first: the opportunity, the contact, the
 * account named, and the accounts they belong to (linked automatically).
 */
async function linkedTargets(
  args: {
    opportunity_id?: string | undefined;
    contact_id?: string | undefined;
    account_id?: string | undefined;
  },
  ctx: RCtx,
): Promise<Linked[]> {
  const tenant = ctx.principal.tenant;
  const opts = { signal: ctx.signal };
  const out: Linked[] = [];
  const accounts = new Set<string>();
  if (args.opportunity_id !== undefined) {
    const o =
      (await ctx.backend.getOpportunity(tenant, args.opportunity_id, opts)) ??
      notFound('Opportunity', args.opportunity_id);
    out.push({ what: 'opportunity', rec: o });
    accounts.add(o.account_id);
  }
  if (args.contact_id !== undefined) {
    const c =
      (await ctx.backend.getContact(tenant, args.contact_id, opts)) ?? notFound('Contact', args.contact_id);
    out.push({ what: 'contact', rec: c });
    if (c.account_id !== null) accounts.add(c.account_id);
  }
  if (args.account_id !== undefined) accounts.add(args.account_id);
  for (const id of accounts) {
    const a = (await ctx.backend.getAccount(tenant, id, opts)) ?? notFound('Account', id);
    out.push({ what: 'account', rec: a });
  }
  return out;
}

function notFound(what: string, id: string): never {
  throw errors.notFound(`${what} ${id}`);
}

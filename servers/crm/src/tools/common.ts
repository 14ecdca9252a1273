import { z } from 'zod';
import { PortcullisError, errors, toolsFor } from '@portcullis/core';
import { amountFor, parseMoneyTable, toMinorUnits } from '@portcullis/core/money';
import type { CedarValue, PolicyResource, ResolveContext, ToolContext } from '@portcullis/core';
import type { CrmBackend, WriteOptions } from '../backend.js';
import { DEFAULT_LARGE_DEAL_THRESHOLD } from '../config.js';
import { unknownOwner } from '../backend-common.js';
import { ACTIVITY_TYPES, STAGES } from '../domain.js';
import type { Account, Activity, Contact, Opportunity, Owner } from '../domain.js';

export type Ctx = ToolContext<CrmBackend>;

/** The kit's tool helper with the backend type bound once, so handlers see a typed CrmBackend. */
export const tool = toolsFor<CrmBackend>();
export type RCtx = ResolveContext<CrmBackend>;

/** A write's options: the idempotency key is the caller's own (per tenant, principal and tool). */
export function writeOptions(ctx: Ctx): WriteOptions {
  return { idempotencyKey: ctx.idempotencyKey, principal: ctx.principal.id, signal: ctx.signal };
}

// ---- input fields

export const idField = (what: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .describe(`Id of the ${what}, exactly as a search or get tool returned it.`);

export const ownerField = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9@._-]+$/, 'letters, digits, @ . _ - only')
  .describe('Id of a CRM owner (sales rep) in your tenant, as the owner_id of records shows it.');

export { cursorField, limitField } from '@portcullis/core/paging';

export const queryField = (fields: string, words: number) =>
  z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      `Words to look for in the ${fields}. Each word must match the start of a word there (case-insensitive): "north log" finds "Northwind Logistics". Punctuation separates words; only the first ${words} words are used.`,
    );

export const versionField = z
  .number()
  .int()
  .min(0)
  .describe(
    'The version of the record you read (its `version` field). If the record changed since, the call fails with a stale_version conflict instead of overwriting.',
  );

export const idempotencyField = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
  .optional()
  .describe(
    'Optional key (8-128 characters) that makes retries safe: repeating the call with the same key and the same arguments returns the first result and writes nothing again. Use a new key for a different request.',
  );

export const stageField = z.enum(STAGES);

// ---- output records

const timestamps = {
  created_at: z.string().describe('ISO 8601 time the record was created.'),
  updated_at: z.string().describe('ISO 8601 time of the last change.'),
};

export const accountOut = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string(),
  region: z.string(),
  owner_id: z.string().describe('The CRM owner (sales rep) responsible for the account.'),
  team: z.string().describe('The owner\'s sales team ("" when none).'),
  ...timestamps,
  version: z.number().int().describe('Changes on every update; pass it back to update the record.'),
});

export const contactOut = z.object({
  id: z.string(),
  account_id: z.string().nullable(),
  first_name: z.string(),
  last_name: z.string(),
  title: z.string().nullable(),
  email: z.string().nullable().describe('Null when absent or withheld (see redacted_fields).'),
  phone: z.string().nullable().describe('Null when absent or withheld (see redacted_fields).'),
  billing_customer_id: z
    .string()
    .nullable()
    .describe('The linked billing customer (billing_get_customer takes it); null when unlinked.'),
  owner_id: z.string(),
  team: z.string(),
  ...timestamps,
  version: z.number().int().describe('Pass it to crm_update_contact.'),
  redacted_fields: z
    .array(z.enum(['email', 'phone']))
    .describe(
      'Personal fields withheld from you by policy (they need the pii_reader role); empty when you see everything.',
    ),
});

export const contactSummaryOut = z.object({
  id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  title: z.string().nullable(),
  owner_id: z.string(),
});

export const opportunityOut = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  stage: stageField,
  amount: z.number().int().describe('Whole units of currency.'),
  currency: z.string(),
  close_date: z.string().describe('Expected (or actual) close date, YYYY-MM-DD.'),
  owner_id: z.string(),
  team: z.string(),
  ...timestamps,
  version: z.number().int().describe('Pass it to crm_update_opportunity_stage.'),
});

export const activityOut = z.object({
  id: z.string(),
  type: z.enum(ACTIVITY_TYPES),
  subject: z.string(),
  body: z.string().nullable(),
  occurred_at: z.string(),
  account_id: z.string().nullable(),
  contact_id: z.string().nullable(),
  opportunity_id: z.string().nullable(),
  owner_id: z.string().describe('Who logged it.'),
  created_at: z.string(),
});

export const pageFields = {
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as `cursor` to get the next page; null on the last page.'),
  total: z
    .number()
    .int()
    .describe('Records matching the search across all pages (at least this many when total_is_lower_bound).'),
  total_is_lower_bound: z
    .literal(true)
    .optional()
    .describe(
      'Present when counting stopped at 1,000: more records match than total. Narrow the search to count them.',
    ),
};

/** A backend page's count fields, as the tools return them. */
export function pageCount(p: { total: number; total_is_lower_bound?: true }): {
  total: number;
  total_is_lower_bound?: true;
} {
  return p.total_is_lower_bound ? { total: p.total, total_is_lower_bound: true } : { total: p.total };
}

export const replayedField = z
  .boolean()
  .describe(
    'True when this is the stored result of an earlier call with the same idempotency_key (nothing was written now).',
  );

// ---- policy resources

interface Owned {
  id: string;
  owner_id: string;
  team: string;
}

const DEFAULT_LARGE_DEAL = parseMoneyTable(DEFAULT_LARGE_DEAL_THRESHOLD);

/**
 * A deal's money as policy compares it: the amount in the currency's minor units (exponent from
 * the kit's ISO 4217 table) beside that currency's large-deal threshold (CRM_LARGE_DEAL_THRESHOLD).
 * A currency with no entry is a validation error naming the setting: a write is refused rather
 * than measured against another currency's number.
 */
export function dealMoney(ctx: RCtx, amount: number, currency: string): Record<string, CedarValue> {
  const threshold = amountFor(
    ctx.backend.largeDealThreshold ?? DEFAULT_LARGE_DEAL,
    currency,
    'CRM_LARGE_DEAL_THRESHOLD',
  );
  const minor = toMinorUnits(amount, currency);
  if (minor === null) throw errors.validation(`${currency} is not a known ISO 4217 currency.`);
  return { currency: currency.toUpperCase(), amount_minor: minor, large_deal_minor: threshold };
}

/**
 * Every other record a write reads or links is authorized for the same action, as the record it
 * is (its own tenant, owner and team): one denial refuses the whole write, naming the record and
 * the deciding policies.
 */
export function authorizeLinked(
  ctx: Ctx,
  action: string,
  records: readonly { what: string; resource: PolicyResource }[],
): void {
  for (const { what, resource: r } of records) {
    const d = ctx.decide(action, r);
    if (d.effect === 'allow') continue;
    throw new PortcullisError({
      code: d.policies.length > 0 ? 'denied_by_policy' : 'not_permitted',
      category: 'forbidden',
      message: `Policy does not allow ${action} to touch ${what} ${r.id}${d.policies.length > 0 ? ` (policy ${d.policies.join(', ')})` : ''}; nothing was written.`,
      remediation: 'Leave that record out, or ask its owner, their manager or an admin.',
      retryable: false,
      details: { policies: d.policies, record: { type: what, id: r.id } },
    });
  }
}

/**
 * A record as Cedar sees it: its tenant, owner and team now, and the owner and team it will have
 * after the call (target_*). Write rules require both, so a rep cannot give a record away and a
 * manager cannot move one out of their team.
 */
export function recordResource(
  type: string,
  /** The record's own tenant (as stored), never the caller's: the tenant rule is a real wall. */
  tenant: string,
  rec: Owned,
  extra: Record<string, CedarValue> = {},
  target?: { owner: string; team: string },
): PolicyResource {
  return {
    type,
    id: rec.id,
    attributes: {
      tenant,
      owner: user(rec.owner_id),
      team: rec.team,
      target_owner: user(target?.owner ?? rec.owner_id),
      target_team: target?.team ?? rec.team,
      ...extra,
    },
  };
}

function user(id: string): CedarValue {
  return { __entity: { type: 'User', id } };
}

export function versioned(rec: { version: number }): Record<string, CedarValue> {
  return { version: rec.version };
}

/** The owner a new record gets: the one named, else the caller (who must then be an owner). */
export async function resolveOwner(ctx: RCtx, ownerId: string | undefined): Promise<Owner> {
  const id = ownerId ?? ctx.principal.id;
  const owner = await ctx.backend.getOwner(ctx.principal.tenant, id, { signal: ctx.signal });
  if (owner !== null) return owner;
  if (ownerId === undefined) {
    throw errors.validation(
      'You are not a CRM owner in your tenant, so the record needs an explicit owner.',
      'Pass owner_id with the id of the CRM owner (sales rep) who should own the record.',
    );
  }
  throw unknownOwner(ownerId);
}

/** Email and phone only for principals policy lets read PII on this contact. */
export function presentContact(c: Contact, ctx: Ctx): z.input<typeof contactOut> {
  const allowed = ctx.isPermitted('crm_read_pii', recordResource('Contact', c.tenant, c, versioned(c)));
  return allowed
    ? { ...c, redacted_fields: [] }
    : { ...c, email: null, phone: null, redacted_fields: ['email', 'phone'] };
}

export function summariseContact(c: Contact): z.input<typeof contactSummaryOut> {
  return { id: c.id, first_name: c.first_name, last_name: c.last_name, title: c.title, owner_id: c.owner_id };
}

// ---- text renderings (the structured result is the contract; these help a model read it)

export function accountLine(a: Omit<Account, 'tenant'>): string {
  return `${a.name} [${a.id}] ${a.industry}/${a.region}, owner ${a.owner_id}${a.team ? ` (${a.team})` : ''}, v${a.version}`;
}

export function contactLine(c: z.output<typeof contactOut>): string {
  const reach = [c.email, c.phone].filter((x) => x !== null).join(', ');
  return `${c.first_name} ${c.last_name} [${c.id}]${c.title ? `, ${c.title}` : ''}${reach ? `, ${reach}` : ''}, account ${c.account_id ?? '-'}, owner ${c.owner_id}, v${c.version}${
    c.redacted_fields.length > 0 ? ` (withheld: ${c.redacted_fields.join(', ')})` : ''
  }`;
}

export function opportunityLine(o: Omit<Opportunity, 'tenant'>): string {
  return `${o.name} [${o.id}] ${o.stage}, ${o.amount} ${o.currency}, closes ${o.close_date}, account ${o.account_id}, owner ${o.owner_id}, v${o.version}`;
}

export function activityLine(a: Activity): string {
  return `${a.occurred_at.slice(0, 16).replace('T', ' ')} ${a.type}: ${a.subject} [${a.id}]`;
}

export function pageFooter(
  p: { next_cursor: string | null; total: number; total_is_lower_bound?: true },
  shown: number,
): string {
  const total = p.total_is_lower_bound ? `more than ${p.total}` : `${p.total}`;
  return p.next_cursor === null
    ? `(${shown} shown, ${total} in total, last page)`
    : `(${shown} shown, ${total} in total; next_cursor: ${p.next_cursor})`;
}

/** A linked record (a parent account, an activity's other targets) as the written record's type sees it. */
export function linkedAs(
  type: string,
  rec: Owned & { tenant: string },
  extra: Record<string, CedarValue> = {},
) {
  return recordResource(type, rec.tenant, rec, extra);
}

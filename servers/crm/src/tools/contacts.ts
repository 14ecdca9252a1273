import { z } from 'zod';
import { errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import { unknownOwner } from '../backend-common.js';
import {
  contactLine,
  contactOut,
  cursorField,
  idempotencyField,
  idField,
  limitField,
  ownerField,
  pageFields,
  pageCount,
  pageFooter,
  authorizeLinked,
  linkedAs,
  presentContact,
  queryField,
  recordResource,
  replayedField,
  resolveOwner,
  tool,
  versioned,
  versionField,
  writeOptions,
} from './common.js';

/** Contact arguments and results carry personal data: always masked in audit records. */
const PII = ['email', 'phone'] as const;

const emailField = z.email().max(254).describe('Email address.');
const phoneField = z
  .string()
  .min(5)
  .max(32)
  .regex(/^\+?[0-9 ().-]+$/, 'digits, spaces and + ( ) . - only')
  .describe('Phone number, international format preferred, e.g. "+1 555 010 2000".');
const nameField = (what: string) => z.string().trim().min(1).max(100).describe(what);
const titleField = z.string().trim().min(1).max(100).describe('Job title, e.g. "Head of Procurement".');

export const searchContacts = tool({
  name: 'crm_search_contacts',
  title: 'Search contacts',
  description:
    'Search the contacts (people at customer accounts) of your tenant by name words, account or owner, sorted by last name. Returns one page plus next_cursor and the total count. Email and phone appear only if policy lets you read personal data (pii_reader role); otherwise they are null and listed in redacted_fields.',
  toolset: 'contacts',
  access: 'read',
  sensitiveFields: PII,
  input: z.object({
    query: queryField('first or last name', 2),
    account_id: idField('account').optional().describe('Only contacts of this account.'),
    owner_id: ownerField.optional().describe('Only contacts owned by this CRM owner.'),
    cursor: cursorField,
    limit: limitField,
  }),
  output: z.object({ contacts: z.array(contactOut), ...pageFields }),
  handler: async (args, ctx) => {
    const page = await ctx.backend.searchContacts(
      ctx.principal.tenant,
      { query: args.query, account_id: args.account_id, owner_id: args.owner_id },
      pageRequest(args, ctx.principal),
      { signal: ctx.signal },
    );
    return {
      contacts: page.items.map((c) => presentContact(c, ctx)),
      next_cursor: page.next_cursor,
      ...pageCount(page),
    };
  },
  render: (out) => [...out.contacts.map(contactLine), pageFooter(out, out.contacts.length)].join('\n'),
});

export const getContact = tool({
  name: 'crm_get_contact',
  title: 'Get a contact',
  description:
    'Get one contact of your tenant by id, including its version (needed by crm_update_contact). Email and phone appear only for principals with the pii_reader role; otherwise they are null and listed in redacted_fields.',
  toolset: 'contacts',
  access: 'read',
  resourceType: 'Contact',
  sensitiveFields: PII,
  input: z.object({ id: idField('contact') }),
  output: z.object({ contact: contactOut }),
  resource: async (args, ctx) => {
    const c = await ctx.backend.getContact(ctx.principal.tenant, args.id, { signal: ctx.signal });
    return c === null ? null : recordResource('Contact', c.tenant, c, versioned(c));
  },
  handler: async (args, ctx) => {
    const c = await ctx.backend.getContact(ctx.principal.tenant, args.id, { signal: ctx.signal });
    if (c === null) throw errors.notFound(`Contact ${args.id}`);
    return { contact: presentContact(c, ctx) };
  },
  render: (out) => contactLine(out.contact),
});

export const createContact = tool({
  name: 'crm_create_contact',
  title: 'Create a contact',
  description:
    'Create a contact, optionally at an account. The contact is owned by owner_id, or by you when omitted. Reps may create contacts they own, managers contacts owned within their team, admins any. Pass an idempotency_key so a retry cannot create a duplicate.',
  toolset: 'contacts',
  access: 'write',
  resourceType: 'Contact',
  sensitiveFields: PII,
  input: z.object({
    account_id: idField('account').optional().describe('The account the person works at.'),
    first_name: nameField('First name.'),
    last_name: nameField('Last name.'),
    title: titleField.optional(),
    email: emailField.optional(),
    phone: phoneField.optional(),
    owner_id: ownerField.optional().describe('CRM owner of the new contact; defaults to you.'),
    idempotency_key: idempotencyField,
  }),
  output: z.object({ contact: contactOut, replayed: replayedField }),
  resource: async (args, ctx) => {
    const owner = await resolveOwner(ctx, args.owner_id);
    if (
      args.account_id !== undefined &&
      (await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal })) === null
    ) {
      throw errors.notFound(`Account ${args.account_id}`, 'Find the account with crm_search_accounts.');
    }
    return recordResource(
      'Contact',
      ctx.principal.tenant,
      { id: 'new', owner_id: owner.id, team: owner.team },
      { version: 0 },
    );
  },
  handler: async (args, ctx) => {
    // The parent account is a record this write links: authorized too, or nothing is written.
    if (args.account_id !== undefined) {
      const account = await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, {
        signal: ctx.signal,
      });
      if (account === null) throw errors.notFound(`Account ${args.account_id}`);
      authorizeLinked(ctx, 'crm_create_contact', [
        { what: 'account', resource: linkedAs('Contact', account, { version: 0 }) },
      ]);
    }
    const { record, replayed } = await ctx.backend.createContact(
      ctx.principal.tenant,
      {
        account_id: args.account_id ?? null,
        first_name: args.first_name,
        last_name: args.last_name,
        title: args.title ?? null,
        email: args.email ?? null,
        phone: args.phone ?? null,
        owner_id: args.owner_id ?? ctx.principal.id,
      },
      writeOptions(ctx),
    );
    return { contact: presentContact(record, ctx), replayed };
  },
  render: (out) =>
    `${out.replayed ? 'Already created (replayed): ' : 'Created: '}${contactLine(out.contact)}`,
});

const changesSchema = z
  .object({
    first_name: nameField('New first name.').optional(),
    last_name: nameField('New last name.').optional(),
    title: titleField.nullable().optional().describe('New job title; null clears it.'),
    email: emailField.nullable().optional().describe('New email address; null clears it.'),
    phone: phoneField.nullable().optional().describe('New phone number; null clears it.'),
    account_id: idField('account')
      .nullable()
      .optional()
      .describe('Move the contact to this account; null detaches it.'),
    owner_id: ownerField
      .optional()
      .describe('Reassign to this CRM owner (managers within their team, admins anywhere).'),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'name at least one field to change',
  })
  .describe('Only the fields to change; omitted fields stay as they are.');

export const updateContact = tool({
  name: 'crm_update_contact',
  title: 'Update a contact',
  description:
    "Change fields of a contact. Pass the version you read (crm_get_contact or crm_search_contacts); if the contact changed since, the call fails with a stale_version conflict and changes nothing, so read it again and re-apply. Reps may update contacts they own, managers their team's, admins any; only managers (within their team) and admins can reassign the owner.",
  toolset: 'contacts',
  access: 'write',
  idempotent: true,
  resourceType: 'Contact',
  sensitiveFields: PII,
  input: z.object({
    id: idField('contact'),
    version: versionField,
    changes: changesSchema,
    idempotency_key: idempotencyField,
  }),
  output: z.object({ contact: contactOut, replayed: replayedField }),
  resource: async (args, ctx) => {
    const tenant = ctx.principal.tenant;
    const c = await ctx.backend.getContact(tenant, args.id, { signal: ctx.signal });
    if (c === null) return null;
    let target: { owner: string; team: string } | undefined;
    const newOwner = args.changes.owner_id;
    if (newOwner !== undefined) {
      const o = await ctx.backend.getOwner(tenant, newOwner, { signal: ctx.signal });
      if (o === null) throw unknownOwner(newOwner);
      target = { owner: o.id, team: o.team };
    }
    return recordResource('Contact', c.tenant, c, versioned(c), target);
  },
  handler: async (args, ctx) => {
    // The account the contact moves to is a record this write links: authorized too, as a new
    // contact's account is, or nothing is written (a rep cannot plant a contact at another's).
    const to = args.changes.account_id;
    if (to !== undefined && to !== null) {
      const account = await ctx.backend.getAccount(ctx.principal.tenant, to, { signal: ctx.signal });
      if (account === null)
        throw errors.notFound(`Account ${to}`, 'Find the account with crm_search_accounts.');
      authorizeLinked(ctx, 'crm_update_contact', [
        { what: 'account', resource: linkedAs('Contact', account, versioned(account)) },
      ]);
    }
    const { record, replayed } = await ctx.backend.updateContact(
      ctx.principal.tenant,
      args.id,
      args.version,
      args.changes,
      writeOptions(ctx),
    );
    return { contact: presentContact(record, ctx), replayed };
  },
  render: (out) =>
    `${out.replayed ? 'Already updated (replayed): ' : 'Updated: '}${contactLine(out.contact)}`,
});

import { z } from 'zod';
import { errors } from '@portcullis/core';
import type { CedarValue, PolicyResource, PortcullisError } from '@portcullis/core';
import type { Contact } from '../domain.js';
import { messageHash, type EmailService } from '../email/service.js';
import { newMessageId, type SendCounts } from '../email/outbox.js';
import {
  checkVariables,
  MAX_VARIABLE_LENGTH,
  TEMPLATE_NAME,
  type EmailTemplate,
  type RenderedEmail,
} from '../email/templates.js';
import { tool, idField, writeOptions, type Ctx, type RCtx } from './common.js';

// ---- input

/**
 * A template variable's value: plain text on one line. CR/LF (header injection), other control
 * characters, markup and anything longer than MAX_VARIABLE_LENGTH are refused here, before policy
 * or the template sees it; each template then applies its own length and pattern.
 */
const variableValue = z
  .string()
  .max(MAX_VARIABLE_LENGTH, `at most ${MAX_VARIABLE_LENGTH} characters`)
  .refine((v) => !/[\r\n]/.test(v) && !/%0[ad]/i.test(v), 'must be one line (no CR or LF)')
  .refine(
    (v) =>
      ![...v].some((ch) => {
        const c = ch.codePointAt(0) ?? 0;
        return c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029;
      }),
    'control characters are not allowed',
  )
  .refine((v) => !/[<>]/.test(v) && !/&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(v), 'must be plain text (no HTML)')
  .refine((v) => !/\{\{|\}\}/.test(v), 'must not contain template braces');

const emailArgs = {
  contact_id: idField('contact').describe(
    'Id of the contact to e-mail, as crm_search_contacts or crm_get_contact returned it. The server resolves the address; you never give one.',
  ),
  template: z
    .string()
    .regex(TEMPLATE_NAME, 'a template name')
    .describe('Name of the e-mail template (crm_list_templates lists them).'),
  variables: z
    .record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a variable name'), variableValue)
    .refine((r) => Object.keys(r).length <= 20, 'at most 20 variables')
    .default({})
    .describe(
      'Values for the template\'s variables, plain text on one line each. Free text is accepted only where the template declares a bounded "note".',
    ),
};

const sendKey = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
  .describe(
    'Required key (8-128 characters) that makes a retry safe: the same key and arguments never send twice and return the first result. Use a new key for a new message.',
  );

// ---- output

const recipientOut = z.object({
  contact_id: z.string(),
  name: z.string(),
  email: z
    .string()
    .nullable()
    .describe('The address the message went to; null unless you hold pii_reader (see redacted_fields).'),
});

const renderedOut = z.object({
  subject: z.string(),
  text: z.string(),
  html: z
    .string()
    .nullable()
    .describe('HTML alternative, every variable HTML-escaped; null when the template has none.'),
});

const redactedOut = z
  .array(z.enum(['email']))
  .describe('Personal fields withheld from you by policy (they need the pii_reader role).');

const messageOut = z.object({
  id: z.string().describe('The message id in the CRM outbox (audit records name it).'),
  template: z.string(),
  contact_id: z.string(),
  transport: z.enum(['file', 'smtp', 'ses']),
  provider_message_id: z.string().describe('The id the mail provider gave the message.'),
  subject: z.string(),
  message_hash: z.string().describe('SHA-256 of the rendered message; audit keeps this instead of the body.'),
  sent_at: z.string(),
  activity_id: z.string().describe('The email activity logged on the contact.'),
});

// ---- shared resolution

/** The e-mail service wired next to the backend (src/server.ts). */
export function emailOf(ctx: RCtx): EmailService {
  const svc = ctx.backend.email;
  if (svc === undefined) throw errors.internal(new Error('the e-mail service is not configured'));
  return svc;
}

type EmailArgs = { contact_id: string; template: string; variables: Record<string, string> };

function user(id: string): CedarValue {
  return { __entity: { type: 'User', id } };
}

/**
 * The e-mail as policy sees it: the contact's account decides who may write to it (a rep only
 * contacts of accounts they may write to; a contact without an account counts as its own
 * record), plus the template's policy attributes and the day's counts against the limits.
 */
async function emailResource(
  args: EmailArgs,
  ctx: RCtx,
  /** For a send: its idempotency key, whose own message is not counted against the limits. */
  sendKey: string | null,
): Promise<PolicyResource | null> {
  const svc = emailOf(ctx);
  const t = svc.template(args.template);
  checkVariables(t, args.variables);
  const tenant = ctx.principal.tenant;
  const c = await ctx.backend.getContact(tenant, args.contact_id, { signal: ctx.signal });
  if (c === null) return null;
  const account =
    c.account_id === null ? null : await ctx.backend.getAccount(tenant, c.account_id, { signal: ctx.signal });
  const holder = account ?? c;
  return {
    type: 'EmailMessage',
    id: c.id,
    attributes: {
      tenant: c.tenant,
      owner: user(holder.owner_id),
      team: holder.team,
      has_account: account !== null,
      template: t.name,
      category: t.policy.category,
      customer_facing: t.policy.customer_facing,
      requires_manager: t.policy.requires_manager,
      sent_today_by_principal:
        sendKey !== null ? await svc.outbox.sentBy(tenant, ctx.principal.id, sendKey) : 0,
      daily_send_budget: svc.limits.dailySendBudget,
      sent_today_to_contact:
        sendKey !== null ? await svc.outbox.sentTo(tenant, c.id, ctx.principal.id, sendKey) : 0,
      contact_daily_limit: svc.limits.contactDailyLimit,
    },
  };
}

async function loadContact(args: EmailArgs, ctx: Ctx): Promise<Contact> {
  const c = await ctx.backend.getContact(ctx.principal.tenant, args.contact_id, { signal: ctx.signal });
  if (c === null) throw errors.notFound(`Contact ${args.contact_id}`);
  return c;
}

async function senderName(ctx: Ctx, svc: EmailService): Promise<string> {
  const owner = await ctx.backend.getOwner(ctx.principal.tenant, ctx.principal.id, { signal: ctx.signal });
  if (owner !== null) return owner.name;
  const display = /^\s*"?([^"<]+?)"?\s*</.exec(svc.from())?.[1];
  return display ?? 'Customer team';
}

async function render(
  args: EmailArgs,
  ctx: Ctx,
  svc: EmailService,
  t: EmailTemplate,
  c: Contact,
): Promise<RenderedEmail> {
  return svc.render(t, {
    contact: { first_name: c.first_name, last_name: c.last_name },
    sender: { name: await senderName(ctx, svc) },
    variables: args.variables,
  });
}

function mayReadPii(ctx: Ctx, c: Contact): boolean {
  return ctx.isPermitted('crm_read_pii', {
    type: 'Contact',
    id: c.id,
    attributes: {
      tenant: c.tenant,
      owner: user(c.owner_id),
      team: c.team,
      target_owner: user(c.owner_id),
      target_team: c.team,
      version: c.version,
    },
  });
}

function recipient(ctx: Ctx, c: Contact): { to: z.input<typeof recipientOut>; redacted_fields: 'email'[] } {
  const name = `${c.first_name} ${c.last_name}`.trim();
  return mayReadPii(ctx, c)
    ? { to: { contact_id: c.id, name, email: c.email }, redacted_fields: [] }
    : { to: { contact_id: c.id, name, email: null }, redacted_fields: ['email'] };
}

/**
 * Policy again on the day's counts as the outbox takes them, in the transaction that adds this
 * send's row: the call's decision counted before the call ran, and concurrent sends all saw that
 * same count. A deny is the error the policy stage gives, so a limit reads the same either way.
 */
function admitSend(ctx: Ctx): (counts: SendCounts) => void {
  return (counts) => {
    const r = ctx.resource;
    if (r === null) throw errors.internal(new Error('crm_send_email ran without its resource'));
    const d = ctx.decide('crm_send_email', {
      ...r,
      attributes: {
        ...r.attributes,
        sent_today_by_principal: counts.byPrincipal,
        sent_today_to_contact: counts.toContact,
      },
    });
    if (d.effect !== 'allow') throw errors.denied(d.policies);
  };
}

function noAddress(c: Contact): PortcullisError {
  return errors.conflict(
    'contact_has_no_email',
    `Contact ${c.id} has no e-mail address on record; nothing was sent.`,
    "Ask the contact's owner to add an address (crm_update_contact), then try again.",
  );
}

// ---- tools

export const listTemplates = tool({
  name: 'crm_list_templates',
  title: 'List e-mail templates',
  description:
    'List the e-mail templates crm_send_email can send: their variables (with limits), their policy attributes (category, customer_facing, requires_manager) and whether policy lets you use each one for contacts of accounts you may write to.',
  toolset: 'email',
  access: 'read',
  input: z.object({}),
  output: z.object({
    templates: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        source: z.enum(['shipped', 'operator']),
        category: z.enum(['sales', 'service']),
        customer_facing: z.boolean(),
        requires_manager: z.boolean(),
        usable_by_you: z
          .boolean()
          .describe('Policy lets you send it to a contact of an account you may write to (budgets aside).'),
        variables: z.array(
          z.object({
            name: z.string(),
            description: z.string(),
            required: z.boolean(),
            max_length: z.number().int(),
            pattern: z.string().nullable(),
          }),
        ),
      }),
    ),
    limits: z.object({
      daily_send_budget: z.number().int().describe('Messages one person may send in 24 hours.'),
      contact_daily_limit: z.number().int().describe('Messages one contact may receive in 24 hours.'),
    }),
  }),
  handler: (_args, ctx) => {
    const svc = emailOf(ctx);
    const team = ctx.principal.attributes.team;
    return Promise.resolve({
      templates: svc.templates().map((t) => ({
        name: t.name,
        description: t.description,
        source: t.source,
        ...t.policy,
        usable_by_you: ctx.isPermitted('crm_send_email', {
          type: 'EmailMessage',
          id: 'any',
          attributes: {
            tenant: ctx.principal.tenant,
            owner: user(ctx.principal.id),
            team: typeof team === 'string' ? team : '',
            has_account: true,
            template: t.name,
            ...t.policy,
            sent_today_by_principal: 0,
            daily_send_budget: svc.limits.dailySendBudget,
            sent_today_to_contact: 0,
            contact_daily_limit: svc.limits.contactDailyLimit,
          },
        }),
        variables: Object.entries(t.variables).map(([name, v]) => ({
          name,
          description: v.description,
          required: v.required,
          max_length: v.max_length,
          pattern: v.pattern ?? null,
        })),
      })),
      limits: {
        daily_send_budget: svc.limits.dailySendBudget,
        contact_daily_limit: svc.limits.contactDailyLimit,
      },
    });
  },
  render: (out) =>
    out.templates
      .map(
        (t) =>
          `${t.name} (${t.category}${t.requires_manager ? ', manager only' : ''}${t.usable_by_you ? '' : ', not usable by you'}): ${t.description} Variables: ${
            t.variables.map((v) => `${v.name}${v.required ? '' : '?'}`).join(', ') || 'none'
          }`,
      )
      .join('\n'),
});

export const previewEmail = tool({
  name: 'crm_preview_email',
  title: 'Preview an e-mail',
  description:
    'Render the subject and body crm_send_email would send for the same contact, template and variables, and send nothing. Policy is the same as for sending (budgets aside), so a preview also tells you whether you may send it.',
  toolset: 'email',
  access: 'read',
  resourceType: 'EmailMessage',
  sensitiveFields: ['variables', 'email'],
  // Strict: an unexpected argument (to, cc, bcc, body ...) is refused, never silently dropped.
  input: z.object(emailArgs).strict(),
  output: z.object({
    template: z.string(),
    contact_id: z.string(),
    to: recipientOut,
    rendered: renderedOut,
    redacted_fields: redactedOut,
  }),
  resource: (args, ctx) => emailResource(args, ctx, null),
  handler: async (args, ctx) => {
    const svc = emailOf(ctx);
    const t = svc.template(args.template);
    const c = await loadContact(args, ctx);
    const rendered = await render(args, ctx, svc, t, c);
    const { to, redacted_fields } = recipient(ctx, c);
    ctx.addAuditRefs({
      template: t.name,
      contact_id: c.id,
      message_hash: messageHash(rendered, t.name, c.id),
    });
    return { template: t.name, contact_id: c.id, to, rendered, redacted_fields };
  },
  render: (out) =>
    [
      `Preview of ${out.template} to ${out.to.name} [${out.contact_id}] (nothing sent)`,
      `Subject: ${out.rendered.subject}`,
      '',
      out.rendered.text,
    ].join('\n'),
});

/** What the idempotency ledger keeps: the result without the address, added per caller on replay. */
type StoredSend = { message: z.input<typeof messageOut> };

export const sendEmail = tool({
  name: 'crm_send_email',
  title: 'Send an e-mail to a contact',
  description:
    "Send an e-mail to a contact by id from a named template (crm_list_templates), logging an email activity on the contact. The server resolves the address (you never see or choose it unless you hold pii_reader), renders the template and sends through the configured provider. Reps may e-mail contacts of accounts they own, managers their team's, admins any, support staff service templates to any contact; viewers never send. A per-person daily budget and a per-contact daily limit apply, and contacts who opted out are refused. idempotency_key is required: a retry with the same key never sends twice.",
  toolset: 'email',
  access: 'write',
  idempotent: true,
  openWorld: true,
  resourceType: 'EmailMessage',
  sensitiveFields: ['variables', 'email'],
  input: z.object({ ...emailArgs, idempotency_key: sendKey }).strict(),
  output: z.object({
    message: messageOut,
    to: recipientOut,
    replayed: z
      .boolean()
      .describe('True when this is the result of an earlier call with the same key (nothing sent now).'),
    redacted_fields: redactedOut,
  }),
  resource: (args, ctx) => emailResource(args, ctx, args.idempotency_key),
  handler: async (args, ctx) => {
    const svc = emailOf(ctx);
    const tenant = ctx.principal.tenant;
    const key = args.idempotency_key;
    const t = svc.template(args.template);
    const c = await loadContact(args, ctx);
    const store = svc.o.store;
    // The kit's ledger, keyed by tenant + principal + tool + key: a retry answers the first result.
    const scope = { tenant, principal: ctx.principal.id, tool: 'crm_send_email', key };
    const reservation = await svc.ledger.reserve<StoredSend>(store, scope, {
      contact_id: args.contact_id,
      template: args.template,
      variables: args.variables,
    });
    const answer = (stored: StoredSend, replayed: boolean) => {
      const m = stored.message;
      ctx.addAuditRefs({
        template: m.template,
        contact_id: m.contact_id,
        message_id: m.id,
        message_hash: m.message_hash,
        provider_message_id: m.provider_message_id,
        ...(replayed ? { replayed: 'true' } : {}),
      });
      return { message: m, ...recipient(ctx, c), replayed };
    };
    if (reservation.state === 'replay') return answer(reservation.result, true);

    try {
      let row = await svc.outbox.byKey(tenant, ctx.principal.id, key);
      if (row?.state === 'sending') {
        // A process died between handing the message over and recording the answer: it may have gone.
        throw errors.conflict(
          'delivery_uncertain',
          'An earlier attempt with this idempotency_key may have sent the message; it is not sent again.',
          'Check with the contact or an operator (the outbox names the message) before sending with a new key.',
          { message_id: row.id },
        );
      }
      let rendered: RenderedEmail | null = null;
      if (row?.state !== 'accepted') {
        await svc.checkConsent(tenant, c, ctx.signal);
        if (c.email === null) throw noAddress(c);
        rendered = await render(args, ctx, svc, t, c);
        const started = await svc.outbox.begin(
          {
            id: newMessageId(),
            tenant,
            contact_id: c.id,
            template: t.name,
            sender: ctx.principal.id,
            idempotency_key: key,
            message_hash: messageHash(rendered, t.name, c.id),
            rfc_message_id: svc.rfcMessageId(),
            transport: svc.transport.kind,
          },
          admitSend(ctx),
        );
        const msg = {
          id: started.id,
          rfcMessageId: started.rfc_message_id,
          from: svc.from(),
          to: c.email,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
        };
        let providerMessageId: string;
        try {
          ({ providerMessageId } = await ctx.upstream(svc.transport.system, (signal) =>
            svc.transport.send(msg, signal),
          ));
        } catch (err) {
          await svc.outbox.failed(started.id);
          throw err;
        }
        // Recorded before anything else can fail: from here on a retry finishes, never re-sends.
        await svc.outbox.accepted(started.id, providerMessageId);
        row = { ...started, state: 'accepted', provider_message_id: providerMessageId };
      }
      if (row === null || row.provider_message_id === null)
        throw errors.internal(new Error('outbox row lost'));
      const subject = rendered?.subject ?? (await render(args, ctx, svc, t, c)).subject;
      const activity = await ctx.backend.logActivity(
        tenant,
        {
          type: 'email',
          subject,
          body: `Sent with template ${t.name} (message ${row.id}).`,
          occurred_at: null,
          account_id: null,
          contact_id: c.id,
          opportunity_id: null,
          owner_id: ctx.principal.id,
        },
        // The caller's key space, as every write's: keys are per tenant, principal and tool.
        // `/` is no key a caller can send (`:` is), so this entry is never one of the caller's own.
        { ...writeOptions(ctx), idempotencyKey: `email/${key}` },
      );
      await svc.outbox.activityLogged(row.id, activity.record.id);
      const stored: StoredSend = {
        message: {
          id: row.id,
          template: row.template,
          contact_id: row.contact_id,
          transport: row.transport as 'file' | 'smtp' | 'ses',
          provider_message_id: row.provider_message_id,
          subject,
          message_hash: row.message_hash,
          sent_at: row.accepted_at ?? new Date().toISOString(),
          activity_id: activity.record.id,
        },
      };
      await svc.ledger.complete(store, scope, stored);
      return answer(stored, false);
    } catch (err) {
      await svc.ledger.release(store, scope).catch(() => undefined);
      throw err;
    }
  },
  render: (out) =>
    `${out.replayed ? 'Already sent (replayed): ' : 'Sent: '}${out.message.template} to ${out.to.name} [${out.message.contact_id}]${
      out.to.email !== null ? ` <${out.to.email}>` : ''
    }, message ${out.message.id} via ${out.message.transport} (${out.message.provider_message_id}), activity ${out.message.activity_id}`,
});

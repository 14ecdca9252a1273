import type { IdempotencyLedger } from '@portcullis/core/idempotency';
import { createHash, randomBytes } from 'node:crypto';
import { PortcullisError, errors } from '@portcullis/core';
import type { Store } from '@portcullis/core/store';
import type { Contact } from '../domain.js';
import { Outbox, Suppressions } from './outbox.js';
import { renderTemplate, type EmailTemplate, type RenderedEmail, type RenderInput } from './templates.js';
import type { EmailTransport } from './transport.js';

/** Limits policy compares with (CRM_EMAIL_DAILY_SEND_BUDGET, CRM_EMAIL_CONTACT_DAILY_LIMIT). */
export interface EmailLimits {
  dailySendBudget: number;
  contactDailyLimit: number;
}

/**
 * Where a contact's e-mail consent lives beyond the store's suppression list: HubSpot keeps it as
 * subscription status. Answers a reason when the contact must not be e-mailed, else null.
 */
export type ConsentCheck = (tenant: string, contact: Contact, signal: AbortSignal) => Promise<string | null>;

export interface EmailServiceOptions {
  store: Store;
  /** The kit's idempotency ledger: a retried send answers the first result. */
  ledger: IdempotencyLedger;
  templates: Map<string, EmailTemplate>;
  transport: EmailTransport;
  from: string;
  limits: EmailLimits;
  consent?: ConsentCheck;
}

/** Everything the e-mail tools need, built once at start (src/server.ts) next to the backend. */
export class EmailService {
  readonly outbox: Outbox;
  readonly suppressions: Suppressions;
  readonly ledger: IdempotencyLedger;

  constructor(readonly o: EmailServiceOptions) {
    this.outbox = new Outbox(o.store);
    this.suppressions = new Suppressions(o.store);
    this.ledger = o.ledger;
  }

  get transport(): EmailTransport {
    return this.o.transport;
  }

  get limits(): EmailLimits {
    return this.o.limits;
  }

  templates(): EmailTemplate[] {
    return [...this.o.templates.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  template(name: string): EmailTemplate {
    const t = this.o.templates.get(name);
    if (t === undefined) {
      throw errors.validation(
        `Invalid arguments: template: there is no e-mail template named ${name}.`,
        `Use one of: ${[...this.o.templates.keys()].sort().join(', ')} (crm_list_templates describes them).`,
        { issues: [{ path: 'template', message: 'unknown template' }] },
      );
    }
    return t;
  }

  render(t: EmailTemplate, input: RenderInput): RenderedEmail {
    return renderTemplate(t, input);
  }

  /** Refuses a contact who opted out (suppression list, or the CRM's own consent record). */
  async checkConsent(tenant: string, contact: Contact, signal: AbortSignal): Promise<void> {
    const reason =
      (await this.suppressions.reason(tenant, contact.id)) ??
      (this.o.consent ? await this.o.consent(tenant, contact, signal) : null);
    if (reason !== null) {
      throw new PortcullisError({
        code: 'contact_opted_out',
        category: 'forbidden',
        message: `Contact ${contact.id} opted out of e-mail (${reason}); nothing was sent.`,
        retryable: false,
        remediation: 'Do not e-mail this contact. Reach them another way their owner agrees, or log a note.',
      });
    }
  }

  from(): string {
    return this.o.from;
  }

  /** The sender's domain, for Message-IDs. */
  domain(): string {
    const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.o.from);
    return m?.[1] ?? 'portcullis.localhost';
  }

  rfcMessageId(): string {
    return `<${randomBytes(16).toString('hex')}@${this.domain()}>`;
  }

  async close(): Promise<void> {
    await this.o.transport.close();
  }
}

/** The hash audit keeps of a message: what was sent can be proven later without storing it. */
export function messageHash(r: RenderedEmail, template: string, contactId: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify({ template, contact_id: contactId, subject: r.subject, text: r.text, html: r.html }),
    )
    .digest('hex');
}

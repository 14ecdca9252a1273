import { randomBytes } from 'node:crypto';
import type { Queryable, Store } from '@portcullis/core/store';

/**
 * The outbox: one row per message, in the kit store, for every transport. It holds what audit and
 * policy need (template, contact, sender, hash, provider id, state), never the address or the body.
 * The provider's id is written the moment the provider accepts, before the call returns, so a
 * later failure (logging the activity, answering the client) can never cause a second send.
 */

export type OutboxState = 'sending' | 'accepted' | 'failed';

export interface OutboxRow {
  id: string;
  tenant: string;
  contact_id: string;
  template: string;
  sender: string;
  idempotency_key: string;
  message_hash: string;
  rfc_message_id: string;
  transport: string;
  state: OutboxState;
  provider_message_id: string | null;
  activity_id: string | null;
  created_at: string;
  accepted_at: string | null;
}

/** What a send starts its row with; the rest is the provider's answer and the activity. */
export type NewOutboxRow = Omit<
  OutboxRow,
  'state' | 'provider_message_id' | 'activity_id' | 'created_at' | 'accepted_at'
>;

/** Sends count over a rolling day: no midnight burst, and a cool-down that really cools down. */
const WINDOW = `interval '24 hours'`;

/** The day's sends a new message is measured against, as policy sees them. */
export interface SendCounts {
  /** Messages this sender sent (or is sending) in the rolling day, but for this key's own. */
  byPrincipal: number;
  /** Messages this contact got (or is getting) in the rolling day, whoever sent them. */
  toContact: number;
}

// First keys of the advisory locks a new row takes (the second: the sender's or the contact's
// hash). Two classes, taken in one order, so two sends never wait on each other in a cycle.
const SENDER_LOCK_CLASS = 0x63726d73; // "crms"
const CONTACT_LOCK_CLASS = 0x63726d63; // "crmc"

type Row = Record<string, unknown>;

function toRow(r: Row): OutboxRow {
  const iso = (v: unknown): string =>
    v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
  return {
    id: String(r.id),
    tenant: String(r.tenant),
    contact_id: String(r.contact_id),
    template: String(r.template),
    sender: String(r.sender),
    idempotency_key: String(r.idempotency_key),
    message_hash: String(r.message_hash),
    rfc_message_id: String(r.rfc_message_id),
    transport: String(r.transport),
    state: String(r.state) as OutboxState,
    provider_message_id: (r.provider_message_id as string | null) ?? null,
    activity_id: (r.activity_id as string | null) ?? null,
    created_at: iso(r.created_at),
    accepted_at: r.accepted_at == null ? null : iso(r.accepted_at),
  };
}

export function newMessageId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

export class Outbox {
  constructor(private readonly q: Store) {}

  /** Keys are the sender's own (as in the kit's idempotency ledger): another principal's key never matches. */
  async byKey(tenant: string, sender: string, key: string): Promise<OutboxRow | null> {
    const r = await this.q.query<Row>(
      'SELECT * FROM crm_email_outbox WHERE tenant = $1 AND sender = $2 AND idempotency_key = $3',
      [tenant, sender, key],
    );
    return r.rows[0] === undefined ? null : toRow(r.rows[0]);
  }

  /**
   * Starts (or restarts, after a failure the provider never accepted) the row for this key, once
   * `admit` accepts the day's counts (it throws to refuse). Policy counted them before the call
   * ran, but concurrent sends all saw the same count: here they are counted again in the
   * transaction that adds the row, under locks on the sender and the contact, so the row that
   * makes a send count is in place before the next send of either is counted. On the embedded
   * store one transaction runs at a time anyway; on a PostgreSQL server (DATABASE_URL) they run
   * side by side and the locks do it.
   */
  async begin(row: NewOutboxRow, admit: (counts: SendCounts) => void): Promise<OutboxRow> {
    return this.q.transaction(async (tx) => {
      // Sender first, then contact, in every transaction.
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        SENDER_LOCK_CLASS,
        JSON.stringify([row.tenant, row.sender]),
      ]);
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        CONTACT_LOCK_CLASS,
        JSON.stringify([row.tenant, row.contact_id]),
      ]);
      admit({
        byPrincipal: await sentBy(tx, row.tenant, row.sender, row.idempotency_key),
        toContact: await sentTo(tx, row.tenant, row.contact_id, row.sender, row.idempotency_key),
      });
      return insert(tx, row);
    });
  }

  async accepted(id: string, providerMessageId: string): Promise<void> {
    await this.q.query(
      `UPDATE crm_email_outbox SET state = 'accepted', provider_message_id = $2, accepted_at = now() WHERE id = $1`,
      [id, providerMessageId],
    );
  }

  async failed(id: string): Promise<void> {
    await this.q.query(`UPDATE crm_email_outbox SET state = 'failed' WHERE id = $1 AND state = 'sending'`, [
      id,
    ]);
  }

  async activityLogged(id: string, activityId: string): Promise<void> {
    await this.q.query('UPDATE crm_email_outbox SET activity_id = $2 WHERE id = $1', [id, activityId]);
  }

  /**
   * Messages a principal sent (or is sending) in the last 24 hours; failed ones do not count, nor
   * the one of `exceptKey`, so a retry of a message already sent is never refused by its own send.
   */
  sentBy(tenant: string, sender: string, exceptKey: string): Promise<number> {
    return sentBy(this.q, tenant, sender, exceptKey);
  }

  /** Messages to one contact in the last 24 hours, whoever sent them (but for this sender's `exceptKey`). */
  sentTo(tenant: string, contactId: string, sender: string, exceptKey: string): Promise<number> {
    return sentTo(this.q, tenant, contactId, sender, exceptKey);
  }
}

async function insert(q: Queryable, row: NewOutboxRow): Promise<OutboxRow> {
  const r = await q.query<Row>(
    `INSERT INTO crm_email_outbox (id, tenant, contact_id, template, sender, idempotency_key, message_hash, rfc_message_id, transport, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sending')
     ON CONFLICT (tenant, sender, idempotency_key) DO UPDATE SET
       id = EXCLUDED.id, contact_id = EXCLUDED.contact_id, template = EXCLUDED.template,
       message_hash = EXCLUDED.message_hash, rfc_message_id = EXCLUDED.rfc_message_id, transport = EXCLUDED.transport,
       state = 'sending', created_at = now()
     WHERE crm_email_outbox.state = 'failed'
     RETURNING *`,
    [
      row.id,
      row.tenant,
      row.contact_id,
      row.template,
      row.sender,
      row.idempotency_key,
      row.message_hash,
      row.rfc_message_id,
      row.transport,
    ],
  );
  const out = r.rows[0];
  if (out === undefined) throw new Error(`outbox row for this idempotency key is not in state failed`);
  return toRow(out);
}

async function sentBy(q: Queryable, tenant: string, sender: string, exceptKey: string): Promise<number> {
  const r = await q.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM crm_email_outbox
      WHERE tenant = $1 AND sender = $2 AND state <> 'failed' AND created_at > now() - ${WINDOW}
        AND idempotency_key <> $3`,
    [tenant, sender, exceptKey],
  );
  return Number(r.rows[0]?.n ?? 0);
}

async function sentTo(
  q: Queryable,
  tenant: string,
  contactId: string,
  sender: string,
  exceptKey: string,
): Promise<number> {
  const r = await q.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM crm_email_outbox
      WHERE tenant = $1 AND contact_id = $2 AND state <> 'failed' AND created_at > now() - ${WINDOW}
        AND NOT (sender = $3 AND idempotency_key = $4)`,
    [tenant, contactId, sender, exceptKey],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** The suppression list: contacts who opted out of e-mail. Both backends honour it. */
export class Suppressions {
  constructor(private readonly q: Queryable) {}

  async reason(tenant: string, contactId: string): Promise<string | null> {
    const r = await this.q.query<{ reason: string }>(
      'SELECT reason FROM crm_email_suppressions WHERE tenant = $1 AND contact_id = $2',
      [tenant, contactId],
    );
    return r.rows[0]?.reason ?? null;
  }

  async add(tenant: string, contactId: string, reason: string): Promise<void> {
    await this.q.query(
      `INSERT INTO crm_email_suppressions (tenant, contact_id, reason) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, contact_id) DO UPDATE SET reason = EXCLUDED.reason`,
      [tenant, contactId, reason],
    );
  }

  async remove(tenant: string, contactId: string): Promise<void> {
    await this.q.query('DELETE FROM crm_email_suppressions WHERE tenant = $1 AND contact_id = $2', [
      tenant,
      contactId,
    ]);
  }
}

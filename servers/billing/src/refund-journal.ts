import { createHash } from 'node:crypto';
import { PortcullisError } from '@portcullis/core';
import type { Queryable } from '@portcullis/core/store';
import type { RefundBudget, RefundOutcome, RefundRequest } from './backend.js';
import { formatMoney } from './domain.js';

/**
 * The refund journal both backends write through, inside the caller's transaction:
 * - one row per (tenant, idempotency key), claimed before anything moves, so a repeat finds the
 *   first outcome (or the first attempt still pending after an upstream timeout);
 * - one budget counter per (tenant, principal, UTC day), raised by a single conditional UPDATE,
 *   so concurrent refunds serialise on the row and can never overshoot the limit.
 */

export interface StoredError {
  code: string;
  category: PortcullisError['category'];
  message: string;
  remediation?: string;
  details?: Record<string, unknown>;
}

export type Claim =
  | { kind: 'new' }
  | { kind: 'replay'; outcome: RefundOutcome }
  | { kind: 'failed'; error: StoredError }
  /** An earlier attempt reserved budget and may or may not have reached the upstream. */
  | { kind: 'pending'; day: string; amountMinor: number };

interface RequestRow {
  request_hash: string;
  status: 'pending' | 'succeeded' | 'failed';
  outcome: unknown;
  error: unknown;
  day: string | Date;
  amount_minor: string | number;
}

/** What makes two refund requests "the same" for an idempotency key. */
export function refundRequestHash(req: RefundRequest): string {
  const canonical = JSON.stringify([
    req.order_id,
    req.amount_minor,
    req.reason,
    req.note ?? null,
    req.principal_id,
    req.plan_id ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function dayString(v: string | Date): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : v.slice(0, 10);
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toStoredError(err: PortcullisError): StoredError {
  const out: StoredError = { code: err.code, category: err.category, message: err.message };
  if (err.remediation !== undefined) out.remediation = err.remediation;
  if (err.details !== undefined) out.details = err.details;
  return out;
}

export function fromStoredError(e: StoredError): PortcullisError {
  return new PortcullisError({
    code: e.code,
    category: e.category,
    message: e.message,
    remediation: e.remediation,
    details: { ...e.details, replayed: true },
    retryable: false,
  });
}

export function idempotencyKeyReused(): PortcullisError {
  return new PortcullisError({
    code: 'idempotency_key_reused',
    category: 'conflict',
    message: 'This idempotency key was already used for a different refund request.',
    remediation:
      'Use a new idempotency key for a different refund; repeat a key only to retry the exact same request.',
    retryable: false,
  });
}

export class RefundJournal {
  constructor(private readonly limitMinor: number) {}

  /** Claims the key for this request, or reports what an earlier call with it left. */
  async claim(tx: Queryable, req: RefundRequest, day: string, nowIso: string): Promise<Claim> {
    const hash = refundRequestHash(req);
    const inserted = await tx.query(
      `INSERT INTO billing_refund_requests (tenant, idempotency_key, request_hash, principal, order_id, amount_minor, day, status, plan_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $9)
       ON CONFLICT (tenant, idempotency_key) DO NOTHING
       RETURNING tenant`,
      [
        req.tenant,
        req.idempotency_key,
        hash,
        req.principal_id,
        req.order_id,
        req.amount_minor,
        day,
        req.plan_id,
        nowIso,
      ],
    );
    if (inserted.rows.length > 0) return { kind: 'new' };
    // Someone holds the key: lock its row (waiting for a concurrent first call to finish) and read it.
    const res = await tx.query<RequestRow>(
      `SELECT request_hash, status, outcome, error, day, amount_minor FROM billing_refund_requests
        WHERE tenant = $1 AND idempotency_key = $2 FOR UPDATE`,
      [req.tenant, req.idempotency_key],
    );
    const row = res.rows[0];
    if (row === undefined) throw new Error('refund request row vanished under lock');
    if (row.request_hash !== hash) throw idempotencyKeyReused();
    if (row.status === 'succeeded')
      return { kind: 'replay', outcome: { ...json<RefundOutcome>(row.outcome), replayed: true } };
    if (row.status === 'failed') return { kind: 'failed', error: json<StoredError>(row.error) };
    return { kind: 'pending', day: dayString(row.day), amountMinor: Number(row.amount_minor) };
  }

  /** Raises the principal's counter for `day` by `amount`, or refuses without changing it. */
  async reserve(
    tx: Queryable,
    tenant: string,
    principal: string,
    day: string,
    amountMinor: number,
  ): Promise<RefundBudget> {
    await tx.query(
      `INSERT INTO billing_refund_budgets (tenant, principal, day, used_minor) VALUES ($1, $2, $3, 0)
       ON CONFLICT (tenant, principal, day) DO NOTHING`,
      [tenant, principal, day],
    );
    const res = await tx.query<{ used_minor: string }>(
      `UPDATE billing_refund_budgets SET used_minor = used_minor + $4
        WHERE tenant = $1 AND principal = $2 AND day = $3 AND used_minor + $4 <= $5
        RETURNING used_minor`,
      [tenant, principal, day, amountMinor, this.limitMinor],
    );
    const row = res.rows[0];
    if (row === undefined) {
      const current = await this.budget(tx, tenant, principal, day);
      throw new PortcullisError({
        code: 'daily_refund_budget_exceeded',
        category: 'forbidden',
        message: `This refund of ${formatMoney(amountMinor, 'usd')} would take your refunds today past the daily budget of ${formatMoney(this.limitMinor, 'usd')} (${formatMoney(current.used_minor, 'usd')} used).`,
        remediation: 'Refund at most the remaining budget today, or ask another authorised person.',
        retryable: false,
        details: {
          limit_minor: this.limitMinor,
          used_minor: current.used_minor,
          remaining_minor: current.remaining_minor,
          requested_minor: amountMinor,
          day,
        },
      });
    }
    const used = Number(row.used_minor);
    return {
      day,
      used_minor: used,
      limit_minor: this.limitMinor,
      remaining_minor: Math.max(0, this.limitMinor - used),
    };
  }

  /** Gives back a reservation whose refund definitely did not happen. */
  async release(
    tx: Queryable,
    tenant: string,
    principal: string,
    day: string,
    amountMinor: number,
  ): Promise<void> {
    await tx.query(
      `UPDATE billing_refund_budgets SET used_minor = GREATEST(0, used_minor - $4) WHERE tenant = $1 AND principal = $2 AND day = $3`,
      [tenant, principal, day, amountMinor],
    );
  }

  async complete(
    tx: Queryable,
    tenant: string,
    key: string,
    outcome: RefundOutcome,
    nowIso: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE billing_refund_requests SET status = 'succeeded', refund_id = $3, outcome = $4::jsonb, updated_at = $5 WHERE tenant = $1 AND idempotency_key = $2`,
      [tenant, key, outcome.refund.id, JSON.stringify({ ...outcome, replayed: false }), nowIso],
    );
  }

  async fail(tx: Queryable, tenant: string, key: string, error: StoredError, nowIso: string): Promise<void> {
    await tx.query(
      `UPDATE billing_refund_requests SET status = 'failed', error = $3::jsonb, updated_at = $4 WHERE tenant = $1 AND idempotency_key = $2`,
      [tenant, key, JSON.stringify(error), nowIso],
    );
  }

  async budget(q: Queryable, tenant: string, principal: string, day: string): Promise<RefundBudget> {
    const res = await q.query<{ used_minor: string }>(
      'SELECT used_minor FROM billing_refund_budgets WHERE tenant = $1 AND principal = $2 AND day = $3',
      [tenant, principal, day],
    );
    const used = Number(res.rows[0]?.used_minor ?? 0);
    return {
      day,
      used_minor: used,
      limit_minor: this.limitMinor,
      remaining_minor: Math.max(0, this.limitMinor - used),
    };
  }
}

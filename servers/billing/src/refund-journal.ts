import { PortcullisError } from '@portcullis/core';
import { IdempotencyLedger, type IdempotencyScope } from '@portcullis/core/idempotency';
import type { Queryable, Store } from '@portcullis/core/store';
import type { RefundBudget, RefundOutcome, RefundRequest } from './backend.js';
import { formatMoney } from './domain.js';

/**
 * The refund journal both backends write through, inside the caller's transaction:
 * - the caller's idempotency key, claimed in the kit's ledger before anything moves, so a repeat
 *   finds the first outcome, a definitive refusal, or the first attempt still pending (with the
 *   budget it reserved) after an upstream timeout;
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

/** The tool whose idempotency keys these are: an applied plan runs it too, with key `plan:<id>`. */
export const REFUND_TOOL = 'billing_issue_refund';

/** What a key's ledger entry keeps once settled: the outcome, or a definitive refusal. */
type Settled = { outcome: RefundOutcome } | { error: StoredError };
/** What a pending entry keeps: the budget it reserved, to give back or keep on a retry. */
interface Reserved {
  day: string;
  amount_minor: number;
}

function scopeOf(req: RefundRequest): IdempotencyScope {
  return { tenant: req.tenant, principal: req.principal_id, tool: REFUND_TOOL, key: req.idempotency_key };
}

/** What makes two refund requests "the same" for one caller's idempotency key. */
function requestArgs(req: RefundRequest): unknown {
  return {
    order_id: req.order_id,
    amount_minor: req.amount_minor,
    reason: req.reason,
    note: req.note ?? null,
    plan_id: req.plan_id ?? null,
  };
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

export class RefundJournal {
  private constructor(
    private readonly ledger: IdempotencyLedger,
    private readonly limitMinor: number,
  ) {}

  /** Refund keys are kept for ever: a key must never refund twice, however late the retry. */
  static async open(store: Store, limitMinor: number): Promise<RefundJournal> {
    return new RefundJournal(await IdempotencyLedger.open(store, { retentionHours: null }), limitMinor);
  }

  /**
   * Claims the caller's key for this request in the kit's ledger (same key, other request:
   * idempotency_key_reused), or reports what an earlier call with it left.
   */
  async claim(tx: Queryable, req: RefundRequest, day: string): Promise<Claim> {
    const reserved: Reserved = { day, amount_minor: req.amount_minor };
    const c = await this.ledger.claim<Settled>(tx, scopeOf(req), requestArgs(req), reserved);
    if (c.state === 'new') return { kind: 'new' };
    if (c.state === 'replay') {
      if ('error' in c.result) return { kind: 'failed', error: c.result.error };
      return { kind: 'replay', outcome: { ...c.result.outcome, replayed: true } };
    }
    const was = c.data as Reserved;
    return { kind: 'pending', day: was.day, amountMinor: Number(was.amount_minor) };
  }

  async complete(tx: Queryable, req: RefundRequest, outcome: RefundOutcome): Promise<void> {
    const settled: Settled = { outcome: { ...outcome, replayed: false } };
    await this.ledger.complete(tx, scopeOf(req), settled);
  }

  /** Remembers a definitive refusal: a retry with the key answers it again, refunding nothing. */
  async fail(tx: Queryable, req: RefundRequest, error: StoredError): Promise<void> {
    const settled: Settled = { error };
    await this.ledger.complete(tx, scopeOf(req), settled);
  }

  /** Forgets a claim whose refund certainly never reached the upstream, so the key may be used again. */
  async forget(tx: Queryable, req: RefundRequest): Promise<void> {
    await this.ledger.release(tx, scopeOf(req));
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

import { PortcullisError } from '@portcullis/core';
import { openPlanArguments } from '@portcullis/core/approvals';
import { IdempotencyLedger, type IdempotencyScope } from '@portcullis/core/idempotency';
import type { Queryable, Store } from '@portcullis/core/store';
import type { RefundBudget, RefundLimits, RefundOutcome, RefundRequest } from './backend.js';
import { limitsFor } from './backend.js';
import type { Order } from './domain.js';
import { formatMoney } from './domain.js';

/**
 * The refund journal both backends write through, inside the caller's transaction:
 * - the caller's idempotency key, claimed in the kit's ledger before anything moves, so a repeat
 *   finds the first outcome, a definitive refusal, or the first attempt still pending (with the
 *   budget it reserved) after an upstream timeout;
 * - budget counters per (tenant, principal, currency, UTC day) and per (tenant, currency, UTC
 *   day), each raised by a single conditional UPDATE, so concurrent refunds serialise on the rows
 *   and can never overshoot a limit;
 * - the order's cumulative refunds (done + promised by open plans + this one) against the
 *   threshold the call may pass: the approval threshold without a plan, the maximum with one.
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
  /**
   * An earlier attempt reserved budget and may or may not have reached the upstream. `tagged`:
   * it sent the key in the upstream record's metadata (false for attempts made before it did).
   */
  | { kind: 'pending'; day: string; amountMinor: number; currency: string; tagged: boolean };

/** The tool whose idempotency keys these are: an applied plan runs it too, with key `plan:<id>`. */
export const REFUND_TOOL = 'billing_issue_refund';

/** What a key's ledger entry keeps once settled: the outcome, or a definitive refusal. */
type Settled = { outcome: RefundOutcome } | { error: StoredError };
/** What a pending entry keeps: the budget it reserved, to give back or keep on a retry. */
interface Reserved {
  day: string;
  amount_minor: number;
  /** Absent on entries written before budgets were per currency (all USD then). */
  currency?: string;
  /**
   * True once the upstream request carries the key in its metadata (so a retry can look for it);
   * absent on entries written before, whose retry must send the request exactly as first sent.
   */
  tagged?: boolean;
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
    readonly limits: RefundLimits,
    private readonly planServer: string,
  ) {}

  /** Refund keys are kept for ever: a key must never refund twice, however late the retry. */
  static async open(store: Store, limits: RefundLimits, planServer: string): Promise<RefundJournal> {
    return new RefundJournal(
      await IdempotencyLedger.open(store, { retentionHours: null }),
      limits,
      planServer,
    );
  }

  /** What open refund plans on the order promise (pending or approved, unexpired), in minor units. */
  async planned(q: Queryable, tenant: string, orderId: string, now: number): Promise<number> {
    const args = await openPlanArguments(q, {
      server: this.planServer,
      tenant,
      tool: REFUND_TOOL,
      match: { order_id: orderId },
      now,
    });
    let sum = 0;
    for (const a of args) {
      const amount = (a as { amount_minor?: unknown } | null)?.amount_minor;
      if (typeof amount === 'number' && Number.isFinite(amount)) sum += amount;
    }
    return sum;
  }

  /**
   * The order's cumulative refunds after this one, inside the caller's transaction (the order row
   * locked where the ledger holds it): refused past the approval threshold without a plan, past the
   * maximum with one. Policy decided on the same total; this holds when concurrent calls raced it.
   */
  async checkOrderTotal(tx: Queryable, req: RefundRequest, order: Order, now: number): Promise<void> {
    const limits = limitsFor(this.limits, order.currency);
    const planned = await this.planned(tx, req.tenant, order.id, now);
    const after = order.refunded_minor + planned + req.amount_minor;
    const cap = req.plan_id === null ? limits.approval_above_minor : limits.max_minor;
    if (after <= cap) return;
    throw new PortcullisError({
      code: 'order_refund_limit_exceeded',
      category: 'forbidden',
      message:
        req.plan_id === null
          ? `Order ${order.id}'s refunds would reach ${formatMoney(after, order.currency)} (refunded and planned included), past the ${formatMoney(cap, order.currency)} that needs no approval.`
          : `Order ${order.id}'s refunds would reach ${formatMoney(after, order.currency)} (refunded and planned included), past the ${formatMoney(cap, order.currency)} limit.`,
      remediation: 'Call billing_check_refund again: the order changed since policy decided.',
      retryable: false,
      details: {
        order_id: order.id,
        currency: limits.currency,
        refunded_minor: order.refunded_minor,
        planned_minor: planned,
        requested_minor: req.amount_minor,
        limit_minor: cap,
      },
    });
  }

  /**
   * Claims the caller's key for this request in the kit's ledger (same key, other request:
   * idempotency_key_reused), or reports what an earlier call with it left.
   */
  async claim(tx: Queryable, req: RefundRequest, day: string, currency: string): Promise<Claim> {
    const reserved: Reserved = {
      day,
      amount_minor: req.amount_minor,
      currency: currency.toLowerCase(),
      tagged: true,
    };
    const c = await this.ledger.claim<Settled>(tx, scopeOf(req), requestArgs(req), reserved);
    if (c.state === 'new') return { kind: 'new' };
    if (c.state === 'replay') {
      if ('error' in c.result) return { kind: 'failed', error: c.result.error };
      return { kind: 'replay', outcome: { ...c.result.outcome, replayed: true } };
    }
    const was = c.data as Reserved;
    return {
      kind: 'pending',
      day: was.day,
      amountMinor: Number(was.amount_minor),
      currency: was.currency ?? 'usd',
      tagged: was.tagged === true,
    };
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

  /**
   * Raises the principal's and the tenant's counters for `day` in the order's currency, or refuses
   * without changing either (the transaction rolls back whatever the first raise did).
   */
  async reserve(
    tx: Queryable,
    tenant: string,
    principal: string,
    currency: string,
    day: string,
    amountMinor: number,
  ): Promise<RefundBudget> {
    const cur = currency.toLowerCase();
    const limits = limitsFor(this.limits, cur);
    await tx.query(
      `INSERT INTO billing_refund_budgets (tenant, principal, currency, day, used_minor) VALUES ($1, $2, $3, $4, 0)
       ON CONFLICT (tenant, principal, currency, day) DO NOTHING`,
      [tenant, principal, cur, day],
    );
    const mine = await tx.query<{ used_minor: string }>(
      `UPDATE billing_refund_budgets SET used_minor = used_minor + $5
        WHERE tenant = $1 AND principal = $2 AND currency = $3 AND day = $4 AND used_minor + $5 <= $6
        RETURNING used_minor`,
      [tenant, principal, cur, day, amountMinor, limits.principal_daily_minor],
    );
    if (mine.rows[0] === undefined) {
      const current = await this.budget(tx, tenant, principal, cur, day);
      throw budgetExceeded('daily_refund_budget_exceeded', 'your refunds', amountMinor, cur, day, {
        limit: current.limit_minor,
        used: current.used_minor,
      });
    }
    await tx.query(
      `INSERT INTO billing_tenant_refund_budgets (tenant, currency, day, used_minor) VALUES ($1, $2, $3, 0)
       ON CONFLICT (tenant, currency, day) DO NOTHING`,
      [tenant, cur, day],
    );
    const ours = await tx.query<{ used_minor: string }>(
      `UPDATE billing_tenant_refund_budgets SET used_minor = used_minor + $4
        WHERE tenant = $1 AND currency = $2 AND day = $3 AND used_minor + $4 <= $5
        RETURNING used_minor`,
      [tenant, cur, day, amountMinor, limits.tenant_daily_minor],
    );
    if (ours.rows[0] === undefined) {
      const current = await this.budget(tx, tenant, principal, cur, day);
      throw budgetExceeded(
        'tenant_daily_refund_budget_exceeded',
        "your tenant's refunds",
        amountMinor,
        cur,
        day,
        { limit: current.tenant_limit_minor, used: current.tenant_used_minor },
      );
    }
    return this.budget(tx, tenant, principal, cur, day);
  }

  /** Gives back a reservation whose refund definitely did not happen. */
  async release(
    tx: Queryable,
    tenant: string,
    principal: string,
    currency: string,
    day: string,
    amountMinor: number,
  ): Promise<void> {
    const cur = currency.toLowerCase();
    await tx.query(
      `UPDATE billing_refund_budgets SET used_minor = GREATEST(0, used_minor - $5) WHERE tenant = $1 AND principal = $2 AND currency = $3 AND day = $4`,
      [tenant, principal, cur, day, amountMinor],
    );
    await tx.query(
      `UPDATE billing_tenant_refund_budgets SET used_minor = GREATEST(0, used_minor - $4) WHERE tenant = $1 AND currency = $2 AND day = $3`,
      [tenant, cur, day, amountMinor],
    );
  }

  async budget(
    q: Queryable,
    tenant: string,
    principal: string,
    currency: string,
    day: string,
  ): Promise<RefundBudget> {
    const cur = currency.toLowerCase();
    const mine = await q.query<{ used_minor: string }>(
      'SELECT used_minor FROM billing_refund_budgets WHERE tenant = $1 AND principal = $2 AND currency = $3 AND day = $4',
      [tenant, principal, cur, day],
    );
    const ours = await q.query<{ used_minor: string }>(
      'SELECT used_minor FROM billing_tenant_refund_budgets WHERE tenant = $1 AND currency = $2 AND day = $3',
      [tenant, cur, day],
    );
    const code = cur.toUpperCase();
    const limit = this.limits.principalDaily[code] ?? 0;
    const tenantLimit = this.limits.tenantDaily[code] ?? 0;
    const used = Number(mine.rows[0]?.used_minor ?? 0);
    const tenantUsed = Number(ours.rows[0]?.used_minor ?? 0);
    return {
      day,
      currency: cur,
      used_minor: used,
      limit_minor: limit,
      remaining_minor: Math.max(0, limit - used),
      tenant_used_minor: tenantUsed,
      tenant_limit_minor: tenantLimit,
      tenant_remaining_minor: Math.max(0, tenantLimit - tenantUsed),
    };
  }
}

function budgetExceeded(
  code: string,
  whose: string,
  amountMinor: number,
  currency: string,
  day: string,
  b: { limit: number; used: number },
): PortcullisError {
  return new PortcullisError({
    code,
    category: 'forbidden',
    message: `This refund of ${formatMoney(amountMinor, currency)} would take ${whose} today past the daily budget of ${formatMoney(b.limit, currency)} (${formatMoney(b.used, currency)} used).`,
    remediation: 'Refund at most the remaining budget today, or ask another authorised person.',
    retryable: false,
    details: {
      currency: currency.toUpperCase(),
      limit_minor: b.limit,
      used_minor: b.used,
      remaining_minor: Math.max(0, b.limit - b.used),
      requested_minor: amountMinor,
      day,
    },
  });
}

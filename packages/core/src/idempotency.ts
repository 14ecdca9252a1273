/**
 * The idempotency ledger (docs/architecture.md section 3, item 7): one table in the kit store,
 * one row per (tenant, principal, tool, key) holding the canonical hash of the first call's
 * arguments and, once done, its result. A repeat with the same key and arguments answers the
 * first result and acts nothing again; the same key with other arguments is a conflict
 * (`idempotency_key_reused`). Every call takes the Queryable to use, so a server reserves,
 * writes and completes inside its own transaction: the record and the ledger entry commit
 * together or not at all.
 */
import { canonicalHash } from './canonical.js';
import { PortcullisError } from './errors.js';
import { migrate } from './store.js';
import type { Migration, Queryable, Store, StoreTransaction } from './store.js';

export const idempotencyMigrations: Migration[] = [
  {
    id: '0001_idempotency',
    sql: `
CREATE TABLE IF NOT EXISTS portcullis_idempotency (
  tenant text NOT NULL,
  principal text NOT NULL,
  tool text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  data jsonb,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, principal, tool, key)
);
CREATE INDEX IF NOT EXISTS portcullis_idempotency_created ON portcullis_idempotency (tool, created_at);
`,
  },
];

/** Whose key it is: keys are private to a tenant, a principal and a tool. */
export interface IdempotencyScope {
  tenant: string;
  /** The caller; "" for writes no principal made (internal jobs). */
  principal: string;
  tool: string;
  key: string;
}

/** What a claim found. `pending`: an earlier call with the same key and arguments has not finished (or died). */
export type Claim<T> =
  { state: 'new' } | { state: 'replay'; result: T } | { state: 'pending'; data: unknown; abandoned: boolean };

export interface LedgerOptions {
  /** How long a key is remembered; null keeps it for ever (money: a refund key must never act twice). */
  retentionHours?: number | null;
  /** A pending entry older than this belongs to a process that died mid-call (reserve takes it over). */
  abandonedAfterSeconds?: number;
}

export function idempotencyKeyReused(): PortcullisError {
  return new PortcullisError({
    code: 'idempotency_key_reused',
    category: 'conflict',
    message: 'This idempotency_key was already used for a call with different arguments.',
    remediation:
      'Use a new idempotency_key for a different request, or repeat the original arguments exactly to get the original result.',
  });
}

export function idempotencyInProgress(): PortcullisError {
  return new PortcullisError({
    code: 'idempotency_in_progress',
    category: 'conflict',
    message: 'A call with this idempotency_key is still in progress.',
    retryable: true,
    retryAfterMs: 1000,
    remediation: 'Retry the same call shortly; it will return the result of the call in progress.',
  });
}

/** The hash two calls must share to be "the same request". */
export function requestHash(args: unknown): string {
  return canonicalHash(args);
}

export class IdempotencyLedger {
  private readonly retentionHours: number | null;
  private readonly abandonedAfterSeconds: number;

  private constructor(opts: LedgerOptions) {
    this.retentionHours = opts.retentionHours === undefined ? 24 : opts.retentionHours;
    this.abandonedAfterSeconds = opts.abandonedAfterSeconds ?? 300;
  }

  /** Creates the ledger table if needed (a kit migration) and returns a ledger over it. */
  static async open(store: Store, opts: LedgerOptions = {}): Promise<IdempotencyLedger> {
    await migrate(store, 'core-idempotency', idempotencyMigrations);
    return new IdempotencyLedger(opts);
  }

  /**
   * Claims the key for these arguments, or reports what an earlier call left. Inside a
   * transaction the row is locked until it ends, so concurrent calls with one key serialise.
   * `data` is kept with a new claim (e.g. what a pending call reserved) and returned while pending.
   */
  async claim<T>(q: Queryable, scope: IdempotencyScope, args: unknown, data?: unknown): Promise<Claim<T>> {
    const hash = requestHash(args);
    if (this.retentionHours !== null) {
      await q.query(
        `DELETE FROM portcullis_idempotency WHERE tool = $1 AND created_at < now() - make_interval(hours => $2)`,
        [scope.tool, this.retentionHours],
      );
    }
    const inserted = await q.query(
      `INSERT INTO portcullis_idempotency (tenant, principal, tool, key, request_hash, state, data)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6::jsonb)
       ON CONFLICT (tenant, principal, tool, key) DO NOTHING RETURNING key`,
      [
        scope.tenant,
        scope.principal,
        scope.tool,
        scope.key,
        hash,
        data === undefined ? null : JSON.stringify(data),
      ],
    );
    if (inserted.rowCount > 0) return { state: 'new' };
    const existing = await q.query<{
      request_hash: string;
      state: 'pending' | 'done';
      data: unknown;
      result: unknown;
      abandoned: boolean;
    }>(
      `SELECT request_hash, state, data, result,
              created_at < now() - make_interval(secs => $5) AS abandoned
         FROM portcullis_idempotency
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4
          FOR UPDATE`,
      [scope.tenant, scope.principal, scope.tool, scope.key, this.abandonedAfterSeconds],
    );
    const row = existing.rows[0];
    // Expired and deleted between our insert and select: a retry finds a clean slate.
    if (row === undefined) throw idempotencyInProgress();
    if (row.request_hash !== hash) throw idempotencyKeyReused();
    if (row.state === 'done') return { state: 'replay', result: row.result as T };
    return { state: 'pending', data: row.data, abandoned: row.abandoned };
  }

  /**
   * Claim for callers with no use for a pending entry: an abandoned one is taken over (its
   * process died mid-call), a live one answers `idempotency_in_progress` (retryable).
   */
  async reserve<T>(
    q: Queryable,
    scope: IdempotencyScope,
    args: unknown,
  ): Promise<{ state: 'new' } | { state: 'replay'; result: T }> {
    const c = await this.claim<T>(q, scope, args);
    if (c.state !== 'pending') return c;
    if (!c.abandoned) throw idempotencyInProgress();
    await q.query(
      `UPDATE portcullis_idempotency SET created_at = now()
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4`,
      [scope.tenant, scope.principal, scope.tool, scope.key],
    );
    return { state: 'new' };
  }

  /**
   * Records the result a replay answers with, once: a key already done keeps its first result
   * (a later, racing attempt under the same key never overwrites what a replay has answered).
   */
  async complete(q: Queryable, scope: IdempotencyScope, result: unknown): Promise<void> {
    await q.query(
      `UPDATE portcullis_idempotency SET state = 'done', result = $5::jsonb
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4 AND state = 'pending'`,
      [scope.tenant, scope.principal, scope.tool, scope.key, JSON.stringify(result ?? null)],
    );
  }

  /** Forgets a pending claim whose call definitely did not act, so the same key may be used again. */
  async release(q: Queryable, scope: IdempotencyScope): Promise<void> {
    await q.query(
      `DELETE FROM portcullis_idempotency
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4 AND state = 'pending'`,
      [scope.tenant, scope.principal, scope.tool, scope.key],
    );
  }

  /**
   * The whole pattern in one transaction: reserve, run `fn` with the transaction, record its
   * result. Without a key `fn` simply runs. A throw rolls back the write and the claim together.
   */
  async once<T>(
    store: Pick<Store, 'transaction'>,
    scope: IdempotencyScope | null,
    args: unknown,
    fn: (tx: StoreTransaction) => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }> {
    return store.transaction(async (tx) => {
      if (scope !== null) {
        const r = await this.reserve<T>(tx, scope, args);
        if (r.state === 'replay') return { result: r.result, replayed: true };
      }
      const result = await fn(tx);
      if (scope !== null) await this.complete(tx, scope, result);
      return { result, replayed: false };
    });
  }
}

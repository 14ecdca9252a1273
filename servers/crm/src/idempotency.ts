import { PortcullisError, errors } from '@portcullis/core';
import type { Queryable } from '@portcullis/core/store';
import { canonicalJson, sha256 } from './cursor.js';

/** How long a key is remembered: long enough for any client's retries, short enough to stay small. */
const RETENTION = `interval '24 hours'`;
/** A pending entry older than this belongs to a process that died mid-call; the key may be used again. */
const ABANDONED = `interval '5 minutes'`;

export type Reservation<T> = { state: 'new' } | { state: 'replay'; result: T };

export function requestHash(tool: string, args: unknown): string {
  return sha256(canonicalJson({ tool, args }));
}

/**
 * The idempotency ledger, per (tenant, tool, key): the first call's arguments hash and result.
 * A repeat with the same key and arguments gets the stored result and writes nothing; the same key
 * with other arguments is a conflict. The embedded backend reserves, writes and completes inside
 * one transaction; the HubSpot connector reserves, calls upstream, then completes or releases.
 */
export async function reserve<T>(
  q: Queryable,
  tenant: string,
  tool: string,
  key: string,
  hash: string,
): Promise<Reservation<T>> {
  await q.query(`DELETE FROM crm_idempotency WHERE created_at < now() - ${RETENTION}`);
  const inserted = await q.query(
    `INSERT INTO crm_idempotency (tenant, tool, key, request_hash, state) VALUES ($1, $2, $3, $4, 'pending')
     ON CONFLICT (tenant, tool, key) DO NOTHING RETURNING key`,
    [tenant, tool, key, hash],
  );
  if (inserted.rowCount > 0) return { state: 'new' };
  const existing = await q.query<{
    request_hash: string;
    state: string;
    result: T | null;
    abandoned: boolean;
  }>(
    `SELECT request_hash, state, result, created_at < now() - ${ABANDONED} AS abandoned
       FROM crm_idempotency WHERE tenant = $1 AND tool = $2 AND key = $3`,
    [tenant, tool, key],
  );
  const row = existing.rows[0];
  if (row === undefined) {
    // Deleted between our insert and select (expired): a retry will find a clean slate.
    throw idempotencyBusy();
  }
  if (row.request_hash !== hash) {
    throw errors.conflict(
      'idempotency_key_reused',
      'This idempotency_key was already used for a call with different arguments.',
      'Use a new idempotency_key for a different request, or repeat the original arguments exactly to get the original result.',
    );
  }
  if (row.state === 'done' && row.result !== null) return { state: 'replay', result: row.result };
  if (row.abandoned) {
    await q.query(
      `UPDATE crm_idempotency SET created_at = now() WHERE tenant = $1 AND tool = $2 AND key = $3`,
      [tenant, tool, key],
    );
    return { state: 'new' };
  }
  throw idempotencyBusy();
}

export async function complete(
  q: Queryable,
  tenant: string,
  tool: string,
  key: string,
  result: unknown,
): Promise<void> {
  await q.query(
    `UPDATE crm_idempotency SET state = 'done', result = $4::jsonb WHERE tenant = $1 AND tool = $2 AND key = $3`,
    [tenant, tool, key, JSON.stringify(result)],
  );
}

/** Forgets a reservation whose call failed, so the caller may retry with the same key. */
export async function release(q: Queryable, tenant: string, tool: string, key: string): Promise<void> {
  await q.query(
    `DELETE FROM crm_idempotency WHERE tenant = $1 AND tool = $2 AND key = $3 AND state = 'pending'`,
    [tenant, tool, key],
  );
}

function idempotencyBusy(): PortcullisError {
  return new PortcullisError({
    code: 'idempotency_in_progress',
    category: 'conflict',
    message: 'A call with this idempotency_key is still in progress.',
    retryable: true,
    retryAfterMs: 1000,
    remediation: 'Retry the same call shortly; it will return the result of the call in progress.',
  });
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors } from '@portcullis/core';
import type { Queryable } from '@portcullis/core/store';

/**
 * Opaque paging cursors: base64url of the paging state plus an HMAC, bound to the tenant and the
 * exact search. A cursor that was edited, truncated or reused for another search is a validation
 * error, never a silently different page. The key lives in the store so every replica (and every
 * restart) accepts the cursors of the others.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(kind: string, scope: unknown, position: unknown): string {
    const body = Buffer.from(
      JSON.stringify({ k: kind, f: fingerprint(scope), p: position }),
      'utf8',
    ).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The position stored by `encode`, after checking it belongs to this kind of search and scope. */
  decode(cursor: string, kind: string, scope: unknown): unknown {
    const dot = cursor.indexOf('.');
    if (dot <= 0 || cursor.length > 4096) throw invalidCursor();
    const body = cursor.slice(0, dot);
    const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalidCursor();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
    const { k, f, p } = parsed as { k?: unknown; f?: unknown; p?: unknown };
    if (k !== kind || f !== fingerprint(scope)) {
      throw errors.validation(
        'The cursor belongs to a different search.',
        'Pass a next_cursor only with the same filters that produced it, or start again without a cursor.',
      );
    }
    return p;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}

export function invalidCursor(): Error {
  return errors.validation(
    'The cursor is not valid.',
    'Pass next_cursor exactly as a previous page returned it, or omit cursor to start from the first page.',
  );
}

function fingerprint(scope: unknown): string {
  return createHash('sha256').update(canonicalJson(scope)).digest('base64url').slice(0, 22);
}

/** JSON with sorted keys and undefined dropped, so equal arguments always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The cursor key, created once per store (first writer wins, so concurrent starts agree). */
export async function loadCursorKey(store: Queryable): Promise<Buffer> {
  await store.query(
    `INSERT INTO crm_settings (key, value) VALUES ('cursor_key', $1) ON CONFLICT (key) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  const res = await store.query<{ value: string }>(`SELECT value FROM crm_settings WHERE key = 'cursor_key'`);
  const value = res.rows[0]?.value;
  if (value === undefined) throw errors.internal(new Error('crm_settings.cursor_key missing after insert'));
  return Buffer.from(value, 'base64url');
}

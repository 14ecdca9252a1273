import { createHash } from 'node:crypto';
import { PortcullisError } from '@portcullis/core';

/**
 * Opaque paging cursors: base64url JSON of the paging position plus a checksum bound to the tenant
 * and query it belongs to, so a cursor reused for another query or tenant is refused.
 */
export type CursorState = Record<string, string | number>;

export function scopeOf(tenant: string, query: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([tenant, query]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(state: CursorState, scope: string): string {
  const body = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
  return `${body}.${checksum(body, scope)}`;
}

// Not a secret MAC: a cursor only positions a page inside the caller's own tenant. The checksum
// makes an edited, truncated or foreign cursor fail loudly instead of paging from a wrong place.
function checksum(body: string, scope: string): string {
  return createHash('sha256').update(`${scope}\u0000${body}`).digest('base64url').slice(0, 16);
}

export function invalidCursor(): PortcullisError {
  return new PortcullisError({
    code: 'invalid_cursor',
    category: 'validation',
    message: 'The cursor is not one this list returned for the same query.',
    remediation:
      'Pass next_cursor exactly as returned, with the same filters; omit it to start from the first page.',
  });
}

export function decodeCursor(cursor: string, scope: string): CursorState {
  const m = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{16})$/.exec(cursor);
  if (m === null || m[1] === undefined || checksum(m[1], scope) !== m[2]) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const state: CursorState = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw invalidCursor();
    state[k] = v;
  }
  return state;
}

export function stringField(state: CursorState, key: string): string {
  const v = state[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > 512) throw invalidCursor();
  return v;
}

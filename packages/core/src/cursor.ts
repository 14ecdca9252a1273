/**
 * Opaque paging cursors, signed with HMAC-SHA256 and bound to the tenant, the principal and the
 * query (a hash of its canonical filter) they were issued for. A cursor that was edited,
 * truncated, forged, or replayed by another tenant, another caller or for another query is a
 * validation error (`invalid_cursor`), never a silently different page and never an internal
 * error. The key comes from PORTCULLIS_CURSOR_KEY (a credential reference, shared by replicas) or
 * is generated once per data directory (mode 0600).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalHash } from './canonical.js';
import type { CredentialResolver } from './credentials.js';
import { parseCredentialRef } from './credentials.js';
import { ConfigError, PortcullisError } from './errors.js';
import type { Redactor } from './redact.js';

/** The setting that names the key (a credential reference: env:, file:, aws-sm:). */
export const CURSOR_KEY_SETTING = 'PORTCULLIS_CURSOR_KEY';
/** Longest cursor accepted; anything longer is not one we issued. */
const MAX_CURSOR_LENGTH = 4096;

/** What a cursor is bound to. */
export interface CursorScope {
  tenant: string;
  /** The caller; cursors of internal, principal-less reads are bound to "". */
  principal?: string;
  /** Which list or search (e.g. `accounts`): a cursor of one never pages another. */
  kind: string;
  /** The query's filters (not the cursor or limit): hashed canonically, so key order does not matter. */
  query: unknown;
}

export function invalidCursor(): PortcullisError {
  return new PortcullisError({
    code: 'invalid_cursor',
    category: 'validation',
    message: 'The cursor is not valid.',
    remediation:
      'Pass next_cursor exactly as a previous page returned it, or omit cursor to start from the first page.',
  });
}

function foreignCursor(): PortcullisError {
  return new PortcullisError({
    code: 'invalid_cursor',
    category: 'validation',
    message: 'The cursor belongs to a different search (other filters, tenant or caller).',
    remediation:
      'Pass a next_cursor only with the same filters that produced it, as the same caller, or start again without a cursor.',
  });
}

export class CursorCodec {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length < 32) throw new ConfigError(`${CURSOR_KEY_SETTING} must be at least 32 bytes.`);
    this.key = Buffer.from(key);
  }

  /** The cursor for `position` (any JSON value: a sort key, an upstream's paging token ...). */
  encode(scope: CursorScope, position: unknown): string {
    const body = Buffer.from(
      JSON.stringify({ k: scope.kind, b: this.binding(scope), p: position }),
      'utf8',
    ).toString('base64url');
    return `${body}.${this.tag('cursor', body)}`;
  }

  /** The position `encode` stored, after checking the signature and that the cursor belongs to `scope`. */
  decode(cursor: string, scope: CursorScope): unknown {
    const dot = cursor.indexOf('.');
    if (dot <= 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
    const body = cursor.slice(0, dot);
    const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.tag('cursor', body), 'base64url');
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalidCursor();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
    const { k, b, p } = parsed as { k?: unknown; b?: unknown; p?: unknown };
    // Signed by us, so a mismatch here is a genuine cursor used out of place, not a forgery.
    if (k !== scope.kind || b !== this.binding(scope)) throw foreignCursor();
    return p;
  }

  /**
   * Keyed, so the cursor shows nothing about the tenant, caller or filters it is bound to (a plain
   * hash of a tenant and a user id could be guessed from a short list).
   */
  private binding(scope: CursorScope): string {
    return this.tag(
      'scope',
      canonicalHash([scope.tenant, scope.principal ?? '', scope.kind, scope.query ?? null]),
    ).slice(0, 22);
  }

  private tag(purpose: string, text: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\u0000${text}`).digest('base64url');
  }
}

export interface CursorKeySources {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  credentials: CredentialResolver;
  redactor: Redactor;
}

/**
 * The cursor codec of a server process: the key from PORTCULLIS_CURSOR_KEY (a credential
 * reference; replicas behind one load balancer must share it), else a key generated once in the
 * data directory (mode 0600), so cursors survive restarts.
 */
export async function openCursorCodec(src: CursorKeySources): Promise<CursorCodec> {
  const ref = src.env[CURSOR_KEY_SETTING];
  if (ref !== undefined && ref !== '') {
    parseCredentialRef(ref, CURSOR_KEY_SETTING);
    const secret = await src.credentials.get(ref, CURSOR_KEY_SETTING);
    if (secret.length < 32)
      throw new ConfigError(`${CURSOR_KEY_SETTING} must resolve to at least 32 characters.`);
    return new CursorCodec(Buffer.from(secret, 'utf8'));
  }
  mkdirSync(src.dataDir, { recursive: true });
  const path = join(src.dataDir, 'cursor-signing.key');
  // flag wx: when two processes start on one data dir, the first writer wins and both read its key.
  if (!existsSync(path)) {
    try {
      writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < 32) throw new ConfigError(`${path}: the cursor key is too short; delete the file.`);
  src.redactor.addSecret(key);
  return new CursorCodec(Buffer.from(key, 'utf8'));
}

/** A string field of a decoded position (what a keyset or upstream cursor stored); anything else is invalid. */
export function positionString(position: unknown, field: string, maxLength = 512): string {
  const v =
    typeof position === 'object' && position !== null && !Array.isArray(position)
      ? (position as Record<string, unknown>)[field]
      : undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) throw invalidCursor();
  return v;
}

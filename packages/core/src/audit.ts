/**
 * The tamper-evident audit trail (docs/architecture.md section 3, item 9): one record per tool call, each
 * carrying the hash of the one before it, so editing, deleting or reordering any record breaks
 * the chain that `verifyAuditFile` / `verifyAuditTable` (and `portcullis-audit verify`) check.
 *
 * A hash chain alone can be recomputed by anyone who can write the trail. With an audit key
 * (PORTCULLIS_AUDIT_KEY) every record also carries `mac`, an HMAC of its hash, so re-chaining
 * needs the key; and checkpoints of the head (signed with an Ed25519 key derived from the audit
 * key, verifiable with its public key alone) go to an optional anchor (PORTCULLIS_AUDIT_ANCHOR)
 * kept apart from the trail, so cutting records off the end is detected too. What each mode
 * detects and what it cannot: packages/core/README.md, "Audit trail".
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomUUID,
  sign as signBytes,
  timingSafeEqual,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CredentialResolver } from './credentials.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
import { setData, type Redactor } from './redact.js';
import { migrate } from './store.js';
import type { Migration, Queryable, Store } from './store.js';

export type AuditOutcome = 'ok' | 'error' | 'denied' | 'rate_limited' | 'approval_required';

export interface AuditEvent {
  /** 'tool_call' | 'approval' | 'recovery' | ... */
  kind: string;
  trace_id: string;
  server: string;
  tool: string;
  principal: string;
  on_behalf_of: string | null;
  tenant: string | null;
  /** Already redacted by the caller. */
  arguments: unknown;
  decision: { effect: 'allow' | 'deny' | 'approval_required'; policies: string[] } | null;
  outcome: AuditOutcome;
  error_code: string | null;
  result_hash: string | null;
  duration_ms: number;
  /** Links to other records: plan_id, approval_id, idempotency_key ... */
  refs?: Record<string, string>;
}

export interface AuditRecord extends AuditEvent {
  id: string;
  seq: number;
  time: string;
  prev_hash: string;
  hash: string;
  /** HMAC-SHA256 of `hash` under the audit key (absent on records written without a key). */
  mac?: string;
}

export interface AuditSink {
  readonly kind: 'file' | 'stderr' | 'postgres';
  /** Resolves once the record is durable in the sink (written to the file, committed to the table). */
  append(event: AuditEvent): Promise<AuditRecord>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Why the sink takes no append until the process restarts (a file it could not bring back to
   * its last whole record), or undefined while appends can succeed.
   */
  stopped?(): Error | undefined;
}

export interface AuditSinkOptions {
  dataDir: string;
  serverName: string;
  store?: Store;
  logger: Logger;
  stderrWrite?: (line: string) => void;
  /** The audit key itself (tests); otherwise keyRef, or a development key under dataDir. */
  key?: AuditKey;
  /** PORTCULLIS_AUDIT_KEY: a credential reference, resolved through `credentials`. */
  keyRef?: string;
  credentials?: CredentialResolver;
  /** Generated keys are registered here so they never reach a log. */
  redactor?: Redactor;
  /** In production a missing key stops start-up instead of generating one. */
  production?: boolean;
  /** PORTCULLIS_AUDIT_ANCHOR: `file:PATH` or `postgres` (the portcullis_audit_anchor table). */
  anchor?: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  lastHash: string;
  firstBad?: { index: number; line?: number; id?: string; reason: string };
  tornTail?: { offset: number; bytes: number };
  /** Records whose MAC was checked (a key was given). */
  macChecked?: number;
  /** Records before the first MAC'd one: written before the trail had a key (only hash-checked). */
  unkeyedPrefix?: number;
  /** Anchor checkpoints matched against the trail. */
  checkpoints?: number;
  /** The anchor holds a checkpoint past the end of the trail: records were cut off the end. */
  truncated?: { anchorSeq: number; trailSeq: number };
}

/** What verification may use: the key (checks every MAC), a public key (checkpoint signatures), an anchor. */
export interface VerifyOptions {
  key?: AuditKey;
  publicKey?: KeyObject;
  anchor?: AuditCheckpoint[];
  /**
   * With a key: how many records at the start of the trail may carry no MAC (a trail begun before
   * it had a key). Default 0: a record without one fails, or stripping every MAC and recomputing
   * the chain would pass as a trail that predates its key.
   */
  allowUnkeyed?: number;
}

/** A signed statement that the trail's record `seq` had hash `hash` at `time`. */
export interface AuditCheckpoint {
  type: 'portcullis.audit.checkpoint';
  server: string;
  seq: number;
  hash: string;
  time: string;
  reason: 'start' | 'interval' | 'shutdown';
  key_id: string;
  /** Ed25519 signature (base64url) over the canonical JSON of the fields above. */
  sig: string;
  /** HMAC-SHA256 under the audit key over the same bytes. */
  mac: string;
}

/** How often a running sink checkpoints its head to the anchor (only when the head moved). */
export const CHECKPOINT_INTERVAL_MS = 60_000;

export const GENESIS_HASH = '0'.repeat(64);

// ---------------------------------------------------------------------------------------------
// Hashing (the canonical form is the kit's one, shared with approvals, idempotency and cursors)

export { canonicalJson, sha256Hex };

/** sha256 of the canonical JSON of every field except `hash` and `mac`. */
export function computeRecordHash(rec: Omit<AuditRecord, 'hash'>): string {
  const {
    hash: _ignored,
    mac: _mac,
    ...rest
  } = rec as Omit<AuditRecord, 'hash'> & {
    hash?: unknown;
  };
  return sha256Hex(canonicalJson(rest));
}

// ---------------------------------------------------------------------------------------------
// The audit key: one secret, from which the record MAC key and the checkpoint signing key derive

export interface AuditKey {
  readonly macKey: Buffer;
  readonly signingKey: KeyObject;
  readonly publicKey: KeyObject;
  /** First 16 hex digits of the sha256 of the public key (SPKI DER): names the key, reveals nothing. */
  readonly keyId: string;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Derives the audit key material from the secret (at least 32 characters). */
export function auditKeyFromSecret(secret: string): AuditKey {
  const master = Buffer.from(secret, 'utf8');
  const derive = (label: string) => createHmac('sha256', master).update(label, 'utf8').digest();
  const signingKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, derive('portcullis-audit-checkpoint-ed25519-v1')]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(signingKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    macKey: derive('portcullis-audit-record-mac-v1'),
    signingKey,
    publicKey,
    keyId: createHash('sha256').update(spki).digest('hex').slice(0, 16),
  };
}

/** The public key (PEM, SPKI) that verifies checkpoints; safe to hand to auditors. */
export function auditPublicKeyPem(key: AuditKey): string {
  return key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

function recordMac(key: AuditKey, hash: string): string {
  return createHmac('sha256', key.macKey).update(`portcullis-audit-record\n${hash}`, 'utf8').digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const MIN_AUDIT_KEY_CHARS = 32;
const DEV_KEY_FILE = 'audit.key';

/**
 * The audit key: PORTCULLIS_AUDIT_KEY through the credential resolver; in production nothing
 * else; in development a key generated once under the data directory (0600), announced in the log.
 */
export async function resolveAuditKey(opts: AuditSinkOptions): Promise<AuditKey> {
  if (opts.key) return opts.key;
  if (opts.keyRef !== undefined && opts.keyRef !== '') {
    if (!opts.credentials)
      throw new ConfigError('PORTCULLIS_AUDIT_KEY is set but no credential resolver was given.');
    const secret = await opts.credentials.get(opts.keyRef, 'PORTCULLIS_AUDIT_KEY');
    if (secret.length < MIN_AUDIT_KEY_CHARS)
      throw new ConfigError(
        `PORTCULLIS_AUDIT_KEY must resolve to at least ${MIN_AUDIT_KEY_CHARS} characters.`,
      );
    return auditKeyFromSecret(secret);
  }
  if (opts.production)
    throw new ConfigError(
      'PORTCULLIS_AUDIT_KEY is required when NODE_ENV=production (a credential reference, e.g. aws-sm:portcullis/audit#key); without it the audit chain can be recomputed by anyone who can write it.',
    );
  const path = join(resolve(opts.dataDir), DEV_KEY_FILE);
  let secret: string;
  try {
    secret = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    secret = randomBytes(32).toString('base64url');
    try {
      await writeFile(path, secret, { flag: 'wx', mode: 0o600 });
      opts.logger.warn(
        { path },
        'generated a development audit key (PORTCULLIS_AUDIT_KEY is not set); production needs PORTCULLIS_AUDIT_KEY',
      );
    } catch (writeErr) {
      // Another process generated it first: use theirs.
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      secret = (await readFile(path, 'utf8')).trim();
    }
  }
  if (secret.length < MIN_AUDIT_KEY_CHARS)
    throw new ConfigError(`The audit key in ${path} is too short; delete it to generate a new one.`);
  opts.redactor?.addSecret(secret);
  return auditKeyFromSecret(secret);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

function checkpointBody(cp: Omit<AuditCheckpoint, 'sig' | 'mac'>): Buffer {
  const { type, server, seq, hash, time, reason, key_id } = cp;
  return Buffer.from(canonicalJson({ type, server, seq, hash, time, reason, key_id }), 'utf8');
}

export function makeCheckpoint(
  key: AuditKey,
  server: string,
  head: { seq: number; hash: string },
  reason: AuditCheckpoint['reason'],
): AuditCheckpoint {
  const unsigned = {
    type: 'portcullis.audit.checkpoint' as const,
    server,
    seq: head.seq,
    hash: head.hash,
    time: new Date().toISOString(),
    reason,
    key_id: key.keyId,
  };
  const body = checkpointBody(unsigned);
  return {
    ...unsigned,
    sig: signBytes(null, body, key.signingKey).toString('base64url'),
    mac: createHmac('sha256', key.macKey).update(body).digest('hex'),
  };
}

/** Why a checkpoint cannot be trusted with what the verifier holds, or null. */
function checkpointProblem(cp: AuditCheckpoint, opts: VerifyOptions): string | null {
  const body = checkpointBody(cp);
  const publicKey = opts.publicKey ?? opts.key?.publicKey;
  if (publicKey && !verifySignature(null, body, publicKey, Buffer.from(String(cp.sig), 'base64url')))
    return 'checkpoint signature does not verify';
  if (opts.key && !equalHex(createHmac('sha256', opts.key.macKey).update(body).digest('hex'), String(cp.mac)))
    return 'checkpoint MAC does not verify';
  return null;
}

function isCheckpoint(v: unknown): v is AuditCheckpoint {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    c.type === 'portcullis.audit.checkpoint' &&
    typeof c.seq === 'number' &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === 'string' &&
    typeof c.sig === 'string' &&
    typeof c.mac === 'string'
  );
}

/** Where checkpoints go: a file (JSON lines, fsynced) or a PostgreSQL table. */
interface AnchorSink {
  write(cp: AuditCheckpoint): Promise<void>;
  last(): Promise<AuditCheckpoint | null>;
}

const ANCHOR_FILE = 'The audit anchor file (PORTCULLIS_AUDIT_ANCHOR)';

/**
 * Read and written never through a symbolic link, as the trail is (openNoFollow); a new file is
 * 0600. Its owner is not checked: the anchor may be on another volume and another user's.
 */
class FileAnchor implements AnchorSink {
  constructor(readonly path: string) {}

  async write(cp: AuditCheckpoint): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // Asynchronous, as a checkpoint runs beside calls: its fsync must not stall them.
    const fh = await open(
      this.path,
      fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW,
      0o600,
    ).catch((err: unknown) => {
      throw linkRefused(err, ANCHOR_FILE, this.path);
    });
    try {
      await fh.write(`${JSON.stringify(cp)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async last(): Promise<AuditCheckpoint | null> {
    let fd: number;
    try {
      fd = openNoFollow(this.path, fsConstants.O_RDONLY, ANCHOR_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return parseAnchor(readFileSync(fd, 'utf8'), this.path).at(-1) ?? null;
    } finally {
      closeSync(fd);
    }
  }
}

class TableAnchor implements AnchorSink {
  constructor(private readonly db: Queryable) {}

  async write(cp: AuditCheckpoint): Promise<void> {
    await this.db.query('INSERT INTO portcullis_audit_anchor (checkpoint) VALUES ($1::text::jsonb)', [
      JSON.stringify(cp),
    ]);
  }

  async last(): Promise<AuditCheckpoint | null> {
    const r = await this.db.query<{ checkpoint: unknown }>(
      'SELECT a.checkpoint FROM portcullis_audit_anchor a ORDER BY a.id DESC LIMIT 1',
    );
    const cp = r.rows[0]?.checkpoint;
    return isCheckpoint(cp) ? cp : null;
  }
}

/** Every checkpoint in an anchor file; a line that is not a checkpoint is an error (the anchor is evidence). */
export async function readAnchorFile(path: string): Promise<AuditCheckpoint[]> {
  return parseAnchor(await readFile(path, 'utf8'), path);
}

function parseAnchor(text: string, path: string): AuditCheckpoint[] {
  const out: AuditCheckpoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = null;
    }
    // A crash can tear only the last line of the anchor.
    if (!isCheckpoint(v)) {
      if (i === lines.length - 1) break;
      throw new Error(`line ${i + 1} of the anchor ${path} is not a checkpoint`);
    }
    out.push(v);
  }
  return out;
}

/** Every checkpoint in the portcullis_audit_anchor table, oldest first. */
export async function readAnchorTable(db: Queryable): Promise<AuditCheckpoint[]> {
  const r = await db.query<{ checkpoint: unknown }>(
    'SELECT a.checkpoint FROM portcullis_audit_anchor a ORDER BY a.id',
  );
  return r.rows.map((row) => row.checkpoint).filter(isCheckpoint);
}

const ANCHOR_MIGRATIONS: Migration[] = [
  {
    id: '0001_audit_anchor_table',
    sql: `
CREATE TABLE portcullis_audit_anchor (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL DEFAULT now(),
  checkpoint jsonb NOT NULL
);
CREATE FUNCTION portcullis_audit_anchor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'portcullis_audit_anchor is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER portcullis_audit_anchor_no_update_delete
  BEFORE UPDATE OR DELETE ON portcullis_audit_anchor
  FOR EACH ROW EXECUTE FUNCTION portcullis_audit_anchor_append_only();
CREATE TRIGGER portcullis_audit_anchor_no_truncate
  BEFORE TRUNCATE ON portcullis_audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION portcullis_audit_anchor_append_only();
`,
  },
];

// NUL and lone surrogates cannot be stored in a PostgreSQL jsonb or text column; every sink makes
// the same substitution so a record hashes the same wherever it is kept.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable(s: string): string {
  return s.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** The value as it will read back from any sink: the JSON data model, storable strings. */
function toStorableJson(value: unknown): unknown {
  return storableTree(JSON.parse(canonicalJson(value)) as unknown);
}

function storableTree(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableTree);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // setData: a "__proto__" key from JSON must stay data, not become a prototype.
    for (const [k, v] of Object.entries(value)) setData(out, storable(k), storableTree(v));
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Ids: time-sortable, unique

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID-style ids: 48-bit millisecond time then 80 random bits, monotonic within one generator. */
class IdGenerator {
  private lastMs = -1;
  private lastRandom = 0n;

  next(ms: number): string {
    let random: bigint;
    if (ms <= this.lastMs) {
      // Same millisecond (or a clock step back): keep order by counting up from the last id.
      ms = this.lastMs;
      random = (this.lastRandom + 1n) & ((1n << 80n) - 1n);
    } else {
      random = BigInt(`0x${randomBytes(10).toString('hex')}`);
    }
    this.lastMs = ms;
    this.lastRandom = random;
    return `aud_${encodeBase32(BigInt(ms), 10)}${encodeBase32(random, 16)}`;
  }

  /** The time to stamp a record with, never earlier than the last id's time. */
  now(): number {
    return Math.max(Date.now(), this.lastMs);
  }
}

function encodeBase32(n: bigint, len: number): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    out = (CROCKFORD[Number(n & 31n)] ?? '0') + out;
    n >>= 5n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The chain

interface ChainHead {
  seq: number;
  hash: string;
}

function eventFields(event: AuditEvent): AuditEvent {
  const e: AuditEvent = {
    kind: event.kind,
    trace_id: event.trace_id,
    server: event.server,
    tool: event.tool,
    principal: event.principal,
    on_behalf_of: event.on_behalf_of,
    tenant: event.tenant,
    arguments: event.arguments,
    decision: event.decision,
    outcome: event.outcome,
    error_code: event.error_code,
    result_hash: event.result_hash,
    duration_ms: event.duration_ms,
  };
  if (event.refs !== undefined) e.refs = event.refs;
  return e;
}

function buildRecord(event: AuditEvent, head: ChainHead, ids: IdGenerator, key?: AuditKey): AuditRecord {
  const ms = ids.now();
  const id = ids.next(ms);
  // eventFields twice: once to drop stray properties, once to restore a readable field order.
  const body = eventFields(toStorableJson(eventFields(event)) as AuditEvent);
  // Key order only matters to a human reading the file; the hash is over the canonical form.
  const unsigned: Omit<AuditRecord, 'hash'> = {
    id,
    seq: head.seq + 1,
    time: new Date(ms).toISOString(),
    ...body,
    prev_hash: head.hash,
  };
  const hash = computeRecordHash(unsigned);
  return key ? { ...unsigned, hash, mac: recordMac(key, hash) } : { ...unsigned, hash };
}

/** Runs tasks one at a time in call order; a failed task does not block the ones after it. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function closedError(): Error {
  return new Error('The audit sink is closed.');
}

// ---------------------------------------------------------------------------------------------
// Record shape checks shared by the sink (on open) and the verifiers

function isRecordShape(v: unknown): v is AuditRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.seq === 'number' &&
    Number.isSafeInteger(r.seq) &&
    typeof r.time === 'string' &&
    typeof r.prev_hash === 'string' &&
    typeof r.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(r.hash) &&
    (r.mac === undefined || typeof r.mac === 'string')
  );
}

function parseRecordLine(line: string): AuditRecord | null {
  try {
    const v: unknown = JSON.parse(line);
    return isRecordShape(v) ? v : null;
  } catch {
    return null;
  }
}

/** Checks one record against the chain so far; returns the reason it fails, or null. */
function checkLink(rec: AuditRecord, head: ChainHead): string | null {
  if (computeRecordHash(rec) !== rec.hash) return 'hash mismatch';
  if (rec.seq !== head.seq + 1) return 'seq gap';
  if (rec.prev_hash !== head.hash) return 'broken link';
  return null;
}

/**
 * What a verifier checks beyond the hash chain: each record's MAC (with a key) and the anchor's
 * checkpoints (each authenticated, each naming a record the trail still holds with that hash).
 */
class ChainChecker {
  macChecked = 0;
  unkeyedPrefix = 0;
  checkpoints = 0;
  private seenMac = false;
  private readonly expected = new Map<number, string[]>();
  private readonly maxAnchored: number;
  readonly anchorProblem: string | null = null;

  constructor(private readonly opts: VerifyOptions) {
    let max = 0;
    for (const cp of opts.anchor ?? []) {
      const problem = checkpointProblem(cp, opts);
      if (problem !== null) {
        this.anchorProblem = `anchor checkpoint of record ${cp.seq}: ${problem}`;
        break;
      }
      if (cp.seq < 1) continue;
      const list = this.expected.get(cp.seq) ?? [];
      list.push(cp.hash);
      this.expected.set(cp.seq, list);
      max = Math.max(max, cp.seq);
    }
    this.maxAnchored = max;
  }

  /** The reason this record fails the keyed and anchored checks, or null. */
  check(rec: AuditRecord): string | null {
    const key = this.opts.key;
    if (key) {
      if (rec.mac === undefined) {
        // Records written before the trail had a key may only come first, as many as allowed.
        if (this.seenMac) return 'missing mac';
        if (this.unkeyedPrefix >= (this.opts.allowUnkeyed ?? 0))
          return 'missing mac (a trail begun without a key: --allow-unkeyed)';
        this.unkeyedPrefix++;
      } else {
        if (!equalHex(recordMac(key, rec.hash), rec.mac)) return 'mac mismatch';
        this.seenMac = true;
        this.macChecked++;
      }
    }
    const anchored = this.expected.get(rec.seq);
    if (anchored) {
      if (anchored.some((h) => h !== rec.hash)) return 'does not match the anchor checkpoint';
      this.checkpoints += anchored.length;
    }
    return null;
  }

  /** Adds the keyed/anchored facts to a result whose chain verified up to `head`. */
  finish(result: VerifyResult, head: ChainHead): VerifyResult {
    const out: VerifyResult = { ...result };
    if (this.opts.key) {
      out.macChecked = this.macChecked;
      out.unkeyedPrefix = this.unkeyedPrefix;
    }
    if (this.opts.anchor) out.checkpoints = this.checkpoints;
    if (this.maxAnchored > head.seq) {
      out.ok = false;
      out.truncated = { anchorSeq: this.maxAnchored, trailSeq: head.seq };
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// File sink

const NEWLINE = 0x0a;
const READ_CHUNK = 64 * 1024;

/** Offset of the first byte of the line that ends just before `end` (exclusive). */
function lineStartBefore(fd: number, end: number): number {
  const buf = Buffer.alloc(READ_CHUNK);
  let pos = end;
  while (pos > 0) {
    const len = Math.min(READ_CHUNK, pos);
    const start = pos - len;
    const n = readSync(fd, buf, 0, len, start);
    for (let i = n - 1; i >= 0; i--) if (buf[i] === NEWLINE) return start + i + 1;
    pos = start;
  }
  return 0;
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

interface TailScan {
  head: ChainHead;
  headRecord: AuditRecord | null;
  torn: { offset: number; bytes: number } | null;
}

/** Finds the last whole record (and a torn tail after it, if any) by reading backwards. */
function scanTail(fd: number, size: number, path: string): TailScan {
  if (size === 0) return { head: { seq: 0, hash: GENESIS_HASH }, headRecord: null, torn: null };
  const lastByte = readRange(fd, size - 1, size)[0];
  let torn: { offset: number; bytes: number } | null = null;
  let wholeEnd = size;
  if (lastByte !== NEWLINE) {
    const start = lineStartBefore(fd, size);
    torn = { offset: start, bytes: size - start };
    wholeEnd = start;
  } else {
    const start = lineStartBefore(fd, size - 1);
    if (parseRecordLine(readRange(fd, start, size - 1).toString('utf8')) === null) {
      torn = { offset: start, bytes: size - start };
      wholeEnd = start;
    }
  }
  if (wholeEnd === 0) return { head: { seq: 0, hash: GENESIS_HASH }, headRecord: null, torn };
  const start = lineStartBefore(fd, wholeEnd - 1);
  const rec = parseRecordLine(readRange(fd, start, wholeEnd - 1).toString('utf8'));
  if (rec === null) {
    // A crash tears at most the last line; damage further back is not ours to repair.
    throw new Error(
      `The audit file ${path} is damaged before its last line; run \`portcullis-audit verify --file ${path}\`.`,
    );
  }
  return { head: { seq: rec.seq, hash: rec.hash }, headRecord: rec, torn };
}

/**
 * The record the trail itself writes about a fault it recovered from (`kind` recovery, by
 * `portcullis.audit`): a torn last line moved aside, appends that failed for a while.
 */
export function recoveryEvent(
  server: string,
  errorCode: string,
  args: Record<string, unknown>,
  refs: Record<string, string>,
): AuditEvent {
  return {
    kind: 'recovery',
    trace_id: randomUUID(),
    server,
    tool: 'portcullis.audit',
    principal: 'portcullis',
    on_behalf_of: null,
    tenant: null,
    arguments: args,
    decision: null,
    outcome: 'error',
    error_code: errorCode,
    result_hash: null,
    duration_ms: 0,
    refs,
  };
}

function fileTimestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/**
 * Opens an audit file (the trail, an anchor file) with `flags`, never through a symbolic link:
 * one planted at the path would send the writes to its target, or feed the reads from it. A file
 * O_CREAT makes is 0600. A link is a ConfigError naming the file (`what`) and the path.
 */
function openNoFollow(path: string, flags: number, what: string): number {
  try {
    return openSync(path, flags | fsConstants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw linkRefused(err, what, path);
  }
}

/** An open's error: ELOOP (O_NOFOLLOW met a link) as a ConfigError naming the file, else as is. */
function linkRefused(err: unknown, what: string, path: string): unknown {
  return (err as NodeJS.ErrnoException).code === 'ELOOP'
    ? new ConfigError(`${what} ${path} is a symbolic link; give the file's own path.`)
    : err;
}

class FileAuditSink implements AuditSink {
  readonly kind = 'file' as const;
  private readonly queue = new SerialQueue();
  private readonly ids = new IdGenerator();
  private closed = false;
  private broken: Error | null = null;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
    private head: ChainHead,
    private readonly logger: Logger,
    private readonly key: AuditKey | undefined,
  ) {}

  currentHead(): Promise<ChainHead> {
    return Promise.resolve({ ...this.head });
  }

  stopped(): Error | undefined {
    return this.broken ?? undefined;
  }

  static async open(path: string, opts: AuditSinkOptions): Promise<FileAuditSink> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // 'a+' so the tail can be read and repaired; every write still goes to the end (O_APPEND).
    const fd = openNoFollow(
      path,
      fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_CREAT,
      'The audit file',
    );
    try {
      const st = fstatSync(fd);
      // A file made before this server (by hand, by an older version) may be readable by others:
      // the records hold callers' arguments, so it is made owner-only, as a new one is.
      if ((st.mode & 0o077) !== 0) {
        try {
          fchmodSync(fd, 0o600);
        } catch {
          throw new ConfigError(
            `The audit file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}) and not this user's to change: make it 0600.`,
          );
        }
        opts.logger.warn(
          { path, mode: (st.mode & 0o777).toString(8) },
          'audit file was readable by others; made 0600',
        );
      }
      const size = st.size;
      const scan = scanTail(fd, size, path);
      if (scan.headRecord !== null && computeRecordHash(scan.headRecord) !== scan.headRecord.hash) {
        opts.logger.error(
          { path, seq: scan.head.seq },
          'the last audit record does not match its hash; continuing the chain, run portcullis-audit verify',
        );
      }
      const sink = new FileAuditSink(
        path,
        fd,
        scan.torn === null ? size : scan.torn.offset,
        scan.head,
        opts.logger,
        opts.key,
      );
      if (scan.torn !== null) await sink.recoverTornTail(scan.torn, size, opts.serverName);
      return sink;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** A crash mid-write left part of a record: move it aside, cut it off and put the incident on the chain. */
  private async recoverTornTail(
    torn: { offset: number; bytes: number },
    size: number,
    serverName: string,
  ): Promise<void> {
    const bytes = readRange(this.fd, torn.offset, size);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const base = `${this.path}.torn-${fileTimestamp()}`;
    let aside = base;
    for (let i = 1; i <= 100; i++) {
      try {
        await writeFile(aside, bytes, { flag: 'wx', mode: 0o600 });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i === 100) throw err;
        aside = `${base}-${i}`;
      }
    }
    const copy = await open(aside, 'r');
    try {
      await copy.sync();
    } finally {
      await copy.close();
    }
    this.logger.error(
      { path: this.path, offset: torn.offset, bytes: torn.bytes, movedTo: aside, sha256: digest },
      'audit file ended with an incomplete record (a crash mid-write); moved it aside and truncated to the last whole record',
    );
    ftruncateSync(this.fd, torn.offset);
    fsyncSync(this.fd);
    this.size = torn.offset;
    await this.append(
      recoveryEvent(
        serverName,
        'torn_tail_recovered',
        { path: this.path, offset: torn.offset, moved_to: aside },
        { torn_bytes: String(torn.bytes), torn_sha256: digest },
      ),
    );
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.queue.run(() => {
      if (this.closed) throw closedError();
      if (this.broken !== null)
        throw new Error('The audit file could not be repaired after a failed write.', { cause: this.broken });
      const rec = buildRecord(event, this.head, this.ids, this.key);
      const data = Buffer.from(`${JSON.stringify(rec)}\n`, 'utf8');
      let written: number;
      try {
        written = writeSync(this.fd, data);
      } catch (err) {
        this.rollBack(err);
        throw err;
      }
      if (written !== data.length) {
        const err = new Error(`short write to the audit file (${written} of ${data.length} bytes)`);
        this.rollBack(err);
        throw err;
      }
      this.size += data.length;
      this.head = { seq: rec.seq, hash: rec.hash };
      return rec;
    });
  }

  /** After a failed write the file must end at the last whole record, or no later record may follow. */
  private rollBack(cause: unknown): void {
    try {
      if (fstatSync(this.fd).size !== this.size) ftruncateSync(this.fd, this.size);
    } catch (err) {
      this.broken = err instanceof Error ? err : new Error(String(err));
      this.logger.error(
        { err, cause, path: this.path },
        'audit write failed and the file could not be truncated; refusing further appends',
      );
    }
  }

  flush(): Promise<void> {
    return this.queue.run(() => {
      if (!this.closed) fsyncSync(this.fd);
    });
  }

  close(): Promise<void> {
    return this.queue.run(() => {
      if (this.closed) return;
      this.closed = true;
      try {
        fsyncSync(this.fd);
      } finally {
        closeSync(this.fd);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// stderr sink

class StderrAuditSink implements AuditSink {
  readonly kind = 'stderr' as const;
  private readonly ids = new IdGenerator();
  private head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private closed = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly key: AuditKey | undefined,
  ) {}

  currentHead(): Promise<ChainHead> {
    return Promise.resolve({ ...this.head });
  }

  async append(event: AuditEvent): Promise<AuditRecord> {
    if (this.closed) throw closedError();
    // Synchronous from here on, so concurrent callers cannot interleave.
    const rec = buildRecord(event, this.head, this.ids, this.key);
    this.write(`${JSON.stringify(rec)}\n`);
    this.head = { seq: rec.seq, hash: rec.hash };
    return rec;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL sink (PGlite or a server)

// A fixed key shared by every replica, so they append to one chain.
const AUDIT_LOCK_KEY = '7301560273810440002';

const AUDIT_MIGRATIONS: Migration[] = [
  {
    id: '0001_audit_table',
    sql: `
CREATE TABLE portcullis_audit (
  seq bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  time timestamptz NOT NULL,
  record jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE FUNCTION portcullis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'portcullis_audit is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER portcullis_audit_no_update_delete
  BEFORE UPDATE OR DELETE ON portcullis_audit
  FOR EACH ROW EXECUTE FUNCTION portcullis_audit_append_only();
CREATE TRIGGER portcullis_audit_no_truncate
  BEFORE TRUNCATE ON portcullis_audit
  FOR EACH STATEMENT EXECUTE FUNCTION portcullis_audit_append_only();
`,
  },
];

class PostgresAuditSink implements AuditSink {
  readonly kind = 'postgres' as const;
  private readonly queue = new SerialQueue();
  private readonly ids = new IdGenerator();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly key: AuditKey | undefined,
  ) {}

  async currentHead(): Promise<ChainHead> {
    const last = await this.store.query<{ seq: string; hash: string }>(
      'SELECT a.seq::text AS seq, a.hash FROM portcullis_audit a ORDER BY a.seq DESC LIMIT 1',
    );
    const row = last.rows[0];
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    // The queue keeps one process to one pool connection; the advisory lock orders the replicas.
    return this.queue.run(async () => {
      if (this.closed) throw closedError();
      return this.store.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
        const last = await tx.query<{ seq: string; hash: string }>(
          // Qualified: a bare `seq` in ORDER BY would mean the text output column.
          'SELECT a.seq::text AS seq, a.hash FROM portcullis_audit a ORDER BY a.seq DESC LIMIT 1',
        );
        const row = last.rows[0];
        const head: ChainHead =
          row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
        const rec = buildRecord(event, head, this.ids, this.key);
        await tx.query(
          'INSERT INTO portcullis_audit (seq, id, time, record, prev_hash, hash) VALUES ($1::bigint, $2, $3::timestamptz, $4::text::jsonb, $5, $6)',
          [String(rec.seq), rec.id, rec.time, JSON.stringify(rec), rec.prev_hash, rec.hash],
        );
        return rec;
      });
    });
  }

  flush(): Promise<void> {
    return this.queue.run(() => undefined);
  }

  // The store belongs to the caller, who closes it.
  close(): Promise<void> {
    return this.queue.run(() => {
      this.closed = true;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Factory

interface HeadSink extends AuditSink {
  currentHead(): Promise<ChainHead>;
}

/**
 * Checkpoints the head of the sink it wraps to the anchor: at start, every
 * CHECKPOINT_INTERVAL_MS when the head moved, and at close.
 */
class AnchoredAuditSink implements AuditSink {
  private lastSeq = -1;
  private readonly timer: NodeJS.Timeout;
  private readonly queue = new SerialQueue();

  constructor(
    private readonly inner: HeadSink,
    private readonly anchor: AnchorSink,
    private readonly key: AuditKey,
    private readonly serverName: string,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => {
      void this.checkpoint('interval').catch((err: unknown) =>
        this.logger.error({ err }, 'could not write an audit checkpoint to the anchor'),
      );
    }, CHECKPOINT_INTERVAL_MS);
    this.timer.unref();
  }

  get kind(): AuditSink['kind'] {
    return this.inner.kind;
  }

  stopped(): Error | undefined {
    return this.inner.stopped?.();
  }

  /** Compares the trail with the anchor's last word, then anchors the head it starts from. */
  async start(): Promise<void> {
    const [head, last] = await Promise.all([this.inner.currentHead(), this.anchor.last()]);
    if (last !== null && (last.seq > head.seq || (last.seq === head.seq && last.hash !== head.hash))) {
      this.logger.error(
        { anchor_seq: last.seq, trail_seq: head.seq },
        'the audit trail ends before (or differs from) its last anchor checkpoint: records were removed or rewritten; run portcullis-audit verify',
      );
    }
    // Already anchored by the previous run's shutdown checkpoint: no need to say it twice.
    if (last !== null && last.seq === head.seq && last.hash === head.hash) this.lastSeq = head.seq;
    await this.checkpoint('start');
  }

  /** Writes a checkpoint of the current head unless it is already anchored. */
  checkpoint(reason: AuditCheckpoint['reason']): Promise<void> {
    return this.queue.run(async () => {
      const head = await this.inner.currentHead();
      if (head.seq === 0 || head.seq === this.lastSeq) return;
      await this.anchor.write(makeCheckpoint(this.key, this.serverName, head, reason));
      this.lastSeq = head.seq;
    });
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.inner.append(event);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.inner.flush();
      await this.checkpoint('shutdown');
    } finally {
      await this.inner.close();
    }
  }
}

async function openTrail(spec: string | undefined, opts: AuditSinkOptions, key: AuditKey): Promise<HeadSink> {
  const o = { ...opts, key };
  const s = spec?.trim();
  if (s === undefined || s === '') {
    return FileAuditSink.open(join(resolve(opts.dataDir), 'audit', `${opts.serverName}.audit.jsonl`), o);
  }
  if (s.startsWith('file:')) {
    const path = s.slice('file:'.length);
    if (path === '')
      throw new ConfigError(
        'PORTCULLIS_AUDIT=file: needs a path, for example file:/var/log/portcullis/audit.jsonl.',
      );
    return FileAuditSink.open(resolve(path), o);
  }
  if (s === 'stderr') {
    return new StderrAuditSink(opts.stderrWrite ?? ((line) => void process.stderr.write(line)), key);
  }
  if (s === 'postgres') {
    if (opts.store === undefined)
      throw new ConfigError(
        'PORTCULLIS_AUDIT=postgres needs a database store (set DATABASE_URL or PORTCULLIS_DATA_DIR).',
      );
    await migrate(opts.store, 'core-audit', AUDIT_MIGRATIONS);
    return new PostgresAuditSink(opts.store, key);
  }
  throw new ConfigError(
    `PORTCULLIS_AUDIT must be file:PATH, stderr or postgres (got ${JSON.stringify(s.slice(0, 40))}).`,
  );
}

async function openAnchor(spec: string, opts: AuditSinkOptions): Promise<AnchorSink> {
  const s = spec.trim();
  if (s.startsWith('file:') && s.length > 'file:'.length) return new FileAnchor(resolve(s.slice(5)));
  if (s === 'postgres') {
    if (opts.store === undefined)
      throw new ConfigError('PORTCULLIS_AUDIT_ANCHOR=postgres needs a database store (set DATABASE_URL).');
    await migrate(opts.store, 'core-audit-anchor', ANCHOR_MIGRATIONS);
    return new TableAnchor(opts.store);
  }
  throw new ConfigError(
    `PORTCULLIS_AUDIT_ANCHOR must be file:PATH or postgres (got ${JSON.stringify(s.slice(0, 40))}).`,
  );
}

/**
 * spec: undefined → `<dataDir>/audit/<serverName>.audit.jsonl`; `file:PATH`; `stderr`; `postgres`
 * (the table portcullis_audit in opts.store). Anything else is a ConfigError naming PORTCULLIS_AUDIT.
 * Records are MAC'd under the audit key (see resolveAuditKey); with opts.anchor the head is
 * checkpointed there.
 */
export async function createAuditSink(spec: string | undefined, opts: AuditSinkOptions): Promise<AuditSink> {
  const key = await resolveAuditKey(opts);
  const anchor = opts.anchor?.trim() ? await openAnchor(opts.anchor, opts) : undefined;
  if (anchor !== undefined && spec?.trim() === 'stderr')
    throw new ConfigError(
      'PORTCULLIS_AUDIT_ANCHOR needs a trail that can be verified later (file:PATH or postgres), not stderr.',
    );
  const trail = await openTrail(spec, opts, key);
  if (anchor === undefined) return trail;
  const sink = new AnchoredAuditSink(trail, anchor, key, opts.serverName, opts.logger);
  try {
    await sink.start();
  } catch (err) {
    await sink.close().catch(() => undefined);
    throw err;
  }
  return sink;
}

/** Writes a checkpoint of the sink's head to its anchor now (no-op without an anchor). */
export async function checkpointAudit(sink: AuditSink): Promise<void> {
  if (sink instanceof AnchoredAuditSink) await sink.checkpoint('interval');
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Streams the file line by line (bounded memory); a torn final line is reported apart from tampering. */
export async function verifyAuditFile(path: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const checker = new ChainChecker(opts);
  const fh = await open(path, 'r');
  try {
    if (checker.anchorProblem !== null)
      return {
        ok: false,
        records: 0,
        lastHash: GENESIS_HASH,
        firstBad: { index: -1, reason: checker.anchorProblem },
      };
    const size = (await fh.stat()).size;
    let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
    let records = 0;
    let lineNo = 0;
    let lineStart = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    // The last complete line is held back one step: if unparsable it is a torn tail, not tampering.
    let heldUnparsable: { line: number; offset: number; bytes: number } | null = null;

    const bad = (index: number, line: number, reason: string, id?: string): VerifyResult => ({
      ok: false,
      records,
      lastHash: head.hash,
      firstBad: id === undefined ? { index, line, reason } : { index, line, id, reason },
    });

    const buf = Buffer.alloc(READ_CHUNK);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(READ_CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      let from = 0;
      for (let i = 0; i < bytesRead; i++) {
        if (buf[i] !== NEWLINE) continue;
        const piece = buf.subarray(from, i);
        const text = Buffer.concat([...pending, piece], pendingLen + piece.length).toString('utf8');
        const lineBytes = pendingLen + piece.length + 1;
        pending = [];
        pendingLen = 0;
        from = i + 1;
        lineNo++;
        if (heldUnparsable !== null) return bad(heldUnparsable.line - 1, heldUnparsable.line, 'unparsable');
        const rec = parseRecordLine(text);
        if (rec === null) {
          heldUnparsable = { line: lineNo, offset: lineStart, bytes: lineBytes };
        } else {
          const reason = checkLink(rec, head) ?? checker.check(rec);
          if (reason !== null) return bad(lineNo - 1, lineNo, reason, rec.id);
          head = { seq: rec.seq, hash: rec.hash };
          records++;
        }
        lineStart += lineBytes;
      }
      if (from < bytesRead) {
        pending.push(Buffer.from(buf.subarray(from, bytesRead)));
        pendingLen += bytesRead - from;
      }
      pos += bytesRead;
    }
    if (pendingLen > 0) {
      if (heldUnparsable !== null) return bad(heldUnparsable.line - 1, heldUnparsable.line, 'unparsable');
      return checker.finish(
        { ok: false, records, lastHash: head.hash, tornTail: { offset: lineStart, bytes: pendingLen } },
        head,
      );
    }
    if (heldUnparsable !== null) {
      return checker.finish(
        {
          ok: false,
          records,
          lastHash: head.hash,
          tornTail: { offset: heldUnparsable.offset, bytes: heldUnparsable.bytes },
        },
        head,
      );
    }
    return checker.finish({ ok: true, records, lastHash: head.hash }, head);
  } finally {
    await fh.close();
  }
}

const VERIFY_PAGE = 1000;

/** Walks portcullis_audit in seq order, a page at a time, checking each row against its record. */
export async function verifyAuditTable(db: Queryable, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const checker = new ChainChecker(opts);
  if (checker.anchorProblem !== null)
    return {
      ok: false,
      records: 0,
      lastHash: GENESIS_HASH,
      firstBad: { index: -1, reason: checker.anchorProblem },
    };
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  let records = 0;
  let after = '0';
  // Bounded: every page either advances `after` or ends the loop.
  for (;;) {
    const page = await db.query<{
      seq: string;
      id: string;
      record: unknown;
      prev_hash: string;
      hash: string;
    }>(
      'SELECT a.seq::text AS seq, a.id, a.record, a.prev_hash, a.hash FROM portcullis_audit a WHERE a.seq > $1::bigint ORDER BY a.seq LIMIT $2',
      [after, VERIFY_PAGE],
    );
    for (const row of page.rows) {
      const index = records;
      const bad = (reason: string): VerifyResult => ({
        ok: false,
        records,
        lastHash: head.hash,
        firstBad: { index, id: row.id, reason },
      });
      const rec = row.record;
      if (!isRecordShape(rec)) return bad('unparsable');
      if (computeRecordHash(rec) !== rec.hash || rec.hash !== row.hash) return bad('hash mismatch');
      if (String(rec.seq) !== row.seq || rec.id !== row.id || rec.prev_hash !== row.prev_hash)
        return bad('column mismatch');
      const reason = checkLink(rec, head) ?? checker.check(rec);
      if (reason !== null) return bad(reason);
      head = { seq: rec.seq, hash: rec.hash };
      records++;
      after = row.seq;
    }
    if (page.rows.length < VERIFY_PAGE) break;
  }
  return checker.finish({ ok: true, records, lastHash: head.hash }, head);
}

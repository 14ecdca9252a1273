/**
 * The tamper-evident audit trail (docs/architecture.md section 3, item 9): one record per tool call, each
 * carrying the hash of the one before it, so editing, deleting or reordering any record breaks
 * the chain that `verifyAuditFile` / `verifyAuditTable` (and `portcullis-audit verify`) check.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { canonicalJson, sha256Hex } from './canonical.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
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
}

export interface AuditSink {
  readonly kind: 'file' | 'stderr' | 'postgres';
  /** Resolves once the record is durable in the sink (written to the file, committed to the table). */
  append(event: AuditEvent): Promise<AuditRecord>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AuditSinkOptions {
  dataDir: string;
  serverName: string;
  store?: Store;
  logger: Logger;
  stderrWrite?: (line: string) => void;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  lastHash: string;
  firstBad?: { index: number; line?: number; id?: string; reason: string };
  tornTail?: { offset: number; bytes: number };
}

export const GENESIS_HASH = '0'.repeat(64);

// ---------------------------------------------------------------------------------------------
// Hashing (the canonical form is the kit's one, shared with approvals, idempotency and cursors)

export { canonicalJson, sha256Hex };

/** sha256 of the canonical JSON of every field except `hash`. */
export function computeRecordHash(rec: Omit<AuditRecord, 'hash'>): string {
  const { hash: _ignored, ...rest } = rec as Omit<AuditRecord, 'hash'> & { hash?: unknown };
  return sha256Hex(canonicalJson(rest));
}

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
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a "__proto__" key from JSON must stay data, not become a prototype.
      Object.defineProperty(out, storable(k), {
        value: storableTree(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
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

function buildRecord(event: AuditEvent, head: ChainHead, ids: IdGenerator): AuditRecord {
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
  return { ...unsigned, hash: computeRecordHash(unsigned) };
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
    /^[0-9a-f]{64}$/.test(r.hash)
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

function fileTimestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
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
  ) {}

  static async open(path: string, opts: AuditSinkOptions): Promise<FileAuditSink> {
    await mkdir(dirname(path), { recursive: true });
    // 'a+' so the tail can be read and repaired; every write still goes to the end (O_APPEND).
    const fd = openSync(path, 'a+', 0o600);
    try {
      const size = fstatSync(fd).size;
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
    await this.append({
      kind: 'recovery',
      trace_id: randomUUID(),
      server: serverName,
      tool: 'portcullis.audit',
      principal: 'portcullis',
      on_behalf_of: null,
      tenant: null,
      arguments: { path: this.path, offset: torn.offset, moved_to: aside },
      decision: null,
      outcome: 'error',
      error_code: 'torn_tail_recovered',
      result_hash: null,
      duration_ms: 0,
      refs: { torn_bytes: String(torn.bytes), torn_sha256: digest },
    });
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.queue.run(() => {
      if (this.closed) throw closedError();
      if (this.broken !== null)
        throw new Error('The audit file could not be repaired after a failed write.', { cause: this.broken });
      const rec = buildRecord(event, this.head, this.ids);
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

  constructor(private readonly write: (line: string) => void) {}

  async append(event: AuditEvent): Promise<AuditRecord> {
    if (this.closed) throw closedError();
    // Synchronous from here on, so concurrent callers cannot interleave.
    const rec = buildRecord(event, this.head, this.ids);
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

  constructor(private readonly store: Store) {}

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
        const rec = buildRecord(event, head, this.ids);
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

/**
 * spec: undefined → `<dataDir>/audit/<serverName>.audit.jsonl`; `file:PATH`; `stderr`; `postgres`
 * (the table portcullis_audit in opts.store). Anything else is a ConfigError naming PORTCULLIS_AUDIT.
 */
export async function createAuditSink(spec: string | undefined, opts: AuditSinkOptions): Promise<AuditSink> {
  const s = spec?.trim();
  if (s === undefined || s === '') {
    return FileAuditSink.open(join(resolve(opts.dataDir), 'audit', `${opts.serverName}.audit.jsonl`), opts);
  }
  if (s.startsWith('file:')) {
    const path = s.slice('file:'.length);
    if (path === '')
      throw new ConfigError(
        'PORTCULLIS_AUDIT=file: needs a path, for example file:/var/log/portcullis/audit.jsonl.',
      );
    return FileAuditSink.open(resolve(path), opts);
  }
  if (s === 'stderr') {
    return new StderrAuditSink(opts.stderrWrite ?? ((line) => void process.stderr.write(line)));
  }
  if (s === 'postgres') {
    if (opts.store === undefined)
      throw new ConfigError(
        'PORTCULLIS_AUDIT=postgres needs a database store (set DATABASE_URL or PORTCULLIS_DATA_DIR).',
      );
    await migrate(opts.store, 'core-audit', AUDIT_MIGRATIONS);
    return new PostgresAuditSink(opts.store);
  }
  throw new ConfigError(
    `PORTCULLIS_AUDIT must be file:PATH, stderr or postgres (got ${JSON.stringify(s.slice(0, 40))}).`,
  );
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Streams the file line by line (bounded memory); a torn final line is reported apart from tampering. */
export async function verifyAuditFile(path: string): Promise<VerifyResult> {
  const fh = await open(path, 'r');
  try {
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
          const reason = checkLink(rec, head);
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
      return { ok: false, records, lastHash: head.hash, tornTail: { offset: lineStart, bytes: pendingLen } };
    }
    if (heldUnparsable !== null) {
      return {
        ok: false,
        records,
        lastHash: head.hash,
        tornTail: { offset: heldUnparsable.offset, bytes: heldUnparsable.bytes },
      };
    }
    return { ok: true, records, lastHash: head.hash };
  } finally {
    await fh.close();
  }
}

const VERIFY_PAGE = 1000;

/** Walks portcullis_audit in seq order, a page at a time, checking each row against its record. */
export async function verifyAuditTable(db: Queryable): Promise<VerifyResult> {
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
      const reason = checkLink(rec, head);
      if (reason !== null) return bad(reason);
      head = { seq: rec.seq, hash: rec.hash };
      records++;
      after = row.seq;
    }
    if (page.rows.length < VERIFY_PAGE) break;
  }
  return { ok: true, records, lastHash: head.hash };
}

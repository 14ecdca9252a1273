import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import chain from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';
import type { Queryable, Store } from '@portcullis/core/store';
import type { IncomingFinding } from '../domain.js';
import {
  emptyCounts,
  ingestChunk,
  INGEST_CHUNK,
  recordBatch,
  stageAssets,
  writeStagedAssets,
  type IngestCounts,
} from '../ingest.js';
import { jsonArrayItems } from './json-items.js';
import { fromAsff, fromOcsf, fromSarif, RecordError, sarifRun, type SarifRun } from './normalize.js';

/** What the import and sync commands say (exit code 0) when ImportResult.upkeepError is set. */
export const UPKEEP_WARNING =
  'warning: the findings are kept, but the upkeep after them (VACUUM/ANALYZE of the tables written) failed; the next import or sync runs it again';

/** The tables an import or sync writes. */
const INGEST_TABLES = ['posture_findings', 'posture_assets', 'posture_compliance', 'posture_history'];

export const FORMATS = ['ocsf', 'sarif', 'asff'] as const;
export type Format = (typeof FORMATS)[number];

/** Which format a file is in, from its first bytes (a SARIF log, OCSF findings or ASFF findings). */
export function sniffFormat(head: string): Format | null {
  if (
    /"\$schema"\s*:\s*"[^"]*sarif/i.test(head) ||
    (/"runs"\s*:/.test(head) && /"version"\s*:\s*"2\.1\.0"/.test(head))
  )
    return 'sarif';
  if (/"SchemaVersion"\s*:\s*"20\d\d-\d\d-\d\d"/.test(head)) return 'asff';
  if (/"class_uid"\s*:\s*200[34]\b/.test(head) || /"finding_info"\s*:/.test(head)) return 'ocsf';
  if (/"runs"\s*:/.test(head)) return 'sarif';
  return null;
}

/** Input that does not parse as JSON: it names how far the parser got. */
export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}

export interface ImportOptions {
  tenant: string;
  format: Format | 'auto';
  /** A name for the batch record and messages (the file path, or "-"). */
  sourceName: string;
  dryRun?: boolean;
  /** The cloud account code-scanner (SARIF) findings are filed under. */
  account?: string;
  now?: Date;
  /** Called after every chunk with the records read so far (for a progress bar). */
  onProgress?: (records: number) => void;
}

export interface ImportResult {
  format: Format;
  batch: string;
  records: number;
  counts: IngestCounts;
  dryRun: boolean;
  /**
   * Set when the upkeep after the commit (VACUUM and ANALYZE of the tables written) failed: the
   * findings are kept; the next import or sync runs the upkeep again.
   */
  upkeepError?: string;
}

class DryRunRollback extends Error {}

/**
 * Imports one file in one transaction: every record is parsed, checked and written as it streams
 * by (in chunks), and a malformed record anywhere rolls the whole file back. A dry run does all of
 * it and rolls back at the end, so its counts are exactly what a real import would report.
 */
export async function importFindings(
  store: Store,
  input: Readable,
  opts: ImportOptions,
): Promise<ImportResult> {
  const { format, stream } = await detect(input, opts.format);
  const res = await ingestRecords(store, records$(stream, format, opts), { ...opts, format });
  return { ...res, format };
}

export interface IngestOptions {
  tenant: string;
  /** The batch's format column: a file format, or `securityhub` for a sync. */
  format: string;
  sourceName: string;
  dryRun?: boolean;
  now?: Date;
  onProgress?: (records: number) => void;
}

/** The first key of the advisory lock an import of one tenant holds (the second: the tenant's hash). */
const IMPORT_LOCK_CLASS = 0x706f7374;

/**
 * Writes normalised findings into the store in one transaction, in chunks, with the batch record
 * and its counts: the one path the import and sync commands share. A malformed record (or a failed
 * upstream page) anywhere rolls everything back. A dry run does all of it and rolls back at the
 * end, so its counts are exactly what a real run would report.
 */
export async function ingestRecords(
  store: Store,
  source: AsyncIterable<IncomingFinding>,
  opts: IngestOptions,
): Promise<Omit<ImportResult, 'format'>> {
  const now = (opts.now ?? new Date()).toISOString();
  const prefix = opts.format === 'securityhub' ? 'sync' : 'imp';
  const batch = `${prefix}_${now.replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  const counts = emptyCounts();
  let records = 0;
  const run = async (tx: Queryable): Promise<void> => {
    // On a PostgreSQL server two imports or syncs of one tenant would each take a finding the
    // other is adding for new, and both write its compliance mappings (two marked per framework,
    // one set with the other's order): one at a time per tenant. (The embedded store has one
    // process.)
    if (store.kind !== 'pglite')
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IMPORT_LOCK_CLASS, opts.tenant]);
    const deferred = store.kind === 'pglite' ? await deferIndexes(tx) : [];
    await stageAssets(tx);
    let chunk: IncomingFinding[] = [];
    let chunks = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      await ingestChunk(tx, opts.tenant, batch, chunk, { now, stage: chunks++ }, counts);
      chunk = [];
      if (store.kind === 'pglite') await keepStatistics(tx, opts.tenant, counts.new);
      opts.onProgress?.(records);
    };
    for await (const rec of source) {
      chunk.push(rec);
      records++;
      if (chunk.length >= INGEST_CHUNK) await flush();
    }
    await flush();
    await writeStagedAssets(tx, opts.tenant);
    if (records === 0 && opts.format !== 'securityhub')
      throw new FileError(`no ${opts.format.toUpperCase()} findings found in ${opts.sourceName}`);
    await recordBatch(
      tx,
      opts.tenant,
      {
        id: batch,
        format: opts.format,
        source_name: opts.sourceName.slice(0, 500),
        started_at: now,
        finished_at: new Date().toISOString(),
      },
      counts,
    );
    if (opts.dryRun) throw new DryRunRollback();
    for (const create of deferred) await tx.query(create);
  };
  try {
    await store.transaction(run);
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  if (opts.dryRun || records === 0) return { batch, records, counts, dryRun: opts.dryRun === true };
  // The embedded store has no autovacuum. Fresh planner statistics for what just changed (a planner
  // that still believes the tables hold a demo's worth of rows picks scans that do not scale), and
  // there a VACUUM too: a re-import rewrites every finding and asset it sees again (last_seen,
  // import_batch), and without one each import of 100,000 findings left ~70 MB of dead rows behind
  // that every later summary read past (docs/architecture.md). A
  // PostgreSQL server (DATABASE_URL) vacuums by itself. The findings are committed by now: a failure
  // here (a full disk, say) is reported beside the result, never as a failed import.
  try {
    await store.exec(
      `${store.kind === 'pglite' ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${INGEST_TABLES.join(', ')}`,
    );
  } catch (err) {
    const upkeepError = err instanceof Error ? err.message.slice(0, 200) : 'error';
    return { batch, records, counts, dryRun: false, upkeepError };
  }
  return { batch, records, counts, dryRun: false };
}

/**
 * On the embedded store, drops the indexes (neither unique nor owned by a constraint: today all but
 * the primary keys) of each table the import writes that holds no row at all, and returns the
 * statements that build them again, which the import runs after its last row and before it commits.
 * PostgreSQL builds an index over rows already written by sorting them, far faster than it
 * maintains it one row at a time: of a first import of 100,000 findings (35-39 s in process),
 * maintaining the seven indexes the findings had besides the primary key before 0007 added the
 * source's (the trigram index among them) took 15-16 s, and building them after the rows 6-8 s. The
 * primary keys stay, for the import's own lookups and upserts. DDL is transactional: an import that
 * fails or is killed before its commit, and a dry run, leave the indexes as they were. The embedded
 * store is one process's alone, so no reader waits on the dropped indexes; a PostgreSQL server's
 * readers would (DROP INDEX locks the table until the commit), and there nothing changes.
 */
async function deferIndexes(tx: Queryable): Promise<string[]> {
  const empty: string[] = [];
  for (const table of INGEST_TABLES) {
    const r = await tx.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`);
    if (r.rows[0]?.empty === true) empty.push(table);
  }
  if (empty.length === 0) return [];
  const indexes = await tx.query<{ drop: string; create: string }>(
    `SELECT format('DROP INDEX %I.%I', n.nspname, c.relname) AS drop, pg_get_indexdef(i.indexrelid) AS create
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = ANY ($1::regclass[])
        AND NOT i.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [empty],
  );
  for (const { drop } of indexes.rows) await tx.query(drop);
  return indexes.rows.map((r) => r.create);
}

/** Findings an import adds before it may refresh the statistics of `posture_findings` itself. */
export const INGEST_ANALYZE_MIN = 2000;

/**
 * Keeps the planner's idea of how many findings the tenant holds within a factor of two of what
 * the import has written, on the embedded store. Each chunk looks its ids up in `posture_findings`
 * (tenant and id), planned from statistics that the store's upkeep refreshes only between
 * transactions, and an import is one. Where they put few findings in the tenant, the store's
 * prepared lookup got PostgreSQL's generic plan: a walk over the tenant's findings testing each
 * against the chunk's 1,000 ids one by one, so each chunk read every finding the chunks before it
 * wrote: 100,000 findings took 244 s (205 in the lookups) into a store analyzed when it held one
 * finding, and 57 s (14 in the lookups) for a second tenant of a store that held 100,000 of
 * another's. After each chunk the import asks the planner how many findings it expects of the
 * tenant (EXPLAIN, ~1 ms) and, when the findings it has added are more than twice that, runs
 * `ANALYZE` inside the transaction (it counts the rows the transaction wrote; its column statistics
 * roll back with a dry run, the table's row count stays) on the two columns the lookup compares:
 * ~20-40 ms at 20,000 findings, where every column and the text index's expression took 300-700
 * ms. The import's upkeep after the commit analyzes them all. Not on a PostgreSQL server:
 * node-postgres sends each statement unnamed, planned with the ids as a constant list PostgreSQL
 * hashes, and an `ANALYZE` in a transaction would hold its lock on the table until the import
 * commits: writes go on, but a concurrent import's own `ANALYZE` and any `VACUUM`, autovacuum's
 * included, would wait for it.
 */
async function keepStatistics(tx: Queryable, tenant: string, added: number): Promise<void> {
  if (added < INGEST_ANALYZE_MIN) return;
  const r = await tx.query<{ 'QUERY PLAN': unknown }>(
    'EXPLAIN (FORMAT JSON) SELECT 1 FROM posture_findings WHERE tenant = $1',
    [tenant],
  );
  if (added > 2 * plannedRows(r.rows[0]?.['QUERY PLAN']))
    await tx.query('ANALYZE posture_findings (tenant, id)');
}

/** The top node's row estimate from `EXPLAIN (FORMAT JSON)` (json, or its text); 0 if absent. */
function plannedRows(plan: unknown): number {
  const doc: unknown = typeof plan === 'string' ? JSON.parse(plan) : plan;
  const rows: unknown = Array.isArray(doc)
    ? (doc[0] as { Plan?: { 'Plan Rows'?: unknown } })?.Plan?.['Plan Rows']
    : undefined;
  return typeof rows === 'number' && Number.isFinite(rows) ? rows : 0;
}

/** The format (sniffed from the first bytes when `auto`) and the input with those bytes put back. */
async function detect(input: Readable, want: Format | 'auto'): Promise<{ format: Format; stream: Readable }> {
  if (want !== 'auto') return { format: want, stream: input };
  const chunks: Buffer[] = [];
  let size = 0;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  while (size < 65_536) {
    const next = await it.next();
    if (next.done) break;
    const b = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(b);
    size += b.length;
  }
  const head = Buffer.concat(chunks).toString('utf8');
  const format = sniffFormat(head);
  if (format === null)
    throw new FileError(
      'could not tell the format from the start of the file; pass --format ocsf, sarif or asff',
    );
  async function* rest(): AsyncGenerator<Buffer | string> {
    for (const c of chunks) yield c;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { format, stream: Readable.from(rest(), { objectMode: false }) };
}

/** The file's findings one at a time, normalised; a record that does not fit throws RecordError. */
async function* records$(
  input: Readable,
  format: Format,
  opts: ImportOptions,
): AsyncGenerator<IncomingFinding> {
  // OCSF and ASFF: a top-level array of findings, or {"Findings": [...]} (GetFindings' shape), cut
  // into records by a bracket scan and parsed one at a time (json-items.ts).
  // SARIF: each run's tool (its rules) and each of its results, as they stream by (stream-json).
  const pipeline =
    format === 'sarif'
      ? chain([input, parser(), pick({ filter: /^runs\.\d+\.(?:tool|results\.\d+)$/ }), streamValues()])
      : null;
  const values: AsyncIterable<unknown> =
    pipeline === null
      ? jsonArrayItems(input, ['Findings', 'findings'])
      : (async function* () {
          for await (const item of pipeline as AsyncIterable<{ value: unknown }>) yield item.value;
        })();
  let index = 0;
  let run: SarifRun = sarifRun(null);
  try {
    for await (const value of values) {
      if (format === 'sarif') {
        if (value !== null && typeof value === 'object' && 'driver' in value) {
          run = sarifRun(value);
          continue;
        }
        yield fromSarif(value, index++, run, { account: opts.account ?? '' });
      } else if (format === 'asff') yield fromAsff(value, index++);
      else yield fromOcsf(value, index++);
    }
  } catch (err) {
    if (pipeline === null) input.destroy();
    else pipeline.destroy();
    if (err instanceof RecordError) throw err;
    if (err instanceof Error && /Parser|JSON|token|Unexpected/i.test(`${err.name} ${err.message}`))
      throw new FileError(
        `${opts.sourceName} is not valid JSON after record ${index}: ${err.message.slice(0, 200)}`,
      );
    throw err;
  }
}

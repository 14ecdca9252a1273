/**
 * The state store (docs/architecture.md section 5): one SQL dialect, two drivers. PGlite (embedded, the
 * default, zero infrastructure) or a PostgreSQL server when DATABASE_URL is set. Both take `$1`
 * parameters, both return int8 as a string (pg's convention) and the same migrations serve both.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
// Type-only: PGlite (a WebAssembly PostgreSQL) is loaded when the store opens, after start-up answers.
import type { Extension, Extensions, PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
// Type-only: pg is loaded only when DATABASE_URL is set.
import type { Pool, PoolClient } from 'pg';
import { ConfigError, PortcullisError } from './errors.js';
import type { Logger } from './log.js';
import {
  compiledPgliteWasm,
  durablePgliteFs,
  type DurablePgliteFs,
  hasCluster,
  pgliteExtension,
  pgliteStartParams,
  pgliteTemplateArchive,
  preparePgliteData,
  type PreparedStore,
} from './pglite-setup.js';
import { PreparedStatements } from './pglite-statements.js';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

/** What a transaction callback gets: queries plus multi-statement SQL (migrations need it inside the transaction). */
export interface StoreTransaction extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Multi-statement SQL without parameters. */
  exec(sql: string): Promise<void>;
  /**
   * BEGIN/COMMIT, ROLLBACK when `fn` throws. Inside `fn` use only `tx`: on PGlite the store itself
   * waits for the transaction to finish, so calling it from inside would never return.
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** A round trip to the database, for /readyz. */
  ping(): Promise<void>;
  /**
   * Why the store will refuse every statement until the process restarts, or undefined: the
   * embedded database stops after a failed flush or another PANIC (a full disk failing a WAL
   * write), and only a restart's recovery brings it back (for /healthz, so a liveness probe
   * restarts the process). A server's pool reconnects by itself.
   */
  stopped(): Error | undefined;
  close(): Promise<void>;
}

export interface Migration {
  id: string;
  sql: string;
}

/**
 * A PostgreSQL extension a system's migrations create (`ServerDefinition.storeExtensions`). The
 * embedded store loads only those it is opened with: each open puts the extension's files in
 * PGlite's file system, and PostgreSQL links its library when a statement first needs it
 * (`pgliteExtension`), so a system that creates none pays nothing for them. A PostgreSQL server
 * (DATABASE_URL) has its own: there the extension must be installed.
 */
export type StoreExtension = 'pg_trgm';

const PGLITE_EXTENSIONS = {
  // Trigram indexes for word searches (PostgreSQL's contrib module, a 16 kB bundle).
  pg_trgm: () => pgliteExtension('pg_trgm'),
} satisfies Record<StoreExtension, () => Extension>;

/**
 * Every extension the embedded store can load: for a command that opens a data directory whose
 * systems it does not know (a broker's holds every local system's tables and indexes).
 */
export const STORE_EXTENSIONS = Object.keys(PGLITE_EXTENSIONS) as readonly StoreExtension[];

export interface OpenStoreOptions {
  dataDir?: string;
  databaseUrl?: string;
  logger?: Logger;
  poolSize?: number;
  /** The extensions the embedded store loads (none by default); see StoreExtension. */
  extensions?: readonly StoreExtension[];
  /** A server's prepared store, for a new embedded store's first files (see PreparedStore). */
  prepared?: PreparedStore;
}

// Constants rather than hashes of names: a lock key must never change between releases.
const MIGRATION_LOCK_KEY = '7301560273810440001';

// ---------------------------------------------------------------------------------------------
// The data directory: owner-only, and held by one process at a time

/**
 * Creates the data directory owner-only (0700), tightens an existing one this user owns, and
 * refuses (ConfigError, one line with the path and the fix) one that is a symbolic link, one
 * another user owns or one that other users can write: they could read the embedded database and
 * keys, swap it, or plant files the server would trust. The owner is checked against the
 * effective uid (not on Windows, which has none); root is held to the same rule.
 * A group-writable directory of ours is accepted when the group is this process's own or root's.
 * The one directory of another owner accepted is the arbitrary-UID convention's (OpenShift runs
 * the image as a random UID in group 0; its /var/lib/portcullis is 1000:0 0770): group root, this
 * process in group root, and nothing for others.
 */
export function prepareDataDir(dir: string, logger?: Logger): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // A link to nowhere fails the mkdir: said as the link it is, below.
    if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink() !== true) throw err;
  }
  // lstat: a link (planted, or made by hand) would put the data wherever it points.
  const st = lstatSync(dir);
  if (st.isSymbolicLink())
    throw new ConfigError(
      `PORTCULLIS_DATA_DIR ${dir} is a symbolic link; point PORTCULLIS_DATA_DIR at the directory itself.`,
    );
  if (!st.isDirectory()) throw new ConfigError(`PORTCULLIS_DATA_DIR ${dir} is not a directory.`);
  const euid = process.geteuid?.();
  const mode = st.mode & 0o777;
  const inRootGroup = process.getegid?.() === 0 || (process.getgroups?.() ?? []).includes(0);
  const arbitraryUid = st.gid === 0 && inRootGroup && (mode & 0o007) === 0;
  if (euid !== undefined && st.uid !== euid && !arbitraryUid)
    throw new ConfigError(
      `PORTCULLIS_DATA_DIR ${dir} is owned by uid ${st.uid}; it must be owned by the user running the server (uid ${euid}): run as its owner, point PORTCULLIS_DATA_DIR at a new directory (the server creates it), or, if it is this server's, \`chown\` it.`,
    );
  const ownGroups = new Set([process.getgid?.(), ...(process.getgroups?.() ?? []), 0]);
  const otherWritable = (mode & 0o002) !== 0 || ((mode & 0o020) !== 0 && !ownGroups.has(st.gid));
  if (otherWritable)
    throw new ConfigError(
      `PORTCULLIS_DATA_DIR ${dir} can be written by other users (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 700 ${dir}\` or point PORTCULLIS_DATA_DIR at a directory only this user can write.`,
    );
  if ((mode & 0o077) !== 0 && euid !== undefined && st.uid === euid) {
    chmodSync(dir, 0o700);
    logger?.info({ path: dir, was: mode.toString(8) }, 'data directory tightened to 0700 (owner only)');
  }
}

/**
 * Removes group and other permissions from everything under `dir` (its files hold the data). A
 * symbolic link is left as it is and not followed: chmod would change its target, wherever it is.
 * One walk with the entries' types and lstat (~1,060 entries: ~21 ms, against ~33 ms with a
 * recursive listing and a stat of each path).
 */
function ownerOnlyTree(dir: string): void {
  const tighten = (p: string) => {
    const mode = lstatSync(p).mode & 0o7777;
    if ((mode & 0o077) !== 0) chmodSync(p, mode & ~0o077);
  };
  const walk = (d: string) => {
    tighten(d);
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else tighten(p);
    }
  };
  walk(dir);
}

const LOCK_FILE = 'portcullis.lock';
// The holder touches its lock this often; a lock untouched for LOCK_STALE_MS is a dead holder's.
const LOCK_HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
// Directories held by this process: a second open in the same process is refused like any other.
const heldHere = new Set<string>();

interface LockInfo {
  pid: number;
  host: string;
}

function readLock(path: string): { info: LockInfo | null; mtimeMs: number } | null {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    try {
      const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
      return {
        info: typeof v.pid === 'number' && typeof v.host === 'string' ? { pid: v.pid, host: v.host } : null,
        mtimeMs,
      };
    } catch {
      return { info: null, mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the process named by this lock still holding it? */
function lockHeld(lock: { info: LockInfo | null; mtimeMs: number }): boolean {
  if (Date.now() - lock.mtimeMs > LOCK_STALE_MS) return false;
  // A half-written lock (a crash while creating it) counts as held until it goes stale.
  if (lock.info === null) return true;
  if (lock.info.host !== hostname()) return true;
  // Our own pid in a lock we do not hold: a previous container's pid 1, long gone.
  return lock.info.pid !== process.pid && pidAlive(lock.info.pid);
}

/**
 * Takes the embedded data directory for this process (PGlite cannot share its files): a lock file
 * naming the pid and host, refreshed every few seconds. A lock whose process is gone (same host,
 * dead pid) or that nobody refreshed for LOCK_STALE_MS is taken over. Returns the release.
 */
export function lockDataDir(dir: string): () => void {
  const real = realpathSync(dir);
  const path = join(real, LOCK_FILE);
  const refuse = (info: LockInfo | null): never => {
    const who =
      info === null
        ? 'another process'
        : `another process (pid ${info.pid}${info.host === hostname() ? '' : ` on ${info.host}`})`;
    throw new ConfigError(
      `PORTCULLIS_DATA_DIR ${dir} is in use by ${who}; stop it, or give this server its own PORTCULLIS_DATA_DIR (or a DATABASE_URL).`,
    );
  };
  if (heldHere.has(real)) refuse({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const lock = readLock(path);
      if (lock === null) continue; // released between our two looks: try again
      if (lockHeld(lock)) refuse(lock.info);
      try {
        unlinkSync(path);
      } catch (unlinkErr) {
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkErr;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    } finally {
      closeSync(fd);
    }
    heldHere.add(real);
    const beat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Removed under us: the next holder's check will see no lock; nothing to do here.
      }
    }, LOCK_HEARTBEAT_MS);
    beat.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      heldHere.delete(real);
      try {
        const lock = readLock(path);
        if (lock?.info?.pid === process.pid && lock.info.host === hostname()) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
  }
  // Three rounds of someone else taking it between our looks: report whoever holds it now.
  return refuse(readLock(path)?.info ?? null);
}

/** Where in the data directory the embedded store's database lives. */
const pgdataIn = (dataDir: string): string => join(dataDir, 'pgdata');

/** Whether the data directory already holds the embedded store's database (a start that is not the first). */
export function embeddedStoreIn(dataDir: string): boolean {
  return hasCluster(pgdataIn(dataDir));
}

/**
 * A first start's store unpacked from a server's prepared store ahead of the open, under the data
 * directory's lock as openStore takes it (the runtime does this before it decides on a first start
 * apart). True when the store now holds the prepared data; false when its stamp does not match or
 * the archive could not be unpacked (the directory then holds the PGlite template's cluster, for
 * the start to fill).
 */
export async function unpackPreparedStore(
  dataDir: string,
  prepared: PreparedStore,
  logger?: Logger,
): Promise<boolean> {
  prepareDataDir(dataDir, logger);
  const release = lockDataDir(dataDir);
  try {
    return (await preparePgliteData(pgdataIn(dataDir), logger, prepared)) === 'prepared';
  } finally {
    release();
  }
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl !== undefined && opts.databaseUrl !== '') return openPostgres(opts.databaseUrl, opts);
  return openPGlite(opts);
}

async function openPGlite(opts: OpenStoreOptions): Promise<Store> {
  const wanted = [...new Set(opts.extensions ?? [])];
  for (const name of wanted)
    if (!Object.hasOwn(PGLITE_EXTENSIONS, name))
      throw new ConfigError(
        `The embedded store has no extension ${String(name)} (it has ${Object.keys(PGLITE_EXTENSIONS).join(', ')}).`,
      );
  const [pglite, pgliteWasmModule] = await Promise.all([
    import('@electric-sql/pglite'),
    // Already compiling when the host warmed the store (Host.warmStore).
    compiledPgliteWasm(),
  ]);
  const extensions: Extensions = Object.fromEntries(wanted.map((name) => [name, PGLITE_EXTENSIONS[name]()]));
  const { PGlite, types: pgliteTypes } = pglite;
  // int8 as text, as pg does; otherwise PGlite answers number or bigint depending on magnitude.
  const parsers = { [pgliteTypes.INT8]: (v: string) => v };
  let dir: string | undefined;
  let release = (): void => undefined;
  if (opts.dataDir !== undefined) {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    release = lockDataDir(opts.dataDir);
    dir = pgdataIn(opts.dataDir);
  }
  let db: PGlite;
  let fs: DurablePgliteFs | undefined;
  // From here every failure releases the lock: a later open in this process may take it again.
  try {
    if (dir !== undefined) await mkdir(dir, { recursive: true, mode: 0o700 });
    // A new directory is unpacked from the build's template (or made by initdb in a child process),
    // so PGlite only ever opens an existing cluster here: initdb's ~800 MB never enters this process.
    // An in-memory store loads the same template instead of running initdb.
    if (dir !== undefined) await preparePgliteData(dir, opts.logger, opts.prepared);
    const loadDataDir = dir === undefined ? pgliteTemplateArchive() : undefined;
    fs = dir !== undefined ? await durablePgliteFs(dir) : undefined;
    db = await PGlite.create({
      ...(fs !== undefined ? { fs } : {}),
      parsers,
      extensions,
      startParams: pgliteStartParams(PGlite.defaultStartParams),
      ...(loadDataDir ? { loadDataDir } : {}),
      ...(pgliteWasmModule ? { pgliteWasmModule } : {}),
    });
    // PGlite's file system applies its own umask (022), not the process's: initdb's image and the
    // files PostgreSQL writes at start (pg_internal.init) come out 0644/0666, so every open ends by
    // tightening the tree (~1,060 entries, ~20 ms).
    if (dir !== undefined) ownerOnlyTree(dir);
  } catch (err) {
    release();
    throw new PortcullisError({
      code: 'store_unavailable',
      category: 'internal',
      message: `Could not open the embedded database${dir === undefined ? '' : ` in ${dir}`} (PORTCULLIS_DATA_DIR).`,
      retryable: false,
      cause: err,
    });
  }
  return new PGliteStore(db, new PreparedStatements(db, pglite), opts.logger, release, () => fs?.stopped);
}

interface PGliteRunner {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount?: number; affectedRows?: number }>;
  exec(sql: string): Promise<Array<{ affectedRows?: number }>>;
}

/** `changed` hears how many rows each statement inserted, updated or deleted. */
function pgliteQueryable(db: PGliteRunner, changed: (rows: number) => void): StoreTransaction {
  return {
    async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const res = await db.query<T>(sql, params);
      if (res.affectedRows) changed(res.affectedRows);
      return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
    },
    async exec(sql: string): Promise<void> {
      const results = await db.exec(sql);
      // PGlite's counts are running totals over the statements: the last is the whole.
      changed(results[results.length - 1]?.affectedRows ?? 0);
    },
  };
}

/**
 * Planner statistics and dead rows. A PostgreSQL server's autovacuum analyzes a table once enough
 * of it has changed, and vacuums it once enough of its rows are dead (updated or deleted); PGlite
 * runs no background workers, so a table filled in the embedded store was never analyzed and the
 * planner guessed (the CRM's demo tables, 1,000+ rows each, were read through the wrong indexes,
 * and planning crm_get_account's read took longer than running it), and a table's dead rows were
 * never reclaimed: it grew with every update, and every scan read past them. The store keeps
 * autovacuum's rules itself: it counts the rows its statements change and, past ANALYZE_CHECK_ROWS
 * (and once, ANALYZE_CHECK_INTERVAL_MS after opening, for what an earlier process left: a start's
 * first statements run before it, not behind its ~40 ms), checks after the caller's statement which
 * tables have changed by more than 50 rows + 10% since their last ANALYZE, hold more than 50 + 20%
 * dead rows, or had more than 1,000 + 20% rows inserted since their last VACUUM (PostgreSQL 18's
 * defaults, PGlite's version: the insert part scaled by the share of pages not yet frozen, the dead
 * part capped at 100 million), and runs, one table per statement in name order, VACUUM (ANALYZE) on
 * a table due by either of the last two rules and ANALYZE on the others, yielding the event loop
 * between tables, at most once per ANALYZE_CHECK_INTERVAL_MS. The insert rule is autovacuum's for
 * tables only ever added to: their vacuum marks the pages whose rows every transaction sees, so an
 * index can answer a count or a page without reading the table (the CRM's searches at 100,000 rows:
 * 0.7-1.6x their time at 1,000 with it, 1.1-3.8x without). A VACUUM holds the one connection, and
 * PGlite runs it in this thread, for as long as it takes: tens of milliseconds for the demo tables,
 * ~0.2 s for 50,000 rows with 15,000 dead and a trigram index. PostgreSQL's counts live in this
 * process only: rows a process left dead before it stopped are not counted by the next (the posture
 * import vacuums what it wrote).
 */
const ANALYZE_CHECK_ROWS = 50;
const ANALYZE_CHECK_INTERVAL_MS = 1_000;
// Also a table never analyzed that holds data: after an unclean stop PostgreSQL starts its change
// counts from zero, so a table filled before one would otherwise never come due.
const STALE_TABLES_SQL = `SELECT name, vacuum FROM (
  SELECT format('%I.%I', s.schemaname, s.relname) AS name,
         s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
           OR (c.reltuples < 0 AND pg_relation_size(c.oid) > 0) AS stale,
         s.n_dead_tup > least(50 + 0.2 * greatest(c.reltuples, 0), 100000000)
           OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)
              * CASE WHEN c.relpages > 0 THEN 1 - least(c.relallfrozen::float8 / c.relpages, 1) ELSE 1 END
           AS vacuum
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid) t
 WHERE stale OR vacuum
 ORDER BY 1`;

export class PGliteStore implements Store {
  readonly kind = 'pglite' as const;
  private readonly q: StoreTransaction;
  private closed = false;
  /** Rows changed since the last statistics check. */
  private changed = 0;
  /** The first check comes an interval after opening (the constructor schedules it). */
  private lastCheck = Date.now();
  private checkTimer: NodeJS.Timeout | undefined;
  private checking: Promise<string[]> | undefined;
  private checkpointFailed = false;
  private failureLogged = false;
  private readonly noteChanged = (rows: number): void => {
    this.changed += rows;
    if (this.changed >= ANALYZE_CHECK_ROWS) this.scheduleStatistics();
  };

  constructor(
    private readonly db: PGlite,
    private readonly statements: PreparedStatements,
    private readonly logger: Logger | undefined,
    private readonly releaseDataDir: () => void,
    /** What stopped the embedded database (DurablePgliteFs.stopped: a failed flush, any PANIC). */
    private readonly failure: () => Error | undefined = () => undefined,
  ) {
    // After a failed flush or another PANIC (a full disk failing a WAL write) PostgreSQL has stopped
    // mid-statement, and entering it again never returns (it spins at 100% CPU in this thread: the
    // Sync PGlite sends after a failed `exec` or COMMIT, the next statement). Every later protocol
    // message goes through PGlite's execProtocolRawSync, which refuses once PostgreSQL has stopped:
    // the caller gets store_unavailable instead. (The message that stopped it is PGlite's to finish.)
    const enter = db.execProtocolRawSync.bind(db);
    db.execProtocolRawSync = (message: Uint8Array) => {
      // 'X' (Terminate, sent by close) never enters PostgreSQL.
      if (message[0] !== 0x58) this.checkRunning();
      return enter(message);
    };
    // query() holds both of PGlite's locks, as PGlite's own query() does: one statement at a time,
    // never inside another caller's transaction. Readiness is checked again under the locks: a
    // close() that took them first has begun tearing the database down.
    const runner: PGliteRunner = {
      query: async <T>(sql: string, params?: unknown[]) => {
        this.checkRunning();
        await db._checkReady();
        return db._runExclusiveTransaction(() =>
          db._runExclusiveQuery(async () => {
            await db._checkReady(); // a stop meanwhile is refused where the statement enters PGlite
            return statements.run<T>(sql, params ?? [], false);
          }),
        );
      },
      exec: async (sql) => {
        this.checkRunning();
        return db.exec(sql).finally(() => statements.invalidate());
      },
    };
    this.q = pgliteQueryable(runner, this.noteChanged);
    this.scheduleStatistics();
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  stopped(): Error | undefined {
    return this.failure();
  }

  /**
   * After a failed flush PostgreSQL has stopped (it PANICs rather than trust a later flush), as after
   * any PANIC (a full disk failing a WAL write), and a statement handed to it would never be
   * answered: every statement is refused until a restart, whose recovery replays the WAL on disk.
   */
  private checkRunning(): void {
    const failure = this.failure();
    if (failure === undefined) return;
    if (!this.failureLogged) {
      this.failureLogged = true;
      this.logger?.error(
        { store: 'pglite', err: failure.message },
        'the embedded database has stopped after an unrecoverable error (a PANIC, such as a failed write or flush to disk); restart the server',
      );
    }
    throw new PortcullisError({
      code: 'store_unavailable',
      category: 'internal',
      message: 'The embedded database could not write to disk and has stopped; the server must be restarted.',
      retryable: false,
      cause: failure,
    });
  }

  // PGlite is one connection: its own transaction() holds a mutex, so concurrent callers queue.
  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.checkRunning();
    return this.db.transaction(async (tx: PGliteTransaction) => {
      // Inside the transaction only the query lock is taken (the transaction holds the other).
      let open = true;
      const runner: PGliteRunner = {
        query: <R>(sql: string, params?: unknown[]) => {
          if (!open) throw new Error('The store transaction has already ended.');
          this.checkRunning();
          return this.db._runExclusiveQuery(() => this.statements.run<R>(sql, params ?? [], true));
        },
        exec: (sql) => {
          this.checkRunning();
          return tx.exec(sql).finally(() => this.statements.invalidate());
        },
      };
      try {
        return await fn(pgliteQueryable(runner, this.noteChanged));
      } finally {
        open = false;
      }
    });
  }

  async ping(): Promise<void> {
    this.checkRunning();
    await this.db.query('SELECT 1');
  }

  /**
   * Analyzes the tables autovacuum's rules say are due, vacuuming those with dead rows to reclaim
   * or many new ones, and takes a checkpoint past max_wal_size (see ANALYZE_CHECK_ROWS); names the
   * tables. The store runs it by itself; callers that just loaded data and query it next may await it.
   */
  refreshStatistics(): Promise<string[]> {
    // A check already running may have read the counts before the caller's writes: run another after it.
    if (this.checking) return this.checking.then(() => this.refreshStatistics());
    // WAL grows only with writes: a check without writes since the last (the one after opening,
    // on a start that wrote nothing) skips the checkpoint's query.
    const wrote = this.changed > 0;
    this.changed = 0;
    this.lastCheck = Date.now();
    const run = (async () => {
      this.checkRunning();
      // This connection's change counts reach pg_stat_user_tables when it next goes idle, at most
      // once a second unless forced: the check must see the changes that triggered it.
      await this.db.query('SELECT pg_stat_force_next_flush()');
      const due = (await this.db.query<{ name: string; vacuum: boolean }>(STALE_TABLES_SQL)).rows;
      const analyzed: string[] = [];
      for (const { name: table, vacuum } of due) {
        // One table per statement, each on a later turn of the event loop: PGlite runs a statement
        // in this thread, so requests are read between the tables, not after all of them.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed || this.failure() !== undefined) break;
        try {
          await this.db.exec(`${vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${table}`);
          if (vacuum) this.logger?.debug({ store: 'pglite', table }, 'table vacuumed');
          analyzed.push(table);
        } catch (err) {
          // Dropped since the check read it, say: the others still get their statistics.
          this.logger?.debug({ err, table }, 'could not analyze a table');
        }
      }
      if (wrote) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!this.closed) await this.checkpointIfDue();
      }
      return analyzed;
    })();
    this.checking = run.finally(() => {
      this.checking = undefined;
      if (this.changed >= ANALYZE_CHECK_ROWS) this.scheduleStatistics();
    });
    return this.checking;
  }

  /**
   * A checkpoint once more than max_wal_size of WAL was written since the last one. A PostgreSQL
   * server's checkpointer does this; PGlite has none, and in its single-user mode WAL volume never
   * requests one, so without this every segment written since the store opened stayed until close
   * (a killed process then replays all of it). ~16 ms measured with an 8MB buffer cache; at 16MB up
   * to twice the dirty pages to write.
   */
  private async checkpointIfDue(): Promise<void> {
    if (this.failure() !== undefined) return;
    try {
      const { rows } = await this.db.query<{ due: boolean }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn)
                > pg_size_bytes(current_setting('max_wal_size')) AS due`,
      );
      if (rows[0]?.due !== true || this.closed) return;
      await this.db.exec('CHECKPOINT');
      this.checkpointFailed = false;
      this.logger?.debug({ store: 'pglite' }, 'checkpoint: WAL since the last one passed max_wal_size');
    } catch (err) {
      if (this.closed) return;
      // Once until a checkpoint succeeds again (a full disk fails every check): WAL grows meanwhile.
      if (!this.checkpointFailed)
        this.logger?.warn(
          { err },
          'could not checkpoint the embedded store: its WAL grows until one succeeds',
        );
      this.checkpointFailed = true;
    }
  }

  private scheduleStatistics(): void {
    if (this.closed || this.checkTimer !== undefined || this.checking !== undefined) return;
    const wait = Math.max(0, this.lastCheck + ANALYZE_CHECK_INTERVAL_MS - Date.now());
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      if (this.closed) return;
      this.refreshStatistics().then(
        (tables) => {
          if (tables.length > 0)
            this.logger?.debug({ store: 'pglite', tables }, 'planner statistics refreshed');
        },
        (err: unknown) => {
          if (!this.closed) this.logger?.warn({ err }, 'could not refresh the planner statistics');
        },
      );
    }, wait);
    // Never what keeps a process alive.
    this.checkTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    try {
      await this.checking?.catch(() => undefined);
      // After a stop this writes nothing (no shutdown checkpoint): the next start recovers from the
      // WAL (pglite-durability.test.ts checks the directory is left as it was).
      await this.db.close();
    } finally {
      this.releaseDataDir();
    }
    this.logger?.debug({ store: 'pglite' }, 'store closed');
  }
}

/** A connection failure's message can carry the URL; replace it with one that names only the setting. */
function connectionError(err: unknown): PortcullisError {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
  return new PortcullisError({
    code: 'store_unavailable',
    category: 'upstream',
    message: `Could not connect to the PostgreSQL server named by DATABASE_URL${detail}.`,
    retryable: true,
    remediation: 'Check that the database is reachable and the credentials in DATABASE_URL are valid.',
    cause: err,
  });
}

/** A server-side SQL error carries a 5-character SQLSTATE and a severity; anything else is about the connection. */
function isSqlError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, severity } = err as { code?: unknown; severity?: unknown };
  return (
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    typeof severity === 'string' &&
    !code.startsWith('08') &&
    !code.startsWith('28')
  );
}

function wrapPgError(err: unknown): unknown {
  return isSqlError(err) ? err : connectionError(err);
}

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<Store> {
  const { default: pg } = await import('pg');
  let pool: Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      application_name: 'portcullis',
    });
  } catch (err) {
    throw new ConfigError(
      `DATABASE_URL is not a valid PostgreSQL connection string (${err instanceof Error ? err.name : 'error'}).`,
    );
  }
  // Without a listener an idle client's network error would crash the process.
  pool.on('error', (err) => {
    opts.logger?.warn({ err: connectionError(err) }, 'idle PostgreSQL connection failed');
  });
  const store = new PostgresStore(pool, opts.logger);
  try {
    await store.ping();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return store;
}

function clientQueryable(client: Pick<PoolClient, 'query'>): StoreTransaction {
  return {
    async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      try {
        const res = await client.query(sql, params);
        return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
      } catch (err) {
        throw wrapPgError(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        // Without parameters pg uses the simple query protocol, which accepts several statements.
        await client.query(sql);
      } catch (err) {
        throw wrapPgError(err);
      }
    },
  };
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly q: StoreTransaction;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger | undefined,
  ) {
    this.q = clientQueryable(pool);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  // One pool client per transaction, so concurrent transactions run side by side.
  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw connectionError(err);
    }
    let broken: Error | undefined;
    const tx = clientQueryable(client);
    try {
      await tx.exec('BEGIN');
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw err;
    }
    try {
      const out = await fn(tx);
      await tx.exec('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // A client that cannot roll back must not go back to the pool mid-transaction.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error('ROLLBACK failed');
        this.logger?.warn(
          { err: connectionError(rollbackErr) },
          'ROLLBACK failed; discarding the connection',
        );
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.q.query('SELECT 1');
  }

  stopped(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    this.logger?.debug({ store: 'postgres' }, 'store closed');
  }
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Applies the component's migrations once each, in order, recorded in portcullis_migrations.
 * A changed checksum of an applied migration is an error. One transaction under an advisory lock,
 * so two processes starting at once neither race on the DDL nor apply a migration twice.
 */
export async function migrate(store: Store, component: string, migrations: Migration[]): Promise<void> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new ConfigError(`Migration ${component}/${m.id} is listed twice.`);
    seen.add(m.id);
  }
  await store.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS portcullis_migrations (
         component text NOT NULL,
         id text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         checksum text NOT NULL,
         PRIMARY KEY (component, id)
       )`,
    );
    const applied = await tx.query<{ id: string; checksum: string }>(
      'SELECT id, checksum FROM portcullis_migrations WHERE component = $1',
      [component],
    );
    const done = new Map(applied.rows.map((r) => [r.id, r.checksum]));
    for (const m of migrations) {
      const checksum = checksumOf(m.sql);
      const prior = done.get(m.id);
      if (prior !== undefined) {
        if (prior !== checksum) {
          throw new ConfigError(
            `Migration ${component}/${m.id} was changed after it was applied (checksum differs); add a new migration instead of editing an applied one.`,
          );
        }
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO portcullis_migrations (component, id, checksum) VALUES ($1, $2, $3)', [
        component,
        m.id,
        checksum,
      ]);
    }
  });
}

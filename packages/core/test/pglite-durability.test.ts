/**
 * The embedded store's commits reach the disk (not a timing test). PGlite starts PostgreSQL with
 * fsync off and its file system drops every flush; the store turns fsync on and gives the file
 * system a flush that calls fsync(2) (`durablePgliteFs`). Recorded here by the flush itself: a
 * commit flushes the WAL before it returns, a read flushes nothing, the checkpoint at close flushes
 * the table's file, a flush that fails fails the commit and the store refuses what follows (until a
 * restart recovers), and a PGlite without the file system operations this relies on does not open.
 * A new data directory is the template of a cluster that was shut down (its first open recovers
 * nothing), flushed as it is made, and so is initdb's, on the fallback without a template.
 */
import {
  existsSync,
  fsyncSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import * as pglite from '@electric-sql/pglite';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import {
  compiledPgliteWasm,
  durablePgliteFs,
  flushTree,
  hasCluster,
  pgliteStartParams,
  preparePgliteData,
} from '../src/pglite-setup.js';
import type { Logger } from '../src/log.js';
import { PreparedStatements } from '../src/pglite-statements.js';
import { openStore, PGliteStore } from '../src/store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function newPgdata(): Promise<string> {
  const dir = await tempDir('portcullis-pglite-durable-');
  dirs.push(dir);
  const pgdata = join(dir, 'pgdata');
  await preparePgliteData(pgdata);
  return pgdata;
}

// Which file a descriptor names (Linux, where CI runs).
const procFds = existsSync('/proc/self/fd');
const pathOf = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);

/** What a test needs of PGlite's Emscripten module to fail writes the way a full disk does. */
interface WritableModule {
  FS: { getPath(node: unknown): string };
  NODEFS: {
    stream_ops: { write: (stream: { node: unknown }, ...rest: unknown[]) => number };
    tryFSOperation<T>(op: () => T): T;
  };
}

/**
 * A PGlite on `pgdata` as the store opens it, with every flush recorded (relative to pgdata) and
 * then done, or failed with EIO while `failing()` says so; and every write to the WAL failed with
 * ENOSPC while `walFull()` says so (a full disk when a segment fills).
 */
async function openRecorded(
  pgdata: string,
  flushed: string[] = [],
  failing = () => false,
  walFull = () => false,
) {
  const fs = await durablePgliteFs(pgdata, (fd) => {
    if (failing()) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5 });
    flushed.push(relative(pgdata, pathOf(fd)));
    fsyncSync(fd);
  });
  const init = fs.init.bind(fs);
  fs.init = async (...args: Parameters<typeof fs.init>) => {
    const { emscriptenOpts } = await init(...args);
    const filling = (mod: WritableModule) => {
      const ops = mod.NODEFS.stream_ops;
      const write = ops.write;
      ops.write = function (stream, ...rest) {
        if (walFull() && mod.FS.getPath(stream.node).includes('/pg_wal/'))
          mod.NODEFS.tryFSOperation(() => {
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          });
        return write.call(this, stream, ...rest);
      };
    };
    const preRun = [...(emscriptenOpts.preRun ?? []), filling as unknown as (mod: unknown) => void];
    return { emscriptenOpts: { ...emscriptenOpts, preRun } };
  };
  const pgliteWasmModule = await compiledPgliteWasm();
  const db = await PGlite.create({
    fs,
    startParams: pgliteStartParams(PGlite.defaultStartParams),
    ...(pgliteWasmModule ? { pgliteWasmModule } : {}),
  });
  return { db, fs };
}

/** The store over `db`, as openStore builds it (no data-directory lock). */
const storeOver = ({ db, fs }: Awaited<ReturnType<typeof openRecorded>>, logger?: Logger) =>
  new PGliteStore(
    db,
    new PreparedStatements(db, pglite),
    logger,
    () => undefined,
    () => fs.stopped,
  );

/** The rows `sql` reads after a restart: the store opened again on the data directory, as a server does. */
async function rowsAfterRestart<T = Record<string, unknown>>(pgdata: string, sql: string): Promise<T[]> {
  const again = await openStore({ dataDir: dirname(pgdata) });
  try {
    return (await again.query<T>(sql)).rows;
  } finally {
    await again.close();
  }
}

/**
 * Entering a stopped PostgreSQL again never returns (PGlite's Sync after a failed exec or COMMIT,
 * the next statement: 100% CPU in this thread). Each such entry is recorded
 * and refused here, beneath the store's own refusal, so that a store without it fails a test
 * instead of hanging it. Returns the protocol messages' types that got this far.
 */
function entriesAfterStop({ db, fs }: Awaited<ReturnType<typeof openRecorded>>): string[] {
  const entered: string[] = [];
  const enter = db.execProtocolRawSync.bind(db);
  db.execProtocolRawSync = (message: Uint8Array) => {
    if (fs.stopped === undefined) return enter(message);
    entered.push(String.fromCharCode(message[0]!));
    throw new Error('a stopped PostgreSQL was entered');
  };
  return entered;
}

/** Every file under `dir` with its modification time and size. */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const st = statSync(path);
    files.set(relative(dir, path), `${st.mtimeMs}:${st.size}`);
  }
  return files;
}

const walFiles = (flushed: string[]) => flushed.filter((p) => p.startsWith('pg_wal/'));

describe('the embedded store’s flushes', () => {
  it.skipIf(!procFds)(
    'a commit flushes the WAL before it returns, a read flushes nothing, close flushes the table',
    async () => {
      const pgdata = await newPgdata();
      const flushed: string[] = [];
      const { db } = await openRecorded(pgdata, flushed);
      try {
        await db.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
        for (let i = 1; i <= 3; i++) {
          flushed.length = 0;
          await db.query('INSERT INTO t VALUES ($1, $2)', [i, `row ${i}`]);
          expect(walFiles(flushed), `commit ${i}`).toHaveLength(1);
        }
        flushed.length = 0;
        await db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (4, $1)', ['four']);
          await tx.query('UPDATE t SET v = $1 WHERE id = 1', ['one']);
          expect(flushed).toEqual([]); // nothing before the commit
        });
        expect(walFiles(flushed)).toHaveLength(1); // one flush for the transaction
        flushed.length = 0;
        expect((await db.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 4 }]);
        expect(flushed).toEqual([]);
        const file = (await db.query<{ p: string }>("SELECT pg_relation_filepath('t') AS p")).rows[0]!.p;
        flushed.length = 0;
        await db.close();
        expect(flushed).toContain(file); // the shutdown checkpoint wrote and flushed the table
      } finally {
        if (!db.closed) await db.close();
      }
    },
  );

  it.skipIf(!procFds)(
    'a flush that fails fails its commit, and the store refuses every statement after it',
    async () => {
      const pgdata = await newPgdata();
      let failing = false;
      const opened = await openRecorded(pgdata, [], () => failing);
      const { fs } = opened;
      const logged: string[] = [];
      const logger = { error: (_o: unknown, msg: string) => logged.push(msg), debug: () => undefined };
      const store = storeOver(opened, logger as unknown as Logger);
      try {
        await store.exec('CREATE TABLE t (id int PRIMARY KEY)');
        await store.query('INSERT INTO t VALUES (1)');
        failing = true;
        await expect(store.query('INSERT INTO t VALUES (2)')).rejects.toThrow(/could not fsync/);
        failing = false;
        expect(fs.flushFailure?.message).toMatch(/EIO/);
        // PostgreSQL has stopped: what follows is refused at once, never handed to it (it would never answer).
        const attempts = [
          () => store.query('SELECT 1'),
          () => store.exec('SELECT 1'),
          () => store.transaction((tx) => tx.query('SELECT 1')),
          () => store.ping(), // so /readyz reports the store
          () => store.refreshStatistics(),
        ];
        for (const attempt of attempts)
          await expect(attempt()).rejects.toMatchObject({ code: 'store_unavailable', retryable: false });
        expect(logged).toHaveLength(1); // said once, to the operator
      } finally {
        await store.close();
      }
      // A restart recovers from the WAL on disk: the row committed before the failure is there.
      expect(await rowsAfterRestart(pgdata, 'SELECT id FROM t WHERE id = 1')).toEqual([{ id: 1 }]);
    },
  );

  it.skipIf(!procFds)(
    'a flush that fails inside a transaction (a WAL segment filled) fails the transaction',
    async () => {
      const pgdata = await newPgdata();
      let failing = false;
      const opened = await openRecorded(pgdata, [], () => failing);
      const { fs } = opened;
      const store = storeOver(opened);
      try {
        await store.exec('CREATE TABLE t (id int, v text)');
        failing = true;
        // ~50 MB of WAL: PostgreSQL flushes each 16 MB segment as it fills, inside the statement.
        const work = store.transaction((tx) =>
          tx.query("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g"),
        );
        await expect(work).rejects.toThrow(); // answered, not left waiting on a stopped database
        expect(fs.flushFailure).toBeDefined();
        await expect(store.query('SELECT 1')).rejects.toMatchObject({ code: 'store_unavailable' });
      } finally {
        failing = false;
        await store.close();
      }
    },
    30_000,
  );

  it.skipIf(!procFds)(
    'a flush that fails at a transaction’s COMMIT or in an exec is answered, and PostgreSQL is not entered again',
    async () => {
      for (const failAt of ['commit', 'exec'] as const) {
        const pgdata = await newPgdata();
        let failing = false;
        const opened = await openRecorded(pgdata, [], () => failing);
        const { fs } = opened;
        const entered = entriesAfterStop(opened);
        const store = storeOver(opened);
        let atStop = new Map<string, string>();
        try {
          await store.exec('CREATE TABLE t (id int)');
          failing = true;
          const write =
            failAt === 'commit'
              ? store.transaction(async (tx) => {
                  await tx.query('INSERT INTO t VALUES (1)');
                  await tx.query('INSERT INTO t VALUES (2)');
                })
              : store.exec('INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)');
          await expect(write, failAt).rejects.toMatchObject({ code: 'store_unavailable', retryable: false });
          atStop = filesOf(pgdata);
          expect(fs.flushFailure?.message, failAt).toMatch(/EIO/);
          // What the log names: PostgreSQL's PANIC, with the file, rather than Node's bare EIO.
          expect(fs.stopped?.message, failAt).toMatch(
            /^PostgreSQL aborted: could not fsync file ".*": I\/O error$/,
          );
          expect(entered, failAt).toEqual([]);
        } finally {
          failing = false; // the disk works again
          await store.close();
        }
        // Close wrote nothing (a shutdown checkpoint would mark clean a cluster PostgreSQL stopped).
        expect(filesOf(pgdata), failAt).toEqual(atStop);
        // A restart recovers. Whether the commit whose flush failed survives is not known (its WAL
        // was written, not flushed: PostgreSQL's rule), but never half of it.
        const rows = await rowsAfterRestart<{ n: number }>(pgdata, 'SELECT count(*)::int AS n FROM t');
        expect([0, 2], failAt).toContain(rows[0]!.n);
      }
    },
  );

  it.skipIf(!procFds)(
    'a full disk failing a WAL write (a PANIC, no failed flush) stops the store the same way',
    async () => {
      const pgdata = await newPgdata();
      let full = false;
      const opened = await openRecorded(
        pgdata,
        [],
        () => false,
        () => full,
      );
      const { fs } = opened;
      const entered = entriesAfterStop(opened);
      const store = storeOver(opened);
      let atStop = new Map<string, string>();
      try {
        await store.exec('CREATE TABLE t (id int)');
        await store.query('INSERT INTO t VALUES (1)');
        // ERRORs quoting a caller's value with PostgreSQL's PANIC marker in it, or a faked log line
        // after a line break (PostgreSQL indents a message's next lines): never taken for the cause.
        for (const value of ['x PANIC:  fake', 'x\n2026-01-01 00:00:00.000 UTC [1] PANIC:  fake'])
          await expect(store.query('SELECT $1::int', [value])).rejects.toThrow(/invalid input syntax/);
        full = true;
        await expect(store.query('INSERT INTO t VALUES (2)')).rejects.toThrow(/No space left on device/);
        atStop = filesOf(pgdata);
        expect(fs.flushFailure).toBeUndefined();
        // The abort names PostgreSQL's PANIC (from its log line), not the statement.
        expect(fs.stopped?.message).toMatch(
          /^PostgreSQL aborted: could not write to .*: No space left on device$/,
        );
        expect(fs.stopped?.message).not.toMatch(/INSERT/);
        expect(store.stopped()).toBe(fs.stopped);
        for (const attempt of [
          () => store.query('SELECT 1'),
          () => store.exec('INSERT INTO t VALUES (3)'),
          () => store.transaction((tx) => tx.query('INSERT INTO t VALUES (4)')),
          () => store.ping(),
        ])
          await expect(attempt()).rejects.toMatchObject({ code: 'store_unavailable', retryable: false });
        expect(entered).toEqual([]);
      } finally {
        full = false; // room again
        await store.close();
      }
      expect(filesOf(pgdata)).toEqual(atStop); // close wrote nothing: no shutdown checkpoint
      // Room again: a restart recovers the row committed before the disk filled.
      expect(await rowsAfterRestart(pgdata, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }]);
    },
  );

  it('a PGlite whose file system lacks the operations relied on does not open', async () => {
    const pgdata = await newPgdata();
    const fs = await durablePgliteFs(pgdata);
    const { emscriptenOpts } = await fs.init({} as PGlite, {});
    const [first] = emscriptenOpts.preRun ?? [];
    expect(() => first!({} as never)).toThrow(/no NODEFS stream operations/);
    expect(() => first!({ NODEFS: { stream_ops: {} } } as never)).toThrow(/no NODEFS stream operations/);
  });

  it('the store opens a data directory with it, and memory without', async () => {
    const create = vi.spyOn(PGlite, 'create');
    try {
      const dir = await tempDir('portcullis-pglite-durable-store-');
      dirs.push(dir);
      for (const dataDir of [dir, undefined]) {
        const store = await openStore(dataDir === undefined ? {} : { dataDir });
        await store.close();
      }
      const [[onDisk], [inMemory]] = create.mock.calls as unknown as [[{ fs?: NodeFS }], [{ fs?: NodeFS }]];
      expect(onDisk.fs).toBeInstanceOf(NodeFS);
      // The durable one, not PGlite's own.
      expect(Object.getPrototypeOf(onDisk.fs)).not.toBe(NodeFS.prototype);
      expect(onDisk.fs).toHaveProperty('flushFailure', undefined);
      expect(inMemory.fs).toBeUndefined();
    } finally {
      create.mockRestore();
    }
  });
});

describe('a new data directory’s files are flushed', () => {
  it.skipIf(!procFds)(
    'from the template, a cluster that was shut down: its first open recovers nothing',
    async () => {
      // A running cluster's copy would go through crash recovery at its first open, which with fsync
      // on flushes every file of the directory (~2,000 flushes); a clean one flushes a handful.
      const pgdata = await newPgdata();
      expect(existsSync(join(pgdata, 'postmaster.pid'))).toBe(false);
      const flushed: string[] = [];
      const { db } = await openRecorded(pgdata, flushed);
      try {
        expect(flushed.length).toBeLessThan(50);
        expect(flushed.filter((p) => p.startsWith('base/'))).toEqual([]);
      } finally {
        await db.close();
      }
    },
  );

  it('flushTree flushes every file, then every directory, deepest first', async () => {
    const dir = await tempDir('portcullis-flush-tree-');
    dirs.push(dir);
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    for (const f of ['x', 'a/y', 'a/b/z']) writeFileSync(join(dir, f), f);
    const flushed: string[] = [];
    flushTree(dir, (p) => flushed.push(relative(dir, p) || '.'));
    expect(flushed.slice(0, 3).sort()).toEqual(['a/b/z', 'a/y', 'x']);
    expect(flushed.slice(3)).toEqual(['a/b', 'a', '.']);
  });

  it('by initdb’s fallback (no template for a directory that is not empty), which the store then opens', async () => {
    const dir = await tempDir('portcullis-pglite-initdb-');
    dirs.push(dir);
    const pgdata = join(dir, 'pgdata');
    mkdirSync(pgdata);
    writeFileSync(join(pgdata, 'left-over'), ''); // a directory an interrupted start left behind
    expect(await preparePgliteData(pgdata)).toBe('initdb');
    expect(hasCluster(pgdata)).toBe(true);
    const store = await openStore({ dataDir: dir });
    try {
      expect((await store.query<{ f: string }>('SHOW fsync')).rows).toEqual([{ fsync: 'on' }]);
    } finally {
      await store.close();
    }
  }, 60_000);
});

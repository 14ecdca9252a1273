import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, postgresUnavailableReason } from '@portcullis/test-support/postgres';
import { tempDir } from '@portcullis/test-support/ports';
import { ConfigError, PortcullisError } from '../src/errors.js';
import { lockDataDir, migrate, openStore, prepareDataDir } from '../src/store.js';
import type { Migration, Store } from '../src/store.js';
import { lockBarrier } from './pg-barrier.js';

const pg = await startPostgres();
afterAll(async () => {
  await pg?.stop();
});

let dbCounter = 0;

/** A fresh database on the shared throwaway server, so each test starts empty. */
async function freshPostgresUrl(adminUrl: string): Promise<string> {
  const name = `t_store_${process.pid}_${++dbCounter}`;
  const admin = await openStore({ databaseUrl: adminUrl, poolSize: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Scope {
  store: Store;
  /** A second, independent handle on the same database, standing for a second process (servers only). */
  second?: () => Promise<Store>;
  /** The database's URL (servers only), for a barrier connection of the test's own. */
  url?: string;
  release(): Promise<void>;
}

interface Driver {
  name: string;
  available: boolean;
  /** Per suite: returns a way to get an empty database per test, and the suite's cleanup. */
  init(): Promise<{ fresh(): Promise<Scope>; dispose(): Promise<void> }>;
}

/**
 * PGlite takes seconds to boot on a small machine, so a suite shares one instance and each test
 * gets its own schema (PGlite is a single session, so search_path holds for the whole test).
 */
async function pgliteDriver(open: () => Promise<Store>, dispose: () => Promise<void>) {
  const store = await open();
  let n = 0;
  return {
    async fresh(): Promise<Scope> {
      const schema = `test_${++n}`;
      await store.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
      return { store, release: async () => store.exec('SET search_path TO public') };
    },
    async dispose() {
      await store.close();
      await dispose();
    },
  };
}

const drivers: Driver[] = [
  {
    name: 'PGlite in memory',
    available: true,
    init: () =>
      pgliteDriver(
        () => openStore({}),
        async () => {},
      ),
  },
  {
    name: 'PGlite on disk',
    available: true,
    async init() {
      const dir = await tempDir('portcullis-store-');
      return pgliteDriver(
        () => openStore({ dataDir: dir }),
        () => rm(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: pg
      ? 'PostgreSQL server'
      : `PostgreSQL server (skipped: ${postgresUnavailableReason() ?? 'unavailable'})`,
    available: pg !== null,
    async init() {
      return {
        async fresh(): Promise<Scope> {
          const url = await freshPostgresUrl(pg!.url);
          const store = await openStore({ databaseUrl: url, poolSize: 5 });
          const others: Store[] = [];
          return {
            store,
            url,
            second: async () => {
              const s = await openStore({ databaseUrl: url, poolSize: 5 });
              others.push(s);
              return s;
            },
            async release() {
              for (const s of others) await s.close();
              await store.close();
            },
          };
        },
        async dispose() {},
      };
    },
  },
];

const MIGRATIONS: Migration[] = [
  { id: '0001_widgets', sql: 'CREATE TABLE widgets (id text PRIMARY KEY, n integer NOT NULL);' },
  {
    id: '0002_widgets_note',
    sql: "ALTER TABLE widgets ADD COLUMN note text NOT NULL DEFAULT '';\nCREATE INDEX widgets_n ON widgets (n);",
  },
];

for (const driver of drivers) {
  describe.skipIf(!driver.available)(`store: ${driver.name}`, () => {
    let ctx: Awaited<ReturnType<Driver['init']>>;
    let scope: Scope;
    let store: Store;

    beforeAll(async () => {
      ctx = await driver.init();
    });
    afterAll(async () => {
      await ctx?.dispose();
    });
    beforeEach(async () => {
      scope = await ctx.fresh();
      store = scope.store;
    });
    afterEach(async () => {
      await scope.release();
    });

    it('reports its kind and answers ping', async () => {
      expect(store.kind).toBe(driver.name.startsWith('PGlite') ? 'pglite' : 'postgres');
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('runs parameterised queries with one dialect', async () => {
      await store.exec(
        'CREATE TABLE t (id integer PRIMARY KEY, name text, big bigint, doc jsonb); CREATE INDEX t_name ON t (name);',
      );
      const ins = await store.query(
        'INSERT INTO t (id, name, big, doc) VALUES ($1, $2, $3, $4::text::jsonb), ($5, $6, $7, $8::text::jsonb)',
        [
          1,
          'one',
          '9007199254740993',
          JSON.stringify({ a: [1, 2] }),
          2,
          "o'two",
          '2',
          JSON.stringify({ b: null }),
        ],
      );
      expect(ins.rowCount).toBe(2);
      const sel = await store.query<{ id: number; name: string; big: string; doc: unknown }>(
        'SELECT id, name, big, doc FROM t WHERE id >= $1 ORDER BY id',
        [1],
      );
      expect(sel.rowCount).toBe(2);
      // int8 reads back as text on both drivers, so large values never lose precision.
      expect(sel.rows).toEqual([
        { id: 1, name: 'one', big: '9007199254740993', doc: { a: [1, 2] } },
        { id: 2, name: "o'two", big: '2', doc: { b: null } },
      ]);
      const upd = await store.query('UPDATE t SET name = $1 WHERE id = $2', ['uno', 1]);
      expect(upd.rowCount).toBe(1);
      const none = await store.query('SELECT * FROM t WHERE name = $1', ['nobody']);
      expect(none).toEqual({ rows: [], rowCount: 0 });
    });

    it('reports SQL errors as they are', async () => {
      await expect(store.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
    });

    it('commits a transaction', async () => {
      await store.exec('CREATE TABLE acct (id text PRIMARY KEY, balance integer NOT NULL)');
      const out = await store.transaction(async (tx) => {
        await tx.query('INSERT INTO acct VALUES ($1, $2)', ['a', 10]);
        await tx.query('INSERT INTO acct VALUES ($1, $2)', ['b', 20]);
        return (await tx.query<{ total: string }>('SELECT sum(balance)::text AS total FROM acct')).rows[0]
          ?.total;
      });
      expect(out).toBe('30');
      const rows = await store.query<{ id: string }>('SELECT id FROM acct ORDER BY id');
      expect(rows.rows.map((r) => r.id)).toEqual(['a', 'b']);
    });

    it('rolls a transaction back when the callback throws', async () => {
      await store.exec('CREATE TABLE acct (id text PRIMARY KEY, balance integer NOT NULL)');
      await store.query('INSERT INTO acct VALUES ($1, $2)', ['a', 10]);
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.query('UPDATE acct SET balance = balance - 5 WHERE id = $1', ['a']);
          await tx.query('INSERT INTO acct VALUES ($1, $2)', ['b', 5]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      // A failing statement inside also rolls everything back.
      await expect(
        store.transaction(async (tx) => {
          await tx.query('INSERT INTO acct VALUES ($1, $2)', ['c', 1]);
          await tx.query('INSERT INTO acct VALUES ($1, $2)', ['a', 1]);
        }),
      ).rejects.toMatchObject({ code: '23505' });
      const rows = await store.query<{ id: string; balance: number }>(
        'SELECT id, balance FROM acct ORDER BY id',
      );
      expect(rows.rows).toEqual([{ id: 'a', balance: 10 }]);
      // The store is still usable afterwards.
      await store.transaction(async (tx) => {
        await tx.query('INSERT INTO acct VALUES ($1, $2)', ['d', 1]);
      });
      expect((await store.query('SELECT id FROM acct')).rowCount).toBe(2);
    });

    // PGlite is one connection: these transactions queue, so there it checks that each commits or
    // rolls back whole; on a server they run side by side and the row lock keeps the count right.
    const parallel = driver.name.startsWith('PostgreSQL');
    it(
      parallel
        ? 'keeps parallel transactions isolated and all committed'
        : 'runs concurrent transactions one at a time, each committed or rolled back whole',
      async () => {
        await store.exec(
          'CREATE TABLE counter (id integer PRIMARY KEY, n integer NOT NULL); INSERT INTO counter VALUES (1, 0);',
        );
        const n = 40;
        const results = await Promise.allSettled(
          Array.from({ length: n }, (_, i) =>
            store.transaction(async (tx) => {
              // Row lock, then read-modify-write: lost updates would show as a short total.
              const cur = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1 FOR UPDATE');
              const next = (cur.rows[0]?.n ?? 0) + 1;
              await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [next]);
              if (i % 10 === 9) throw new Error(`abort ${i}`);
              return next;
            }),
          ),
        );
        const failed = results.filter((r) => r.status === 'rejected').length;
        expect(failed).toBe(n / 10);
        const final = await store.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
        expect(final.rows[0]?.n).toBe(n - n / 10);
      },
    );

    // Defined for servers only (not skipped elsewhere): CI counts every skip.
    if (parallel)
      it('runs transactions on separate connections at the same time', async () => {
        await store.exec('CREATE TABLE gate (id integer PRIMARY KEY); INSERT INTO gate VALUES (1);');
        const barrier = await lockBarrier(scope.url!, 'SELECT 1 FROM gate WHERE id = 1 FOR SHARE');
        // Five transactions (the pool's size) all inside BEGIN and waiting on the row at once: a
        // store that serialised transactions on one connection would never get past the first.
        const txs = Promise.allSettled(
          Array.from({ length: 5 }, (_, i) =>
            store.transaction(async (tx) => {
              await tx.query('SELECT id FROM gate WHERE id = 1 FOR UPDATE');
              return i;
            }),
          ),
        );
        try {
          await barrier.waitForWaiters(5);
        } finally {
          await barrier.release();
        }
        expect((await txs).map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
      });

    it('applies migrations once, in order, and is idempotent', async () => {
      await migrate(store, 'widgets', MIGRATIONS);
      await migrate(store, 'widgets', MIGRATIONS);
      await store.query('INSERT INTO widgets (id, n) VALUES ($1, $2)', ['w', 1]);
      const rec = await store.query<{ component: string; id: string; checksum: string }>(
        'SELECT component, id, checksum FROM portcullis_migrations ORDER BY id',
      );
      expect(rec.rows.map((r) => [r.component, r.id])).toEqual([
        ['widgets', '0001_widgets'],
        ['widgets', '0002_widgets_note'],
      ]);
      expect(rec.rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
      // A later release adds a migration: only the new one runs.
      await migrate(store, 'widgets', [
        ...MIGRATIONS,
        { id: '0003_more', sql: 'ALTER TABLE widgets ADD COLUMN extra integer' },
      ]);
      await store.query('UPDATE widgets SET extra = 1');
      // Components are independent.
      await migrate(store, 'gadgets', [{ id: '0001_widgets', sql: 'CREATE TABLE gadgets (id text)' }]);
      expect((await store.query('SELECT * FROM portcullis_migrations')).rowCount).toBe(4);
    });

    it('refuses an applied migration whose SQL changed', async () => {
      await migrate(store, 'widgets', MIGRATIONS);
      const edited = [
        MIGRATIONS[0]!,
        { id: '0002_widgets_note', sql: 'ALTER TABLE widgets ADD COLUMN note text' },
      ];
      const err = await migrate(store, 'widgets', edited).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/widgets\/0002_widgets_note .*checksum/);
    });

    it('rolls back every migration of a run when one fails', async () => {
      const bad = [
        ...MIGRATIONS,
        { id: '0003_broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x integer' },
      ];
      await expect(migrate(store, 'widgets', bad)).rejects.toMatchObject({ code: '42P01' });
      await expect(store.query('SELECT * FROM widgets')).rejects.toMatchObject({ code: '42P01' });
      await migrate(store, 'widgets', MIGRATIONS);
      expect(
        (await store.query("SELECT * FROM portcullis_migrations WHERE component = 'widgets'")).rowCount,
      ).toBe(2);
    });

    it('refuses a migration list with a duplicate id', async () => {
      await expect(migrate(store, 'widgets', [MIGRATIONS[0]!, MIGRATIONS[0]!])).rejects.toBeInstanceOf(
        ConfigError,
      );
    });

    it('survives two migrate calls at once', async () => {
      // On a server, two handles stand for two processes starting together.
      const other = scope.second ? await scope.second() : store;
      await Promise.all([
        migrate(store, 'widgets', MIGRATIONS),
        migrate(other, 'widgets', MIGRATIONS),
        migrate(store, 'other', [{ id: '1', sql: 'CREATE TABLE o (x int)' }]),
      ]);
      expect(
        (await store.query("SELECT * FROM portcullis_migrations WHERE component = 'widgets'")).rowCount,
      ).toBe(2);
      await store.query('INSERT INTO widgets (id, n, note) VALUES ($1, $2, $3)', ['w', 1, 'x']);
    });
  });
}

describe('store: PGlite on disk keeps data across reopen', () => {
  it('reads back what an earlier handle wrote', async () => {
    const dir = await tempDir('portcullis-store-');
    try {
      const a = await openStore({ dataDir: dir });
      await migrate(a, 'widgets', MIGRATIONS);
      await a.query('INSERT INTO widgets (id, n) VALUES ($1, $2)', ['kept', 7]);
      await a.close();
      const b = await openStore({ dataDir: dir });
      try {
        await migrate(b, 'widgets', MIGRATIONS);
        expect((await b.query<{ n: number }>('SELECT n FROM widgets WHERE id = $1', ['kept'])).rows).toEqual([
          { n: 7 },
        ]);
      } finally {
        await b.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('store: connection failures', () => {
  it('never puts the URL or password in the error message', async () => {
    const { deadEndPort } = await import('@portcullis/test-support/ports');
    const dead = await deadEndPort();
    const url = `postgresql://portcullis:hunter2-s3cret@127.0.0.1:${dead.port}/nothing`;
    const err = await openStore({ databaseUrl: url })
      .catch((e: unknown) => e)
      .finally(() => dead.close());
    expect(err).toBeInstanceOf(PortcullisError);
    const e = err as PortcullisError;
    expect(e.code).toBe('store_unavailable');
    expect(e.message).toContain('DATABASE_URL');
    expect(e.message).not.toContain('hunter2');
    expect(e.message).not.toContain(String(dead.port));
    expect(e.cause).toBeDefined();
  });

  it.skipIf(!pg)('wraps an authentication failure without leaking the password', async () => {
    const url = new URL(pg!.url);
    url.pathname = '/no_such_database_here';
    url.password = 'hunter2-s3cret';
    const err = await openStore({ databaseUrl: url.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('finding 9 and issue 14: the data directory', () => {
  it('finding 9: a new data directory is created 0700; an existing 0755 one of ours is tightened', () => {
    const base = mkdtempSync(join(tmpdir(), 'datadir-'));
    const fresh = join(base, 'a', 'b');
    prepareDataDir(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const loose = join(base, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    prepareDataDir(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });

  it('finding 9: every open of the embedded store makes its files owner-only, and leaves a symbolic link and its target alone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'datadir-'));
    await (await openStore({ dataDir })).close();
    const pgdata = join(dataDir, 'pgdata');
    const version = join(pgdata, 'PG_VERSION');
    const nested = join(pgdata, 'global', 'pg_control');
    chmodSync(version, 0o644);
    chmodSync(nested, 0o644);
    chmodSync(join(pgdata, 'global'), 0o755);
    // A link to a file elsewhere: chmod through it would change that file.
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'notes.txt');
    writeFileSync(outside, 'not the store');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(pgdata, 'link-to-outside'));
    await (await openStore({ dataDir })).close();
    expect(statSync(version).mode & 0o777).toBe(0o600);
    expect(statSync(nested).mode & 0o777).toBe(0o600);
    expect(statSync(join(pgdata, 'global')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(pgdata, 'link-to-outside')).isSymbolicLink()).toBe(true);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
  });

  it('finding 9: a data directory other users can write is refused with the path and the fix', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'datadir-')), 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(() => prepareDataDir(dir)).toThrow(ConfigError);
    expect(() => prepareDataDir(dir)).toThrow(`run \`chmod 700 ${dir}\``);
    expect(statSync(dir).mode & 0o777).toBe(0o777);
  });

  it('issue 14: a data directory held by a live process is refused naming the pid; a dead holder is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datadir-'));
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(ConfigError);
    expect(() => lockDataDir(dir)).toThrow(
      `PORTCULLIS_DATA_DIR ${dir} is in use by another process (pid ${process.pid})`,
    );
    release();
    expect(existsSync(join(dir, 'portcullis.lock'))).toBe(false);
    lockDataDir(dir)();

    // A lock left by a process that has exited (a crash) does not block the next start.
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    writeFileSync(join(dir, 'portcullis.lock'), JSON.stringify({ pid: deadPid, host: hostname() }));
    const again = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'portcullis.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    again();

    // A lock from another host is honoured while its holder keeps it fresh.
    writeFileSync(join(dir, 'portcullis.lock'), JSON.stringify({ pid: 1, host: 'elsewhere.example' }));
    expect(() => lockDataDir(dir)).toThrow('(pid 1 on elsewhere.example)');
  });

  it(
    'issue 14: two embedded stores on one data directory: the second open is refused',
    { timeout: 240_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'datadir-'));
      const first = await openStore({ dataDir: dir });
      try {
        await expect(openStore({ dataDir: dir })).rejects.toThrow(/is in use by another process/);
      } finally {
        await first.close();
      }
      const second = await openStore({ dataDir: dir });
      await second.close();
    },
  );

  it(
    'issue 14: an open that fails after taking the data directory gives it back',
    { timeout: 240_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'datadir-'));
      // Where the database goes, a file: the open fails once it holds the directory.
      writeFileSync(join(dir, 'pgdata'), 'not a directory');
      const err = await openStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortcullisError);
      expect((err as PortcullisError).code).toBe('store_unavailable');
      expect(existsSync(join(dir, 'portcullis.lock'))).toBe(false);
      // Put right, the next open in this same process takes the directory.
      rmSync(join(dir, 'pgdata'));
      const store = await openStore({ dataDir: dir });
      await store.close();
    },
  );
});

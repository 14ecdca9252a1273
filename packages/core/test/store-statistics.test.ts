/**
 * The embedded store keeps the planner's statistics itself (PGlite runs no autovacuum): a table
 * filled through the store is analyzed soon after, by autovacuum's rule, off the caller's path, and
 * a table whose rows the store's statements left dead is vacuumed by the same rule; the same check
 * takes a checkpoint once max_wal_size of WAL has been written since the last one.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { openStore, type PGliteStore, type Store } from '../src/store.js';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

interface TableStats {
  analyzed: boolean;
  reltuples: number;
  changed: number;
}

async function statsOf(s: Store, table: string): Promise<TableStats> {
  const { rows } = await s.query<{ analyzed: boolean; reltuples: number; changed: string }>(
    `SELECT s.last_analyze IS NOT NULL AS analyzed, c.reltuples, s.n_mod_since_analyze AS changed
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = $1`,
    [table],
  );
  const r = rows[0]!;
  return { analyzed: r.analyzed, reltuples: Number(r.reltuples), changed: Number(r.changed) };
}

async function deadOf(s: Store, table: string): Promise<{ vacuums: number; bytes: number }> {
  const { rows } = await s.query<{ vacuums: string; bytes: string }>(
    'SELECT vacuum_count AS vacuums, pg_relation_size(relid) AS bytes FROM pg_stat_user_tables WHERE relname = $1',
    [table],
  );
  return { vacuums: Number(rows[0]!.vacuums), bytes: Number(rows[0]!.bytes) };
}

/** Polls (bounded) until the store's own check has analyzed the table. */
async function analyzedSoon(s: Store, table: string): Promise<TableStats> {
  const until = Date.now() + 10_000;
  for (;;) {
    const st = await statsOf(s, table);
    if (st.analyzed || Date.now() > until) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Leaves a table as never analyzed: no column statistics, its row count unknown (-1). */
async function forgetStatistics(s: Store, table: string): Promise<void> {
  await s.exec(
    `DELETE FROM pg_statistic WHERE starelid = '${table}'::regclass; UPDATE pg_class SET reltuples = -1 WHERE oid = '${table}'::regclass`,
  );
}

async function fill(s: Store, table: string, rows: number): Promise<void> {
  await s.exec(`CREATE TABLE ${table} (id integer PRIMARY KEY, tenant text NOT NULL, owner text NOT NULL)`);
  await s.exec(`CREATE INDEX ${table}_owner ON ${table} (tenant, owner)`);
  await s.transaction(async (tx) => {
    for (let i = 0; i < rows; i += 100) {
      await tx.query(
        `INSERT INTO ${table} SELECT g, 'acme', 'owner' || (g % 50) FROM generate_series($1::int, $2::int) g`,
        [i, Math.min(rows, i + 100) - 1],
      );
    }
  });
}

describe('embedded store: planner statistics', () => {
  it('analyzes a table filled through the store without being asked, and the planner then knows its size', async () => {
    store = await openStore({});
    await fill(store, 'stats_filled', 2_000);
    const st = await analyzedSoon(store, 'stats_filled');
    expect(st.analyzed).toBe(true);
    expect(st.reltuples).toBe(2_000);
    expect(st.changed).toBe(0);
    // With statistics a lookup by primary key is planned on it (without, on the tenant index).
    const plan = await store.query<{ 'QUERY PLAN': string }>(
      "EXPLAIN SELECT * FROM stats_filled WHERE tenant = 'acme' AND id = 7",
    );
    expect(plan.rows[0]!['QUERY PLAN']).toMatch(/stats_filled_pkey/);
  });

  it("leaves a table whose changes are under autovacuum's rule (50 rows + 10%) alone", async () => {
    store = await openStore({});
    await fill(store, 'stats_small', 2_000);
    const pglite = store as PGliteStore;
    await pglite.refreshStatistics();
    expect((await statsOf(store, 'stats_small')).analyzed).toBe(true);
    const vacuumed = (await deadOf(store, 'stats_small')).vacuums;
    await store.query("UPDATE stats_small SET owner = 'x' WHERE id < 120");
    expect(await pglite.refreshStatistics()).toEqual([]);
    expect((await statsOf(store, 'stats_small')).changed).toBe(120);
    await store.query("UPDATE stats_small SET owner = 'y' WHERE id < 300");
    expect(await pglite.refreshStatistics()).toEqual(['public.stats_small']);
    expect((await statsOf(store, 'stats_small')).changed).toBe(0);
    // 300 dead rows are under the vacuum rule's 50 + 20%: analyzed, not vacuumed.
    expect((await deadOf(store, 'stats_small')).vacuums).toBe(vacuumed);
  });

  it("vacuums a table past autovacuum's dead-row rule (50 rows + 20%), so rewriting its rows does not grow it", async () => {
    store = await openStore({});
    await fill(store, 'stats_churn', 2_000);
    const pglite = store as PGliteStore;
    await pglite.refreshStatistics();
    const vacuumed = (await deadOf(store, 'stats_churn')).vacuums;
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      // Every row rewritten (an indexed column, so no in-page update): 2,000 dead rows.
      await store.query('UPDATE stats_churn SET owner = $1', [`round${round}`]);
      expect(await pglite.refreshStatistics()).toEqual(['public.stats_churn']);
      const d = await deadOf(store, 'stats_churn');
      expect(d.vacuums).toBe(vacuumed + round + 1);
      sizes.push(d.bytes);
    }
    // The first round's dead rows made room the later rounds reuse; never vacuumed, the table
    // would hold five versions of every row by now.
    expect(sizes[3]).toBeLessThanOrEqual(sizes[0]!);
  });

  it("vacuums a table only added to past autovacuum's insert rule (1,000 rows + 20%), so its indexes can answer alone", async () => {
    store = await openStore({});
    const pglite = store as PGliteStore;
    await fill(store, 'stats_few', 900);
    await fill(store, 'stats_many', 3_000);
    // (The store's own check may have run already: then this one finds nothing left to do.)
    await pglite.refreshStatistics();
    expect((await statsOf(store, 'stats_few')).analyzed).toBe(true);
    expect((await deadOf(store, 'stats_few')).vacuums).toBe(0);
    expect((await deadOf(store, 'stats_many')).vacuums).toBe(1);
    // Every page marked all-visible: a count over the owner index reads no table page.
    const { rows } = await store.query<{ pages: number; visible: number }>(
      "SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname = 'stats_many'",
    );
    expect(rows[0]!.pages).toBeGreaterThan(0);
    expect(rows[0]!.visible).toBe(rows[0]!.pages);
    const plan = await store.query<{ 'QUERY PLAN': string }>(
      "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM stats_many WHERE tenant = 'acme' AND owner = 'owner7'",
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Only Scan/);
    expect(text).toMatch(/Heap Fetches: 0/);
  });

  it('closes cleanly while a check is due or running (the check stops between tables)', async () => {
    store = await openStore({});
    await fill(store, 'stats_closing', 500);
    const running = (store as PGliteStore).refreshStatistics();
    await store.close();
    expect(await running).toEqual(expect.any(Array));
    store = undefined;
  });

  it('also analyzes a table that holds rows but was never analyzed, whatever its change count says', async () => {
    store = await openStore({});
    const pglite = store as PGliteStore;
    // Under the insert rule (1,000 rows): only "never analyzed" can make it due below.
    await fill(store, 'stats_forgotten', 900);
    await pglite.refreshStatistics();
    // As after an unclean stop: PostgreSQL drops the change counts, and this table was never analyzed.
    await forgetStatistics(store, 'stats_forgotten');
    expect((await statsOf(store, 'stats_forgotten')).reltuples).toBe(-1);
    // This check, or the store's own one if its timer came first: either finds the table due.
    await pglite.refreshStatistics();
    expect((await statsOf(store, 'stats_forgotten')).reltuples).toBe(900);
  });

  it("checks what an earlier process left one interval after opening, not ahead of a start's first statements", async () => {
    const dir = await tempDir('portcullis-store-reopen-');
    try {
      store = await openStore({ dataDir: dir });
      await fill(store, 'stats_left', 900);
      await (store as PGliteStore).refreshStatistics();
      // As a process that stopped before its check would leave it: rows, never analyzed.
      await forgetStatistics(store, 'stats_left');
      await store.close();
      store = await openStore({ dataDir: dir });
      // Timers run in the order they fall due: this one, set after the store's (one interval after
      // opening), ends first however late both run, so the query below is queued ahead of the check.
      // The check used to run as soon as the store opened (~40 ms on a start, before any caller).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await statsOf(store, 'stats_left')).reltuples).toBe(-1);
      expect((await analyzedSoon(store, 'stats_left')).reltuples).toBe(900);
    } finally {
      await store?.close();
      store = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded store: WAL between checkpoints', () => {
  it('takes a checkpoint once more than max_wal_size of WAL was written since the last one', async () => {
    const dir = await tempDir('portcullis-store-wal-');
    try {
      store = await openStore({ dataDir: dir });
      const pglite = store as PGliteStore;
      const wal = async () => {
        const { rows } = await store!.query<{ since: string; redo: string; limit: string }>(
          `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn) AS since,
                  (pg_control_checkpoint()).redo_lsn::text AS redo,
                  pg_size_bytes(current_setting('max_wal_size')) AS limit`,
        );
        return { since: Number(rows[0]!.since), redo: rows[0]!.redo, limit: Number(rows[0]!.limit) };
      };
      const sinceCheckpoint = async () => (await wal()).since;
      const limit = (await wal()).limit;
      expect(limit).toBe(64 * 1024 * 1024); // PGLITE_SETTINGS.max_wal_size
      await store.exec('CREATE TABLE wal_filler (id integer PRIMARY KEY, pad text NOT NULL)');
      // Under the limit a check takes no checkpoint.
      await store.query(
        'INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(-100, -1) g',
      );
      const before = await wal();
      expect(before.since).toBeLessThan(limit);
      await pglite.refreshStatistics();
      expect((await wal()).redo).toBe(before.redo);
      // ~80 MB of rows: PGlite alone (no checkpointer) would keep all of their WAL until close.
      for (let i = 0; i < 8; i++)
        await store.query(
          'INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 32) FROM generate_series($1::int, $2::int) g',
          [i * 10_000, i * 10_000 + 9_999],
        );
      expect(await sinceCheckpoint()).toBeGreaterThan(limit);
      await pglite.refreshStatistics();
      expect(await sinceCheckpoint()).toBeLessThan(limit);
    } finally {
      await store?.close();
      store = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

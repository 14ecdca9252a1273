/**
 * The embedded store keeps the planner's statistics itself (PGlite runs no autovacuum): a table
 * filled through the store is analyzed soon after, by autovacuum's rule, off the caller's path.
 */
import { afterEach, describe, expect, it } from 'vitest';
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

/** Polls (bounded) until the store's own check has analyzed the table. */
async function analyzedSoon(s: Store, table: string): Promise<TableStats> {
  const until = Date.now() + 10_000;
  for (;;) {
    const st = await statsOf(s, table);
    if (st.analyzed || Date.now() > until) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
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
    await store.query("UPDATE stats_small SET owner = 'x' WHERE id < 120");
    expect(await pglite.refreshStatistics()).toEqual([]);
    expect((await statsOf(store, 'stats_small')).changed).toBe(120);
    await store.query("UPDATE stats_small SET owner = 'y' WHERE id < 300");
    expect(await pglite.refreshStatistics()).toEqual(['public.stats_small']);
    expect((await statsOf(store, 'stats_small')).changed).toBe(0);
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
    await fill(store, 'stats_forgotten', 1_000);
    await pglite.refreshStatistics();
    // As after an unclean stop: PostgreSQL drops the change counts, and this table was never analyzed.
    await store.exec(
      "DELETE FROM pg_statistic WHERE starelid = 'stats_forgotten'::regclass; UPDATE pg_class SET reltuples = -1 WHERE oid = 'stats_forgotten'::regclass",
    );
    expect(await pglite.refreshStatistics()).toContain('public.stats_forgotten');
    expect((await statsOf(store, 'stats_forgotten')).reltuples).toBe(1_000);
  });
});

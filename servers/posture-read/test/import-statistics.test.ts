/**
 * An import's lookups stay key probes however stale the planner's statistics were when it began
 * (not a timing test: it counts rows). Each chunk looks its 1,000 ids up in posture_findings inside
 * the import's one transaction, where no upkeep refreshes the statistics. On the embedded store,
 * planned from ones that put few findings in the tenant, the lookup walked the tenant's findings
 * testing each against the ids, so each chunk read every finding the chunks before it wrote; the
 * transaction's own counters (pg_stat_xact_user_tables) say how many rows each lookup read.
 *
 * On a PostgreSQL server the same walks are the planner's own choice at these sizes, and cheap:
 * node-postgres sends each statement unnamed, so the chunk's ids are a constant list PostgreSQL
 * hashes, one probe per finding read. The import does not refresh the statistics there (an ANALYZE
 * in the transaction would hold its lock on the table until the commit); the test checks that, and
 * the import itself, staged assets included, through that driver.
 */
import { describe, expect, it } from 'vitest';
import { migrate, openStore, type Store, type StoreTransaction } from '@portcullis/core/store';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { importFindings } from '../src/importers/importer.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { ocsfStream, postureDatabase } from './import-helpers.js';

const LOOKUP = 'SELECT id, status, record_hash FROM posture_findings';

/** Imports n generated findings for the tenant and says how many rows each chunk's lookup read. */
async function importCountingReads(
  store: Store,
  tenant: string,
  n: number,
): Promise<{ added: number; reads: number[]; analyzes: number }> {
  const reads: number[] = [];
  let analyzes = 0;
  const counting = (tx: StoreTransaction): StoreTransaction => ({
    exec: (sql) => tx.exec(sql),
    query: async <T>(sql: string, params?: unknown[]) => {
      if (sql.startsWith('ANALYZE')) analyzes++;
      if (!sql.startsWith(LOOKUP)) return tx.query<T>(sql, params);
      const read = async () => {
        const r = await tx.query<{ n: string }>(
          "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'posture_findings'",
        );
        return Number(r.rows[0]!.n);
      };
      const before = await read();
      const res = await tx.query<T>(sql, params);
      reads.push((await read()) - before);
      return res;
    },
  });
  const recording = Object.assign(Object.create(store) as Store, {
    transaction: <T>(fn: (tx: StoreTransaction) => Promise<T>) => store.transaction((tx) => fn(counting(tx))),
  });
  const r = await importFindings(recording, ocsfStream(n), {
    tenant,
    format: 'ocsf',
    sourceName: 'generated',
  });
  return { added: r.counts.new, reads, analyzes };
}

function scenarios(open: (name: string) => Promise<Store>, embedded: boolean): void {
  it('into a table analyzed when it held one finding', async () => {
    const store = await open('one');
    try {
      await importFindings(store, ocsfStream(1), { tenant: 't', format: 'ocsf', sourceName: 'one' });
      const { added, reads, analyzes } = await importCountingReads(store, 't', 10_000);
      expect(added).toBe(9_999);
      expect(reads).toHaveLength(10);
      expect(reads[0]).toBe(1); // the one finding it already had
      // After the third chunk: the planner expected ~100 findings.
      expect(analyzes).toBe(embedded ? 1 : 0);
      // Their ids are all new: a probe of the key reads nothing, where the walk read every
      // finding written before them (7,000, 8,000 and 9,000).
      if (embedded) expect(reads.slice(-3)).toEqual([0, 0, 0]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it("a tenant the statistics have never seen, in a table of another tenant's findings", async () => {
    const store = await open('two');
    try {
      await importFindings(store, ocsfStream(3_000), { tenant: 'a', format: 'ocsf', sourceName: 'a' });
      const { added, reads, analyzes } = await importCountingReads(store, 'b', 10_000);
      expect(added).toBe(10_000);
      expect(analyzes).toBe(embedded ? 1 : 0);
      if (embedded) expect(reads.slice(-3)).toEqual([0, 0, 0]);
      const counts = await store.query<{ tenant: string; n: number }>(
        'SELECT tenant, count(*)::int AS n FROM posture_findings GROUP BY tenant ORDER BY tenant',
      );
      expect(counts.rows).toEqual([
        { tenant: 'a', n: 3_000 },
        { tenant: 'b', n: 10_000 },
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
}

describe('embedded store', () => {
  scenarios(async () => {
    const store = await openStore({ extensions: storeExtensions });
    await migrate(store, 'posture-read', migrations);
    return store;
  }, true);
});

withPostgres('PostgreSQL', (pg) => {
  describe('PostgreSQL server', () => {
    scenarios((name) => postureDatabase(pg().url, `import_statistics_${name}`), false);
  });
});

/**
 * The first import into an empty embedded store builds the indexes after its rows (deferIndexes):
 * each table it writes that holds no row loses its indexes (neither unique nor a constraint's)
 * inside the import's transaction and has them built again, the same, before the commit. A table
 * that holds rows, a PostgreSQL server, a failed import, a dry run and a killed process all leave
 * the indexes as they were. The keys the migrations keep are the primary keys alone: the ids are
 * hashes of what the UNIQUE constraints 0007 dropped held unique.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrate, openStore, type Store, type StoreTransaction } from '@portcullis/core/store';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { importFindings } from '../src/importers/importer.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { ocsfFinding, ocsfStream, postureDatabase } from './import-helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Every index of posture-read's tables, by name: its definition and whether it is usable. */
async function indexes(store: Store): Promise<Record<string, string>> {
  const r = await store.query<{ name: string; def: string; valid: boolean }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AND i.indisready AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relname LIKE 'posture\\_%' ORDER BY c.relname`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, `${x.def}${x.valid ? '' : ' (INVALID)'}`]));
}

/** The store, with each statement the import's transaction runs recorded in `sql`. */
function recording(store: Store, sql: string[]): Store {
  const rec = (tx: StoreTransaction): StoreTransaction => ({
    exec: (s) => tx.exec(s),
    query: <T>(s: string, params?: unknown[]) => {
      sql.push(s);
      return tx.query<T>(s, params);
    },
  });
  return Object.assign(Object.create(store) as Store, {
    transaction: <T>(fn: (tx: StoreTransaction) => Promise<T>) => store.transaction((tx) => fn(rec(tx))),
  });
}

async function embedded(dataDir?: string): Promise<Store> {
  const store = await openStore({ extensions: storeExtensions, ...(dataDir ? { dataDir } : {}) });
  await migrate(store, 'posture-read', migrations);
  return store;
}

const drops = (sql: string[]): string[] => sql.filter((s) => s.startsWith('DROP INDEX'));
const builds = (sql: string[]): string[] => sql.filter((s) => s.startsWith('CREATE INDEX'));

/** Imports n generated findings for the tenant; the statements its transaction ran, and its counts. */
async function importRecorded(
  store: Store,
  tenant: string,
  n: number,
  opts: { dryRun?: boolean } = {},
): Promise<{ sql: string[]; added: number }> {
  const sql: string[] = [];
  const r = await importFindings(recording(store, sql), ocsfStream(n), {
    tenant,
    format: 'ocsf',
    sourceName: `${n} for ${tenant}`,
    ...opts,
  });
  return { sql, added: r.counts.new };
}

async function rows(store: Store, table: string): Promise<number> {
  return Number((await store.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
}

function keysOnly(open: () => Promise<Store>): void {
  it('keeps no UNIQUE constraint but the primary keys (0007)', async () => {
    const store = await open();
    try {
      const r = await store.query<{ table: string; type: string }>(
        `SELECT t.relname AS table, k.contype AS type FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
          WHERE t.relname LIKE 'posture\\_%' AND k.contype IN ('p', 'u') ORDER BY 1, 2`,
      );
      expect(r.rows.filter((x) => x.type === 'u')).toEqual([]);
      expect(r.rows.map((x) => x.table)).toEqual([
        'posture_assets',
        'posture_compliance',
        'posture_controls',
        'posture_findings',
        'posture_history',
        'posture_import_batches',
        'posture_settings',
      ]);
    } finally {
      await store.close();
    }
  });
}

describe('embedded store', () => {
  keysOnly(() => embedded());

  it('builds the indexes of the tables it writes after their rows, the same, when they were empty', async () => {
    const store = await embedded();
    try {
      const before = await indexes(store);
      const { sql, added } = await importRecorded(store, 'a', 2_500);
      expect(added).toBe(2_500);
      // Every index of the four tables no constraint owns, dropped once, before the first row.
      const deferred = Object.keys(before).filter(
        (n) => /^posture_(findings|assets|compliance|history)_/.test(n) && !n.endsWith('_pkey'),
      );
      expect(deferred).toContain('posture_findings_text');
      expect(deferred).toContain('posture_assets_text');
      expect(deferred).toContain('posture_compliance_page');
      expect(deferred).toContain('posture_compliance_framework_page');
      expect(deferred).toContain('posture_compliance_rule');
      expect(drops(sql)).toEqual(deferred.map((n) => `DROP INDEX public.${n}`));
      const firstWrite = sql.findIndex((s) => s.startsWith('INSERT'));
      expect(sql.findLastIndex((s) => s.startsWith('DROP INDEX'))).toBeLessThan(firstWrite);
      // Built again after the last row: each definition as the migrations made it, and valid.
      const lastWrite = sql.findLastIndex((s) => s.startsWith('INSERT'));
      expect(builds(sql)).toEqual(deferred.map((n) => before[n]));
      expect(sql.findIndex((s) => s.startsWith('CREATE INDEX'))).toBeGreaterThan(lastWrite);
      expect(await indexes(store)).toEqual(before);
      // And read: a text search through the trigram index (the store's one session, told to use
      // an index where it can) finds the findings written before it was built.
      await store.query('SET enable_seqscan = off');
      const plan = await store.query<{ 'QUERY PLAN': string }>(
        "EXPLAIN SELECT id FROM posture_findings WHERE coalesce(scan_text, long_text) LIKE '%generated check 7%'",
      );
      expect(plan.rows.map((x) => x['QUERY PLAN']).join('\n')).toMatch(/posture_findings_text/);
      const text = await store.query<{ n: string }>(
        "SELECT count(*) AS n FROM posture_findings WHERE tenant = 'a' AND coalesce(scan_text, long_text) LIKE '%generated check 7%'",
      );
      expect(Number(text.rows[0]!.n)).toBe(50); // the titles of i % 50 = 7, 50 of 2,500
    } finally {
      await store.close();
    }
  }, 120_000);

  it('keeps the indexes while a table holds rows: the next import maintains them', async () => {
    const store = await embedded();
    try {
      await importFindings(store, ocsfStream(10), { tenant: 'a', format: 'ocsf', sourceName: 'one' });
      const before = await indexes(store);
      const { sql, added } = await importRecorded(store, 'b', 1_200);
      expect(added).toBe(1_200);
      expect(drops(sql)).toEqual([]);
      expect(builds(sql)).toEqual([]);
      expect(await indexes(store)).toEqual(before);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('drops and builds only the indexes of the tables that held no row', async () => {
    const store = await embedded();
    try {
      // Findings, assets and history, but no compliance mapping yet.
      const bare = Readable.from([
        JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ ...ocsfFinding(i), unmapped: {} }))),
      ]);
      await importFindings(store, bare, { tenant: 'a', format: 'ocsf', sourceName: 'bare' });
      expect(await rows(store, 'posture_compliance')).toBe(0);
      const before = await indexes(store);
      const { sql } = await importRecorded(store, 'b', 1_200);
      expect(drops(sql)).toEqual([
        'DROP INDEX public.posture_compliance_framework_page',
        'DROP INDEX public.posture_compliance_page',
        'DROP INDEX public.posture_compliance_rule',
      ]);
      expect(builds(sql)).toEqual([
        before.posture_compliance_framework_page,
        before.posture_compliance_page,
        before.posture_compliance_rule,
      ]);
      expect(await rows(store, 'posture_compliance')).toBeGreaterThan(0);
      expect(await indexes(store)).toEqual(before);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a failed import and a dry run into an empty store leave every index, and no row', async () => {
    const store = await embedded();
    try {
      const before = await indexes(store);
      // Two chunks written (the indexes already dropped), then a record that does not fit.
      const bad = Readable.from([
        JSON.stringify([
          ...Array.from({ length: 2_100 }, (_, i) => ocsfFinding(i)),
          { ...ocsfFinding(2_100), resources: [] },
        ]),
      ]);
      const failed: string[] = [];
      await expect(
        importFindings(recording(store, failed), bad, { tenant: 'a', format: 'ocsf', sourceName: 'bad' }),
      ).rejects.toThrow(/record 2100/);
      expect(drops(failed).length).toBeGreaterThan(0); // dropped, written, then rolled back
      expect(await indexes(store)).toEqual(before);
      const { sql, added } = await importRecorded(store, 'a', 1_500, { dryRun: true });
      expect(added).toBe(1_500);
      expect(drops(sql).length).toBeGreaterThan(0); // the dry run took the same path, then rolled back
      expect(await indexes(store)).toEqual(before);
      for (const t of ['posture_findings', 'posture_assets', 'posture_compliance', 'posture_history'])
        expect(await rows(store, t)).toBe(0);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('an import killed before its commit leaves every index, and no row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-import-kill-'));
    const cache = mkdtempSync(join(tmpdir(), 'posture-import-kill-cache-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    });
    const first = await embedded(dir);
    const before = await indexes(first).finally(() => first.close());
    const child = spawn(process.execPath, [CLI, 'import', '--tenant', 'a', '--format', 'ocsf', '-'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORTCULLIS_DATA_DIR: dir,
        PORTCULLIS_LOG_LEVEL: 'silent',
        XDG_CACHE_HOME: cache,
      },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.once('exit', (_, signal) => done(signal)),
    );
    // An array that never ends, written as the command reads it: once 2,500 records are past the
    // pipe's buffer, the import has written chunks in its transaction (the indexes dropped) and
    // cannot have committed (the array has not ended).
    const write = (s: string) =>
      new Promise<void>((done, fail) => child.stdin.write(s, (err) => (err ? fail(err) : done())));
    await write('[');
    for (let i = 0; i < 3_000; i++) await write(`${i === 0 ? '' : ','}${JSON.stringify(ocsfFinding(i))}`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');
    const store = await embedded(dir);
    try {
      expect(await indexes(store)).toEqual(before);
      expect(await rows(store, 'posture_findings')).toBe(0);
      // And the next import, into the same empty store, builds them as the first should have.
      const r = await importFindings(store, ocsfStream(1_100), {
        tenant: 'a',
        format: 'ocsf',
        sourceName: 'again',
      });
      expect(r.counts.new).toBe(1_100);
      expect(await indexes(store)).toEqual(before);
    } finally {
      await store.close();
    }
  }, 180_000);
});

withPostgres('PostgreSQL', (pg) => {
  describe('PostgreSQL server', () => {
    const open = (name: string): Promise<Store> => postureDatabase(pg().url, `import_indexes_${name}`);
    keysOnly(() => open('keys'));

    it('maintains the indexes of an empty table row by row: no reader waits on a dropped one', async () => {
      const store = await open('empty');
      try {
        const before = await indexes(store);
        const { sql, added } = await importRecorded(store, 'a', 1_200);
        expect(added).toBe(1_200);
        expect(drops(sql)).toEqual([]);
        expect(await indexes(store)).toEqual(before);
      } finally {
        await store.close();
      }
    }, 120_000);
  });
});

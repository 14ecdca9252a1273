/**
 * The embedded store's prepared statements (src/pglite-statements.ts): the same answers as
 * PGlite's own query(), a repeated statement is one call into PostgreSQL (a guard on the call
 * count, not a timing), a bounded number of statements per connection, errors that leave the
 * connection usable, and the store's locking: a query never runs inside another caller's transaction.
 */
import * as pgliteModule from '@electric-sql/pglite';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PREPARED_TEXT, PreparedStatements } from '../src/pglite-statements.js';
import { openStore, type Store } from '../src/store.js';

const INT8_AS_TEXT = { [pgliteModule.types.INT8]: (v: string) => v };

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function pglite(): Promise<PGlite> {
  const db = await PGlite.create({ parsers: INT8_AS_TEXT });
  open.push(db);
  await db.exec(`CREATE TABLE t (
    tenant text, id text, name text, n int8, amount numeric, tags text[], doc jsonb, at timestamptz,
    ok boolean, raw bytea, PRIMARY KEY (tenant, id))`);
  return db;
}

async function store(): Promise<Store> {
  const s = await openStore({});
  open.push(s);
  await s.exec('CREATE TABLE t (tenant text, id text, n int, PRIMARY KEY (tenant, id))');
  return s;
}

const ROW = [
  'acme',
  'a1',
  'Zoë',
  '9007199254740993',
  '12.50',
  ['x', 'y,z'],
  { k: [1, 'two'] },
  new Date('2026-01-02T03:04:05Z'),
  true,
  new Uint8Array([0, 1, 255]),
];
const INSERT = 'INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';
/** PreparedStatements.run's third argument: whether the caller is inside a transaction. */
const OUTSIDE = false;
const INSIDE = true;

describe('prepared statements on the embedded store', () => {
  it('answer as PGlite’s query() does: rows, types, nulls and counts', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule);
    const ours = await ps.run(INSERT, ROW, OUTSIDE);
    const theirs = await db.query(INSERT, ['globex', ...ROW.slice(1)]);
    expect(ours.affectedRows).toBe(1);
    expect(ours.rows).toEqual(theirs.rows);
    const sql = 'SELECT * FROM t WHERE id = $1 ORDER BY tenant';
    for (let i = 0; i < 3; i++) {
      const a = await ps.run(sql, ['a1'], OUTSIDE);
      const b = await db.query(sql, ['a1']);
      expect(a.rows).toEqual(b.rows);
      expect(a.fields).toEqual(b.fields);
    }
    const [first] = (await ps.run<Record<string, unknown>>(sql, ['a1'], OUTSIDE)).rows;
    expect(first).toMatchObject({
      n: '9007199254740993',
      tags: ['x', 'y,z'],
      doc: { k: [1, 'two'] },
      ok: true,
    });
    const nulls = await ps.run('SELECT $1::text AS a, $2::int AS b', [null, undefined], OUTSIDE);
    expect(nulls.rows).toEqual([{ a: null, b: null }]);
    const upd = await ps.run('UPDATE t SET name = $1 WHERE id = $2', ['x', 'a1'], OUTSIDE);
    expect(upd.affectedRows).toBe(
      (await db.query('UPDATE t SET name = $1 WHERE id = $2', ['x', 'a1'])).affectedRows,
    );
    expect(upd.rows).toEqual([]);
  });

  it('parse a statement once: a repeated statement is one call into PostgreSQL, not six', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule);
    const calls = vi.spyOn(db, 'execProtocol');
    const prepared = async () =>
      (
        await db.query<{ name: string; statement: string }>(
          'SELECT name, statement FROM pg_prepared_statements',
        )
      ).rows;
    const sql = 'SELECT id FROM t WHERE tenant = $1 AND id = $2';
    // First run: the unnamed statement (parse, describe, sync; then bind, execute, sync), kept by nobody.
    await ps.run(sql, ['acme', 'a0'], OUTSIDE);
    expect(calls).toHaveBeenCalledTimes(2);
    expect(await prepared()).toEqual([]);
    // Second run: prepared as a named statement, then run; from then on one call each.
    await ps.run(sql, ['acme', 'a1'], OUTSIDE);
    expect(calls).toHaveBeenCalledTimes(4);
    calls.mockClear();
    for (let i = 0; i < 5; i++) await ps.run(sql, ['acme', `a${i}`], OUTSIDE);
    expect(calls).toHaveBeenCalledTimes(5);
    expect(await prepared()).toEqual([{ name: expect.stringMatching(/^portcullis_/), statement: sql }]);
  });

  it('keep at most the configured number of statements, closing the least recently used', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule, 3);
    const texts = [1, 2, 3, 4, 5].map((i) => `SELECT $1::int + ${i} AS v`);
    for (const [i, sql] of texts.entries()) {
      for (let k = 0; k < 2; k++)
        expect((await ps.run<{ v: number }>(sql, [10], OUTSIDE)).rows).toEqual([{ v: 11 + i }]);
      if (i === 2) await ps.run(texts[0]!, [0], OUTSIDE); // used again: the second text is now the oldest
    }
    expect(ps.size).toBe(3);
    await ps.run('SELECT 1 AS one', [], OUTSIDE); // dropped statements are closed by the next call
    const held = await db.query<{ statement: string }>(
      'SELECT statement FROM pg_prepared_statements ORDER BY 1',
    );
    expect(held.rows.map((r) => r.statement)).toEqual([texts[0], texts[3], texts[4]]);
  });

  it('keep no statement whose text is longer than the limit (a seed’s multi-row INSERT), and still run it', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule);
    const rows = Array.from({ length: 800 }, (_, i) => ['acme', `b${i}`]);
    const sql = `INSERT INTO t (tenant, id) VALUES ${rows.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`;
    expect(sql.length).toBeGreaterThan(MAX_PREPARED_TEXT);
    expect((await ps.run(sql, rows.flat(), OUTSIDE)).affectedRows).toBe(800);
    await expect(ps.run(sql, rows.flat(), OUTSIDE)).rejects.toMatchObject({ code: '23505' });
    expect(ps.size).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows).toEqual([
      { n: 0 },
    ]);
    expect((await ps.run('SELECT count(*)::int AS n FROM t', [], OUTSIDE)).rows).toEqual([{ n: 800 }]);
  });

  it('leave the connection usable and no statement behind when PostgreSQL refuses one', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule);
    for (let k = 0; k < 2; k++)
      await expect(ps.run('SELEC 1', [], OUTSIDE)).rejects.toMatchObject({ code: '42601' });
    expect(ps.size).toBe(0);
    await ps.run(INSERT, ROW, OUTSIDE);
    await expect(ps.run(INSERT, ROW, OUTSIDE)).rejects.toMatchObject({ code: '23505' }); // prepared, then refused
    for (let k = 0; k < 2; k++)
      await expect(ps.run('SELECT $1::int AS v', ['not a number'], OUTSIDE)).rejects.toMatchObject({
        code: '22P02',
      });
    for (let k = 0; k < 2; k++)
      expect((await ps.run('SELECT count(*) AS n FROM t', [], OUTSIDE)).rows).toEqual([{ n: '1' }]);
    expect(ps.size).toBe(3);
    expect((await db.query('SELECT count(*) AS n FROM pg_prepared_statements')).rows).toEqual([{ n: '3' }]);
  });

  it('prepare a statement again when a table it reads with SELECT * changes shape', async () => {
    const db = await pglite();
    const ps = new PreparedStatements(db, pgliteModule);
    await ps.run(INSERT, ROW, OUTSIDE);
    const sql = 'SELECT * FROM t WHERE id = $1';
    await ps.run(sql, ['a1'], OUTSIDE);
    expect(Object.keys((await ps.run<object>(sql, ['a1'], OUTSIDE)).rows[0]!)).not.toContain('extra');
    expect(ps.size).toBe(1);
    await db.exec('ALTER TABLE t ADD COLUMN extra int DEFAULT 7');
    expect((await ps.run<object>(sql, ['a1'], OUTSIDE)).rows[0]).toMatchObject({ id: 'a1', extra: 7 });
    // Inside a transaction the error is the caller's (it aborted the transaction); the next call is fine.
    await db.exec('ALTER TABLE t DROP COLUMN extra');
    await expect(
      db.transaction(() => db._runExclusiveQuery(() => ps.run(sql, ['a1'], INSIDE))),
    ).rejects.toMatchObject({ code: '0A000' });
    expect((await ps.run<object>(sql, ['a1'], OUTSIDE)).rows[0]).not.toHaveProperty('extra');
  });
});

describe('the embedded store’s queries', () => {
  it('never run inside another caller’s transaction', async () => {
    const s = await store();
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const tx = s.transaction(async (t) => {
      await t.query('INSERT INTO t VALUES ($1, $2, $3)', ['acme', 'a1', 1]);
      inserted();
      await released;
      throw new Error('roll back');
    });
    await insertedP;
    // Started while the transaction holds its uncommitted row: it must wait, then see the rollback.
    const count = s.query<{ n: string }>('SELECT count(*)::text AS n FROM t WHERE tenant = $1', ['acme']);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await expect(tx).rejects.toThrow('roll back');
    expect((await count).rows).toEqual([{ n: '0' }]);
  });

  it('refuse a transaction’s handle once the transaction has ended', async () => {
    const s = await store();
    let kept: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    await s.transaction(async (t) => {
      kept = t;
      await t.query('INSERT INTO t VALUES ($1, $2, $3)', ['acme', 'a1', 1]);
    });
    await expect(kept!.query('DELETE FROM t')).rejects.toThrow('ended');
    expect((await s.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }]);
  });

  it('prepare statements again after a schema change: a column’s new type, a new column inside a transaction, DISCARD ALL', async () => {
    const s = await store();
    await s.exec('CREATE TABLE u (id int PRIMARY KEY, c text)');
    const up = 'INSERT INTO u (id, c) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET c = EXCLUDED.c';
    for (const id of [1, 2]) await s.query(up, [id, 'a']); // kept, $2 inferred as text
    await s.exec('ALTER TABLE u ALTER COLUMN c TYPE jsonb USING to_jsonb(c)');
    expect((await s.query(up, [3, { k: 1 }])).rowCount).toBe(1);
    const sel = 'SELECT * FROM u WHERE id = $1';
    for (let k = 0; k < 2; k++) await s.query(sel, [3]);
    const inTx = await s.transaction(async (t) => {
      await t.query('ALTER TABLE u ADD COLUMN extra int DEFAULT 7');
      return (await t.query(sel, [3])).rows;
    });
    expect(inTx).toEqual([{ id: 3, c: { k: 1 }, extra: 7 }]);
    await s.query('DISCARD ALL');
    expect((await s.query(sel, [3])).rows).toEqual(inTx);
  });

  it('run statements whose rows take their shape when they run (FETCH) with that shape', async () => {
    const s = await store();
    for (const [decl, rows] of [
      ['SELECT 1 AS a', [{ a: 1 }]],
      ['SELECT 2 AS a', [{ a: 2 }]],
      ["SELECT 'x'::text AS name, 5 AS n", [{ name: 'x', n: 5 }]],
    ] as const) {
      const got = await s.transaction(async (t) => {
        await t.exec(`DECLARE c CURSOR FOR ${decl}`);
        return (await t.query('FETCH ALL FROM c')).rows;
      });
      expect(got).toEqual(rows);
    }
  });

  it('run a statement refused with "feature not supported" once: a procedure’s committed work is not done twice', async () => {
    const s = await store();
    await s.exec(`CREATE TABLE log (n int);
      CREATE PROCEDURE p() LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO log VALUES (1);
        COMMIT;
        RAISE EXCEPTION 'not supported here' USING ERRCODE = 'feature_not_supported';
      END $$;`);
    for (let k = 0; k < 3; k++) await expect(s.query('CALL p()')).rejects.toMatchObject({ code: '0A000' });
    expect((await s.query('SELECT count(*)::int AS n FROM log')).rows).toEqual([{ n: 3 }]);
  });

  it('refuse, not answer empty, a query issued while the store is closing', async () => {
    const s = await store();
    const closing = s.close();
    await Promise.resolve();
    const write = s.query('INSERT INTO t VALUES ($1, $2, $3)', ['acme', 'a1', 1]);
    await expect(write).rejects.toThrow(/closing|closed/);
    await closing;
  });

  it('count the rows a write changed, and answer many concurrent callers in order', async () => {
    const s = await store();
    const writes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        s.query('INSERT INTO t VALUES ($1, $2, $3)', ['acme', `a${i}`, i]),
      ),
    );
    expect(writes.every((w) => w.rowCount === 1)).toBe(true);
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        s.query<{ n: number }>('SELECT n FROM t WHERE id = $1', [`a${i}`]),
      ),
    );
    expect(reads.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await s.query('UPDATE t SET n = n + 1 WHERE n < $1', [10])).rowCount).toBe(10);
  });
});

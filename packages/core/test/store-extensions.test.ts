/**
 * The embedded store loads the PostgreSQL extensions it is opened with and no others: every open
 * puts each one's files in PGlite's file system (PostgreSQL links the library when a statement
 * first needs it), so a system whose migrations create none (billing, remediation-write) has no
 * trace of the pg_trgm of the CRM and posture-read. A system declares its own
 * (`storeExtensions`), its runtime's host opens the store with them, and a system mounted on a
 * host whose store lacks one is refused before anything of it starts.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { pgliteExtension } from '../src/pglite-setup.js';
import { ServerRuntime } from '../src/runtime.js';
import { openStore, STORE_EXTENSIONS, type Store } from '../src/store.js';
import { thingsServer } from './fixtures/things-server.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-ext-'));
  dirs.push(dir);
  return dir;
};
const env = () => ({ PORTCULLIS_DATA_DIR: dataDir(), PORTCULLIS_LOG_LEVEL: 'silent' });

const available = async (store: Store) =>
  (await store.query<{ name: string }>("SELECT name FROM pg_available_extensions WHERE name = 'pg_trgm'"))
    .rows.length === 1;

describe('store extensions', () => {
  it('an embedded store has only the extensions it is opened with', async () => {
    const bare = await openStore({});
    try {
      expect(await available(bare)).toBe(false);
      await expect(bare.exec('CREATE EXTENSION pg_trgm')).rejects.toThrow(/pg_trgm/);
    } finally {
      await bare.close();
    }
    const withTrgm = await openStore({ extensions: ['pg_trgm', 'pg_trgm'] });
    try {
      expect(await available(withTrgm)).toBe(true);
      await withTrgm.exec('CREATE EXTENSION pg_trgm');
      const res = await withTrgm.query<{ s: number }>("SELECT similarity('portcullis', 'portcullises') AS s");
      expect(res.rows[0]!.s).toBeGreaterThan(0.5);
    } finally {
      await withTrgm.close();
    }
    // A name the store does not know (a definition written in JavaScript) stops the open, before
    // it takes the data directory.
    const dir = dataDir();
    await expect(openStore({ dataDir: dir, extensions: ['postgis' as 'pg_trgm'] })).rejects.toThrow(
      /no extension postgis \(it has pg_trgm\)/,
    );
    await (await openStore({ dataDir: dir })).close();
  });

  it('a directory holding a trigram index needs pg_trgm to vacuum it: a command that does not know the directory’s systems loads every extension', async () => {
    expect(STORE_EXTENSIONS).toEqual(['pg_trgm']);
    const dir = dataDir();
    const first = await openStore({ dataDir: dir, extensions: ['pg_trgm'] });
    await first.exec(`
      CREATE EXTENSION pg_trgm;
      CREATE TABLE words (name text);
      CREATE INDEX words_trgm ON words USING gin (lower(name) gin_trgm_ops);
      INSERT INTO words SELECT 'word ' || i FROM generate_series(1, 500) i;
      DELETE FROM words WHERE name LIKE '%7%';`);
    await first.close();
    // What a kill-switch command would meet in a broker's directory.
    const without = await openStore({ dataDir: dir });
    try {
      await expect(without.exec('VACUUM words')).rejects.toThrow(/pg_trgm/);
    } finally {
      await without.close();
    }
    const every = await openStore({ dataDir: dir, extensions: STORE_EXTENSIONS });
    try {
      await every.exec('VACUUM words');
    } finally {
      await every.close();
    }
  });

  it('a reopened store links pg_trgm when a statement first needs it: index scans, index writes and its functions all work', async () => {
    const dir = dataDir();
    const first = await openStore({ dataDir: dir, extensions: ['pg_trgm'] });
    await first.exec(`
      CREATE EXTENSION pg_trgm;
      CREATE TABLE words (id int PRIMARY KEY, name text NOT NULL);
      CREATE INDEX words_trgm ON words USING gin (lower(name) gin_trgm_ops);
      INSERT INTO words SELECT i, 'word ' || i FROM generate_series(1, 300) i;`);
    await first.close();
    const store = await openStore({ dataDir: dir, extensions: ['pg_trgm'] });
    try {
      // A statement that needs no trigram first (what most first calls are), then ones that do.
      expect((await store.query<{ n: string }>('SELECT count(*) AS n FROM words')).rows[0]!.n).toBe('300');
      await store.transaction(async (tx) => {
        await tx.exec('SET LOCAL enable_seqscan = off');
        const plan = await tx.query<{ 'QUERY PLAN': string }>(
          "EXPLAIN SELECT id FROM words WHERE lower(name) LIKE '%rd 29%'",
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/words_trgm/);
        const hits = await tx.query<{ id: number }>(
          "SELECT id FROM words WHERE lower(name) LIKE '%rd 29%' ORDER BY id",
        );
        expect(hits.rows.map((r) => r.id)).toEqual([29, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299]);
      });
      await store.query('INSERT INTO words VALUES (301, $1)', ['Portcullis Holdings']);
      const sim = await store.query<{ s: number }>("SELECT similarity('portcullis', 'portcullises') AS s");
      expect(sim.rows[0]!.s).toBeGreaterThan(0.5);
    } finally {
      await store.close();
    }
  });

  it("an extension's files go into PGlite's file system as it starts, by the kit's own setup rather than PGlite's bundle loader", async () => {
    const earlier = (): void => undefined;
    const result = await pgliteExtension('pg_trgm').setup({} as never, {
      preRun: [earlier],
      arguments: ['kept'],
    });
    // No bundlePath: PGlite's loader would compile and link the library at every open.
    expect(Object.keys(result)).toEqual(['emscriptenOpts']);
    const opts = result.emscriptenOpts as { preRun: ((mod: unknown) => void)[]; arguments: string[] };
    expect(opts.arguments).toEqual(['kept']);
    expect(opts.preRun).toHaveLength(2);
    expect(opts.preRun[0]).toBe(earlier);
    const written = new Map<string, number>();
    const made: string[] = [];
    const FS = {
      analyzePath: (p: string) => ({ exists: made.includes(p) }),
      mkdirTree: (p: string) => void made.push(p),
      writeFile: (p: string, data: Uint8Array) => void written.set(p, data.length),
    };
    opts.preRun[1]!({ FS, WASM_PREFIX: '/pglite' });
    expect(written.get('/pglite/lib/postgresql/pg_trgm.so')).toBeGreaterThan(1000);
    expect(written.get('/pglite/share/postgresql/extension/pg_trgm.control')).toBeGreaterThan(0);
    expect([...written.keys()].filter((p) => p.endsWith('.sql')).length).toBeGreaterThan(0);
    // Each folder made once, before the first file written into it.
    expect(made.sort()).toEqual(['/pglite/lib/postgresql', '/pglite/share/postgresql/extension']);
    // A module with no file system fails the open instead of leaving the extension half there.
    expect(() => opts.preRun[1]!({})).toThrow(/no file system to put the pg_trgm extension in/);
    // An extension the installed PGlite does not ship fails its setup (and so the open).
    await expect(pgliteExtension('no_such_ext').setup({} as never, {})).rejects.toThrow(/no_such_ext/);
  });

  it('a runtime opens its store with the extensions its system declares, and only those', async () => {
    const needing = thingsServer({
      storeExtensions: ['pg_trgm'],
      migrations: [{ id: '0001_words', sql: 'CREATE EXTENSION IF NOT EXISTS pg_trgm;' }],
    });
    const runtime = new ServerRuntime(needing, { env: env(), transport: 'stdio' });
    try {
      await runtime.ready;
      expect(runtime.host.storeExtensions).toEqual(['pg_trgm']);
      const rows = await runtime.host.store.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'");
      expect(rows.rows).toHaveLength(1);
    } finally {
      await runtime.close();
    }
    const plain = new ServerRuntime(thingsServer(), { env: env(), transport: 'stdio' });
    try {
      await plain.ready;
      expect(plain.host.storeExtensions).toEqual([]);
      expect(await available(plain.host.store)).toBe(false);
    } finally {
      await plain.close();
    }
  });

  it('a system mounted on a host whose store lacks an extension it needs is refused', async () => {
    const host = new ServerRuntime(thingsServer(), { env: env(), transport: 'stdio' });
    try {
      await host.ready;
      const mount = () =>
        new ServerRuntime(thingsServer({ name: 'words', storeExtensions: ['pg_trgm'] }), {
          host: host.host,
          transport: 'stdio',
        });
      expect(mount).toThrow(ConfigError);
      expect(mount).toThrow(/System words needs the store extension pg_trgm/);
    } finally {
      await host.close();
    }
  });
});

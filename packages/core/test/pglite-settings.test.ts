/**
 * Regression guard for the embedded store's footprint (not a timing test): the store opens with
 * the tuned settings, on a new data directory and on an existing one, keeps PGlite's own start
 * parameters except `-F` (fsync off) and flushes its commits (PGLITE_DURABILITY; the flushes
 * themselves are pglite-durability.test.ts's), its lock table still has room for a large
 * transaction, a new data directory comes from the build's template, and every open is handed the
 * one WebAssembly module compiled ahead (Host.warmStore).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import {
  compiledPgliteWasm,
  PGLITE_DURABILITY,
  PGLITE_SETTINGS,
  pgliteStartParams,
  pgliteTemplate,
  preparePgliteData,
} from '../src/pglite-setup.js';
import { openStore } from '../src/store.js';

// The measured values (docs/architecture.md, "Footprint"). Changing one is a decision, made here too.
const TUNED = {
  shared_buffers: '16MB',
  wal_buffers: '256kB',
  work_mem: '2MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '800kB',
  max_wal_size: '64MB',
  min_wal_size: '32MB',
  max_connections: '4',
  max_wal_senders: '0',
  max_replication_slots: '0',
};
// Settings that decide durability: every commit's WAL flushed, by fsync (the one flush PGlite's file
// system carries out), as PostgreSQL does on a server; the WAL level is PGlite's.
const DURABLE = {
  fsync: 'on',
  wal_sync_method: 'fsync',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  wal_level: 'replica',
};

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function settingsOf(dataDir: string | undefined): Promise<Record<string, string>> {
  const store = await openStore(dataDir === undefined ? {} : { dataDir });
  try {
    const names = [...Object.keys(TUNED), ...Object.keys(DURABLE)];
    const res = await store.query<{ name: string; setting: string }>(
      'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
      [names],
    );
    return Object.fromEntries(res.rows.map((r) => [r.name, r.setting]));
  } finally {
    await store.close();
  }
}

describe('embedded store settings', () => {
  it('are the tuned and durable ones, added to PGlite’s own start parameters without -F', () => {
    expect({ ...PGLITE_SETTINGS }).toEqual(TUNED);
    const { wal_level: _pglites, ...durable } = DURABLE;
    expect({ ...PGLITE_DURABILITY }).toEqual(durable);
    // PGlite's defaults include -F (fsync off): the store keeps every other one, in order.
    expect(PGlite.defaultStartParams).toContain('-F');
    const kept = PGlite.defaultStartParams.filter((p) => p !== '-F');
    const params = pgliteStartParams(PGlite.defaultStartParams);
    expect(params.slice(0, kept.length)).toEqual(kept);
    expect(params).not.toContain('-F');
    const added = params.slice(kept.length);
    expect(added.filter((_, i) => i % 2 === 0).every((f) => f === '-c')).toBe(true);
    const addedPairs = added.filter((_, i) => i % 2 === 1);
    expect(addedPairs).toEqual(
      [...Object.entries(durable), ...Object.entries(TUNED)].map(([k, v]) => `${k}=${v}`),
    );
  });

  it('hold on a new data directory (from the template), on reopening it, and in memory', async () => {
    expect(pgliteTemplate.usable()).toBe(true); // the package's build made it for this PGlite
    const dir = await tempDir('portcullis-pglite-settings-');
    dirs.push(dir);
    const first = await settingsOf(dir);
    for (const [k, v] of Object.entries({ ...TUNED, ...DURABLE })) expect(first[k], k).toBe(v);
    const again = await settingsOf(dir);
    expect(again).toEqual(first);
    const memory = await settingsOf(undefined);
    expect(memory).toEqual(first);
    // The cluster is owner-only, and no staging directory was left beside it.
    expect(statSync(join(dir, 'pgdata')).mode & 0o077).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith('pgdata.new-'))).toEqual([]);
  });

  it('leave the lock table room for a transaction that locks 1,000 relations', async () => {
    // Fewer process slots (max_connections) make PostgreSQL's shared lock table smaller: a large
    // migration must still not fail with "out of shared memory".
    const store = await openStore({});
    try {
      const locked = await store.transaction(async (tx) => {
        for (let i = 0; i < 500; i++) await tx.exec(`CREATE TABLE lock_room_${i} (id integer PRIMARY KEY)`);
        const res = await tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock'",
        );
        return res.rows[0]!.n;
      });
      expect(locked).toBeGreaterThanOrEqual(1000); // each table and its primary key's index
    } finally {
      await store.close();
    }
  });

  it('a new data directory is unpacked from the template, an existing one is left alone', async () => {
    const dir = await tempDir('portcullis-pglite-template-');
    dirs.push(dir);
    const pgdata = join(dir, 'pgdata');
    expect(await preparePgliteData(pgdata)).toBe('template');
    expect(existsSync(join(pgdata, 'PG_VERSION'))).toBe(true);
    expect(await preparePgliteData(pgdata)).toBe('existing');
  });

  it('a new data directory whose parents do not exist yet is unpacked from the template too', async () => {
    // Not initdb's fallback (~6-11 s, ~750 MB in its child): the parents are made owner-only first.
    const dir = await tempDir('portcullis-pglite-template-');
    dirs.push(dir);
    const pgdata = join(dir, 'a', 'b', 'pgdata');
    expect(await preparePgliteData(pgdata)).toBe('template');
    expect(existsSync(join(pgdata, 'PG_VERSION'))).toBe(true);
    expect(statSync(join(dir, 'a', 'b')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['pgdata']); // no staging directory left
  });
});

describe('the embedded store’s WebAssembly, compiled ahead', () => {
  it('is the installed PGlite’s, compiled once, and every open is handed it', async () => {
    const first = compiledPgliteWasm();
    expect(compiledPgliteWasm()).toBe(first); // one compile per process
    const mod = await first;
    // The ES2023 lib declares no WebAssembly: the members used here.
    const { Module } = (
      globalThis as unknown as {
        WebAssembly: { Module: { new (bytes: Uint8Array): object; exports(m: object): { name: string }[] } };
      }
    ).WebAssembly;
    expect(mod).toBeInstanceOf(Module);
    const file = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm');
    const names = (m: object) => Module.exports(m).map((e) => e.name);
    expect(names(mod!)).toEqual(names(new Module(readFileSync(file))));

    const create = vi.spyOn(PGlite, 'create');
    try {
      const dir = await tempDir('portcullis-pglite-wasm-');
      dirs.push(dir);
      for (const dataDir of [dir, undefined]) {
        const store = await openStore(dataDir === undefined ? {} : { dataDir });
        try {
          expect((await store.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        } finally {
          await store.close();
        }
      }
      expect(create).toHaveBeenCalledTimes(2);
      for (const [opts] of create.mock.calls)
        expect((opts as { pgliteWasmModule?: unknown }).pgliteWasmModule).toBe(mod);
    } finally {
      create.mockRestore();
    }
  });
});

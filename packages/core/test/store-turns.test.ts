import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { Host, turnTakingStore } from '../src/host.js';
import { openStore, type Store } from '../src/store.js';

const BURST = 40;

/**
 * Submits BURST statements at once and records how many had answered when the event loop next
 * reached its check phase (an I/O turn: where a server reads new requests and sends responses).
 */
async function answeredBeforeNextTurn(store: Store): Promise<{ atTurn: number; results: number[] }> {
  let answered = 0;
  let atTurn = -1;
  setImmediate(() => (atTurn = answered));
  const results = await Promise.all(
    Array.from({ length: BURST }, (_, i) =>
      store.query<{ n: number }>('SELECT $1::int AS n', [i]).then((r) => {
        answered++;
        return r.rows[0]!.n;
      }),
    ),
  );
  return { atTurn, results };
}

describe('the embedded store takes turns with the event loop', () => {
  let dir: string;
  let raw: Store;

  beforeAll(async () => {
    dir = await tempDir('portcullis-turns-');
    raw = await openStore({ dataDir: dir });
  });
  afterAll(async () => {
    await raw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a burst in order, correctly, with turns of the loop between the statements', async () => {
    const { atTurn, results } = await answeredBeforeNextTurn(turnTakingStore(raw));
    expect(results).toEqual(Array.from({ length: BURST }, (_, i) => i));
    // The loop got a turn before the burst was through (without turns it gets none until the end).
    expect(atTurn).toBeGreaterThanOrEqual(0);
    expect(atTurn).toBeLessThan(BURST);
  });

  it('keeps transactions whole: a rolled-back write is gone, a committed one stays', async () => {
    const store = turnTakingStore(raw);
    await store.exec('CREATE TABLE turns_t (n int PRIMARY KEY)');
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO turns_t VALUES (1)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await store.transaction(async (tx) => {
      await tx.query('INSERT INTO turns_t VALUES (2)');
      await tx.exec('INSERT INTO turns_t VALUES (3)');
    });
    const rows = await store.query<{ n: number }>('SELECT n FROM turns_t ORDER BY n');
    expect(rows.rows.map((r) => r.n)).toEqual([2, 3]);
  });
});

describe('the host', () => {
  it('hands out the turn-taking store for the embedded database', async () => {
    const dir = await tempDir('portcullis-turns-host-');
    const host = new Host({
      name: 'turns',
      transport: 'http',
      env: { PORTCULLIS_DATA_DIR: dir, PORTCULLIS_AUTH: 'none' },
    });
    try {
      await host.open();
      expect(host.store.kind).toBe('pglite');
      const { atTurn, results } = await answeredBeforeNextTurn(host.store);
      expect(results).toHaveLength(BURST);
      expect(atTurn).toBeLessThan(BURST);
    } finally {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

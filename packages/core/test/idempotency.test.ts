import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { PortcullisError } from '../src/errors.js';
import { IdempotencyLedger, type IdempotencyScope } from '../src/idempotency.js';
import { openStore, type Store } from '../src/store.js';

let store: Store;

/**
 * Waits (bounded) until the database's now() is past every ledger entry's created_at, so a zero
 * threshold (abandoned after 0 s, kept 0 h) applies: the ledger compares with the database clock.
 */
async function untilDatabaseClockPasses(): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const r = await store.query<{ passed: boolean }>(
      'SELECT coalesce(bool_and(created_at < now()), true) AS passed FROM portcullis_idempotency',
    );
    if (r.rows[0]?.passed) return;
    if (Date.now() > deadline)
      throw new Error('the database clock did not pass the ledger entries within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}
let ledger: IdempotencyLedger;
let n = 0;

const scope = (over: Partial<IdempotencyScope> = {}): IdempotencyScope => ({
  tenant: 'acme',
  principal: 'alice',
  tool: 'sys_create_thing',
  key: `key-${++n}`,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PortcullisError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function things(name: string): Promise<number> {
  const r = await store.query<{ n: string }>('SELECT count(*) AS n FROM things WHERE name = $1', [name]);
  return Number(r.rows[0]?.n ?? 0);
}

/** A write the way a server does it: the record and the ledger entry in one transaction. */
function createThing(s: IdempotencyScope | null, args: { name: string; size?: number }, fail = false) {
  return ledger.once(store, s, args, async (tx) => {
    const r = await tx.query<{ id: string }>(
      'INSERT INTO things (name) VALUES ($1) RETURNING id::text AS id',
      [args.name],
    );
    if (fail) throw new Error('the write failed after inserting');
    return { id: r.rows[0]!.id, name: args.name };
  });
}

beforeAll(async () => {
  store = await openStore({ dataDir: await tempDir() });
  ledger = await IdempotencyLedger.open(store);
  // Opening twice is harmless (the kit migration runs once).
  await IdempotencyLedger.open(store);
  await store.exec('CREATE TABLE things (id serial PRIMARY KEY, name text NOT NULL)');
});

afterAll(async () => {
  await store.close();
});

describe('the idempotency ledger', () => {
  it('answers a replay with the first result and writes nothing again, whatever the key order', async () => {
    const s = scope();
    const first = await createThing(s, { name: 'replayed', size: 1 });
    expect(first.replayed).toBe(false);
    const again = await ledger.once(store, s, { size: 1, name: 'replayed' }, () => {
      throw new Error('must not run on a replay');
    });
    expect(again).toEqual({ result: first.result, replayed: true });
    expect(await things('replayed')).toBe(1);
  });

  it('answers idempotency_key_reused (conflict) for the same key with other arguments, and writes nothing', async () => {
    const s = scope();
    await createThing(s, { name: 'reuse-a' });
    const err = await failure(createThing(s, { name: 'reuse-b' }));
    expect(err).toMatchObject({ code: 'idempotency_key_reused', category: 'conflict', retryable: false });
    expect(err.remediation).toMatch(/new idempotency_key/);
    expect(await things('reuse-b')).toBe(0);
  });

  it('keeps keys apart per tenant, principal and tool', async () => {
    const s = scope();
    await createThing(s, { name: 'scoped' });
    for (const other of [{ tenant: 'globex' }, { principal: 'bob' }, { tool: 'sys_update_thing' }]) {
      const r = await createThing({ ...s, ...other }, { name: 'scoped' });
      expect(r.replayed).toBe(false);
    }
    expect(await things('scoped')).toBe(4);
  });

  it('never keeps half a record: a failed write rolls back the claim too, so the key stays usable', async () => {
    const s = scope();
    await expect(createThing(s, { name: 'half' }, true)).rejects.toThrow(/failed after inserting/);
    expect(await things('half')).toBe(0);
    const retry = await createThing(s, { name: 'half' });
    expect(retry.replayed).toBe(false);
    expect(await things('half')).toBe(1);
  });

  it('without a key the write simply runs', async () => {
    await createThing(null, { name: 'keyless' });
    await createThing(null, { name: 'keyless' });
    expect(await things('keyless')).toBe(2);
  });

  it('reports a live pending call as idempotency_in_progress (retryable) and takes over an abandoned one', async () => {
    const s = scope();
    expect(await ledger.claim(store, s, { a: 1 }, { reserved: 5 })).toEqual({ state: 'new' });
    expect(await ledger.claim(store, s, { a: 1 })).toEqual({
      state: 'pending',
      data: { reserved: 5 },
      abandoned: false,
    });
    expect(await failure(ledger.reserve(store, s, { a: 1 }))).toMatchObject({
      code: 'idempotency_in_progress',
      category: 'conflict',
      retryable: true,
    });
    const impatient = await IdempotencyLedger.open(store, { abandonedAfterSeconds: 0 });
    await untilDatabaseClockPasses();
    expect(await impatient.reserve(store, s, { a: 1 })).toEqual({ state: 'new' });
    await impatient.complete(store, s, { done: true });
    expect(await ledger.claim(store, s, { a: 1 })).toEqual({ state: 'replay', result: { done: true } });
  });

  it('complete records a result once: a later completion of a done key changes nothing', async () => {
    const s = scope();
    await ledger.claim(store, s, { a: 1 });
    await ledger.complete(store, s, 'first');
    await ledger.complete(store, s, 'second');
    expect(await ledger.claim(store, s, { a: 1 })).toEqual({ state: 'replay', result: 'first' });
  });

  it('release forgets a pending claim, never a done one', async () => {
    const s = scope();
    await ledger.claim(store, s, { a: 1 });
    await ledger.release(store, s);
    expect(await ledger.claim(store, s, { a: 2 })).toEqual({ state: 'new' });
    await ledger.complete(store, s, 'r');
    await ledger.release(store, s);
    expect(await ledger.claim(store, s, { a: 2 })).toEqual({ state: 'replay', result: 'r' });
  });

  it('forgets keys after the retention period, unless told to keep them for ever', async () => {
    const forgetful = await IdempotencyLedger.open(store, { retentionHours: 0 });
    const keeper = await IdempotencyLedger.open(store, { retentionHours: null });
    const kept = scope({ tool: 'sys_refund' });
    await keeper.claim(store, kept, { a: 1 });
    await keeper.complete(store, kept, 'kept');
    const s = scope({ tool: 'sys_note' });
    await forgetful.claim(store, s, { a: 1 });
    await forgetful.complete(store, s, 'old');
    await untilDatabaseClockPasses();
    // Expired: the same key with other arguments is a new request now.
    expect(await forgetful.claim(store, s, { a: 2 })).toEqual({ state: 'new' });
    // Retention is per tool: another tool's kept keys are untouched.
    expect(await keeper.claim(store, kept, { a: 1 })).toEqual({ state: 'replay', result: 'kept' });
  });
});

import { appendFile, chmod, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, postgresUnavailableReason } from '@portcullis/test-support/postgres';
import { tempDir } from '@portcullis/test-support/ports';
import {
  GENESIS_HASH,
  canonicalJson,
  computeRecordHash,
  createAuditSink,
  sha256Hex,
  verifyAuditFile,
  verifyAuditTable,
} from '../src/audit.js';
import type { AuditEvent, AuditRecord, AuditSink } from '../src/audit.js';
import { main } from '../src/audit-cli.js';
import { ConfigError } from '../src/errors.js';
import { openStore } from '../src/store.js';
import type { Store } from '../src/store.js';
import { lockBarrier } from './pg-barrier.js';

const pg = await startPostgres();
afterAll(async () => {
  await pg?.stop();
});

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

function event(i: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'tool_call',
    trace_id: `trace-${i}`,
    server: 'crm',
    tool: 'crm_search_accounts',
    principal: 'user:alice',
    on_behalf_of: i % 3 === 0 ? 'agent:claude' : null,
    tenant: 'acme',
    arguments: { query: `q${i}`, limit: i % 50, nested: { b: [1, 'two', null], a: true } },
    decision: { effect: 'allow', policies: ['policy0', `p${i % 4}`] },
    outcome: 'ok',
    error_code: null,
    result_hash: sha256Hex(`result ${i}`),
    duration_ms: i / 4,
    ...over,
  };
}

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((l) => l !== '');
}

async function writeLines(path: string, lines: string[]): Promise<void> {
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
}

let dir: string;
beforeEach(async () => {
  dir = await tempDir('portcullis-audit-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('canonical JSON and hashing', () => {
  it('sorts keys, drops undefined, and has no whitespace', () => {
    const v = { b: 1, a: [1, undefined, { d: 2, c: null }], u: undefined, s: 'x y', f: () => 1 };
    expect(canonicalJson(v)).toBe('{"a":[1,null,{"c":null,"d":2}],"b":1,"s":"x y"}');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(canonicalJson(Number.NaN)).toBe('null');
    // eslint-disable-next-line no-sparse-arrays
    expect(canonicalJson([1, , 3])).toBe('[1,null,3]');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('é\u2028')).toBe(JSON.stringify('é\u2028'));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });

  it('is stable under any permutation of object keys (property)', () => {
    const shuffle = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => shuffle(x, seed + i));
      if (v !== null && typeof v === 'object') {
        const entries = Object.entries(v);
        // Deterministic permutation from the seed: rotate then maybe reverse.
        const k = entries.length === 0 ? 0 : seed % entries.length;
        const rotated = [...entries.slice(k), ...entries.slice(0, k)];
        if (seed % 2 === 1) rotated.reverse();
        const out: Record<string, unknown> = {};
        for (const [key, val] of rotated)
          Object.defineProperty(out, key, {
            value: shuffle(val, seed * 7 + 3),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return out;
      }
      return v;
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(1000), (v, seed) => {
        const c = canonicalJson(v);
        expect(canonicalJson(shuffle(v, seed))).toBe(c);
        // Canonical text is a fixed point and equal in meaning to the input.
        expect(canonicalJson(JSON.parse(c))).toBe(c);
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a record over everything except its hash', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const unsigned = {
      ...event(1),
      id: 'aud_x',
      seq: 1,
      time: '2026-01-01T00:00:00.000Z',
      prev_hash: GENESIS_HASH,
    };
    const h = computeRecordHash(unsigned);
    expect(h).toBe(sha256Hex(canonicalJson(unsigned)));
    expect(computeRecordHash({ ...unsigned, hash: 'whatever' } as typeof unsigned)).toBe(h);
    expect(computeRecordHash({ ...unsigned, tool: 'other' })).not.toBe(h);
  });
});

describe('file sink', () => {
  async function openFile(
    path = join(dir, 'a.jsonl'),
  ): Promise<{ sink: AuditSink; path: string; lines: Array<Record<string, unknown>> }> {
    const { logger, lines } = captureLogger();
    const sink = await createAuditSink(`file:${path}`, { dataDir: dir, serverName: 'crm', logger });
    return { sink, path, lines };
  }

  async function fileWith(n: number): Promise<{ path: string; records: AuditRecord[] }> {
    const { sink, path } = await openFile();
    const records: AuditRecord[] = [];
    for (let i = 1; i <= n; i++) records.push(await sink.append(event(i)));
    await sink.close();
    return { path, records };
  }

  it('keeps one linear chain under 500 concurrent appends', async () => {
    const { sink, path } = await openFile();
    expect(sink.kind).toBe('file');
    const recs = await Promise.all(Array.from({ length: 500 }, (_, i) => sink.append(event(i))));
    await sink.flush();
    await sink.close();
    expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(new Set(recs.map((r) => r.id)).size).toBe(500);
    const bySeq = [...recs].sort((a, b) => a.seq - b.seq);
    expect(bySeq[0]!.prev_hash).toBe(GENESIS_HASH);
    // Ids sort in chain order.
    expect(bySeq.map((r) => r.id)).toEqual([...bySeq.map((r) => r.id)].sort());
    expect(bySeq.every((r) => /^aud_[0-9A-Z]{26}$/.test(r.id) && !Number.isNaN(Date.parse(r.time)))).toBe(
      true,
    );
    const v = await verifyAuditFile(path);
    expect(v).toEqual({ ok: true, records: 500, lastHash: bySeq[499]!.hash });
    // What append() returned is exactly what is on disk.
    const lines = await readLines(path);
    expect(lines.map((l) => JSON.parse(l))).toEqual(bySeq);
  });

  it('stores the JSON form of arguments so the hash survives a round trip', async () => {
    const { sink, path } = await openFile();
    const rec = await sink.append(
      event(1, {
        arguments: {
          when: new Date(0),
          gone: undefined,
          nul: 'a\u0000b',
          lone: 'x\uD800y',
          arr: [undefined, Number.POSITIVE_INFINITY],
        },
      }),
    );
    await sink.close();
    expect(rec.arguments).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      nul: 'a\uFFFDb',
      lone: 'x\uFFFDy',
      arr: [null, null],
    });
    expect(computeRecordHash(rec)).toBe(rec.hash);
    expect((await verifyAuditFile(path)).ok).toBe(true);
  });

  it('keeps keys named like Object.prototype members ("__proto__", "toString") as data, in a verifiable record', async () => {
    const { sink, path } = await openFile();
    const sent = JSON.parse(
      '{"__proto__":{"polluted":true},"toString":"x","constructor":{"prototype":1},"b":{"__proto__":[1]}}',
    ) as Record<string, unknown>;
    const rec = await sink.append(event(1, { arguments: sent }));
    await sink.close();
    const args = rec.arguments as Record<string, unknown>;
    expect(Object.keys(args)).toEqual(['__proto__', 'b', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect((args as { polluted?: unknown }).polluted).toBeUndefined();
    expect(canonicalJson(args)).toBe(canonicalJson(sent));
    expect(computeRecordHash(rec)).toBe(rec.hash);
    expect((await verifyAuditFile(path)).ok).toBe(true);
    const [line] = await readLines(path);
    expect(JSON.parse(line!)).toEqual(rec);
  });

  it('defaults to <dataDir>/audit/<server>.audit.jsonl', async () => {
    const { logger } = captureLogger();
    const sink = await createAuditSink(undefined, { dataDir: dir, serverName: 'billing', logger });
    await sink.append(event(1));
    await sink.close();
    const path = join(dir, 'audit', 'billing.audit.jsonl');
    expect((await verifyAuditFile(path)).records).toBe(1);
  });

  it('makes an existing file readable by others owner-only, and never follows a symbolic link', async () => {
    const path = join(dir, 'made-by-hand.jsonl');
    await writeFile(path, '', { mode: 0o644 });
    await chmod(path, 0o644);
    const { sink, lines } = await openFile(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(lines.some((l) => String(l.msg).includes('made 0600'))).toBe(true);
    await sink.close();

    // A link planted at the path would send the trail (and its appends) to the link's target.
    const target = join(dir, 'elsewhere.jsonl');
    const link = join(dir, 'linked.jsonl');
    await symlink(target, link);
    await expect(openFile(link)).rejects.toThrow(/is a symbolic link/);
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('continues seq and prev_hash when reopened', async () => {
    const { path, records } = await fileWith(3);
    const { sink } = await openFile(path);
    const r4 = await sink.append(event(4));
    const r5 = await sink.append(event(5));
    await sink.close();
    expect(r4.seq).toBe(4);
    expect(r4.prev_hash).toBe(records[2]!.hash);
    expect(r5.prev_hash).toBe(r4.hash);
    expect(await verifyAuditFile(path)).toEqual({ ok: true, records: 5, lastHash: r5.hash });
  });

  it('refuses appends after close', async () => {
    const { sink } = await openFile();
    await sink.close();
    await expect(sink.append(event(1))).rejects.toThrow(/closed/);
  });

  it('detects an edited field at the edited record', async () => {
    const { path } = await fileWith(20);
    const lines = await readLines(path);
    const rec = JSON.parse(lines[9]!) as AuditRecord;
    rec.principal = 'user:mallory';
    lines[9] = JSON.stringify(rec);
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toEqual({ index: 9, line: 10, id: rec.id, reason: 'hash mismatch' });
    expect(v.records).toBe(9);
    expect(v.tornTail).toBeUndefined();
  });

  it('detects an edit whose hash was recomputed at the next record', async () => {
    const { path } = await fileWith(20);
    const lines = await readLines(path);
    const rec = JSON.parse(lines[9]!) as AuditRecord;
    rec.outcome = 'denied';
    rec.hash = computeRecordHash(rec);
    lines[9] = JSON.stringify(rec);
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    expect(v.firstBad).toMatchObject({ index: 10, line: 11, reason: 'broken link' });
  });

  it('detects a deleted record', async () => {
    const { path, records } = await fileWith(20);
    const lines = await readLines(path);
    lines.splice(4, 1);
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toEqual({ index: 4, line: 5, id: records[5]!.id, reason: 'seq gap' });

    lines.splice(0, 1);
    await writeLines(path, lines);
    expect((await verifyAuditFile(path)).firstBad).toMatchObject({ index: 0, line: 1 });
  });

  it('detects a deleted record even when later seqs were renumbered and rehashed', async () => {
    const { path } = await fileWith(10);
    const lines = await readLines(path);
    lines.splice(4, 1);
    const rest = lines.slice(4).map((l) => {
      const r = JSON.parse(l) as AuditRecord;
      r.seq -= 1;
      r.hash = computeRecordHash(r);
      return JSON.stringify(r);
    });
    await writeLines(path, [...lines.slice(0, 4), ...rest]);
    expect((await verifyAuditFile(path)).firstBad).toMatchObject({ index: 4, reason: 'broken link' });
  });

  it('detects two reordered records', async () => {
    const { path, records } = await fileWith(20);
    const lines = await readLines(path);
    [lines[6], lines[7]] = [lines[7]!, lines[6]!];
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    expect(v.firstBad).toMatchObject({ index: 6, line: 7, id: records[7]!.id });
    expect(v.records).toBe(6);
  });

  it('reports an unparsable line in the middle as tampering', async () => {
    const { path } = await fileWith(5);
    const lines = await readLines(path);
    lines[2] = '{not json';
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    expect(v.firstBad).toEqual({ index: 2, line: 3, reason: 'unparsable' });
    expect(v.tornTail).toBeUndefined();
  });

  it('reports a torn final line apart from tampering', async () => {
    const { path, records } = await fileWith(5);
    const size = (await stat(path)).size;
    const partial = '{"id":"aud_01TORN","seq":6,"ti';
    await appendFile(path, partial);
    const v = await verifyAuditFile(path);
    expect(v).toEqual({
      ok: false,
      records: 5,
      lastHash: records[4]!.hash,
      tornTail: { offset: size, bytes: partial.length },
    });

    // An unparsable last line that does end in a newline is a torn tail too.
    await writeFile(path, (await readFile(path, 'utf8')) + '\n');
    expect((await verifyAuditFile(path)).tornTail).toEqual({ offset: size, bytes: partial.length + 1 });
  });

  it('an empty file is an intact empty chain', async () => {
    const path = join(dir, 'empty.jsonl');
    await writeFile(path, '');
    expect(await verifyAuditFile(path)).toEqual({ ok: true, records: 0, lastHash: GENESIS_HASH });
  });

  it('recovers a torn tail on open: moves it aside, truncates, and records the incident', async () => {
    const { path, records } = await fileWith(5);
    const size = (await stat(path)).size;
    const partial = '{"id":"aud_01TORN","seq":6,"time":"2026-';
    await appendFile(path, partial);

    const { sink, lines: logs } = await openFile(path);
    const next = await sink.append(event(7));
    await sink.close();

    const aside = (await readdir(dir)).filter((f) => f.startsWith('a.jsonl.torn-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]!), 'utf8')).toBe(partial);

    const recs = (await readLines(path)).map((l) => JSON.parse(l) as AuditRecord);
    expect(recs).toHaveLength(7);
    const recovery = recs[5]!;
    expect(recovery).toMatchObject({
      kind: 'recovery',
      seq: 6,
      prev_hash: records[4]!.hash,
      tool: 'portcullis.audit',
      server: 'crm',
      outcome: 'error',
      error_code: 'torn_tail_recovered',
      refs: { torn_bytes: String(partial.length), torn_sha256: sha256Hex(partial) },
    });
    expect(next.seq).toBe(7);
    expect(next.prev_hash).toBe(recovery.hash);
    expect(await verifyAuditFile(path)).toEqual({ ok: true, records: 7, lastHash: next.hash });
    // The original whole records are byte-for-byte where they were.
    expect(
      (await readFile(path))
        .subarray(0, size)
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual(records);

    const err = logs.find((l) => l.level === 50);
    expect(err).toMatchObject({ path, offset: size, bytes: partial.length });
  });

  it('recovers a file that holds only a torn line', async () => {
    const path = join(dir, 'a.jsonl');
    await writeFile(path, '{"id":"aud_');
    const { sink } = await openFile(path);
    await sink.close();
    const v = await verifyAuditFile(path);
    expect(v).toMatchObject({ ok: true, records: 1 });
  });

  it('refuses to open a file damaged before its last line', async () => {
    const { path } = await fileWith(3);
    const lines = await readLines(path);
    lines[2] = 'garbage';
    await writeLines(path, [...lines, 'more garbage']);
    await expect(openFile(path)).rejects.toThrow(/damaged/);
  });
});

describe('stderr sink', () => {
  it('writes one hash-chained JSON line per record', async () => {
    const out: string[] = [];
    const { logger } = captureLogger();
    const sink = await createAuditSink('stderr', {
      dataDir: dir,
      serverName: 'crm',
      logger,
      stderrWrite: (l) => out.push(l),
    });
    expect(sink.kind).toBe('stderr');
    const recs = await Promise.all(Array.from({ length: 50 }, (_, i) => sink.append(event(i))));
    await sink.flush();
    await sink.close();
    expect(out).toHaveLength(50);
    expect(out.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(out.map((l) => JSON.parse(l))).toEqual(recs);
    const path = join(dir, 'stderr.jsonl');
    await writeFile(path, out.join(''));
    expect(await verifyAuditFile(path)).toEqual({ ok: true, records: 50, lastHash: recs[49]!.hash });
  });
});

describe('sink configuration', () => {
  it('rejects an unknown spec naming PORTCULLIS_AUDIT', async () => {
    const { logger } = captureLogger();
    const err = await createAuditSink('syslog', { dataDir: dir, serverName: 'crm', logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('PORTCULLIS_AUDIT');
    await expect(
      createAuditSink('file:', { dataDir: dir, serverName: 'crm', logger }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('needs a store for postgres', async () => {
    const { logger } = captureLogger();
    const err = await createAuditSink('postgres', { dataDir: dir, serverName: 'crm', logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('PORTCULLIS_AUDIT');
  });
});

// ---------------------------------------------------------------------------------------------
// Table sink, on PGlite and on a real PostgreSQL

let dbCounter = 0;
async function freshPostgresUrl(adminUrl: string): Promise<string> {
  const name = `t_audit_${process.pid}_${++dbCounter}`;
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

interface TableEnv {
  /** Two stores on one database where the driver has a server: two replicas. */
  stores: [Store, Store];
  /** The database's URL (servers only), for a barrier connection of the test's own. */
  url?: string;
  close(): Promise<void>;
}

interface TableDriver {
  name: string;
  available: boolean;
  /** Per suite; `fresh` gives each test an empty database. */
  init(): Promise<{ fresh(): Promise<TableEnv>; dispose(): Promise<void> }>;
}

const tableDrivers: TableDriver[] = [
  {
    name: 'PGlite',
    available: true,
    async init() {
      // PGlite boots slowly on a small machine: one per suite, a schema per test (one session, so search_path holds).
      const store = await openStore({});
      let n = 0;
      return {
        async fresh() {
          const schema = `audit_test_${++n}`;
          await store.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
          return { stores: [store, store], close: () => store.exec('SET search_path TO public') };
        },
        dispose: () => store.close(),
      };
    },
  },
  {
    name: pg
      ? 'PostgreSQL server'
      : `PostgreSQL server (skipped: ${postgresUnavailableReason() ?? 'unavailable'})`,
    available: pg !== null,
    async init() {
      return {
        async fresh() {
          const url = await freshPostgresUrl(pg!.url);
          const a = await openStore({ databaseUrl: url, poolSize: 4 });
          const b = await openStore({ databaseUrl: url, poolSize: 4 });
          return {
            stores: [a, b],
            url,
            async close() {
              await a.close();
              await b.close();
            },
          };
        },
        async dispose() {},
      };
    },
  },
];

for (const driver of tableDrivers) {
  describe.skipIf(!driver.available)(`postgres sink: ${driver.name}`, () => {
    let ctx: Awaited<ReturnType<TableDriver['init']>>;
    let env: TableEnv;
    let sinks: [AuditSink, AuditSink];

    beforeAll(async () => {
      ctx = await driver.init();
    });
    afterAll(async () => {
      await ctx?.dispose();
    });
    beforeEach(async () => {
      env = await ctx.fresh();
      const { logger } = captureLogger();
      sinks = [
        await createAuditSink('postgres', { dataDir: dir, serverName: 'crm', logger, store: env.stores[0] }),
        await createAuditSink('postgres', { dataDir: dir, serverName: 'crm', logger, store: env.stores[1] }),
      ];
    });
    afterEach(async () => {
      for (const s of sinks) await s.close();
      await env.close();
    });

    // PGlite: both sinks share one connection, so their appends queue; this checks the chain they
    // build together. On a server each replica has its own pool and the advisory lock decides.
    const server = driver.name.startsWith('PostgreSQL');
    it(
      server
        ? 'keeps one chain across two replicas appending at once'
        : 'keeps one chain when two sinks on one connection append at once',
      async () => {
        expect(sinks[0].kind).toBe('postgres');
        const recs = await Promise.all(Array.from({ length: 200 }, (_, i) => sinks[i % 2]!.append(event(i))));
        await Promise.all(sinks.map((s) => s.flush()));
        expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        const last = recs.reduce((a, b) => (a.seq > b.seq ? a : b));
        expect(await verifyAuditTable(env.stores[0])).toEqual({
          ok: true,
          records: 200,
          lastHash: last.hash,
        });
        const row = await env.stores[0].query<{ record: AuditRecord; seq: string; time: Date }>(
          'SELECT record, seq, time FROM portcullis_audit WHERE seq = 1',
        );
        const first = recs.find((r) => r.seq === 1)!;
        expect(row.rows[0]!.record).toEqual(first);
        expect(row.rows[0]!.seq).toBe('1');
        expect(new Date(row.rows[0]!.time).toISOString()).toBe(first.time);
      },
    );

    // Defined for servers only (not skipped elsewhere): CI counts every skip.
    if (server)
      it('two replicas that read the head at the same moment still append one after the other', async () => {
        // The barrier lets reads through and holds every INSERT: each replica's append is inside
        // its transaction at once. The advisory lock makes the second wait before reading the
        // head; without it both would read seq 0 and build the same seq 1.
        await sinks[0].append(event(0));
        const barrier = await lockBarrier(env.url!, 'LOCK TABLE portcullis_audit IN EXCLUSIVE MODE');
        const appends = Promise.allSettled([sinks[0].append(event(1)), sinks[1].append(event(2))]);
        try {
          await barrier.waitForWaiters(2);
        } finally {
          await barrier.release();
        }
        const recs = await appends;
        expect(recs.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
        const seqs = recs.map((r) => (r as PromiseFulfilledResult<AuditRecord>).value.seq).sort();
        expect(seqs).toEqual([2, 3]);
        expect(await verifyAuditTable(env.stores[0])).toMatchObject({ ok: true, records: 3 });
      });

    it('refuses UPDATE, DELETE and TRUNCATE', async () => {
      for (let i = 1; i <= 3; i++) await sinks[0].append(event(i));
      const db = env.stores[0];
      await expect(
        db.query(`UPDATE portcullis_audit SET record = jsonb_set(record, '{tool}', '"x"') WHERE seq = 2`),
      ).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM portcullis_audit WHERE seq = 3')).rejects.toThrow(/append-only/);
      await expect(db.query('TRUNCATE portcullis_audit')).rejects.toThrow(/append-only/);
      expect((await verifyAuditTable(db)).records).toBe(3);
    });

    it('verifyAuditTable finds a row changed behind the trigger’s back', async () => {
      const recs: AuditRecord[] = [];
      for (let i = 1; i <= 6; i++) recs.push(await sinks[0].append(event(i)));
      const db = env.stores[0];
      await db.exec('ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete');
      await db.query(
        `UPDATE portcullis_audit SET record = jsonb_set(record, '{principal}', '"user:mallory"') WHERE seq = 4`,
      );
      await db.exec('ALTER TABLE portcullis_audit ENABLE TRIGGER portcullis_audit_no_update_delete');
      expect(await verifyAuditTable(db)).toEqual({
        ok: false,
        records: 3,
        lastHash: recs[2]!.hash,
        firstBad: { index: 3, id: recs[3]!.id, reason: 'hash mismatch' },
      });
    });

    it('verifyAuditTable finds a deleted row', async () => {
      const recs: AuditRecord[] = [];
      for (let i = 1; i <= 5; i++) recs.push(await sinks[0].append(event(i)));
      const db = env.stores[0];
      await db.exec('ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete');
      await db.query('DELETE FROM portcullis_audit WHERE seq = 2');
      await db.exec('ALTER TABLE portcullis_audit ENABLE TRIGGER portcullis_audit_no_update_delete');
      expect((await verifyAuditTable(db)).firstBad).toEqual({ index: 1, id: recs[2]!.id, reason: 'seq gap' });
    });

    it('verifyAuditTable walks a long table in seq order, page by page', async () => {
      // Built by hand and inserted in one statement: 1205 appends one by one would be slow.
      const recs: AuditRecord[] = [];
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= 1205; seq++) {
        const unsigned = {
          ...event(seq),
          id: `aud_${String(seq).padStart(26, '0')}`,
          seq,
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
          prev_hash: prev,
        };
        const rec = { ...unsigned, hash: computeRecordHash(unsigned) };
        recs.push(rec);
        prev = rec.hash;
      }
      const db = env.stores[0];
      await db.query(
        `INSERT INTO portcullis_audit (seq, id, time, record, prev_hash, hash)
         SELECT (r->>'seq')::bigint, r->>'id', (r->>'time')::timestamptz, r, r->>'prev_hash', r->>'hash'
         FROM jsonb_array_elements($1::text::jsonb) AS r`,
        [JSON.stringify(recs)],
      );
      expect(await verifyAuditTable(db)).toEqual({ ok: true, records: 1205, lastHash: prev });
      // The sink continues the chain it finds.
      const next = await sinks[1].append(event(1206));
      expect(next.seq).toBe(1206);
      expect(next.prev_hash).toBe(prev);
      await db.exec('ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete');
      await db.query(
        `UPDATE portcullis_audit SET record = jsonb_set(record, '{duration_ms}', '0') WHERE seq = 1100`,
      );
      expect((await verifyAuditTable(db)).firstBad).toEqual({
        index: 1099,
        id: recs[1099]!.id,
        reason: 'hash mismatch',
      });
    });
  });
}

describe.skipIf(!pg)(
  pg
    ? 'portcullis-audit verify --database-url'
    : `portcullis-audit verify --database-url (skipped: ${postgresUnavailableReason() ?? 'unavailable'})`,
  () => {
    it('reads the table and reports tampering', async () => {
      const url = await freshPostgresUrl(pg!.url);
      const db = await openStore({ databaseUrl: url, poolSize: 2 });
      const { logger } = captureLogger();
      const sink = await createAuditSink('postgres', { dataDir: dir, serverName: 'crm', logger, store: db });
      try {
        for (let i = 1; i <= 4; i++) await sink.append(event(i));
        const out: string[] = [];
        expect(
          await main(['verify', '--database-url', url], { out: (l) => out.push(l), err: () => {} }),
        ).toBe(0);
        expect(out[0]).toMatch(/^intact: 4 records, head [0-9a-f]{64}$/);
        await db.exec('ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete');
        await db.query(
          `UPDATE portcullis_audit SET record = jsonb_set(record, '{tool}', '"crm_delete_account"') WHERE seq = 2`,
        );
        expect(
          await main(['verify'], {
            out: (l) => out.push(l),
            err: () => {},
            env: { PORTCULLIS_AUDIT: 'postgres', DATABASE_URL: url },
          }),
        ).toBe(1);
        expect(out[1]).toMatch(/^TAMPERED at record 2 \(aud_[0-9A-Z]+\): hash mismatch$/);
      } finally {
        await sink.close();
        await db.close();
      }
    });
  },
);

describe('portcullis-audit verify (CLI)', () => {
  let path: string;
  let out: string[];
  let err: string[];
  const io = () => ({ out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} });

  beforeEach(async () => {
    out = [];
    err = [];
    path = join(dir, 'cli.jsonl');
    const { logger } = captureLogger();
    const sink = await createAuditSink(`file:${path}`, { dataDir: dir, serverName: 'crm', logger });
    for (let i = 1; i <= 4; i++) await sink.append(event(i));
    await sink.close();
  });

  it('exits 0 for an intact trail', async () => {
    const v = await verifyAuditFile(path);
    expect(await main(['verify', '--file', path], io())).toBe(0);
    expect(out).toEqual([`intact: 4 records, head ${v.lastHash}`]);
    // PORTCULLIS_AUDIT names the file when no option does.
    expect(await main(['verify'], { ...io(), env: { PORTCULLIS_AUDIT: `file:${path}` } })).toBe(0);
  });

  it('exits 1 for a tampered trail', async () => {
    const lines = await readLines(path);
    const rec = JSON.parse(lines[2]!) as AuditRecord;
    rec.duration_ms = 0;
    lines[2] = JSON.stringify(rec);
    await writeLines(path, lines);
    expect(await main(['verify', '--file', path], io())).toBe(1);
    expect(out).toEqual([`TAMPERED at record 3 (${rec.id}): hash mismatch`]);
  });

  it('exits 2 for a torn tail', async () => {
    const size = (await stat(path)).size;
    await appendFile(path, '{"id":"aud_');
    expect(await main(['verify', '--file', path], io())).toBe(2);
    expect(out).toEqual([
      `torn tail: 4 whole records verify; 11 bytes at offset ${size} are an incomplete record`,
    ]);
  });

  it('exits 64 on usage errors', async () => {
    expect(await main([], io())).toBe(64);
    expect(await main(['check'], io())).toBe(64);
    expect(await main(['verify'], io())).toBe(64);
    expect(await main(['verify', '--file', path, '--database-url', 'postgresql://127.0.0.1/x'], io())).toBe(
      64,
    );
    expect(await main(['verify', '--bogus'], io())).toBe(64);
    expect(await main(['verify', 'extra'], io())).toBe(64);
    expect(await main(['verify'], { ...io(), env: { PORTCULLIS_AUDIT: 'stderr' } })).toBe(64);
    expect(await main(['verify'], { ...io(), env: { PORTCULLIS_AUDIT: 'postgres' } })).toBe(64);
    expect(out).toEqual([]);
    expect(err.some((l) => l.startsWith('usage: portcullis-audit verify'))).toBe(true);
  });

  it('exits 66 when the trail cannot be read', async () => {
    expect(await main(['verify', '--file', join(dir, 'missing.jsonl')], io())).toBe(66);
    expect(err[0]).toContain('ENOENT');
  });
});

/**
 * Shared state across replicas: two kit server processes sharing one Redis (REDIS_URL) share
 * their rate-limit counters; with DATABASE_URL + PORTCULLIS_AUDIT=postgres the core flows run on
 * a PostgreSQL server and two processes append to one audit chain that verifies.
 * Redis and PostgreSQL are throwaway servers on 127.0.0.1 (@portcullis/test-support); without
 * the binaries these tests are skipped and say why.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason, startPostgres, type PgServer } from '@portcullis/test-support/postgres';
import { redisUnavailableReason, startRedis, type RedisServer } from '@portcullis/test-support/redis';
import {
  auditFileOf,
  callToolHttp,
  killAll,
  pool,
  rawHttp,
  readAudit,
  spawnHttp,
  tempDir,
  verifyAudit,
  writeApiKeys,
  type ServerProc,
} from './helpers.js';

const redisSkip = redisUnavailableReason();
const pgSkip = postgresUnavailableReason();

afterAll(async () => {
  await killAll();
});

/** 20 calls of one principal spread over two servers at once; returns how many succeeded / were limited. */
async function burst(
  a: ServerProc,
  b: ServerProc,
  key: string,
): Promise<{ ok: number; limited: number; retryAfter: number[] }> {
  const h = { authorization: `Bearer ${key}` };
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      callToolHttp((i % 2 === 0 ? a : b).url, 'kit_echo', { message: `burst ${i}` }, h),
    ),
  );
  const limited = replies.filter((r) => r.envelope?.category === 'rate_limited');
  expect(replies.every((r) => !r.isError || r.envelope?.category === 'rate_limited')).toBe(true);
  return {
    ok: replies.filter((r) => !r.isError).length,
    limited: limited.length,
    retryAfter: limited.map((r) => Number(r.envelope!.retry_after_ms)),
  };
}

describe.skipIf(redisSkip !== null)(
  `two replicas sharing one Redis${redisSkip ? ` (skipped: ${redisSkip})` : ''}`,
  () => {
    let redis: RedisServer | null = null;
    let dir: string;
    let key: string;
    let outageKey: string;
    let keysFile: string;
    const servers: ServerProc[] = [];

    beforeAll(async () => {
      redis = await startRedis();
      if (!redis) throw new Error('redis-server vanished between the probe and the start');
      dir = tempDir();
      const keys = writeApiKeys(dir, [
        { principal: 'shared-user', roles: ['viewer'], tenant: 'acme' },
        { principal: 'outage-user', roles: ['viewer'], tenant: 'acme' },
      ]);
      key = keys.keys['shared-user']!;
      outageKey = keys.keys['outage-user']!;
      keysFile = keys.file;
    }, 120_000);
    afterAll(async () => {
      for (const s of servers) await s.stop('SIGKILL');
      await redis?.stop();
    });

    const replica = async (extra: Record<string, string>) => {
      const dataDir = tempDir();
      const s = await spawnHttp({
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_API_KEYS_FILE: keysFile,
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '5/10m',
        ...extra,
      });
      servers.push(s);
      return { s, dataDir };
    };

    it('with REDIS_URL the combined successes across both processes equal the limit', async () => {
      const [a, b] = await Promise.all([
        replica({ REDIS_URL: redis!.url }),
        replica({ REDIS_URL: redis!.url }),
      ]);
      const r = await burst(a.s, b.s, key);
      expect(r.ok).toBe(5);
      expect(r.limited).toBe(15);
      for (const ms of r.retryAfter) {
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThanOrEqual(600_000);
      }
      // both audit trails together tell the same story
      const recs = [...readAudit(auditFileOf(a.dataDir)), ...readAudit(auditFileOf(b.dataDir))].filter(
        (x) => x.tool === 'kit_echo',
      );
      expect(recs.filter((x) => x.outcome === 'ok')).toHaveLength(5);
      expect(recs.filter((x) => x.outcome === 'rate_limited')).toHaveLength(15);
      expect((await rawHttp(`${a.s.base}/readyz`)).json).toMatchObject({ checks: { rate_limits: 'ok' } });
    });

    it('control: without Redis each process counts alone (so the test above can tell the difference)', async () => {
      const [a, b] = await Promise.all([replica({}), replica({})]);
      const r = await burst(a.s, b.s, key);
      expect(r.ok).toBe(10);
      expect(r.limited).toBe(10);
    });

    let outageEnvelope: Record<string, unknown> | undefined;
    let outage: { s: ServerProc; dataDir: string } | undefined;

    it('when Redis goes away, a call is refused (fail closed): not executed, audited as an error', async () => {
      outage = await replica({
        REDIS_URL: redis!.url,
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000/10m',
        PORTCULLIS_READY_INTERVAL_MS: '200',
      });
      const { s, dataDir } = outage;
      const h = { authorization: `Bearer ${outageKey}` };
      const first = await callToolHttp(s.url, 'kit_echo', { message: 'before' }, h);
      expect(first.isError, JSON.stringify(first.envelope)).toBe(false);
      await redis!.stop();
      redis = null;
      const r = await callToolHttp(s.url, 'kit_echo', { message: 'after' }, h);
      expect(r.isError).toBe(true);
      expect(r.structured).toBeUndefined();
      expect(r.envelope!.category).toBe('internal');
      outageEnvelope = r.envelope;
      const recs = readAudit(auditFileOf(dataDir));
      expect(recs.map((x) => x.outcome)).toEqual(['ok', 'error']);
    });

    // After the first refused call the key's limiter is rebuilt against the dead Redis; its failed
    // set-up must not become an unhandled rejection that kills the process.
    it('the process survives a Redis outage, keeps refusing calls and /readyz reports it', async () => {
      const { s } = outage!;
      const h = { authorization: `Bearer ${outageKey}` };
      for (let i = 0; i < 3; i++) {
        const r = await callToolHttp(s.url, 'kit_echo', { message: `after ${i}` }, h);
        expect(r.envelope?.category).toBe('internal');
      }
      // /readyz answers from the background checks (every 200 ms here): wait for the next one.
      let ready = await rawHttp(`${s.base}/readyz`);
      for (const deadline = Date.now() + 10_000; ready.status !== 503 && Date.now() < deadline;)
        ready = await new Promise((r) => setTimeout(r, 50)).then(() => rawHttp(`${s.base}/readyz`));
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: 'not_ready', checks: { rate_limits: 'failing' } });
      expect(s.proc.exitCode).toBeNull();
    });

    it('a Redis outage is reported as rate_limiter_unavailable, retryable', () => {
      expect(outageEnvelope).toMatchObject({ code: 'rate_limiter_unavailable', retryable: true });
    });
  },
);

describe.skipIf(pgSkip !== null)(`PostgreSQL store and audit${pgSkip ? ` (skipped: ${pgSkip})` : ''}`, () => {
  let server: PgServer | null = null;
  let admin: pg.Client;
  const dbUrl = (db: string) => server!.url.replace(/\/postgres$/, `/${db}`);

  beforeAll(async () => {
    server = await startPostgres();
    if (!server)
      throw new Error(`PostgreSQL did not start: ${postgresUnavailableReason() ?? 'unknown reason'}`);
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE kit_single');
    await admin.query('CREATE DATABASE kit_pair');
  }, 180_000);
  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await killAll();
    await server?.stop();
  });

  async function tableRecords(db: string): Promise<Record<string, unknown>[]> {
    const c = new pg.Client({ connectionString: dbUrl(db) });
    await c.connect();
    try {
      return (
        await c.query<{ record: Record<string, unknown> }>('SELECT record FROM portcullis_audit ORDER BY seq')
      ).rows.map((r) => r.record);
    } finally {
      await c.end();
    }
  }

  it('core flows on DATABASE_URL with PORTCULLIS_AUDIT=postgres; the table verifies; tampering is caught', async () => {
    const dataDir = tempDir();
    const { keys } = writeApiKeys(dataDir, [
      { principal: 'pg-eddie', roles: ['editor'], tenant: 'acme' },
      { principal: 'pg-gina', roles: ['viewer'], tenant: 'globex' },
    ]);
    const srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      DATABASE_URL: dbUrl('kit_single'),
      PORTCULLIS_AUDIT: 'postgres',
    });
    const eddie = { authorization: `Bearer ${keys['pg-eddie']}` };
    const gina = { authorization: `Bearer ${keys['pg-gina']}` };
    const ids: string[] = [];
    try {
      expect((await rawHttp(`${srv.base}/readyz`)).json).toMatchObject({
        status: 'ready',
        checks: { store: 'ok' },
      });
      const created = await callToolHttp(
        srv.url,
        'kit_create_note',
        { title: 'Stored in PostgreSQL', idempotency_key: 'pg-key-00000001' },
        eddie,
      );
      expect(created.structured).toMatchObject({ owner: 'pg-eddie', tenant: 'acme', version: 1 });
      const id = created.structured!.id as string;
      const replay = await callToolHttp(
        srv.url,
        'kit_create_note',
        { title: 'Stored in PostgreSQL', idempotency_key: 'pg-key-00000001' },
        eddie,
      );
      expect(replay.structured!.id).toBe(id);
      const got = await callToolHttp(srv.url, 'kit_get_note', { id }, eddie);
      expect(got.structured).toMatchObject({ id, title: 'Stored in PostgreSQL' });
      const found = await callToolHttp(srv.url, 'kit_search_notes', { query: 'postgresql' }, eddie);
      expect((found.structured!.notes as { id: string }[]).map((n) => n.id)).toEqual([id]);
      const denied = await callToolHttp(srv.url, 'kit_get_note', { id }, gina);
      expect(denied.envelope).toMatchObject({
        category: 'forbidden',
        details: { policies: ['kit-tenant-isolation'] },
      });
      const stale = await callToolHttp(srv.url, 'kit_delete_note', { id, version: 7 }, eddie);
      expect(stale.envelope?.category).toBe('conflict');
      for (const r of [created, replay, got, found, denied, stale]) ids.push(r.auditId!);

      // the records are in the table, with the same ids the results carried
      const recs = await tableRecords('kit_single');
      expect(recs.map((r) => r.id)).toEqual(ids);
      expect(recs[4]).toMatchObject({
        principal: 'pg-gina',
        tenant: 'globex',
        outcome: 'denied',
        decision: { effect: 'deny', policies: ['kit-tenant-isolation'] },
      });
      // and nothing went to a file
      const auditDir = join(dataDir, 'audit');
      expect(existsSync(auditDir) ? readdirSync(auditDir) : []).toEqual([]);
      // the note rows live in PostgreSQL, not in an embedded store
      const c = new pg.Client({ connectionString: dbUrl('kit_single') });
      await c.connect();
      try {
        expect((await c.query('SELECT owner FROM kit_notes WHERE id = $1', [id])).rows).toEqual([
          { owner: 'pg-eddie' },
        ]);
      } finally {
        await c.end();
      }
    } finally {
      expect((await srv.stop()).code).toBe(0);
    }

    const v = await verifyAudit(['--database-url', dbUrl('kit_single')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`intact: ${ids.length} records`);
    expect(v.stdout + v.stderr).not.toContain('postgresql://');

    // append-only: the table refuses UPDATE and DELETE ...
    const c = new pg.Client({ connectionString: dbUrl('kit_single') });
    await c.connect();
    try {
      await expect(
        c.query(
          `UPDATE portcullis_audit SET record = jsonb_set(record, '{principal}', '"mallory"') WHERE seq = 3`,
        ),
      ).rejects.toThrow(/append-only/);
      await expect(c.query('DELETE FROM portcullis_audit WHERE seq = 3')).rejects.toThrow(/append-only/);
      // ... and an owner who switches the guard off is still caught by the verifier
      await c.query('ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete');
      await c.query(
        `UPDATE portcullis_audit SET record = jsonb_set(record, '{principal}', '"mallory"') WHERE seq = 3`,
      );
    } finally {
      await c.end();
    }
    const tampered = await verifyAudit(['--database-url', dbUrl('kit_single')]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`TAMPERED at record 3 (${ids[2]}): hash mismatch`);
  });

  it('two processes on one DATABASE_URL share the store and one audit chain that verifies', async () => {
    const keysDir = tempDir();
    const { file, keys } = writeApiKeys(keysDir, [
      { principal: 'pair-a', roles: ['admin'], tenant: 'acme' },
      { principal: 'pair-b', roles: ['admin'], tenant: 'globex' },
      { principal: 'pair-a-viewer', roles: ['viewer'], tenant: 'acme' },
    ]);
    const env = (dataDir: string) => ({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_API_KEYS_FILE: file,
      DATABASE_URL: dbUrl('kit_pair'),
      PORTCULLIS_AUDIT: 'postgres',
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '100000/60s',
    });
    // Started one after the other (start-up order is not what this test is about).
    const a = await spawnHttp(env(tempDir()));
    const b = await spawnHttp(env(tempDir()));
    const ha = { authorization: `Bearer ${keys['pair-a']}` };
    const hb = { authorization: `Bearer ${keys['pair-b']}` };
    try {
      // one store: a note written through A is read through B
      const created = await callToolHttp(a.url, 'kit_create_note', { title: 'written via A' }, ha);
      const readViaB = await callToolHttp(
        b.url,
        'kit_get_note',
        { id: created.structured!.id },
        { authorization: `Bearer ${keys['pair-a-viewer']}` },
      );
      expect(readViaB.structured).toMatchObject({ title: 'written via A', owner: 'pair-a' });
      // both append concurrently
      const shapes = (url: string, h: Record<string, string>, i: number) =>
        i % 3 === 0
          ? callToolHttp(url, 'kit_echo', { message: `m${i}` }, h)
          : i % 3 === 1
            ? callToolHttp(url, 'kit_search_notes', { limit: 2 }, h)
            : callToolHttp(url, 'kit_get_note', { id: 'note_0001' }, h); // allowed for A (acme), denied for B (globex)
      const [ra, rb] = await Promise.all([
        pool(60, 6, (i) => shapes(a.url, ha, i)),
        pool(60, 6, (i) => shapes(b.url, hb, i)),
      ]);
      const acknowledged = [...ra, ...rb].map((r) => r.auditId);
      expect(acknowledged.every((x) => typeof x === 'string')).toBe(true);
      const recs = await tableRecords('kit_pair');
      expect(recs).toHaveLength(2 + 120);
      expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 122 }, (_, i) => i + 1));
      const byId = new Set(recs.map((r) => r.id));
      for (const id of acknowledged) expect(byId.has(id)).toBe(true);
      expect(recs.filter((r) => r.principal === 'pair-a')).toHaveLength(61);
      expect(recs.filter((r) => r.principal === 'pair-b')).toHaveLength(60);
      expect(recs.filter((r) => r.principal === 'pair-b' && r.outcome === 'denied')).toHaveLength(20);
    } finally {
      expect((await a.stop()).code).toBe(0);
      expect((await b.stop()).code).toBe(0);
    }
    const v = await verifyAudit(['--database-url', dbUrl('kit_pair')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('intact: 122 records');
  });
});

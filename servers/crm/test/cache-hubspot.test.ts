/**
 * The read cache on the HubSpot connector: a second read within the TTL does not reach HubSpot,
 * the server's own writes read fresh and invalidate, policy and audit still run on every call,
 * and a cached record never reaches another tenant (two portals, the same record id on both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { FakeHubSpot } from '@portcullis/fakes/hubspot';
import { redisUnavailableReason, startRedis, type RedisServer } from '@portcullis/test-support/redis';
import type { CrmBackend } from '../src/index.js';
import { generateSeed, server } from '../src/index.js';
import { hubspotEnv, loadIntoFake } from './hubspot-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
const TOKEN = 'pat-na1-cache-test-token';
const TTL = 'account=1m,contact=1m,opportunity=1m';

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

function gets(fake: FakeHubSpot, type: string, id: string): number {
  return fake.requests.filter((r) => r.method === 'GET' && r.path === `/crm/v3/objects/${type}/${id}`).length;
}

async function startCrm(fake: FakeHubSpot, tenant: string, extra: Record<string, string> = {}) {
  return startInProcess<CrmBackend>(server, {
    principal: { id: 'grace', roles: ['admin', 'pii_reader'], tenant },
    env: hubspotEnv(fake, TOKEN, tenant, { PORTCULLIS_CACHE_TTL: TTL, ...extra }),
  });
}

async function cacheCount(h: InProcessHarness<CrmBackend>, type: string, result: string): Promise<number> {
  const m = await h.runtime.metrics!.registry.getSingleMetric('portcullis_cache_requests_total')!.get();
  return m.values
    .filter((v) => v.labels.system === 'hubspot' && v.labels.type === type && v.labels.result === result)
    .reduce((n, v) => n + v.value, 0);
}

describe('HubSpot reads through the in-process cache', () => {
  let fake: FakeHubSpot;
  let h: InProcessHarness<CrmBackend>;
  const seed = generateSeed('acme', { accounts: 6 });
  let ids: Map<string, string>;

  beforeAll(async () => {
    fake = await FakeHubSpot.start({
      tokens: [TOKEN],
      customProperties: { companies: ['portcullis_region'] },
    });
    ids = loadIntoFake(fake, seed);
    h = await startCrm(fake, 'acme');
  });

  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('answers a second read within the TTL without HubSpot, still deciding and auditing it', async () => {
    const id = ids.get(seed.accounts[0]!.id)!;
    const first = ok(await h.callTool('crm_get_account', { id }));
    expect(gets(fake, 'companies', id)).toBe(1);
    const second = ok(await h.callTool('crm_get_account', { id }));
    expect(gets(fake, 'companies', id)).toBe(1);
    expect(second.account).toEqual(first.account);
    expect(await cacheCount(h, 'account', 'hit')).toBeGreaterThanOrEqual(1);
    expect(await cacheCount(h, 'account', 'miss')).toBeGreaterThanOrEqual(1);
    const audited = h.auditRecords().filter((r) => r.tool === 'crm_get_account' && r.outcome === 'ok');
    expect(audited).toHaveLength(2);
    // Another tenant's principal on this server never sees the cached record.
    const stranger = await h.as({ id: 'grace', roles: ['admin', 'pii_reader'], tenant: 'globex' });
    const refused = await stranger.callTool('crm_get_account', { id });
    expect(refused.envelope?.category).toBe('not_found');
    expect(h.auditRecords().filter((r) => r.tool === 'crm_get_account')).toHaveLength(3);
  });

  it('reuses one kept-alive TCP connection for consecutive HubSpot calls', async () => {
    const connections = fake.connections;
    const requests = fake.requests.length;
    for (let i = 0; i < 3; i++) ok(await h.callTool('crm_search_accounts', { query: `x${i}`, limit: 1 }));
    expect(fake.requests.length - requests).toBeGreaterThanOrEqual(3);
    expect(fake.connections - connections).toBeLessThanOrEqual(1);
  });

  it("a write reads HubSpot fresh, and the server's own write invalidates the cached record", async () => {
    const seeded = seed.contacts[0]!;
    const id = ids.get(seeded.id)!;
    const before = ok(await h.callTool('crm_get_contact', { id })).contact as Row;
    ok(await h.callTool('crm_get_contact', { id }));
    expect(gets(fake, 'contacts', id)).toBe(1);
    const updated = ok(
      await h.callTool('crm_update_contact', {
        id,
        version: before.version,
        changes: { title: 'Chief Cache Officer' },
      }),
    );
    expect(updated.contact.title).toBe('Chief Cache Officer');
    const afterWrite = gets(fake, 'contacts', id);
    // The policy resource, the version check and the re-read all went to HubSpot.
    expect(afterWrite).toBeGreaterThanOrEqual(3);
    expect(await cacheCount(h, 'contact', 'bypass')).toBeGreaterThanOrEqual(1);
    const read = ok(await h.callTool('crm_get_contact', { id })).contact as Row;
    expect(read.title).toBe('Chief Cache Officer');
    expect(read.version).toBe(updated.contact.version);
    expect(gets(fake, 'contacts', id)).toBe(afterWrite + 1);
    ok(await h.callTool('crm_get_contact', { id }));
    expect(gets(fake, 'contacts', id)).toBe(afterWrite + 1);
  });
});

const reason = redisUnavailableReason();
if (reason !== null) {
  describe('HubSpot reads through the Redis cache', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}

describe.skipIf(reason !== null)('HubSpot reads through the Redis cache', () => {
  let redis: RedisServer | null = null;
  let fakeA: FakeHubSpot;
  let fakeB: FakeHubSpot;
  let acme: InProcessHarness<CrmBackend>;
  let acme2: InProcessHarness<CrmBackend>;
  let globex: InProcessHarness<CrmBackend>;
  let idsA: Map<string, string>;
  let idsB: Map<string, string>;
  const seedA = generateSeed('acme', { accounts: 4 });
  const seedB = generateSeed('globex', { accounts: 4 });

  beforeAll(async () => {
    redis = await startRedis();
    if (!redis) throw new Error('redis-server is installed but did not start');
    fakeA = await FakeHubSpot.start({
      tokens: [TOKEN],
      customProperties: { companies: ['portcullis_region'] },
    });
    fakeB = await FakeHubSpot.start({
      tokens: [TOKEN],
      customProperties: { companies: ['portcullis_region'] },
    });
    idsA = loadIntoFake(fakeA, seedA);
    idsB = loadIntoFake(fakeB, seedB);
    acme = await startCrm(fakeA, 'acme', { REDIS_URL: redis.url });
    acme2 = await startCrm(fakeA, 'acme', { REDIS_URL: redis.url });
    globex = await startCrm(fakeB, 'globex', { REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await acme?.close();
    await acme2?.close();
    await globex?.close();
    await fakeA?.close();
    await fakeB?.close();
    await redis?.stop();
  });

  it('shares entries between replicas, and never between tenants with the same record id', async () => {
    const idA = idsA.get(seedA.accounts[0]!.id)!;
    const idB = idsB.get(seedB.accounts[0]!.id)!;
    expect(idA).toBe(idB); // both portals number their records alike
    const a = ok(await acme.callTool('crm_get_account', { id: idA })).account as Row;
    expect(a.name).toBe(seedA.accounts[0]!.name);
    // The second replica of the same portal is answered from Redis.
    const a2 = ok(await acme2.callTool('crm_get_account', { id: idA })).account as Row;
    expect(a2).toEqual(a);
    expect(gets(fakeA, 'companies', idA)).toBe(1);
    expect(await cacheCount(acme2, 'account', 'hit')).toBeGreaterThanOrEqual(1);
    expect(await cacheCount(acme2, 'account', 'miss')).toBe(0);
    // The other tenant's server, same id, gets its own portal's record.
    const b = ok(await globex.callTool('crm_get_account', { id: idB })).account as Row;
    expect(b.name).toBe(seedB.accounts[0]!.name);
    expect(b.name).not.toBe(a.name);
    expect(gets(fakeB, 'companies', idB)).toBe(1);
    const raw = new Redis(redis!.url);
    const keys = await raw.keys('portcullis:cache:v1:hubspot:*').finally(() => raw.disconnect());
    expect(keys.filter((k) => k.endsWith(`:account:${idA}`)).length).toBe(2);
    expect(keys.some((k) => k.includes(':acme:account:'))).toBe(true);
    expect(keys.some((k) => k.includes(':globex:account:'))).toBe(true);
  });

  it("one replica's write invalidates the record for the other", async () => {
    const id = idsA.get(seedA.contacts[0]!.id)!;
    const c = ok(await acme.callTool('crm_get_contact', { id })).contact as Row;
    ok(await acme2.callTool('crm_get_contact', { id }));
    const n = gets(fakeA, 'contacts', id);
    ok(
      await acme.callTool('crm_update_contact', { id, version: c.version, changes: { title: 'Replicated' } }),
    );
    const m = gets(fakeA, 'contacts', id);
    expect(m).toBeGreaterThan(n);
    const seen = ok(await acme2.callTool('crm_get_contact', { id })).contact as Row;
    expect(seen.title).toBe('Replicated');
    expect(gets(fakeA, 'contacts', id)).toBe(m + 1);
  });
});

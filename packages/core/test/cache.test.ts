import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisUnavailableReason, startRedis, type RedisServer } from '@portcullis/test-support/redis';
import {
  ReadCache,
  cacheConfigFromEnv,
  upstreamIdentity,
  withFreshReads,
  type CacheResult,
} from '../src/cache.js';
import { ConfigError } from '../src/errors.js';

const silent = pino({ level: 'silent' });

function counting() {
  const results: string[] = [];
  return {
    results,
    onResult: (system: string, type: string, result: CacheResult) =>
      results.push(`${system}/${type}/${result}`),
  };
}

function loader<T>(value: T) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    load: () => {
      calls++;
      return Promise.resolve(structuredClone(value));
    },
  };
}

describe('cacheConfigFromEnv', () => {
  it('is off unless a TTL is named', () => {
    const cfg = cacheConfigFromEnv({});
    expect(cfg.defaultTtlMs).toBe(0);
    expect(cfg.ttlMs.size).toBe(0);
    expect(cfg.maxEntries).toBe(10_000);
  });

  it('parses types, system.type, the wildcard and 0', () => {
    const cfg = cacheConfigFromEnv({
      PORTCULLIS_CACHE_TTL: 'contact=60s, deal=500ms,crm.account=2m,*=1h,finding=0',
      PORTCULLIS_CACHE_MAX_ENTRIES: '50',
    });
    expect(Object.fromEntries(cfg.ttlMs)).toEqual({
      contact: 60_000,
      deal: 500,
      'crm.account': 120_000,
      finding: 0,
    });
    expect(cfg.defaultTtlMs).toBe(3_600_000);
    expect(cfg.maxEntries).toBe(50);
  });

  it.each(['contact', 'contact=60', 'contact=-1s', 'Contact=1s', 'contact=1d', '=1s'])(
    'refuses %s naming the setting',
    (value) => {
      expect(() => cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: value })).toThrow(ConfigError);
      expect(() => cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: value })).toThrow('PORTCULLIS_CACHE_TTL');
    },
  );

  it('refuses a bad entry bound', () => {
    expect(() => cacheConfigFromEnv({ PORTCULLIS_CACHE_MAX_ENTRIES: '0' })).toThrow(
      'PORTCULLIS_CACHE_MAX_ENTRIES',
    );
  });
});

describe('ReadCache in process', () => {
  it('loads once within the TTL, again after it, and counts hits and misses', async () => {
    let now = 1_000;
    const c = counting();
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'contact=10s' }),
      logger: silent,
      onResult: c.onResult,
      now: () => now,
    });
    const hub = cache.forUpstream('hubspot', upstreamIdentity(['portal-1']));
    const l = loader({ id: '1', name: 'Ada' });
    expect(await hub.read('acme', 'contact', '1', l.load)).toEqual({ id: '1', name: 'Ada' });
    const second = await hub.read('acme', 'contact', '1', l.load);
    expect(second).toEqual({ id: '1', name: 'Ada' });
    expect(l.calls).toBe(1);
    // A caller mutating its copy does not change the cached record.
    second.name = 'changed';
    expect((await hub.read('acme', 'contact', '1', l.load)).name).toBe('Ada');
    now += 10_000;
    await hub.read('acme', 'contact', '1', l.load);
    expect(l.calls).toBe(2);
    expect(c.results).toEqual([
      'hubspot/contact/miss',
      'hubspot/contact/hit',
      'hubspot/contact/hit',
      'hubspot/contact/miss',
    ]);
  });

  it('keeps tenants, upstream accounts, types and ids apart', async () => {
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: '*=1m' }),
      logger: silent,
    });
    const a = cache.forUpstream('hubspot', upstreamIdentity(['portal-a']));
    const b = cache.forUpstream('hubspot', upstreamIdentity(['portal-b']));
    await a.read('acme', 'contact', '1', () => Promise.resolve('acme-a-contact-1'));
    expect(await a.read('globex', 'contact', '1', () => Promise.resolve('globex'))).toBe('globex');
    expect(await b.read('acme', 'contact', '1', () => Promise.resolve('portal-b'))).toBe('portal-b');
    expect(await a.read('acme', 'deal', '1', () => Promise.resolve('deal'))).toBe('deal');
    expect(await a.read('acme', 'contact', '2', () => Promise.resolve('two'))).toBe('two');
    expect(await a.read('acme', 'contact', '1', () => Promise.resolve('reloaded'))).toBe('acme-a-contact-1');
    // Separator characters in a tenant cannot forge another tenant's key.
    expect(await a.read('acme:contact', '1', 'x', () => Promise.resolve('forged'))).toBe('forged');
  });

  it('does not cache when the type has no TTL, nor null answers', async () => {
    const c = counting();
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'contact=1m,deal=0' }),
      logger: silent,
      onResult: c.onResult,
    });
    const hub = cache.forUpstream('hubspot', 'id');
    const deal = loader({ id: 'd' });
    await hub.read('acme', 'deal', 'd', deal.load);
    await hub.read('acme', 'deal', 'd', deal.load);
    expect(deal.calls).toBe(2);
    expect(hub.enabled('deal')).toBe(false);
    expect(hub.enabled('account')).toBe(false);
    const missing = loader(null);
    await hub.read('acme', 'contact', 'gone', missing.load);
    await hub.read('acme', 'contact', 'gone', missing.load);
    expect(missing.calls).toBe(2);
    expect(c.results).toEqual(['hubspot/contact/miss', 'hubspot/contact/miss']);
  });

  it('invalidates one record', async () => {
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'contact=1m' }),
      logger: silent,
    });
    const hub = cache.forUpstream('hubspot', 'id');
    const l = loader({ v: 1 });
    await hub.read('acme', 'contact', '1', l.load);
    await hub.read('acme', 'contact', '2', l.load);
    await hub.invalidate('acme', 'contact', '1');
    await hub.read('acme', 'contact', '1', l.load);
    await hub.read('acme', 'contact', '2', l.load);
    expect(l.calls).toBe(3);
  });

  it('is bounded by entry count, evicting the least recently used', async () => {
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: '*=1h', PORTCULLIS_CACHE_MAX_ENTRIES: '2' }),
      logger: silent,
    });
    const hub = cache.forUpstream('hubspot', 'id');
    const l = loader('x');
    await hub.read('t', 'contact', '1', l.load);
    await hub.read('t', 'contact', '2', l.load);
    await hub.read('t', 'contact', '1', l.load); // 1 is now the most recent
    await hub.read('t', 'contact', '3', l.load); // evicts 2
    expect(cache.localSize).toBe(2);
    expect(l.calls).toBe(3);
    await hub.read('t', 'contact', '1', l.load);
    expect(l.calls).toBe(3);
    await hub.read('t', 'contact', '2', l.load);
    expect(l.calls).toBe(4);
  });

  it('passes a failed load through and caches nothing', async () => {
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: '*=1h' }),
      logger: silent,
    });
    const hub = cache.forUpstream('hubspot', 'id');
    await expect(hub.read('t', 'contact', '1', () => Promise.reject(new Error('503')))).rejects.toThrow(
      '503',
    );
    expect(await hub.read('t', 'contact', '1', () => Promise.resolve('ok'))).toBe('ok');
  });
});

const reason = redisUnavailableReason();
if (reason !== null) {
  describe('ReadCache with Redis', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}

describe.skipIf(reason !== null)('ReadCache with Redis', () => {
  let redis: RedisServer | null = null;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    if (!redis) throw new Error('redis-server is installed but did not start');
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  function client(url = redis!.url): Redis {
    const c = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 1000, lazyConnect: true });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  it('shares entries and invalidations between replicas, with a PX expiry', async () => {
    const config = cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'contact=1m' });
    const c = counting();
    const one = new ReadCache({ config, redis: client(), logger: silent, onResult: c.onResult });
    const two = new ReadCache({ config, redis: client(), logger: silent, onResult: c.onResult });
    const identity = upstreamIdentity(['portal', Math.random()]);
    const l = loader({ id: '7', name: 'Grace' });
    expect(await one.forUpstream('hubspot', identity).read('acme', 'contact', '7', l.load)).toEqual({
      id: '7',
      name: 'Grace',
    });
    expect(await two.forUpstream('hubspot', identity).read('acme', 'contact', '7', l.load)).toEqual({
      id: '7',
      name: 'Grace',
    });
    expect(l.calls).toBe(1);
    const raw = client();
    const keys = await raw.keys(`portcullis:cache:v1:hubspot:${identity}:*`);
    expect(keys).toEqual([`portcullis:cache:v1:hubspot:${identity}:acme:contact:7`]);
    const pttl = await raw.pttl(keys[0]!);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await raw.get(keys[0]!))!)).toEqual({ id: '7', name: 'Grace' });
    // Another tenant on the same account does not see it.
    const other = loader({ id: '7', name: 'Globex' });
    expect((await two.forUpstream('hubspot', identity).read('globex', 'contact', '7', other.load)).name).toBe(
      'Globex',
    );
    // A write on replica one is seen by replica two at once.
    await one.forUpstream('hubspot', identity).invalidate('acme', 'contact', '7');
    await two.forUpstream('hubspot', identity).read('acme', 'contact', '7', l.load);
    expect(l.calls).toBe(2);
    expect(c.results).toEqual([
      'hubspot/contact/miss',
      'hubspot/contact/hit',
      'hubspot/contact/miss',
      'hubspot/contact/miss',
    ]);
  });

  it('falls back to the upstream when Redis fails, and counts it', async () => {
    const dead = client('redis://127.0.0.1:1');
    const c = counting();
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'contact=1m' }),
      redis: dead,
      logger: silent,
      onResult: c.onResult,
    });
    const hub = cache.forUpstream('hubspot', 'id');
    const l = loader({ id: '1' });
    expect(await hub.read('acme', 'contact', '1', l.load)).toEqual({ id: '1' });
    expect(await hub.read('acme', 'contact', '1', l.load)).toEqual({ id: '1' });
    expect(l.calls).toBe(2);
    await hub.invalidate('acme', 'contact', '1');
    expect(c.results).toEqual([
      'hubspot/contact/error',
      'hubspot/contact/error',
      'hubspot/contact/invalidate_error',
    ]);
  });
});

describe('withFreshReads', () => {
  it('sends every read inside it to the upstream, and only those', async () => {
    const c = counting();
    const cache = new ReadCache({
      config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'order=1m' }),
      logger: silent,
      onResult: c.onResult,
    });
    const stripe = cache.forUpstream('stripe', 'acct');
    const l = loader({ id: 'o1', refunded: 0 });
    await stripe.read('acme', 'order', 'o1', l.load);
    await withFreshReads(async () => {
      await stripe.read('acme', 'order', 'o1', l.load);
      // Nested async work keeps the context.
      await Promise.resolve().then(() => stripe.read('acme', 'order', 'o1', l.load));
    });
    await stripe.read('acme', 'order', 'o1', l.load);
    expect(l.calls).toBe(3);
    expect(c.results).toEqual([
      'stripe/order/miss',
      'stripe/order/bypass',
      'stripe/order/bypass',
      'stripe/order/hit',
    ]);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deadEndPort } from '@portcullis/test-support/ports';
import { redisUnavailableReason, startRedis, type RedisServer } from '@portcullis/test-support/redis';
import { ConfigError, PortcullisError } from '../src/errors.js';
import {
  localHeartbeatMs,
  RateLimiter,
  rateLimitConfigFromEnv,
  type RateLimitConfig,
  type RateLimiterOptions,
} from '../src/ratelimit.js';

const silent = pino({ level: 'silent' });
const limiters: RateLimiter[] = [];

afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.close()));
});

function config(overrides: Partial<RateLimitConfig> = {}): RateLimitConfig {
  return {
    principalTool: { points: 1000, windowMs: 600_000 },
    tenant: { points: 1000, windowMs: 600_000 },
    upstream: {},
    defaultUpstream: { maxConcurrent: 10, maxQueued: 100 },
    ...overrides,
  };
}

async function limiter(
  opts: Partial<RateLimiterOptions> & { config: RateLimitConfig },
): Promise<RateLimiter> {
  const l = await RateLimiter.create({ prefix: `test-${randomUUID()}`, logger: silent, ...opts });
  limiters.push(l);
  return l;
}

async function refusal(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  }
  throw new Error('expected a refusal');
}

async function tally(
  n: number,
  call: () => Promise<unknown>,
): Promise<{ ok: number; refused: PortcullisError[] }> {
  let ok = 0;
  const refused: PortcullisError[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await call();
      ok++;
    } catch (err) {
      if (!(err instanceof PortcullisError)) throw err;
      refused.push(err);
    }
  }
  return { ok, refused };
}

/** Polls a condition a bounded number of times. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('rateLimitConfigFromEnv', () => {
  it('has sensible defaults', () => {
    const c = rateLimitConfigFromEnv({});
    expect(c.principalTool).toEqual({ points: 120, windowMs: 60_000 });
    expect(c.tenant).toEqual({ points: 1200, windowMs: 60_000 });
    expect(c.defaultUpstream.maxConcurrent).toBeGreaterThan(0);
    expect(c.defaultUpstream.maxQueued).toBe(100);
    expect(c.upstream).toEqual({});
  });

  it('parses N/<num>(ms|s|m) and per-system upstream quotas', () => {
    const c = rateLimitConfigFromEnv({
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '10/500ms',
      PORTCULLIS_RATE_TENANT: '5/2m',
      PORTCULLIS_UPSTREAM_CONCURRENCY: '4',
      PORTCULLIS_RATE_UPSTREAM_HUBSPOT: '100/10s',
    });
    expect(c.principalTool).toEqual({ points: 10, windowMs: 500 });
    expect(c.tenant).toEqual({ points: 5, windowMs: 120_000 });
    // A principal's total: half the tenant's points, never below one tool's.
    expect(c.principal).toEqual({ points: 10, windowMs: 120_000 });
    expect(rateLimitConfigFromEnv({}).principal).toEqual({ points: 600, windowMs: 60_000 });
    expect(rateLimitConfigFromEnv({ PORTCULLIS_RATE_PRINCIPAL: '50/10s' }).principal).toEqual({
      points: 50,
      windowMs: 10_000,
    });
    expect(c.upstream.hubspot).toMatchObject({ maxConcurrent: 4, points: 100, windowMs: 10_000 });
  });

  it.each([
    ['PORTCULLIS_RATE_PRINCIPAL_TOOL', 'lots'],
    ['PORTCULLIS_RATE_PRINCIPAL_TOOL', '0/60s'],
    ['PORTCULLIS_RATE_TENANT', '10/60'],
    ['PORTCULLIS_RATE_PRINCIPAL', '0/60s'],
    ['PORTCULLIS_RATE_TENANT', '10/0s'],
    ['PORTCULLIS_UPSTREAM_CONCURRENCY', '0'],
    ['PORTCULLIS_RATE_UPSTREAM_STRIPE', '-1/1s'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => rateLimitConfigFromEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => rateLimitConfigFromEnv({ [name]: value })).toThrow(name);
  });
});

describe('RateLimiter in-process', () => {
  it('limits principal x tool, with retry_after_ms and category rate_limited', async () => {
    const scopes: string[] = [];
    const l = await limiter({
      config: config({ principalTool: { points: 3, windowMs: 60_000 } }),
      onLimited: (s) => scopes.push(s),
    });
    expect(l.shared).toBe(false);
    await l.ping();

    const { ok, refused } = await tally(5, () => l.acquire('alice', 'acme', 'crm_search_accounts'));
    expect(ok).toBe(3);
    expect(refused).toHaveLength(2);
    for (const err of refused) {
      expect(err.category).toBe('rate_limited');
      expect(err.code).toBe('rate_limited');
      expect(err.retryable).toBe(true);
      expect(err.details).toEqual({ scope: 'principal_tool' });
      expect(err.retryAfterMs).toBeGreaterThan(0);
      // the window, and up to one heartbeat (1 s for a minute's window) of the refresh
      expect(err.retryAfterMs).toBeLessThanOrEqual(61_000);
      expect(err.toEnvelope('audit-1').retry_after_ms).toBeGreaterThan(0);
    }
    expect(scopes).toEqual(['principal_tool', 'principal_tool']);

    // Another tool, another principal: their own windows.
    await l.acquire('alice', 'acme', 'crm_get_account');
    await l.acquire('bob', 'acme', 'crm_search_accounts');
  });

  it('a key’s reservoir refresh runs on a 60th of its window (250 ms to 1 s), not every 250 ms', async () => {
    expect([1_000, 15_000, 30_000, 60_000, 3_600_000].map(localHeartbeatMs)).toEqual([
      250, 250, 500, 1_000, 1_000,
    ]);
    const timers = vi.spyOn(globalThis, 'setInterval');
    try {
      const l = await limiter({
        config: config({
          principalTool: { points: 5, windowMs: 60_000 },
          tenant: { points: 50, windowMs: 30_000 },
          upstream: { hubspot: { maxConcurrent: 2, points: 5, windowMs: 600_000 } },
        }),
      });
      await l.acquire('alice', 'acme', 'crm_search_accounts');
      await l.upstream('hubspot', () => Promise.resolve('ok'));
      // Bottleneck's heartbeats are its only intervals under 10 s (a group's clean-up runs every
      // half of its keys' timeout: 30 s or more).
      const periods = timers.mock.calls.map(([, ms]) => ms ?? 0).filter((ms) => ms < 10_000);
      expect(periods.sort((a, b) => a - b)).toEqual([500, 1_000, 1_000]);
    } finally {
      timers.mockRestore();
    }
  });

  it('a key in use keeps its window: the group’s clean-up never hands it a fresh reservoir mid-window', async () => {
    // Simulated clock: the group's clean-up runs every minute (half its keys' 2-minute timeout), and
    // used to drop a key two minutes after its creation however busy it was, its spent window with it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const s = 1_000;
    try {
      const l = await limiter({ config: config({ principalTool: { points: 5, windowMs: 60 * s } }) });
      const call = async () => {
        const done = l.acquire('mallory', 'acme', 'crm_search_accounts').then(
          () => true,
          () => false,
        );
        await vi.advanceTimersByTimeAsync(5);
        return done;
      };
      const at = async (ms: number) => vi.advanceTimersByTimeAsync(ms - Date.now() + start);
      const start = Date.now();
      await at(30 * s);
      expect(await call()).toBe(true); // the key's windows begin at 30, 90, 150, 210 s (+ up to 1 s each)
      await at(95 * s);
      expect(await call()).toBe(true);
      await at(155 * s);
      for (let i = 0; i < 5; i++) expect(await call()).toBe(true); // this window spent, no refusal yet
      await at(185 * s); // past the clean-up at 180 s, inside the spent window
      expect(await call()).toBe(false);
      await at(215 * s);
      expect(await call()).toBe(true); // the next window
    } finally {
      vi.useRealTimers();
    }
  });

  it('finding 11: the same principal id in two tenants has two buckets, not one', async () => {
    const l = await limiter({ config: config({ principalTool: { points: 1, windowMs: 60_000 } }) });
    await l.acquire('bob', 'acme', 'crm_search_accounts');
    // bob@globex is another person: acme's bob spending his window must not refuse him.
    await l.acquire('bob', 'globex', 'crm_search_accounts');
    const again = await refusal(l.acquire('bob', 'acme', 'crm_search_accounts'));
    expect(again.details).toEqual({ scope: 'principal_tool' });
    // Ids and tenants holding the separator cannot collide either.
    await l.acquire('a:b', 'c', 't');
    await l.acquire('b', 'c:a', 't');
  });

  it('limits the tenant across its principals; other tenants and tenantless calls are unaffected', async () => {
    const l = await limiter({ config: config({ tenant: { points: 4, windowMs: 60_000 } }) });
    let i = 0;
    const { ok, refused } = await tally(6, () => l.acquire(`user-${i++}`, 'acme', 'crm_search_accounts'));
    expect(ok).toBe(4);
    expect(refused.map((e) => e.details?.scope)).toEqual(['tenant', 'tenant']);
    expect(refused[0]?.retryAfterMs).toBeGreaterThan(0);
    await l.acquire('user-0', 'globex', 'crm_search_accounts');
    await l.acquire('user-0', null, 'crm_search_accounts');
  });

  it('a principal refused by its own limit does not spend the tenant budget', async () => {
    const l = await limiter({
      config: config({
        principalTool: { points: 2, windowMs: 60_000 },
        tenant: { points: 3, windowMs: 60_000 },
      }),
    });
    const noisy = await tally(6, () => l.acquire('noisy', 'acme', 't'));
    expect(noisy.ok).toBe(2);
    expect(new Set(noisy.refused.map((e) => e.details?.scope))).toEqual(new Set(['principal_tool']));
    await l.acquire('quiet', 'acme', 't'); // the tenant's third point is still there
    const err = await refusal(l.acquire('quiet', 'acme', 't'));
    expect(err.details).toEqual({ scope: 'tenant' });
  });

  it("one principal spreading calls over its tools cannot spend the tenant's whole budget", async () => {
    // Half the tenant's points by default: 5 of 10.
    const l = await limiter({
      config: rateLimitConfigFromEnv({
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '5/60s',
        PORTCULLIS_RATE_TENANT: '10/60s',
      }),
    });
    const first = await tally(5, () => l.acquire('noisy', 'acme', 'tool-1'));
    expect(first.ok).toBe(5);
    const spread = await tally(5, () => l.acquire('noisy', 'acme', 'tool-2'));
    expect(spread.ok).toBe(0);
    expect(new Set(spread.refused.map((e) => e.details?.scope))).toEqual(new Set(['principal']));
    // A colleague still has the rest of the tenant's budget.
    const colleague = await tally(5, () => l.acquire('quiet', 'acme', 'tool-1'));
    expect(colleague.ok).toBe(5);
  });

  it("a nested system's stage (tenantBucket false) leaves the principal's window to the door", async () => {
    const l = await limiter({ config: config({ principal: { points: 2, windowMs: 60_000 } }) });
    await l.acquire('p', 'acme', 'door');
    await l.acquire('p', 'acme', 'nested', { tenantBucket: false });
    await l.acquire('p', 'acme', 'door');
    expect((await refusal(l.acquire('p', 'acme', 'door'))).details).toEqual({ scope: 'principal' });
  });

  it('keys cannot collide through separators in principal or tool names', async () => {
    const l = await limiter({ config: config({ principalTool: { points: 1, windowMs: 60_000 } }) });
    await l.acquire('a:b', null, 'c');
    await l.acquire('a', null, 'b:c');
  });

  it('concurrent acquires never exceed the points', async () => {
    const l = await limiter({ config: config({ principalTool: { points: 7, windowMs: 60_000 } }) });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => l.acquire('alice', 'acme', 'x')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
  });

  it('bounds upstream concurrency and refuses when the queue is full', async () => {
    const limited: string[] = [];
    const l = await limiter({
      config: config({ upstream: { hubspot: { maxConcurrent: 2, maxQueued: 3 } } }),
      onLimited: (s) => limited.push(s),
    });
    const g = gate();
    let active = 0;
    let maxActive = 0;
    let started = 0;
    const call = (): Promise<string> =>
      l.upstream('hubspot', async () => {
        started++;
        active++;
        maxActive = Math.max(maxActive, active);
        await g.wait;
        active--;
        return 'done';
      });
    const settled: Array<PromiseSettledResult<string>> = [];
    const calls = Array.from({ length: 10 }, () =>
      call().then(
        (value) => settled.push({ status: 'fulfilled', value }),
        (reason: unknown) => settled.push({ status: 'rejected', reason }),
      ),
    );
    await until(() => started === 2 && settled.length === 5, 'two running and five refused');
    expect(active).toBe(2);
    g.open();
    await Promise.all(calls);

    expect(maxActive).toBe(2);
    const fulfilled = settled.filter((r) => r.status === 'fulfilled');
    const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(5);
    expect(rejected).toHaveLength(5);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(PortcullisError);
      expect((r.reason as PortcullisError).category).toBe('rate_limited');
      expect((r.reason as PortcullisError).details).toEqual({ scope: 'upstream', system: 'hubspot' });
      expect((r.reason as PortcullisError).retryAfterMs).toBeGreaterThan(0);
    }
    expect(limited).toEqual(['upstream', 'upstream', 'upstream', 'upstream', 'upstream']);
  });

  it('an upstream quota refuses once the queue is full, with retry_after_ms', async () => {
    const l = await limiter({
      config: config({
        upstream: { stripe: { maxConcurrent: 5, points: 2, windowMs: 60_000, maxQueued: 0 } },
      }),
    });
    const { ok, refused } = await tally(4, () => l.upstream('stripe', async () => 'x'));
    expect(ok).toBe(2);
    expect(refused).toHaveLength(2);
    expect(refused[0]?.details).toEqual({ scope: 'upstream', system: 'stripe' });
    expect(refused[0]?.retryAfterMs).toBeGreaterThan(0);
  });

  it('a queued upstream call is released at once when its signal fires, and never runs', async () => {
    const l = await limiter({ config: config({ defaultUpstream: { maxConcurrent: 1, maxQueued: 10 } }) });
    const g = gate();
    let firstStarted = false;
    const first = l.upstream('crm', async () => {
      firstStarted = true;
      await g.wait;
      return 'first';
    });
    await until(() => firstStarted, 'the first call to start');
    const controller = new AbortController();
    let secondRan = false;
    const second = l.upstream(
      'crm',
      async () => {
        secondRan = true;
        return 'second';
      },
      controller.signal,
    );
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    g.open();
    expect(await first).toBe('first');
    // The skipped job has had its turn by the time a later call completes.
    expect(await l.upstream('crm', async () => 'third')).toBe('third');
    expect(secondRan).toBe(false);
    await expect(l.upstream('crm', async () => 'never', AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('passes upstream values and errors through unchanged', async () => {
    const l = await limiter({ config: config() });
    expect(await l.upstream('crm', async () => 42)).toBe(42);
    const failure = Object.assign(new Error('HTTP 503'), { status: 503 });
    await expect(
      l.upstream('crm', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it('an unreachable Redis fails start-up with a ConfigError naming REDIS_URL', async () => {
    const dead = await deadEndPort();
    const err = await RateLimiter.create({
      config: config(),
      redisUrl: `redis://:hunter2-password@127.0.0.1:${dead.port}`,
      prefix: 'x',
      logger: silent,
    })
      .then(
        () => null,
        (e: unknown) => e,
      )
      .finally(() => dead.close());
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('REDIS_URL');
    expect((err as Error).message).not.toContain('hunter2');
    await expect(
      RateLimiter.create({ config: config(), redisUrl: 'http://nope', prefix: 'x', logger: silent }),
    ).rejects.toThrow('REDIS_URL');
  });
});

const reason = redisUnavailableReason();
if (reason !== null) {
  describe('RateLimiter with Redis', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}

describe.skipIf(reason !== null)('RateLimiter with Redis', () => {
  let redis: RedisServer | null = null;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    if (!redis) throw new Error('redis-server is installed but did not start');
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });

  it('enforces limits through Redis and answers ping', async () => {
    const l = await limiter({
      config: config({ principalTool: { points: 3, windowMs: 60_000 } }),
      redisUrl: redis!.url,
    });
    expect(l.shared).toBe(true);
    await l.ping();
    const { ok, refused } = await tally(5, () => l.acquire('alice', 'acme', 'crm_search_accounts'));
    expect(ok).toBe(3);
    expect(refused).toHaveLength(2);
    expect(refused[0]?.category).toBe('rate_limited');
    expect(refused[0]?.details).toEqual({ scope: 'principal_tool' });
    expect(refused[0]?.retryAfterMs).toBeGreaterThan(0);
    expect(refused[0]?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await l.upstream('crm', async () => 'via redis')).toBe('via redis');
  });

  it('two limiters with the same prefix share counters; another prefix does not', async () => {
    const prefix = `shared-${randomUUID()}`;
    const c = config({ tenant: { points: 4, windowMs: 60_000 } });
    const a = await limiter({ config: c, redisUrl: redis!.url, prefix });
    const b = await limiter({ config: c, redisUrl: redis!.url, prefix });
    const other = await limiter({ config: c, redisUrl: redis!.url, prefix: `${prefix}-other` });
    let i = 0;
    const results = await tally(6, () => (i++ % 2 === 0 ? a : b).acquire(`u${i}`, 'acme', 't'));
    expect(results.ok).toBe(4);
    await other.acquire('u1', 'acme', 't');
  });

  const worker = fileURLToPath(new URL('./fixtures/ratelimit-worker.mjs', import.meta.url));
  const built = fileURLToPath(new URL('../dist/ratelimit.js', import.meta.url));

  interface Tally {
    ok: number;
    limited: number;
    other: number;
    retryAfterMs: number[];
    scopes: string[];
  }

  /** Starts replicas, releases them together, and collects each one's tally. */
  async function replicas(
    runs: Array<{ principal: string; tenant: string }>,
    prefix: string,
    c: RateLimitConfig,
    calls: number,
  ): Promise<Tally[]> {
    if (!existsSync(built)) throw new Error(`${built} is missing: build packages/core first (npm run build)`);
    const procs = runs.map(({ principal, tenant }) => {
      const child = spawn(
        process.execPath,
        [worker, redis!.url, prefix, principal, tenant, JSON.stringify(c), String(calls), '4'],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async (): Promise<Record<string, unknown>> => {
        const { value, done } = await lines.next();
        if (done) throw new Error(`worker exited early (code ${child.exitCode})`);
        return JSON.parse(value) as Record<string, unknown>;
      };
      return { child, next };
    });
    for (const p of procs) expect(await p.next()).toEqual({ ready: true });
    for (const p of procs) p.child.stdin.write('go\n');
    const tallies: Tally[] = [];
    for (const p of procs) tallies.push((await p.next()) as unknown as Tally);
    await Promise.all(
      procs.map((p) =>
        p.child.exitCode !== null ? Promise.resolve() : new Promise((r) => p.child.once('exit', r)),
      ),
    );
    for (const p of procs) expect(p.child.exitCode).toBe(0);
    return tallies;
  }

  it('a principal x tool limit holds across two processes sharing Redis', async () => {
    const points = 25;
    const c = config({ principalTool: { points, windowMs: 600_000 } });
    const tallies = await replicas(
      [
        { principal: 'alice', tenant: 'acme' },
        { principal: 'alice', tenant: 'acme' },
      ],
      `xproc-${randomUUID()}`,
      c,
      30,
    );
    const ok = tallies.reduce((n, t) => n + t.ok, 0);
    const limited = tallies.reduce((n, t) => n + t.limited, 0);
    expect(tallies.map((t) => t.other)).toEqual([0, 0]);
    expect(ok).toBe(points);
    expect(limited).toBe(60 - points);
    for (const t of tallies) {
      for (const ms of t.retryAfterMs) expect(ms).toBeGreaterThan(0);
      expect(new Set(t.scopes)).toEqual(t.scopes.length ? new Set(['principal_tool']) : new Set());
    }
  });

  it('a tenant limit holds across two processes with different principals', async () => {
    const points = 18;
    const c = config({ tenant: { points, windowMs: 600_000 } });
    const tallies = await replicas(
      [
        { principal: 'alice', tenant: 'acme' },
        { principal: 'bob', tenant: 'acme' },
      ],
      `xproc-${randomUUID()}`,
      c,
      20,
    );
    expect(tallies.map((t) => t.other)).toEqual([0, 0]);
    expect(tallies.reduce((n, t) => n + t.ok, 0)).toBe(points);
  });
});

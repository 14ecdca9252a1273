// Type-only: Bottleneck is loaded when a limiter is made (lazy.ts).
import type Bottleneck from 'bottleneck';
import { loadBottleneck } from './lazy.js';
// Type-only: ioredis is loaded only when REDIS_URL is set.
import type { Redis } from 'ioredis';
import { ConfigError, PortcullisError, errors } from './errors.js';
import type { Logger } from './log.js';

export interface LimitRule {
  points: number;
  windowMs: number;
}

export interface UpstreamRule {
  maxConcurrent: number;
  minTimeMs?: number;
  points?: number;
  windowMs?: number;
  /** Calls allowed to wait for a slot before new ones are refused; default 100. */
  maxQueued?: number;
}

export interface RateLimitConfig {
  principalTool: LimitRule;
  /** One principal's calls to every tool together: none can spend its whole tenant's budget. */
  principal?: LimitRule;
  tenant: LimitRule;
  upstream: Record<string, UpstreamRule>;
  defaultUpstream: UpstreamRule;
}

const DEFAULT_PRINCIPAL_TOOL = '120/60s';
const DEFAULT_TENANT = '1200/60s';
const DEFAULT_UPSTREAM_CONCURRENCY = 10;
const DEFAULT_MAX_QUEUED = 100;
const UPSTREAM_RATE_PREFIX = 'PORTCULLIS_RATE_UPSTREAM_';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseRule(name: string, value: string): LimitRule {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(value);
  const points = m ? Number(m[1]) : NaN;
  const windowMs = m ? Number(m[2]) * (UNIT_MS[m[3] ?? ''] ?? NaN) : NaN;
  if (!(points >= 1 && Number.isSafeInteger(points)) || !(windowMs >= 1 && Number.isSafeInteger(windowMs))) {
    throw new ConfigError(
      `${name} must look like 120/60s (calls per window in ms, s, m or h), got "${value}".`,
    );
  }
  return { points, windowMs };
}

function parseCount(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`${name} must be a whole number of at least ${min}, got "${value}".`);
  return n;
}

/**
 * Limits from the environment: PORTCULLIS_RATE_PRINCIPAL_TOOL (default 120/60s),
 * PORTCULLIS_RATE_PRINCIPAL (a principal's calls to all tools together; default half the tenant's
 * points in its window, at least the per-tool points), PORTCULLIS_RATE_TENANT (default 1200/60s),
 * PORTCULLIS_UPSTREAM_CONCURRENCY (default 10), PORTCULLIS_UPSTREAM_MAX_QUEUED (default 100),
 * PORTCULLIS_UPSTREAM_MIN_TIME_MS (default 0) and
 * PORTCULLIS_RATE_UPSTREAM_<SYSTEM>=N/window for an upstream system's own quota
 * (system name lower-cased, e.g. PORTCULLIS_RATE_UPSTREAM_HUBSPOT=100/10s).
 */
export function rateLimitConfigFromEnv(env: NodeJS.ProcessEnv): RateLimitConfig {
  const principalTool = parseRule(
    'PORTCULLIS_RATE_PRINCIPAL_TOOL',
    env.PORTCULLIS_RATE_PRINCIPAL_TOOL ?? DEFAULT_PRINCIPAL_TOOL,
  );
  const tenant = parseRule('PORTCULLIS_RATE_TENANT', env.PORTCULLIS_RATE_TENANT ?? DEFAULT_TENANT);
  // Without it one principal, spreading calls over its tools (invalid ones count too), could take
  // the whole tenant's budget and leave every colleague refused for the rest of the window.
  const principal = env.PORTCULLIS_RATE_PRINCIPAL?.trim()
    ? parseRule('PORTCULLIS_RATE_PRINCIPAL', env.PORTCULLIS_RATE_PRINCIPAL)
    : { points: Math.max(principalTool.points, Math.ceil(tenant.points / 2)), windowMs: tenant.windowMs };
  const defaultUpstream: UpstreamRule = {
    maxConcurrent: parseCount(
      'PORTCULLIS_UPSTREAM_CONCURRENCY',
      env.PORTCULLIS_UPSTREAM_CONCURRENCY,
      DEFAULT_UPSTREAM_CONCURRENCY,
      1,
    ),
    maxQueued: parseCount(
      'PORTCULLIS_UPSTREAM_MAX_QUEUED',
      env.PORTCULLIS_UPSTREAM_MAX_QUEUED,
      DEFAULT_MAX_QUEUED,
      0,
    ),
    minTimeMs: parseCount('PORTCULLIS_UPSTREAM_MIN_TIME_MS', env.PORTCULLIS_UPSTREAM_MIN_TIME_MS, 0, 0),
  };
  const upstream: Record<string, UpstreamRule> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(UPSTREAM_RATE_PREFIX) || value === undefined) continue;
    const system = name.slice(UPSTREAM_RATE_PREFIX.length).toLowerCase();
    if (!/^[a-z0-9_]+$/.test(system))
      throw new ConfigError(`${name}: the upstream system name must be letters, digits and underscores.`);
    upstream[system] = { ...defaultUpstream, ...parseRule(name, value) };
  }
  return { principalTool, principal, tenant, upstream, defaultUpstream };
}

export interface RateLimiterOptions {
  config: RateLimitConfig;
  redisUrl?: string;
  /** The server name: replicas with the same prefix share counters through Redis. */
  prefix: string;
  logger: Logger;
  onLimited?: (scope: string) => void;
}

type Scope = 'principal_tool' | 'principal' | 'tenant';

type BottleneckClass = typeof Bottleneck;

const DROPPED_MESSAGE = 'This job has been dropped by Bottleneck';
const NOOP = (): Promise<void> => Promise.resolve();
/**
 * The local store refreshes a key's reservoir on a heartbeat (a timer per key's limiter), so a
 * refresh comes up to one heartbeat late: a 60th of the window, 250 ms to 1 s. Bottleneck's 250 ms
 * default woke an idle stdio server ~8 times a second for its two limits' keys (a desktop client
 * keeps five servers running all day); a window of a minute refreshing up to 1 s late only admits
 * its next calls that much later.
 */
export function localHeartbeatMs(windowMs: number): number {
  return Math.min(1_000, Math.max(250, Math.round(windowMs / 60)));
}
// Without a reservoir, a full queue drains as fast as the upstream answers: a short, honest guess.
const QUEUE_FULL_RETRY_MS = 1000;
// In Redis a crashed replica's running jobs would hold their slots forever without an expiration.
const SHARED_JOB_EXPIRATION_MS = 120_000;
const SHARED_UPSTREAM_TIMEOUT_MS = 15 * 60_000;
const REDIS_CONNECT_TIMEOUT_MS = 5000;
const REDIS_COMMAND_TIMEOUT_MS = 2000;

interface ScopeState {
  group: Bottleneck.Group;
  rule: LimitRule;
  /**
   * Keys known to be spent, with the earliest time their window can refresh. Refusals are then
   * answered without Bottleneck, whose local store serialises each key's jobs through timers: a
   * flood of refused calls would otherwise queue behind that lock.
   */
  spentUntil: Map<string, number>;
  sweepAt: number;
}

// Bounds the re-submissions after drops that found points left (see consume).
const DROP_RECHECKS = 3;
// Above this many remembered keys, expired entries are swept on insert.
const SPENT_SWEEP_AT = 10_000;

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'skipped' };

interface Shared {
  client: Redis;
  connection: Bottleneck.IORedisConnection;
}

/**
 * Limits per principal x tool and per tenant (a point per call from a window that refreshes;
 * a call finding none is refused, never queued) and per upstream system (concurrency, spacing,
 * quota and a bounded queue). In-process by default; with Redis, every replica with the same
 * prefix shares the same counters.
 */
export class RateLimiter {
  readonly shared: boolean;
  private readonly config: RateLimitConfig;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly onLimited: ((scope: string) => void) | undefined;
  private readonly redis: Shared | undefined;
  private readonly groups: Partial<Record<Scope, ScopeState>>;
  private readonly upstreams = new Map<string, { limiter: Bottleneck; rule: UpstreamRule }>();
  private closed = false;

  private constructor(
    opts: RateLimiterOptions,
    redis: Shared | undefined,
    private readonly B: BottleneckClass,
  ) {
    this.config = opts.config;
    this.prefix = opts.prefix;
    this.logger = opts.logger;
    this.onLimited = opts.onLimited;
    this.redis = redis;
    this.shared = redis !== undefined;
    this.groups = {
      principal_tool: this.makeGroup('principal_tool', opts.config.principalTool),
      ...(opts.config.principal ? { principal: this.makeGroup('principal', opts.config.principal) } : {}),
      tenant: this.makeGroup('tenant', opts.config.tenant),
    };
  }

  /** Connects to Redis when redisUrl is given; an unreachable Redis fails start-up with a ConfigError. */
  static async create(opts: RateLimiterOptions): Promise<RateLimiter> {
    // Loaded here, when the host opens, not with the kit (lazy.ts).
    const { default: B } = await loadBottleneck(Boolean(opts.redisUrl));
    const redis = opts.redisUrl ? await connectRedis(B, opts.redisUrl, opts.logger) : undefined;
    return new RateLimiter(opts, redis, B);
  }

  /**
   * Consumes one point for principal x tool, one for the principal over all its tools, then one for
   * the tenant; throws rate_limited with retry_after_ms and details.scope when a window is used up.
   * The principal's own windows are checked first so one noisy principal cannot spend the tenant's
   * budget on refused calls, and the principal's total stays below the tenant's budget.
   */
  async acquire(
    principalId: string,
    tenant: string | null,
    tool: string,
    opts: { tenantBucket?: boolean } = {},
  ): Promise<void> {
    // A principal is its tenant plus its id: bob of acme and bob of globex are two people. A bare
    // '%' never comes out of encodeURIComponent, so no tenant can collide with "no tenant".
    const who = `${tenant === null ? '%' : encodeURIComponent(tenant)}:${encodeURIComponent(principalId)}`;
    await this.consume('principal_tool', `${who}:${encodeURIComponent(tool)}`);
    // A nested system's stage (a broker's local system) leaves both to the door that charged them.
    if (opts.tenantBucket === false) return;
    if (this.groups.principal) await this.consume('principal', who);
    if (tenant !== null) await this.consume('tenant', encodeURIComponent(tenant));
  }

  /**
   * Runs an upstream call through that system's limiter. A full queue is refused with
   * rate_limited (details {scope: 'upstream', system}); when the signal fires the caller is
   * released at once with the signal's reason, and a still-queued job is skipped when its turn comes.
   */
  async upstream<T>(system: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw signal.reason;
    const { limiter, rule } = this.upstreamLimiter(system);
    const task = async (): Promise<Outcome<T>> => {
      if (signal?.aborted) return { kind: 'skipped' };
      try {
        return { kind: 'value', value: await fn() };
      } catch (error) {
        return { kind: 'error', error };
      }
    };
    // fn's own failures come back as values, so any rejection of the job is Bottleneck's.
    const job = this.shared
      ? limiter.schedule({ expiration: SHARED_JOB_EXPIRATION_MS }, task)
      : limiter.schedule(task);

    let outcome: Outcome<T>;
    let onAbort: (() => void) | undefined;
    try {
      if (signal) {
        const aborted = new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason as Error);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        outcome = await Promise.race([job, aborted]);
      } else {
        outcome = await job;
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (isDropped(this.B, err)) {
        let retryAfterMs = QUEUE_FULL_RETRY_MS;
        if (rule.windowMs !== undefined && rule.points !== undefined) {
          const refreshAt =
            (await this.windowRefreshAt(limiter, rule.windowMs)) ?? Date.now() + rule.windowMs;
          retryAfterMs = clampRetry(
            refreshAt - Date.now() + this.refreshSlackMs(rule.windowMs),
            rule.windowMs + this.refreshSlackMs(rule.windowMs),
          );
        }
        this.onLimited?.('upstream');
        throw errors.rateLimited(`Too many calls are waiting for the ${system} system.`, retryAfterMs, {
          scope: 'upstream',
          system,
        });
      }
      throw this.unavailable(err);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    if (outcome.kind === 'value') return outcome.value;
    if (outcome.kind === 'error') throw outcome.error;
    throw signal?.reason ?? new Error('upstream call skipped');
  }

  /** The Redis client when Redis-backed, for other kit parts that share the connection (the read cache). */
  get redisClient(): Redis | undefined {
    return this.redis?.client;
  }

  /** Redis PING when Redis-backed, for /readyz. */
  async ping(): Promise<void> {
    if (this.redis) await this.redis.client.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const limiters: Bottleneck[] = [];
    for (const state of Object.values(this.groups)) {
      if (!state) continue;
      const { group } = state;
      stopAutoCleanup(group);
      for (const { limiter } of group.limiters()) limiters.push(limiter);
    }
    for (const { limiter } of this.upstreams.values()) limiters.push(limiter);
    await Promise.allSettled(limiters.map((l) => l.disconnect(false)));
    if (this.redis) await this.redis.connection.disconnect(true).catch(() => this.redis?.client.disconnect());
  }

  private makeGroup(scope: Scope, rule: LimitRule): ScopeState {
    const id = `portcullis:${this.prefix}:${scope}`;
    const group = new this.B.Group({
      id,
      reservoir: rule.points,
      reservoirRefreshAmount: rule.points,
      reservoirRefreshInterval: rule.windowMs,
      ...(this.redis ? {} : { heartbeatInterval: localHeartbeatMs(rule.windowMs) }),
      // Never queue: a call that cannot take a point now is dropped and refused.
      highWater: 0,
      strategy: this.B.strategy.OVERFLOW,
      // Idle keys expire (no call for two windows: markUsed), never before their window could have refreshed.
      timeout: Math.max(2 * rule.windowMs, 60_000),
      ...(this.redis ? { datastore: 'ioredis', connection: this.redis.connection } : {}),
    });
    group.on('created', (limiter: Bottleneck) => {
      limiter.on('error', (err: unknown) => this.logger.warn({ err, scope }, 'rate limiter error'));
      // A limiter created while Redis is down fails its set-up; the call that needs it is refused
      // through its own await, but the set-up promise itself must not become an unhandled rejection.
      limiter.ready().catch((err: unknown) => this.logger.warn({ err, scope }, 'rate limiter set-up failed'));
      // In Redis, another replica can take the last point between this replica's submit check and
      // its registration; the job would then wait in the local queue for the next window. Refuse
      // it (and anything behind it) instead, since these limits never queue.
      if (this.redis) {
        limiter.on('debug', (message: string, info: unknown) => {
          if (message.startsWith('Drained ') && (info as { success?: unknown } | null)?.success === false)
            dropAllQueued(limiter);
        });
      }
    });
    return { group, rule, spentUntil: new Map(), sweepAt: SPENT_SWEEP_AT };
  }

  private async consume(scope: Scope, key: string): Promise<void> {
    const state = this.groups[scope]!;
    const { group, rule, spentUntil } = state;
    const until = spentUntil.get(key);
    if (until !== undefined) {
      const left = until - Date.now();
      if (left > 0) throw this.limited(scope, rule, left + this.refreshSlackMs(rule.windowMs));
      spentUntil.delete(key);
    }
    const limiter = group.key(key);
    if (!this.redis) {
      // In process, take the point straight from the reservoir: schedule() would push every call of
      // one key through Bottleneck's timer-driven submit lock, one after another (~270 calls/s).
      // The reservoir and its refresh are still Bottleneck's; a spent window only goes negative.
      let left: number;
      try {
        left = await limiter.incrementReservoir(-1);
      } catch (err) {
        evictKey(group, key);
        throw this.unavailable(err);
      }
      // The group's clean-up drops a key idle for its timeout, idle meaning no job scheduled since:
      // without this a key in use, whose calls never schedule, was dropped mid-window and came back
      // with a full reservoir (a second window's points inside one, every couple of windows).
      markUsed(limiter);
      if (left >= 0) return;
      const refreshAt = await this.windowRefreshAt(limiter, rule.windowMs);
      if (refreshAt !== undefined && refreshAt > Date.now()) remember(state, key, refreshAt);
      const wait = refreshAt === undefined ? rule.windowMs : refreshAt - Date.now();
      throw this.limited(scope, rule, wait + this.refreshSlackMs(rule.windowMs));
    }
    // Shared through Redis, admission goes through schedule(): Bottleneck's increment_reservoir
    // script applies the decrement before the window refresh, which would admit one call too many.
    // Bounded: it goes round again only while attempt < DROP_RECHECKS.
    for (let attempt = 1; ; attempt++) {
      try {
        await limiter.schedule(NOOP);
        return;
      } catch (err) {
        if (!isDropped(this.B, err)) {
          // A limiter whose Redis set-up failed stays broken; the next call builds a fresh one.
          evictKey(group, key);
          throw this.unavailable(err);
        }
      }
      // A dropped job took no point. Usually the window is spent, but in Redis Bottleneck's submit
      // check also drops when another replica's clock has put its next-request time a few ms
      // ahead, and locally the window may have refreshed meanwhile: look before refusing.
      const points = await currentReservoir(limiter);
      if (points !== undefined && points > 0 && attempt < DROP_RECHECKS) continue;
      const refreshAt = await this.windowRefreshAt(limiter, rule.windowMs);
      // Nothing adds points before the refresh (refusals take none), so a spent key stays spent until then.
      if (points !== undefined && points <= 0 && refreshAt !== undefined && refreshAt > Date.now())
        remember(state, key, refreshAt);
      const left = refreshAt === undefined ? rule.windowMs : refreshAt - Date.now();
      throw this.limited(scope, rule, left + this.refreshSlackMs(rule.windowMs));
    }
  }

  private limited(scope: Scope, rule: LimitRule, retryAfterMs: number): PortcullisError {
    this.onLimited?.(scope);
    const what = scope === 'tenant' ? 'Your organisation has' : 'You have';
    return errors.rateLimited(
      `${what} made too many calls in the last ${formatWindow(rule.windowMs)}.`,
      clampRetry(retryAfterMs, rule.windowMs + this.refreshSlackMs(rule.windowMs)),
      {
        scope,
      },
    );
  }

  /** The local store refreshes on a heartbeat, so up to one heartbeat late; Redis refreshes on the first call due. */
  private refreshSlackMs(windowMs: number): number {
    return this.redis ? 0 : localHeartbeatMs(windowMs);
  }

  private upstreamLimiter(system: string): { limiter: Bottleneck; rule: UpstreamRule } {
    const existing = this.upstreams.get(system);
    if (existing) return existing;
    const rule = this.config.upstream[system] ?? this.config.defaultUpstream;
    const { points, windowMs } = rule;
    const limiter = new this.B({
      id: `portcullis:${this.prefix}:upstream:${system}`,
      maxConcurrent: rule.maxConcurrent,
      minTime: rule.minTimeMs ?? 0,
      ...(points !== undefined && windowMs !== undefined
        ? {
            reservoir: points,
            reservoirRefreshAmount: points,
            reservoirRefreshInterval: windowMs,
            ...(this.redis ? {} : { heartbeatInterval: localHeartbeatMs(windowMs) }),
          }
        : {}),
      highWater: rule.maxQueued ?? DEFAULT_MAX_QUEUED,
      strategy: this.B.strategy.OVERFLOW,
      ...(this.redis
        ? { datastore: 'ioredis', connection: this.redis.connection, timeout: SHARED_UPSTREAM_TIMEOUT_MS }
        : {}),
    });
    limiter.on('error', (err: unknown) => this.logger.warn({ err, system }, 'upstream limiter error'));
    const entry = { limiter, rule };
    this.upstreams.set(system, entry);
    return entry;
  }

  /**
   * When the limiter's window refreshes at the earliest: the start of its current window plus the
   * window. Locally the start is Bottleneck's own refresh clock; in Redis, Bottleneck's scripts
   * record it in the limiter's settings hash (with the callers' clocks). Undefined when it cannot
   * be read; callers then fall back to a whole window, an upper bound.
   */
  private async windowRefreshAt(limiter: Bottleneck, windowMs: number): Promise<number | undefined> {
    if (!this.redis) {
      const last = localLastRefresh(limiter);
      return last === undefined ? undefined : last + windowMs;
    }
    try {
      // Bottleneck's key layout for a limiter id (Scripts.allKeys).
      const raw = await this.redis.client.hget(`b_${limiter.id}_settings`, 'lastReservoirRefresh');
      const last = raw === null ? NaN : Number(raw);
      return Number.isFinite(last) ? last + windowMs : undefined;
    } catch {
      return undefined;
    }
  }

  private unavailable(err: unknown): PortcullisError {
    this.logger.error({ err }, 'rate limiter unavailable; refusing the call');
    return new PortcullisError({
      code: 'rate_limiter_unavailable',
      category: 'internal',
      message: 'The rate limiter is unavailable, so the call was not attempted.',
      retryable: true,
      retryAfterMs: 1000,
      remediation: 'Try again shortly; if it persists, an operator should check Redis.',
      internal: err,
    });
  }
}

function clampRetry(ms: number, max: number): number {
  return Math.min(max, Math.max(1, Math.ceil(ms)));
}

function remember(state: ScopeState, key: string, until: number): void {
  const { spentUntil } = state;
  if (spentUntil.size >= state.sweepAt) {
    const now = Date.now();
    for (const [k, t] of spentUntil) if (t <= now) spentUntil.delete(k);
    // Amortised: with many keys genuinely spent, the next sweep waits until the map doubles.
    state.sweepAt = Math.max(SPENT_SWEEP_AT, spentUntil.size * 2);
  }
  spentUntil.set(key, until);
}

async function currentReservoir(limiter: Bottleneck): Promise<number | undefined> {
  try {
    const points = await limiter.currentReservoir();
    return typeof points === 'number' ? points : undefined;
  } catch {
    return undefined;
  }
}

function isDropped(B: BottleneckClass, err: unknown): boolean {
  return err instanceof B.BottleneckError && err.message === DROPPED_MESSAGE;
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} seconds`;
  return `${ms} ms`;
}

// Bottleneck 2.19.5 (pinned; the project is no longer released) has no public API for the few
// things below. Each access is guarded and degrades to the documented behaviour if it is absent.

/**
 * Records a call on an in-process key as Bottleneck's own scheduling would (its next-request time,
 * which the group's clean-up reads): a key is dropped only after its timeout (two windows) without
 * a call, when its reservoir would have been refreshed to full anyway.
 */
function markUsed(limiter: Bottleneck): void {
  const store = (limiter as unknown as { _store?: { _nextRequest?: unknown } })._store;
  if (store && typeof store._nextRequest === 'number') store._nextRequest = Date.now();
}

function localLastRefresh(limiter: Bottleneck): number | undefined {
  const store = (limiter as unknown as { _store?: { _lastReservoirRefresh?: unknown } })._store;
  const last = store?._lastReservoirRefresh;
  return typeof last === 'number' ? last : undefined;
}

function dropAllQueued(limiter: Bottleneck): void {
  const drop = (limiter as unknown as { _dropAllQueued?: unknown })._dropAllQueued;
  if (typeof drop === 'function') (drop as () => void).call(limiter);
}

function evictKey(group: Bottleneck.Group, key: string): void {
  const instances = (group as unknown as { instances?: Record<string, Bottleneck> }).instances;
  const limiter = instances?.[key];
  if (!instances || !limiter) return;
  delete instances[key];
  // disconnect() answers a promise or nothing depending on the datastore; failures are moot here.
  Promise.resolve()
    .then(() => limiter.disconnect(false))
    .catch(() => undefined);
}

function stopAutoCleanup(group: Bottleneck.Group): void {
  const interval = (group as unknown as { interval?: unknown }).interval;
  if (interval !== undefined) clearInterval(interval as NodeJS.Timeout);
}

async function connectRedis(B: BottleneckClass, redisUrl: string, logger: Logger): Promise<Shared> {
  let where: string;
  try {
    const url = new URL(redisUrl);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('scheme');
    where = `${url.hostname}:${url.port || '6379'}`;
  } catch {
    // The URL may carry a password: describe the expected form, never echo it.
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL (redis://host:6379).');
  }
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    // Bounded so a Redis outage refuses calls quickly instead of holding every tool call.
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  let reported = false;
  client.on('error', (err: unknown) => {
    if (reported) return;
    reported = true;
    logger.warn({ err, redis: where }, 'Redis connection error');
  });
  client.on('ready', () => {
    reported = false;
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), REDIS_CONNECT_TIMEOUT_MS);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
    await client.ping();
  } catch (err) {
    client.disconnect();
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(
      `REDIS_URL: cannot connect to Redis at ${where} (${typeof code === 'string' ? code : (err as Error).message}).`,
    );
  }

  const connection = new B.IORedisConnection({ client, Redis });
  connection.on('error', (err: unknown) =>
    logger.warn({ err, redis: where }, 'Redis connection error (rate limiter)'),
  );
  // Typed as a method but, in 2.19.5, a promise property: await whichever it is.
  const ready = (connection as unknown as { ready: unknown }).ready;
  try {
    await Promise.race([
      typeof ready === 'function' ? (ready as () => Promise<unknown>).call(connection) : ready,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out')), REDIS_CONNECT_TIMEOUT_MS).unref(),
      ),
    ]);
  } catch (err) {
    await connection.disconnect(false).catch(() => undefined);
    throw new ConfigError(
      `REDIS_URL: the rate limiter could not set up its Redis connection at ${where} (${(err as Error).message}).`,
    );
  }
  return { client, connection };
}

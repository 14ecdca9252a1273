/**
 * A read-through cache for connectors' upstream reads (HubSpot, Stripe, Security Hub): get or
 * load by key with a time to live per record type. In-process LRU by default; Redis when
 * `REDIS_URL` is set, so every replica sees one entry and one invalidation. It holds upstream
 * records only: policy decisions, rate limits and audit run on every call, after the read.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
// Type-only: ioredis is loaded (by the rate limiter) only when REDIS_URL is set.
import type { Redis } from 'ioredis';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';

export interface CacheConfig {
  /** TTL in ms by `type` or `system.type`; 0 turns a type off. */
  ttlMs: ReadonlyMap<string, number>;
  /** TTL of a type the setting does not name (`*=30s`); 0 (the default) leaves it uncached. */
  defaultTtlMs: number;
  /** In-process entries at most (least recently used evicted first). */
  maxEntries: number;
}

export type CacheResult = 'hit' | 'miss' | 'bypass' | 'error' | 'invalidate_error';

const freshReads = new AsyncLocalStorage<boolean>();

/**
 * Runs fn with every cached read inside it going to the upstream (counted as `bypass`). The kit
 * runs every tool that is not a read this way, so a write is authorized and version-checked
 * against the upstream's current record.
 */
export function withFreshReads<T>(fn: () => T): T {
  return freshReads.run(true, fn);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DEFAULT_MAX_ENTRIES = 10_000;
const KEY_VERSION = 'v1';

function parseDuration(setting: string, name: string, value: string): number {
  const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(value);
  const n = m ? Number(m[1]) : NaN;
  const unit = m?.[2];
  if (!m || !Number.isSafeInteger(n) || (n !== 0 && unit === undefined))
    throw new ConfigError(
      `${setting}: the TTL of "${name}" must be 0 or a whole number with ms, s, m or h (contact=60s), got "${value.trim()}".`,
    );
  return n * (unit === undefined ? 0 : (UNIT_MS[unit] ?? NaN));
}

/**
 * PORTCULLIS_CACHE_TTL (`contact=60s,deal=30s`, `crm.account=2m`, `*=30s`; 0 disables; unset:
 * nothing is cached) and PORTCULLIS_CACHE_MAX_ENTRIES (default 10000).
 */
export function cacheConfigFromEnv(env: NodeJS.ProcessEnv): CacheConfig {
  const ttlMs = new Map<string, number>();
  let defaultTtlMs = 0;
  const raw = env.PORTCULLIS_CACHE_TTL?.trim() ?? '';
  if (raw !== '') {
    for (const part of raw.split(',')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? '' : part.slice(0, eq).trim();
      if (eq < 0 || !/^(\*|[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_]*)?)$/.test(name))
        throw new ConfigError(
          `PORTCULLIS_CACHE_TTL must be a comma-separated list of type=duration (contact=60s,deal=30s; system.type=duration or *=duration also work), got "${part.trim()}".`,
        );
      const ms = parseDuration('PORTCULLIS_CACHE_TTL', name, part.slice(eq + 1));
      if (name === '*') defaultTtlMs = ms;
      else ttlMs.set(name, ms);
    }
  }
  const maxRaw = env.PORTCULLIS_CACHE_MAX_ENTRIES?.trim() ?? '';
  const maxEntries = maxRaw === '' ? DEFAULT_MAX_ENTRIES : Number(maxRaw);
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
    throw new ConfigError(
      `PORTCULLIS_CACHE_MAX_ENTRIES must be a whole number of at least 1, got "${maxRaw}".`,
    );
  return { ttlMs, defaultTtlMs, maxEntries };
}

/** A short, stable name for an upstream account from the settings that identify it (never a secret). */
export function upstreamIdentity(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** A Map kept in recency order: a read moves the entry to the end, inserts evict from the front. */
class Lru {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): string | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= now) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: string, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ReadCacheOptions {
  config: CacheConfig;
  /** The kit's Redis client (the rate limiter's) when REDIS_URL is set. */
  redis?: Redis;
  logger: Logger;
  onResult?: (system: string, type: string, result: CacheResult) => void;
  now?: () => number;
}

/** The process's read cache; connectors take a handle for their upstream account with `forUpstream`. */
export class ReadCache {
  readonly shared: boolean;
  private readonly lru: Lru;
  private readonly redis: Redis | undefined;

  constructor(private readonly opts: ReadCacheOptions) {
    this.lru = new Lru(opts.config.maxEntries);
    this.redis = opts.redis;
    this.shared = opts.redis !== undefined;
  }

  /** TTL in ms for a record type of a system (`system.type` wins over `type`, then `*`). */
  ttlMs(system: string, type: string): number {
    const cfg = this.opts.config;
    return cfg.ttlMs.get(`${system}.${type}`) ?? cfg.ttlMs.get(type) ?? cfg.defaultTtlMs;
  }

  /**
   * The cache of one upstream account: `system` names it in metrics (hubspot, stripe,
   * securityhub); `identity` (see upstreamIdentity) keeps two accounts' records apart.
   */
  forUpstream(system: string, identity: string): UpstreamCache {
    return new UpstreamCache(this, system, identity);
  }

  /** Entries held in process (for tests and diagnostics). */
  get localSize(): number {
    return this.lru.size;
  }

  /** @internal */
  async getOrLoad<T>(
    system: string,
    key: string,
    type: string,
    load: () => Promise<T>,
    cacheable: (value: T) => boolean,
  ): Promise<T> {
    const ttl = this.ttlMs(system, type);
    if (ttl <= 0) return load();
    if (freshReads.getStore() === true) {
      this.count(system, type, 'bypass');
      return load();
    }
    const now = this.opts.now ?? Date.now;
    if (this.redis === undefined) {
      const held = this.lru.get(key, now());
      if (held !== undefined) {
        this.count(system, type, 'hit');
        return JSON.parse(held) as T;
      }
      this.count(system, type, 'miss');
      const value = await load();
      if (cacheable(value)) this.lru.set(key, JSON.stringify(value), now() + ttl);
      return value;
    }
    let held: string | null;
    try {
      held = await this.redis.get(key);
    } catch (err) {
      // Redis is an accelerator here: when it fails the upstream answers, never an error.
      this.count(system, type, 'error');
      this.opts.logger.warn({ err, system, type }, 'read cache: Redis GET failed; reading the upstream');
      return load();
    }
    if (held !== null) {
      this.count(system, type, 'hit');
      return JSON.parse(held) as T;
    }
    const value = await load();
    if (!cacheable(value)) {
      this.count(system, type, 'miss');
      return value;
    }
    try {
      await this.redis.set(key, JSON.stringify(value), 'PX', ttl);
      this.count(system, type, 'miss');
    } catch (err) {
      this.count(system, type, 'error');
      this.opts.logger.warn({ err, system, type }, 'read cache: Redis SET failed');
    }
    return value;
  }

  /** @internal */
  async invalidate(system: string, type: string, keys: string[]): Promise<void> {
    if (keys.length === 0 || this.ttlMs(system, type) <= 0) return;
    for (const k of keys) this.lru.delete(k);
    if (this.redis === undefined) return;
    try {
      await this.redis.del(...keys);
    } catch (err) {
      // The write itself succeeded; the entry then lives until its TTL (the documented bound).
      this.count(system, type, 'invalidate_error');
      this.opts.logger.warn(
        { err, system, type },
        'read cache: Redis DEL failed; entry expires with its TTL',
      );
    }
  }

  private count(system: string, type: string, result: CacheResult): void {
    this.opts.onResult?.(system, type, result);
  }
}

/** One upstream account's records; every key carries the tenant, the record type and its id or query. */
export class UpstreamCache {
  /** @internal */
  constructor(
    private readonly cache: ReadCache,
    readonly system: string,
    private readonly identity: string,
  ) {}

  private key(tenant: string, type: string, id: string): string {
    const enc = encodeURIComponent;
    return `portcullis:cache:${KEY_VERSION}:${enc(this.system)}:${this.identity}:${enc(tenant)}:${enc(type)}:${enc(id)}`;
  }

  /** Whether `type` is cached at all (its TTL is above 0). */
  enabled(type: string): boolean {
    return this.cache.ttlMs(this.system, type) > 0;
  }

  /**
   * The cached value, or `load()`'s, stored for the type's TTL when `cacheable` (default: not
   * null or undefined, so a record created upstream is seen at once). Values go through JSON.
   */
  read<T>(
    tenant: string,
    type: string,
    id: string,
    load: () => Promise<T>,
    cacheable: (value: T) => boolean = (v) => v !== null && v !== undefined,
  ): Promise<T> {
    return this.cache.getOrLoad(this.system, this.key(tenant, type, id), type, load, cacheable);
  }

  /** Forgets records after the server's own write (in Redis too, for every replica). */
  invalidate(tenant: string, type: string, ...ids: string[]): Promise<void> {
    return this.cache.invalidate(
      this.system,
      type,
      ids.map((id) => this.key(tenant, type, id)),
    );
  }
}

/**
 * The host: everything a process opens once, whatever number of systems it serves (one store
 * connection, one audit sink and chain, one rate limiter, one credential resolver, the approval
 * signing key, metrics, the logger). Surfaces (one per system) are mounted on it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approvalMigrations } from './approvals.js';
import { ReadCache, cacheConfigFromEnv } from './cache.js';
import {
  canonicalJson,
  createAuditSink,
  recoveryEvent,
  sha256Hex,
  type AuditEvent,
  type AuditSink,
} from './audit.js';
import { parseCommonConfig, type CommonConfig } from './config.js';
import { CredentialResolver, connectionString } from './credentials.js';
import { ConfigError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { compiledPgliteWasm } from './pglite-setup.js';
import { loadPromClient } from './lazy.js';
import { Metrics } from './metrics.js';
import { RateLimiter, rateLimitConfigFromEnv } from './ratelimit.js';
import { Redactor } from './redact.js';
import { withRetry } from './retry.js';
import {
  inSpan,
  loadTelemetryApi,
  telemetryApiNeeded,
  startTelemetry,
  telemetryActive,
  tracedStore,
  type Telemetry,
} from './telemetry.js';
import type { PreparedStore } from './pglite-setup.js';
import {
  migrate,
  openStore,
  prepareDataDir,
  type Store,
  type StoreExtension,
  type StoreTransaction,
} from './store.js';

export interface HostOptions {
  /** `portcullis-<name>`: names the data directory default, the audit file, metrics and logs. */
  name: string;
  env?: NodeJS.ProcessEnv;
  transport: 'stdio' | 'http';
  logger?: Logger;
  /** Field names masked in audit records wherever they appear (the union of every system's). */
  sensitiveKeys?: string[];
  /** This start only readies the data directory (`--prepare`); see KitServices.preparing. */
  preparing?: boolean;
  /**
   * Keep Prometheus metrics (prom-client's registry and its default collectors). By default only
   * over HTTP, the one transport that serves them (`/metrics`): a stdio process has no reader for
   * them, and prom-client costs its first call ~30 ms to load and its idle hours a wake-up every
   * 10 ms (the event-loop delay monitor among the default collectors).
   */
  metrics?: boolean;
  /** The extensions the embedded store loads: every system's `storeExtensions` it will serve. */
  storeExtensions?: readonly StoreExtension[];
}

/** Arguments larger than this (canonical JSON bytes) are audited as their hash and size only. */
export const AUDIT_ARGS_MAX_BYTES = 16 * 1024;

export class Host {
  readonly name: string;
  readonly serverName: string;
  readonly env: NodeJS.ProcessEnv;
  readonly config: CommonConfig;
  readonly preparing: boolean;
  readonly redactor: Redactor;
  readonly logger: Logger;
  /** Whether this process keeps metrics (HostOptions.metrics). */
  readonly keepsMetrics: boolean;
  /** The extensions its embedded store loads (HostOptions.storeExtensions). */
  readonly storeExtensions: readonly StoreExtension[];
  private loadedMetrics: Metrics | undefined;
  private metricsLoading: Promise<Metrics | null> | undefined;
  store!: Store;
  audit!: AuditSink;
  limiter!: RateLimiter;
  /** Upstream records read through connectors (off unless PORTCULLIS_CACHE_TTL names a type). */
  cache!: ReadCache;
  credentials!: CredentialResolver;
  /**
   * The prepared store a new embedded store starts from (ServerDefinition.preparedStore): set by
   * the runtime of a one-system server, before open(), when the server's settings match it.
   */
  preparedStore: PreparedStore | undefined;
  private approvalKeyPromise: Promise<Uint8Array> | null = null;
  private approvalsMigrated: Promise<void> | null = null;
  private opened = false;
  private telemetry: Telemetry | null = null;
  private auditFailing = false;
  /** Since the first of the appends that have failed in a row, and how many (auditRecovery). */
  private auditFailedSince = 0;
  private auditFailedAppends = 0;

  constructor(opts: HostOptions) {
    this.name = opts.name;
    this.serverName = `portcullis-${opts.name}`;
    this.env = opts.env ?? process.env;
    this.preparing = opts.preparing ?? false;
    this.keepsMetrics = opts.metrics ?? opts.transport === 'http';
    this.storeExtensions = [...new Set(opts.storeExtensions ?? [])];
    this.config = parseCommonConfig(this.env, opts.name, opts.transport);
    this.redactor = new Redactor(opts.sensitiveKeys ?? []);
    this.logger =
      opts.logger ??
      createLogger({ name: this.serverName, level: this.config.logLevel, redactor: this.redactor });
  }

  /**
   * The process's metrics, or null when it keeps none (HostOptions.metrics: a stdio process).
   * prom-client is loaded once the server is up, not before it answers initialize (lazy.ts):
   * `open()` loads it first, and the HTTP listener before it binds, so every use (a call, a
   * response, a gauge, /metrics) comes after.
   */
  get metrics(): Metrics | null {
    if (!this.keepsMetrics) return null;
    if (!this.loadedMetrics) throw new Error('Host.metrics used before Host.loadMetrics()');
    return this.loadedMetrics;
  }

  loadMetrics(): Promise<Metrics | null> {
    if (!this.keepsMetrics) return Promise.resolve(null);
    return (this.metricsLoading ??= loadPromClient().then(
      (prom) => (this.loadedMetrics = new Metrics(prom, this.serverName)),
    ));
  }

  /**
   * Starts compiling the embedded store's WebAssembly (PGlite) on V8's background threads, for the
   * open that follows: called as start-up turns to the policies, it overlaps their parsing instead
   * of the open waiting for it. Nothing when the store is a PostgreSQL server (DATABASE_URL).
   */
  warmStore(): void {
    if (!this.config.databaseUrl) void compiledPgliteWasm();
  }

  private opening: Promise<void> | null = null;

  /**
   * Opens the store, the audit sink and the limiter (in that order; close undoes them in reverse).
   * Once: every runtime mounted on this host awaits the same opening.
   */
  open(): Promise<void> {
    return (this.opening ??= this.openOnce());
  }

  private async openOnce(): Promise<void> {
    const cfg = this.config;
    // Loaded once the server is up (lazy.ts, telemetry.ts): every call comes after open().
    await Promise.all([this.loadMetrics(), telemetryApiNeeded(this.env) ? loadTelemetryApi() : null]);
    prepareDataDir(cfg.dataDir, this.logger);
    this.credentials = new CredentialResolver({
      redactor: this.redactor,
      logger: this.logger,
      env: this.env,
    });
    this.telemetry = await startTelemetry(this.env, this.serverName);
    // Connection strings hold passwords: either may be a credential reference (file:, env:, aws-sm:).
    const databaseUrl = await connectionString(cfg.databaseUrl, 'DATABASE_URL', this.credentials);
    const redisUrl = await connectionString(cfg.redisUrl, 'REDIS_URL', this.credentials);
    const store = await openStore({
      dataDir: cfg.dataDir,
      databaseUrl,
      logger: this.logger,
      extensions: this.storeExtensions,
      prepared: this.preparedStore,
    });
    const fair = store.kind === 'pglite' ? turnTakingStore(store) : store;
    this.store = telemetryActive() ? tracedStore(fair) : fair;
    this.audit = await createAuditSink(cfg.audit, {
      dataDir: cfg.dataDir,
      serverName: this.serverName,
      store: this.store,
      logger: this.logger,
      keyRef: cfg.auditKey,
      anchor: cfg.auditAnchor,
      production: cfg.production,
      credentials: this.credentials,
      redactor: this.redactor,
    });
    this.limiter = await RateLimiter.create({
      config: rateLimitConfigFromEnv(this.env),
      redisUrl,
      prefix: this.serverName,
      logger: this.logger,
      onLimited: (scope) => this.metrics?.rateLimited.inc({ scope }),
    });
    const redis = this.limiter.redisClient;
    this.cache = new ReadCache({
      config: cacheConfigFromEnv(this.env),
      ...(redis ? { redis } : {}),
      logger: this.logger,
      onResult: (system, type, result) => this.metrics?.cacheRequests.inc({ system, type, result }),
    });
    this.opened = true;
  }

  /** The approvals tables, migrated once per store however many systems use them. */
  migrateApprovals(): Promise<void> {
    return (this.approvalsMigrated ??= migrate(this.store, 'core-approvals', approvalMigrations));
  }

  /** The key that signs approval tokens: a credential reference in production, else generated once per data dir. */
  approvalKey(): Promise<Uint8Array> {
    return (this.approvalKeyPromise ??= this.loadApprovalKey());
  }

  private async loadApprovalKey(): Promise<Uint8Array> {
    if (this.config.approvalKey) {
      const secret = await this.credentials.get(this.config.approvalKey, 'PORTCULLIS_APPROVAL_KEY');
      if (secret.length < 32)
        throw new ConfigError('PORTCULLIS_APPROVAL_KEY must resolve to at least 32 characters.');
      return new TextEncoder().encode(secret);
    }
    if (this.config.production)
      throw new ConfigError(
        'PORTCULLIS_APPROVAL_KEY is required when NODE_ENV=production (replicas must share it).',
      );
    const path = join(this.config.dataDir, 'approval-signing.key');
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600 });
    const key = readFileSync(path, 'utf8').trim();
    this.redactor.addSecret(key);
    return new TextEncoder().encode(key);
  }

  /** Calls an upstream system through its limiter and the retry policy, cancelled with `signal`. */
  callUpstream<T>(system: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const started = performance.now();
    return inSpan(
      `upstream ${system}`,
      { 'portcullis.upstream': system },
      async (span) => {
        let outcome = 'error';
        try {
          const out = await withRetry(
            ({ signal: attemptSignal }) =>
              this.limiter.upstream(system, () => fn(attemptSignal), attemptSignal),
            {
              system,
              signal,
              onRetry: () => {
                this.metrics?.upstreamRetries.inc({ system });
                span.addEvent('retry');
              },
            },
          );
          outcome = 'ok';
          return out;
        } finally {
          this.metrics?.upstreamLatency.observe({ system, outcome }, (performance.now() - started) / 1000);
        }
      },
      { role: 'client' },
    );
  }

  /**
   * Arguments as the audit record keeps them: sensitive fields masked, and beyond a size cap only
   * their hash and size (a 400 KB argument must not become a 400 KB audit line).
   */
  auditArguments(args: unknown, sensitive: string[]): unknown {
    const redacted = this.redactor.redact(args ?? {}, sensitive);
    const text = canonicalJson(redacted);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= AUDIT_ARGS_MAX_BYTES) return redacted;
    return { _truncated: true, sha256: sha256Hex(text), bytes };
  }

  async appendAudit(event: AuditEvent): Promise<string> {
    try {
      const id = (await this.audit.append(event)).id;
      this.auditFailing = false;
      this.auditFailedAppends = 0;
      return id;
    } catch (err) {
      if (!this.auditFailing) this.auditFailedSince = Date.now();
      this.auditFailing = true;
      this.auditFailedAppends += 1;
      this.metrics?.auditFailures.inc();
      throw err;
    }
  }

  /**
   * False while the most recent audit append failed: the audit stage then runs no call. Any
   * append that succeeds ends it: a refused call's record, or /readyz's check (auditRecovery).
   */
  get auditWritable(): boolean {
    return !this.auditFailing;
  }

  /**
   * While appends fail, /readyz's check tries one itself: a server out of rotation gets no call
   * whose refusal could be the next append. The record says since when appends failed and how
   * many did; from it on, the trail is written again.
   */
  private async auditRecovery(): Promise<void> {
    if (!this.auditFailing) return;
    await this.appendAudit(
      recoveryEvent(
        this.serverName,
        'audit_append_failed',
        { failed_since: new Date(this.auditFailedSince).toISOString() },
        { failed_appends: String(this.auditFailedAppends) },
      ),
    );
  }

  /** For /readyz: the shared dependencies. */
  probes(): Record<string, () => Promise<void>> {
    if (!this.opened) return {};
    return {
      store: () => this.store.ping(),
      rate_limits: () => this.limiter.ping(),
      // Failing while the most recent append failed, which the check itself tries to end: calls
      // are refused meanwhile (no audit, no call; the audit stage, auditWritable).
      audit: () => this.auditRecovery(),
    };
  }

  /**
   * For /healthz: what only a restart recovers, by dependency (the embedded store, stopped by a
   * failed write or flush to disk; an audit file that could not be brought back to its last whole
   * record after a failed write, which the next start repairs); empty while the process can serve,
   * or recover by itself.
   */
  liveness(): Record<string, string> {
    if (!this.opened) return {};
    const failing: Record<string, string> = {};
    if (this.store.stopped() !== undefined) failing.store = 'needs_restart';
    if (this.audit.stopped?.() !== undefined) failing.audit = 'needs_restart';
    return failing;
  }

  /** Flushes the audit sink and closes everything it opened, in reverse order; never throws. */
  async close(): Promise<void> {
    const step = async (what: string, fn: (() => Promise<void> | void) | undefined) => {
      try {
        await fn?.();
      } catch (err) {
        this.logger.warn({ err }, `${what} close failed`);
      }
    };
    await step(
      'audit',
      this.audit ? async () => (await this.audit.flush(), await this.audit.close()) : undefined,
    );
    await step('rate limiter', this.limiter ? () => this.limiter.close() : undefined);
    await step('credentials', this.credentials ? () => this.credentials.close() : undefined);
    await step('store', this.store ? () => this.store.close() : undefined);
    await step('telemetry', this.telemetry ? () => this.telemetry!.shutdown() : undefined);
  }
}

/** Resolves in the event loop's check phase, after the pending I/O callbacks have run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The embedded store runs each statement synchronously (WebAssembly in this thread) and answers
 * through promises, so without this a burst of concurrent calls chains statement after statement
 * in one microtask drain: the event loop reads no request and sends no timer-driven work until
 * every call in flight has finished (stalls of hundreds of ms at 32 connections, the p99 tail).
 * Each statement first waits for the next turn of the loop, so the calls in flight take turns
 * statement by statement with the I/O between them. Order, transactions and durability are the
 * store's own: this only moves when a statement is submitted.
 */
export function turnTakingStore(store: Store): Store {
  const tx = (t: StoreTransaction): StoreTransaction => ({
    query: async (sql, params) => (await nextTurn(), t.query(sql, params)),
    exec: async (sql) => (await nextTurn(), t.exec(sql)),
  });
  return {
    get kind() {
      return store.kind;
    },
    query: async (sql, params) => (await nextTurn(), store.query(sql, params)),
    exec: async (sql) => (await nextTurn(), store.exec(sql)),
    transaction: async (fn) => (await nextTurn(), store.transaction((t) => fn(tx(t)))),
    ping: () => store.ping(),
    stopped: () => store.stopped(),
    close: () => store.close(),
  };
}

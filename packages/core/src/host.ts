/**
 * The host: everything a process opens once, whatever number of systems it serves (one store
 * connection, one audit sink and chain, one rate limiter, one credential resolver, the approval
 * signing key, metrics, the logger). Surfaces (one per system) are mounted on it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approvalMigrations } from './approvals.js';
import { canonicalJson, createAuditSink, sha256Hex, type AuditEvent, type AuditSink } from './audit.js';
import { parseCommonConfig, type CommonConfig } from './config.js';
import { CredentialResolver } from './credentials.js';
import { ConfigError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { RateLimiter, rateLimitConfigFromEnv } from './ratelimit.js';
import { Redactor } from './redact.js';
import { withRetry } from './retry.js';
import { migrate, openStore, prepareDataDir, type Store } from './store.js';

export interface HostOptions {
  /** `portcullis-<name>`: names the data directory default, the audit file, metrics and logs. */
  name: string;
  env?: NodeJS.ProcessEnv;
  transport: 'stdio' | 'http';
  logger?: Logger;
  /** Field names masked in audit records wherever they appear (the union of every system's). */
  sensitiveKeys?: string[];
}

/** Arguments larger than this (canonical JSON bytes) are audited as their hash and size only. */
export const AUDIT_ARGS_MAX_BYTES = 16 * 1024;

export class Host {
  readonly name: string;
  readonly serverName: string;
  readonly env: NodeJS.ProcessEnv;
  readonly config: CommonConfig;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly metrics: Metrics;
  store!: Store;
  audit!: AuditSink;
  limiter!: RateLimiter;
  credentials!: CredentialResolver;
  private approvalKeyPromise: Promise<Uint8Array> | null = null;
  private approvalsMigrated: Promise<void> | null = null;
  private opened = false;

  constructor(opts: HostOptions) {
    this.name = opts.name;
    this.serverName = `portcullis-${opts.name}`;
    this.env = opts.env ?? process.env;
    this.config = parseCommonConfig(this.env, opts.name, opts.transport);
    this.redactor = new Redactor(opts.sensitiveKeys ?? []);
    this.logger =
      opts.logger ??
      createLogger({ name: this.serverName, level: this.config.logLevel, redactor: this.redactor });
    this.metrics = new Metrics(this.serverName);
  }

  /** Opens the store, the audit sink and the limiter (in that order; close undoes them in reverse). */
  async open(): Promise<void> {
    const cfg = this.config;
    prepareDataDir(cfg.dataDir, this.logger);
    this.credentials = new CredentialResolver({
      redactor: this.redactor,
      logger: this.logger,
      env: this.env,
    });
    this.store = await openStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, logger: this.logger });
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
      redisUrl: cfg.redisUrl,
      prefix: this.serverName,
      logger: this.logger,
      onLimited: (scope) => this.metrics.rateLimited.inc({ scope }),
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
    return withRetry(
      ({ signal: attemptSignal }) => this.limiter.upstream(system, () => fn(attemptSignal), attemptSignal),
      { system, signal, onRetry: () => this.metrics.upstreamRetries.inc({ system }) },
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
    return (await this.audit.append(event)).id;
  }

  /** For /readyz: the shared dependencies. */
  probes(): Record<string, () => Promise<void>> {
    if (!this.opened) return {};
    return { store: () => this.store.ping(), rate_limits: () => this.limiter.ping() };
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
  }
}

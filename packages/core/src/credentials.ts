import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
// Type-only: the AWS SDK is loaded on first use of an aws-sm: reference, keeping stdio start-up fast.
import type { GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { Redactor } from './redact.js';
import { classifyUpstreamError } from './retry.js';

export type CredentialSource =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'aws-sm'; secretId: string; jsonKey?: string };

const REF_FORMS = 'env:NAME, file:/absolute/path or aws-sm:secret-id[#json-key]';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Secrets Manager names and ARNs: letters, digits and /_+=.@-: (no '#', which separates the JSON key).
const SECRET_ID = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;

/**
 * Parses 'env:NAME' | 'file:/abs/path' | 'aws-sm:secret-id[#json-key]'. The message names the
 * setting but never echoes the value: a malformed reference is often a pasted secret.
 */
export function parseCredentialRef(ref: string, setting: string): CredentialSource {
  const colon = ref.indexOf(':');
  const scheme = colon > 0 ? ref.slice(0, colon) : '';
  const rest = colon > 0 ? ref.slice(colon + 1) : '';
  if (scheme === 'env') {
    if (!ENV_NAME.test(rest))
      throw new ConfigError(`${setting}: env: must name an environment variable (env:NAME).`);
    return { kind: 'env', name: rest };
  }
  if (scheme === 'file') {
    if (!isAbsolute(rest) || rest.includes('\0'))
      throw new ConfigError(`${setting}: file: must be followed by an absolute path (file:/path/to/secret).`);
    return { kind: 'file', path: rest };
  }
  if (scheme === 'aws-sm') {
    const hash = rest.indexOf('#');
    const secretId = hash === -1 ? rest : rest.slice(0, hash);
    const jsonKey = hash === -1 ? undefined : rest.slice(hash + 1);
    if (!SECRET_ID.test(secretId))
      throw new ConfigError(
        `${setting}: aws-sm: must be followed by a secret name or ARN (aws-sm:secret-id[#json-key]).`,
      );
    if (jsonKey === undefined) return { kind: 'aws-sm', secretId };
    if (jsonKey === '')
      throw new ConfigError(`${setting}: the JSON key after '#' is empty (aws-sm:secret-id#json-key).`);
    return { kind: 'aws-sm', secretId, jsonKey };
  }
  throw new ConfigError(`${setting} must be a credential reference: ${REF_FORMS}.`);
}

/**
 * True when the value uses a credential-reference scheme, valid or not: a malformed reference is
 * then rejected by parseCredentialRef instead of being taken for a literal value.
 */
export function isCredentialRef(value: string): boolean {
  return value.startsWith('env:') || value.startsWith('file:') || value.startsWith('aws-sm:');
}

export interface CredentialResolverOptions {
  redactor: Redactor;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long a resolved value is served from cache; default 300_000. */
  ttlMs?: number;
  /** Else from the environment: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION. */
  secretsManager?: {
    endpoint?: string;
    region?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
}

interface Fetched {
  raw: string;
  versionId?: string;
}

interface CacheEntry extends Fetched {
  expiresAt: number;
}

const DEFAULT_TTL_MS = 300_000;
// After a failed refresh the stale value is served, but the fetch is tried again soon.
const STALE_RETRY_MS = 30_000;
const AWS_TIMEOUT_MS = 10_000;

/**
 * Resolves credential references, caching values for a TTL so rotation in the store is picked
 * up. Every value is registered with the redactor before anyone sees it; errors and logs name
 * the setting and the source, never the value.
 */
export class CredentialResolver {
  private readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly ttlMs: number;
  private readonly smOptions: CredentialResolverOptions['secretsManager'];
  private sm: SecretsManagerClient | undefined;
  // Keyed by source (not by reference) so aws-sm:x#a and aws-sm:x#b share one fetch and one version.
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Fetched>>();
  // Outlives invalidate(), so a rotation found through a 401 is still reported as one.
  private readonly versions = new Map<string, string>();

  constructor(opts: CredentialResolverOptions) {
    this.redactor = opts.redactor;
    this.logger = opts.logger;
    this.env = opts.env ?? process.env;
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.smOptions = opts.secretsManager;
  }

  /** Resolves (from cache within the TTL) a reference; throws ConfigError naming `setting`. */
  async get(ref: string, setting: string): Promise<string> {
    const source = parseCredentialRef(ref, setting);
    const fetched = await this.resolve(source, setting);
    const value =
      source.kind === 'aws-sm' && source.jsonKey !== undefined
        ? this.pickJsonKey(fetched.raw, source.secretId, source.jsonKey, setting)
        : fetched.raw;
    if (value === '') throw new ConfigError(`${setting}: ${describe(source)} resolved to an empty value.`);
    this.redactor.addSecret(value);
    return value;
  }

  /** Drops the cached value so the next get() re-fetches (rotation). */
  invalidate(ref: string): void {
    let source: CredentialSource;
    try {
      source = parseCredentialRef(ref, 'credential reference');
    } catch {
      return;
    }
    this.cache.delete(sourceKey(source));
  }

  /**
   * Runs fn with the secret; when fn fails as unauthorized (an upstream 401 by default), the
   * secret may have been rotated: re-resolve it once and run fn once more. A second 401 stands.
   */
  async withSecret<T>(
    ref: string,
    setting: string,
    fn: (secret: string) => Promise<T>,
    isUnauthorized: (err: unknown) => boolean = defaultIsUnauthorized,
  ): Promise<T> {
    const secret = await this.get(ref, setting);
    try {
      return await fn(secret);
    } catch (err) {
      if (!isUnauthorized(err)) throw err;
      const source = parseCredentialRef(ref, setting);
      // When concurrent calls all hit the 401, only those still holding the old value drop the
      // cache; a call arriving after the refresh simply uses the new value.
      let fresh = await this.get(ref, setting);
      if (fresh === secret) {
        this.cache.delete(sourceKey(source));
        fresh = await this.get(ref, setting);
      }
      this.logger.info(
        { setting, source: source.kind, changed: fresh !== secret },
        'credential re-resolved after an upstream 401',
      );
      return fn(fresh);
    }
  }

  close(): void {
    this.sm?.destroy();
    this.sm = undefined;
    this.cache.clear();
    this.inflight.clear();
    this.versions.clear();
  }

  private async resolve(source: CredentialSource, setting: string): Promise<Fetched> {
    const key = sourceKey(source);
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const pending = this.inflight.get(key);
    if (pending) return pending;

    const fetch = this.fetch(source, setting).then(
      (fetched) => {
        const previousVersionId = this.versions.get(key);
        if (fetched.versionId !== undefined) {
          if (previousVersionId !== undefined && previousVersionId !== fetched.versionId) {
            this.logger.info(
              {
                setting,
                source: source.kind,
                ...sourceLabel(source),
                previousVersionId,
                versionId: fetched.versionId,
              },
              'credential rotated',
            );
          }
          this.versions.set(key, fetched.versionId);
        }
        this.redactor.addSecret(fetched.raw);
        this.cache.set(key, { ...fetched, expiresAt: Date.now() + this.ttlMs });
        return fetched;
      },
      (err: unknown) => {
        // A store outage must not take down a server that already holds a working credential.
        if (cached) {
          this.logger.warn(
            { setting, source: source.kind, ...sourceLabel(source), reason: errorLabel(err) },
            'credential refresh failed; serving the cached value',
          );
          cached.expiresAt = Date.now() + Math.min(this.ttlMs, STALE_RETRY_MS);
          return cached;
        }
        throw err;
      },
    );
    const shared = fetch.finally(() => this.inflight.delete(key));
    this.inflight.set(key, shared);
    return shared;
  }

  private async fetch(source: CredentialSource, setting: string): Promise<Fetched> {
    switch (source.kind) {
      case 'env': {
        const value = this.env[source.name];
        if (value === undefined)
          throw new ConfigError(`${setting}: environment variable ${source.name} is not set.`);
        return { raw: value };
      }
      case 'file': {
        try {
          const text = await readFile(source.path, 'utf8');
          return { raw: text.replace(/\r?\n$/, '') };
        } catch (err) {
          throw new ConfigError(
            `${setting}: cannot read credential file ${source.path} (${errorLabel(err)}).`,
          );
        }
      }
      case 'aws-sm':
        return this.fetchAws(source.secretId, setting);
    }
  }

  private async fetchAws(secretId: string, setting: string): Promise<Fetched> {
    let out: GetSecretValueCommandOutput;
    try {
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      out = await (
        await this.client()
      ).send(new GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal: AbortSignal.timeout(AWS_TIMEOUT_MS),
      });
    } catch (err) {
      const name = errorLabel(err);
      if (name === 'ResourceNotFoundException')
        throw new ConfigError(`${setting}: AWS Secrets Manager secret ${secretId} was not found.`);
      throw new ConfigError(`${setting}: cannot read AWS Secrets Manager secret ${secretId} (${name}).`);
    }
    let raw: string;
    if (typeof out.SecretString === 'string') raw = out.SecretString;
    else if (out.SecretBinary !== undefined) raw = new TextDecoder('utf-8').decode(out.SecretBinary);
    else throw new ConfigError(`${setting}: AWS Secrets Manager secret ${secretId} has no value.`);
    return out.VersionId === undefined ? { raw } : { raw, versionId: out.VersionId };
  }

  private pickJsonKey(raw: string, secretId: string, jsonKey: string, setting: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // The parser's message quotes the input, which is the secret: say only what went wrong.
      throw new ConfigError(
        `${setting}: AWS Secrets Manager secret ${secretId} is not JSON, so it has no key ${jsonKey}.`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(
        `${setting}: AWS Secrets Manager secret ${secretId} is not a JSON object, so it has no key ${jsonKey}.`,
      );
    }
    const value: unknown = (parsed as Record<string, unknown>)[jsonKey];
    if (!Object.hasOwn(parsed, jsonKey) || value === null || value === undefined) {
      throw new ConfigError(`${setting}: AWS Secrets Manager secret ${secretId} has no JSON key ${jsonKey}.`);
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ConfigError(
      `${setting}: JSON key ${jsonKey} of AWS Secrets Manager secret ${secretId} is not a string.`,
    );
  }

  private async client(): Promise<SecretsManagerClient> {
    if (this.sm) return this.sm;
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const o = this.smOptions ?? {};
    const endpoint = o.endpoint ?? this.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? this.env.AWS_ENDPOINT_URL;
    const region = o.region ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
    this.sm = new SecretsManagerClient({
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
    return this.sm;
  }
}

function defaultIsUnauthorized(err: unknown): boolean {
  const failure = classifyUpstreamError(err);
  return failure.unauthorized === true || failure.status === 401;
}

function sourceKey(source: CredentialSource): string {
  switch (source.kind) {
    case 'env':
      return `env:${source.name}`;
    case 'file':
      return `file:${source.path}`;
    case 'aws-sm':
      return `aws-sm:${source.secretId}`;
  }
}

function sourceLabel(source: CredentialSource): Record<string, string> {
  switch (source.kind) {
    case 'env':
      return { variable: source.name };
    case 'file':
      return { path: source.path };
    case 'aws-sm':
      return { secretId: source.secretId };
  }
}

function describe(source: CredentialSource): string {
  switch (source.kind) {
    case 'env':
      return `environment variable ${source.name}`;
    case 'file':
      return `credential file ${source.path}`;
    case 'aws-sm':
      return source.jsonKey === undefined
        ? `AWS Secrets Manager secret ${source.secretId}`
        : `JSON key ${source.jsonKey} of AWS Secrets Manager secret ${source.secretId}`;
  }
}

/** A name for a failure that cannot carry the secret: an error code or class name, never a message. */
function errorLabel(err: unknown): string {
  if (err instanceof ConfigError) return 'ConfigError';
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'unknown error';
}

/**
 * A connection-string setting (DATABASE_URL, REDIS_URL) as given or, when it is a credential
 * reference, what the reference holds: then a URL of the setting's scheme, or a ConfigError that
 * names the setting and not the value.
 */
export async function connectionString(
  value: string | undefined,
  setting: 'DATABASE_URL' | 'REDIS_URL',
  credentials: CredentialResolver,
): Promise<string | undefined> {
  if (!value || !isCredentialRef(value)) return value || undefined;
  const resolved = await credentials.get(value, setting);
  const scheme = setting === 'DATABASE_URL' ? /^postgres(ql)?:\/\//i : /^rediss?:\/\//i;
  if (!scheme.test(resolved))
    throw new ConfigError(
      `${setting}: the reference resolved to something that is not a ${setting === 'DATABASE_URL' ? 'postgres://' : 'redis://'} URL.`,
    );
  return resolved;
}

/**
 * DATABASE_URL for a command run beside the servers (an import, the kill switch): resolved, when
 * it is a credential reference, as a server resolves it, with a resolver of the command's own.
 */
export async function databaseUrlOf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!env.DATABASE_URL || !isCredentialRef(env.DATABASE_URL)) return env.DATABASE_URL || undefined;
  const redactor = new Redactor();
  const resolver = new CredentialResolver({
    redactor,
    logger: createLogger({ name: 'credentials', level: 'silent', redactor }),
    env,
  });
  try {
    return await connectionString(env.DATABASE_URL, 'DATABASE_URL', resolver);
  } finally {
    resolver.close();
  }
}

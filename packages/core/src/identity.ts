import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ConfigError, PortcullisError } from './errors.js';
import { loadJose } from './lazy.js';
import type { CedarValue, Principal } from './tool.js';

/** The local user of a stdio server, from PORTCULLIS_PRINCIPAL / _ROLES / _TENANT / _ATTRIBUTES. */
export function stdioPrincipal(env: NodeJS.ProcessEnv): Principal {
  let id = env.PORTCULLIS_PRINCIPAL?.trim();
  if (!id) {
    try {
      id = userInfo().username;
    } catch {
      id = 'local-user';
    }
  }
  return {
    id,
    roles: splitList(env.PORTCULLIS_ROLES ?? 'viewer'),
    tenant: env.PORTCULLIS_TENANT?.trim() || 'default',
    attributes: parseAttributes(env.PORTCULLIS_ATTRIBUTES, 'PORTCULLIS_ATTRIBUTES'),
    onBehalfOf: null,
    via: 'stdio',
  };
}

export function splitList(s: string | undefined): string[] {
  return (s ?? '')
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function parseAttributes(raw: string | undefined, setting: string): Record<string, CedarValue> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, CedarValue>;
  } catch {
    throw new ConfigError(`${setting} must be a JSON object, e.g. {"team":"east"}.`);
  }
}

/** Thrown by verifiers; the HTTP layer turns it into a 401 with WWW-Authenticate. */
export class AuthError extends Error {
  constructor(
    readonly errorCode: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Authenticator {
  readonly kind: 'jwt' | 'apikey' | 'none';
  authenticate(authorization: string | undefined, apiKeyHeader: string | undefined): Promise<Principal>;
}

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  jwksFile?: string;
  algorithms: string[];
  clockToleranceSec: number;
  tenantClaim: string;
  rolesClaim: string;
  attributeClaims: string[];
  /** Refuse tokens whose exp - iat exceeds this many seconds (and tokens without iat). */
  maxLifetimeSec?: number;
  /** Required JOSE header `typ` (e.g. at+jwt, RFC 9068). */
  typ?: string;
}

const DEFAULT_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv, defaultAudience: string): JwtSettings {
  const issuer = env.PORTCULLIS_JWT_ISSUER;
  if (!issuer) throw new ConfigError('PORTCULLIS_JWT_ISSUER is required when PORTCULLIS_AUTH=jwt.');
  if (!env.PORTCULLIS_JWKS_URL && !env.PORTCULLIS_JWKS_FILE) {
    throw new ConfigError(
      'PORTCULLIS_JWKS_URL or PORTCULLIS_JWKS_FILE is required when PORTCULLIS_AUTH=jwt.',
    );
  }
  const algorithms = env.PORTCULLIS_JWT_ALGORITHMS ? splitList(env.PORTCULLIS_JWT_ALGORITHMS) : DEFAULT_ALGS;
  if (algorithms.some((a) => a.toLowerCase() === 'none' || a.startsWith('HS'))) {
    throw new ConfigError(
      'PORTCULLIS_JWT_ALGORITHMS may list only asymmetric algorithms (none and HS* are refused).',
    );
  }
  const skew = Number(env.PORTCULLIS_JWT_CLOCK_SKEW_SECONDS ?? '30');
  if (!Number.isFinite(skew) || skew < 0 || skew > 300) {
    throw new ConfigError('PORTCULLIS_JWT_CLOCK_SKEW_SECONDS must be a number of seconds from 0 to 300.');
  }
  let maxLifetimeSec: number | undefined;
  const maxLifetime = env.PORTCULLIS_JWT_MAX_LIFETIME_SECONDS?.trim();
  if (maxLifetime) {
    maxLifetimeSec = Number(maxLifetime);
    if (!Number.isSafeInteger(maxLifetimeSec) || maxLifetimeSec < 1)
      throw new ConfigError(
        'PORTCULLIS_JWT_MAX_LIFETIME_SECONDS must be a whole number of seconds of at least 1.',
      );
  }
  const typ = env.PORTCULLIS_JWT_TYP?.trim() || undefined;
  return {
    issuer,
    maxLifetimeSec,
    typ,
    audience: env.PORTCULLIS_JWT_AUDIENCE ?? defaultAudience,
    jwksUrl: env.PORTCULLIS_JWKS_URL,
    jwksFile: env.PORTCULLIS_JWKS_FILE,
    algorithms,
    clockToleranceSec: skew,
    tenantClaim: env.PORTCULLIS_JWT_TENANT_CLAIM ?? 'tenant',
    rolesClaim: env.PORTCULLIS_JWT_ROLES_CLAIM ?? 'roles',
    attributeClaims: splitList(env.PORTCULLIS_JWT_ATTRIBUTE_CLAIMS ?? 'team'),
  };
}

function bearer(authorization: string | undefined): string {
  if (!authorization) throw new AuthError('invalid_request', 'Authorization header is missing.');
  const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (!m?.[1]) throw new AuthError('invalid_request', 'Authorization header must be "Bearer <token>".');
  return m[1];
}

/** Verifies bearer JWTs: signature via JWKS, issuer, audience (this server's resource, RFC 8707), expiry, algorithm allowlist. */
export class JwtAuthenticator implements Authenticator {
  readonly kind = 'jwt' as const;
  /** The key set's source, checked when constructed; jose builds the key set on the first token. */
  private readonly source: { jwks: JSONWebKeySet } | { url: URL };
  private keys: Promise<JWTVerifyGetKey> | undefined;
  /**
   * Tokens whose signature and claims were verified, by their exact bytes. An agent host sends the
   * same token on every request; re-verifying it is the costliest step of a call. Expiry is still
   * checked on every use, and an entry lives at most VERIFIED_TTL_MS so a key removed from the JWKS
   * stops being honoured within that time.
   */
  private readonly verified = new Map<string, { principal: Principal; expMs: number; cachedUntil: number }>();

  constructor(private readonly settings: JwtSettings) {
    if (settings.jwksFile) {
      if (!existsSync(settings.jwksFile))
        throw new ConfigError(`PORTCULLIS_JWKS_FILE: ${settings.jwksFile} does not exist.`);
      let jwks: unknown;
      try {
        jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8'));
      } catch {
        jwks = undefined;
      }
      // The shape jose's createLocalJWKSet requires (it would throw JWKSInvalid on the first token).
      if (!isJwksLike(jwks))
        throw new ConfigError(`PORTCULLIS_JWKS_FILE: ${settings.jwksFile} is not a JSON Web Key Set.`);
      this.source = { jwks };
    } else {
      let url: URL;
      try {
        url = new URL(settings.jwksUrl ?? '');
      } catch {
        throw new ConfigError('PORTCULLIS_JWKS_URL is not a URL.');
      }
      // Keys fetched in clear text could be swapped on the way: only loopback may skip TLS.
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
        throw new ConfigError(
          `PORTCULLIS_JWKS_URL must use https (got ${url.protocol}//${url.host}); plain http is accepted only on loopback.`,
        );
      this.source = { url };
    }
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    return (this.keys ??= loadJose().then((jose) =>
      'jwks' in this.source
        ? jose.createLocalJWKSet(this.source.jwks)
        : jose.createRemoteJWKSet(this.source.url, { cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
    ));
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = bearer(authorization);
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (now < hit.cachedUntil && now < hit.expMs + this.settings.clockToleranceSec * 1000)
        return hit.principal;
      this.verified.delete(token);
    }
    const principal = await this.verify(token);
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    return principal;
  }

  private async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    const jose = await loadJose();
    try {
      ({ payload } = await jose.jwtVerify(token, await this.keySet(), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.settings.algorithms,
        clockTolerance: this.settings.clockToleranceSec,
        requiredClaims: ['exp', 'sub', ...(this.settings.maxLifetimeSec === undefined ? [] : ['iat'])],
        ...(this.settings.typ === undefined ? {} : { typ: this.settings.typ }),
      }));
    } catch (err) {
      throw new AuthError('invalid_token', describeJoseError(err, jose.errors));
    }
    // jose checks only that sub is present: a number, an object or "" must not become an identity.
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '')
      throw new AuthError('invalid_token', "The token's sub claim must be a non-empty string.");
    const maxLifetime = this.settings.maxLifetimeSec;
    if (maxLifetime !== undefined && (payload.exp ?? 0) - (payload.iat ?? 0) > maxLifetime)
      throw new AuthError(
        'invalid_token',
        `The token's lifetime (exp - iat) exceeds the ${maxLifetime} s this server accepts.`,
      );
    const tenant = payload[this.settings.tenantClaim];
    if (typeof tenant !== 'string' || tenant === '')
      throw new AuthError('invalid_token', `The token has no ${this.settings.tenantClaim} claim.`);
    const rawRoles = payload[this.settings.rolesClaim];
    const roles = Array.isArray(rawRoles)
      ? rawRoles.filter((r): r is string => typeof r === 'string')
      : typeof rawRoles === 'string'
        ? splitList(rawRoles)
        : [];
    const attributes: Record<string, CedarValue> = {};
    for (const claim of this.settings.attributeClaims) {
      const v = payload[claim];
      if (
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isSafeInteger(v))
      )
        attributes[claim] = v;
      // A list of strings becomes a Cedar set (e.g. the cloud accounts a principal may see).
      else if (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string'))
        attributes[claim] = v;
    }
    // RFC 8693 section 4.1: `act` names the actor (the agent) and `sub` the user it acts for. Policy
    // decides for the user, whose rights the token carries; the audit records both.
    const act = payload.act as { sub?: unknown } | undefined;
    let actor: string | null = null;
    if (act !== undefined) {
      if (act === null || typeof act !== 'object' || typeof act.sub !== 'string' || act.sub.trim() === '')
        throw new AuthError(
          'invalid_token',
          "The token's act claim must be an object with a non-empty string sub.",
        );
      actor = act.sub;
    }
    const principal: Principal = {
      id: payload.sub,
      roles,
      tenant,
      attributes,
      onBehalfOf: actor === null ? null : payload.sub,
      actor,
      via: 'jwt',
    };
    const expMs = (payload.exp ?? 0) * 1000;
    // A token not yet valid (nbf in the future) is never cached: it must be re-checked when used.
    if (payload.nbf === undefined || payload.nbf * 1000 <= Date.now()) {
      this.verified.set(token, {
        principal,
        expMs,
        cachedUntil: Math.min(Date.now() + VERIFIED_TTL_MS, expMs),
      });
    }
    return principal;
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

/** 127.0.0.0/8, ::1 and localhost: addresses that never leave this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

function isJwksLike(x: unknown): x is JSONWebKeySet {
  const isObject = (o: unknown) => typeof o === 'object' && o !== null && !Array.isArray(o);
  return (
    isObject(x) &&
    Array.isArray((x as { keys?: unknown }).keys) &&
    (x as { keys: unknown[] }).keys.every(isObject)
  );
}

function describeJoseError(err: unknown, joseErrors: Awaited<ReturnType<typeof loadJose>>['errors']): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return err.claim === 'typ'
      ? "The token's typ header is not the type this server accepts."
      : `The token's ${err.claim} claim is not accepted.`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm that is not allowed.';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The token was signed by an unknown key.';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return 'The token is malformed.';
  return 'The token could not be verified.';
}

/** One API key as stored: only a SHA-256 of its secret part is kept. */
export interface ApiKeyRecord {
  id: string;
  hash: string;
  principal: string;
  roles: string[];
  tenant: string;
  attributes?: Record<string, CedarValue>;
  /** Marks keys generated for local development; refused when NODE_ENV=production. */
  dev?: boolean;
}

const KEY_RE = /^pk_([a-z0-9]{8,32})_([A-Za-z0-9_-]{32,128})$/;

/**
 * One record of the keys file, checked field by field: a key whose roles were a string (`"admin"`)
 * or whose tenant were missing would otherwise reach policy as something else than it says
 * (`roles.includes` on a string matches a substring). Messages name the record, never its hash.
 */
function checkedKeyRecord(raw: unknown, index: number): ApiKeyRecord {
  const bad = (what: string) => new ConfigError(`PORTCULLIS_API_KEYS_FILE: key #${index + 1} ${what}.`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('is not an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !/^[a-z0-9]{8,32}$/.test(r.id))
    throw bad('has no id (8 to 32 lower-case letters and digits)');
  const named = (what: string) => new ConfigError(`PORTCULLIS_API_KEYS_FILE: key ${r.id as string} ${what}.`);
  if (typeof r.hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(r.hash)) throw named('has no sha256 hash');
  if (typeof r.principal !== 'string' || r.principal.trim() === '') throw named('has no principal');
  if (typeof r.tenant !== 'string' || r.tenant.trim() === '') throw named('has no tenant');
  if (!Array.isArray(r.roles) || !r.roles.every((x) => typeof x === 'string' && x !== ''))
    throw named('must have roles as a list of names (["viewer"])');
  if (r.dev !== undefined && typeof r.dev !== 'boolean')
    throw named('has a dev flag that is not true or false');
  if (r.attributes !== undefined) {
    const a = r.attributes;
    if (a === null || typeof a !== 'object' || Array.isArray(a))
      throw named('has attributes that are not an object');
    for (const [k, v] of Object.entries(a)) {
      const ok =
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isSafeInteger(v)) ||
        (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string'));
      if (!ok)
        throw named(
          `has attribute ${JSON.stringify(k.slice(0, 64))}: a string, a boolean, an integer or a list of strings`,
        );
    }
  }
  return r as unknown as ApiKeyRecord;
}

export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex')}`;
}

/** Makes a new key: the full key is shown once; only the record (with the hash) is stored. */
export function generateApiKey(p: Omit<ApiKeyRecord, 'id' | 'hash'>): { key: string; record: ApiKeyRecord } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `pk_${id}_${secret}`, record: { ...p, id, hash: hashSecret(secret) } };
}

export class ApiKeyAuthenticator implements Authenticator {
  readonly kind = 'apikey' as const;
  private readonly byId = new Map<string, ApiKeyRecord>();

  constructor(records: ApiKeyRecord[], production: boolean) {
    records.forEach((raw: unknown, i) => {
      const r = checkedKeyRecord(raw, i);
      if (production && r.dev)
        throw new ConfigError(
          `PORTCULLIS_API_KEYS_FILE: development key ${r.id} is refused when NODE_ENV=production.`,
        );
      if (this.byId.has(r.id))
        throw new ConfigError(`PORTCULLIS_API_KEYS_FILE: key id ${r.id} appears twice; ids are unique.`);
      this.byId.set(r.id, r);
    });
  }

  static fromFile(path: string, production: boolean): ApiKeyAuthenticator {
    if (!existsSync(path)) {
      throw new ConfigError(
        `PORTCULLIS_AUTH=apikey needs API keys: ${path} does not exist (set PORTCULLIS_API_KEYS_FILE).`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new ConfigError(`PORTCULLIS_API_KEYS_FILE: ${path} is not valid JSON.`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(list))
      throw new ConfigError(`PORTCULLIS_API_KEYS_FILE: ${path} must hold a list of keys.`);
    return new ApiKeyAuthenticator(list as ApiKeyRecord[], production);
  }

  async authenticate(
    authorization: string | undefined,
    apiKeyHeader: string | undefined,
  ): Promise<Principal> {
    const key = apiKeyHeader?.trim() || bearer(authorization);
    const m = KEY_RE.exec(key);
    const rec = m?.[1] ? this.byId.get(m[1]) : undefined;
    const given = Buffer.from(hashSecret(m?.[2] ?? ''));
    const expected = Buffer.from(rec?.hash ?? hashSecret('\u0000no-such-key'));
    // Compare even when the id is unknown so timing does not reveal which ids exist.
    if (!timingSafeEqual(given, expected) || !rec)
      throw new AuthError('invalid_token', 'The API key is not valid.');
    return {
      id: rec.principal,
      roles: rec.roles,
      tenant: rec.tenant,
      attributes: rec.attributes ?? {},
      onBehalfOf: null,
      via: 'apikey',
    };
  }
}

/** Development only: every HTTP caller is the configured local principal. Refused in production. */
export class NoAuthAuthenticator implements Authenticator {
  readonly kind = 'none' as const;
  constructor(private readonly principal: Principal) {}
  async authenticate(): Promise<Principal> {
    return { ...this.principal, via: 'none' };
  }
}

export function toPortcullisAuthError(err: AuthError): PortcullisError {
  return new PortcullisError({
    code: err.errorCode,
    category: 'unauthenticated',
    message: err.message,
    retryable: false,
  });
}

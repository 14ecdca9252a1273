/**
 * How the broker gets its credential for a remote upstream when that credential is an OAuth 2.0
 * access token: the client credentials grant (RFC 6749 section 4.4) for the broker itself, or RFC
 * 8693 token exchange for a token per caller (the broker's signed caller assertion as the subject
 * token). A token is cached until shortly before it expires, fetched again then and once after the
 * upstream answers 401, and never logged; a token endpoint that fails becomes `upstream_unavailable`
 * with a message that names the cause and nothing secret.
 */
import { createHash } from 'node:crypto';
import {
  PortcullisError,
  type CallerAssertionSigner,
  type KitServices,
  type Principal,
} from '@portcullis/core';

export interface OAuthClientSettings {
  token_url: string;
  client_id: string;
  /** A credential reference. */
  client_secret: string;
  scope?: string;
  audience?: string;
  /** How the client authenticates at the token endpoint (RFC 6749 section 2.3.1); default basic. */
  auth_method?: 'client_secret_basic' | 'client_secret_post';
}

/** RFC 8693: the settings of `auth.token_exchange` (the client's own, as for client credentials). */
export type TokenExchangeSettings = Omit<OAuthClientSettings, 'auth_method'> & {
  auth_method?: OAuthClientSettings['auth_method'];
};

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenSourceOptions {
  upstream: string;
  settings: OAuthClientSettings;
  credentials: KitServices['credentials'];
  redactor: KitServices['redactor'];
  logger: KitServices['logger'];
  /** The clock; tests move it instead of waiting. */
  now?: () => number;
  /** Per token request. */
  timeoutMs?: number;
}

/** Lifetime assumed when the token endpoint gives no expires_in (RFC 6749 section 5.1 makes it optional). */
const DEFAULT_LIFETIME_S = 300;
/** Refresh this long before expiry (at most half the lifetime), so no request carries a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;
const TOKEN_TIMEOUT_MS = 10_000;

interface CachedToken {
  value: string;
  /** When to fetch a new one (expiry less the margin). */
  refreshAt: number;
}

/** The token endpoint refused the client itself: the secret may have been rotated. */
class ClientRefused extends Error {
  constructor(readonly oauthError: string) {
    super(`token endpoint refused the client (${oauthError})`);
  }
}

/** Talks to one token endpoint as one client: client authentication, the request, the answer's checks. */
class OAuthClient {
  readonly tokenHost: string;
  readonly now: () => number;

  constructor(private readonly opts: TokenSourceOptions) {
    this.now = opts.now ?? Date.now;
    this.tokenHost = new URL(opts.settings.token_url).host;
  }

  /** Runs a grant (the form's grant parameters); refusals and failures are upstream_unavailable. */
  async grant(params: Record<string, string>): Promise<CachedToken> {
    const s = this.opts.settings;
    const setting = `${this.opts.upstream}.auth.${params.grant_type === TOKEN_EXCHANGE_GRANT ? 'token_exchange' : 'oauth'}.client_secret`;
    try {
      // invalid_client may mean the secret was rotated: re-resolve it once and ask again.
      return await this.opts.credentials.withSecret(
        s.client_secret,
        setting,
        (secret) => this.request(secret, params),
        (err) => err instanceof ClientRefused,
      );
    } catch (err) {
      if (err instanceof PortcullisError) throw err;
      if (err instanceof ClientRefused)
        throw this.unavailable(
          `its token endpoint (${this.tokenHost}) refused the broker's client credentials (${err.oauthError})`,
          false,
          `An operator checks the client_id and client_secret of ${setting.replace(/\.client_secret$/, '')}.`,
          err,
        );
      // A reference that cannot be resolved (ConfigError) names the setting, never the value.
      throw this.unavailable(
        `the broker's client secret for it could not be read (${this.opts.redactor.redactString((err as Error).message)})`,
        false,
        `An operator checks ${setting}.`,
        err,
      );
    }
  }

  private async request(secret: string, params: Record<string, string>): Promise<CachedToken> {
    const s = this.opts.settings;
    const form = new URLSearchParams(params);
    if (s.scope) form.set('scope', s.scope);
    if (s.audience) form.set('audience', s.audience);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if ((s.auth_method ?? 'client_secret_basic') === 'client_secret_basic') {
      // RFC 6749 section 2.3.1: each part form-urlencoded before base64.
      const pair = `${formEncode(s.client_id)}:${formEncode(secret)}`;
      headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', s.client_id);
      form.set('client_secret', secret);
    }
    const started = this.now();
    let res: Response;
    try {
      res = await fetch(s.token_url, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? TOKEN_TIMEOUT_MS),
      });
    } catch (err) {
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) could not be reached`,
        true,
        undefined,
        err,
      );
    }
    const body = await readJson(res);
    if (!res.ok) {
      const code = oauthErrorCode(body);
      this.opts.logger.warn(
        {
          upstream: this.opts.upstream,
          token_endpoint: this.tokenHost,
          grant_type: params.grant_type,
          status: res.status,
          error: code,
        },
        'token endpoint refused the grant',
      );
      if (code === 'invalid_client' || res.status === 401)
        throw new ClientRefused(code ?? `HTTP ${res.status}`);
      const transient = res.status >= 500 || res.status === 429;
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) answered ${code ? `${code} (HTTP ${res.status})` : `HTTP ${res.status}`}`,
        transient,
        transient ? undefined : 'An operator checks the scope and audience configured for this upstream.',
      );
    }
    const token = body?.access_token;
    const type = body?.token_type;
    if (typeof token !== 'string' || token === '' || /\s/.test(token))
      throw this.unavailable(`its token endpoint (${this.tokenHost}) answered without an access token`, true);
    // RFC 8693 section 2.2.1: N_A is what an exchange answers for a token that is not an OAuth access token.
    if (typeof type !== 'string' || !['bearer', 'n_a'].includes(type.toLowerCase()))
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) issued a token of type ${typeof type === 'string' ? type.slice(0, 20) : 'none'}, not Bearer`,
        false,
      );
    if (
      params.grant_type === TOKEN_EXCHANGE_GRANT &&
      body?.issued_token_type !== undefined &&
      body.issued_token_type !== ACCESS_TOKEN_TYPE &&
      body.issued_token_type !== JWT_TOKEN_TYPE
    )
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) issued a token that is not an access token`,
        false,
      );
    this.opts.redactor.addSecret(token);
    const lifetimeS =
      typeof body?.expires_in === 'number' && Number.isFinite(body.expires_in) && body.expires_in > 0
        ? body.expires_in
        : DEFAULT_LIFETIME_S;
    const lifetimeMs = lifetimeS * 1000;
    return { value: token, refreshAt: started + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
  }

  unavailable(why: string, retryable: boolean, remediation?: string, internal?: unknown): PortcullisError {
    return new PortcullisError({
      code: 'upstream_unavailable',
      category: 'upstream',
      message: `Upstream ${this.opts.upstream} is unavailable: ${why}.`,
      retryable,
      remediation: remediation ?? 'Try again shortly; if it persists, an operator checks the token endpoint.',
      details: { upstream: this.opts.upstream },
      internal,
    });
  }
}

/** One cached token and the request that is fetching its successor. */
class TokenSlot {
  private cached: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;

  constructor(
    private readonly now: () => number,
    private readonly fetchToken: () => Promise<CachedToken>,
  ) {}

  async get(refresh: boolean): Promise<string> {
    if (refresh && !this.inflight) this.cached = null;
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.inflight ??= this.fetchToken().finally(() => (this.inflight = null));
    this.cached = await this.inflight;
    return this.cached.value;
  }

  /** Still usable without a request (an idle slot may be dropped). */
  fresh(): boolean {
    return this.cached !== null && this.now() < this.cached.refreshAt;
  }
}

/** An access token for one upstream, fetched with the client credentials grant and cached. */
export class ClientCredentialsTokens {
  private readonly client: OAuthClient;
  private readonly slot: TokenSlot;

  constructor(opts: TokenSourceOptions) {
    this.client = new OAuthClient(opts);
    this.slot = new TokenSlot(this.client.now, () => this.client.grant({ grant_type: 'client_credentials' }));
  }

  /** The Authorization header for the next request; `refresh` after the upstream answered 401. */
  async headers({ refresh }: { refresh: boolean }): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.token(refresh)}` };
  }

  token(refresh = false): Promise<string> {
    return this.slot.get(refresh);
  }
}

/** Callers whose exchanged tokens are kept at once; the least recently used go first. */
const MAX_CALLERS = 1000;

/**
 * RFC 8693 token exchange: for each caller, the broker's signed assertion naming that caller
 * (subject token, `urn:ietf:params:oauth:token-type:jwt`) is exchanged for an access token for the
 * upstream, cached per caller until it expires. Requests that belong to no call (connecting,
 * listing) carry the broker's own token from the client credentials grant of the same client.
 */
export class TokenExchangeTokens {
  private readonly client: OAuthClient;
  private readonly own: ClientCredentialsTokens;
  private readonly perCaller = new Map<string, TokenSlot>();

  constructor(
    opts: TokenSourceOptions,
    private readonly signer: CallerAssertionSigner,
  ) {
    this.client = new OAuthClient(opts);
    this.own = new ClientCredentialsTokens(opts);
  }

  async headers({
    refresh,
    caller,
  }: {
    refresh: boolean;
    caller?: Principal;
  }): Promise<Record<string, string>> {
    if (!caller) return this.own.headers({ refresh });
    return { Authorization: `Bearer ${await this.token(caller, refresh)}` };
  }

  token(caller: Principal, refresh = false): Promise<string> {
    const key = callerKey(caller);
    let slot = this.perCaller.get(key);
    if (slot)
      this.perCaller.delete(key); // re-inserted last: the map's order is recency
    else {
      slot = new TokenSlot(this.client.now, async () =>
        this.client.grant({
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: await this.signer.sign(caller),
          subject_token_type: JWT_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
        }),
      );
    }
    this.perCaller.set(key, slot);
    if (this.perCaller.size > MAX_CALLERS) {
      for (const [k, s] of this.perCaller) {
        if (this.perCaller.size <= MAX_CALLERS) break;
        if (k !== key && !s.fresh()) this.perCaller.delete(k);
      }
      while (this.perCaller.size > MAX_CALLERS) this.perCaller.delete(this.perCaller.keys().next().value!);
    }
    return slot.get(refresh);
  }
}

/** A caller is who they are and what they hold: a change of roles or attributes is another token. */
function callerKey(p: Principal): string {
  const attrs = Object.keys(p.attributes)
    .sort()
    .map((k) => [k, p.attributes[k]]);
  return createHash('sha256')
    .update(JSON.stringify([p.tenant, p.id, [...p.roles].sort(), attrs]))
    .digest('base64url');
}

/** application/x-www-form-urlencoded for one value (spaces as +). */
function formEncode(v: string): string {
  return new URLSearchParams({ v }).toString().slice(2);
}

async function readJson(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const text = await res.text();
    const v: unknown = JSON.parse(text.slice(0, 100_000));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The RFC 6749 section 5.2 `error` code, when it is one (never the description, which is the server's prose). */
function oauthErrorCode(body: Record<string, unknown> | null): string | undefined {
  const e = body?.error;
  return typeof e === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(e) ? e : undefined;
}

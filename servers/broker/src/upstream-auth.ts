/**
 * How the broker gets its own credential for a remote upstream when that credential is an OAuth 2.0
 * access token: the client credentials grant (RFC 6749 section 4.4) against the upstream's token
 * endpoint. The token is cached until shortly before it expires, fetched again then and once after
 * the upstream answers 401, and never logged; a token endpoint that fails becomes
 * `upstream_unavailable` with a message that names the cause and nothing secret.
 */
import { PortcullisError, type KitServices } from '@portcullis/core';

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

/** An access token for one upstream, fetched with the client credentials grant and cached. */
export class ClientCredentialsTokens {
  private cached: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  private readonly now: () => number;
  readonly tokenHost: string;

  constructor(private readonly opts: TokenSourceOptions) {
    this.now = opts.now ?? Date.now;
    this.tokenHost = new URL(opts.settings.token_url).host;
  }

  /** The Authorization header for the next request; `refresh` after the upstream answered 401. */
  async headers({ refresh }: { refresh: boolean }): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.token(refresh)}` };
  }

  async token(refresh = false): Promise<string> {
    if (refresh && !this.inflight) this.cached = null;
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.inflight ??= this.fetchToken().finally(() => (this.inflight = null));
    this.cached = await this.inflight;
    return this.cached.value;
  }

  private async fetchToken(): Promise<CachedToken> {
    const s = this.opts.settings;
    const setting = `${this.opts.upstream}.auth.oauth.client_secret`;
    try {
      // invalid_client may mean the secret was rotated: re-resolve it once and ask again.
      return await this.opts.credentials.withSecret(
        s.client_secret,
        setting,
        (secret) => this.request(secret),
        (err) => err instanceof ClientRefused,
      );
    } catch (err) {
      if (err instanceof PortcullisError) throw err;
      if (err instanceof ClientRefused)
        throw this.unavailable(
          `its token endpoint (${this.tokenHost}) refused the broker's client credentials (${err.oauthError})`,
          false,
          'An operator checks auth.oauth.client_id and client_secret for this upstream.',
          err,
        );
      // A reference that cannot be resolved (ConfigError) names the setting, never the value.
      throw this.unavailable(
        `the broker's client secret for it could not be read (${this.opts.redactor.redactString((err as Error).message)})`,
        false,
        'An operator checks auth.oauth.client_secret for this upstream.',
        err,
      );
    }
  }

  private async request(secret: string): Promise<CachedToken> {
    const s = this.opts.settings;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
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
        { upstream: this.opts.upstream, token_endpoint: this.tokenHost, status: res.status, error: code },
        'token endpoint refused the client credentials grant',
      );
      if (code === 'invalid_client' || res.status === 401)
        throw new ClientRefused(code ?? `HTTP ${res.status}`);
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) answered ${code ? `${code} (HTTP ${res.status})` : `HTTP ${res.status}`}`,
        res.status >= 500 || res.status === 429,
        res.status >= 500 || res.status === 429
          ? undefined
          : 'An operator checks auth.oauth (scope, audience) for this upstream.',
      );
    }
    const token = body?.access_token;
    const type = body?.token_type;
    if (typeof token !== 'string' || token === '' || /[\s]/.test(token))
      throw this.unavailable(`its token endpoint (${this.tokenHost}) answered without an access token`, true);
    if (typeof type !== 'string' || type.toLowerCase() !== 'bearer')
      throw this.unavailable(
        `its token endpoint (${this.tokenHost}) issued a token of type ${typeof type === 'string' ? type.slice(0, 20) : 'none'}, not Bearer`,
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

  private unavailable(
    why: string,
    retryable: boolean,
    remediation?: string,
    internal?: unknown,
  ): PortcullisError {
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

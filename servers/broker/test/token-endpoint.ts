/**
 * A small OAuth 2.0 authorization server on 127.0.0.1, standing in for the third-party one an
 * operator runs: the token endpoint of RFC 6749 (form body, client_secret_basic or
 * client_secret_post, the client credentials grant, section 5.2 error JSON with `invalid_client`
 * as a 401) and of RFC 8693 token exchange (a JWT subject token from a trusted signer, exchanged for
 * an access token naming its subject with the client as `act`), issuing EdDSA JWTs, and the JWKS
 * that a Portcullis server with PORTCULLIS_AUTH=jwt verifies them against. Every token request is
 * recorded as received.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegisteredClient {
  secret: string;
  /** Claims of the tokens it gets (the principal a Portcullis server sees: sub is the client id). */
  tenant: string;
  roles: string[];
  /** Only these auth methods (default: both). */
  methods?: ('client_secret_basic' | 'client_secret_post')[];
}

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  body: string;
  form: URLSearchParams;
}

export interface TokenEndpoint {
  issuer: string;
  tokenUrl: string;
  jwksUrl: string;
  requests: TokenRequest[];
  /** Tokens issued, in order. */
  issued: string[];
  clients: Map<string, RegisteredClient>;
  /** `down`: every token request gets 503 temporarily_unavailable. */
  mode: 'up' | 'down';
  /** Lifetime (expires_in and exp) of the tokens it issues, in seconds. */
  lifetimeS: number;
  /** Trusts subject tokens signed by this Ed25519 key (SPKI PEM) with this issuer, for token exchange. */
  trustSubjects(publicKeyPem: string, issuer: string): void;
  close(): Promise<void>;
}

function b64url(v: Buffer | string): string {
  return Buffer.from(v).toString('base64url');
}

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(sign(null, Buffer.from(`${head}.${body}`), key))}`;
}

export async function startTokenEndpoint(defaultAudience: () => string): Promise<TokenEndpoint> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };
  const state = {
    requests: [] as TokenRequest[],
    issued: [] as string[],
    clients: new Map<string, RegisteredClient>(),
    mode: 'up' as 'up' | 'down',
    lifetimeS: 3600,
  };
  let issuer = '';
  let subjectKey: { key: KeyObject; iss: string } | null = null;

  /** The subject token's claims when it is a JWT from the trusted signer, unexpired; else null. */
  const subjectClaims = (token: string): Record<string, unknown> | null => {
    const parts = token.split('.');
    if (parts.length !== 3 || !subjectKey) return null;
    try {
      const head = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
      if (head.alg !== 'EdDSA') return null;
      const ok = verify(
        null,
        Buffer.from(`${parts[0]}.${parts[1]}`),
        subjectKey.key,
        Buffer.from(parts[2]!, 'base64url'),
      );
      if (!ok) return null;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (claims.iss !== subjectKey.iss || typeof claims.sub !== 'string') return null;
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return null;
      return claims;
    } catch {
      return null;
    }
  };

  const json = (res: ServerResponse, status: number, body: unknown, extra = {}) => {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      ...extra,
    });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
      if (req.method !== 'POST' || url.pathname !== '/token') return json(res, 404, { error: 'not_found' });
      const body = Buffer.concat(chunks).toString('utf8');
      const form = new URLSearchParams(body);
      state.requests.push({ headers: { ...req.headers }, body, form });
      if (state.mode === 'down')
        return json(res, 503, {
          error: 'temporarily_unavailable',
          error_description: 'maintenance',
        });
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        return json(res, 400, { error: 'invalid_request', error_description: 'form body required' });
      // Client authentication (RFC 6749 section 2.3.1): exactly one method.
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      let id: string | undefined;
      let secret: string | undefined;
      let method: 'client_secret_basic' | 'client_secret_post' | undefined;
      if (basic && !form.has('client_secret')) {
        const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const colon = pair.indexOf(':');
        const decode = (s: string) => new URLSearchParams(`v=${s}`).get('v') ?? '';
        id = decode(pair.slice(0, colon));
        secret = decode(pair.slice(colon + 1));
        method = 'client_secret_basic';
      } else if (!basic && form.has('client_id') && form.has('client_secret')) {
        id = form.get('client_id')!;
        secret = form.get('client_secret')!;
        method = 'client_secret_post';
      }
      const client = id === undefined ? undefined : state.clients.get(id);
      if (!client || client.secret !== secret || (client.methods && !client.methods.includes(method!)))
        return json(
          res,
          401,
          { error: 'invalid_client', error_description: 'Client authentication failed.' },
          basic ? { 'WWW-Authenticate': 'Basic realm="token"' } : {},
        );
      const now = Math.floor(Date.now() / 1000);
      if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange') {
        if (form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:jwt')
          return json(res, 400, { error: 'invalid_request', error_description: 'subject_token_type' });
        const requested = form.get('requested_token_type');
        if (requested !== null && requested !== 'urn:ietf:params:oauth:token-type:access_token')
          return json(res, 400, { error: 'invalid_target' });
        const subject = subjectClaims(form.get('subject_token') ?? '');
        if (!subject) return json(res, 400, { error: 'invalid_grant', error_description: 'subject_token' });
        const attributes = (subject.attributes ?? {}) as Record<string, unknown>;
        const token = jwt(privateKey, kid, {
          iss: issuer,
          sub: subject.sub,
          aud: form.get('audience') ?? defaultAudience(),
          iat: now,
          exp: now + state.lifetimeS,
          jti: randomUUID(),
          tenant: subject.tenant,
          roles: subject.roles,
          ...(typeof attributes.team === 'string' ? { team: attributes.team } : {}),
          // RFC 8693 section 4.1: the client that asked is the actor.
          act: { sub: id },
        });
        state.issued.push(token);
        return json(res, 200, {
          access_token: token,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: state.lifetimeS,
        });
      }
      if (form.get('grant_type') !== 'client_credentials')
        return json(res, 400, { error: 'unsupported_grant_type' });
      const token = jwt(privateKey, kid, {
        iss: issuer,
        sub: id,
        aud: form.get('audience') ?? defaultAudience(),
        iat: now,
        exp: now + state.lifetimeS,
        jti: randomUUID(),
        tenant: client.tenant,
        roles: client.roles,
        ...(form.get('scope') ? { scope: form.get('scope') } : {}),
      });
      state.issued.push(token);
      return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: state.lifetimeS });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    trustSubjects: (pem: string, iss: string) => {
      subjectKey = { key: createPublicKey(pem), iss };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

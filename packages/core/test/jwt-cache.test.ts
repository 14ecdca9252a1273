/**
 * The JWT authenticator over time: its verified-token cache, expiry and nbf at and past the
 * configured clock skew, the JWKS URL (rotation, an unknown kid refetched at most once per
 * cooldown) and the claim-name settings. The clock is vitest's fake Date, so the authenticator
 * and jose see the same moved time; nothing waits for real time to pass.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { AuthError, JwtAuthenticator, jwtSettingsFromEnv } from '../src/identity.js';

const ISSUER = 'https://issuer.portcullis.test';
const AUDIENCE = 'http://127.0.0.1:7301/mcp';
const T0 = Date.parse('2026-03-01T09:00:00Z');

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
let k1: Key;
let k2: Key;
let jwksFile: string;

async function newKey(kid: string): Promise<Key> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return {
    kid,
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256' },
  };
}

/** A token issued "now" (the fake clock) unless iat/nbf/exp say otherwise (seconds). */
async function token(
  claims: JWTPayload = {},
  opts: { key?: Key; lifetime?: number; exp?: number; nbf?: number; defaults?: boolean } = {},
): Promise<string> {
  const key = opts.key ?? k1;
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    ...(opts.defaults === false ? {} : { tenant: 'acme', roles: ['viewer'] }),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.sub ?? 'alice')
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + (opts.lifetime ?? 300));
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(key.privateKey);
}

function fileAuth(env: Record<string, string> = {}): JwtAuthenticator {
  return new JwtAuthenticator(
    jwtSettingsFromEnv({ PORTCULLIS_JWT_ISSUER: ISSUER, PORTCULLIS_JWKS_FILE: jwksFile, ...env }, AUDIENCE),
  );
}

async function refusal(auth: JwtAuthenticator, jwt: string): Promise<AuthError> {
  try {
    await auth.authenticate(`Bearer ${jwt}`);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error('expected the token to be refused');
}

const accept = async (auth: JwtAuthenticator, jwt: string) => auth.authenticate(`Bearer ${jwt}`);
const at = (ms: number) => vi.setSystemTime(ms);

beforeAll(async () => {
  k1 = await newKey('k1');
  k2 = await newKey('k2');
  jwksFile = join(mkdtempSync(join(tmpdir(), 'jwt-cache-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [k1.jwk] }));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  at(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the verified-token cache never outlives the token', () => {
  it('an accepted token presented again after its expiry (past the skew) is refused', async () => {
    const auth = fileAuth();
    const jwt = await token({}, { lifetime: 120 });
    expect((await accept(auth, jwt)).id).toBe('alice');
    at(T0 + 60_000);
    expect((await accept(auth, jwt)).id).toBe('alice');
    // Expired 31 s ago with the default 30 s skew: refused although it was cached.
    at(T0 + 120_000 + 31_000);
    const err = await refusal(auth, jwt);
    expect(err).toMatchObject({ errorCode: 'invalid_token', message: 'The token has expired.' });
  });

  it('a short-lived token presented again after its expiry, inside the 60 s cache window, is refused', async () => {
    const auth = fileAuth();
    const jwt = await token({}, { lifetime: 10 });
    expect((await accept(auth, jwt)).id).toBe('alice');
    // 41 s later: past exp + 30 s skew, but well within the cache's 60 s.
    at(T0 + 41_000);
    expect((await refusal(auth, jwt)).message).toBe('The token has expired.');
  });

  it('within the skew after exp it is still accepted; at skew 0 one second past exp is not', async () => {
    const lenient = fileAuth();
    const strict = fileAuth({ PORTCULLIS_JWT_CLOCK_SKEW_SECONDS: '0' });
    const jwt = await token({}, { lifetime: 120 });
    expect((await accept(lenient, jwt)).id).toBe('alice');
    expect((await accept(strict, jwt)).id).toBe('alice');
    at(T0 + 120_000 + 29_000);
    expect((await accept(lenient, jwt)).id).toBe('alice');
    at(T0 + 121_000);
    expect((await refusal(strict, jwt)).message).toBe('The token has expired.');
  });

  it('keeps accepting a long-lived token across the cache window, and refuses it past exp', async () => {
    // Past the 60 s window it is verified again (the JWKS URL tests below show a removed key
    // taking effect that way); the claims come out the same.
    const auth = fileAuth({ PORTCULLIS_JWT_ATTRIBUTE_CLAIMS: 'team' });
    const jwt = await token({ team: 'east' }, { lifetime: 3600 });
    expect((await accept(auth, jwt)).attributes).toEqual({ team: 'east' });
    at(T0 + 61_000);
    expect((await accept(auth, jwt)).attributes).toEqual({ team: 'east' });
    // Past exp, long after the window: refused like any expired token.
    at(T0 + 3600_000 + 31_000);
    expect((await refusal(auth, jwt)).message).toBe('The token has expired.');
  });
});

describe('nbf and the clock skew', () => {
  it('refuses a token not yet valid beyond the skew, and accepts it once its nbf arrives', async () => {
    const auth = fileAuth();
    const now = Math.floor(T0 / 1000);
    const early = await token({}, { nbf: now + 120, lifetime: 600 });
    const err = await refusal(auth, early);
    expect(err.errorCode).toBe('invalid_token');
    expect(err.message).toMatch(/nbf/);
    // A refused token is not cached as refused either: once valid it is accepted.
    at(T0 + 120_000);
    expect((await accept(auth, early)).id).toBe('alice');
  });

  it('accepts an nbf within the skew; with skew 0 the same token is refused', async () => {
    const strict = fileAuth({ PORTCULLIS_JWT_CLOCK_SKEW_SECONDS: '0' });
    const lenient = fileAuth({ PORTCULLIS_JWT_CLOCK_SKEW_SECONDS: '30' });
    const now = Math.floor(T0 / 1000);
    const soon = await token({}, { nbf: now + 20 });
    expect((await accept(lenient, soon)).id).toBe('alice');
    expect((await refusal(strict, soon)).message).toMatch(/nbf/);
  });

  it('refuses a skew setting outside 0..300 seconds, naming the variable', () => {
    for (const v of ['-1', '301', 'soon'])
      expect(() => fileAuth({ PORTCULLIS_JWT_CLOCK_SKEW_SECONDS: v })).toThrow(
        /PORTCULLIS_JWT_CLOCK_SKEW_SECONDS must be a number of seconds from 0 to 300/,
      );
  });
});

describe('claim-name settings', () => {
  it('reads tenant, roles and attributes from the configured claims', async () => {
    const auth = fileAuth({
      PORTCULLIS_JWT_TENANT_CLAIM: 'org',
      PORTCULLIS_JWT_ROLES_CLAIM: 'groups',
      PORTCULLIS_JWT_ATTRIBUTE_CLAIMS: 'team, region, level',
    });
    const p = await accept(
      auth,
      await token(
        { org: 'globex', groups: ['rep', 'pii_reader'], team: 'north', region: 'emea', level: 3, other: 'x' },
        { defaults: false },
      ),
    );
    expect(p).toMatchObject({ tenant: 'globex', roles: ['rep', 'pii_reader'] });
    expect(p.attributes).toEqual({ team: 'north', region: 'emea', level: 3 });
    // A space- or comma-separated string of roles is a list too.
    const listed = await accept(
      auth,
      await token({ org: 'globex', groups: 'rep, viewer' }, { defaults: false }),
    );
    expect(listed.roles).toEqual(['rep', 'viewer']);
  });

  it('ignores the default claim names once overridden: a token with only `tenant` has no tenant', async () => {
    const auth = fileAuth({ PORTCULLIS_JWT_TENANT_CLAIM: 'org', PORTCULLIS_JWT_ROLES_CLAIM: 'groups' });
    const err = await refusal(auth, await token({ tenant: 'acme', roles: ['admin'] }, { defaults: false }));
    expect(err).toMatchObject({ errorCode: 'invalid_token', message: 'The token has no org claim.' });
    // And roles under the default name grant nothing.
    const p = await accept(auth, await token({ org: 'acme', roles: ['admin'] }, { defaults: false }));
    expect(p.roles).toEqual([]);
  });
});

describe('JWKS from a URL', () => {
  let server: Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/jwks') {
        res.writeHead(404).end();
        return;
      }
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    keys = [k1.jwk];
    fetches = 0;
  });

  const urlAuth = () =>
    new JwtAuthenticator(
      jwtSettingsFromEnv({ PORTCULLIS_JWT_ISSUER: ISSUER, PORTCULLIS_JWKS_URL: url }, AUDIENCE),
    );

  it('fetches the key set once for many tokens signed with a known key', async () => {
    const auth = urlAuth();
    for (let i = 0; i < 5; i++) expect((await accept(auth, await token({ sub: `u${i}` }))).id).toBe(`u${i}`);
    expect(fetches).toBe(1);
  });

  it('refetches for an unknown kid, at most once per 30 s cooldown, and accepts the rotated key', async () => {
    const auth = urlAuth();
    expect((await accept(auth, await token())).id).toBe('alice');
    expect(fetches).toBe(1);
    // The issuer rotates: k2 is published. Within the cooldown a k2 token is refused without
    // hammering the JWKS endpoint, however many arrive.
    keys = [k1.jwk, k2.jwk];
    at(T0 + 10_000);
    for (let i = 0; i < 5; i++) {
      const err = await refusal(auth, await token({ sub: `x${i}` }, { key: k2 }));
      expect(err.errorCode).toBe('invalid_token');
    }
    expect(fetches).toBe(1);
    // After the cooldown one unknown kid triggers one refetch, and the new key verifies.
    at(T0 + 31_000);
    expect((await accept(auth, await token({ sub: 'bob' }, { key: k2 }))).id).toBe('bob');
    expect(fetches).toBe(2);
    expect((await accept(auth, await token({ sub: 'carl' }, { key: k2 }))).id).toBe('carl');
    expect(fetches).toBe(2);
  });

  it('stops honouring a key removed from the set once the key set is refetched (10 min)', async () => {
    const auth = urlAuth();
    const jwt = await token({}, { lifetime: 3600 });
    expect((await accept(auth, jwt)).id).toBe('alice');
    keys = [k2.jwk];
    // The verified-token cache (60 s) and then jose's key-set cache (10 min) still hold k1.
    at(T0 + 61_000);
    expect((await accept(auth, jwt)).id).toBe('alice');
    expect(fetches).toBe(1);
    // Past both, k1 is gone: the token that was accepted is refused.
    at(T0 + 601_000);
    const err = await refusal(auth, jwt);
    expect(err.errorCode).toBe('invalid_token');
    expect(fetches).toBe(2);
  });

  it('refuses a JWKS URL that is not a URL at start-up', () => {
    expect(
      () =>
        new JwtAuthenticator(
          jwtSettingsFromEnv({ PORTCULLIS_JWT_ISSUER: ISSUER, PORTCULLIS_JWKS_URL: 'not a url' }, AUDIENCE),
        ),
    ).toThrow(ConfigError);
  });
});

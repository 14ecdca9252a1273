import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import {
  ApiKeyAuthenticator,
  AuthError,
  generateApiKey,
  JwtAuthenticator,
  jwtSettingsFromEnv,
  type JwtSettings,
} from '../src/identity.js';

const ISSUER = 'https://issuer.portcullis.test';
const AUDIENCE = 'http://127.0.0.1:7301/mcp';

let privateKey: CryptoKey;
let jwksFile: string;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const dir = mkdtempSync(join(tmpdir(), 'identity-'));
  jwksFile = join(dir, 'jwks.json');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
});

function settings(extra: Partial<JwtSettings> = {}): JwtSettings {
  return {
    ...jwtSettingsFromEnv({ PORTCULLIS_JWT_ISSUER: ISSUER, PORTCULLIS_JWKS_FILE: jwksFile }, AUDIENCE),
    ...extra,
  };
}

async function token(
  claims: JWTPayload,
  opts: { lifetime?: number; typ?: string; iat?: number | null } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ tenant: 'acme', roles: ['viewer'], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: opts.typ ?? 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(now + (opts.lifetime ?? 300));
  if (opts.iat !== null) jwt.setIssuedAt(opts.iat ?? now);
  return jwt.sign(privateKey);
}

async function refused(auth: JwtAuthenticator, jwt: string): Promise<AuthError> {
  try {
    await auth.authenticate(`Bearer ${jwt}`);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error('expected the token to be refused');
}

describe('finding 13: JWT edge cases', () => {
  it('finding 13: a numeric, empty or non-string sub does not authenticate', async () => {
    const auth = new JwtAuthenticator(settings());
    for (const sub of [42, '', ['alice'], { id: 'alice' }, true]) {
      const err = await refused(auth, await token({ sub: sub as unknown as string }));
      expect(err.errorCode).toBe('invalid_token');
      expect(err.message).toMatch(/sub/);
    }
    expect((await auth.authenticate(`Bearer ${await token({ sub: 'alice' })}`)).id).toBe('alice');
  });

  it('finding 13: act.sub is the actor and the token sub is the user acted for (RFC 8693)', async () => {
    const auth = new JwtAuthenticator(settings());
    const p = await auth.authenticate(
      `Bearer ${await token({ sub: 'user-42', act: { sub: 'agent-7', act: { sub: 'gateway' } } })}`,
    );
    // Policy decides for the user whose rights the token carries; the agent is recorded as the actor.
    expect(p.id).toBe('user-42');
    expect(p.actor).toBe('agent-7');
    expect(p.onBehalfOf).toBe('user-42');
    const plain = await auth.authenticate(`Bearer ${await token({ sub: 'alice' })}`);
    expect(plain.actor ?? null).toBeNull();
    expect(plain.onBehalfOf).toBeNull();
    // An act claim without a usable sub is malformed, not ignored.
    const err = await refused(auth, await token({ sub: 'user-42', act: { sub: 7 } }));
    expect(err.message).toMatch(/act/);
  });

  it('finding 13: an optional maximum token lifetime refuses long-lived tokens and tokens without iat', async () => {
    const env = {
      PORTCULLIS_JWT_ISSUER: ISSUER,
      PORTCULLIS_JWKS_FILE: jwksFile,
      PORTCULLIS_JWT_MAX_LIFETIME_SECONDS: '3600',
    };
    const auth = new JwtAuthenticator(jwtSettingsFromEnv(env, AUDIENCE));
    expect((await auth.authenticate(`Bearer ${await token({ sub: 'a' }, { lifetime: 3600 })}`)).id).toBe('a');
    const long = await refused(auth, await token({ sub: 'b' }, { lifetime: 86_400 }));
    expect(long.message).toMatch(/lifetime/);
    const noIat = await refused(auth, await token({ sub: 'c' }, { iat: null }));
    expect(noIat.message).toMatch(/iat/);
    expect(() =>
      jwtSettingsFromEnv({ ...env, PORTCULLIS_JWT_MAX_LIFETIME_SECONDS: 'soon' }, AUDIENCE),
    ).toThrow(/PORTCULLIS_JWT_MAX_LIFETIME_SECONDS/);
  });

  it('finding 13: an optional typ check refuses tokens of another type', async () => {
    const auth = new JwtAuthenticator(
      jwtSettingsFromEnv(
        { PORTCULLIS_JWT_ISSUER: ISSUER, PORTCULLIS_JWKS_FILE: jwksFile, PORTCULLIS_JWT_TYP: 'at+jwt' },
        AUDIENCE,
      ),
    );
    expect((await auth.authenticate(`Bearer ${await token({ sub: 'a' }, { typ: 'at+jwt' })}`)).id).toBe('a');
    const idToken = await refused(auth, await token({ sub: 'b' }, { typ: 'JWT' }));
    expect(idToken.message).toMatch(/typ/);
  });
});

describe('finding 14: the JWKS is fetched over https unless it is on loopback', () => {
  it('finding 14: an http JWKS URL on another host is refused at start-up', () => {
    for (const url of [
      'http://idp.example.com/jwks.json',
      'http://10.0.0.8/jwks',
      'ftp://idp.example.com/k',
    ]) {
      expect(() => new JwtAuthenticator(settings({ jwksFile: undefined, jwksUrl: url }))).toThrow(
        ConfigError,
      );
      expect(() => new JwtAuthenticator(settings({ jwksFile: undefined, jwksUrl: url }))).toThrow(
        /PORTCULLIS_JWKS_URL must use https/,
      );
    }
    for (const url of [
      'https://idp.example.com/jwks.json',
      'http://127.0.0.1:8080/jwks',
      'http://localhost:8080/jwks',
      'http://[::1]:8080/jwks',
    ]) {
      expect(() => new JwtAuthenticator(settings({ jwksFile: undefined, jwksUrl: url }))).not.toThrow();
    }
  });
});

describe('JWT attribute claims', () => {
  it('carries strings, numbers and booleans, and a list of strings as a set; drops other shapes', async () => {
    const auth = new JwtAuthenticator(
      jwtSettingsFromEnv(
        {
          PORTCULLIS_JWT_ISSUER: ISSUER,
          PORTCULLIS_JWKS_FILE: jwksFile,
          PORTCULLIS_JWT_ATTRIBUTE_CLAIMS: 'team,accounts,level,mixed,nested',
        },
        AUDIENCE,
      ),
    );
    const p = await auth.authenticate(
      `Bearer ${await token({
        sub: 'dana',
        team: 'east',
        accounts: ['111111111111', '333333333333'],
        level: 3,
        mixed: ['a', 1],
        nested: { a: 'b' },
      })}`,
    );
    expect(p.attributes).toEqual({ team: 'east', accounts: ['111111111111', '333333333333'], level: 3 });
  });
});

describe('the API keys file: every record is checked field by field', () => {
  const good = generateApiKey({ principal: 'ana', roles: ['viewer'], tenant: 'acme' });
  const file = (records: unknown[]): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'keys-')), 'api-keys.json');
    writeFileSync(path, JSON.stringify({ keys: records }));
    return path;
  };

  it('accepts a well-formed record and authenticates its key', async () => {
    const auth = ApiKeyAuthenticator.fromFile(file([good.record]), true);
    await expect(auth.authenticate(`Bearer ${good.key}`, undefined)).resolves.toMatchObject({
      id: 'ana',
      roles: ['viewer'],
      tenant: 'acme',
    });
  });

  it.each([
    ['roles as one string (a substring would match a role)', { roles: 'admin' }, /roles as a list/],
    ['a role that is not a string', { roles: ['viewer', 7] }, /roles as a list/],
    ['no tenant', { tenant: undefined }, /has no tenant/],
    ['an empty principal', { principal: ' ' }, /has no principal/],
    ['a dev flag as a string', { dev: 'false' }, /dev flag/],
    ['an attribute that is an object', { attributes: { team: { east: true } } }, /attribute "team"/],
    ['no id', { id: 'A!' }, /key #1 has no id/],
  ])('refuses a record with %s, naming it and never its hash', (_what, change, message) => {
    const record = { ...good.record, ...change };
    const run = () => ApiKeyAuthenticator.fromFile(file([record]), false);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain(good.record.hash);
    }
  });

  it('refuses two records with one id', () => {
    expect(() => ApiKeyAuthenticator.fromFile(file([good.record, { ...good.record }]), false)).toThrow(
      `key id ${good.record.id} appears twice`,
    );
  });
});

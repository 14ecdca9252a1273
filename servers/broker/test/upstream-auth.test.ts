/**
 * The client credentials grant the broker uses for a remote upstream's own credential, against a
 * token endpoint that follows RFC 6749: both client authentication methods, the token cached until
 * shortly before expiry (a moved clock, never a wait), a fresh one on request after a 401, and
 * every failure of the token endpoint as `upstream_unavailable` without a secret in it or in a log.
 */
import { Writable } from 'node:stream';
import { PortcullisError, Redactor } from '@portcullis/core';
import { CredentialResolver } from '@portcullis/core/credentials';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCredentialsTokens, type OAuthClientSettings } from '../src/upstream-auth.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

const SECRET = 'cs-9f1c+/ weird:secret';

describe('client credentials tokens for a remote upstream', () => {
  let ep: TokenEndpoint;
  const logLines: string[] = [];
  const env: NodeJS.ProcessEnv = { CLIENT_SECRET: SECRET };
  let clock = 1_000_000;

  const source = (settings: Partial<OAuthClientSettings> = {}) => {
    const redactor = new Redactor();
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    return new ClientCredentialsTokens({
      upstream: 'remote-crm',
      settings: {
        token_url: ep.tokenUrl,
        client_id: 'broker client',
        client_secret: 'env:CLIENT_SECRET',
        ...settings,
      },
      credentials: new CredentialResolver({ redactor, logger, env, ttlMs: 0 }),
      redactor,
      logger,
      now: () => clock,
    });
  };
  const failure = async (p: Promise<unknown>): Promise<PortcullisError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  };

  beforeAll(async () => {
    ep = await startTokenEndpoint(() => 'http://127.0.0.1/mcp');
    ep.clients.set('broker client', { secret: SECRET, tenant: 'acme', roles: ['broker'] });
    ep.clients.set('poster', { secret: SECRET, tenant: 'acme', roles: [], methods: ['client_secret_post'] });
  });
  afterAll(async () => {
    await ep.close();
  });

  it('client_secret_basic: the pair form-encoded in the Authorization header, scope and audience in the form body', async () => {
    const before = ep.requests.length;
    const tokens = source({ scope: 'crm.read crm.write', audience: 'https://crm.example/mcp' });
    const h = await tokens.headers({ refresh: false });
    const req = ep.requests[before]!;
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(req.form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'crm.read crm.write',
      audience: 'https://crm.example/mcp',
    });
    expect(req.body).not.toContain('cs-9f1c');
    expect(req.headers.authorization).toMatch(/^Basic /);
    expect(h).toEqual({ Authorization: `Bearer ${ep.issued.at(-1)}` });
  });

  it('client_secret_post: the credentials in the form body, no Authorization header', async () => {
    const before = ep.requests.length;
    const tokens = source({ client_id: 'poster', auth_method: 'client_secret_post' });
    await tokens.token();
    const req = ep.requests[before]!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.form.get('client_id')).toBe('poster');
    expect(req.form.get('client_secret')).toBe(SECRET);
    // The same client by basic is refused by this endpoint: the method is the one configured.
    await expect(source({ client_id: 'poster' }).token()).rejects.toThrow(/invalid_client/);
  });

  it('caches the token until shortly before expires_in, then fetches a new one; a refresh after a 401 fetches at once', async () => {
    ep.lifetimeS = 600;
    const tokens = source();
    const before = ep.requests.length;
    const first = await tokens.token();
    await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    expect(ep.requests.length - before).toBe(1);
    clock += 539_000; // 61 s before expiry: still served from cache
    expect(await tokens.token()).toBe(first);
    expect(ep.requests.length - before).toBe(1);
    clock += 2_000; // inside the last minute: fetched again
    const second = await tokens.token();
    expect(second).not.toBe(first);
    expect(ep.requests.length - before).toBe(2);
    // Concurrent refreshes after a 401 share one request.
    const refreshed = await Promise.all([tokens.token(true), tokens.token(true)]);
    expect(refreshed[0]).toBe(refreshed[1]);
    expect(refreshed[0]).not.toBe(second);
    expect(ep.requests.length - before).toBe(3);
    ep.lifetimeS = 3600;
  });

  it('a refused client (invalid_client) is upstream_unavailable, not retryable, after re-reading the secret once', async () => {
    env.CLIENT_SECRET = 'stale-secret-value';
    const before = ep.requests.length;
    const err = await failure(source().token());
    expect(ep.requests.length - before).toBe(2); // the secret may have rotated: read again, asked again
    expect(err.code).toBe('upstream_unavailable');
    expect(err.category).toBe('upstream');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      `Upstream remote-crm is unavailable: its token endpoint (${new URL(ep.tokenUrl).host}) refused the broker's client credentials (invalid_client).`,
    );
    expect(JSON.stringify(err.toEnvelope('a1'))).not.toContain('stale-secret-value');
    // A rotation the resolver finds on that second read is used at once.
    env.CLIENT_SECRET = SECRET;
    await expect(source().token()).resolves.toMatch(/^ey/);
  });

  it('a token endpoint that is down or unreachable is a retryable upstream_unavailable naming the cause', async () => {
    ep.mode = 'down';
    try {
      const err = await failure(source().token());
      expect(err.code).toBe('upstream_unavailable');
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(
        /token endpoint \(127\.0\.0\.1:\d+\) answered temporarily_unavailable \(HTTP 503\)/,
      );
    } finally {
      ep.mode = 'up';
    }
    const closed = await startTokenEndpoint(() => 'x');
    const url = closed.tokenUrl;
    await closed.close();
    const gone = await failure(source({ token_url: url }).token());
    expect(gone.message).toMatch(/token endpoint \(127\.0\.0\.1:\d+\) could not be reached\.$/);
    expect(gone.retryable).toBe(true);
  });

  it('a missing secret reference is upstream_unavailable naming the setting', async () => {
    const err = await failure(source({ client_secret: 'env:NOT_SET_ANYWHERE' }).token());
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toMatch(/remote-crm\.auth\.oauth\.client_secret/);
  });

  it('never logs the client secret or a token', () => {
    const all = logLines.join('');
    expect(all).toContain('invalid_client'); // the refusal was logged, without secrets
    expect(all).not.toContain('cs-9f1c');
    expect(all).not.toContain('stale-secret-value');
    for (const t of ep.issued) expect(all).not.toContain(t);
  });
});

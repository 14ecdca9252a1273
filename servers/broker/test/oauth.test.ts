/**
 * A remote Portcullis CRM with PORTCULLIS_AUTH=jwt behind the broker, reached with an access token
 * the broker gets by the client credentials grant from a token endpoint: the CRM accepts it (its
 * audit names the broker's client and, through the caller assertion, the real caller), the token is
 * reused until it expires, a 401 from the upstream (a revoked token) fetches one new token and the
 * call goes through, a failing token endpoint is `upstream_unavailable`, and neither the token
 * endpoint nor the upstream ever sees the inbound caller's key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createHttpApp, generateApiKey, ServerRuntime, type ErrorEnvelope } from '@portcullis/core';
import { ApiKeyAuthenticator, JwtAuthenticator, jwtSettingsFromEnv } from '@portcullis/core/identity';
import { server as crm, type CrmBackend } from '@portcullis/crm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { guardHop } from './guard-hop.js';
import { configFile } from './helpers.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

type Row = Record<string, unknown>;
const AUDIENCE = 'https://crm.internal.example/mcp';
const CLIENT_SECRET = 'broker-client-secret-7d2e91';
const pair = generateKeyPairSync('ed25519');
const BROKER_PRIV = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const BROKER_PUB = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('broker -> remote Portcullis CRM (JWT auth) with an OAuth client credentials token', () => {
  let ep: TokenEndpoint;
  let remote: ServerRuntime<CrmBackend>;
  let remoteHttp: { url: string; close: () => Promise<void> };
  let remotePort = 0;
  let remoteDataDir = '';
  let hop: Awaited<ReturnType<typeof guardHop>>;
  let broker: ServerRuntime<Federation>;
  let brokerHttp: { url: string; close: () => Promise<void> };
  let aliceKey = '';
  let alice: Client;

  const call = async (name: string, args: Row) => {
    const r = (await alice.callTool({ name, arguments: args })) as Row;
    const m = (r._meta ?? {}) as Row;
    return { r, env: m['portcullis/error'] as ErrorEnvelope | undefined, auditId: m['portcullis/audit_id'] };
  };
  const remoteRecords = () =>
    readFileSync(join(remoteDataDir, 'audit', 'portcullis-crm.audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);

  beforeAll(async () => {
    ep = await startTokenEndpoint(() => AUDIENCE);
    ep.clients.set('portcullis-broker', {
      secret: CLIENT_SECRET,
      tenant: 'acme',
      roles: ['manager', 'broker'],
    });

    // The remote CRM trusts the authorization server's JWKS and the broker's assertion key.
    remoteDataDir = mkdtempSync(join(tmpdir(), 'broker-oauth-crm-'));
    const remoteEnv = {
      PORTCULLIS_DATA_DIR: remoteDataDir,
      PORTCULLIS_LOG_LEVEL: 'silent',
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: ep.issuer,
      PORTCULLIS_JWKS_URL: ep.jwksUrl,
      PORTCULLIS_JWT_AUDIENCE: AUDIENCE,
      PORTCULLIS_BROKER_PUBLIC_KEY: 'env:BROKER_PUB',
      BROKER_PUB,
    };
    remote = new ServerRuntime(crm, { transport: 'http', env: remoteEnv });
    await remote.ready;
    remoteHttp = await createHttpApp(remote, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new JwtAuthenticator(jwtSettingsFromEnv(remoteEnv, AUDIENCE)),
    }).then((a) => a.listen());
    remotePort = Number(new URL(remoteHttp.url).port);
    hop = await guardHop(() => remotePort);

    const path = configFile(
      [
        'upstreams:',
        '  - name: remote-crm',
        `    url: ${hop.url}`,
        '    auth:',
        '      oauth:',
        `        token_url: ${ep.tokenUrl}`,
        '        client_id: portcullis-broker',
        '        client_secret: env:REMOTE_CRM_CLIENT_SECRET',
        '        scope: crm',
        `        audience: ${AUDIENCE}`,
        '    prefix: remote_',
        '    caller_assertion: true',
        '    breaker: { failures: 100, cooldown_ms: 1000 }',
        '',
      ].join('\n'),
    );
    const people = generateApiKey({
      principal: 'alice',
      roles: ['rep', 'pii_reader'],
      tenant: 'acme',
      attributes: { team: 'east' },
    });
    aliceKey = people.key;
    broker = new ServerRuntime(defineBroker(loadBrokerConfig(path)), {
      transport: 'http',
      env: {
        PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-oauth-data-')),
        PORTCULLIS_LOG_LEVEL: 'silent',
        REMOTE_CRM_CLIENT_SECRET: CLIENT_SECRET,
        PORTCULLIS_BROKER_SIGNING_KEY: 'env:BROKER_PRIV',
        BROKER_PRIV,
      },
    });
    await broker.ready;
    brokerHttp = await createHttpApp(broker, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator([people.record], false),
    }).then((a) => a.listen());
    alice = new Client({ name: 'broker-oauth-test', version: '1.0.0' });
    await alice.connect(
      new StreamableHTTPClientTransport(new URL(`${brokerHttp.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${aliceKey}` } },
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await alice?.close().catch(() => undefined);
    await brokerHttp?.close();
    await broker?.close();
    await hop?.close();
    await remoteHttp?.close();
    await remote?.close();
    await ep?.close();
  });

  it('the remote accepts the issued JWT: its audit names the broker client as principal, acting for the caller', async () => {
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toContain('remote_crm_search_accounts');
    const res = await call('remote_crm_search_accounts', {});
    expect(res.env, JSON.stringify(res.r)).toBeUndefined();
    const rec = remoteRecords().at(-1)!;
    expect(rec).toMatchObject({
      tool: 'crm_search_accounts',
      principal: 'portcullis-broker',
      on_behalf_of: 'alice',
      outcome: 'ok',
    });
    // The grant as RFC 6749 section 4.4 has it, with the configured scope and audience.
    expect(Object.fromEntries(ep.requests[0]!.form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'crm',
      audience: AUDIENCE,
    });
    // Every request to the upstream carried an issued token.
    for (const s of hop.seen) expect(ep.issued).toContain(s.headers.authorization?.slice('Bearer '.length));
  });

  it('reuses the token across calls until it expires', async () => {
    const before = ep.requests.length;
    for (let i = 0; i < 3; i++) expect((await call('remote_crm_search_accounts', {})).env).toBeUndefined();
    expect(ep.requests.length).toBe(before);
  });

  it('a 401 from the upstream (token revoked) fetches one new token and the call goes through', async () => {
    const old = ep.issued.at(-1)!;
    hop.revoked.add(old);
    const before = ep.requests.length;
    const res = await call('remote_crm_search_accounts', {});
    expect(res.env, JSON.stringify(res.r)).toBeUndefined();
    expect(ep.requests.length - before).toBe(1);
    expect(hop.seen.at(-1)!.headers.authorization).toBe(`Bearer ${ep.issued.at(-1)}`);
    expect(ep.issued.at(-1)).not.toBe(old);
  });

  it('a failing token endpoint is upstream_unavailable with a clear, secret-free message; the next call recovers', async () => {
    hop.revoked.add(ep.issued.at(-1)!);
    ep.mode = 'down';
    let res: Awaited<ReturnType<typeof call>>;
    try {
      res = await call('remote_crm_search_accounts', {});
    } finally {
      ep.mode = 'up';
    }
    expect(res.r.isError).toBe(true);
    expect(res.env).toMatchObject({
      code: 'upstream_unavailable',
      category: 'upstream',
      retryable: true,
      message: `Upstream remote-crm is unavailable: its token endpoint (${new URL(ep.tokenUrl).host}) answered temporarily_unavailable (HTTP 503).`,
    });
    const text = JSON.stringify(res.r);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('maintenance'); // the endpoint's own prose stays out
    const ok = await call('remote_crm_search_accounts', {});
    expect(ok.env, JSON.stringify(ok.r)).toBeUndefined();
  });

  it("neither the token endpoint nor the upstream ever receives the caller's key; the upstream never sees the client secret", () => {
    expect(ep.requests.length).toBeGreaterThan(0);
    expect(hop.seen.length).toBeGreaterThan(0);
    for (const r of ep.requests) expect(JSON.stringify(r)).not.toContain(aliceKey);
    for (const s of hop.seen) {
      const seen = JSON.stringify(s);
      expect(seen).not.toContain(aliceKey);
      expect(seen).not.toContain(CLIENT_SECRET);
      expect(seen).not.toContain(Buffer.from(`portcullis-broker:${CLIENT_SECRET}`).toString('base64'));
    }
    const audit = readFileSync(join(broker.config.dataDir, 'audit', 'portcullis-broker.audit.jsonl'), 'utf8');
    expect(audit).not.toContain(CLIENT_SECRET);
    for (const t of ep.issued) expect(audit).not.toContain(t);
  });
});

/**
 * RFC 8693 token exchange for a remote Portcullis CRM with PORTCULLIS_AUTH=jwt: per call the broker
 * exchanges its signed caller assertion (the subject token) for an access token naming the caller,
 * cached per caller, and sends it as the bearer; the remote's own policy and audit see the real
 * user, with the broker's client as the actor. Neither the token endpoint nor the upstream ever
 * receives the inbound caller's key.
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
const CLIENT_SECRET = 'exchange-client-secret-41b7';
const pair = generateKeyPairSync('ed25519');
const BROKER_PRIV = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const BROKER_PUB = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const claims = (jwt: string): Row =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Row;

describe('broker -> remote Portcullis CRM (JWT auth) with RFC 8693 token exchange per caller', () => {
  let ep: TokenEndpoint;
  let remote: ServerRuntime<CrmBackend>;
  let remoteHttp: { url: string; close: () => Promise<void> };
  let remotePort = 0;
  let remoteDataDir = '';
  let hop: Awaited<ReturnType<typeof guardHop>>;
  let broker: ServerRuntime<Federation>;
  let brokerHttp: { url: string; close: () => Promise<void> };
  const keys: Record<string, string> = {};
  const clients: Record<string, Client> = {};

  const call = async (who: string, name: string, args: Row) => {
    const r = (await clients[who]!.callTool({ name, arguments: args })) as Row;
    const m = (r._meta ?? {}) as Row;
    return { r, env: m['portcullis/error'] as ErrorEnvelope | undefined };
  };
  const remoteRecords = () =>
    readFileSync(join(remoteDataDir, 'audit', 'portcullis-crm.audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
  const exchanges = () =>
    ep.requests.filter((r) => r.form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange');

  beforeAll(async () => {
    ep = await startTokenEndpoint(() => AUDIENCE);
    ep.clients.set('portcullis-broker', { secret: CLIENT_SECRET, tenant: 'acme', roles: ['viewer'] });
    // The authorization server trusts the broker's caller assertions as subject tokens.
    ep.trustSubjects(BROKER_PUB, 'portcullis-broker');

    remoteDataDir = mkdtempSync(join(tmpdir(), 'broker-tx-crm-'));
    const remoteEnv = {
      PORTCULLIS_DATA_DIR: remoteDataDir,
      PORTCULLIS_LOG_LEVEL: 'silent',
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: ep.issuer,
      PORTCULLIS_JWKS_URL: ep.jwksUrl,
      PORTCULLIS_JWT_AUDIENCE: AUDIENCE,
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
        '      token_exchange:',
        `        token_url: ${ep.tokenUrl}`,
        '        client_id: portcullis-broker',
        '        client_secret: env:REMOTE_CRM_CLIENT_SECRET',
        `        audience: ${AUDIENCE}`,
        '    prefix: remote_',
        '',
      ].join('\n'),
    );
    const people = [
      { principal: 'alice', roles: ['rep', 'pii_reader'], tenant: 'acme', attributes: { team: 'east' } },
      { principal: 'bob', roles: ['rep'], tenant: 'acme', attributes: { team: 'west' } },
    ].map((p) => {
      const k = generateApiKey(p);
      keys[p.principal] = k.key;
      return k.record;
    });
    broker = new ServerRuntime(defineBroker(loadBrokerConfig(path)), {
      transport: 'http',
      env: {
        PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-tx-data-')),
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
      authenticator: new ApiKeyAuthenticator(people, false),
    }).then((a) => a.listen());
    for (const who of ['alice', 'bob']) {
      const c = new Client({ name: `broker-tx-${who}`, version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${brokerHttp.url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${keys[who]}` } },
        }),
      );
      clients[who] = c;
    }
  }, 300_000);

  afterAll(async () => {
    for (const c of Object.values(clients)) await c.close().catch(() => undefined);
    await brokerHttp?.close();
    await broker?.close();
    await hop?.close();
    await remoteHttp?.close();
    await remote?.close();
    await ep?.close();
  });

  it('exchanges a caller assertion for a token naming the caller; the remote decides and audits as that user', async () => {
    const res = await call('alice', 'remote_crm_search_accounts', {});
    expect(res.env, JSON.stringify(res.r)).toBeUndefined();
    const [ex] = exchanges();
    expect(ex).toBeDefined();
    expect(ex!.form.get('subject_token_type')).toBe('urn:ietf:params:oauth:token-type:jwt');
    expect(ex!.form.get('requested_token_type')).toBe('urn:ietf:params:oauth:token-type:access_token');
    expect(ex!.form.get('audience')).toBe(AUDIENCE);
    expect(claims(ex!.form.get('subject_token')!)).toMatchObject({
      iss: 'portcullis-broker',
      sub: 'alice',
      tenant: 'acme',
    });
    // The call's bearer at the upstream is the exchanged token, naming alice with the broker as actor.
    const posted = hop.seen.filter((s) => s.body.includes('"tools/call"'));
    const bearer = posted.at(-1)!.headers.authorization!.slice('Bearer '.length);
    expect(ep.issued).toContain(bearer);
    expect(claims(bearer)).toMatchObject({ sub: 'alice', act: { sub: 'portcullis-broker' } });
    const rec = remoteRecords().at(-1)!;
    expect(rec).toMatchObject({ tool: 'crm_search_accounts', outcome: 'ok', on_behalf_of: 'alice' });
  });

  it('caches the exchanged token per caller: a second call of the same caller exchanges nothing, another caller gets its own', async () => {
    const before = exchanges().length;
    expect((await call('alice', 'remote_crm_search_accounts', {})).env).toBeUndefined();
    expect(exchanges().length).toBe(before);
    const bob = await call('bob', 'remote_crm_search_accounts', {});
    expect(bob.env, JSON.stringify(bob.r)).toBeUndefined();
    expect(exchanges().length).toBe(before + 1);
    expect(claims(exchanges().at(-1)!.form.get('subject_token')!)).toMatchObject({ sub: 'bob' });
    expect(remoteRecords().at(-1)).toMatchObject({ on_behalf_of: 'bob' });
    expect((await call('bob', 'remote_crm_search_accounts', {})).env).toBeUndefined();
    expect(exchanges().length).toBe(before + 1);
  });

  it("reads a resource and gets a prompt as the caller too: each request's bearer names them, not the broker", async () => {
    const before = hop.seen.length;
    const read = await clients.alice!.readResource({ uri: 'crm://schema' });
    expect(read.contents).toHaveLength(1);
    const got = await clients.bob!.getPrompt({
      name: 'remote_crm_account_brief',
      arguments: { account_id: 'acct_1' },
    });
    expect(JSON.stringify(got.messages)).toContain('acct_1');
    const bearerOf = (method: string) => {
      const sent = hop.seen.slice(before).filter((s) => s.body.includes(`"${method}"`));
      expect(sent, method).toHaveLength(1);
      return sent[0]!.headers.authorization!.slice('Bearer '.length);
    };
    for (const [method, who] of [
      ['resources/read', 'alice'],
      ['prompts/get', 'bob'],
    ] as const) {
      const bearer = bearerOf(method);
      expect(ep.issued).toContain(bearer);
      expect(claims(bearer), method).toMatchObject({ sub: who, act: { sub: 'portcullis-broker' } });
    }
  });

  it("the inbound caller's key never reaches the token endpoint or the upstream", () => {
    expect(ep.requests.length).toBeGreaterThan(0);
    expect(hop.seen.length).toBeGreaterThan(0);
    for (const who of ['alice', 'bob']) {
      for (const r of ep.requests) expect(JSON.stringify(r)).not.toContain(keys[who]);
      for (const s of hop.seen) expect(JSON.stringify(s)).not.toContain(keys[who]);
    }
    for (const s of hop.seen) expect(JSON.stringify(s)).not.toContain(CLIENT_SECRET);
  });
});

/**
 * The broker over HTTP fronting a local crm, a remote Portcullis CRM over Streamable HTTP (its
 * own credential, through a recording hop) and server-everything spawned over stdio: one list,
 * calls routed to each, the upstream's error envelope passed through with the upstream named,
 * trace context sent as header and `_meta`, and no upstream ever receiving the inbound token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CALLER_ASSERTION_META_KEY,
  CallerAssertionSigner,
  createHttpApp,
  generateApiKey,
  ServerRuntime,
  type ErrorEnvelope,
} from '@portcullis/core';
import { ApiKeyAuthenticator } from '@portcullis/core/identity';
import { server as crm, type CrmBackend } from '@portcullis/crm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { configFile, everythingEntry, recordingHop, until } from './helpers.js';

type Row = Record<string, unknown>;
// The broker's own credential at the remote CRM: the broker role lets it assert callers.
const BROKER_CRED = {
  principal: 'broker-svc',
  roles: ['manager', 'broker'],
  tenant: 'acme',
  attributes: { team: 'east' },
};
const MALLORY = { principal: 'mallory', roles: ['manager'], tenant: 'acme', attributes: { team: 'east' } };
const brokerPair = generateKeyPairSync('ed25519');
const BROKER_PRIV = brokerPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const BROKER_PUB = brokerPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('broker over HTTP: local crm, remote Portcullis CRM, server-everything over stdio', () => {
  let remote: ServerRuntime<CrmBackend>;
  let remoteHttp: { url: string; close: () => Promise<void> };
  let remotePort = 0;
  let hop: Awaited<ReturnType<typeof recordingHop>>;
  let broker: ServerRuntime<Federation>;
  let brokerHttp: { url: string; close: () => Promise<void> };
  const callerKeys: Record<string, string> = {};
  const clients: Client[] = [];
  let remoteDataDir = '';
  const remoteKeys: Record<string, string> = {};

  const connect = async (who: string): Promise<Client> => {
    const c = new Client({ name: `broker-test-${who}`, version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(`${brokerHttp.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${callerKeys[who]}` } },
      }),
    );
    clients.push(c);
    return c;
  };
  const call = async (c: Client, name: string, args: Row, meta?: Row) => {
    const r = (await c.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) })) as Row;
    const m = (r._meta ?? {}) as Row;
    return {
      r,
      env: m['portcullis/error'] as ErrorEnvelope | undefined,
      auditId: m['portcullis/audit_id'] as string,
    };
  };

  beforeAll(async () => {
    // The remote CRM: a Portcullis server of its own, knowing only the broker's API key.
    remoteDataDir = mkdtempSync(join(tmpdir(), 'broker-remote-crm-'));
    const brokerKey = generateApiKey(BROKER_CRED);
    const malloryKey = generateApiKey(MALLORY);
    remoteKeys.broker = brokerKey.key;
    remoteKeys.mallory = malloryKey.key;
    remote = new ServerRuntime(crm, {
      transport: 'http',
      env: {
        PORTCULLIS_DATA_DIR: remoteDataDir,
        PORTCULLIS_LOG_LEVEL: 'silent',
        PORTCULLIS_BROKER_PUBLIC_KEY: 'env:BROKER_PUB',
        BROKER_PUB,
      },
    });
    await remote.ready;
    const app = await createHttpApp(remote, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator([brokerKey.record, malloryKey.record], false),
    });
    remoteHttp = await app.listen();
    remotePort = Number(new URL(remoteHttp.url).port);
    hop = await recordingHop(() => remotePort);

    const people: {
      principal: string;
      roles: string[];
      tenant: string;
      attributes: Record<string, string>;
    }[] = [
      { principal: 'alice', roles: ['rep', 'pii_reader'], tenant: 'acme', attributes: { team: 'east' } },
      { principal: 'auditor', roles: ['viewer'], tenant: 'acme', attributes: {} },
      // Not of the broker credential's tenant at the remote: its assertions are refused there.
      { principal: 'gail', roles: ['rep'], tenant: 'globex', attributes: { team: 'east' } },
    ];
    const records = people.map((p) => {
      const { key, record } = generateApiKey(p);
      callerKeys[p.principal] = key;
      return record;
    });
    const path = configFile(
      [
        'upstreams:',
        '  - name: crm',
        '    local: crm',
        '  - name: everything',
        `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everythingEntry())}, stdio], env: { UPSTREAM_MARK: env:EVERYTHING_MARK } }`,
        '    prefix: everything_',
        '    tools: { allow: [echo, get-sum, get-env] }',
        '  - name: remote-crm',
        `    url: ${hop.url}`,
        '    auth: { bearer: env:REMOTE_CRM_TOKEN }',
        '    prefix: remote_',
        '    tools: { deny: [crm_update_contact] }',
        '    timeout_ms: 10000',
        '    on_failure: closed',
        '    breaker: { failures: 1, cooldown_ms: 600000 }',
        '    caller_assertion: true',
        '',
      ].join('\n'),
    );
    broker = new ServerRuntime(defineBroker(loadBrokerConfig(path)), {
      transport: 'http',
      env: {
        PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-data-')),
        PORTCULLIS_LOG_LEVEL: 'silent',
        REMOTE_CRM_TOKEN: brokerKey.key,
        PORTCULLIS_BROKER_SIGNING_KEY: 'env:BROKER_PRIV',
        BROKER_PRIV,
        EVERYTHING_MARK: 'mark-5e1f',
      },
    });
    await broker.ready;
    brokerHttp = await createHttpApp(broker, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator(records, false),
    }).then((a) => a.listen());
  }, 300_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await brokerHttp?.close();
    await broker?.close();
    await hop?.close();
    await remoteHttp?.close();
    await remote?.close();
  });

  it('lists every upstream in one list: local names kept, remote and stdio under their prefixes, deny lists applied', async () => {
    const alice = await connect('alice');
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'crm_search_accounts',
        'remote_crm_search_accounts',
        'everything_get-sum',
        'everything_echo',
      ]),
    );
    expect(names).not.toContain('remote_crm_update_contact');
    expect(names).not.toContain('everything_trigger-long-running-operation');
  });

  it('routes calls to each upstream; the broker records the remote audit id, and the trace travels as header and _meta', async () => {
    const alice = await connect('alice');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const before = hop.seen.length;
    const remoteCall = await call(
      alice,
      'remote_crm_search_accounts',
      {},
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(remoteCall.env, JSON.stringify(remoteCall.r)).toBeUndefined();
    const sum = await call(alice, 'everything_get-sum', { a: 2, b: 40 });
    expect(JSON.stringify(sum.r.content)).toContain('42');
    const local = await call(alice, 'crm_search_accounts', {});
    expect(local.env).toBeUndefined();

    const brokerRecords = readFileSync(
      join(broker.config.dataDir, 'audit', 'portcullis-broker.audit.jsonl'),
      'utf8',
    )
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    const door = brokerRecords.find((x) => x.id === remoteCall.auditId)!;
    expect(door).toMatchObject({
      tool: 'remote_crm_search_accounts',
      principal: 'alice',
      trace_id: traceId,
      refs: { upstream: 'remote-crm' },
    });
    const remoteRecords = readFileSync(join(remoteDataDir, 'audit', 'portcullis-crm.audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    const upstreamRecord = remoteRecords.find((x) => x.id === (door.refs as Row).upstream_audit_id)!;
    // The remote's own policy decided for alice; its record names her, with the broker as the actor.
    expect(upstreamRecord).toMatchObject({
      tool: 'crm_search_accounts',
      trace_id: traceId,
      principal: 'broker-svc',
      on_behalf_of: 'alice',
    });

    const posted = hop.seen
      .slice(before)
      .filter((s) => s.method === 'POST' && s.body.includes('"tools/call"'));
    expect(posted.length).toBeGreaterThan(0);
    const tp = posted[0]!.headers.traceparent as string;
    expect(tp).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(JSON.parse(posted[0]!.body).params._meta.traceparent).toBe(tp);
  });

  it('the remote refuses a forged assertion, and an assertion from a principal without the broker role', async () => {
    const direct = async (key: string, assertion: string) => {
      const c = new Client({ name: 'broker-test-direct', version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(remoteHttp.url + '/mcp'), {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      clients.push(c);
      return c.callTool({
        name: 'crm_search_accounts',
        arguments: {},
        _meta: { [CALLER_ASSERTION_META_KEY]: assertion },
      });
    };
    const alice = {
      id: 'alice',
      roles: ['rep'],
      tenant: 'acme',
      attributes: { team: 'east' },
      onBehalfOf: null,
      via: 'apikey' as const,
    };
    const forger = await CallerAssertionSigner.fromPem(
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    await expect(direct(remoteKeys.broker!, await forger.sign(alice))).rejects.toThrow(
      /caller assertion is not valid/,
    );
    const real = await CallerAssertionSigner.fromPem(BROKER_PRIV);
    await expect(direct(remoteKeys.mallory!, await real.sign(alice))).rejects.toThrow(/broker role/);
    await expect(direct(remoteKeys.broker!, await real.sign({ ...alice, tenant: 'globex' }))).rejects.toThrow(
      /another tenant/,
    );
  });

  it("a caller the remote refuses (a foreign tenant's assertion) neither opens the circuit nor drops other callers' connection", async () => {
    const state = broker.kitBackend.states.get('remote-crm')!;
    const alice = await connect('alice');
    expect((await call(alice, 'remote_crm_search_accounts', {})).env).toBeUndefined();
    const up = (state.conn as unknown as { up: { client: unknown } }).up;
    const shared = up.client;
    expect(shared).not.toBeNull();
    const gail = await connect('gail');
    // The breaker opens after one failure here: three refusals would have opened it thrice over.
    for (let i = 0; i < 3; i++) {
      const refused = await call(gail, 'remote_crm_search_accounts', {});
      expect(refused.env).toMatchObject({
        code: 'upstream_error',
        category: 'upstream',
        retryable: false,
        details: { upstream: 'remote-crm' },
      });
      expect(refused.env!.message).toMatch(/another tenant/);
    }
    expect(state.breaker.isOpen).toBe(false);
    // The remote answered each time: the connection every caller shares was kept.
    expect(up.client).toBe(shared);
    const after = await call(alice, 'remote_crm_search_accounts', {});
    expect(after.env, JSON.stringify(after.r)).toBeUndefined();
  });

  it("passes the upstream's error envelope through unchanged, naming the upstream", async () => {
    const alice = await connect('alice');
    const r = await call(alice, 'remote_crm_get_account', { id: 'acct_does_not_exist' });
    expect(r.env).toMatchObject({
      code: 'not_found',
      category: 'not_found',
      details: { upstream: 'remote-crm', upstream_audit_id: expect.any(String) },
    });
    expect(r.env!.audit_id).toBe(r.auditId);
  });

  it("resources and prompts of every upstream: a URI offered twice is served by the first upstream, remote prompts get the prefix and carry the caller's assertion", async () => {
    const alice = await connect('alice');
    const uris = (await alice.listResources()).resources.map((r) => r.uri);
    // crm (local, first in the file) and remote-crm both offer crm://schema: one entry, the local one.
    expect(uris.filter((u) => u === 'crm://schema')).toHaveLength(1);
    const prompts = (await alice.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(expect.arrayContaining(['crm_account_brief', 'remote_crm_account_brief']));
    expect(prompts.some((p) => p.startsWith('everything_'))).toBe(true);

    const before = hop.seen.length;
    const got = await alice.getPrompt({
      name: 'remote_crm_account_brief',
      arguments: { account_id: 'acct_1' },
    });
    expect(JSON.stringify(got.messages)).toContain('acct_1');
    const sent = hop.seen
      .slice(before)
      .map((x) => JSON.parse(x.body || '{}') as { method?: string; params?: { _meta?: Row } })
      .find((b) => b.method === 'prompts/get')!;
    expect(sent.params!._meta![CALLER_ASSERTION_META_KEY]).toEqual(expect.any(String));
    const schema = await alice.readResource({ uri: 'crm://schema' });
    expect(schema.contents).toHaveLength(1);
    // The local crm answered it: the remote never saw a read.
    expect(hop.seen.slice(before).some((x) => x.body.includes('resources/read'))).toBe(false);
  });

  it('no upstream ever receives the inbound bearer token: the remote sees only its own credential', async () => {
    const inbound = Object.values(callerKeys);
    // The secret part of each key (`pk_<hex id>_<base64url secret>`): the secret may itself contain
    // or start with '_', so it is everything after the second '_', never a fragment of it.
    const secretOf = (k: string) => k.slice(k.indexOf('_', 3) + 1);
    expect(hop.seen.length).toBeGreaterThan(0);
    for (const s of hop.seen) {
      const text = JSON.stringify(s);
      for (const k of inbound) expect(text).not.toContain(secretOf(k));
      expect(s.headers.authorization).toMatch(/^Bearer pk_/);
      expect(inbound).not.toContain((s.headers.authorization as string).slice(7));
    }
    // The spawned upstream got its own setting (resolved from a reference), not the broker's environment.
    const alice = await connect('alice');
    const env = await call(alice, 'everything_get-env', {});
    const text = JSON.stringify(env.r.content);
    expect(text).not.toContain('PORTCULLIS_DATA_DIR');
    expect(text).not.toContain('REMOTE_CRM_TOKEN');
    for (const k of inbound) expect(text).not.toContain(secretOf(k));
  });

  it('a dead remote upstream fails fast with upstream_unavailable while the others keep working (fail-closed keeps it listed)', async () => {
    const alice = await connect('alice');
    hop.down();
    const first = await call(alice, 'remote_crm_search_accounts', {});
    expect(first.env).toMatchObject({
      code: 'upstream_unavailable',
      category: 'upstream',
      retryable: true,
      details: { upstream: 'remote-crm' },
    });
    // The circuit is open now: refused without trying the upstream.
    const seenBefore = hop.seen.length;
    const second = await call(alice, 'remote_crm_search_accounts', {});
    expect(second.env).toMatchObject({ code: 'upstream_unavailable', retry_after_ms: expect.any(Number) });
    expect(hop.seen.length).toBe(seenBefore);
    expect((await call(alice, 'crm_search_accounts', {})).env).toBeUndefined();
    expect(JSON.stringify((await call(alice, 'everything_get-sum', { a: 1, b: 1 })).r.content)).toContain(
      '2',
    );
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toContain('remote_crm_search_accounts');
  });

  it('a killed stdio upstream is respawned on the next call; the others never waited', async () => {
    const alice = await connect('alice');
    const pids = () => broker.kitBackend.states.get('everything')!;
    expect(pids()).toBeDefined();
    // Kill the spawned server-everything process by its pid (the SDK transport knows it).
    const conn = pids().conn as unknown as { up: { client: { transport: { pid: number | null } } | null } };
    const pid = conn.up.client?.transport.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await until(() => conn.up.client === null, 'the broker to notice the exit');
    const again = await call(alice, 'everything_get-sum', { a: 20, b: 22 });
    expect(JSON.stringify(again.r.content)).toContain('42');
  });
});

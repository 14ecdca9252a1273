/**
 * Stateful HTTP sessions and who may use them (security review findings 11, 12 and 14): the
 * kit server in-process behind its real express app on 127.0.0.1, driven over raw HTTP.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ServerRuntime, createHttpApp, generateApiKey } from '@portcullis/core';
import { ApiKeyAuthenticator, NoAuthAuthenticator } from '@portcullis/core/identity';
import { server as kit } from '@portcullis/test-kit-server';
import { postRpc, tempDir, waitFor } from './helpers.js';

interface Running {
  url: string;
  base: string;
  keys: Record<string, string>;
  close: () => Promise<void>;
}

const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.close().catch(() => undefined);
});

/** Two principals named bob, one per tenant, plus alice; API keys by label. */
async function start(env: Record<string, string> = {}): Promise<Running> {
  const dataDir = tempDir('kit-sessions-');
  const specs = {
    bobAcme: { principal: 'bob', roles: ['viewer'], tenant: 'acme' },
    bobGlobex: { principal: 'bob', roles: ['viewer'], tenant: 'globex' },
    alice: { principal: 'alice', roles: ['viewer'], tenant: 'acme' },
  };
  const keys: Record<string, string> = {};
  const records = [];
  for (const [label, spec] of Object.entries(specs)) {
    const { key, record } = generateApiKey(spec);
    keys[label] = key;
    records.push(record);
  }
  const keysFile = join(dataDir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify(records));
  const runtime = new ServerRuntime(kit, {
    transport: 'http',
    env: {
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_LOG_LEVEL: 'silent',
      PORTCULLIS_HTTP_MODE: 'stateful',
      ...env,
    },
  });
  await runtime.ready;
  const { listen } = await createHttpApp(runtime, {
    host: '127.0.0.1',
    port: 0,
    authenticator: ApiKeyAuthenticator.fromFile(keysFile, false),
  });
  const h = await listen();
  const r = { url: `${h.url}/mcp`, base: h.url, keys, close: h.close };
  running.push(r);
  return r;
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

async function openSession(r: Running, key: string): Promise<{ status: number; id: string | undefined }> {
  const res = await postRpc(r.url, INIT, { 'x-api-key': key });
  const sid = res.headers['mcp-session-id'];
  return { status: res.status, id: typeof sid === 'string' ? sid : undefined };
}

function useSession(r: Running, key: string, sid: string) {
  return postRpc(r.url, LIST, {
    'x-api-key': key,
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  });
}

/** Opens GET /sse and reads until the endpoint event names the session; the stream stays open. */
async function openSse(r: Running, key: string): Promise<{ id: string; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${r.base}/sse`, { headers: { 'x-api-key': key }, signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  for (let i = 0; i < 20; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
    const m = /sessionId=([\w-]+)/.exec(text);
    if (m?.[1]) return { id: m[1], close: () => abort.abort() };
  }
  abort.abort();
  throw new Error(`no endpoint event on /sse: ${text}`);
}

describe('finding 11: a session belongs to tenant + principal id, not the id alone', () => {
  it('finding 11: bob of globex cannot use the session of bob of acme', { timeout: 180_000 }, async () => {
    const r = await start();
    const s = await openSession(r, r.keys.bobAcme!);
    expect(s.status).toBe(200);
    expect((await useSession(r, r.keys.bobAcme!, s.id!)).status).toBe(200);
    const other = await useSession(r, r.keys.bobGlobex!, s.id!);
    expect(other.status).toBe(403);
    expect(other.text).not.toContain('kit_');
    expect((await useSession(r, r.keys.alice!, s.id!)).status).toBe(403);
  });
});

describe('finding 12: stateful sessions expire, are capped per principal, and kinds stay apart', () => {
  it(
    'finding 12: an SSE session id sent as Mcp-Session-Id to /mcp answers 404, not 500',
    { timeout: 180_000 },
    async () => {
      const r = await start();
      const sse = await openSse(r, r.keys.bobAcme!);
      try {
        const res = await useSession(r, r.keys.bobAcme!, sse.id);
        expect(res.status).toBe(404);
        expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
      } finally {
        sse.close();
      }
    },
  );

  it(
    'finding 12: unknown session ids answer 404 (the client starts a new session)',
    { timeout: 180_000 },
    async () => {
      const r = await start();
      for (const sid of ['no-such-session', '00000000-0000-4000-8000-000000000000']) {
        const res = await useSession(r, r.keys.bobAcme!, sid);
        expect(res.status).toBe(404);
        expect(res.json).toMatchObject({ error: { code: -32001, message: 'Session not found.' } });
      }
    },
  );

  it(
    'finding 12: a principal holds at most PORTCULLIS_SESSIONS_PER_PRINCIPAL sessions; its least recently used one makes room',
    { timeout: 180_000 },
    async () => {
      const r = await start({ PORTCULLIS_SESSIONS_PER_PRINCIPAL: '2' });
      const a = await openSession(r, r.keys.bobAcme!);
      const b = await openSession(r, r.keys.bobAcme!);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect((await useSession(r, r.keys.bobAcme!, a.id!)).status).toBe(200); // b is now the idlest
      const c = await openSession(r, r.keys.bobAcme!);
      expect(c.status).toBe(200);
      expect((await useSession(r, r.keys.bobAcme!, b.id!)).status).toBe(404);
      expect((await useSession(r, r.keys.bobAcme!, a.id!)).status).toBe(200);
      expect((await useSession(r, r.keys.bobAcme!, c.id!)).status).toBe(200);
      // The cap counts SSE streams too, and is per principal: bob of globex keeps his own.
      const g = await openSession(r, r.keys.bobGlobex!);
      const sse = await openSse(r, r.keys.bobAcme!);
      try {
        expect((await useSession(r, r.keys.bobAcme!, a.id!)).status).toBe(404);
        expect((await useSession(r, r.keys.bobGlobex!, g.id!)).status).toBe(200);
      } finally {
        sse.close();
      }
    },
  );

  it(
    'finding 12: a session idle for PORTCULLIS_SESSION_IDLE_MS is closed and then answers 404',
    { timeout: 180_000 },
    async () => {
      const r = await start({ PORTCULLIS_SESSION_IDLE_MS: '1000' });
      const s = await openSession(r, r.keys.bobAcme!);
      expect((await useSession(r, r.keys.bobAcme!, s.id!)).status).toBe(200);
      // Polled by another principal: refused (403) while the session lives, and that does not keep it alive.
      await waitFor(
        async () => (await useSession(r, r.keys.bobGlobex!, s.id!)).status === 404,
        15_000,
        'the idle session to expire',
      );
      expect((await useSession(r, r.keys.bobAcme!, s.id!)).status).toBe(404);
    },
  );
});

describe('finding 14: PORTCULLIS_AUTH=none only on loopback', () => {
  it(
    'finding 14: the HTTP app refuses auth=none on a listener that is not loopback, before it listens',
    { timeout: 180_000 },
    async () => {
      const dataDir = tempDir('kit-none-');
      const runtime = new ServerRuntime(kit, {
        transport: 'http',
        env: { PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_LOG_LEVEL: 'silent', PORTCULLIS_AUTH: 'none' },
      });
      try {
        const none = new NoAuthAuthenticator({
          id: 'dev',
          roles: ['admin'],
          tenant: 'acme',
          attributes: {},
          onBehalfOf: null,
          via: 'none',
        });
        for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
          await expect(createHttpApp(runtime, { host, port: 0, authenticator: none })).rejects.toThrow(
            ConfigError,
          );
        }
        await expect(
          createHttpApp(runtime, { host: '127.0.0.1', port: 0, authenticator: none }),
        ).resolves.toBeDefined();
      } finally {
        await runtime.close();
      }
    },
  );
});

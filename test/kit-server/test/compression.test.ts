/**
 * gzip/br on the kit's HTTP transport: a large answer is compressed when the client asks (and
 * only then), a small one never, and SSE is never compressed, so it still streams event by event.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerRuntime, createHttpApp } from '@portcullis/core';
import { NoAuthAuthenticator } from '@portcullis/core/identity';
import { server as kit } from '@portcullis/test-kit-server';
import { tempDir } from './helpers.js';

let base = '';
let statefulBase = '';
const closers: (() => Promise<void>)[] = [];

async function start(mode: 'stateless' | 'stateful'): Promise<string> {
  const runtime = new ServerRuntime(kit, {
    transport: 'http',
    env: {
      PORTCULLIS_DATA_DIR: tempDir('kit-compress-'),
      PORTCULLIS_LOG_LEVEL: 'silent',
      PORTCULLIS_AUTH: 'none',
      PORTCULLIS_HTTP_MODE: mode,
    },
  });
  closers.push(() => runtime.close());
  await runtime.ready;
  const { listen } = await createHttpApp(runtime, {
    host: '127.0.0.1',
    port: 0,
    authenticator: new NoAuthAuthenticator({
      id: 'dev',
      roles: ['admin'],
      tenant: 'acme',
      attributes: {},
      onBehalfOf: null,
      via: 'none',
    }),
  });
  const h = await listen();
  closers.unshift(h.close);
  return h.url;
}

beforeAll(async () => {
  base = await start('stateless');
  statefulBase = await start('stateful');
});

afterAll(async () => {
  for (const c of closers) await c().catch(() => undefined);
});

interface Raw {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; base?: string },
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, opts.base ?? base);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
const rpcHeaders = (encoding?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  ...(encoding !== undefined ? { 'accept-encoding': encoding } : {}),
});

/** The JSON-RPC answer: the body itself (JSON response mode), or the last event of an SSE body. */
function sseResult(text: string): { result?: { tools?: unknown[] } } {
  if (text.startsWith('{')) return JSON.parse(text) as { result?: { tools?: unknown[] } };
  const data = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
  expect(data.length).toBeGreaterThan(0);
  return JSON.parse(data[data.length - 1]!) as { result?: { tools?: unknown[] } };
}

describe('HTTP response compression', () => {
  it('sends a large tools/list uncompressed when the client does not ask', async () => {
    const res = await raw('/mcp', { method: 'POST', headers: rpcHeaders(), body: LIST });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.length).toBeGreaterThan(1024);
    expect(sseResult(res.body.toString('utf8')).result?.tools?.length).toBeGreaterThan(0);
  });

  it.each([
    ['gzip', gunzipSync],
    ['br', brotliDecompressSync],
  ] as const)('compresses a large tools/list with %s when asked', async (encoding, decompress) => {
    const plain = await raw('/mcp', { method: 'POST', headers: rpcHeaders(), body: LIST });
    const res = await raw('/mcp', { method: 'POST', headers: rpcHeaders(encoding), body: LIST });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(encoding);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.body.length).toBeLessThan(plain.body.length);
    const text = decompress(res.body).toString('utf8');
    expect(sseResult(text)).toEqual(sseResult(plain.body.toString('utf8')));
  });

  it("leaves a stateful session's SSE answer uncompressed even when asked (events are never held back)", async () => {
    const init = await raw('/mcp', {
      base: statefulBase,
      method: 'POST',
      headers: rpcHeaders(),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    const sid = init.headers['mcp-session-id'];
    expect(typeof sid).toBe('string');
    const session = { 'mcp-session-id': sid as string };
    const plain = await raw('/mcp', {
      base: statefulBase,
      method: 'POST',
      headers: { ...rpcHeaders(), ...session },
      body: LIST,
    });
    expect(plain.headers['content-type']).toMatch(/^text\/event-stream/);
    const res = await raw('/mcp', {
      base: statefulBase,
      method: 'POST',
      headers: { ...rpcHeaders('gzip'), ...session },
      body: LIST,
    });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(sseResult(res.body.toString('utf8'))).toEqual(sseResult(plain.body.toString('utf8')));
  });

  it('leaves a small response alone', async () => {
    const res = await raw('/healthz', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThan(1024);
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('compresses /metrics, a large plain-text answer', async () => {
    const res = await raw('/metrics', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString('utf8')).toContain('portcullis_tool_calls_total');
  });

  it('does not compress or buffer the long-lived legacy SSE stream: its first event arrives while it is open', async () => {
    const first = await new Promise<{ encoding: string | undefined; chunk: string }>((resolve, reject) => {
      const u = new URL('/sse', base);
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, br' },
          agent: false,
        },
        (res) => {
          res.once('data', (c: Buffer) => {
            resolve({ encoding: res.headers['content-encoding'], chunk: c.toString('utf8') });
            req.destroy();
          });
          res.on('error', () => undefined);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('no SSE event')));
      req.on('error', (err) => {
        if (!req.destroyed || (err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });
    expect(first.encoding).toBeUndefined();
    expect(first.chunk).toContain('event: endpoint');
  });
});

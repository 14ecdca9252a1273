/**
 * A remote or stdio upstream may not grow the process without bound: one message (a JSON body, one
 * SSE event, one stdio line) over `maxMessageBytes` fails the call and drops the connection, and
 * the next call connects again. Many small events on one stream are not one large message.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CredentialResolver } from '../src/credentials.js';
import { createLogger } from '../src/log.js';
import { Redactor } from '../src/redact.js';
import { RemoteUpstream, type RemoteTarget } from '../src/upstream.js';
// @ts-expect-error: a plain-JS fixture (the third-party server), typed loosely here.
import { blobServer } from './fixtures/blob-server.mjs';

const BLOB = fileURLToPath(new URL('./fixtures/blob-server.mjs', import.meta.url));
const CAP = 64 * 1024;

const redactor = new Redactor();
const logger = createLogger({ name: 'size-cap-test', level: 'silent', redactor });
const credentials = new CredentialResolver({ redactor, logger, env: {} });
const made: RemoteUpstream[] = [];

function upstream(target: RemoteTarget, maxMessageBytes = CAP): RemoteUpstream {
  const up = new RemoteUpstream({
    name: 'blob',
    target,
    credentials,
    logger,
    timeoutMs: 30_000,
    maxMessageBytes,
  });
  made.push(up);
  return up;
}

afterEach(async () => {
  for (const up of made.splice(0)) await up.close().catch(() => undefined);
});

/** The blob server over stateless Streamable HTTP: JSON bodies, or an SSE stream per POST. */
async function serve(json: boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const mcp = blobServer() as { connect: (t: unknown) => Promise<void>; close: () => Promise<void> };
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: json,
        });
        res.on('close', () => void mcp.close());
        await mcp.connect(transport);
        await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

/** What a call that must fail failed with (null when it answered). */
const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => null,
    (e: unknown) => e,
  );

describe.each([
  ['JSON bodies', true],
  ['an SSE stream per call', false],
])('a remote upstream answering with %s', (_label, json) => {
  let url = '';
  let server: Server;

  beforeAll(async () => {
    ({ url, server } = await serve(json));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a call whose answer is over the cap, and the next call connects again', async () => {
    const up = upstream({ kind: 'http', url, protocol: 'streamable' });
    expect(text(await up.callTool('blob', { bytes: 1000 }))).toHaveLength(1000);
    const err = await failureOf(up.callTool('blob', { bytes: 4 * CAP }));
    expect(err).toBeInstanceOf(Error);
    // Not the SDK's request timeout (-32001): the call failed when the cap was passed.
    expect((err as { code?: unknown }).code).not.toBe(-32001);
    expect(text(await up.callTool('blob', { bytes: CAP / 2 }))).toHaveLength(CAP / 2);
  });

  it('fails a call whose whole answer, over the cap, arrives in one piece', async () => {
    // A 1 KiB cap and a 5 KB answer: one read, one event (or body) that passes the cap and ends.
    const up = upstream({ kind: 'http', url, protocol: 'streamable' }, 1024);
    const err = await failureOf(up.callTool('blob', { bytes: 5000 }));
    expect(err).toBeInstanceOf(Error);
    expect(text(await up.callTool('blob', { bytes: 100 }))).toHaveLength(100);
  });

  it('passes many events on one stream that together exceed the cap', async () => {
    const up = upstream({ kind: 'http', url, protocol: 'streamable' });
    // 40 notifications of 4 KiB: 160 KiB on one stream, each event far below 64 KiB.
    const r = await up.callTool('chatty', { events: 40, bytes: 4096 });
    expect(text(r)).toBe('done');
  });
});

describe('a remote upstream declaring a body over the cap', () => {
  let server: Server;
  let url = '';
  let sent = 0;

  beforeAll(async () => {
    // A hand-written JSON-RPC endpoint: initialize as MCP asks, and a tool result whose declared
    // Content-Length is over the cap (the body itself is never read that far).
    server = createServer((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string };
        if (msg.id === undefined) {
          res.writeHead(202).end();
          return;
        }
        const result =
          msg.method === 'initialize'
            ? {
                protocolVersion: '2025-06-18',
                capabilities: { tools: {} },
                serverInfo: { name: 'declared', version: '1.0.0' },
              }
            : { content: [{ type: 'text', text: 'z'.repeat(2 * CAP) }] };
        const body = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
        if (msg.method !== 'initialize') sent += 1;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses it from its Content-Length', async () => {
    const up = upstream({ kind: 'http', url, protocol: 'streamable' });
    const err = await failureOf(up.callTool('any', {}));
    expect(err).toBeInstanceOf(Error);
    expect(sent).toBe(1);
  });
});

describe('a stdio upstream', () => {
  it('fails a call whose answer line is over the cap by dropping the process; the next call respawns it', async () => {
    const up = upstream({ kind: 'stdio', command: process.execPath, args: [BLOB, 'stdio'] });
    expect(text(await up.callTool('blob', { bytes: 1000 }))).toHaveLength(1000);
    const err = await failureOf(up.callTool('blob', { bytes: 4 * CAP }));
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: unknown }).code).not.toBe(-32001);
    expect(text(await up.callTool('blob', { bytes: CAP / 2 }))).toHaveLength(CAP / 2);
    // Many lines that add up past the cap are many messages.
    expect(text(await up.callTool('chatty', { events: 40, bytes: 4096 }))).toBe('done');
  });
});

/**
 * A third-party MCP server behind the kit: the official server-everything, reached as a remote
 * upstream over stdio (spawned) and over Streamable HTTP. Its JSON-Schema tools are listed under a
 * prefix, validated against their own schemas, decided by Cedar, rate-limited and audited by the
 * kit's stages, and the upstream never sees the inbound caller's credential.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createHttpApp, generateApiKey, ServerRuntime } from '@portcullis/core';
import { ApiKeyAuthenticator } from '@portcullis/core/identity';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import {
  defineUpstreamServer,
  RemoteUpstream,
  type RemoteTarget,
  type Upstream,
} from '@portcullis/core/upstream';
import { freePort, tempDir } from '@portcullis/test-support/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POLICIES = fileURLToPath(new URL('../upstream-policies/', import.meta.url));

function everythingEntry(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]!;
  return join(dirname(pkgPath), bin);
}

function everything(target: RemoteTarget, bearer?: string) {
  return defineUpstreamServer({
    name: 'everything',
    policyDir: POLICIES,
    deny: ['trigger-long-running-operation'],
    connect: async ({ credentials, logger }): Promise<Upstream> => {
      const up = new RemoteUpstream({
        name: 'everything',
        target,
        bearer,
        credentials,
        logger,
        timeoutMs: 20_000,
      });
      await up.connect();
      return up;
    },
  });
}

describe('server-everything over stdio, as a kit surface', () => {
  let h: InProcessHarness<Upstream>;

  beforeAll(async () => {
    h = await startInProcess(
      everything({
        kind: 'stdio',
        command: process.execPath,
        args: [everythingEntry(), 'stdio'],
        env: { UPSTREAM_MARK: 'env:EVERYTHING_MARK' },
      }),
      {
        principal: { id: 'uma', roles: ['user'], tenant: 'acme' },
        env: { EVERYTHING_MARK: 'mark-7f3a', PORTCULLIS_RATE_PRINCIPAL_TOOL: '5/60s' },
      },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the upstream tools under the prefix, with their JSON Schemas and kit annotations', async () => {
    const { tools } = await h.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything_echo', 'everything_get-sum', 'everything_get-env']),
    );
    expect(names).not.toContain('everything_trigger-long-running-operation'); // denied in the definition
    const sum = tools.find((t) => t.name === 'everything_get-sum')!;
    expect(sum.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });
    expect(sum.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(sum._meta).toMatchObject({ 'portcullis/access': 'read', 'portcullis/toolset': 'everything' });
  });

  it('calls through the stages: the result comes back with an audit id, and the record names the system', async () => {
    const r = await h.callTool('everything_get-sum', { a: 2, b: 40 });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('42');
    const rec = h.auditRecords().find((x) => x.id === r.auditId)!;
    expect(rec).toMatchObject({
      server: 'portcullis-everything',
      tool: 'everything_get-sum',
      outcome: 'ok',
      principal: 'uma',
    });
    expect(rec.result_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("validates arguments against the upstream's own schema before anything is forwarded", async () => {
    const r = await h.callTool('everything_get-sum', { a: 'two', b: 40 });
    expect(r.envelope).toMatchObject({ code: 'invalid_arguments', category: 'validation' });
    expect(r.envelope?.message).toMatch(/number/);
  });

  it('applies Cedar to proxied tools: a guest sees only echo, and a forbid on the arguments holds', async () => {
    const guest = await h.as({ id: 'gus', roles: ['guest'], tenant: 'acme' });
    expect(await guest.listToolNames()).toEqual(['everything_echo']);
    expect((await guest.callTool('everything_echo', { message: 'hello' })).isError).toBe(false);
    const denied = await guest.callTool('everything_echo', { message: 'my secret plan' });
    expect(denied.envelope).toMatchObject({
      category: 'forbidden',
      details: { policies: ['everything-no-secret-talk'] },
    });
    await expect(guest.client.callTool({ name: 'everything_get-env', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it('rate-limits proxied calls per principal and tool', async () => {
    const carl = await h.as({ id: 'carl', roles: ['user'], tenant: 'acme' });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await carl.callTool('everything_echo', { message: `n${i}` });
      outcomes.push(r.isError ? r.envelope!.code : 'ok');
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'rate_limited']);
  });

  it('gives the spawned upstream its own settings (credential references resolved, masked in results), not the kit process environment', async () => {
    const r = await h.callTool('everything_get-env', {});
    expect(r.isError).toBe(false);
    // The upstream got the resolved value; the kit masks it on the way back like any known secret.
    expect(r.text).toMatch(/"UPSTREAM_MARK": "\[REDACTED\]"/);
    expect(r.text).not.toContain('mark-7f3a');
    expect(r.text).not.toContain('PORTCULLIS_DATA_DIR');
    expect(r.text).not.toContain('EVERYTHING_MARK');
  });
});

describe('server-everything over Streamable HTTP, behind the kit HTTP server', () => {
  const UPSTREAM_CRED = 'upstream-credential-4b1d9e';
  let upstreamProc: ChildProcess;
  let recorder: Server;
  const seen: { headers: Record<string, unknown>; body: string }[] = [];
  let runtime: ServerRuntime<Upstream>;
  let http: { url: string; close: () => Promise<void> };
  const callerKeys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    // server-everything takes its port only from PORT and announces the value it was given,
    // so listen(0) cannot be used: a port the OS just handed out is the closest we can get.
    const port = await freePort();
    upstreamProc = spawn(process.execPath, [everythingEntry(), 'streamableHttp'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server-everything did not start')), 60_000);
      upstreamProc.stderr!.on('data', (d: Buffer) => {
        if (/listening on port/i.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
      upstreamProc.once('exit', (code) => reject(new Error(`server-everything exited ${code}`)));
    });
    // A recording hop on loopback: every request the upstream receives passes here first.
    recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ headers: { ...req.headers }, body: body.toString('utf8') });
        const fwd = request(
          {
            host: '127.0.0.1',
            port,
            path: req.url,
            method: req.method,
            headers: { ...req.headers, host: `127.0.0.1:${port}` },
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        fwd.on('error', () => res.destroy());
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/mcp`;

    const people = [{ principal: 'uma', roles: ['user'], tenant: 'acme' }];
    const records = people.map((p) => {
      const { key, record } = generateApiKey(p);
      callerKeys[p.principal] = key;
      return record;
    });
    runtime = new ServerRuntime(
      everything({ kind: 'http', url: recorderUrl }, 'env:EVERYTHING_UPSTREAM_TOKEN'),
      {
        transport: 'http',
        env: {
          PORTCULLIS_DATA_DIR: await tempDir(),
          PORTCULLIS_LOG_LEVEL: 'silent',
          EVERYTHING_UPSTREAM_TOKEN: UPSTREAM_CRED,
        },
      },
    );
    await runtime.ready;
    http = await createHttpApp(runtime, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator(records, false),
    }).then((app) => app.listen());
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await http?.close();
    await runtime?.close();
    await new Promise((r) => recorder?.close(r));
    upstreamProc?.kill('SIGKILL');
  });

  it("lists and calls proxied tools for an HTTP caller, and the upstream never sees the caller's key", async () => {
    const client = new Client({ name: 'upstream-http-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${callerKeys.uma}` } },
      }),
    );
    clients.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('everything_echo');
    const r = (await client.callTool({ name: 'everything_echo', arguments: { message: 'over http' } })) as {
      isError?: boolean;
      content: { text?: string }[];
      _meta?: Record<string, unknown>;
    };
    expect(r.isError).toBeFalsy();
    expect(r.content[0]?.text).toContain('over http');
    expect(r._meta?.['portcullis/audit_id']).toEqual(expect.any(String));

    expect(seen.length).toBeGreaterThan(0);
    const callerKey = callerKeys.uma!;
    for (const s of seen) {
      expect(JSON.stringify(s.headers)).not.toContain(callerKey);
      expect(s.body).not.toContain(callerKey);
      expect(s.headers.authorization).toBe(`Bearer ${UPSTREAM_CRED}`);
    }
    // The forwarded call carries trace context and the caller's identity as data.
    const forwarded = seen.map((s) => s.body).find((b) => b.includes('"tools/call"'))!;
    expect(JSON.parse(forwarded).params._meta).toMatchObject({
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      'portcullis/caller': { id: 'uma', tenant: 'acme' },
    });
  });
});

describe('server-everything over legacy HTTP+SSE: the remote upstream falls back', () => {
  let proc: ChildProcess;
  let h: InProcessHarness<Upstream>;

  beforeAll(async () => {
    // server-everything takes its port only from PORT and announces the value it was given,
    // so listen(0) cannot be used: a port the OS just handed out is the closest we can get.
    const port = await freePort();
    proc = spawn(process.execPath, [everythingEntry(), 'sse'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server-everything (sse) did not start')), 60_000);
      proc.stderr!.on('data', (d: Buffer) => {
        if (/running on port/i.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`server-everything exited ${code}`)));
    });
    // protocol 'auto': Streamable HTTP is tried first and refused by this SSE-only server.
    h = await startInProcess(everything({ kind: 'http', url: `http://127.0.0.1:${port}/sse` }), {
      principal: { id: 'uma', roles: ['user'], tenant: 'acme' },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    proc?.kill('SIGKILL');
  });

  it('lists and calls the upstream tools over the legacy transport', async () => {
    expect(await h.listToolNames()).toContain('everything_get-sum');
    const r = await h.callTool('everything_get-sum', { a: 1, b: 2 });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('3');
  });
});

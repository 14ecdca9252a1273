/**
 * End to end over HTTP: the built CLI spawned with `--transport http --port 0`, driven by the SDK's
 * StreamableHTTPClientTransport (stateless and stateful) and SSEClientTransport (legacy), with
 * JWT (RS256 via a JWKS file) and API-key authentication; health, readiness, metrics and
 * protected-resource metadata; id multiplexing under concurrency; graceful SIGTERM.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditFileOf,
  callToolHttp,
  killAll,
  listToolsHttp,
  makeIssuer,
  metricValue,
  postRpc,
  rawHttp,
  readAudit,
  spawnHttp,
  startQuoteServer,
  tempDir,
  verifyAudit,
  waitFor,
  writeApiKeys,
  type ServerProc,
  type TestIssuer,
} from './helpers.js';

afterAll(async () => {
  await killAll();
});

const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
});

async function httpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e-http', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

function meta(result: Record<string, unknown>): Record<string, unknown> {
  return (result._meta ?? {}) as Record<string, unknown>;
}

describe('JWT, stateless Streamable HTTP (the default)', () => {
  let srv: ServerProc;
  let iss: TestIssuer;
  let dataDir: string;
  const bearer = async (sub: string, tenant: string, roles: string[]) => ({
    Authorization: `Bearer ${await iss.mint({ sub, tenant, roles }, { audience: srv.url })}`,
  });

  beforeAll(async () => {
    dataDir = tempDir();
    iss = await makeIssuer(dataDir);
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: iss.issuer,
      PORTCULLIS_JWKS_FILE: iss.jwksFile,
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '10000/60s',
      PORTCULLIS_RATE_TENANT: '100000/60s',
    });
  });

  it('logs where it serves: a free port, mode stateless, auth jwt', () => {
    const line = srv.stderr
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'serving MCP over HTTP')!;
    expect(line).toMatchObject({ auth: 'jwt', mode: 'stateless' });
    expect(srv.port).toBeGreaterThan(0);
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/mcp`);
  });

  it('the SDK client lists per role and calls tools as the token says', async () => {
    const viewer = await httpClient(srv.url, await bearer('vera', 'acme', ['viewer']));
    const editor = await httpClient(srv.url, await bearer('eddie', 'globex', ['editor']));
    expect((await viewer.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'kit_echo',
      'kit_fetch_quote',
      'kit_get_note',
      'kit_search_notes',
    ]);
    expect((await editor.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'kit_create_note',
      'kit_delete_note',
      'kit_echo',
      'kit_fetch_quote',
      'kit_get_note',
      'kit_search_notes',
    ]);

    const created = await editor.callTool({ name: 'kit_create_note', arguments: { title: 'Over HTTP' } });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ owner: 'eddie', tenant: 'globex', version: 1 });
    const auditId = meta(created)['portcullis/audit_id'] as string;
    expect(auditId).toMatch(/^aud_/);

    const search = await viewer.callTool({ name: 'kit_search_notes', arguments: { limit: 100 } });
    const notes = (search.structuredContent as { notes: { tenant: string }[] }).notes;
    expect(notes.length).toBe(25);
    expect(notes.every((n) => n.tenant === 'acme')).toBe(true);

    await expect(
      viewer.callTool({ name: 'kit_create_note', arguments: { title: 'x' } }),
    ).rejects.toBeInstanceOf(McpError);

    const rec = readAudit(auditFileOf(dataDir)).find((r) => r.id === auditId);
    expect(rec).toMatchObject({
      principal: 'eddie',
      tenant: 'globex',
      tool: 'kit_create_note',
      outcome: 'ok',
    });
  });

  it('finding 13: a delegated token (RFC 8693 act) is audited as the actor on behalf of the user', async () => {
    const token = await iss.mint(
      { sub: 'user-42', tenant: 'acme', roles: ['viewer'], act: { sub: 'agent-7' } },
      { audience: srv.url },
    );
    const r = await callToolHttp(
      srv.url,
      'kit_echo',
      { message: 'obo' },
      { authorization: `Bearer ${token}` },
    );
    expect(r.isError).toBe(false);
    expect(readAudit(auditFileOf(dataDir)).find((x) => x.id === r.auditId)).toMatchObject({
      principal: 'agent-7',
      on_behalf_of: 'user-42',
    });
  });

  it('/healthz and /readyz answer without credentials', async () => {
    const h = await rawHttp(`${srv.base}/healthz`);
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ status: 'ok', server: 'portcullis-kit' });
    const r = await rawHttp(`${srv.base}/readyz`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ready', checks: { store: 'ok', rate_limits: 'ok', audit: 'ok' } });
  });

  it('/metrics counts calls by tool, outcome and error category', async () => {
    const read = async () => (await rawHttp(`${srv.base}/metrics`)).text;
    const before = await read();
    const h = await bearer('metrics-user', 'acme', ['viewer']);
    for (let i = 0; i < 3; i++)
      expect((await callToolHttp(srv.url, 'kit_echo', { message: `m${i}` }, h)).isError).toBe(false);
    expect((await callToolHttp(srv.url, 'kit_get_note', { id: 'note_0002' }, h)).envelope?.category).toBe(
      'forbidden',
    );
    expect((await callToolHttp(srv.url, 'kit_get_note', {}, h)).envelope?.category).toBe('validation');
    const after = await read();
    const delta = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('portcullis_tool_calls_total', { tool: 'kit_echo', outcome: 'ok' })).toBe(3);
    expect(delta('portcullis_tool_calls_total', { tool: 'kit_get_note', outcome: 'denied' })).toBe(1);
    // A validation error is the caller's to fix: counted apart from server errors.
    expect(
      delta('portcullis_tool_calls_total', {
        tool: 'kit_get_note',
        outcome: 'client_error',
        category: 'validation',
      }),
    ).toBe(1);
    expect(delta('portcullis_tool_calls_total', { tool: 'kit_get_note', outcome: 'error' })).toBe(0);
    expect(delta('portcullis_policy_denials_total', { tool: 'kit_get_note' })).toBe(1);
    expect(delta('portcullis_tool_call_duration_seconds_count', { tool: 'kit_echo' })).toBe(3);
    expect(after).toContain('process_cpu_user_seconds_total');
    expect(after).toMatch(/server="portcullis-kit"/);
  });

  it('/.well-known/oauth-protected-resource names this resource and the issuer (RFC 9728)', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const r = await rawHttp(`${srv.base}${path}`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        resource: srv.url,
        authorization_servers: [iss.issuer],
        bearer_methods_supported: ['header'],
      });
    }
    // the resource it names is the audience tokens must carry: a token for another port is refused
    const other = await iss.mint(
      { sub: 'x', tenant: 'acme', roles: ['viewer'] },
      { audience: `http://127.0.0.1:${srv.port + 1}/mcp` },
    );
    expect(
      (
        await postRpc(
          srv.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { authorization: `Bearer ${other}` },
        )
      ).status,
    ).toBe(401);
  });

  it('50 concurrent clients reusing JSON-RPC id 1 each get their own response', async () => {
    const h = await bearer('mux-user', 'acme', ['viewer']);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postRpc(
          srv.url,
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'kit_echo', arguments: { message: `client-${i}` } },
          },
          h,
        ),
      ),
    );
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      const body = r.json as { id: unknown; result: { structuredContent: { message: string } } };
      expect(body.id).toBe(1);
      expect(body.result.structuredContent.message).toBe(`client-${i}`);
    });
    // string ids too, and a batch whose items share one id keep their order
    const batch = await postRpc(
      srv.url,
      [
        {
          jsonrpc: '2.0',
          id: 'same',
          method: 'tools/call',
          params: { name: 'kit_echo', arguments: { message: 'first' } },
        },
        {
          jsonrpc: '2.0',
          id: 'same',
          method: 'tools/call',
          params: { name: 'kit_echo', arguments: { message: 'second' } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 'same', method: 'tools/list' },
      ],
      h,
    );
    const items = batch.json as {
      id: string;
      result: { structuredContent?: { message: string }; tools?: unknown[] };
    }[];
    expect(items).toHaveLength(3);
    expect(items.map((x) => x.id)).toEqual(['same', 'same', 'same']);
    expect(items[0]!.result.structuredContent!.message).toBe('first');
    expect(items[1]!.result.structuredContent!.message).toBe('second');
    expect(Array.isArray(items[2]!.result.tools)).toBe(true);
  });

  it('GET and DELETE on /mcp are 405 in stateless mode', async () => {
    const h = await bearer('vera', 'acme', ['viewer']);
    for (const method of ['GET', 'DELETE']) {
      const r = await rawHttp(srv.url, { method, headers: { ...h, accept: 'text/event-stream' } });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('POST');
    }
  });

  it('legacy HTTP+SSE with the SDK SSEClientTransport', async () => {
    const headers = await bearer('sse-user', 'globex', ['viewer']);
    const client = new Client({ name: 'e2e-sse', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${srv.base}/sse`), { requestInit: { headers } }));
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'kit_echo',
      'kit_fetch_quote',
      'kit_get_note',
      'kit_search_notes',
    ]);
    const r = await client.callTool({ name: 'kit_get_note', arguments: { id: 'note_0004' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ id: 'note_0004', tenant: 'globex' });
    const cross = await client.callTool({ name: 'kit_get_note', arguments: { id: 'note_0003' } });
    expect((meta(cross)['portcullis/error'] as { category: string }).category).toBe('forbidden');
    await client.close();
    // the SSE stream needs credentials too
    const anon = await rawHttp(`${srv.base}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(anon.status).toBe(401);
  });

  it('a legacy SSE session cannot be used by another principal', async () => {
    const a = await bearer('sse-owner', 'acme', ['viewer']);
    const b = await bearer('sse-intruder', 'acme', ['admin']);
    const client = new Client({ name: 'e2e-sse-owner', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(`${srv.base}/sse`), { requestInit: { headers: a } });
    await client.connect(transport);
    clients.push(client);
    const sessionId = (transport as unknown as { _endpoint?: URL })._endpoint?.searchParams.get('sessionId');
    expect(sessionId).toBeTruthy();
    const r = await postRpc(
      `${srv.base}/messages?sessionId=${sessionId}`,
      { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      b,
    );
    expect(r.status).toBe(403);
    await client.close();
  });
});

describe('JWT, stateful Streamable HTTP (PORTCULLIS_HTTP_MODE=stateful)', () => {
  let srv: ServerProc;
  let iss: TestIssuer;
  beforeAll(async () => {
    const dataDir = tempDir();
    iss = await makeIssuer(dataDir);
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: iss.issuer,
      PORTCULLIS_JWKS_FILE: iss.jwksFile,
      PORTCULLIS_HTTP_MODE: 'stateful',
    });
  });

  it('sessions: the SDK client gets a session id, lists and calls; others cannot use it; DELETE ends it', async () => {
    const tokenA = await iss.mint(
      { sub: 'stella', tenant: 'acme', roles: ['editor'] },
      { audience: srv.url },
    );
    const tokenB = await iss.mint(
      { sub: 'mallory', tenant: 'acme', roles: ['admin'] },
      { audience: srv.url },
    );
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${tokenA}` } },
    });
    const client = new Client({ name: 'e2e-stateful', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    const sid = transport.sessionId;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.length).toBe(6);
    const r = await client.callTool({ name: 'kit_create_note', arguments: { title: 'stateful' } });
    expect(r.structuredContent).toMatchObject({ owner: 'stella', tenant: 'acme' });

    const hdr = (token: string, session?: string) => ({
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2025-06-18',
      ...(session ? { 'mcp-session-id': session } : {}),
    });
    const hijack = await postRpc(srv.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, hdr(tokenB, sid));
    expect(hijack.status).toBe(403);
    const unknown = await postRpc(
      srv.url,
      { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      hdr(tokenA, '00000000-0000-0000-0000-000000000000'),
    );
    expect(unknown.status).toBe(404);
    const noSession = await postRpc(srv.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, hdr(tokenA));
    expect(noSession.status).toBe(400);

    await transport.terminateSession();
    const after = await postRpc(srv.url, { jsonrpc: '2.0', id: 6, method: 'tools/list' }, hdr(tokenA, sid));
    expect(after.status).toBe(404);
  });
});

describe('API-key authentication', () => {
  let srv: ServerProc;
  let keys: Record<string, string>;
  beforeAll(async () => {
    const dataDir = tempDir();
    ({ keys } = writeApiKeys(dataDir, [
      { principal: 'key-eddie', roles: ['editor'], tenant: 'acme' },
      { principal: 'key-gina', roles: ['viewer'], tenant: 'globex' },
    ]));
    // PORTCULLIS_AUTH unset: apikey is the HTTP default; the keys file defaults to <dataDir>/api-keys.json
    srv = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir });
  });

  it('Authorization: Bearer and X-API-Key both work, each key with its own principal', async () => {
    const editor = await httpClient(srv.url, { Authorization: `Bearer ${keys['key-eddie']}` });
    const viewer = await httpClient(srv.url, { 'X-API-Key': keys['key-gina']! });
    expect((await editor.listTools()).tools).toHaveLength(6);
    expect((await viewer.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'kit_echo',
      'kit_fetch_quote',
      'kit_get_note',
      'kit_search_notes',
    ]);
    const mine = await editor.callTool({ name: 'kit_create_note', arguments: { title: 'keyed' } });
    expect(mine.structuredContent).toMatchObject({ owner: 'key-eddie', tenant: 'acme' });
    const theirs = await viewer.callTool({ name: 'kit_search_notes', arguments: { limit: 1 } });
    expect((theirs.structuredContent as { notes: { tenant: string }[] }).notes[0]!.tenant).toBe('globex');
  });

  it('a wrong, tampered or malformed key is 401 with a resource_metadata challenge', async () => {
    const good = keys['key-eddie']!;
    const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    const otherId = good.replace(/^pk_[a-z0-9]+_/, 'pk_0123456789ab_');
    const attempts: Record<string, string>[] = [
      { authorization: `Bearer ${tampered}` },
      { authorization: `Bearer ${otherId}` },
      { 'x-api-key': 'pk_short_x' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      {},
    ];
    for (const h of attempts) {
      const r = await postRpc(srv.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, h);
      expect(r.status, JSON.stringify(h)).toBe(401);
      expect(String(r.headers['www-authenticate'])).toContain(
        `resource_metadata="${srv.base}/.well-known/oauth-protected-resource/mcp"`,
      );
    }
    expect(await listToolsHttp(srv.url, { authorization: `Bearer ${good}` })).toHaveLength(6);
  });
});

describe('graceful SIGTERM', () => {
  it('in-flight calls complete, new ones are refused, the process exits 0 and the audit file verifies', async () => {
    const quotes = await startQuoteServer();
    try {
      const dataDir = tempDir();
      const { keys } = writeApiKeys(dataDir, [
        { principal: 'drain-user', roles: ['viewer'], tenant: 'acme' },
      ]);
      const srv = await spawnHttp({
        PORTCULLIS_DATA_DIR: dataDir,
        KIT_UPSTREAM_URL: quotes.url,
        KIT_UPSTREAM_TOKEN: 'env:QUOTES_TOKEN',
        QUOTES_TOKEN: 'drain-token-123456789',
      });
      const h = { authorization: `Bearer ${keys['drain-user']}` };
      expect((await callToolHttp(srv.url, 'kit_echo', { message: 'before' }, h)).isError).toBe(false);
      quotes.always('slow', { status: 200, hold: true });
      const inflight = Array.from({ length: 5 }, () =>
        callToolHttp(srv.url, 'kit_fetch_quote', { topic: 'slow' }, h),
      );
      await waitFor(() => quotes.held() === 5, 30_000, 'five upstream calls in flight');

      srv.proc.kill('SIGTERM');
      await srv.waitForLog('shutting down', 30_000);
      // a call arriving now is refused (connection refused or 503), never served
      const late = await callToolHttp(srv.url, 'kit_echo', { message: 'late' }, h).then(
        (r) => r.status,
        () => 'refused' as const,
      );
      expect([503, 'refused']).toContain(late);
      expect(srv.proc.exitCode).toBeNull(); // still draining, waiting for the five

      quotes.release();
      const results = await Promise.all(inflight);
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(r.isError).toBe(false);
        expect(r.structured).toEqual({ topic: 'slow', quote: 'A quote about slow.' });
      }
      expect(await srv.exited).toEqual({ code: 0, signal: null });

      const file = auditFileOf(dataDir);
      const recs = readAudit(file);
      expect(recs.filter((r) => r.tool === 'kit_fetch_quote' && r.outcome === 'ok')).toHaveLength(5);
      for (const r of results) expect(recs.some((x) => x.id === r.auditId)).toBe(true);
      const v = await verifyAudit(['--file', file, '--key', `file:${dataDir}/audit.key`]);
      expect(v.code).toBe(0);
      expect(v.stdout).toContain(`intact: ${recs.length} records`);
      expect(v.stdout).toContain(`keyed: ${recs.length} record MACs verify`);
    } finally {
      await quotes.close();
    }
  });
});

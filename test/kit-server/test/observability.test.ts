/**
 * Following one request, as an operator would: the built kit CLI over HTTP writes one info line
 * per call (never its arguments), accepts or mints X-Request-Id and accepts `traceparent`, exports
 * OpenTelemetry spans (call, policy, upstream, store) to an OTLP/HTTP collector when the OTEL_*
 * variables ask for it, counts outcomes by error category, 401s, HTTP statuses and hidden-tool
 * denials, reports each dependency on /readyz, and can move /metrics, /healthz and /readyz to an
 * admin port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callToolHttp,
  killAll,
  metricValue,
  parseJsonLines,
  rawHttp,
  runKitCli,
  spawnHttp,
  startQuoteServer,
  tempDir,
  waitFor,
  writeApiKeys,
  type ServerProc,
} from './helpers.js';

afterAll(killAll);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const SECRET_MESSAGE = 'argument-text-that-must-not-be-logged';

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** A minimal OTLP/HTTP (JSON) trace collector on loopback. */
async function startCollector(): Promise<{
  url: string;
  spans: OtlpSpan[];
  bodies: string[];
  close(): void;
}> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        bodies.push(body);
        const parsed = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, bodies, close: () => server.close() };
}

describe('one request, followed: log line, request id, trace, metrics, readiness', () => {
  let srv: ServerProc;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let quotes: Awaited<ReturnType<typeof startQuoteServer>>;
  let keys: Record<string, string>;

  beforeAll(async () => {
    collector = await startCollector();
    quotes = await startQuoteServer();
    const dataDir = tempDir();
    ({ keys } = writeApiKeys(dataDir, [
      { principal: 'obs-viewer', roles: ['viewer'], tenant: 'acme' },
      { principal: 'obs-editor', roles: ['editor'], tenant: 'acme' },
    ]));
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_LOG_LEVEL: 'info',
      KIT_UPSTREAM_URL: quotes.url,
      KIT_UPSTREAM_TOKEN: 'env:QUOTES_TOKEN',
      QUOTES_TOKEN: 'obs-token-123456789',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'kit-under-test',
    });
  });
  afterAll(() => {
    collector?.close();
    void quotes?.close();
  });

  const as = (who: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${keys[who]}`,
    ...extra,
  });

  it('writes one info line per call with who, what, outcome, duration and ids, never the arguments', async () => {
    const r = await callToolHttp(
      srv.url,
      'kit_echo',
      { message: SECRET_MESSAGE },
      as('obs-viewer', { 'x-request-id': 'req-obs-0001', traceparent: TRACEPARENT }),
    );
    expect(r.isError).toBe(false);
    const line = await srv.waitForLog('tool call');
    expect(line).toMatchObject({
      level: 'info',
      system: 'kit',
      tool: 'kit_echo',
      outcome: 'ok',
      category: null,
      principal: 'obs-viewer',
      tenant: 'acme',
      trace_id: TRACE_ID,
      audit_id: r.auditId,
      request_id: 'req-obs-0001',
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(srv.stderr.join('\n')).not.toContain(SECRET_MESSAGE);

    // A refusal has its line too, with the category.
    await callToolHttp(srv.url, 'kit_get_note', {}, as('obs-viewer'));
    await waitFor(
      () =>
        parseJsonLines(srv.stderr).some(
          (l) => l.msg === 'tool call' && l.tool === 'kit_get_note' && l.outcome === 'client_error',
        ),
      10_000,
      'the refused call’s log line',
    );
    const refused = parseJsonLines(srv.stderr).find(
      (l) => l.msg === 'tool call' && l.tool === 'kit_get_note',
    );
    expect(refused).toMatchObject({ category: 'validation', code: 'invalid_arguments' });
  });

  it('echoes a well-formed X-Request-Id and mints one otherwise', async () => {
    const given = await rawHttp(`${srv.base}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const minted = await rawHttp(`${srv.base}/healthz`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exports spans for the call, its policy decision, its upstream call and its store queries', async () => {
    const r = await callToolHttp(
      srv.url,
      'kit_fetch_quote',
      { topic: 'tracing' },
      as('obs-viewer', { traceparent: TRACEPARENT }),
    );
    expect(r.isError, r.text).toBe(false);
    await waitFor(
      () => collector.spans.some((s) => s.name === 'tools/call kit_fetch_quote'),
      20_000,
      'the call span at the collector',
    );
    const call = collector.spans.find((s) => s.name === 'tools/call kit_fetch_quote')!;
    expect(call.traceId).toBe(TRACE_ID);
    expect(call.parentSpanId).toBe('00f067aa0ba902b7');
    await waitFor(
      () =>
        ['policy.authorize', 'upstream quotes'].every((n) =>
          collector.spans.some((s) => s.name === n && s.parentSpanId === call.spanId),
        ),
      20_000,
      'policy and upstream spans under the call',
    );
    // A call that reads the store: its queries are spans of its trace.
    const note = await callToolHttp(
      srv.url,
      'kit_search_notes',
      {},
      as('obs-viewer', { traceparent: TRACEPARENT }),
    );
    expect(note.isError, note.text).toBe(false);
    await waitFor(
      () => collector.spans.some((s) => s.traceId === TRACE_ID && s.name.startsWith('db ')),
      20_000,
      'a store span in the trace',
    );
    const attrs = Object.fromEntries((call.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
    expect(attrs).toMatchObject({ 'mcp.tool.name': 'kit_fetch_quote', 'portcullis.outcome': 'ok' });
    // Names and outcomes only: no argument or result reaches the collector.
    expect(collector.bodies.join('\n')).not.toContain(SECRET_MESSAGE);
    expect(collector.bodies.join('\n')).not.toContain('A quote about tracing');
    expect(collector.bodies.join('\n')).toContain('kit-under-test');
  });

  it('counts outcomes by category, 401s, HTTP statuses, hidden-tool denials and upstream latency', async () => {
    const read = async () => (await rawHttp(`${srv.base}/metrics`)).text;
    const before = await read();
    // not_found is the caller's error, not the server's.
    const missing = await callToolHttp(srv.url, 'kit_get_note', { id: 'note_9999' }, as('obs-editor'));
    expect(missing.envelope?.category).toBe('not_found');
    // A viewer calling a tool its policy never permits: answered as unknown, counted as a denial.
    const hidden = await callToolHttp(
      srv.url,
      'kit_delete_note',
      { id: 'note_0001', version: 1 },
      as('obs-viewer'),
    );
    expect(hidden.rpcError?.code).toBe(-32602);
    expect(
      (await callToolHttp(srv.url, 'kit_echo', { message: 'x' }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    expect((await callToolHttp(srv.url, 'kit_echo', { message: 'x' })).status).toBe(401);
    const after = await read();
    const delta = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(
      delta('portcullis_tool_calls_total', {
        tool: 'kit_get_note',
        outcome: 'client_error',
        category: 'not_found',
      }),
    ).toBe(1);
    expect(delta('portcullis_policy_denials_total', { tool: 'kit_delete_note' })).toBe(1);
    expect(delta('portcullis_http_unauthenticated_total', { reason: 'invalid_token' })).toBe(1);
    expect(delta('portcullis_http_unauthenticated_total', { reason: 'invalid_request' })).toBe(1);
    expect(delta('portcullis_http_responses_total', { status: '401' })).toBe(2);
    expect(
      metricValue(after, 'portcullis_upstream_call_duration_seconds_count', {
        system: 'quotes',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(after).toContain('portcullis_tool_calls_in_flight');
    expect(after).toContain('portcullis_audit_write_failures_total');
  });

  it('/readyz names each dependency it checks', async () => {
    const r = await rawHttp(`${srv.base}/readyz`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      status: 'ready',
      checks: { store: 'ok', rate_limits: 'ok', audit: 'ok' },
    });
  });
});

describe('PORTCULLIS_ADMIN_PORT', () => {
  it('serves /metrics, /healthz and /readyz on the admin port only', async () => {
    const dataDir = tempDir();
    const { keys } = writeApiKeys(dataDir, [{ principal: 'adm', roles: ['viewer'], tenant: 'acme' }]);
    const srv = await spawnHttp(
      { PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_ADMIN_PORT: '0' },
      { waitReady: false },
    );
    try {
      const serving = await srv.waitForLog('serving MCP over HTTP');
      const admin = String(serving.admin);
      expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(admin).not.toBe(srv.base);
      await waitFor(async () => (await rawHttp(`${admin}/readyz`)).status === 200, 30_000, 'admin /readyz');
      for (const path of ['/metrics', '/healthz', '/readyz']) {
        expect((await rawHttp(`${admin}${path}`)).status, path).toBe(200);
        expect((await rawHttp(`${srv.base}${path}`)).status, path).toBe(404);
      }
      const r = await callToolHttp(
        srv.url,
        'kit_echo',
        { message: 'hi' },
        { authorization: `Bearer ${keys.adm}` },
      );
      expect(r.isError).toBe(false);
    } finally {
      await srv.stop();
    }
  });
});

describe('DATABASE_URL and REDIS_URL as credential references', () => {
  it('resolves a file: reference and refuses, in one line naming the setting, one that is not a URL of its kind', async () => {
    const dir = tempDir();
    const ref = join(dir, 'redis-url');
    writeFileSync(ref, 'http://not-redis.example\n', { mode: 0o600 });
    const run = await runKitCli({
      PORTCULLIS_DATA_DIR: join(dir, 'data'),
      PORTCULLIS_AUTH: 'none',
      REDIS_URL: `file:${ref}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/REDIS_URL: the reference resolved to something that is not a redis:\/\/ URL/);
    expect(run.stderr).not.toContain('not-redis.example');
  });
});

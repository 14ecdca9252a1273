/**
 * Fuzz (fast-check, bounded runs, fixed default seed; set FUZZ_SEED to explore):
 *  - in-process: random tool arguments and random principals never make the server throw; every
 *    call is a success or an envelope with a known category, and leaves exactly one audit record;
 *  - over HTTP: random JSON values, random JSON-RPC envelopes, invalid ids, batches, deep nesting
 *    and raw bytes POSTed to /mcp never get a 5xx, the process stays alive, replies are JSON-RPC.
 */
import fc from 'fast-check';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '@portcullis/core';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { server as kit, type KitBackend } from '@portcullis/test-kit-server';
import {
  auditFileOf,
  killAll,
  postRpc,
  rawHttp,
  spawnHttp,
  startQuoteServer,
  tempDir,
  verifyAudit,
  writeApiKeys,
  type QuoteServer,
  type ServerProc,
} from './helpers.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_121;
const TOOLS = [
  'kit_echo',
  'kit_get_note',
  'kit_search_notes',
  'kit_create_note',
  'kit_delete_note',
  'kit_fetch_quote',
] as const;
const CATEGORIES = new Set<string>(ERROR_CATEGORIES);

afterAll(async () => {
  await killAll();
});

/** Values that stress parsers: odd strings (NUL, lone surrogates, huge), numbers (NaN is not JSON), nesting. */
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\uD800',
    '\uDFFF',
    'note_0001',
    'note_0002',
    'n:',
    'bjpub3RlXzAwMDM',
    '__proto__',
    'constructor',
    "' OR 1=1 --",
    '%',
    '\\',
    'a'.repeat(5000),
  ),
  fc.base64String({ maxLength: 60 }),
);
const anyValue = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 100, 101, 2 ** 53, -(2 ** 53), 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const plausibleArgs = fc.record(
  {
    message: anyValue,
    id: anyValue,
    query: anyValue,
    limit: anyValue,
    cursor: anyValue,
    title: anyValue,
    body: anyValue,
    idempotency_key: anyValue,
    version: anyValue,
    topic: anyValue,
  },
  { requiredKeys: [] },
);
// A top-level `constructor` key is kept out of generated arguments: the SDK (zod v4's record
// check) refuses such arguments before the kit sees them; the known-bug test below covers it.
const argKey = oddString.filter((k) => k !== 'constructor');
const randomArgs = fc.oneof(
  plausibleArgs,
  fc.dictionary(argKey, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }),
);

describe('in-process fuzz of tool arguments', () => {
  let h: InProcessHarness<KitBackend>;
  let quotes: QuoteServer;
  beforeAll(async () => {
    quotes = await startQuoteServer();
    h = await startInProcess(kit, {
      principal: { id: 'fuzzer', roles: ['admin'], tenant: 'acme' },
      env: {
        PORTCULLIS_LOG_LEVEL: 'silent',
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000000/60s',
        PORTCULLIS_RATE_TENANT: '1000000/60s',
        KIT_UPSTREAM_URL: quotes.url,
        KIT_UPSTREAM_TOKEN: 'env:FUZZ_QUOTES',
        FUZZ_QUOTES: 'fuzz-quotes-token-1',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await quotes?.close();
  });

  it('random arguments: never throws; a success or a known-category envelope; exactly one audit record each', async () => {
    let calls = 0;
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TOOLS), randomArgs, async (tool, args) => {
        const before = h.auditRecords().length;
        const r = await h.callTool(tool, args);
        calls++;
        if (r.isError) {
          expect(r.envelope).toBeDefined();
          expect(CATEGORIES.has(r.envelope!.category)).toBe(true);
          expect(typeof r.envelope!.message).toBe('string');
          expect(typeof r.envelope!.retryable).toBe('boolean');
          expect(r.envelope!.audit_id).toMatch(/^aud_/);
          // 'internal' means a server fault; bad input (NUL included) is never one.
          expect(r.envelope!.category, JSON.stringify(r.envelope)).not.toBe('internal');
        } else {
          successes++;
          expect(r.structured).toBeTypeOf('object');
        }
        const recs = h.auditRecords();
        expect(recs.length).toBe(before + 1);
        expect(recs[recs.length - 1]!.id).toBe(r.auditId);
      }),
      { numRuns: 150, seed: SEED },
    );
    expect(calls).toBeGreaterThanOrEqual(150);
    expect(successes).toBeGreaterThan(0); // the generator does reach the handlers
  });

  // Once a known bug outside the kit: the SDK validated tools/call params.arguments with the zod 4
  // copy inside zod 3.25, whose z.record() plain-object check read `arguments.constructor`, so an own
  // key named "constructor" was answered JSON-RPC -32603 before the kit's pipeline ran (neither
  // validated by the tool nor audited). With zod 4.6 (one copy for the whole workspace) the call
  // reaches the kit like any other: the tool's schema decides, and the call is audited.
  it('an argument key named "constructor" reaches the kit: validated by the tool and audited', async () => {
    const before = h.auditRecords().length;
    const r = await h.callTool('kit_echo', { message: 'hi', constructor: {} });
    // kit_echo's schema drops keys it does not know
    expect(r.isError).toBe(false);
    expect(r.structured).toEqual({ message: 'hi' });
    expect(h.auditRecords().length).toBe(before + 1);
    expect(h.auditRecords().at(-1)!.id).toBe(r.auditId);
    // The control: the same call without that key reaches the tool and is audited.
    const ok = await h.callTool('kit_echo', { message: 'hi' });
    expect(ok.isError).toBe(false);
    expect(h.auditRecords().length).toBe(before + 2);
  });

  it('unpaired surrogates in arguments are a validation error (not an internal error from Cedar)', async () => {
    for (const [tool, args] of [
      ['kit_echo', { message: 'x\uDC00' }],
      ['kit_search_notes', { query: '\uD800' }],
      ['kit_create_note', { title: 'a\uDBFFb' }],
    ] as const) {
      const r = await h.callTool(tool, args);
      expect(r.envelope?.category, tool).toBe('validation');
      expect(r.envelope?.message).toContain('not valid Unicode');
    }
    // well-formed pairs are fine
    const ok = await h.callTool('kit_echo', { message: 'emoji \uD83D\uDE00' });
    expect(ok.structured).toEqual({ message: 'emoji \uD83D\uDE00' });
  });

  // PostgreSQL text cannot hold NUL (SQLSTATE 22021): the kit refuses it as bad input first.
  it('a NUL character in a string argument is a validation error naming the field, not a store failure', async () => {
    const r = await h.callTool('kit_search_notes', { query: 'a\u0000b' });
    expect(r.envelope?.category).toBe('validation');
    expect(r.envelope?.message).toMatch(/query/);
  });

  it('random principals: a call either runs the pipeline or is answered as unknown, consistently with tools/list', async () => {
    const principalArb = fc.record({
      id: fc.oneof(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.constantFrom('alice', 'bob', 'a"b', 'x::y', 'User::"admin"'),
      ),
      tenant: fc.oneof(fc.constantFrom('acme', 'globex', ''), fc.string({ maxLength: 20 })),
      roles: fc.uniqueArray(
        fc.oneof(fc.constantFrom('viewer', 'editor', 'admin'), fc.string({ maxLength: 10 })),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(principalArb, fc.constantFrom(...TOOLS), plausibleArgs, async (p, tool, args) => {
        const c = await h.as(p);
        try {
          const listed = await c.listToolNames();
          let rpcError: McpError | undefined;
          let result: Awaited<ReturnType<typeof c.callTool>> | undefined;
          try {
            result = await c.callTool(tool, args);
          } catch (err) {
            if (!(err instanceof McpError)) throw err;
            rpcError = err;
          }
          if (listed.includes(tool)) {
            expect(rpcError).toBeUndefined();
            if (result!.isError) expect(CATEGORIES.has(result!.envelope!.category)).toBe(true);
          } else {
            expect(rpcError?.code).toBe(-32602);
            expect(rpcError?.message).toContain(`Unknown tool: ${tool}`);
          }
        } finally {
          await c.close();
        }
      }),
      { numRuns: 60, seed: SEED },
    );
  });
});

describe('HTTP fuzz of raw JSON-RPC frames', () => {
  let srv: ServerProc;
  let dataDir: string;
  let auth: Record<string, string>;
  beforeAll(async () => {
    dataDir = tempDir();
    const { keys } = writeApiKeys(dataDir, [{ principal: 'fuzz-http', roles: ['admin'], tenant: 'acme' }]);
    auth = { authorization: `Bearer ${keys['fuzz-http']}` };
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000000/60s',
      PORTCULLIS_RATE_TENANT: '1000000/60s',
    });
  });

  /** The invariant for every exchange. */
  function checkReply(status: number, text: string, json: unknown, sent: unknown): void {
    expect(status, text).toBeLessThan(500);
    expect([200, 202, 400, 413, 415], text).toContain(status);
    if (status === 202) {
      expect(text).toBe('');
      return;
    }
    expect(json, text).toBeDefined();
    if (status === 400) {
      const err = (json as { error?: { code?: unknown } }).error;
      expect([-32700, -32600]).toContain(err?.code);
      return;
    }
    const items = Array.isArray(json) ? json : [json];
    for (const item of items as Record<string, unknown>[]) {
      expect(item.jsonrpc).toBe('2.0');
      expect('result' in item !== 'error' in item, text).toBe(true);
      if ('error' in item) expect(Number.isInteger((item.error as { code: unknown }).code)).toBe(true);
    }
    // a single well-formed request gets its own id back
    if (!Array.isArray(sent) && JSONRPCRequestSchema.safeParse(sent).success) {
      expect((json as { id: unknown }).id).toEqual((sent as { id: unknown }).id);
    }
  }

  async function send(body: unknown): Promise<void> {
    const r = await postRpc(srv.url, body, auth);
    checkReply(r.status, r.text, r.json, body);
  }

  const idArb = fc.oneof(
    fc.integer(),
    fc.string({ maxLength: 20 }),
    fc.double(),
    fc.constant(null),
    fc.boolean(),
    fc.object({ maxDepth: 1 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.constant(1),
  );
  const methodArb = fc.oneof(
    fc.constantFrom(
      'initialize',
      'ping',
      'tools/list',
      'tools/call',
      'resources/list',
      'resources/read',
      'prompts/list',
      'prompts/get',
      'logging/setLevel',
      'completion/complete',
      'notifications/initialized',
      'notifications/cancelled',
      'notifications/progress',
      'sampling/createMessage',
      '',
    ),
    fc.string({ maxLength: 30 }),
  );
  const paramsArb = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        name: fc.oneof(fc.constantFrom(...TOOLS), fc.string({ maxLength: 20 })),
        arguments: fc.oneof(fc.jsonValue({ maxDepth: 4 }), plausibleArgs),
      },
      { requiredKeys: ['name'] },
    ),
    fc.record({
      protocolVersion: fc.constantFrom('2025-06-18', '2024-11-05', 'bogus'),
      capabilities: fc.jsonValue({ maxDepth: 2 }),
      clientInfo: fc.jsonValue({ maxDepth: 2 }),
    }),
  );
  const envelopeArb = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.jsonValue({ maxDepth: 1 })),
      id: idArb,
      method: methodArb,
      params: paramsArb,
      result: fc.jsonValue({ maxDepth: 2 }),
      error: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['jsonrpc'] },
  );

  it('random JSON values', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), send), { numRuns: 120, seed: SEED });
  });

  it('random JSON-RPC envelopes: methods, ids of every type, params', async () => {
    await fc.assert(fc.asyncProperty(envelopeArb, send), { numRuns: 200, seed: SEED });
  });

  it('well-formed tools/call requests with random arguments', async () => {
    const req = fc.record({
      jsonrpc: fc.constant('2.0'),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
      method: fc.constant('tools/call'),
      params: fc.record({ name: fc.constantFrom(...TOOLS), arguments: randomArgs }),
    });
    await fc.assert(
      fc.asyncProperty(req, async (body) => {
        const r = await postRpc(srv.url, body, auth);
        checkReply(r.status, r.text, r.json, body);
        expect(r.status).toBe(200);
        const res = (
          r.json as { result?: { isError?: boolean; _meta?: Record<string, { category: string }> } }
        ).result;
        expect(res).toBeDefined();
        if (res!.isError) expect(CATEGORIES.has(res!._meta!['portcullis/error']!.category)).toBe(true);
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it('batches (including empty and over-long ones)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(envelopeArb, { maxLength: 110 }), send), {
      numRuns: 40,
      seed: SEED,
    });
    // the edges, explicitly
    const r0 = await postRpc(srv.url, [], auth);
    expect(r0.status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }));
    expect((await postRpc(srv.url, many, auth)).status).toBe(400);
    const hundred = await postRpc(srv.url, many.slice(0, 100), auth);
    expect(hundred.status).toBe(200);
    expect((hundred.json as { id: number }[]).map((x) => x.id)).toEqual(many.slice(0, 100).map((x) => x.id));
  });

  it('a tools/call the SDK would refuse is refused, not run: an id past 2^53, a bad progress token or task', async () => {
    const call = (id: unknown, title: string, meta?: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'kit_create_note', arguments: { title, body: 'b' }, ...(meta ? { _meta: meta } : {}) },
    });
    const cases: [string, unknown][] = [
      ['refused-unsafe-id', call(2 ** 53 + 2, 'refused-unsafe-id')],
      ['refused-progress', call(7, 'refused-progress', { progressToken: { not: 'a token' } })],
      ['refused-progress-float', call(8, 'refused-progress-float', { progressToken: 1.5 })],
      ['refused-task', call(9, 'refused-task', { 'io.modelcontextprotocol/related-task': 'not a task' })],
    ];
    for (const [title, body] of cases) {
      const r = await postRpc(srv.url, body, auth);
      checkReply(r.status, r.text, r.json, body);
      expect((r.json as { error?: unknown }).error, `${title}: ${r.text}`).toBeDefined();
      const found = await postRpc(
        srv.url,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'kit_search_notes', arguments: { query: title } },
        },
        auth,
      );
      const notes = (found.json as { result: { structuredContent: { notes: unknown[] } } }).result
        .structuredContent.notes;
      expect(notes, title).toEqual([]);
    }
    // The same call, well formed, runs.
    const ok = await postRpc(srv.url, call(10, 'accepted', { progressToken: 'p-1' }), auth);
    const result = (ok.json as { result?: { isError?: boolean; structuredContent?: { title?: string } } })
      .result;
    expect(result?.isError ?? false, ok.text).toBe(false);
    expect(result?.structuredContent?.title, ok.text).toBe('accepted');
  });

  it('deep nesting within the body limit', async () => {
    const depthArb = fc.integer({ min: 1, max: 20_000 });
    const shapeArb = fc.constantFrom('array-body', 'object-body', 'array-args', 'object-args', 'array-id');
    await fc.assert(
      fc.asyncProperty(depthArb, shapeArb, async (depth, shape) => {
        const arr = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const obj = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        let raw: string;
        switch (shape) {
          case 'array-body':
            raw = arr;
            break;
          case 'object-body':
            raw = obj;
            break;
          case 'array-args':
            raw = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"kit_echo","arguments":{"message":${arr}}}}`;
            break;
          case 'object-args':
            raw = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"kit_create_note","arguments":${obj}}}`;
            break;
          default:
            raw = `{"jsonrpc":"2.0","id":${arr},"method":"ping"}`;
        }
        const r = await postRpc(srv.url, raw, auth, true);
        checkReply(r.status, r.text.slice(0, 500), r.json, undefined);
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it('raw text and bytes that are not JSON', async () => {
    const bodyArb = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constantFrom(
        '',
        ' ',
        'null',
        '"str"',
        '1',
        '{',
        '[1,',
        '{"jsonrpc":"2.0","id":1,"method":"ping"',
        '\u0000',
        '\uFEFF{}',
        '{"__proto__":{"x":1}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, async (raw) => {
        const r = await postRpc(srv.url, raw, auth, true);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          parsed = undefined;
        }
        checkReply(r.status, r.text, r.json, parsed);
      }),
      { numRuns: 120, seed: SEED },
    );
    // odd content types and encodings never 5xx either
    for (const [ct, extra] of [
      ['text/plain', {}],
      ['application/json; charset=latin1', {}],
      ['application/json', { 'content-encoding': 'br' }],
      ['application/json', { 'content-encoding': 'gzip' }],
    ] as [string, Record<string, string>][]) {
      const r = await rawHttp(srv.url, {
        method: 'POST',
        headers: { 'content-type': ct, ...extra, ...auth },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });
      expect(r.status, `${ct} ${JSON.stringify(extra)}`).toBeLessThan(500);
    }
  });

  it('afterwards: the process is alive, healthy, logged no request failures, and its audit file verifies', async () => {
    expect(srv.proc.exitCode).toBeNull();
    expect((await rawHttp(`${srv.base}/healthz`)).status).toBe(200);
    expect((await rawHttp(`${srv.base}/readyz`)).status).toBe(200);
    const failures = srv.stderr.filter(
      (l) => l.includes('"msg":"MCP HTTP request failed"') || l.includes('"msg":"HTTP request failed"'),
    );
    expect(failures).toEqual([]);
    expect((await srv.stop()).code).toBe(0);
    const v = await verifyAudit(['--file', auditFileOf(dataDir)]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

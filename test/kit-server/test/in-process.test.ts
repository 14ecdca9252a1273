/**
 * In-process proofs: the kit server behind a real SDK Client over an in-memory transport
 * (@portcullis/core/testing), never a mocked SDK. Visibility, configuration narrowing,
 * validation, rate limits, annotations, the audit trail, idempotency, conflicts, pagination,
 * and the upstream path (retries, Retry-After, credential refresh on 401, failure envelopes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CATEGORIES, ServerRuntime } from '@portcullis/core';
import { startInProcess, type InProcessClient, type InProcessHarness } from '@portcullis/core/testing';
import { server as kit, type KitBackend } from '@portcullis/test-kit-server';
import {
  killAll,
  runKitCli,
  startQuoteServer,
  tempDir,
  unknownToolShape,
  type QuoteServer,
} from './helpers.js';

const ALL_TOOLS = [
  'kit_create_note',
  'kit_delete_note',
  'kit_echo',
  'kit_fetch_quote',
  'kit_get_note',
  'kit_search_notes',
];
const READ_TOOLS = ['kit_echo', 'kit_fetch_quote', 'kit_get_note', 'kit_search_notes'];

type Harness = InProcessHarness<KitBackend>;

const harnesses: Harness[] = [];
async function start(
  env: Record<string, string> = {},
  principal = { id: 'alice', roles: ['admin'], tenant: 'acme' },
): Promise<Harness> {
  const h = await startInProcess(kit, { principal, env: { PORTCULLIS_LOG_LEVEL: 'silent', ...env } });
  harnesses.push(h);
  return h;
}

afterAll(async () => {
  for (const h of harnesses) await h.close().catch(() => undefined);
  await killAll();
});

/** Calls a tool expecting a JSON-RPC error; returns it. */
async function rpcError(
  c: InProcessClient,
  name: string,
  args: Record<string, unknown> = {},
): Promise<McpError> {
  try {
    const r = await c.callTool(name, args);
    throw new Error(`expected a JSON-RPC error from ${name}, got ${JSON.stringify(r.raw)}`);
  } catch (err) {
    if (!(err instanceof McpError)) throw err;
    return err;
  }
}

describe('visibility: tools/list per role and hidden tools answered as unknown', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });

  it('admin sees every tool', async () => {
    expect(await h.listToolNames()).toEqual(ALL_TOOLS);
  });

  it('viewer sees only reads: no write or destructive tool', async () => {
    const viewer = await h.as({ id: 'vera', roles: ['viewer'], tenant: 'acme' });
    const names = await viewer.listToolNames();
    expect(names).toEqual(READ_TOOLS);
    const listed = (await viewer.client.listTools()).tools;
    expect(listed.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it('editor sees create and delete; a principal with no role sees only echo', async () => {
    const editor = await h.as({ id: 'eddie', roles: ['editor'], tenant: 'acme' });
    expect(await editor.listToolNames()).toEqual(ALL_TOOLS);
    const nobody = await h.as({ id: 'nobody', roles: [], tenant: 'acme' });
    expect(await nobody.listToolNames()).toEqual(['kit_echo']);
  });

  it('a hidden tool answers exactly like an unknown tool and the attempt is audited as denied', async () => {
    const viewer = await h.as({ id: 'vera', roles: ['viewer'], tenant: 'acme' });
    const hidden = await rpcError(viewer, 'kit_create_note', { title: 'sneaky' });
    const unknown = await rpcError(viewer, 'kit_no_such_tool', { title: 'sneaky' });
    expect(hidden.code).toBe(-32602);
    expect(hidden.code).toBe(unknown.code);
    expect(hidden.message).toContain('Unknown tool: kit_create_note');
    expect(unknownToolShape(hidden.message, 'kit_create_note')).toBe(
      unknownToolShape(unknown.message, 'kit_no_such_tool'),
    );
    expect(hidden.data).toEqual(unknown.data);

    const recs = h.auditRecords().filter((r) => r.principal === 'vera' && r.tool === 'kit_create_note');
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ outcome: 'denied', error_code: 'unknown_tool', tenant: 'acme' });
  });
});

describe('configuration narrows the tool set', () => {
  it('PORTCULLIS_READ_ONLY hides writes, even from an admin, and a disabled tool answers as unknown', async () => {
    const h = await start({ PORTCULLIS_READ_ONLY: 'true' });
    expect(await h.listToolNames()).toEqual(READ_TOOLS);
    const disabled = await rpcError(h, 'kit_delete_note', { id: 'note_0001', version: 1 });
    const unknown = await rpcError(h, 'kit_zzz');
    expect(disabled.code).toBe(unknown.code);
    expect(unknownToolShape(disabled.message, 'kit_delete_note')).toBe(
      unknownToolShape(unknown.message, 'kit_zzz'),
    );
    // and the note is still there
    const got = await h.callTool('kit_get_note', { id: 'note_0001' });
    expect(got.isError).toBe(false);
  });

  it('PORTCULLIS_TOOLS allowlist narrows tools/list and calls', async () => {
    const h = await start({ PORTCULLIS_TOOLS: 'kit_echo, kit_get_note' });
    expect(await h.listToolNames()).toEqual(['kit_echo', 'kit_get_note']);
    const e = await rpcError(h, 'kit_search_notes', {});
    expect(e.code).toBe(-32602);
  });

  it('PORTCULLIS_TOOLSETS selects whole toolsets', async () => {
    const notes = await start({ PORTCULLIS_TOOLSETS: 'notes' });
    expect(await notes.listToolNames()).toEqual([
      'kit_create_note',
      'kit_delete_note',
      'kit_get_note',
      'kit_search_notes',
    ]);
    const two = await start({ PORTCULLIS_TOOLSETS: 'diagnostics,upstream' });
    expect(await two.listToolNames()).toEqual(['kit_echo', 'kit_fetch_quote']);
    const ro = await start({ PORTCULLIS_TOOLSETS: 'notes', PORTCULLIS_READ_ONLY: '1' });
    expect(await ro.listToolNames()).toEqual(['kit_get_note', 'kit_search_notes']);
  });

  it('an unknown tool or toolset name stops start-up: ConfigError from new ServerRuntime', () => {
    const dir = tempDir();
    const make = (env: Record<string, string>) => () =>
      new ServerRuntime(kit, {
        env: { PORTCULLIS_DATA_DIR: dir, PORTCULLIS_LOG_LEVEL: 'silent', ...env },
        transport: 'stdio',
      });
    expect(make({ PORTCULLIS_TOOLS: 'kit_echo,kit_nope' })).toThrow(ConfigError);
    expect(make({ PORTCULLIS_TOOLS: 'kit_echo,kit_nope' })).toThrow(
      /PORTCULLIS_TOOLS: unknown tool kit_nope/,
    );
    expect(make({ PORTCULLIS_TOOLSETS: 'notes,bogus' })).toThrow(
      /PORTCULLIS_TOOLSETS: unknown toolset bogus/,
    );
    expect(make({ PORTCULLIS_READ_ONLY: 'maybe' })).toThrow(/PORTCULLIS_READ_ONLY/);
  });

  it('an unknown tool name makes the CLI exit 1 with a one-line message naming it', async () => {
    const dir = tempDir();
    const r = await runKitCli({ PORTCULLIS_DATA_DIR: dir, PORTCULLIS_TOOLS: 'kit_echo,kit_nope' }, [
      '--transport',
      'stdio',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(
      /^portcullis-kit: PORTCULLIS_TOOLS: unknown tool kit_nope \(known: .*kit_echo/,
    );
    const http = await runKitCli({
      PORTCULLIS_DATA_DIR: dir,
      PORTCULLIS_AUTH: 'none',
      PORTCULLIS_TOOLS: 'kit_nope',
    });
    expect(http.code).toBe(1);
    expect(http.stderr).toContain('PORTCULLIS_TOOLS: unknown tool kit_nope');
  });
});

describe('validation, annotations, audit, idempotency, conflicts, pagination', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({ PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000/60s' });
  });

  it('validation errors carry the envelope: category validation, issues naming the fields', async () => {
    const r = await h.callTool('kit_search_notes', { query: 5, limit: 1000 });
    expect(r.isError).toBe(true);
    expect(r.structured).toBeUndefined();
    const env = r.envelope!;
    expect(env).toMatchObject({ code: 'invalid_arguments', category: 'validation', retryable: false });
    expect(typeof env.remediation).toBe('string');
    const issues = (env.details as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['limit', 'query']);
    expect(env.message).toMatch(/limit/);
    expect(env.message).toMatch(/query/);
    // the text content is the same envelope, for clients that only read text
    expect(JSON.parse(r.text)).toEqual({ error: env });

    const missing = await h.callTool('kit_get_note', {});
    expect((missing.envelope!.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      'id',
    ]);
    const badTitle = await h.callTool('kit_create_note', { title: '', idempotency_key: 'short' });
    expect(
      (badTitle.envelope!.details as { issues: { path: string }[] }).issues.map((i) => i.path).sort(),
    ).toEqual(['idempotency_key', 'title']);
    const extraType = await h.callTool('kit_delete_note', { id: 'note_0001', version: 'one' });
    expect(extraType.envelope!.category).toBe('validation');
    expect((extraType.envelope!.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(
      ['version'],
    );
  });

  it('annotations are derived from access', async () => {
    const tools = Object.fromEntries((await h.client.listTools()).tools.map((t) => [t.name, t.annotations]));
    expect(tools.kit_echo).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tools.kit_get_note).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tools.kit_create_note).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tools.kit_delete_note).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(tools.kit_fetch_quote).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    const listed = (await h.client.listTools()).tools;
    for (const t of listed) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
    }
  });

  it("the audit id in _meta is the id of the call's audit record", async () => {
    const r = await h.callTool('kit_echo', { message: 'audited' });
    expect(r.isError).toBe(false);
    expect(r.auditId).toMatch(/^aud_[0-9A-Z]{26}$/);
    const rec = h.auditRecords().find((x) => x.id === r.auditId);
    expect(rec).toBeDefined();
    expect(rec).toMatchObject({
      tool: 'kit_echo',
      principal: 'alice',
      tenant: 'acme',
      outcome: 'ok',
      arguments: { message: 'audited' },
    });
    expect(rec!.result_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((r.raw._meta as Record<string, unknown>)['portcullis/trace_id']).toBe(rec!.trace_id);
    // an error carries the same: envelope.audit_id == _meta audit id == the record
    const bad = await h.callTool('kit_get_note', { id: 'note_9999' });
    expect(bad.envelope!.category).toBe('not_found');
    expect(bad.envelope!.audit_id).toBe(bad.auditId);
    expect(h.auditRecords().find((x) => x.id === bad.auditId)).toMatchObject({
      outcome: 'error',
      error_code: 'not_found',
    });
  });

  it('a caller-supplied trace id is carried into the record', async () => {
    const raw = await h.client.callTool({
      name: 'kit_echo',
      arguments: { message: 't' },
      _meta: { 'portcullis/trace_id': 'trace-abc-123' },
    });
    const id = (raw._meta as Record<string, string>)['portcullis/audit_id'];
    expect(h.auditRecords().find((x) => x.id === id)?.trace_id).toBe('trace-abc-123');
  });

  it('idempotent create: replaying the key returns the first note and writes nothing', async () => {
    const editor = await h.as({ id: 'eddie', roles: ['editor'], tenant: 'acme' });
    const count = async () => {
      let n = 0;
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const r = await editor.callTool('kit_search_notes', {
          query: 'Idempotent',
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        n += (r.structured!.notes as unknown[]).length;
        cursor = (r.structured!.next_cursor as string | null) ?? undefined;
        if (!cursor) break;
      }
      return n;
    };
    const before = await count();
    const first = await editor.callTool('kit_create_note', {
      title: 'Idempotent one',
      body: 'b',
      idempotency_key: 'key-0001-abcdef',
    });
    const again = await editor.callTool('kit_create_note', {
      title: 'Idempotent one',
      body: 'b',
      idempotency_key: 'key-0001-abcdef',
    });
    expect(first.isError).toBe(false);
    expect(again.isError).toBe(false);
    expect(again.structured!.id).toBe(first.structured!.id);
    expect(again.auditId).not.toBe(first.auditId); // two calls, two records
    expect(await count()).toBe(before + 1);
    // the key may also come in _meta
    const m1 = await editor.callTool(
      'kit_create_note',
      { title: 'Idempotent two' },
      { 'portcullis/idempotency_key': 'meta-key-0002' },
    );
    const m2 = await editor.callTool(
      'kit_create_note',
      { title: 'Idempotent two' },
      { 'portcullis/idempotency_key': 'meta-key-0002' },
    );
    expect(m2.structured!.id).toBe(m1.structured!.id);
    // a different key is a different note
    const other = await editor.callTool('kit_create_note', {
      title: 'Idempotent one',
      idempotency_key: 'key-0002-abcdef',
    });
    expect(other.structured!.id).not.toBe(first.structured!.id);
    expect(await count()).toBe(before + 3);
    // keys are per tenant: the same key in another tenant creates that tenant's own note
    const globex = await h.as({ id: 'gina', roles: ['editor'], tenant: 'globex' });
    const g = await globex.callTool('kit_create_note', {
      title: 'Idempotent one',
      idempotency_key: 'key-0001-abcdef',
    });
    expect(g.structured!.id).not.toBe(first.structured!.id);
    expect(g.structured!.tenant).toBe('globex');
  });

  it('deleting with a stale version is a conflict; the current version deletes', async () => {
    const editor = await h.as({ id: 'eddie', roles: ['editor'], tenant: 'acme' });
    const created = await editor.callTool('kit_create_note', { title: 'To delete' });
    const id = created.structured!.id as string;
    expect(created.structured!.version).toBe(1);
    const stale = await editor.callTool('kit_delete_note', { id, version: 2 });
    expect(stale.isError).toBe(true);
    expect(stale.envelope).toMatchObject({ category: 'conflict', code: 'stale_version', retryable: false });
    expect(h.auditRecords().find((x) => x.id === stale.auditId)).toMatchObject({
      outcome: 'error',
      error_code: 'stale_version',
    });
    expect((await editor.callTool('kit_get_note', { id })).isError).toBe(false);
    const ok = await editor.callTool('kit_delete_note', { id, version: 1 });
    expect(ok.isError).toBe(false);
    expect(ok.structured).toEqual({ deleted: id });
    const gone = await editor.callTool('kit_get_note', { id });
    expect(gone.envelope!.category).toBe('not_found');
  });

  it('pagination walks to the end with cursors, each note once, own tenant only', async () => {
    const viewer = await h.as({ id: 'vera', roles: ['viewer'], tenant: 'globex' });
    const whole = await viewer.callTool('kit_search_notes', { limit: 100 });
    expect(whole.structured!.next_cursor).toBeNull();
    const all = (whole.structured!.notes as { id: string }[]).map((n) => n.id);
    // Seed: 50 notes, the even ones belong to globex
    expect(all.filter((i) => /^note_\d{4}$/.test(i))).toEqual(
      Array.from({ length: 25 }, (_, k) => `note_${String(2 * (k + 1)).padStart(4, '0')}`),
    );
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    while (pages < 50) {
      const r = await viewer.callTool('kit_search_notes', { limit: 7, ...(cursor ? { cursor } : {}) });
      expect(r.isError).toBe(false);
      pages++;
      const notes = r.structured!.notes as { id: string; tenant: string }[];
      expect(notes.length).toBeLessThanOrEqual(7);
      for (const n of notes) {
        expect(n.tenant).toBe('globex');
        ids.push(n.id);
      }
      cursor = (r.structured!.next_cursor as string | null) ?? undefined;
      if (!cursor) break;
    }
    expect(ids).toEqual(all);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(all.length / 7));
  });

  it('a tampered cursor is a validation error', async () => {
    const first = await h.callTool('kit_search_notes', { limit: 2 });
    const cursor = first.structured!.next_cursor as string;
    expect(typeof cursor).toBe('string');
    const tampered = [
      `x${cursor.slice(1)}`,
      'not-a-cursor',
      Buffer.from('id:note_0003').toString('base64url'),
      '%%%',
    ];
    for (const c of tampered) {
      const r = await h.callTool('kit_search_notes', { limit: 2, cursor: c });
      expect(r.isError, c).toBe(true);
      expect(r.envelope!.category, c).toBe('validation');
    }
    // the untampered cursor works
    expect((await h.callTool('kit_search_notes', { limit: 2, cursor })).isError).toBe(false);
  });
});

describe('rate limits and one audit record per call', () => {
  it('PORTCULLIS_RATE_PRINCIPAL_TOOL: the call past the limit is rate_limited with retry_after_ms, audited', async () => {
    const h = await start({ PORTCULLIS_RATE_PRINCIPAL_TOOL: '3/60s' });
    for (let i = 0; i < 3; i++)
      expect((await h.callTool('kit_echo', { message: `m${i}` })).isError).toBe(false);
    const limited = await h.callTool('kit_echo', { message: 'one too many' });
    expect(limited.isError).toBe(true);
    expect(limited.envelope).toMatchObject({
      category: 'rate_limited',
      code: 'rate_limited',
      retryable: true,
      details: { scope: 'principal_tool' },
    });
    const after = limited.envelope!.retry_after_ms!;
    expect(after).toBeGreaterThan(0);
    // the window, and up to one heartbeat of the in-process limiter's refresh (1 s for a minute)
    expect(after).toBeLessThanOrEqual(61_000);
    expect(h.auditRecords().find((r) => r.id === limited.auditId)).toMatchObject({
      outcome: 'rate_limited',
      error_code: 'rate_limited',
      tool: 'kit_echo',
    });
    // per principal x tool: another tool and another principal are unaffected
    expect((await h.callTool('kit_search_notes', {})).isError).toBe(false);
    const bob = await h.as({ id: 'bob', roles: ['viewer'], tenant: 'acme' });
    expect((await bob.callTool('kit_echo', { message: 'hi' })).isError).toBe(false);
  });

  it('PORTCULLIS_RATE_TENANT limits a whole tenant', async () => {
    const h = await start({ PORTCULLIS_RATE_TENANT: '2/60s' });
    const a = await h.as({ id: 'a1', roles: ['viewer'], tenant: 'acme' });
    const b = await h.as({ id: 'b1', roles: ['viewer'], tenant: 'acme' });
    const g = await h.as({ id: 'g1', roles: ['viewer'], tenant: 'globex' });
    expect((await a.callTool('kit_echo', { message: '1' })).isError).toBe(false);
    expect((await b.callTool('kit_echo', { message: '2' })).isError).toBe(false);
    const third = await a.callTool('kit_search_notes', {});
    expect(third.envelope).toMatchObject({ category: 'rate_limited', details: { scope: 'tenant' } });
    expect((await g.callTool('kit_echo', { message: 'other tenant' })).isError).toBe(false);
  });

  it('every call (ok, denied, hidden, validation, not found, rate-limited, upstream error) leaves exactly one record', async () => {
    const quotes = await startQuoteServer();
    try {
      const dir = tempDir();
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, 'tok-one-record-per-call-0001\n');
      quotes.always('broken', { status: 500 });
      const h = await start({
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '3/60s',
        KIT_UPSTREAM_URL: quotes.url,
        KIT_UPSTREAM_TOKEN: `file:${tokenFile}`,
      });
      const viewer = await h.as({ id: 'vera', roles: ['viewer'], tenant: 'acme' });
      const n = () => h.auditRecords().length;
      const expectOne = async (
        what: string,
        call: () => Promise<string | undefined>,
        outcome: string,
        errorCode: string | null,
      ) => {
        const before = n();
        const auditId = await call();
        const recs = h.auditRecords();
        expect(recs.length, what).toBe(before + 1);
        const last = recs[recs.length - 1]!;
        expect(last.outcome, what).toBe(outcome);
        expect(last.error_code, what).toBe(errorCode);
        if (auditId !== undefined) expect(last.id, what).toBe(auditId);
      };
      await expectOne('ok', async () => (await h.callTool('kit_echo', { message: 'x' })).auditId, 'ok', null);
      await expectOne(
        'denied by policy',
        async () => (await h.callTool('kit_get_note', { id: 'note_0002' })).auditId,
        'denied',
        'denied_by_policy',
      );
      await expectOne(
        'hidden tool',
        async () => {
          await rpcError(viewer, 'kit_delete_note', { id: 'note_0001', version: 1 });
          return undefined;
        },
        'denied',
        'unknown_tool',
      );
      await expectOne(
        'unknown tool',
        async () => {
          await rpcError(h, 'kit_frobnicate', {});
          return undefined;
        },
        'denied',
        'unknown_tool',
      );
      await expectOne(
        'validation',
        async () => (await h.callTool('kit_get_note', { id: '' })).auditId,
        'error',
        'invalid_arguments',
      );
      await expectOne(
        'not found',
        async () => (await h.callTool('kit_get_note', { id: 'note_4242' })).auditId,
        'error',
        'not_found',
      );
      await expectOne(
        'ok 2',
        async () => (await h.callTool('kit_echo', { message: 'y' })).auditId,
        'ok',
        null,
      );
      await expectOne(
        'ok 3',
        async () => (await h.callTool('kit_echo', { message: 'y2' })).auditId,
        'ok',
        null,
      );
      await expectOne(
        'rate limited',
        async () => (await h.callTool('kit_echo', { message: 'z' })).auditId,
        'rate_limited',
        'rate_limited',
      );
      await expectOne(
        'upstream error',
        async () => (await h.callTool('kit_fetch_quote', { topic: 'broken' })).auditId,
        'error',
        'upstream_unavailable',
      );
      const denied = h.auditRecords().find((r) => r.error_code === 'denied_by_policy')!;
      expect(denied.decision).toEqual({ effect: 'deny', policies: ['kit-tenant-isolation'] });
    } finally {
      await quotes.close();
    }
  });

  it('finding 10: invalid-argument and unknown-tool calls are rate-limited before anything is written', async () => {
    const h = await start({ PORTCULLIS_RATE_PRINCIPAL_TOOL: '2/60s' });
    // Two invalid calls use up kit_get_note's budget: the third, valid or not, is refused as rate-limited.
    for (let i = 0; i < 2; i++) {
      expect((await h.callTool('kit_get_note', { id: '' })).envelope?.code).toBe('invalid_arguments');
    }
    expect((await h.callTool('kit_get_note', { id: 'note_0001' })).envelope?.code).toBe('rate_limited');
    // Unknown names share one bucket (a caller cannot mint buckets by inventing names).
    for (const name of ['kit_nope_1', 'kit_nope_2']) {
      await expect(h.client.callTool({ name, arguments: {} })).rejects.toThrow(/Unknown tool/);
    }
    const limited = await h.client.callTool({ name: 'kit_nope_3', arguments: {} });
    expect(limited.isError).toBe(true);
    expect(h.auditRecords().at(-1)).toMatchObject({ tool: 'kit_nope_3', outcome: 'rate_limited' });
  });

  it('finding 10: oversized arguments are audited as their hash and size, not in full', async () => {
    const h = await start();
    const big = 'x'.repeat(400_000);
    const r = await h.callTool('kit_echo', { message: big });
    expect(r.isError).toBe(true); // over the tool's own length limit
    const rec = h.auditRecords().at(-1)!;
    expect(rec.arguments).toMatchObject({
      _truncated: true,
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(rec).length).toBeLessThan(4_000);
  });

  it('finding 5: idempotency keys in the kit-reserved plan: namespace are refused from callers', async () => {
    const h = await start();
    const r = await h.callTool(
      'kit_echo',
      { message: 'x' },
      { 'portcullis/idempotency_key': 'plan:someone-elses-plan' },
    );
    expect(r.envelope).toMatchObject({ code: 'invalid_arguments', category: 'validation' });
    expect(r.envelope?.message).toMatch(/reserved/);
  });
});

describe('upstream calls and credentials (fake quotes server on 127.0.0.1)', () => {
  let quotes: QuoteServer;
  let h: Harness;
  let tokenFile: string;
  const V1 = 'quotes-token-v1-8c1f0e2a9b7d4c3e';
  const V2 = 'quotes-token-v2-5a6b7c8d9e0f1a2b';

  beforeAll(async () => {
    quotes = await startQuoteServer();
    const dir = tempDir();
    tokenFile = join(dir, 'quotes-token');
    writeFileSync(tokenFile, `${V1}\n`);
    h = await start({
      KIT_UPSTREAM_URL: quotes.url,
      KIT_UPSTREAM_TOKEN: `file:${tokenFile}`,
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000/60s',
    });
  });
  afterAll(async () => {
    await quotes?.close();
  });

  it('a 503 then 200 is retried and succeeds', async () => {
    quotes.queue('alpha', { status: 503 });
    const r = await h.callTool('kit_fetch_quote', { topic: 'alpha' });
    expect(r.isError).toBe(false);
    expect(r.structured).toEqual({ topic: 'alpha', quote: 'A quote about alpha.' });
    expect(quotes.count('alpha')).toBe(2);
    expect(
      quotes.requests.filter((q) => q.topic === 'alpha').every((q) => q.authorization === `Bearer ${V1}`),
    ).toBe(true);
  });

  it('a 429 with Retry-After is retried no sooner than it asks', async () => {
    quotes.queue('beta', { status: 429, headers: { 'retry-after': '1' } });
    const r = await h.callTool('kit_fetch_quote', { topic: 'beta' });
    expect(r.isError).toBe(false);
    const seen = quotes.requests.filter((q) => q.topic === 'beta');
    expect(seen).toHaveLength(2);
    // A lower bound only (a slow machine only makes the gap longer): the retry waited for Retry-After.
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a Retry-After beyond the retry budget is not waited for: upstream error carrying retry_after_ms', async () => {
    quotes.queue('delta', { status: 429, headers: { 'retry-after': '3600' } });
    const r = await h.callTool('kit_fetch_quote', { topic: 'delta' });
    expect(r.isError).toBe(true);
    expect(r.envelope).toMatchObject({ category: 'upstream', retryable: true, retry_after_ms: 3_600_000 });
    expect(quotes.count('delta')).toBe(1);
  });

  it('a 400 is not retried', async () => {
    quotes.queue('gamma', { status: 400, body: '{"error":"UPSTREAM-BAD-REQUEST-DETAIL"}' });
    const r = await h.callTool('kit_fetch_quote', { topic: 'gamma' });
    expect(r.isError).toBe(true);
    expect(r.envelope).toMatchObject({
      category: 'upstream',
      code: 'upstream_unavailable',
      retryable: false,
    });
    expect(r.envelope!.retry_after_ms).toBeUndefined();
    expect(quotes.count('gamma')).toBe(1);
    expect(JSON.stringify(r.raw)).not.toContain('UPSTREAM-BAD-REQUEST-DETAIL');
  });

  it('a 401 re-resolves the credential once (rotated file) and then succeeds', async () => {
    // warm: v1 works and is cached
    quotes.validToken = V1;
    expect((await h.callTool('kit_fetch_quote', { topic: 'rotate' })).isError).toBe(false);
    // rotate: the file and the upstream move to v2; the server still holds v1 in its cache
    writeFileSync(tokenFile, `${V2}\n`);
    quotes.validToken = V2;
    const before = quotes.requests.length;
    const r = await h.callTool('kit_fetch_quote', { topic: 'rotate' });
    expect(r.isError).toBe(false);
    const auths = quotes.requests.slice(before).map((q) => q.authorization);
    expect(auths).toEqual([`Bearer ${V1}`, `Bearer ${V2}`]);
    // later calls use v2 straight away
    const next = quotes.requests.length;
    expect((await h.callTool('kit_fetch_quote', { topic: 'rotate' })).isError).toBe(false);
    expect(quotes.requests.slice(next).map((q) => q.authorization)).toEqual([`Bearer ${V2}`]);
  });

  it('a 401 that survives the refresh is refused after exactly one re-resolution', async () => {
    quotes.validToken = 'a-token-nobody-has-0000';
    const before = quotes.requests.length;
    try {
      const r = await h.callTool('kit_fetch_quote', { topic: 'denied' });
      expect(r.isError).toBe(true);
      expect(r.envelope).toMatchObject({ category: 'upstream', retryable: false });
      expect(quotes.requests.length - before).toBe(2);
    } finally {
      quotes.validToken = null;
    }
  });

  it('a permanently failing upstream: category upstream, retryable, bounded attempts, nothing internal leaked', async () => {
    const detail = 'UPSTREAM-INTERNAL-DETAIL at Object.<anonymous> (/srv/quotes/app.js:12:7)';
    quotes.always('down', {
      status: 503,
      body: JSON.stringify({ error: detail }),
      headers: { 'x-internal-trace': detail },
    });
    try {
      const r = await h.callTool('kit_fetch_quote', { topic: 'down' });
      expect(r.isError).toBe(true);
      expect(r.envelope).toMatchObject({
        category: 'upstream',
        code: 'upstream_unavailable',
        retryable: true,
      });
      expect(ERROR_CATEGORIES).toContain(r.envelope!.category);
      expect(quotes.count('down')).toBe(4); // 1 + 3 retries, then it stops
      const everything = JSON.stringify(r.raw);
      for (const leak of [
        'UPSTREAM-INTERNAL-DETAIL',
        'app.js',
        'quotes answered',
        '503',
        'stack',
        'x-internal-trace',
      ]) {
        expect(everything).not.toContain(leak);
      }
      const rec = h.auditRecords().find((x) => x.id === r.auditId)!;
      expect(JSON.stringify(rec)).not.toContain('UPSTREAM-INTERNAL-DETAIL');
    } finally {
      quotes.always('down', null);
    }
  });

  it('no upstream configured: a validation error naming the settings', async () => {
    const bare = await start();
    const r = await bare.callTool('kit_fetch_quote', { topic: 'alpha' });
    expect(r.envelope).toMatchObject({ category: 'validation' });
    expect(r.envelope!.remediation).toContain('KIT_UPSTREAM_URL');
  });
});

/**
 * End to end over stdio: the built CLI spawned by the SDK's StdioClientTransport (as Claude
 * Desktop / Claude Code spawn it), and once more by hand to inspect every byte on stdout.
 */
import type { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { alive } from '@portcullis/test-support/servers';
import {
  KIT_CLI,
  auditFileOf,
  cleanEnv,
  killAll,
  modesUnder,
  parseJsonLines,
  readAudit,
  tempDir,
  verifyAudit,
  waitFor,
} from './helpers.js';

afterAll(async () => {
  await killAll();
});

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

async function connect(env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [KIT_CLI],
    env: stringEnv(cleanEnv(env)),
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  let rest = '';
  transport.stderr!.on('data', (c: Buffer) => {
    rest += c.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      stderr.push(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
  });
  const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
  const transportErrors: Error[] = [];
  client.onerror = (e) => transportErrors.push(e);
  await client.connect(transport);
  return { client, transport, stderr, transportErrors };
}

describe('stdio through the SDK StdioClientTransport', () => {
  it('viewer: lists only reads, calls tools in its tenant, writes are unknown; logs are JSON on stderr', async () => {
    const dataDir = tempDir();
    const { client, transport, stderr, transportErrors } = await connect({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_PRINCIPAL: 'stdio-vera',
      PORTCULLIS_ROLES: 'viewer',
      PORTCULLIS_TENANT: 'acme',
    });
    const pid = transport.pid;
    try {
      expect(client.getServerVersion()?.name).toBe('portcullis-kit');
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual(['kit_echo', 'kit_fetch_quote', 'kit_get_note', 'kit_search_notes']);

      const echo = await client.callTool({ name: 'kit_echo', arguments: { message: 'over stdio' } });
      expect(echo.isError).toBeFalsy();
      expect(echo.structuredContent).toEqual({ message: 'over stdio' });
      expect((echo.content as { text: string }[])[0]!.text).toBe('over stdio');

      const search = await client.callTool({ name: 'kit_search_notes', arguments: { limit: 100 } });
      const notes = (search.structuredContent as { notes: { tenant: string }[] }).notes;
      expect(notes).toHaveLength(25);
      expect(notes.every((n) => n.tenant === 'acme')).toBe(true);

      const cross = await client.callTool({ name: 'kit_get_note', arguments: { id: 'note_0002' } });
      expect(cross.isError).toBe(true);
      expect((cross._meta as Record<string, { category: string }>)['portcullis/error']!.category).toBe(
        'forbidden',
      );

      await expect(
        client.callTool({ name: 'kit_create_note', arguments: { title: 'no' } }),
      ).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof McpError && e.code === -32602 && e.message.includes('Unknown tool: kit_create_note'),
      );
    } finally {
      await client.close();
    }
    // stdout carried only protocol: the SDK would have reported any non-JSON-RPC line as an error
    expect(transportErrors).toEqual([]);
    // logs: every stderr line is a JSON object with level, time and msg (all of them: the
    // server has exited and its stderr pipe has ended)
    await waitFor(() => (transport.stderr as Readable).readableEnded, 10_000, 'the end of stderr');
    expect(stderr.length).toBeGreaterThan(0);
    const parsed = parseJsonLines(stderr);
    expect(parsed).toHaveLength(stderr.filter((l) => l.trim() !== '').length);
    for (const l of parsed) {
      expect(typeof l.level).toBe('string');
      expect(typeof l.time).toBe('string');
      expect(typeof l.msg).toBe('string');
      expect(l.server).toBe('portcullis-kit');
    }
    const serving = parsed.find((l) => l.msg === 'serving MCP over stdio');
    expect(serving).toMatchObject({ principal: 'stdio-vera', tenant: 'acme', roles: ['viewer'] });

    // the process is gone once the client closed (the SDK's close may return before the exited
    // process is reaped, so this waits a bounded time for it)
    if (pid !== null) await waitFor(() => !alive(pid), 10_000, 'the server process to exit');
    // and every call was audited for the stdio principal, in a chain that verifies
    const recs = readAudit(auditFileOf(dataDir));
    expect(recs.map((r) => [r.tool, r.outcome])).toEqual([
      ['kit_echo', 'ok'],
      ['kit_search_notes', 'ok'],
      ['kit_get_note', 'denied'],
      ['kit_create_note', 'denied'],
    ]);
    expect(recs.every((r) => r.principal === 'stdio-vera' && r.tenant === 'acme')).toBe(true);
    const v = await verifyAudit(['--file', auditFileOf(dataDir)]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('intact: 4 records');
  });

  it('editor with PORTCULLIS_ATTRIBUTES: creates, reads back and deletes its own note', async () => {
    const dataDir = tempDir();
    const { client, transportErrors } = await connect({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_PRINCIPAL: 'stdio-eddie',
      PORTCULLIS_ROLES: 'editor',
      PORTCULLIS_TENANT: 'globex',
      PORTCULLIS_ATTRIBUTES: '{"team":"east"}',
    });
    try {
      const created = await client.callTool({
        name: 'kit_create_note',
        arguments: { title: 'From stdio', body: 'hello', idempotency_key: 'stdio-key-000001' },
      });
      expect(created.isError).toBeFalsy();
      const note = created.structuredContent as {
        id: string;
        owner: string;
        tenant: string;
        version: number;
      };
      expect(note).toMatchObject({ owner: 'stdio-eddie', tenant: 'globex', version: 1 });
      const got = await client.callTool({ name: 'kit_get_note', arguments: { id: note.id } });
      expect(got.structuredContent).toMatchObject({ id: note.id, title: 'From stdio', body: 'hello' });
      // an editor may not delete someone else's note (note_0006 is bob's, globex)
      const notMine = await client.callTool({
        name: 'kit_delete_note',
        arguments: { id: 'note_0006', version: 1 },
      });
      expect((notMine._meta as Record<string, { category: string }>)['portcullis/error']!.category).toBe(
        'forbidden',
      );
      const del = await client.callTool({ name: 'kit_delete_note', arguments: { id: note.id, version: 1 } });
      expect(del.structuredContent).toEqual({ deleted: note.id });
    } finally {
      await client.close();
    }
    expect(transportErrors).toEqual([]);
  });
});

describe('stdio by hand: every stdout line is JSON-RPC, the process exits 0 when stdin ends', () => {
  it('raw frames in, only protocol out', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, [KIT_CLI], {
      env: cleanEnv({
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_PRINCIPAL: 'raw-user',
        PORTCULLIS_ROLES: 'admin',
        PORTCULLIS_TENANT: 'acme',
        PORTCULLIS_LOG_LEVEL: 'debug',
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    const responses = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id?: number });
    const waitForId = async (id: number) => {
      const deadline = Date.now() + 60_000;
      while (!responses().some((r) => r.id === id)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no response ${id}; stdout=${out} stderr=${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '0' },
        },
      });
      await waitForId(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'kit_echo', arguments: { message: 'raw' } },
      });
      send({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'kit_get_note', arguments: { id: 42 } },
      });
      send({ jsonrpc: '2.0', id: 5, method: 'no/such/method' });
      await waitForId(5);
      for (const id of [2, 3, 4]) await waitForId(id);
    } finally {
      child.stdin.end();
    }
    const exit = await Promise.race([
      exited,
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit after stdin closed')), 30_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });

    // every stdout line is a JSON-RPC 2.0 message; nothing else ever reached stdout
    const lines = out.split('\n').filter((l) => l !== '');
    expect(out.endsWith('\n')).toBe(true);
    for (const l of lines) {
      const m = JSON.parse(l) as Record<string, unknown>;
      expect(m.jsonrpc).toBe('2.0');
      expect('result' in m || 'error' in m || 'method' in m).toBe(true);
    }
    const byId = new Map(responses().map((r) => [r.id, r as Record<string, unknown>]));
    expect((byId.get(3)!.result as { structuredContent: unknown }).structuredContent).toEqual({
      message: 'raw',
    });
    expect(
      (byId.get(4)!.result as { _meta: Record<string, { category: string }> })._meta['portcullis/error']!
        .category,
    ).toBe('validation');
    expect((byId.get(5)!.error as { code: number }).code).toBe(-32601);

    // stderr: JSON lines only (debug level included), and some were written
    const errLines = err.split('\n').filter((l) => l.trim() !== '');
    expect(errLines.length).toBeGreaterThan(0);
    for (const l of errLines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(parseJsonLines(errLines).some((l) => l.msg === 'shutting down')).toBe(true);
    const v = await verifyAudit(['--file', auditFileOf(dataDir)]);
    expect(v.code).toBe(0);
  });
});

/** Starts the CLI over stdio, waits for its initialize answer, closes stdin and waits for its exit. */
async function startAndStop(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [KIT_CLI, ...args], { env: cleanEnv(env), stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    if (out.includes('"id":1')) child.stdin.end();
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stdin.on('error', () => undefined);
  child.stdin.write(
    `${JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cc', version: '0' } },
    })}\n`,
  );
  const code = await Promise.race([
    exited,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit; stderr=${err}`)), 60_000)),
  ]);
  return { code, stderr: err };
}

describe("stdio: Node's module compile cache (Node >= 22.10)", () => {
  // Node 20 has no compile cache; CI runs this file on Node 24 as well (.ci/run).
  const nodeHasIt = typeof (module as { flushCompileCache?: unknown }).flushCompileCache === 'function';

  it('a restart runs the code the first start compiled, from an owner-only folder; HTTP leaves it alone', async () => {
    const cacheHome = tempDir('kit-cache-home-');
    const env = {
      PORTCULLIS_DATA_DIR: tempDir(),
      PORTCULLIS_PRINCIPAL: 'cache-user',
      PORTCULLIS_ROLES: 'viewer',
      PORTCULLIS_TENANT: 'acme',
      XDG_CACHE_HOME: cacheHome,
    };
    const cache = join(cacheHome, 'portcullis', 'compile-cache');

    // --transport http: not turned on (the kit's module is read before the command line is).
    const http = await startAndStop(env, ['--transport', 'http', '--version']);
    expect(http.code).toBe(0);
    expect(existsSync(join(cacheHome, 'portcullis'))).toBe(false);

    const first = await startAndStop(env);
    expect(first.code).toBe(0);
    if (!nodeHasIt) {
      expect(existsSync(join(cacheHome, 'portcullis'))).toBe(false);
      return;
    }
    // Ours owner-only; Node's folder per version and user sits inside; every entry 0600.
    expect(lstatSync(join(cacheHome, 'portcullis')).mode & 0o777).toBe(0o700);
    expect(lstatSync(cache).mode & 0o777).toBe(0o700);
    const entries = modesUnder(cache).filter((e) => !e.dir);
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) expect(e.mode, e.path).toBe(0o600);

    const second = await startAndStop({ ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(second.code).toBe(0);
    const accepted = second.stderr.split('\n').filter((l) => /V8 code cache for .* was accepted/.test(l));
    expect(accepted.some((l) => l.includes('/packages/core/dist/'))).toBe(true);
    expect(second.stderr).toContain(cache);
  });

  it('a cache folder another user could write is not used', async () => {
    const cacheHome = tempDir('kit-cache-home-');
    const cache = join(cacheHome, 'portcullis', 'compile-cache');
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    chmodSync(cache, 0o777);
    const run = await startAndStop({
      PORTCULLIS_DATA_DIR: tempDir(),
      PORTCULLIS_PRINCIPAL: 'cache-user',
      PORTCULLIS_ROLES: 'viewer',
      PORTCULLIS_TENANT: 'acme',
      PORTCULLIS_LOG_LEVEL: 'debug',
      XDG_CACHE_HOME: cacheHome,
    });
    expect(run.code).toBe(0);
    expect(readdirSync(cache)).toEqual([]);
    const logged = parseJsonLines(run.stderr.split('\n')).find((l) => l.msg === 'module compile cache');
    expect(logged?.compileCache).toEqual(
      nodeHasIt ? { state: 'not-private', dir: cache } : { state: 'unavailable' },
    );
  });
});

/**
 * Shared set-up for the broker's suites: config files, scratch directories, the built CLI over
 * stdio, server-everything, a recording HTTP hop.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, expect } from 'vitest';

/** The built broker CLI. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export function configFile(yaml: string, dir = mkdtempSync(join(tmpdir(), 'broker-cfg-'))): string {
  const path = join(dir, 'broker.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** A new temporary directory per call, all removed after the calling file's tests. */
export function scratchDirs(): (prefix: string) => string {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  return (prefix) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/**
 * The built CLI over stdio with `args`, connected, with nothing of this process's environment but
 * PATH and `env` (info logs); `stderr()` is what it wrote there so far.
 */
export async function stdioBroker(
  args: string[],
  env: Record<string, string>,
): Promise<{ client: Client; stderr: () => string }> {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { PATH: process.env.PATH ?? '', PORTCULLIS_LOG_LEVEL: 'info', ...env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'broker-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** The entry script of the official server-everything. */
export function everythingEntry(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]!;
  return join(dirname(pkgPath), bin);
}

export interface Seen {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback hop that records every request before passing it to `target` (a port): what the
 * upstream receives, header by header. `down()` makes it refuse everything from then on.
 */
export async function recordingHop(target: () => number): Promise<{
  url: string;
  seen: Seen[];
  down: () => void;
  close: () => Promise<void>;
}> {
  const seen: Seen[] = [];
  let isDown = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', headers: { ...req.headers }, body: body.toString('utf8') });
      if (isDown) {
        req.socket.destroy();
        return;
      }
      const port = target();
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    seen,
    down: () => {
      isDown = true;
      server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Waits for a condition with a deadline (never a fixed sleep). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The error envelope a refused read or get carries in its JSON-RPC message. */
export function envelopeOf(err: unknown): Record<string, unknown> {
  const m = /\{"error":.*\}/.exec(String((err as Error).message));
  expect(m, String(err)).not.toBeNull();
  return (JSON.parse(m![0]) as { error: Record<string, unknown> }).error;
}

/**
 * Scaffolding for end-to-end suites that run a BUILT server CLI (`node <cli> ...`) as a real
 * process: clean environments, tracked child processes and temp dirs (cleaned up by `cleanup()` /
 * `killAll()`), spawning the CLI over HTTP and waiting until it serves and is ready, API-key files,
 * the audit verifier CLI, audit-file reading and raw HTTP through node:http.
 *
 * Nothing here depends on a server or on @portcullis/core: callers pass the CLI path, its name and
 * (for API keys) the key generator, so this package builds on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (this file is test/support/dist/servers.js once built). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The `portcullis-audit` CLI, built. */
export const AUDIT_CLI = join(REPO_ROOT, 'packages/core/dist/audit-cli.js');

// ---------------------------------------------------------------------------------------------
// Bookkeeping: every process and temp dir made here is tracked.

const live = new Set<ChildProcess>();
const livePids = new Set<number>();
const tempDirs: string[] = [];

process.once('exit', () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of livePids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** Tracks a child process until it exits; `killAll()` kills it if it is still running. */
export function track(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
}

/** Tracks a process known only by pid (e.g. one spawned by the SDK's stdio transport). */
export function trackPid(pid: number): void {
  livePids.add(pid);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills (SIGKILL) every tracked process that is still running, and waits for the children to exit. */
export async function killAll(): Promise<void> {
  for (const pid of livePids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  livePids.clear();
  const waits: Promise<unknown>[] = [];
  for (const p of live) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    waits.push(new Promise((r) => p.once('exit', r)));
    p.kill('SIGKILL');
  }
  await Promise.all(waits);
}

/** A new temp dir, removed by `cleanup()`. */
export function trackedTempDir(prefix = 'portcullis-e2e-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** `killAll()`, then removes every temp dir made by `trackedTempDir()`. For afterAll. */
export async function cleanup(): Promise<void> {
  await killAll();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Environment and output

/**
 * A clean environment for a spawned server: PATH/HOME and friends, none of the caller's
 * PORTCULLIS_* / AWS_* / DATABASE_URL / REDIS_URL / NODE_ENV (vitest sets NODE_ENV=test) / VITEST* /
 * TEST / npm_*, nor any variable starting with one of `dropPrefixes` (a server's own, e.g. `CRM_`);
 * log level info, no EC2 metadata look-ups. Then `extra`, where `undefined` removes a variable.
 */
export function cleanEnv(
  extra: Record<string, string | undefined> = {},
  dropPrefixes: string[] = [],
): Record<string, string> {
  const drop = ['PORTCULLIS_', 'AWS_', 'VITEST', 'npm_', ...dropPrefixes];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (drop.some((p) => k.startsWith(p))) continue;
    if (['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'TEST'].includes(k)) continue;
    env[k] = v;
  }
  env.PORTCULLIS_LOG_LEVEL = 'info';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A 'data' listener that appends each complete line of a stream to `into`. */
export function lineCollector(into: string[]): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      into.push(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Spawning a server CLI over HTTP

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProc {
  /** http://127.0.0.1:PORT/mcp */
  url: string;
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  proc: ChildProcess;
  /** stderr, one entry per line (grows while the process runs). */
  stderr: string[];
  stdout: string[];
  exited: Promise<Exit>;
  /** Sends the signal (default SIGTERM) and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
  /** Resolves with the first stderr line (parsed) whose msg matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface SpawnHttpOptions {
  /** The built CLI, e.g. servers/crm/dist/cli.js. */
  cliPath: string;
  /** The environment of the process, whole (build it with `cleanEnv`). */
  env: Record<string, string | undefined>;
  /** How errors name the server, e.g. "CRM CLI". */
  name?: string;
  /** Extra CLI arguments, after `--transport http --host 127.0.0.1 --port 0`. */
  args?: string[];
  /** Node's own options, before the CLI (e.g. `--trace-wasm-compilation-times`). */
  nodeArgs?: string[];
  /** Bound for the "serving MCP over HTTP" line, and then for /readyz (default 90 s each). */
  timeoutMs?: number;
  /** Wait for /readyz to answer 200 before returning (default true). */
  waitReady?: boolean;
  /** When set, the announced URL must have this host name (else the server is stopped and this throws). */
  expectHost?: string;
}

/**
 * Spawns `node [nodeArgs] <cliPath> --transport http --host 127.0.0.1 --port 0`, waits for the "serving MCP
 * over HTTP" stderr line and (unless waitReady is false) for /readyz to answer 200, and returns
 * where it listens. The process is tracked (`killAll()`).
 */
export async function spawnHttp(opts: SpawnHttpOptions): Promise<ServerProc> {
  const name = opts.name ?? 'server';
  const proc = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      opts.cliPath,
      ...['--transport', 'http', '--host', '127.0.0.1', '--port', '0'],
      ...(opts.args ?? []),
    ],
    { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(proc);
  const stderr: string[] = [];
  const stdout: string[] = [];
  proc.stderr.on('data', lineCollector(stderr));
  proc.stdout.on('data', lineCollector(stdout));
  const exited = new Promise<Exit>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const waitForLog = (msg: string | RegExp, timeoutMs = 60_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const matches = (l: string): Record<string, unknown> | null => {
        try {
          const j = JSON.parse(l) as Record<string, unknown>;
          const m = typeof j.msg === 'string' ? j.msg : '';
          return (typeof msg === 'string' ? m === msg : msg.test(m)) ? j : null;
        } catch {
          return null;
        }
      };
      let seen = 0;
      const check = (): boolean => {
        for (; seen < stderr.length; seen++) {
          const j = matches(stderr[seen]!);
          if (j) {
            done();
            resolve(j);
            return true;
          }
        }
        return false;
      };
      const onData = () => void setImmediate(check);
      const onExit = () => {
        setImmediate(() => {
          if (check()) return;
          done();
          reject(new Error(`${name} exited before logging "${String(msg)}":\n${stderr.join('\n')}`));
        });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no "${String(msg)}" log line within ${timeoutMs} ms:\n${stderr.join('\n')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        proc.stderr.off('data', onData);
        proc.off('exit', onExit);
      };
      proc.stderr.on('data', onData);
      proc.once('exit', onExit);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<Exit> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const e = await exited;
      clearTimeout(t);
      return e;
    }
    return exited;
  };

  const serving = await waitForLog('serving MCP over HTTP', opts.timeoutMs ?? 90_000);
  // A host serving only per-system paths announces `systems` instead of one url.
  const url =
    (serving.url as string | undefined) ?? Object.values(serving.systems as Record<string, string>)[0]!;
  const u = new URL(url);
  if (opts.expectHost !== undefined && u.hostname !== opts.expectHost) {
    await stop('SIGKILL');
    throw new Error(`${name} announced ${url}, not on ${opts.expectHost}`);
  }
  // The listener is up before start-up (store, audit sink, limiter, backend) finishes; a server
  // handed to a test is a ready one, so its first call does not stall behind start-up.
  if (opts.waitReady !== false) {
    const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`${name} exited during start-up:\n${stderr.join('\n')}`);
      const r = await rawHttp(`${u.protocol}//${u.host}/readyz`).catch(() => null);
      if (r?.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`${name} not ready within the time limit:\n${stderr.join('\n')}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  return {
    url,
    base: `${u.protocol}//${u.host}`,
    port: Number(u.port),
    proc,
    stderr,
    stdout,
    exited,
    stop,
    waitForLog,
  };
}

// ---------------------------------------------------------------------------------------------
// One-shot processes, the audit verifier, audit files

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by timeoutMs, then SIGKILL). The process is tracked. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: opts.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    track(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (opts.input !== undefined) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

/** `portcullis-audit verify ...args` (exit 0 intact, 1 tampered, 2 torn tail), e.g. `['--file', f]`. */
export function verifyAudit(args: string[]): Promise<CliRun> {
  return runProcess(process.execPath, [AUDIT_CLI, 'verify', ...args], { env: cleanEnv(), timeoutMs: 60_000 });
}

/** The records of a JSON-lines audit file (throws when the file is missing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readAuditLines<T = Record<string, any>>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

// ---------------------------------------------------------------------------------------------
// API keys

export interface ApiKeyFile<R> {
  file: string;
  /** The full key by principal name. */
  keys: Record<string, string>;
  records: R[];
}

/**
 * Writes an API-keys file (mode 0600) in `dir` with one record per spec, made by `generate`
 * (pass `generateApiKey` from @portcullis/core, or a wrapper); returns the full keys by principal.
 */
export function writeApiKeys<S extends { principal: string }, R>(
  dir: string,
  specs: S[],
  generate: (spec: S) => { key: string; record: R },
  fileName = 'api-keys.json',
): ApiKeyFile<R> {
  const keys: Record<string, string> = {};
  const records: R[] = [];
  for (const s of specs) {
    const { key, record } = generate(s);
    keys[s.principal] = key;
    records.push(record);
  }
  const file = join(dir, fileName);
  writeFileSync(file, JSON.stringify(records, null, 2), { mode: 0o600 });
  return { file, keys, records };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** A raw HTTP request through node:http (which, unlike fetch, lets a test set Host). */
export function rawHttp(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** POSTs one JSON-RPC body (any JSON value, or raw text when `raw`) to an MCP endpoint. */
export async function postRpc(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  raw = false,
): Promise<RawResponse> {
  return rawHttp(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: raw ? (body as string) : JSON.stringify(body),
  });
}

// ---------------------------------------------------------------------------------------------
// One e2e suite's scaffolding, bound to one server CLI

export interface ServerHarnessOptions {
  /** The built CLI, e.g. servers/crm/dist/cli.js. */
  cliPath: string;
  /** How errors name the server, e.g. "CRM CLI". */
  name: string;
  /** The server's own environment prefixes, dropped from the caller's environment (e.g. `CRM_`). */
  envPrefixes?: string[];
  /** Prefix of the temp dirs (default `portcullis-e2e-`). */
  tempPrefix?: string;
  /** Bound for the server to serve, and then to be ready (default 90 s each). */
  timeoutMs?: number;
}

export interface ServerHarness {
  /** A new temp dir, removed by `cleanup`. */
  tempDir(): string;
  /** `cleanEnv(extra)` without the server's own prefixes. */
  cleanEnv(extra?: Record<string, string>): Record<string, string>;
  /** The CLI over HTTP on 127.0.0.1 (the announced URL must be there), served and ready. */
  spawnHttp(env: Record<string, string>): Promise<ServerProc>;
  /** `portcullis-audit verify --file <file>`. */
  verifyAudit(file: string): Promise<CliRun>;
  readAudit: typeof readAuditLines;
  writeApiKeys: typeof writeApiKeys;
  lines: typeof lineCollector;
  track: typeof track;
  trackPid: typeof trackPid;
  alive: typeof alive;
  /** Kills every tracked process and removes the temp dirs: pass it to afterAll. */
  cleanup: typeof cleanup;
}

export function serverHarness(opts: ServerHarnessOptions): ServerHarness {
  const env = (extra: Record<string, string> = {}) => cleanEnv(extra, opts.envPrefixes);
  return {
    tempDir: () => trackedTempDir(opts.tempPrefix),
    cleanEnv: env,
    spawnHttp: (extra) =>
      spawnHttp({
        cliPath: opts.cliPath,
        name: opts.name,
        env: env(extra),
        expectHost: '127.0.0.1',
        timeoutMs: opts.timeoutMs,
      }),
    verifyAudit: (file) => verifyAudit(['--file', file]),
    readAudit: readAuditLines,
    writeApiKeys,
    lines: lineCollector,
    track,
    trackPid,
    alive,
    cleanup,
  };
}

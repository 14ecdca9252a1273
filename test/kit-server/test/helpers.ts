/**
 * Shared helpers for the kit proof suites: spawning the built kit CLI (HTTP and one-shot), JWKS
 * and token minting with jose, API-key files, raw JSON-RPC over HTTP, a programmable fake
 * upstream (quotes) on 127.0.0.1, audit-file reading and the audit verifier CLI.
 *
 * Every process spawned here is tracked and killed by `killAll()` (call it in afterAll/afterEach).
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SignJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { generateApiKey, type ApiKeyRecord } from '@portcullis/core';
import type { AuditRecord } from '@portcullis/core/audit';
import {
  cleanEnv as sharedCleanEnv,
  postRpc,
  runProcess,
  spawnHttp as sharedSpawnHttp,
  verifyAudit as sharedVerifyAudit,
  writeApiKeys as sharedWriteApiKeys,
  type ApiKeyFile,
  type CliRun,
  type ServerProc,
} from '@portcullis/test-support/servers';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KIT_CLI = join(ROOT, 'test/kit-server/dist/cli.js');
export const AUDIT_CLI = join(ROOT, 'packages/core/dist/audit-cli.js');
export const AUDIT_FILE_NAME = 'portcullis-kit.audit.jsonl';

export function tempDir(prefix = 'kit-proof-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Every path under `dir` (itself included) with its permission bits and whether it is a folder;
 * a link's own bits (0777), not its target's, so a link never passes for an owner-only file.
 */
export function modesUnder(dir: string): { path: string; dir: boolean; mode: number }[] {
  const entry = (path: string) => {
    const st = lstatSync(path);
    return { path, dir: st.isDirectory(), mode: st.mode & 0o777 };
  };
  return [dir, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((e) => join(dir, e))].map(
    entry,
  );
}

/** The default audit file of a kit server whose PORTCULLIS_DATA_DIR is `dataDir`. */
export function auditFileOf(dataDir: string): string {
  return join(dataDir, 'audit', AUDIT_FILE_NAME);
}

// ---------------------------------------------------------------------------------------------
// Processes: the shared scaffolding (@portcullis/test-support/servers), bound to the kit CLI

export { killAll, rawHttp, postRpc } from '@portcullis/test-support/servers';
export type { CliRun, Exit, RawResponse, ServerProc } from '@portcullis/test-support/servers';

/**
 * A clean environment for a spawned server: PATH/HOME and friends, none of the caller's
 * PORTCULLIS_* / KIT_* / DATABASE_URL / REDIS_URL / NODE_ENV (vitest sets NODE_ENV=test), log level info.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return sharedCleanEnv(extra, ['KIT_']);
}

export function parseJsonLines(lines: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of lines) {
    if (l.trim() === '') continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not JSON: callers that care check for it separately
    }
  }
  return out;
}

/**
 * Spawns `node test/kit-server/dist/cli.js --transport http --port 0` with `env` (on top of
 * cleanEnv), waits for the "serving MCP over HTTP" line and returns where it listens.
 */
export async function spawnHttp(
  env: Record<string, string | undefined>,
  opts: { timeoutMs?: number; args?: string[]; waitReady?: boolean } = {},
): Promise<ServerProc> {
  return sharedSpawnHttp({ cliPath: KIT_CLI, name: 'kit server', env: cleanEnv(env), ...opts });
}

export { runProcess };

/** The kit CLI run once (for start-up refusals): resolves when it exits. */
export function runKitCli(
  env: Record<string, string | undefined>,
  args: string[] = ['--transport', 'http', '--port', '0'],
  timeoutMs = 60_000,
): Promise<CliRun> {
  return runProcess(process.execPath, [KIT_CLI, ...args], { env: cleanEnv(env), timeoutMs });
}

/** `portcullis-audit verify ...` (exit 0 intact, 1 tampered, 2 torn tail). */
export function verifyAudit(args: string[]): Promise<CliRun> {
  return sharedVerifyAudit(args);
}

export function readAudit(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

// ---------------------------------------------------------------------------------------------
// Identity: JWKS + tokens, API keys

export interface TestIssuer {
  issuer: string;
  kid: string;
  jwksFile: string;
  publicJwk: JWK;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  /** PEM (SPKI) of the public key: what an HS256 key-confusion attacker would use as the HMAC secret. */
  publicPem: string;
  mint(
    claims: JWTPayload & { sub: string; tenant?: string; roles?: string[] | string },
    opts: MintOptions,
  ): Promise<string>;
}

export interface MintOptions {
  audience: string;
  issuer?: string;
  /** Seconds from now; negative for an already expired token. */
  expiresIn?: number;
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
}

/** An RS256 key pair with the public half written as a JWKS file in `dir`. */
export async function makeIssuer(
  dir: string,
  issuer = 'https://issuer.portcullis.test',
): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'kit-test-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  const publicPem = await exportSPKI(publicKey);
  const mint: TestIssuer['mint'] = async (claims, o) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresIn ?? 300);
    const { sub, ...rest } = claims;
    return new SignJWT({ ...rest })
      .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? kid, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(o.issuer ?? issuer)
      .setAudience(o.audience)
      .setIssuedAt(Math.min(now, exp - 60))
      .setExpirationTime(exp)
      .sign(o.key ?? privateKey);
  };
  return { issuer, kid, jwksFile, publicJwk, publicKey, privateKey, publicPem, mint };
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsigned token (`alg: none`), as an attacker would craft one. */
export function unsignedToken(payload: JWTPayload): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

export type ApiKeys = ApiKeyFile<ApiKeyRecord>;

/** Writes an API-keys file; returns the full keys by principal name. */
export function writeApiKeys(
  dir: string,
  specs: { principal: string; roles: string[]; tenant: string; dev?: boolean }[],
  fileName = 'api-keys.json',
): ApiKeys {
  return sharedWriteApiKeys(
    dir,
    specs,
    (s) =>
      generateApiKey({
        principal: s.principal,
        roles: s.roles,
        tenant: s.tenant,
        ...(s.dev ? { dev: true } : {}),
      }),
    fileName,
  );
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP (rawHttp and postRpc are re-exported above)

export interface ToolReply {
  status: number;
  isError: boolean;
  structured: Record<string, unknown> | undefined;
  envelope: Record<string, unknown> | undefined;
  auditId: string | undefined;
  /** JSON-RPC error (unknown tool ...), when the call was refused at the protocol level. */
  rpcError: { code: number; message: string } | undefined;
  text: string;
  raw: unknown;
}

let rawSeq = 0;

/** tools/call over stateless HTTP with a raw POST; returns the pieces tests look at. */
export async function callToolHttp(
  url: string,
  name: string,
  args: unknown,
  headers: Record<string, string> = {},
): Promise<ToolReply> {
  const r = await postRpc(
    url,
    { jsonrpc: '2.0', id: ++rawSeq, method: 'tools/call', params: { name, arguments: args } },
    headers,
  );
  const body = r.json as
    { result?: Record<string, unknown>; error?: { code: number; message: string } } | undefined;
  const result = body?.result;
  const meta = (result?._meta ?? {}) as Record<string, unknown>;
  const content = (result?.content ?? []) as { text?: string }[];
  return {
    status: r.status,
    isError: result?.isError === true,
    structured: result?.structuredContent as Record<string, unknown> | undefined,
    envelope: meta['portcullis/error'] as Record<string, unknown> | undefined,
    auditId: meta['portcullis/audit_id'] as string | undefined,
    rpcError: body?.error,
    text: content.map((c) => c.text ?? '').join('\n'),
    raw: r.json ?? r.text,
  };
}

export async function listToolsHttp(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const r = await postRpc(url, { jsonrpc: '2.0', id: ++rawSeq, method: 'tools/list', params: {} }, headers);
  const tools = ((r.json as { result?: { tools?: { name: string }[] } }).result?.tools ?? []).map(
    (t) => t.name,
  );
  return tools.sort();
}

/** The value of one Prometheus sample (0 when absent). */
export function metricValue(metricsText: string, name: string, labels: Record<string, string>): number {
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = /^[^{]+\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const got: Record<string, string> = {};
    for (const part of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) got[part[1]!] = part[2]!;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// A programmable upstream: GET /quotes/<topic>

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the response until release() is called. */
  hold?: boolean;
}

export interface QuoteRequest {
  topic: string;
  authorization: string | undefined;
  at: number;
}

export interface QuoteServer {
  url: string;
  requests: QuoteRequest[];
  /** When set, any other bearer token is answered 401. */
  validToken: string | null;
  /** Queues responses for a topic (served in order, then the default 200). */
  queue(topic: string, ...responses: ScriptedResponse[]): void;
  /** Answers every request for the topic with this response (until cleared with null). */
  always(topic: string, response: ScriptedResponse | null): void;
  /** Number of held requests waiting. */
  held(): number;
  /** Releases every held request (answered 200 with the default quote). */
  release(): void;
  /** Requests seen for one topic. */
  count(topic: string): number;
  close(): Promise<void>;
}

export async function startQuoteServer(): Promise<QuoteServer> {
  const queues = new Map<string, ScriptedResponse[]>();
  const fixed = new Map<string, ScriptedResponse>();
  const holds: (() => void)[] = [];
  const requests: QuoteRequest[] = [];
  const state = { validToken: null as string | null };
  const server: Server = createServer((req, res) => {
    const m = /^\/quotes\/([^/?]+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such route"}');
      return;
    }
    const topic = decodeURIComponent(m[1]!);
    const authorization = req.headers.authorization;
    requests.push({ topic, authorization, at: Date.now() });
    const send = (r: ScriptedResponse) => {
      res
        .writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) })
        .end(r.body ?? JSON.stringify({ quote: `A quote about ${topic}.` }));
    };
    if (state.validToken !== null && authorization !== `Bearer ${state.validToken}`) {
      send({ status: 401, body: JSON.stringify({ error: 'invalid token', got: authorization ?? null }) });
      return;
    }
    const scripted = queues.get(topic)?.shift() ?? fixed.get(topic);
    if (scripted?.hold) {
      holds.push(() => send({ status: 200 }));
      return;
    }
    send(scripted ?? { status: 200 });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get validToken() {
      return state.validToken;
    },
    set validToken(v: string | null) {
      state.validToken = v;
    },
    queue(topic, ...responses) {
      queues.set(topic, [...(queues.get(topic) ?? []), ...responses]);
    },
    always(topic, response) {
      if (response === null) fixed.delete(topic);
      else fixed.set(topic, response);
    },
    held: () => holds.length,
    release() {
      for (const h of holds.splice(0)) h();
    },
    count: (topic) => requests.filter((r) => r.topic === topic).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of holds.splice(0)) h();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/** Polls `cond` every 25 ms until it is true; throws after timeoutMs. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `tasks` with at most `concurrency` at a time; results in task order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** The message of a JSON-RPC "unknown tool" error with the tool name replaced, for shape comparison. */
export function unknownToolShape(message: string, name: string): string {
  return message.split(name).join('<tool>');
}

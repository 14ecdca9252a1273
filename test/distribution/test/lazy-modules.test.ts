/**
 * Start-up footprint guard (not a timing test): no server loads a heavy module before it needs it.
 * Cedar and PGlite are loaded by the kit once the process is up, beside the protocol, never by
 * importing a server; prom-client (metrics) only by an HTTP server, which serves them; jose only to sign or verify a token (HTTP JWTs, approval
 * tokens, broker assertions), so never for a read over stdio; connector SDKs (HubSpot, Stripe, AWS),
 * mail, the OpenTelemetry SDK, pg and ioredis only when their setting asks for them; p-retry for an
 * upstream call; the OpenTelemetry API only when a span can reach anything (an exporter set, or an
 * SDK registered in the process by someone else: `telemetryApiNeeded`). Bottleneck (the rate
 * limits) loads once the server is up, not by importing it. A module-load hook (node --import) records every module the
 * process loads, as a client spawning the built CLI would run it. The CLI is one bundle
 * (scripts/bundle-cli.mjs): it loads the kit, the SDK and zod from itself, never from their own
 * packages. Over stdio the young generation keeps its start size (the V8 settings hold before the
 * modules load), and a restart loads none of Node's http, https, tls, child_process or dgram.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { optimisedCompiles, ROOT } from './helpers.js';

const HEAVY = [
  '@cedar-policy/cedar-wasm',
  '@electric-sql/pglite',
  '@aws-sdk/*',
  '@hubspot/api-client',
  'stripe',
  'nodemailer',
  '@opentelemetry/sdk-*',
  '@opentelemetry/exporter-*',
  '@opentelemetry/resources',
  'pg',
  'ioredis',
  'jose',
  'prom-client',
  'p-retry',
  '@opentelemetry/api',
  'bottleneck',
];
/**
 * What the first call on the embedded store needs: policy, store and limits. Not prom-client: a
 * stdio process keeps no metrics (only HTTP serves them); not the OpenTelemetry API: without an
 * exporter or an SDK registered in the process, every span would be its no-op.
 */
const NEEDED_FOR_A_CALL = ['@cedar-policy/cedar-wasm', '@electric-sql/pglite', 'bottleneck'];
/**
 * npm packages the CLI's bundle holds: the process must never load these from node_modules too.
 * (The kit is the workspace's own: `unbundledIn` checks that no build output loads beside the bundle.)
 */
const BUNDLED = ['@modelcontextprotocol/sdk', 'zod', 'ajv'];

/** The broker fronts the CRM in-process for its first call. */
const brokerConfig = join(mkdtempSync(join(tmpdir(), 'portcullis-lazy-broker-')), 'broker.yaml');
writeFileSync(brokerConfig, 'upstreams:\n  - name: crm\n    local: crm\n');

/** A read each server's demo principal may make (a server not listed gets the import check only). */
const FIRST_CALL: Record<
  string,
  { env: Record<string, string>; tool: string; args: Record<string, unknown> }
> = {
  crm: {
    env: { PORTCULLIS_PRINCIPAL: 'alice', PORTCULLIS_ROLES: 'rep', PORTCULLIS_TENANT: 'acme' },
    tool: 'crm_search_accounts',
    args: { limit: 1 },
  },
  billing: {
    env: { PORTCULLIS_PRINCIPAL: 'agent-7', PORTCULLIS_ROLES: 'support', PORTCULLIS_TENANT: 'acme' },
    tool: 'billing_list_invoices',
    args: { limit: 1 },
  },
  'posture-read': {
    env: { PORTCULLIS_PRINCIPAL: 'sam', PORTCULLIS_ROLES: 'analyst', PORTCULLIS_TENANT: 'acme' },
    tool: 'posture_search_findings',
    args: { limit: 1 },
  },
  broker: {
    env: {
      PORTCULLIS_BROKER_CONFIG: brokerConfig,
      PORTCULLIS_PRINCIPAL: 'alice',
      PORTCULLIS_ROLES: 'rep',
      PORTCULLIS_TENANT: 'acme',
    },
    tool: 'crm_search_accounts',
    args: { limit: 1 },
  },
  'remediation-write': {
    env: { PORTCULLIS_PRINCIPAL: 'riley', PORTCULLIS_ROLES: 'responder', PORTCULLIS_TENANT: 'acme' },
    tool: 'remediation_list_plans',
    args: { limit: 1 },
  },
};

const SERVERS = readdirSync(join(ROOT, 'servers')).filter((d) =>
  existsSync(join(ROOT, 'servers', d, 'dist', 'cli.js')),
);

const work = mkdtempSync(join(tmpdir(), 'portcullis-lazy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The hook: every module URL a process loads, one line each (`<pid> <url>`), appended to
// LOAD_RECORD. The pid tells the server's own loads from a child's (the broker's first start
// runs `--prepare` in a child with the same flags).
const hooks = join(work, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.LOAD_RECORD) appendFileSync(process.env.LOAD_RECORD, process.pid + ' ' + url + '\\n');
  return next(url, context);
}
`,
);
// The young generation's size when the process exits (V8's new space: two semi-spaces).
const youngReport = join(work, 'young.mjs');
writeFileSync(
  youngReport,
  `import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
process.on('exit', () => {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  if (process.env.YOUNG_RECORD && s) appendFileSync(process.env.YOUNG_RECORD, s.space_size + '\\n');
});
`,
);
// Node's own modules the process loaded, when it exits (its module load list: `NativeModule <id>` lines).
const builtinsReport = join(work, 'builtins.mjs');
writeFileSync(
  builtinsReport,
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  if (process.env.BUILTIN_RECORD) writeFileSync(process.env.BUILTIN_RECORD, process.moduleLoadList.join('\\n'));
});
`,
);
/**
 * Node modules a restart over stdio on the embedded store never uses: http and https (with tls:
 * connectors' keep-alive agents, the HTTP transport) and child_process (with dgram: a first start
 * apart, initdb's fallback). Each is loaded where it is used, not by importing the kit (~15 ms).
 */
const UNUSED_BUILTINS = ['http', 'https', 'tls', 'child_process', 'dgram'];
const register = join(work, 'register.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

/**
 * The installed copies of npm packages among the module URLs one process recorded (`pid`; the
 * first process to record when not given): name → install folders.
 */
function installedIn(file: string, pid?: number): Map<string, Set<string>> {
  const copies = new Map<string, Set<string>>();
  for (const url of urlsIn(file, pid)) {
    const i = url.lastIndexOf('/node_modules/') + '/node_modules/'.length;
    if (i < '/node_modules/'.length) continue;
    const parts = url.slice(i).split('/');
    const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    copies.set(name, (copies.get(name) ?? new Set()).add(url.slice(0, i) + name));
  }
  return copies;
}

/** The module URLs one process recorded (`pid`; the first process to record when not given). */
function urlsIn(file: string, pid?: number): string[] {
  const lines = (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').filter(Boolean);
  const who = String(pid ?? lines[0]?.split(' ')[0]);
  return lines.filter((l) => l.slice(0, l.indexOf(' ')) === who).map((l) => l.slice(l.indexOf(' ') + 1));
}

/** The npm packages among the module URLs one process recorded. */
function packagesIn(file: string, pid?: number): Set<string> {
  return new Set(installedIn(file, pid).keys());
}

/**
 * Packages loaded from more than one installed copy (a workspace's own nested node_modules beside
 * the hoisted one): each copy is loaded and kept in full. Three copies of zod (~2.3 MB of source,
 * 270 modules each) once cost ~0.15 s before initialize.
 */
function duplicatesIn(file: string, pid?: number): string[] {
  return [...installedIn(file, pid)].filter(([, dirs]) => dirs.size > 1).map(([name]) => name);
}

/**
 * Modules of the workspace's build output (packages/*\/dist, servers/*\/dist) one process loaded
 * beyond the server's bundle (its dist/cli.js and dist/cli-chunks/).
 */
function unbundledIn(file: string, pid: number | undefined, server: string): string[] {
  const own = pathToFileURL(join(ROOT, 'servers', server, 'dist')).href;
  const workspace = [join(ROOT, 'packages'), join(ROOT, 'servers')].map((d) => pathToFileURL(d).href);
  return urlsIn(file, pid)
    .filter((url) => workspace.some((w) => url.startsWith(w)) && url.includes('/dist/'))
    .filter((url) => url !== `${own}/cli.js` && !url.startsWith(`${own}/cli-chunks/`));
}

function heavyIn(pkgs: Set<string>, allowed: string[] = []): string[] {
  const matches = (p: string, pattern: string) =>
    pattern.endsWith('*') ? p.startsWith(pattern.slice(0, -1)) : p === pattern;
  return [...pkgs].filter((p) => HEAVY.some((h) => matches(p, h)) && !allowed.includes(p)).sort();
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('PORTCULLIS_') ||
      k.startsWith('OTEL_') ||
      k.startsWith('CRM_') ||
      k.startsWith('BILLING_')
    )
      continue;
    if (['DATABASE_URL', 'REDIS_URL', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs node with the hook until it exits (bounded); returns the packages it loaded. */
function runRecorded(args: string[], env: NodeJS.ProcessEnv, record: string): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, ...args], {
      env: { ...env, LOAD_RECORD: record },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(packagesIn(record));
      else reject(new Error(`exited ${code}: ${err.slice(-500)}`));
    });
  });
}

/** A server spawned with its stdin and stdout piped (stderr ignored). */
type Server = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Sends initialize, initialized and the first call at once, as a client does, and resolves with
 * the call's answer (the line with id 2). Lines that are not JSON-RPC (a V8 trace written to the
 * same standard output) are skipped.
 */
function firstCall(child: Server, call: { tool: string; args: Record<string, unknown> }): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the first call within 90 s')), 90_000);
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    let rest = '';
    child.stdout.on('data', (b: Buffer) => {
      rest += b.toString();
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        const at = line.indexOf('{"');
        if (at < 0) continue;
        const msg = JSON.parse(line.slice(at)) as { id?: number };
        if (msg.id === 2) {
          clearTimeout(timer);
          resolve(line.slice(at));
        }
      }
    });
    for (const msg of [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'lazy-test', version: '1.0.0' },
        },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: call.tool, arguments: call.args } },
    ])
      child.stdin.write(`${JSON.stringify(msg)}\n`);
  });
}

/** Ends a server as a client does (stdin closed) and waits for it to exit (SIGKILL after 30 s). */
async function stop(child: Server): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdin.end();
  await exited;
  clearTimeout(timer);
}

describe.each(SERVERS)('%s', (name) => {
  it('importing the server and the kit loads no heavy module', async () => {
    const record = join(work, `${name}-import.txt`);
    const entry = pathToFileURL(join(ROOT, 'servers', name, 'dist', 'index.js')).href;
    const kit = pathToFileURL(join(ROOT, 'packages', 'core', 'dist', 'index.js')).href;
    const pkgs = await runRecorded(
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(kit)}); await import(${JSON.stringify(entry)});`,
      ],
      cleanEnv({}),
      record,
    );
    // The recorder sees the kit's own dependencies, so an empty list would mean a broken hook.
    expect(pkgs.has('@modelcontextprotocol/sdk')).toBe(true);
    expect(heavyIn(pkgs)).toEqual([]);
  });

  const call = FIRST_CALL[name];
  it.runIf(call !== undefined)(
    'over stdio on the embedded store, a first call loads policy and store, and nothing it does not use',
    async () => {
      const record = join(work, `${name}-call.txt`);
      const young = join(work, `${name}-young.txt`);
      const dataDir = join(work, `${name}-data`);
      const child = spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(register).href,
          '--import',
          pathToFileURL(youngReport).href,
          join(ROOT, 'servers', name, 'dist', 'cli.js'),
        ],
        {
          env: cleanEnv({
            ...call!.env,
            PORTCULLIS_DATA_DIR: dataDir,
            LOAD_RECORD: record,
            YOUNG_RECORD: young,
          }),
          stdio: ['pipe', 'pipe', 'ignore'],
        },
      );
      try {
        const answer = await firstCall(child, call!);
        const reply = JSON.parse(answer) as { result?: { isError?: boolean } };
        expect(reply.result, answer.slice(0, 300)).toBeDefined();
        expect(reply.result!.isError ?? false, answer.slice(0, 300)).toBe(false);
        // The server's own loads (a first start's `--prepare` child records under its own pid).
        const pkgs = packagesIn(record, child.pid);
        for (const p of NEEDED_FOR_A_CALL) expect(pkgs.has(p), p).toBe(true);
        expect(heavyIn(pkgs, NEEDED_FOR_A_CALL)).toEqual([]);
        // Rate limits in process: Bottleneck's build without the Redis datastore (lazy.ts).
        const urls = urlsIn(record, child.pid);
        expect(urls.filter((u) => u.endsWith('/node_modules/bottleneck/light.js'))).toHaveLength(1);
        expect(urls.filter((u) => u.includes('/node_modules/bottleneck/lib/'))).toEqual([]);
        // one copy of each package (the kit, the server and the SDK share one zod)
        expect(duplicatesIn(record, child.pid)).toEqual([]);
        // The bundle's own copies only: the workspace's build output and the bundled packages are
        // never loaded beside it (two copies of the kit would be two audit chains, two zods...).
        expect([...pkgs].filter((p) => BUNDLED.includes(p))).toEqual([]);
        expect(unbundledIn(record, child.pid, name)).toEqual([]);
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      // The stdio V8 settings held from the first allocation: the young generation kept its start
      // size. The CLI imports the kit and the server only after @portcullis/core/tune-v8 ran; with
      // them in its static imports they load first, and the broker's grew to 16 MB (~15 MiB resident).
      // (A first start also ran `--prepare` in a child with the same hooks: every line must hold.)
      const sizes = readFileSync(young, 'utf8').trim().split('\n').map(Number);
      expect(sizes.length).toBeGreaterThan(0);
      for (const size of sizes) expect(size / 2 ** 20).toBeLessThanOrEqual(4);
    },
    120_000,
  );

  it.runIf(call !== undefined)(
    'over stdio, a first start, a restart and its first call compile no WebAssembly with the optimising compiler, and load no unused Node module',
    async () => {
      // Stdio runs WebAssembly on the baseline compiler only (BASELINE_WASM_FLAGS): with V8's tier-up,
      // PGlite's and Cedar's hottest functions reached TurboFan during a start and first call, each
      // compile's zone (8-24 MB) stayed in a background thread's malloc arena (~30 MiB resident),
      // and on Node 24 one of PGlite's took a 607 MB zone during a first start's migrations.
      const cli = join(ROOT, 'servers', name, 'dist', 'cli.js');
      const env = cleanEnv({ ...call!.env, PORTCULLIS_DATA_DIR: join(work, `${name}-restart`) });
      // The first start (--prepare: the store created, migrated and seeded; a preparation runs on the
      // baseline compiler over either transport: e2e-wasm-tiering.test.ts for HTTP)
      const prepared = spawnSync(process.execPath, ['--trace-wasm-compilation-times', cli, '--prepare'], {
        env,
        timeout: 120_000,
      });
      expect(prepared.status, prepared.stderr?.toString().slice(-500)).toBe(0);
      const prepareTrace = prepared.stdout.toString();
      expect(prepareTrace).toMatch(/Compiled function \S+ using Liftoff/);
      expect(optimisedCompiles(prepareTrace)).toEqual([]);
      const builtins = join(work, `${name}-builtins.txt`);
      const child = spawn(
        process.execPath,
        ['--trace-wasm-compilation-times', '--import', pathToFileURL(builtinsReport).href, cli],
        { env: { ...env, BUILTIN_RECORD: builtins }, stdio: ['pipe', 'pipe', 'ignore'] },
      );
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      try {
        const reply = JSON.parse(await firstCall(child, call!)) as { result?: { isError?: boolean } };
        expect(reply.result).toBeDefined();
        expect(reply.result!.isError ?? false).toBe(false);
      } finally {
        await stop(child); // a clean exit flushes V8's trace
      }
      // V8 prints its trace through C's buffered stdout, so a protocol line (one JSON object, one
      // line) can land inside a trace line: taking the protocol lines out joins the trace back up.
      const trace = out.replace(/\{".*\n/g, '');
      // the trace was on (WebAssembly was compiled: Liftoff lines), and named no TurboFan compile
      expect(trace).toMatch(/Compiled function \S+ using Liftoff/);
      expect(optimisedCompiles(trace)).toEqual([]);
      const loaded = readFileSync(builtins, 'utf8').split('\n');
      expect(loaded).toContain('NativeModule fs'); // the record was written
      expect(UNUSED_BUILTINS.filter((id) => loaded.includes(`NativeModule ${id}`))).toEqual([]);
    },
    240_000,
  );
});

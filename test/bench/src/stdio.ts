/**
 * The stdio part of the bench (a measurement, not a test): what a desktop user waits for and pays
 * when a client spawns a Portcullis server, side by side with @modelcontextprotocol/server-everything
 * in the same run (alternating), for every server in STDIO_SERVERS.
 *
 *   npm run bench -- --stdio
 *
 * Per server: spawn → initialize answered, spawn → first tool call answered, resident memory
 * (VmRSS) after that call, on an existing data directory (a restart) and on an empty one (first
 * start: the store is created, migrated and seeded), where the peak (VmHWM) is reported too.
 * Then what it costs while it waits for the next call (a desktop client keeps it running all day):
 * how often its threads wake up and the CPU it uses, over BENCH_IDLE_MS after the first restart's
 * call, beside server-everything.
 * Knobs: BENCH_STDIO_RUNS (5, existing-dir runs per server), BENCH_FRESH_RUNS (2, empty-dir runs),
 * BENCH_IDLE_MS (5000; 0 skips the idle figures), BENCH_KEEP_EXTRA_CA_CERTS (1 passes this
 * environment's NODE_EXTRA_CA_CERTS to the measured processes; by default they start without it and
 * the table says what it costs a Node start here).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './timing.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StdioServer {
  /** Label in the table. */
  name: string;
  /** The built CLI, relative to the repository root. */
  cli: string;
  /** The stdio identity and any server setting; PORTCULLIS_DATA_DIR is added per run. */
  env: Record<string, string>;
  /** A read the principal may make on the demo data. */
  tool: { name: string; args: Record<string, unknown> };
}

/** Every server the stdio table covers: one entry per server (remediation-write and the broker join here). */
export const STDIO_SERVERS: StdioServer[] = [
  {
    name: 'crm',
    cli: 'servers/crm/dist/cli.js',
    env: { PORTCULLIS_PRINCIPAL: 'alice', PORTCULLIS_ROLES: 'rep', PORTCULLIS_TENANT: 'acme' },
    tool: { name: 'crm_search_accounts', args: { limit: 5 } },
  },
  {
    name: 'billing',
    cli: 'servers/billing/dist/cli.js',
    env: { PORTCULLIS_PRINCIPAL: 'agent-7', PORTCULLIS_ROLES: 'support', PORTCULLIS_TENANT: 'acme' },
    tool: { name: 'billing_list_invoices', args: { limit: 5 } },
  },
  {
    name: 'posture-read',
    cli: 'servers/posture-read/dist/cli.js',
    env: { PORTCULLIS_PRINCIPAL: 'sam', PORTCULLIS_ROLES: 'analyst', PORTCULLIS_TENANT: 'acme' },
    tool: { name: 'posture_search_findings', args: { severity_at_least: 'high', limit: 5 } },
  },
  {
    name: 'remediation-write',
    cli: 'servers/remediation-write/dist/cli.js',
    env: { PORTCULLIS_PRINCIPAL: 'riley', PORTCULLIS_ROLES: 'responder', PORTCULLIS_TENANT: 'acme' },
    tool: { name: 'remediation_list_plans', args: { limit: 5 } },
  },
];

/** The issue's goals for a stdio server. */
const GOALS = {
  initRatio: 1.25, // initialize within 1.25x of server-everything (existing data dir)
  firstCallMs: 1_000, // first tool call answered within 1 s of spawn (existing data dir)
  rssMiB: 200 / 1.048576, // resident memory after the first call at most 200 MB
  freshFirstCallMs: 4_000, // empty data dir: first tool call within 4 s
  freshPeakMiB: 300 / 1.048576, // empty data dir: peak memory at most 300 MB
};

interface Run {
  initMs: number;
  firstCallMs: number;
  rssMiB: number | null;
  peakMiB: number | null;
  /** Measured on one run per server: how often its threads woke, and its CPU, while no call came. */
  idle?: Idle | null;
}

interface Idle {
  wakeupsPerS: number;
  cpuPct: number;
}

/** An integer setting from the environment, clamped to [min, max]; anything else: the fallback. */
export function intEnv(name: string, fallback: number, min: number, max: number): number {
  const n = Number(process.env[name] ?? fallback);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function procMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  if (pid === undefined) return null;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Every thread's times off the CPU by its own choice (voluntary context switches: each is a sleep
 * that a timer or an event ended) and CPU time (ns), from /proc; null off Linux or once it exited.
 */
function threadTotals(pid: number | undefined): { switches: number; cpuNs: number } | null {
  if (pid === undefined) return null;
  try {
    let switches = 0;
    let cpuNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      switches += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      cpuNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return { switches, cpuNs };
  } catch {
    return null;
  }
}

async function measureIdle(pid: number | undefined, ms: number): Promise<Idle | null> {
  const a = threadTotals(pid);
  await new Promise((r) => setTimeout(r, ms));
  const b = threadTotals(pid);
  if (!a || !b) return null;
  return {
    wakeupsPerS: ((b.switches - a.switches) * 1000) / ms,
    cpuPct: ((b.cpuNs - a.cpuNs) / 1e6 / ms) * 100,
  };
}

/** Whether the measured processes keep this environment's NODE_EXTRA_CA_CERTS (see extraCaLine). */
const KEEP_EXTRA_CA = process.env.BENCH_KEEP_EXTRA_CA_CERTS === '1';

/**
 * The bench's environment for a measured process: this one's, without the settings that would
 * change what is measured (the kit's and the servers' own, a database, NODE_OPTIONS, NODE_ENV) and,
 * unless BENCH_KEEP_EXTRA_CA_CERTS=1, without NODE_EXTRA_CA_CERTS (extraCaLine), then `extra`.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('PORTCULLIS_') || k.startsWith('KIT_') || k.startsWith('npm_'))
      continue;
    if (['DATABASE_URL', 'REDIS_URL', 'NODE_OPTIONS', 'NODE_ENV'].includes(k)) continue;
    if (k === 'NODE_EXTRA_CA_CERTS' && !KEEP_EXTRA_CA) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * When this environment sets NODE_EXTRA_CA_CERTS, what it costs a Node process to start (`node -e
 * 0`, median of 5 alternating with it unset) and whether the measured processes keep it. Node reads
 * and parses that bundle at every start, whatever the program: a property of the machine, not of a
 * server, paid by server-everything as much. Null when it is not set.
 */
export function extraCaLine(): string | null {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return null;
  const time = (env: NodeJS.ProcessEnv) => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    return performance.now() - t0;
  };
  const withIt: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 5; i++) {
    withIt.push(time({ PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: file }));
    without.push(time({ PATH: process.env.PATH }));
  }
  return `NODE_EXTRA_CA_CERTS is set here (${file}): node -e 0 takes ${median(withIt).toFixed(0)} ms with it, ${median(without).toFixed(0)} ms without; the measured processes ${KEEP_EXTRA_CA ? 'keep it (BENCH_KEEP_EXTRA_CA_CERTS=1)' : 'start without it (BENCH_KEEP_EXTRA_CA_CERTS=1 keeps it)'}.`;
}

/**
 * Spawns a stdio server, sends initialize at once, then one tools/call; times both answers and reads
 * its memory. With `idleMs`, then watches it that long with no call coming (wake-ups, CPU).
 */
function run(args: string[], env: NodeJS.ProcessEnv, tool: StdioServer['tool'], idleMs = 0): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let initMs = 0;
    let rest = '';
    let done = false;
    const finish = (err: Error | null, r?: Run) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const exited = new Promise((res) => child.once('exit', res));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      void exited.then(() => {
        clearTimeout(kill);
        if (err) reject(err);
        else resolve(r!);
      });
    };
    const timer = setTimeout(() => finish(new Error(`${args[0]}: no answer within 60 s`)), 60_000);
    child.once('exit', (code, sig) =>
      finish(new Error(`${args[0]} exited (${code ?? sig}) before answering`)),
    );
    child.stdin.on('error', () => undefined);
    const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    child.stdout.on('data', (c: Buffer) => {
      rest += c.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        let msg: { id?: number; result?: { isError?: boolean } };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (msg.id === 1) {
          initMs = performance.now() - t0;
          if (!msg.result) return finish(new Error(`${args[0]}: initialize failed: ${line.slice(0, 300)}`));
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({
            jsonrpc: '2.0',
            id: 2,
            method: 'tools/call',
            params: { name: tool.name, arguments: tool.args },
          });
        } else if (msg.id === 2) {
          const firstCallMs = performance.now() - t0;
          if (!msg.result || msg.result.isError)
            return finish(new Error(`${args[0]}: ${tool.name} failed: ${line.slice(0, 300)}`));
          // Let start-up work that follows the first answer settle before reading memory.
          setTimeout(() => {
            const r: Run = {
              initMs,
              firstCallMs,
              rssMiB: procMiB(child.pid, 'VmRSS'),
              peakMiB: procMiB(child.pid, 'VmHWM'),
            };
            if (idleMs <= 0) return finish(null, r);
            void measureIdle(child.pid, idleMs).then((idle) => finish(null, { ...r, idle }));
          }, 1_000);
        }
      }
    });
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1.0.0' },
      },
    });
  });
}

function everythingEntry(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]!;
  return join(dirname(pkgPath), bin);
}

const medianOf = (runs: Run[], k: keyof Run) =>
  median(runs.map((r) => r[k]).filter((v): v is number => v !== null));

export async function stdioBench(log: (s?: string) => void, servers = STDIO_SERVERS): Promise<void> {
  const runs = intEnv('BENCH_STDIO_RUNS', 5, 1, 30);
  const freshRuns = intEnv('BENCH_FRESH_RUNS', 2, 0, 10);
  const idleMs = intEnv('BENCH_IDLE_MS', 5_000, 0, 60_000);
  const base = mkdtempSync(join(tmpdir(), 'portcullis-bench-stdio-'));
  const everything = { args: [everythingEntry(), 'stdio'], tool: { name: 'echo', args: { message: 'hi' } } };
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  try {
    log();
    log(
      `stdio (median of ${runs} runs on an existing data dir, ${freshRuns} on an empty one; each server alternates with server-everything)`,
    );
    const ca = extraCaLine();
    if (ca) log(ca);
    const results: { s: StdioServer; warm: Run[]; fresh: Run[]; ev: Run[]; error?: string }[] = [];
    for (const s of servers) {
      const r = {
        s,
        warm: [] as Run[],
        fresh: [] as Run[],
        ev: [] as Run[],
        error: undefined as string | undefined,
      };
      results.push(r);
      const cli = join(ROOT, s.cli);
      const env = (dir: string) =>
        cleanEnv({ ...s.env, PORTCULLIS_DATA_DIR: dir, PORTCULLIS_LOG_LEVEL: 'warn' });
      const warmDir = join(base, `${s.name}-existing`);
      try {
        await run([cli], env(warmDir), s.tool); // creates and seeds the store the restarts reuse
        for (let i = 0; i < Math.max(runs, freshRuns); i++) {
          if (i < freshRuns) r.fresh.push(await run([cli], env(join(base, `${s.name}-fresh-${i}`)), s.tool));
          if (i < runs) {
            // The first restart of each, and server-everything beside it, also sit idle for a while.
            const idle = i === 0 ? idleMs : 0;
            r.warm.push(await run([cli], env(warmDir), s.tool, idle));
            r.ev.push(await run(everything.args, cleanEnv({}), everything.tool, idle));
          }
        }
      } catch (err) {
        r.error = (err as Error).message;
      }
    }
    const ev = results.flatMap((r) => r.ev);
    const evInit = medianOf(ev, 'initMs');
    log(
      `${'server'.padEnd(20)}${'initialize'.padStart(11)}${'vs everything'.padStart(15)}${'first call'.padStart(12)}${'RSS after'.padStart(11)}${'empty dir: first call'.padStart(23)}${'peak'.padStart(9)}`,
    );
    const row = (
      name: string,
      init: number,
      ratio: string,
      first: number,
      rss: number,
      ff: string,
      fp: string,
    ) =>
      log(
        `${name.padEnd(20)}${`${f0(init)} ms`.padStart(11)}${ratio.padStart(15)}${`${f0(first)} ms`.padStart(12)}${`${f0(rss)} MiB`.padStart(11)}${ff.padStart(23)}${fp.padStart(9)}`,
      );
    for (const r of results) {
      if (r.error) log(`${r.s.name.padEnd(20)}! ${r.error.slice(0, 200)}`);
      if (r.warm.length === 0) continue;
      const ratio = medianOf(r.warm, 'initMs') / medianOf(r.ev, 'initMs');
      row(
        r.s.name,
        medianOf(r.warm, 'initMs'),
        `${f2(ratio)}x`,
        medianOf(r.warm, 'firstCallMs'),
        medianOf(r.warm, 'rssMiB'),
        r.fresh.length ? `${f0(medianOf(r.fresh, 'firstCallMs'))} ms` : 'n/a',
        r.fresh.length ? `${f0(medianOf(r.fresh, 'peakMiB'))} MiB` : 'n/a',
      );
    }
    row('server-everything', evInit, '1.00x', medianOf(ev, 'firstCallMs'), medianOf(ev, 'rssMiB'), '', '');
    log('goals (per server)');
    for (const r of results) {
      if (r.warm.length === 0) continue;
      const ratio = medianOf(r.warm, 'initMs') / medianOf(r.ev, 'initMs');
      const first = medianOf(r.warm, 'firstCallMs');
      const rss = medianOf(r.warm, 'rssMiB');
      const ff = medianOf(r.fresh, 'firstCallMs');
      const fp = medianOf(r.fresh, 'peakMiB');
      log(
        `  ${r.s.name.padEnd(14)} initialize <= 1.25x everything ${f2(ratio)}x ${verdict(ratio <= GOALS.initRatio)}; first call <= 1 s ${f0(first)} ms ${verdict(first <= GOALS.firstCallMs)}; RSS <= 200 MB ${f0(rss * 1.048576)} MB ${verdict(rss <= GOALS.rssMiB)}`,
      );
      if (r.fresh.length)
        log(
          `  ${''.padEnd(14)} empty dir: first call <= 4 s ${f0(ff)} ms ${verdict(ff <= GOALS.freshFirstCallMs)}; peak <= 300 MB ${f0(fp * 1.048576)} MB ${verdict(fp <= GOALS.freshPeakMiB)}`,
        );
    }
    if (idleMs > 0) {
      log(`idle after the first call (${f0(idleMs / 1000)} s with no call; threads' wake-ups, CPU)`);
      const idleRow = (name: string, idle: Idle | null | undefined) =>
        log(
          `  ${name.padEnd(18)}${idle ? `${idle.wakeupsPerS.toFixed(1).padStart(7)} wake-ups/s${`${idle.cpuPct.toFixed(2)}% CPU`.padStart(12)}` : '    n/a'}`,
        );
      for (const r of results) idleRow(r.s.name, r.warm[0]?.idle);
      const evIdle = results.map((r) => r.ev[0]?.idle).filter((x): x is Idle => !!x);
      idleRow(
        'server-everything',
        evIdle.length
          ? {
              wakeupsPerS: median(evIdle.map((x) => x.wakeupsPerS)),
              cpuPct: median(evIdle.map((x) => x.cpuPct)),
            }
          : null,
      );
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/**
 * The broker part of the bench (a measurement, not a test): crm_search_accounts called on crm
 * directly, through the broker with crm in-process, and through the broker with crm as a remote
 * upstream (throughput and p50/p99 each); and the resident memory of one broker process hosting
 * every local system against the sum of those systems as separate processes (over stdio, each after
 * initialize and one call to every system it hosts), and the desktop case: the four started
 * together against one broker restarted (spawn to an answer from every system, and memory;
 * BENCH_DESKTOP_ROUNDS alternating rounds, 3 by default, 0 skips it). BENCH_BROKER=0 skips it all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { generateApiKey } from '@portcullis/core';
import { intEnv, STDIO_SERVERS, type StdioServer } from './stdio.js';
import { median } from './timing.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = {
  crm: join(ROOT, 'servers/crm/dist/cli.js'),
  billing: join(ROOT, 'servers/billing/dist/cli.js'),
  'posture-read': join(ROOT, 'servers/posture-read/dist/cli.js'),
  broker: join(ROOT, 'servers/broker/dist/cli.js'),
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

type Log = (s?: string) => void;

interface Proc {
  child: ChildProcess;
  url: string;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

function dir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** VmRSS (resident now) or VmHWM (peak resident) of a process in MiB (Linux), or null. */
function procMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  if (!pid) return null;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Spawns a built CLI over HTTP on a free port and waits until /readyz answers 200. */
async function serve(cli: string, env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, [cli, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', PORTCULLIS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cli} did not start within 120 s`)), 120_000);
    let rest = '';
    child.stderr.on('data', (c: Buffer) => {
      rest += c.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'serving MCP over HTTP' && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        } catch {
          // not JSON
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${cli} exited (${code}) before listening`)));
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(new URL('/readyz', url)).catch(() => null);
    await res?.arrayBuffer();
    if (res?.status === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${cli}: /readyz did not answer 200 within 120 s`);
}

function keysFile(
  principals: { principal: string; roles: string[]; tenant: string; attributes: Record<string, string> }[],
) {
  const d = dir('portcullis-bench-keys-');
  const keys: Record<string, string> = {};
  const records = principals.map((p) => {
    const { key, record } = generateApiKey(p);
    keys[p.principal] = key;
    return record;
  });
  const file = join(d, 'api-keys.json');
  writeFileSync(file, JSON.stringify(records), { mode: 0o600 });
  return { file, keys };
}

function brokerYaml(lines: string[]): string {
  const file = join(dir('portcullis-bench-broker-'), 'broker.yaml');
  writeFileSync(file, ['upstreams:', ...lines, ''].join('\n'));
  return file;
}

const body = (tool: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: tool, arguments: { limit: 5 } },
  });

async function load(
  url: string,
  key: string,
  tool: string,
  seconds: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const b = body(tool);
  // One preflight: a wrong set-up must fail loudly, not measure errors.
  const pre = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, authorization: `Bearer ${key}` },
    body: b,
  });
  const text = await pre.text();
  if (pre.status !== 200 || !text.includes('"structuredContent"') || text.includes('"isError":true'))
    throw new Error(`preflight ${tool}: HTTP ${pre.status} ${text.slice(0, 300)}`);
  const res = await new Promise<Result>((resolve, reject) =>
    autocannon(
      {
        url,
        method: 'POST',
        headers: { ...HEADERS, authorization: `Bearer ${key}` },
        body: b,
        connections: 8,
        duration: seconds,
        timeout: 10,
        verifyBody: (s: string) => s.includes('"structuredContent"') && !s.includes('"isError":true'),
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
  return {
    rps: res.requests.average,
    p50: res.latency.p50,
    p99: res.latency.p99,
    errors: res.errors + res.non2xx + res.mismatches,
  };
}

export async function brokerBench(log: Log, seconds: number): Promise<void> {
  log();
  log(`Broker: crm_search_accounts (limit 5), ${seconds} s per target, 8 connections`);
  const people = [
    { principal: 'alice', roles: ['rep', 'pii_reader'], tenant: 'acme', attributes: { team: 'east' } },
    { principal: 'broker-svc', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
  ];
  const limits = { PORTCULLIS_RATE_PRINCIPAL_TOOL: '1000000/60s', PORTCULLIS_RATE_TENANT: '1000000/60s' };
  try {
    const keys = keysFile(people);
    const auth = { PORTCULLIS_AUTH: 'apikey', PORTCULLIS_API_KEYS_FILE: keys.file, ...limits };
    const crm = await serve(CLI.crm, { ...auth, PORTCULLIS_DATA_DIR: dir('portcullis-bench-crm-') });
    const local = await serve(CLI.broker, {
      ...auth,
      PORTCULLIS_DATA_DIR: dir('portcullis-bench-bl-'),
      PORTCULLIS_BROKER_CONFIG: brokerYaml(['  - name: crm', '    local: crm']),
    });
    const remote = await serve(CLI.broker, {
      ...auth,
      PORTCULLIS_DATA_DIR: dir('portcullis-bench-br-'),
      REMOTE_CRM_TOKEN: keys.keys['broker-svc']!,
      PORTCULLIS_BROKER_CONFIG: brokerYaml([
        '  - name: remote-crm',
        `    url: ${crm.url}`,
        '    auth: { bearer: env:REMOTE_CRM_TOKEN }',
        '    prefix: remote_',
        '    concurrency: 64',
      ]),
    });
    const rows: [string, Awaited<ReturnType<typeof load>>][] = [
      ['crm direct', await load(crm.url, keys.keys.alice!, 'crm_search_accounts', seconds)],
      ['broker -> local crm', await load(local.url, keys.keys.alice!, 'crm_search_accounts', seconds)],
      [
        'broker -> remote crm',
        await load(remote.url, keys.keys.alice!, 'remote_crm_search_accounts', seconds),
      ],
    ];
    const base = rows[0]![1].rps;
    log(
      `  ${'target'.padEnd(22)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'vs direct'.padStart(10)} errors`,
    );
    for (const [label, r] of rows)
      log(
        `  ${label.padEnd(22)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${(base > 0 ? r.rps / base : 0).toFixed(2).padStart(10)} ${r.errors}`,
      );
    for (const p of [crm, local, remote]) p.child.kill('SIGTERM');

    await brokerMemoryBench(log);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** The stdio servers' goal for a first start on an empty data directory (issue 13). */
const FIRST_START_GOAL_MS = 4000;

/** The issue's goal for one broker hosting every local system (issue 13): at most 250 MB resident. */
const BROKER_RSS_GOAL_MIB = 250 / 1.048576;

interface Footprint {
  rss: number | null;
  peak: number | null;
  /** Spawn to the last answer (initialize, then one call to each system, in turn). */
  ms: number;
}

/**
 * Spawns a stdio server, initializes, calls each tool in turn (each must succeed: a failed call
 * would measure an error path), then reads its memory and stops it.
 */
function stdioFootprint(
  label: string,
  cli: string,
  env: Record<string, string>,
  tools: StdioServer['tool'][],
): Promise<Footprint> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli], {
      env: { ...clean, PORTCULLIS_LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(child);
    let rest = '';
    let done = false;
    const finish = (err: Error | null, r?: Footprint) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Settled once the process has gone: its data directory is free for the next start.
      const gone =
        child.exitCode === null && child.signalCode === null
          ? new Promise((res) => child.once('exit', res))
          : Promise.resolve();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      void gone.then(() => {
        clearTimeout(kill);
        if (err) reject(err);
        else resolve(r!);
      });
    };
    const timer = setTimeout(() => finish(new Error(`${label}: no answer within 120 s`)), 120_000);
    child.once('exit', (code, sig) => finish(new Error(`${label} exited (${code ?? sig}) before answering`)));
    child.stdin.on('error', () => undefined);
    const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    const callNext = (i: number) =>
      send({
        jsonrpc: '2.0',
        id: 2 + i,
        method: 'tools/call',
        params: { name: tools[i]!.name, arguments: tools[i]!.args },
      });
    child.stdout.on('data', (c: Buffer) => {
      rest += c.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        let msg: { id?: number; result?: { isError?: boolean } };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (msg.id === 1) {
          if (!msg.result) return finish(new Error(`${label}: initialize failed: ${line.slice(0, 300)}`));
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          callNext(0);
        } else if (typeof msg.id === 'number' && msg.id >= 2) {
          const i = msg.id - 2;
          if (!msg.result || msg.result.isError)
            return finish(new Error(`${label}: ${tools[i]?.name} failed: ${line.slice(0, 300)}`));
          if (i + 1 < tools.length) callNext(i + 1);
          else
            finish(null, {
              rss: procMiB(child.pid, 'VmRSS'),
              peak: procMiB(child.pid, 'VmHWM'),
              ms: performance.now() - t0,
            });
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

/** The four processes' memory together (null when one had no /proc figure). */
function sumOf(fs: Footprint[], k: 'rss' | 'peak'): number | null {
  return fs.every((f) => f[k] !== null) ? fs.reduce((a, f) => a + f[k]!, 0) : null;
}

/**
 * One broker process hosting crm, billing, posture-read and remediation-write in-process against
 * the four as separate processes, all over stdio on fresh data directories, each measured after
 * initialize and one call to every system it hosts: the broker's side of the issue-13 memory goal.
 */
export async function brokerMemoryBench(log: Log): Promise<void> {
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));
  const separate: { s: StdioServer; env: Record<string, string>; f: Footprint }[] = [];
  for (const s of STDIO_SERVERS) {
    const env = { ...s.env, PORTCULLIS_DATA_DIR: dir(`portcullis-bench-mem-${s.name}-`) };
    separate.push({ s, env, f: await stdioFootprint(s.name, join(ROOT, s.cli), env, [s.tool]) });
  }
  // One principal holding each system's role, so every call is one that system permits.
  const roles = [...new Set(STDIO_SERVERS.flatMap((s) => (s.env.PORTCULLIS_ROLES ?? '').split(',')))];
  const brokerEnv = {
    PORTCULLIS_PRINCIPAL: 'alice',
    PORTCULLIS_ROLES: roles.join(','),
    PORTCULLIS_TENANT: 'acme',
    PORTCULLIS_DATA_DIR: dir('portcullis-bench-mem-broker-'),
    // No configuration file: the desktop's one entry, every local system (the four above, in order).
  };
  const one = await stdioFootprint(
    'broker',
    CLI.broker,
    brokerEnv,
    STDIO_SERVERS.map((s) => s.tool),
  );
  // The desktop case after the first day: the same broker started again on its data directory.
  const again = await stdioFootprint(
    'broker (restart)',
    CLI.broker,
    brokerEnv,
    STDIO_SERVERS.map((s) => s.tool),
  );
  const fps = separate.map((s) => s.f);
  const sumRss = sumOf(fps, 'rss');
  const sumPeak = sumOf(fps, 'peak');
  log();
  log(
    `Broker memory: ${STDIO_SERVERS.map((s) => s.name).join(', ')} over stdio on fresh data directories, after initialize and one call to each (MiB; answered: spawn to the last answer, one at a time)`,
  );
  log(
    `  ${'process'.padEnd(34)} ${'VmRSS'.padStart(7)} ${'VmHWM'.padStart(7)} ${'answered (ms)'.padStart(14)}`,
  );
  for (const s of separate)
    log(
      `  ${s.s.name.padEnd(34)} ${fmt(s.f.rss).padStart(7)} ${fmt(s.f.peak).padStart(7)} ${fmt(s.f.ms).padStart(14)}`,
    );
  log(`  ${'sum of 4 separate processes'.padEnd(34)} ${fmt(sumRss).padStart(7)} ${fmt(sumPeak).padStart(7)}`);
  log(
    `  ${'one broker hosting all 4'.padEnd(34)} ${fmt(one.rss).padStart(7)} ${fmt(one.peak).padStart(7)} ${fmt(one.ms).padStart(14)}`,
  );
  log(
    `  ${'the same broker restarted (its data)'.padEnd(34)} ${fmt(again.rss).padStart(7)} ${fmt(again.peak).padStart(7)} ${fmt(again.ms).padStart(14)}`,
  );
  if (one.rss !== null && sumRss)
    log(
      `  ratio broker / sum: VmRSS ${(one.rss / sumRss).toFixed(2)}x${one.peak !== null && sumPeak ? `, VmHWM ${(one.peak / sumPeak).toFixed(2)}x` : ''}`,
    );
  const verdict = (f: Footprint) =>
    f.rss === null ? 'n/a (no /proc)' : f.rss <= BROKER_RSS_GOAL_MIB ? 'met' : 'NOT met';
  log(
    `  goal (issue 13): broker at most 250 MB (${BROKER_RSS_GOAL_MIB.toFixed(0)} MiB) resident: first start ${verdict(one)}, restart ${verdict(again)}`,
  );
  // The stdio servers' empty-directory goal, for the broker's first start: its last answer of four.
  log(
    `  goal (issue 13): a first start answered within 4 s: every system by ${fmt(one.ms)} ms ${one.ms <= FIRST_START_GOAL_MS ? 'met' : 'NOT met'}`,
  );

  // A desktop client starts every server in its configuration at once. The four separate servers
  // started together on their data directories (above) against the broker restarted, alternating.
  const rounds = intEnv('BENCH_DESKTOP_ROUNDS', 3, 0, 10);
  if (rounds === 0) return;
  const together: { ms: number[]; rss: number | null }[] = [];
  const broker: Footprint[] = [];
  const four = async () => {
    const fs = await Promise.all(
      separate.map(({ s, env }) => stdioFootprint(`${s.name} (at once)`, join(ROOT, s.cli), env, [s.tool])),
    );
    together.push({ ms: fs.map((f) => f.ms), rss: sumOf(fs, 'rss') });
  };
  const oneBroker = async () => {
    broker.push(
      await stdioFootprint(
        'broker (at once)',
        CLI.broker,
        brokerEnv,
        STDIO_SERVERS.map((s) => s.tool),
      ),
    );
  };
  for (let i = 0; i < rounds; i++)
    for (const run of i % 2 === 0 ? [four, oneBroker] : [oneBroker, four]) await run();
  const medOrNull = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? median(xs) : null);
  log();
  log(
    `Desktop start, every system at once (their data directories exist; median of ${rounds} alternating rounds): spawn to an answer from every system, and memory after`,
  );
  log(
    `  four separate processes, started together: slowest ${median(together.map((t) => Math.max(...t.ms))).toFixed(0)} ms (${STDIO_SERVERS.map((s, k) => `${s.name} ${median(together.map((t) => t.ms[k]!)).toFixed(0)}`).join(', ')}); ${fmt(medOrNull(together.map((t) => t.rss)))} MiB together`,
  );
  log(
    `  one broker hosting all 4 (one call to each, in turn): ${median(broker.map((f) => f.ms)).toFixed(0)} ms; ${fmt(medOrNull(broker.map((f) => f.rss)))} MiB`,
  );
}

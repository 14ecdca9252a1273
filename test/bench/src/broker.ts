/**
 * The broker part of the bench (a measurement, not a test): crm_search_accounts called on crm
 * directly, through the broker with crm in-process, and through the broker with crm as a remote
 * upstream (throughput and p50/p99 each); and the resident memory of one broker process hosting
 * every local system against the sum of those systems as separate processes. BENCH_BROKER=0 skips it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { generateApiKey } from '@portcullis/core';

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

/** VmRSS of a process in MiB (Linux), or null. */
function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
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

    // Memory: one broker hosting every local system against each system in its own process.
    const systems = ['crm', 'billing', 'posture-read'] as const;
    const separate: number[] = [];
    for (const s of systems) {
      const p = await serve(CLI[s], { ...auth, PORTCULLIS_DATA_DIR: dir(`portcullis-bench-${s}-`) });
      separate.push(rssMiB(p.child.pid) ?? NaN);
      p.child.kill('SIGTERM');
    }
    const all = await serve(CLI.broker, {
      ...auth,
      PORTCULLIS_DATA_DIR: dir('portcullis-bench-ball-'),
      PORTCULLIS_BROKER_CONFIG: brokerYaml(systems.flatMap((s) => [`  - name: ${s}`, `    local: ${s}`])),
    });
    const one = rssMiB(all.child.pid) ?? NaN;
    all.child.kill('SIGTERM');
    const sum = separate.reduce((a, b) => a + b, 0);
    log(
      `  RSS after ready: one broker with ${systems.join(', ')} ${one.toFixed(0)} MiB; separate processes ${separate.map((x) => x.toFixed(0)).join(' + ')} = ${sum.toFixed(0)} MiB (${(one / sum).toFixed(2)}x)`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

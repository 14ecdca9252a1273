/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode)
 * against one Portcullis server spawned over Streamable HTTP on 127.0.0.1, and compares the
 * outcome with a committed expected-failures file.
 *
 * Reusable by every server's suite:
 *
 *   const report = await runConformance({ cliPath, env, expectedFailuresFile });
 *   expect(problemsOf(report)).toEqual([]);
 *
 * or, for the usual two vitest blocks (the expected-failures file is valid; the suite passes
 * stateless and stateful), from a test file:
 *
 *   defineConformanceSuite({ name: 'the built CRM CLI', cliPath, env, expectedFailuresFile });
 *
 * The expected-failures file is JSON: `{ "server": [{ "scenario", "reason", "error" }] }`.
 * `reason` is one line saying why the scenario cannot pass (it needs the suite's fixture
 * tools/resources/prompts); `error` is a substring that the scenario's failure message must
 * contain, so an expected failure that starts failing for another reason is not hidden.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Scenarios every Portcullis HTTP server must pass; the expected-failures file may never list them. */
export const REQUIRED_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'logging-set-level',
  'dns-rebinding-protection',
] as const;

export interface ExpectedFailure {
  scenario: string;
  reason: string;
  /** A substring of the failing check's error message (the proof that it fails for the stated reason). */
  error: string;
}

export interface ConformanceOptions {
  /** The built server CLI, e.g. servers/crm/dist/cli.js; spawned as `node <cliPath> --transport http --host 127.0.0.1 --port 0`. */
  cliPath: string;
  /** Extra environment for the server (over a clean copy of process.env). Defaults: PORTCULLIS_AUTH=none, a temp PORTCULLIS_DATA_DIR. `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Path of the committed expected-failures JSON file. */
  expectedFailuresFile: string;
  /** Extra CLI arguments for the server. */
  args?: string[];
  /** The suite's scenario set: "active" (default), "all" or "pending". */
  suite?: 'active' | 'all' | 'pending';
  /** Bound for the whole conformance run (default 120 s); the suite is killed when it expires. */
  timeoutMs?: number;
  /** Bound for the server to log "serving MCP over HTTP" (default 30 s). */
  startTimeoutMs?: number;
  /** Bound for /readyz to answer 200 (store open, backend up) before the suite starts (default 120 s). */
  readyTimeoutMs?: number;
}

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

export interface ConformanceCheck {
  id: string;
  name: string;
  description?: string;
  status: CheckStatus;
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult {
  scenario: string;
  /** failed: at least one FAILURE check; warning: no failure but a WARNING; passed: neither. */
  status: 'passed' | 'failed' | 'warning';
  checks: ConformanceCheck[];
  /** `id: message` of every failed check. */
  failures: string[];
  warnings: string[];
}

export interface ConformanceReport {
  url: string;
  suite: string;
  scenarios: ScenarioResult[];
  expectedFailures: ExpectedFailure[];
  /** Failed scenarios not listed in the expected-failures file. */
  unexpectedFailures: ScenarioResult[];
  /** Listed scenarios that did not fail (the file is stale: remove them). */
  staleExpectedFailures: string[];
  /** Listed scenarios that failed, but not with the listed error. */
  wrongReasonFailures: { scenario: string; expected: string; actual: string[] }[];
  /** Listed scenarios the suite did not run at all. */
  missingScenarios: string[];
  /** Required scenarios that did not pass (or did not run). */
  requiredNotPassed: string[];
  /** The suite was killed by `timeoutMs`. */
  timedOut: boolean;
  suiteExitCode: number | null;
  suiteOutput: string;
  serverStderr: string[];
}

const require = createRequire(import.meta.url);

/** The conformance CLI entry (bin `conformance`) from node_modules. */
export function conformanceBin(): string {
  const pkgPath = require.resolve('@modelcontextprotocol/conformance/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.conformance ?? 'dist/index.js');
  return join(dirname(pkgPath), bin);
}

/** Reads and validates an expected-failures file; throws naming the problem. */
export function loadExpectedFailures(file: string): ExpectedFailure[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { server?: unknown };
  if (!Array.isArray(raw.server)) throw new Error(`${file}: expected an object with a "server" array`);
  const seen = new Set<string>();
  return raw.server.map((e: unknown, i) => {
    const entry = e as Partial<ExpectedFailure>;
    const where = `${file}: server[${i}]`;
    if (typeof entry.scenario !== 'string' || !entry.scenario)
      throw new Error(`${where}: "scenario" must be a non-empty string`);
    if (typeof entry.reason !== 'string' || !entry.reason.trim() || /[\r\n]/.test(entry.reason))
      throw new Error(`${where} (${entry.scenario}): "reason" must be one non-empty line`);
    if (typeof entry.error !== 'string' || !entry.error)
      throw new Error(
        `${where} (${entry.scenario}): "error" must be a non-empty substring of the failure message`,
      );
    if (seen.has(entry.scenario)) throw new Error(`${where}: ${entry.scenario} is listed twice`);
    if ((REQUIRED_SCENARIOS as readonly string[]).includes(entry.scenario))
      throw new Error(`${where}: ${entry.scenario} is required to pass and may not be an expected failure`);
    seen.add(entry.scenario);
    return { scenario: entry.scenario, reason: entry.reason, error: entry.error };
  });
}

/** Every server scenario the installed suite knows (`conformance list --server`). */
export async function listServerScenarios(timeoutMs = 30_000): Promise<string[]> {
  const { code, output } = await runNode([conformanceBin(), 'list', '--server'], timeoutMs, tmpdir());
  if (code !== 0) throw new Error(`conformance list --server exited ${code}: ${output}`);
  return [...output.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1]!);
}

/** Spawns the server, runs the suite against its /mcp, stops the server and compares with the expected failures. */
export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const expected = loadExpectedFailures(opts.expectedFailuresFile);
  const suite = opts.suite ?? 'active';
  const work = mkdtempSync(join(tmpdir(), 'portcullis-conformance-'));
  let server: RunningServer | undefined;
  try {
    server = await startServer(opts, join(work, 'data'));
    await waitReady(server.url, opts.readyTimeoutMs ?? 120_000);
    const outDir = join(work, 'results');
    const run = await runNode(
      [conformanceBin(), 'server', '--url', server.url, '--suite', suite, '--output-dir', outDir],
      opts.timeoutMs ?? 120_000,
      work,
    );
    const scenarios = readResults(outDir, run.output);
    return compare(server.url, suite, scenarios, expected, run, server.stderr);
  } finally {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** One readable list of everything wrong with a report (empty when the run is as expected). */
export function problemsOf(r: ConformanceReport): string[] {
  const out: string[] = [];
  if (r.timedOut) out.push(`the conformance suite did not finish in time`);
  if (r.scenarios.length === 0)
    out.push(`no scenario results were found (suite exit ${r.suiteExitCode}): ${r.suiteOutput.slice(-2000)}`);
  for (const s of r.requiredNotPassed) out.push(`required scenario ${s} did not pass: ${explain(r, s)}`);
  for (const s of r.unexpectedFailures)
    out.push(`unexpected failure ${s.scenario}: ${s.failures.join(' | ')}`);
  for (const s of r.staleExpectedFailures)
    out.push(`stale expected failure ${s}: it no longer fails; remove it from the expected-failures file`);
  for (const w of r.wrongReasonFailures)
    out.push(
      `expected failure ${w.scenario} failed for another reason: wanted "${w.expected}", got ${w.actual.join(' | ')}`,
    );
  for (const s of r.missingScenarios)
    out.push(`expected failure ${s} was not run by the suite (renamed or removed upstream?)`);
  return out;
}

/** The status of one scenario in a report ('not run' when the suite did not run it). */
export function statusOf(r: ConformanceReport, scenario: string): string {
  return r.scenarios.find((s) => s.scenario === scenario)?.status ?? 'not run';
}

export interface ConformanceSuiteOptions extends ConformanceOptions {
  /** What runs, for the describe title: "MCP conformance suite against <name> over HTTP". */
  name: string;
  /** Per-test timeout of each conformance run (default 300 s). */
  testTimeoutMs?: number;
  /** Every expected failure's `error` must match this (default: a missing test_* tool, or Method not found). */
  allowedErrors?: RegExp;
  /** More checks on the expected-failures file (a server's own, e.g. scenarios it must never list). */
  extraFileChecks?: (expected: ExpectedFailure[]) => void;
  /** More checks on the stateless report, run right after the required scenarios are checked. */
  extraStatelessChecks?: (report: ConformanceReport) => void;
  /** Test titles, where a suite words them differently from the defaults. */
  titles?: { file?: string; stateless?: string; stateful?: string };
}

/**
 * Declares the vitest blocks every server's conformance test has: the expected-failures file is
 * valid (known, non-required scenarios only, each failing for an allowed reason), and the suite
 * passes against the server stateless (default) and stateful (PORTCULLIS_HTTP_MODE=stateful), with
 * nothing unaccounted for, and the session scenario passing outright when stateful.
 */
export function defineConformanceSuite(opts: ConformanceSuiteOptions): void {
  const {
    name,
    testTimeoutMs = 300_000,
    allowedErrors = /^(Unknown tool: test_\w+|Method not found)$/,
    extraFileChecks,
    extraStatelessChecks,
    titles = {},
    ...run
  } = opts;

  describe(basename(run.expectedFailuresFile), () => {
    it(titles.file ?? 'is valid and lists only known fixture scenarios, never a required one', async () => {
      // loadExpectedFailures throws on a missing/multi-line reason, duplicates, required scenarios.
      const expected = loadExpectedFailures(run.expectedFailuresFile);
      const known = await listServerScenarios();
      expect(known).toEqual(expect.arrayContaining([...REQUIRED_SCENARIOS]));
      expect(expected.map((e) => e.scenario).filter((s) => !known.includes(s))).toEqual([]);
      // Only fixture scenarios: each fails because a suite fixture (test_* tool/prompt, test://
      // resource, or the capability that serves them) is absent, which is what `error` pins down.
      for (const e of expected) expect(e.error).toMatch(allowedErrors);
      extraFileChecks?.(expected);
    });
  });

  describe(`MCP conformance suite against ${name} over HTTP`, () => {
    it(
      titles.stateless ?? 'stateless (default): every scenario passes except the listed fixture scenarios',
      { timeout: testTimeoutMs },
      async () => {
        const report = await runConformance({ ...run, env: { ...run.env } });
        expect(problemsOf(report)).toEqual([]);
        for (const s of REQUIRED_SCENARIOS) expect(statusOf(report, s), s).toBe('passed');
        extraStatelessChecks?.(report);
        // Nothing is left unaccounted: every scenario passed, warned, or is a listed expected failure.
        const failed = report.scenarios.filter((s) => s.status === 'failed').map((s) => s.scenario);
        expect(failed.sort()).toEqual(report.expectedFailures.map((e) => e.scenario).sort());
        // The one warning a stateless server may get: the multiple-streams scenario finds no session id.
        for (const s of report.scenarios.filter((x) => x.status === 'warning')) {
          expect(s.scenario).toBe('server-sse-multiple-streams');
          expect(s.warnings.join(' ')).toMatch(/session ID/i);
        }
      },
    );

    it(
      titles.stateful ??
        'stateful (PORTCULLIS_HTTP_MODE=stateful): the same, and the session scenario passes outright',
      { timeout: testTimeoutMs },
      async () => {
        const report = await runConformance({
          ...run,
          env: { ...run.env, PORTCULLIS_HTTP_MODE: 'stateful' },
        });
        expect(problemsOf(report)).toEqual([]);
        for (const s of REQUIRED_SCENARIOS) expect(statusOf(report, s), s).toBe('passed');
        expect(statusOf(report, 'server-sse-multiple-streams')).toBe('passed');
        expect(report.scenarios.filter((s) => s.status === 'warning').map((s) => s.scenario)).toEqual([]);
      },
    );
  });
}

function explain(r: ConformanceReport, name: string): string {
  const s = r.scenarios.find((x) => x.scenario === name);
  if (!s) return 'not run';
  return [...s.failures, ...s.warnings].join(' | ') || s.status;
}

// ---------------------------------------------------------------------------------------------

interface RunningServer {
  url: string;
  stderr: string[];
  stop: () => Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function cleanEnv(dataDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('PORTCULLIS_') || k.startsWith('VITEST') || k.startsWith('npm_')) continue;
    if (k === 'DATABASE_URL' || k === 'REDIS_URL' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  Object.assign(env, {
    PORTCULLIS_AUTH: 'none',
    PORTCULLIS_DATA_DIR: dataDir,
    PORTCULLIS_LOG_LEVEL: 'info',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

async function startServer(opts: ConformanceOptions, dataDir: string): Promise<RunningServer> {
  const args = [
    opts.cliPath,
    '--transport',
    'http',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: cleanEnv(dataDir, opts.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const stderr: string[] = [];
  let rest = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`did not log "serving MCP over HTTP" within ${opts.startTimeoutMs ?? 30_000} ms`),
      opts.startTimeoutMs ?? 30_000,
    );
    let settled = false;
    function fail(why: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${opts.cliPath} ${why}; stderr:\n${stderr.slice(-30).join('\n')}`));
    }
    child.once('error', (err) => fail(`could not be spawned: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before serving`));
    child.stderr.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        if (stderr.length < 2_000) stderr.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'serving MCP over HTTP' && typeof rec.url === 'string') {
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              resolve(rec.url);
            }
          }
        } catch {
          // not a JSON log line
        }
      }
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  if (!new URL(url).hostname.startsWith('127.')) {
    await stop();
    throw new Error(`server announced ${url}; conformance runs only against 127.0.0.1`);
  }
  return { url, stderr, stop };
}

/** Portcullis servers listen before their store is open; calls wait for it. Start the suite once /readyz says so. */
async function waitReady(mcpUrl: string, timeoutMs: number): Promise<void> {
  const url = new URL('/readyz', mcpUrl).toString();
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      last = `HTTP ${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last.slice(0, 300)})`);
}

function runNode(
  args: string[],
  timeoutMs: number,
  cwd: string,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let output = '';
    let timedOut = false;
    const onData = (c: Buffer) => {
      if (output.length < 1_000_000) output += c.toString('utf8');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      output += `\n${err.message}`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, output, timedOut });
    });
  });
}

/** Result directories are `server-<scenario>-<ISO time with : and . as ->`, each with checks.json. */
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

function readResults(outDir: string, output: string): ScenarioResult[] {
  let dirs: string[] = [];
  try {
    dirs = readdirSync(outDir);
  } catch {
    return [];
  }
  const results = new Map<string, ScenarioResult>();
  for (const d of dirs.sort()) {
    const m = RESULT_DIR.exec(d);
    if (!m) continue;
    let checks: ConformanceCheck[];
    try {
      checks = JSON.parse(readFileSync(join(outDir, d, 'checks.json'), 'utf8')) as ConformanceCheck[];
    } catch {
      checks = [
        { id: m[1]!, name: m[1]!, status: 'FAILURE', errorMessage: 'checks.json missing or unreadable' },
      ];
    }
    const failures = checks
      .filter((c) => c.status === 'FAILURE')
      .map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? 'failed'}`);
    const warnings = checks
      .filter((c) => c.status === 'WARNING')
      .map((c) => `${c.id}: ${c.errorMessage ?? JSON.stringify(c.details ?? c.description ?? 'warning')}`);
    results.set(m[1]!, {
      scenario: m[1]!,
      status: failures.length ? 'failed' : warnings.length ? 'warning' : 'passed',
      checks,
      failures,
      warnings,
    });
  }
  // Scenarios named in the suite's summary but without a result directory count as failed.
  for (const m of output.matchAll(/^[✓✗] (\S+): \d+ passed, \d+ failed/gm)) {
    const name = m[1]!;
    if (!results.has(name))
      results.set(name, {
        scenario: name,
        status: 'failed',
        checks: [],
        failures: ['no checks.json was written'],
        warnings: [],
      });
  }
  return [...results.values()];
}

function compare(
  url: string,
  suite: string,
  scenarios: ScenarioResult[],
  expected: ExpectedFailure[],
  run: { code: number | null; output: string; timedOut: boolean },
  serverStderr: string[],
): ConformanceReport {
  const byName = new Map(scenarios.map((s) => [s.scenario, s]));
  const listed = new Map(expected.map((e) => [e.scenario, e]));
  const report: ConformanceReport = {
    url,
    suite,
    scenarios,
    expectedFailures: expected,
    unexpectedFailures: scenarios.filter((s) => s.status === 'failed' && !listed.has(s.scenario)),
    staleExpectedFailures: [],
    wrongReasonFailures: [],
    missingScenarios: [],
    requiredNotPassed: REQUIRED_SCENARIOS.filter((name) => byName.get(name)?.status !== 'passed'),
    timedOut: run.timedOut,
    suiteExitCode: run.code,
    suiteOutput: run.output,
    serverStderr,
  };
  for (const e of expected) {
    const s = byName.get(e.scenario);
    if (!s) report.missingScenarios.push(e.scenario);
    else if (s.status !== 'failed') report.staleExpectedFailures.push(e.scenario);
    else if (!s.failures.some((f) => f.includes(e.error)))
      report.wrongReasonFailures.push({ scenario: e.scenario, expected: e.error, actual: s.failures });
  }
  return report;
}

/**
 * The CI entry point's own logic: .ci/require-tools.sh (a tool CI needs that cannot be installed
 * stops the run with the reason) and .ci/summarize.mjs (the final line fails on any skip the
 * allow-list does not name). Driven as the run drives them, with sample reports and a PATH
 * without the tool; the fake apt-get stands in for Debian's so nothing is installed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SUMMARIZE = join(ROOT, '.ci/summarize.mjs');
const REQUIRE = join(ROOT, '.ci/require-tools.sh');
const ALLOW = join(ROOT, '.ci/allowed-skips.txt');
const work = mkdtempSync(join(tmpdir(), 'portcullis-ci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Status = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
let n = 0;

/** A vitest JSON report (the fields the reporter writes and the summary reads). */
function report(files: Record<string, [string, Status][]>, extra: Record<string, unknown> = {}): string {
  const testResults = Object.entries(files).map(([name, tests]) => ({
    name: join(ROOT, name),
    status: tests.some(([, s]) => s === 'failed') ? 'failed' : 'passed',
    assertionResults: tests.map(([fullName, status]) => ({ fullName, status, title: fullName })),
  }));
  const all = Object.values(files).flat();
  const count = (...s: Status[]) => all.filter(([, st]) => s.includes(st)).length;
  const body = {
    numTotalTests: all.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped', 'pending'),
    numTodoTests: count('todo'),
    numFailedTestSuites: 0,
    testResults,
    ...extra,
  };
  const path = join(work, `report-${n++}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

function allowList(text: string): string {
  const path = join(work, `allow-${n++}.txt`);
  writeFileSync(path, text);
  return path;
}

function summarize(args: string[]) {
  const r = spawnSync(process.execPath, [SUMMARIZE, ...args], { cwd: ROOT, encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, last: lines[lines.length - 1], out: r.stdout + r.stderr };
}

const PG_TEST = 'ApprovalService on PostgreSQL consumes a token exactly once';
const HADOLINT = "Dockerfile passes hadolint (skipped: hadolint is not on PATH and not in Debian's archive)";

describe('.ci/summarize.mjs: the final line', () => {
  it('passes with only allow-listed skips, counting them', () => {
    const r = summarize([
      '--allow',
      allowList(`# comment\n${HADOLINT} | not packaged\n`),
      report({
        'a.test.ts': [
          ['x ok', 'passed'],
          ['x ok 2', 'passed'],
        ],
        'd.test.ts': [[HADOLINT, 'skipped']],
      }),
    ]);
    expect(r.last).toBe('2 passed, 0 failed, 1 skipped');
    expect(r.status).toBe(0);
  });

  it('fails when a PostgreSQL suite was skipped, naming the test', () => {
    const r = summarize([
      '--allow',
      ALLOW,
      report({
        'packages/core/test/approvals.test.ts': [
          ['x ok', 'passed'],
          [PG_TEST, 'skipped'],
        ],
      }),
    ]);
    expect(r.last).toBe('1 passed, 1 failed, 1 skipped');
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `skipped and not in the allow-list: packages/core/test/approvals.test.ts > ${PG_TEST}`,
    );
  });

  it('counts todo and pending tests as skips too', () => {
    const r = summarize([
      report({
        'a.test.ts': [
          ['a', 'passed'],
          ['b', 'todo'],
          ['c', 'pending'],
        ],
      }),
    ]);
    expect(r.last).toBe('1 passed, 2 failed, 2 skipped');
    expect(r.status).toBe(1);
  });

  it('matches an allow-list name ending in * as a prefix, and an exact name only exactly', () => {
    const allow = allowList('Helm chart * | no helm here\nDockerfile passes | exact\n');
    const r = summarize([
      '--allow',
      allow,
      report({
        'd.test.ts': [
          ['Helm chart renders', 'skipped'],
          ['Helm chart lints', 'skipped'],
          ['Dockerfile passes hadolint', 'skipped'],
        ],
      }),
    ]);
    expect(r.last).toBe('0 passed, 1 failed, 3 skipped');
    expect(r.out).toContain('not in the allow-list: d.test.ts > Dockerfile passes hadolint');
  });

  it('refuses an allow-list line without a reason', () => {
    const r = summarize([
      '--allow',
      allowList(`${HADOLINT}\n`),
      report({ 'd.test.ts': [[HADOLINT, 'skipped']] }),
    ]);
    expect(r.status).toBe(1);
    expect(r.out).toContain('allow-list line 1 needs "<full test name> | <reason>"');
  });

  it('says when an allow-listed skip no longer occurs', () => {
    const r = summarize([
      '--allow',
      allowList('gone test | was flaky\n'),
      report({ 'a.test.ts': [['a', 'passed']] }),
    ]);
    expect(r.last).toBe('1 passed, 0 failed, 0 skipped');
    expect(r.out).toContain(
      'allow-listed skip did not occur (remove it when it no longer applies): gone test',
    );
  });

  it('fails on a missing report, a report without tests, failed suites and a failed lint', () => {
    const good = report({ 'a.test.ts': [['a', 'passed']] });
    expect(summarize([good, join(work, 'absent.json')]).last).toBe('1 passed, 1 failed, 0 skipped');
    expect(summarize([good, report({})]).last).toBe('1 passed, 1 failed, 0 skipped');
    // A file that failed to load (no test results of its own) is one failure ...
    const loadFailure = report(
      { 'a.test.ts': [['a', 'passed']] },
      {
        numTotalTests: 1,
        numFailedTestSuites: 1,
        testResults: [
          {
            name: join(ROOT, 'a.test.ts'),
            status: 'passed',
            assertionResults: [{ fullName: 'a', status: 'passed' }],
          },
          {
            name: join(ROOT, 'b.test.ts'),
            status: 'failed',
            message: 'SyntaxError: x',
            assertionResults: [],
          },
        ],
      },
    );
    const broken = summarize([loadFailure]);
    expect(broken.last).toBe('1 passed, 1 failed, 0 skipped');
    expect(broken.out).toContain('b.test.ts: SyntaxError: x');
    // ... and a failed test is counted once, however many describes around it failed with it.
    expect(summarize([report({ 'c.test.ts': [['c', 'failed']] }, { numFailedTestSuites: 2 })]).last).toBe(
      '0 passed, 1 failed, 0 skipped',
    );
    const lint = summarize(['--lint-status', '2', good]);
    expect(lint.last).toBe('1 passed, 1 failed, 0 skipped');
    expect(lint.out).toContain('lint exited with 2');
    expect(lint.status).toBe(1);
  });

  it("the repository's allow-list parses, and every entry gives a reason", () => {
    const lines = readFileSync(ALLOW, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/\S \| \S/);
    const r = summarize(['--allow', ALLOW, report({ 'd.test.ts': [[HADOLINT, 'skipped']] })]);
    expect(r.last).toBe('0 passed, 0 failed, 1 skipped');
  });
});

describe('.ci/require-tools.sh: a tool CI needs and cannot get stops the run', () => {
  /** A PATH holding only a few system tools and a fake apt-get whose install exits with `aptStatus`. */
  function sandbox(aptStatus: number) {
    const bin = mkdtempSync(join(work, 'bin-'));
    const log = join(bin, 'apt-get.log');
    for (const tool of ['id', 'ls', 'cat']) {
      const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    const script = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    script('apt-get', `echo "$@" >> ${log}\n[ "$1" = update ] && exit 0\nexit ${aptStatus}`);
    script('sudo', 'exec "$@"');
    script('service', 'exit 0');
    const emptyPgLib = mkdtempSync(join(work, 'pglib-'));
    return { bin, log, emptyPgLib };
  }

  function requireTools(tools: string[], env: Record<string, string>) {
    const r = spawnSync('/bin/bash', [REQUIRE, ...tools], { encoding: 'utf8', env });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('under CI=true, a failed apt-get install exits non-zero naming what is missing', () => {
    const s = sandbox(100);
    const r = requireTools(['redis-server'], { PATH: s.bin, CI: 'true' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('ci: apt-get install redis-server failed');
    expect(readFileSync(s.log, 'utf8')).toMatch(/install .*redis-server/);
  });

  it('under CI=true, a tool still missing after a "successful" install exits non-zero with the reason', () => {
    const s = sandbox(0);
    const r = requireTools(['redis-server', 'postgresql'], {
      PATH: s.bin,
      CI: 'true',
      PORTCULLIS_PG_LIB_DIR: s.emptyPgLib,
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `ci: still missing after apt-get install: redis-server PostgreSQL (initdb and pg_ctl on PATH or in ${s.emptyPgLib}/*/bin)`,
    );
  });

  it('outside CI it reports and carries on, so a laptop run skips those suites with the reason', () => {
    const s = sandbox(100);
    const r = requireTools(['redis-server'], { PATH: s.bin });
    expect(r.status).toBe(0);
    expect(r.out).toContain('ci: apt-get install redis-server failed');
    expect(r.out).toContain('will report themselves skipped');
  });

  it('does nothing when every tool is present', () => {
    const s = sandbox(100);
    writeFileSync(join(s.bin, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(s.bin, 'redis-server'), 0o755);
    const r = requireTools(['redis-server'], { PATH: s.bin, CI: 'true' });
    expect(r.status).toBe(0);
    expect(() => readFileSync(s.log)).toThrow();
  });

  it('.ci/run calls it for PostgreSQL and Redis before anything else, and stops when it fails', () => {
    const run = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const line = run.split('\n').find((l) => l.includes('.ci/require-tools.sh'));
    expect(line).toMatch(
      /require-tools\.sh .*redis-server.*postgresql.*\|\| \{ echo "0 passed, 1 failed, 0 skipped"; exit 1; \}/,
    );
    expect(run.indexOf('require-tools.sh')).toBeLessThan(run.indexOf('npm ci'));
    expect(run).toMatch(/summarize\.mjs --allow \.ci\/allowed-skips\.txt/);
  });
});

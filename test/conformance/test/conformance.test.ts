/**
 * The official MCP conformance suite (server mode) against the kit test server over Streamable
 * HTTP, in the default stateless mode and in the opt-in stateful (session) mode. Every scenario
 * must pass except those in expected-failures.json (fixture scenarios only), and every listed
 * scenario must really fail, for the listed reason.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  REQUIRED_SCENARIOS,
  listServerScenarios,
  loadExpectedFailures,
  problemsOf,
  runConformance,
  type ConformanceReport,
} from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KIT_CLI = join(ROOT, 'test/kit-server/dist/cli.js');
const EXPECTED_FAILURES = fileURLToPath(new URL('../expected-failures.json', import.meta.url));

function statusOf(r: ConformanceReport, scenario: string): string {
  return r.scenarios.find((s) => s.scenario === scenario)?.status ?? 'not run';
}

describe('expected-failures.json', () => {
  it('is valid and lists only known scenarios, never a required one, each with a one-line reason', async () => {
    const expected = loadExpectedFailures(EXPECTED_FAILURES); // throws on a missing/multi-line reason, duplicates, required scenarios
    const known = await listServerScenarios();
    expect(known).toEqual(expect.arrayContaining([...REQUIRED_SCENARIOS]));
    expect(expected.map((e) => e.scenario).filter((s) => !known.includes(s))).toEqual([]);
    // Only fixture scenarios: each one fails because a suite fixture (test_* tool/prompt, test:// resource, or the
    // capability that serves them) is absent, which is what `error` pins down.
    for (const e of expected) expect(e.error).toMatch(/^(Unknown tool: test_\w+|Method not found)$/);
  });
});

describe('MCP conformance suite against the kit test server over HTTP', () => {
  it(
    'stateless (default): every scenario passes except the listed fixture scenarios',
    { timeout: 180_000 },
    async () => {
      const report = await runConformance({
        cliPath: KIT_CLI,
        env: {},
        expectedFailuresFile: EXPECTED_FAILURES,
        readyTimeoutMs: 60_000,
        timeoutMs: 100_000,
      });
      expect(problemsOf(report)).toEqual([]);
      for (const s of REQUIRED_SCENARIOS) expect(statusOf(report, s), s).toBe('passed');
      // Nothing is left unaccounted: every scenario passed, warned, or is a listed expected failure.
      const failed = report.scenarios.filter((s) => s.status === 'failed').map((s) => s.scenario);
      expect(failed.sort()).toEqual(report.expectedFailures.map((e) => e.scenario).sort());
      // The one warning a stateless server may get: the multiple-streams scenario cannot find a session id.
      for (const s of report.scenarios.filter((x) => x.status === 'warning')) {
        expect(s.scenario).toBe('server-sse-multiple-streams');
        expect(s.warnings.join(' ')).toMatch(/session ID/i);
      }
    },
  );

  it(
    'stateful (PORTCULLIS_HTTP_MODE=stateful): the same, and the session scenarios pass outright',
    { timeout: 180_000 },
    async () => {
      const report = await runConformance({
        cliPath: KIT_CLI,
        env: { PORTCULLIS_HTTP_MODE: 'stateful' },
        expectedFailuresFile: EXPECTED_FAILURES,
        readyTimeoutMs: 60_000,
        timeoutMs: 100_000,
      });
      expect(problemsOf(report)).toEqual([]);
      for (const s of REQUIRED_SCENARIOS) expect(statusOf(report, s), s).toBe('passed');
      expect(statusOf(report, 'server-sse-multiple-streams')).toBe('passed');
      expect(report.scenarios.filter((s) => s.status === 'warning').map((s) => s.scenario)).toEqual([]);
    },
  );
});

/**
 * The official MCP conformance suite (server mode) against the BUILT posture-read CLI over
 * Streamable HTTP on 127.0.0.1, stateless (default) and stateful. Every scenario must pass except
 * those listed in conformance-expected-failures.json, which may list only scenarios that need the
 * suite's fixture tools/resources/prompts, each failing with the pinned error.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { defineConformanceSuite, statusOf } from '@portcullis/test-conformance';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

defineConformanceSuite({
  name: 'the built posture-read CLI',
  cliPath: join(ROOT, 'servers/posture-read/dist/cli.js'),
  expectedFailuresFile: fileURLToPath(new URL('../conformance-expected-failures.json', import.meta.url)),
  // With PORTCULLIS_AUTH=none (set by the helper) the HTTP principal is the stdio one from the environment.
  env: {
    PORTCULLIS_PRINCIPAL: 'sam',
    PORTCULLIS_ROLES: 'analyst',
    PORTCULLIS_TENANT: 'acme',
  },
  startTimeoutMs: 120_000,
  readyTimeoutMs: 120_000,
  timeoutMs: 150_000,
  testTimeoutMs: 300_000,
  // Only fixture scenarios: a test_* tool or prompt, a test:// resource, or a capability that only
  // serves them is absent. The server has its own resources and prompt, so their lists are not here.
  allowedErrors:
    /^(Unknown tool: test_\w+|Unknown prompt: test_\w+|Resource not found: test:\/\/\S+|Method not found)$/,
  extraFileChecks: (expected) => {
    expect(expected.map((e) => e.scenario)).not.toContain('resources-list');
    expect(expected.map((e) => e.scenario)).not.toContain('prompts-list');
  },
  extraStatelessChecks: (report) => {
    expect(statusOf(report, 'resources-list')).toBe('passed');
    expect(statusOf(report, 'prompts-list')).toBe('passed');
  },
});

/**
 * The official MCP conformance suite (server mode) against the kit test server over Streamable
 * HTTP, in the default stateless mode and in the opt-in stateful (session) mode. Every scenario
 * must pass except those in expected-failures.json (fixture scenarios only), and every listed
 * scenario must really fail, for the listed reason.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConformanceSuite } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

defineConformanceSuite({
  name: 'the kit test server',
  cliPath: join(ROOT, 'test/kit-server/dist/cli.js'),
  expectedFailuresFile: fileURLToPath(new URL('../expected-failures.json', import.meta.url)),
  env: {},
  readyTimeoutMs: 60_000,
  timeoutMs: 100_000,
  testTimeoutMs: 180_000,
  // Only fixture scenarios: each one fails because a suite fixture (test_* tool/prompt, test:// resource, or the
  // capability that serves them) is absent, which is what `error` pins down.
  allowedErrors: /^(Unknown tool: test_\w+|Method not found)$/,
  titles: {
    file: 'is valid and lists only known scenarios, never a required one, each with a one-line reason',
    stateful: 'stateful (PORTCULLIS_HTTP_MODE=stateful): the same, and the session scenarios pass outright',
  },
});

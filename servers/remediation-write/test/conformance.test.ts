/**
 * The official MCP conformance suite (server mode) against the BUILT remediation-write CLI over Streamable HTTP
 * on 127.0.0.1, stateless (default) and stateful. Every scenario must pass except those listed in
 * conformance-expected-failures.json, which may list only scenarios that need the suite's fixture
 * tools/resources/prompts, each failing with the pinned error.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConformanceSuite } from '@portcullis/test-conformance';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

defineConformanceSuite({
  name: 'the built remediation-write CLI',
  cliPath: join(ROOT, 'servers/remediation-write/dist/cli.js'),
  expectedFailuresFile: fileURLToPath(new URL('../conformance-expected-failures.json', import.meta.url)),
  // With PORTCULLIS_AUTH=none (set by the helper) the HTTP principal is the stdio one from the environment.
  env: {
    PORTCULLIS_PRINCIPAL: 'riley',
    PORTCULLIS_ROLES: 'responder',
    PORTCULLIS_TENANT: 'acme',
  },
  startTimeoutMs: 120_000,
  readyTimeoutMs: 120_000,
  timeoutMs: 150_000,
  testTimeoutMs: 300_000,
  // Only fixture scenarios: a test_* tool is absent, or the capability that would serve a fixture
  // resource/prompt (remediation-write defines no resources or prompts, so it declares neither capability).
  allowedErrors: /^(Unknown tool: test_\w+|Method not found)$/,
});

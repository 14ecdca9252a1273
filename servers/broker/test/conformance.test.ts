/**
 * The official MCP conformance suite (server mode) against the BUILT broker CLI over Streamable
 * HTTP on 127.0.0.1, stateless (default) and stateful, fronting the CRM in-process. Every scenario
 * must pass except those listed in conformance-expected-failures.json, which may list only
 * scenarios that need the suite's fixture tools/resources/prompts, each failing with the pinned error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConformanceSuite } from '@portcullis/test-conformance';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'broker-conformance-'));
const config = join(dir, 'broker.yaml');
writeFileSync(config, 'upstreams:\n  - name: crm\n    local: crm\n', { mode: 0o600 });

defineConformanceSuite({
  name: 'the built broker CLI',
  cliPath: join(ROOT, 'servers/broker/dist/cli.js'),
  args: ['--config', config],
  expectedFailuresFile: fileURLToPath(new URL('../conformance-expected-failures.json', import.meta.url)),
  // With PORTCULLIS_AUTH=none (set by the helper) the HTTP principal is the stdio one from the environment.
  env: {
    PORTCULLIS_PRINCIPAL: 'alice',
    PORTCULLIS_ROLES: 'rep',
    PORTCULLIS_TENANT: 'acme',
  },
  startTimeoutMs: 120_000,
  readyTimeoutMs: 120_000,
  timeoutMs: 150_000,
  testTimeoutMs: 300_000,
  allowedErrors:
    /^(Unknown tool: test_\w+|Unknown prompt: test_\w+|Resource not found: test:\/\/\S+|Method not found)$/,
});

/**
 * An upstream that answers calls with JSON-RPC's Internal error (-32603) is failing, though it
 * answers: those answers count against its breaker, which opens, and its text (about its insides)
 * is not passed on. A refusal (-32602) is an answer from a working upstream and never opens it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configFile, stdioBroker } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/failing-server.mjs', import.meta.url));
const TIMEOUT = 120_000;
type Row = { isError?: boolean; content?: unknown; _meta?: Record<string, unknown> };

async function broker() {
  const dir = mkdtempSync(join(tmpdir(), 'broker-500-'));
  const cfg = configFile(
    [
      'upstreams:',
      '  - name: failing',
      `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FIXTURE)}] }`,
      '    breaker: { failures: 2, cooldown_ms: 600000 }',
      '',
    ].join('\n'),
    dir,
  );
  return stdioBroker(['--config', cfg], {
    PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-500-data-')),
    PORTCULLIS_PRINCIPAL: 'agent-7',
    PORTCULLIS_ROLES: 'support',
    PORTCULLIS_TENANT: 'acme',
  });
}

const codeOf = (r: Row) => (r._meta?.['portcullis/error'] as { code?: string } | undefined)?.code;

describe('an upstream answering Internal error', () => {
  it(
    'opens its breaker after `failures` such answers, and never passes its text on',
    async () => {
      const { client } = await broker();
      try {
        const call = async (name: string) =>
          (await client.callTool({ name: `failing_${name}`, arguments: {} })) as Row;
        const first = await call('boom');
        expect(first.isError).toBe(true);
        expect(codeOf(first)).toBe('upstream_error');
        expect(JSON.stringify(first)).not.toContain('database');
        expect(codeOf(await call('boom'))).toBe('upstream_error');
        // Two failures: the circuit is open, and calls fail fast without reaching the upstream.
        expect(codeOf(await call('boom'))).toBe('upstream_unavailable');
        expect(codeOf(await call('hidden'))).toBe('upstream_unavailable');
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );

  it(
    'a refusal (Invalid params) never opens it',
    async () => {
      const { client } = await broker();
      try {
        for (let i = 0; i < 4; i++) {
          const r = (await client.callTool({ name: 'failing_hidden', arguments: {} })) as Row;
          expect(codeOf(r)).toBe('upstream_error');
          expect(JSON.stringify(r)).toContain('refused');
        }
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );
});

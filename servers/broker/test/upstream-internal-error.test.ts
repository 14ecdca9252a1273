/**
 * An upstream that answers a call with JSON-RPC's Internal error (-32603): the caller hears that
 * it failed (retryable), never its text, which is about its insides. Like a refusal (-32602), it
 * is an answer: it never opens the circuit, which a caller could otherwise open for everyone with
 * input the upstream throws on.
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
    'answers upstream_error without its text, retryable, and never opens the breaker',
    async () => {
      const { client } = await broker();
      try {
        for (let i = 0; i < 4; i++) {
          const r = (await client.callTool({ name: 'failing_boom', arguments: {} })) as Row;
          expect(r.isError).toBe(true);
          expect(r._meta?.['portcullis/error']).toMatchObject({ code: 'upstream_error', retryable: true });
          expect(JSON.stringify(r)).toContain('failed while handling the call');
          expect(JSON.stringify(r)).not.toContain('database');
        }
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

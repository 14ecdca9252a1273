/**
 * max_message_bytes: an upstream that answers with a message over the cap fails that call with
 * upstream_unavailable (the connection is dropped, the command stopped), the broker stays up, and
 * the next call respawns the upstream and is answered.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configFile, stdioBroker } from './helpers.js';

// The third-party server of the kit's own size-cap test: `blob { bytes }` answers that many bytes.
const BLOB = fileURLToPath(new URL('../../../packages/core/test/fixtures/blob-server.mjs', import.meta.url));
const TIMEOUT = 120_000;
type Row = { isError?: boolean; content?: unknown; _meta?: Record<string, unknown> };

describe('max_message_bytes', () => {
  it(
    'an answer over the cap is upstream_unavailable, and the next call is answered',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-cap-'));
      const cfg = configFile(
        [
          'upstreams:',
          '  - name: blob',
          `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(BLOB)}, stdio] }`,
          '    max_message_bytes: 65536',
          '',
        ].join('\n'),
        dir,
      );
      const { client, stderr } = await stdioBroker(['--config', cfg], {
        PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-cap-data-')),
        PORTCULLIS_PRINCIPAL: 'agent-7',
        PORTCULLIS_ROLES: 'support',
        PORTCULLIS_TENANT: 'acme',
      });
      try {
        const call = async (bytes: number) =>
          (await client.callTool({ name: 'blob_blob', arguments: { bytes } })) as Row;
        const small = await call(1000);
        expect(small.isError, JSON.stringify(small).slice(0, 300)).toBeFalsy();
        const big = await call(256 * 1024);
        expect(big.isError).toBe(true);
        expect(big._meta?.['portcullis/error']).toMatchObject({ code: 'upstream_unavailable' });
        expect(JSON.stringify(big).length).toBeLessThan(4096);
        const again = await call(30_000);
        expect(again.isError, JSON.stringify(again).slice(0, 300)).toBeFalsy();
        expect(JSON.stringify(again.content)).toContain('x'.repeat(30_000));
        expect(stderr()).toContain('upstream message over the size cap');
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );
});

/**
 * The official MCP Inspector CLI drives the BUILT broker CLI over stdio, fronting the CRM and
 * billing in-process (the broker's config file comes through PORTCULLIS_BROKER_CONFIG, passed with
 * the inspector's `-e`, like the stdio principal).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInspector } from '@portcullis/test-support/inspector';
import { afterAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'broker-inspector-'));
const config = join(dir, 'broker.yaml');
writeFileSync(config, 'upstreams:\n  - name: crm\n    local: crm\n  - name: billing\n    local: billing\n', {
  mode: 0o600,
});

const inspectorCli = createInspector({
  cli: join(ROOT, 'servers/broker/dist/cli.js'),
  serverEnv: [
    `PORTCULLIS_DATA_DIR=${join(dir, 'data')}`,
    `PORTCULLIS_BROKER_CONFIG=${config}`,
    'PORTCULLIS_PRINCIPAL=alice',
    'PORTCULLIS_ROLES=rep,support',
    'PORTCULLIS_TENANT=acme',
    'PORTCULLIS_LOG_LEVEL=warn',
  ],
  stripPrefixes: ['CRM_', 'BILLING_'],
});

afterAll(() => {
  inspectorCli.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP Inspector CLI over stdio against the built broker CLI', () => {
  it('--method tools/list lists both systems behind the one entry', { timeout: 150_000 }, async () => {
    const r = await inspectorCli.run(['--method', 'tools/list']);
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout) as { tools: Row[] }).tools.map((t) => t.name as string);
    expect(names).toContain('crm_search_accounts');
    expect(names).toContain('billing_list_invoices');
  });

  it(
    '--method tools/call reaches the CRM through the broker as the -e principal',
    { timeout: 150_000 },
    async () => {
      const r = await inspectorCli.run([
        '--method',
        'tools/call',
        '--tool-name',
        'crm_search_accounts',
        '--tool-arg',
        'limit=2',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Row;
      expect(out.isError).toBeFalsy();
      expect(out.structuredContent.accounts).toHaveLength(2);
      // The seeded acme tenant (150 accounts): the principal and tenant reached the CRM behind the broker.
      expect(out.structuredContent.total).toBe(150);
    },
  );
});

/**
 * The official MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`, bin `mcp-inspector-cli`)
 * drives the BUILT CRM CLI over stdio, as a developer would check a server by hand:
 *
 *   mcp-inspector-cli --cli -e PORTCULLIS_PRINCIPAL=alice ... node servers/crm/dist/cli.js --method tools/list
 *
 * The stdio principal reaches the server only through the inspector's `-e KEY=VALUE` options (the
 * inspector's own environment carries no PORTCULLIS_* variable), so a search that returns acme
 * accounts proves they arrived.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInspector } from '@portcullis/test-support/inspector';
import { afterAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'crm-inspector-'));

const SERVER_ENV = [
  `PORTCULLIS_DATA_DIR=${dataDir}`,
  'PORTCULLIS_PRINCIPAL=alice',
  'PORTCULLIS_ROLES=rep,pii_reader',
  'PORTCULLIS_TENANT=acme',
  'PORTCULLIS_ATTRIBUTES={"team":"east"}',
  'PORTCULLIS_LOG_LEVEL=warn',
];

const inspectorCli = createInspector({
  cli: join(ROOT, 'servers/crm/dist/cli.js'),
  serverEnv: SERVER_ENV,
  stripPrefixes: ['CRM_'],
});
const inspector = (method: string[]) => inspectorCli.run(method);

afterAll(() => {
  inspectorCli.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('MCP Inspector CLI over stdio against the built CRM CLI', () => {
  it('--method tools/list lists the CRM tools', { timeout: 120_000 }, async () => {
    const r = await inspector(['--method', 'tools/list']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tools: Row[] };
    const names = out.tools.map((t) => t.name as string);
    expect(names).toContain('crm_search_accounts');
    expect(names).toContain('crm_log_activity'); // a rep sees writes too
    const search = out.tools.find((t) => t.name === 'crm_search_accounts')!;
    expect(search.annotations).toMatchObject({ readOnlyHint: true });
  });

  it(
    '--method tools/call --tool-name crm_search_accounts --tool-arg limit=2 returns two acme accounts',
    { timeout: 120_000 },
    async () => {
      const r = await inspector([
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
      expect(out._meta['portcullis/audit_id']).toMatch(/^aud_/);
      const accounts = out.structuredContent.accounts as Row[];
      expect(accounts).toHaveLength(2);
      for (const a of accounts)
        expect(a).toMatchObject({ id: expect.stringMatching(/^acc_/), name: expect.any(String) });
      // The seeded acme tenant (150 accounts): the -e principal and tenant reached the server.
      expect(out.structuredContent.total).toBe(150);
      expect(out.structuredContent.next_cursor).toEqual(expect.any(String));
    },
  );
});

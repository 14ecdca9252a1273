/**
 * The official MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`, bin `mcp-inspector-cli`)
 * drives the BUILT posture-read CLI over stdio, as a developer would check a server by hand:
 *
 *   mcp-inspector-cli --cli -e PORTCULLIS_PRINCIPAL=sam ... node servers/posture-read/dist/cli.js --method tools/list
 *
 * The stdio principal reaches the server only through the inspector's `-e KEY=VALUE` options (the
 * inspector's own environment carries no PORTCULLIS_* variable), so a search that returns acme
 * findings proves they arrived.
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
const dataDir = mkdtempSync(join(tmpdir(), 'posture-inspector-'));

const SERVER_ENV = [
  `PORTCULLIS_DATA_DIR=${dataDir}`,
  'PORTCULLIS_PRINCIPAL=dana',
  'PORTCULLIS_ROLES=analyst',
  'PORTCULLIS_TENANT=acme',
  'PORTCULLIS_ATTRIBUTES={"accounts":["333333333333"]}',
  'PORTCULLIS_LOG_LEVEL=warn',
];

const inspectorCli = createInspector({
  cli: join(ROOT, 'servers/posture-read/dist/cli.js'),
  serverEnv: SERVER_ENV,
  stripPrefixes: ['POSTURE_'],
});
const inspector = (method: string[]) => inspectorCli.run(method);

afterAll(() => {
  inspectorCli.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('MCP Inspector CLI over stdio against the built posture-read CLI', () => {
  it('--method tools/list lists the posture tools, all read-only', { timeout: 150_000 }, async () => {
    const r = await inspector(['--method', 'tools/list']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tools: Row[] };
    expect(out.tools.map((t) => t.name as string).sort()).toEqual([
      'posture_compliance_summary',
      'posture_get_asset',
      'posture_get_finding',
      'posture_list_exposures',
      'posture_search_assets',
      'posture_search_findings',
      'posture_summarize_findings',
    ]);
    for (const t of out.tools) expect(t.annotations).toMatchObject({ readOnlyHint: true });
  });

  it(
    '--method tools/call --tool-name posture_search_findings --tool-arg limit=2 returns dev-account findings only',
    { timeout: 150_000 },
    async () => {
      const r = await inspector([
        '--method',
        'tools/call',
        '--tool-name',
        'posture_search_findings',
        '--tool-arg',
        'limit=2',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Row;
      expect(out.isError).toBeFalsy();
      expect(out._meta['portcullis/audit_id']).toMatch(/^aud_/);
      const findings = out.structuredContent.findings as Row[];
      expect(findings).toHaveLength(2);
      // The -e attributes reached the server: only the dev account's findings.
      for (const f of findings)
        expect(f).toMatchObject({ id: expect.stringMatching(/^fnd_/), account: '333333333333' });
      expect(out.structuredContent.total).toBeGreaterThan(100);
    },
  );
});

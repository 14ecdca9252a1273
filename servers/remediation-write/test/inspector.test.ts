/**
 * The official MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`, bin `mcp-inspector-cli`)
 * drives the BUILT remediation-write CLI over stdio, as a developer would check a server by hand:
 *
 *   mcp-inspector-cli --cli -e PORTCULLIS_PRINCIPAL=riley ... node servers/remediation-write/dist/cli.js --method tools/list
 *
 * The stdio principal reaches the server only through the inspector's `-e KEY=VALUE` options (the
 * inspector's own environment carries no PORTCULLIS_* variable), so a plan on acme's production
 * account (approval_required, by riley) proves they arrived.
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
const dataDir = mkdtempSync(join(tmpdir(), 'remediation-inspector-'));

const SERVER_ENV = [
  `PORTCULLIS_DATA_DIR=${dataDir}`,
  'PORTCULLIS_PRINCIPAL=riley',
  'PORTCULLIS_ROLES=responder',
  'PORTCULLIS_TENANT=acme',
  'PORTCULLIS_LOG_LEVEL=warn',
];

const inspectorCli = createInspector({
  cli: join(ROOT, 'servers/remediation-write/dist/cli.js'),
  serverEnv: SERVER_ENV,
  stripPrefixes: ['REMEDIATION_'],
});
const inspector = (method: string[]) => inspectorCli.run(method);

afterAll(() => {
  inspectorCli.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('MCP Inspector CLI over stdio against the built remediation-write CLI', () => {
  it("--method tools/list lists the responder's tools, apply destructive", { timeout: 150_000 }, async () => {
    const r = await inspector(['--method', 'tools/list']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tools: Row[] };
    expect(out.tools.map((t) => t.name as string).sort()).toEqual([
      'remediation_apply',
      'remediation_get_plan',
      'remediation_list_actions',
      'remediation_list_plans',
      'remediation_open_ticket',
      'remediation_plan',
      'remediation_rollback',
    ]);
    expect(out.tools.find((t) => t.name === 'remediation_apply')!.annotations).toMatchObject({
      destructiveHint: true,
    });
  });

  it(
    '--method tools/call --tool-name remediation_plan plans the public bucket fix for riley (approval_required)',
    { timeout: 150_000 },
    async () => {
      const r = await inspector([
        '--method',
        'tools/call',
        '--tool-name',
        'remediation_plan',
        '--tool-arg',
        'action=s3_block_public_access',
        '--tool-arg',
        // The inspector reads a value as JSON when it parses: quoted, the account id stays a string.
        'account="111111111111"',
        '--tool-arg',
        'region=us-east-1',
        '--tool-arg',
        'resource=acme-prod-exports',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Row;
      expect(out.isError, JSON.stringify(out.structuredContent ?? out.content)).toBeFalsy();
      expect(out._meta['portcullis/audit_id']).toMatch(/^aud_/);
      expect(out.structuredContent).toMatchObject({
        verdict: 'approval_required',
        requester: 'riley',
        before: { bucket: 'acme-prod-exports' },
      });
    },
  );
});

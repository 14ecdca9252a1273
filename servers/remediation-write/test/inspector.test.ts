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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'servers/remediation-write/dist/cli.js');

const require = createRequire(import.meta.url);
const INSPECTOR_PKG = require.resolve('@modelcontextprotocol/inspector-cli/package.json');
const INSPECTOR_BIN = (() => {
  const pkg = JSON.parse(readFileSync(INSPECTOR_PKG, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(INSPECTOR_PKG), pkg.bin['mcp-inspector-cli']!);
})();

const dataDir = mkdtempSync(join(tmpdir(), 'remediation-inspector-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  // The inspector runs in its own process group (inspector → its CLI → the server): end the whole group.
  for (const p of children) {
    if (p.pid === undefined) continue;
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Environment without the caller's PORTCULLIS_*, NODE_ENV or VITEST* (the server gets its settings via -e). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(PORTCULLIS_|REMEDIATION_|VITEST|npm_|AWS_)/.test(k)) continue;
    if (['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'TEST'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1' };
}

const SERVER_ENV = [
  `PORTCULLIS_DATA_DIR=${dataDir}`,
  'PORTCULLIS_PRINCIPAL=riley',
  'PORTCULLIS_ROLES=responder',
  'PORTCULLIS_TENANT=acme',
  'PORTCULLIS_LOG_LEVEL=warn',
];

function inspector(method: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [
    INSPECTOR_BIN,
    '--cli',
    ...SERVER_ENV.flatMap((kv) => ['-e', kv]),
    process.execPath,
    CLI,
    ...method,
  ];
  return new Promise((resolve) => {
    // cwd: inspector-cli 1.0.3 looks for its package.json at "../package.json" relative to the
    // working directory (then imports it relative to its module), so it must run from its build/ folder.
    const p = spawn(process.execPath, args, {
      cwd: dirname(INSPECTOR_BIN),
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

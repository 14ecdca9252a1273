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
const CLI = join(ROOT, 'servers/crm/dist/cli.js');

const require = createRequire(import.meta.url);
const INSPECTOR_PKG = require.resolve('@modelcontextprotocol/inspector-cli/package.json');
const INSPECTOR_BIN = (() => {
  const pkg = JSON.parse(readFileSync(INSPECTOR_PKG, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(INSPECTOR_PKG), pkg.bin['mcp-inspector-cli']!);
})();

const dataDir = mkdtempSync(join(tmpdir(), 'crm-inspector-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  // The inspector runs in its own process group (inspector → its CLI → the CRM server): end the whole group.
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

/** Environment without the caller's PORTCULLIS_*, NODE_ENV or VITEST* (the CRM gets its settings via -e). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(PORTCULLIS_|CRM_|VITEST|npm_|AWS_)/.test(k)) continue;
    if (['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'TEST'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1' };
}

const SERVER_ENV = [
  `PORTCULLIS_DATA_DIR=${dataDir}`,
  'PORTCULLIS_PRINCIPAL=alice',
  'PORTCULLIS_ROLES=rep,pii_reader',
  'PORTCULLIS_TENANT=acme',
  'PORTCULLIS_ATTRIBUTES={"team":"east"}',
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

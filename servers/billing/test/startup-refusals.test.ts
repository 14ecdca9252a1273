/**
 * Production start-up refusals of the BUILT CLI: each missing setting stops it with exit code 1
 * and exactly one plain line `portcullis-billing: <reason>` on stderr, and the control (every
 * setting given) starts and serves, so each refusal is down to the one setting left out.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '@portcullis/core';
import {
  REPO_ROOT,
  cleanEnv,
  cleanup,
  runProcess,
  spawnHttp,
  trackedTempDir,
  writeApiKeys,
} from '@portcullis/test-support/servers';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(REPO_ROOT, 'servers/billing/dist/cli.js');
afterAll(cleanup, 60_000);

function productionEnv(): Record<string, string> {
  const dir = trackedTempDir('billing-refusals-');
  const keys = writeApiKeys(dir, [{ principal: 'ops', roles: ['admin'], tenant: 'acme' }], generateApiKey);
  const auditKey = join(dir, 'audit.key');
  writeFileSync(auditKey, 'a'.repeat(48), { mode: 0o600 });
  const approvalKey = join(dir, 'approval.key');
  writeFileSync(approvalKey, 'p'.repeat(48), { mode: 0o600 });
  return {
    NODE_ENV: 'production',
    PORTCULLIS_AUTH: 'apikey',
    PORTCULLIS_API_KEYS_FILE: keys.file,
    PORTCULLIS_AUDIT_KEY: `file:${auditKey}`,
    PORTCULLIS_APPROVAL_KEY: `file:${approvalKey}`,
    PORTCULLIS_DATA_DIR: join(dir, 'data'),
  };
}

async function refusal(env: Record<string, string | undefined>): Promise<string> {
  const r = await runProcess(process.execPath, [CLI, '--transport', 'http', '--port', '0'], {
    env: cleanEnv(env),
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toContain('serving MCP');
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-billing: '));
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

describe('billing CLI: production start-up refusals', () => {
  it('without PORTCULLIS_APPROVAL_KEY: exit 1, one line naming it', async () => {
    expect(await refusal({ ...productionEnv(), PORTCULLIS_APPROVAL_KEY: undefined })).toBe(
      'portcullis-billing: PORTCULLIS_APPROVAL_KEY is required when NODE_ENV=production (replicas must share it).',
    );
  });

  it('with an approval key shorter than 32 characters: exit 1, one line', async () => {
    const env = productionEnv();
    const short = join(env.PORTCULLIS_DATA_DIR!, '..', 'short.key');
    writeFileSync(short, 'too-short', { mode: 0o600 });
    expect(await refusal({ ...env, PORTCULLIS_APPROVAL_KEY: `file:${short}` })).toBe(
      'portcullis-billing: PORTCULLIS_APPROVAL_KEY must resolve to at least 32 characters.',
    );
  });

  it('without PORTCULLIS_AUDIT_KEY: exit 1, one line naming it', async () => {
    expect(await refusal({ ...productionEnv(), PORTCULLIS_AUDIT_KEY: undefined })).toMatch(
      /^portcullis-billing: PORTCULLIS_AUDIT_KEY is required when NODE_ENV=production/,
    );
  });

  it('with PORTCULLIS_AUTH=none over HTTP: exit 1, one line', async () => {
    expect(await refusal({ ...productionEnv(), PORTCULLIS_AUTH: 'none' })).toMatch(
      /^portcullis-billing: PORTCULLIS_AUTH=none is refused when NODE_ENV=production/,
    );
  });

  it('the control: with every production setting it starts and serves', async () => {
    const srv = await spawnHttp({ cliPath: CLI, env: cleanEnv(productionEnv()), name: 'billing CLI' });
    try {
      const health = await fetch(`${srv.base}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      expect((await srv.stop()).code).toBe(0);
    }
  });
});

/**
 * `sync securityhub --account`: the administrator account's role from AWS_ACCOUNT_ROLES is assumed
 * through STS (a local fake) and signs every GetFindings call; a refused role is one clear line
 * naming the role, never the external id, before anything is read or written.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeSecurityHub, type FakeSecurityHub } from '@portcullis/fakes/aws-securityhub';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import { runSyncCli } from '../src/sync-cli.js';
import { asffFinding, PROD, STAGING } from './backend-fixture.js';

const ROLE = `arn:aws:iam::${PROD}:role/portcullis-posture-read`;
const EXTERNAL_ID = 'sync-external-id-0c7d';

let hub: FakeSecurityHub;
let sts: FakeSts;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIABASESYNCROLE0001');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'base-secret-for-the-fakes-only');
  hub = await startFakeSecurityHub();
  sts = await startFakeSts();
  sts.allowRole(ROLE, { externalId: EXTERNAL_ID });
  hub.findings.set(
    'eu-west-1',
    Array.from({ length: 120 }, (_, i) => ({ ...asffFinding(i, PROD), Region: 'eu-west-1' })),
  );
});

afterAll(async () => {
  await hub?.close();
  await sts?.close();
  vi.unstubAllEnvs();
});

async function sync(args: string[], externalId: string) {
  let stdout = '';
  let stderr = '';
  const code = await runSyncCli(
    ['securityhub', '--tenant', 'acme', '--region', 'eu-west-1', ...args],
    {
      PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'posture-sync-role-')),
      POSTURE_SECURITYHUB_ENDPOINT: hub.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AWS_ACCOUNT_ROLES: JSON.stringify({ [PROD]: { role_arn: ROLE, external_id: 'env:SYNC_EXTERNAL_ID' } }),
      SYNC_EXTERNAL_ID: externalId,
    },
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
  );
  return { code, stdout, stderr };
}

describe('sync securityhub --account', () => {
  it('reads through the account’s assumed role', async () => {
    const before = hub.requests.length;
    const res = await sync(['--account', PROD], EXTERNAL_ID);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^synced 120 Security Hub findings from eu-west-1 into tenant acme/);
    const calls = hub.requests.slice(before);
    expect(calls).toHaveLength(2);
    for (const r of calls) {
      const issued = sts.issued.get(r.accessKeyId);
      expect(issued?.roleArn).toBe(ROLE);
      expect(r.sessionToken).toBe(issued?.sessionToken);
    }
    expect(sts.assumeRoleCalls.at(-1)).toMatchObject({
      roleArn: ROLE,
      sessionName: 'portcullis-posture-read',
      externalId: EXTERNAL_ID,
    });
  });

  it('stops in one line naming the role, not the external id, when the role is refused', async () => {
    const before = hub.requests.length;
    const res = await sync(['--account', PROD], 'a-wrong-external-id');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(ROLE);
    expect(res.stderr).toContain('sts:AssumeRole');
    expect(res.stderr).not.toContain('a-wrong-external-id');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(hub.requests.length).toBe(before);
  });

  it('refuses an account without a configured role, or not an account id', async () => {
    expect((await sync(['--account', STAGING], EXTERNAL_ID)).code).toBe(64);
    expect((await sync(['--account', STAGING], EXTERNAL_ID)).stderr).toMatch(
      /AWS_ACCOUNT_ROLES names no role/,
    );
    expect((await sync(['--account', '12'], EXTERNAL_ID)).code).toBe(64);
  });
});

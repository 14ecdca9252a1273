/**
 * The simulated backend on its own: the contract's state shapes per action, writes of "after" and
 * of "before" again, not_found for another tenant's account, and the forced write fault.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '@portcullis/core';
import { BackendError, type Target } from '../src/backend.js';
import { CATALOG } from '../src/catalog.js';
import { remediationMigrations } from '../src/migrations.js';
import { DEMO_STORY } from '../src/seed.js';
import { SimulatedBackend } from '../src/simulated.js';

let store: Store;
let sim: SimulatedBackend;

beforeAll(async () => {
  store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'remediation-sim-')) });
  await migrate(store, 'remediation-write', remediationMigrations);
  sim = await SimulatedBackend.create(store, { seed: true });
  // Seeding twice (a restart, a second replica) adds nothing.
  await SimulatedBackend.create(store, { seed: true });
});
afterAll(async () => {
  await store?.close();
});

const t = (over: Partial<Target>): Target => ({
  tenant: 'acme',
  account: DEMO_STORY.account,
  region: 'us-east-1',
  action: 's3_block_public_access',
  resource: DEMO_STORY.publicBucket,
  params: {},
  ...over,
});

describe('simulated backend', () => {
  it('reads the demo story in the contract shapes', async () => {
    expect(await sim.read(t({}))).toEqual({
      bucket: DEMO_STORY.publicBucket,
      public_access_block: {
        block_public_acls: false,
        ignore_public_acls: false,
        block_public_policy: false,
        restrict_public_buckets: false,
      },
    });
    expect(await sim.read(t({ action: 's3_enable_default_encryption' }))).toEqual({
      bucket: DEMO_STORY.publicBucket,
      encryption: null,
    });
    expect(
      await sim.read(
        t({
          action: 'ec2_revoke_public_ingress',
          resource: DEMO_STORY.openSecurityGroup,
          params: { port: 22 },
        }),
      ),
    ).toEqual({
      group_id: DEMO_STORY.openSecurityGroup,
      port: 22,
      public_rules: [{ protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' }],
    });
    expect(
      await sim.read(
        t({
          action: 'iam_deactivate_access_key',
          resource: DEMO_STORY.staleKey,
          region: 'global',
          params: { user: 'ci-deploy' },
        }),
      ),
    ).toEqual({
      user: 'ci-deploy',
      access_key_id: DEMO_STORY.staleKey,
      status: 'Active',
    });
    expect(
      await sim.read(
        t({
          action: 'ec2_quarantine_instance',
          resource: DEMO_STORY.bastion,
          params: { quarantine_group: DEMO_STORY.quarantineGroup },
        }),
      ),
    ).toEqual({
      instance_id: DEMO_STORY.bastion,
      security_groups: [DEMO_STORY.openSecurityGroup],
    });
  });

  it('lists every public rule covering the port, sorted, and revokes only those', async () => {
    const target = t({
      account: DEMO_STORY.staging,
      action: 'ec2_revoke_public_ingress',
      resource: 'sg-0d1e2f3a4b5c60731',
      params: { port: 22 },
    });
    const before = await sim.read(target);
    expect(before.public_rules).toEqual([
      { protocol: 'tcp', from_port: 0, to_port: 65535, cidr: '::/0' },
      { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' },
    ]);
    const after = CATALOG.ec2_revoke_public_ingress.after(before, { port: 22 });
    await sim.write(target, before, after);
    expect(await sim.read(target)).toEqual(after);
    // The private rule stayed.
    expect(
      (await sim.resourceState(DEMO_STORY.staging, 'security_group', 'sg-0d1e2f3a4b5c60731'))!.ingress,
    ).toEqual([{ protocol: 'tcp', from_port: 8080, to_port: 8080, cidr: '10.1.0.0/16' }]);
    // Rollback authorizes them again.
    await sim.write(target, after, before);
    expect(await sim.read(target)).toEqual(before);
  });

  it("another tenant's account, a wrong region or a key of another user is not found", async () => {
    await expect(sim.read(t({ tenant: 'globex' }))).rejects.toMatchObject({ code: 'not_found' });
    await expect(sim.read(t({ region: 'eu-west-1' }))).rejects.toBeInstanceOf(BackendError);
    await expect(
      sim.read(
        t({
          action: 'iam_deactivate_access_key',
          resource: DEMO_STORY.staleKey,
          params: { user: 'someone-else' },
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a quarantine into a group that does not exist is invalid_target', async () => {
    const target = t({
      action: 'ec2_quarantine_instance',
      resource: DEMO_STORY.bastion,
      params: { quarantine_group: 'sg-0000000000000dead' },
    });
    const before = await sim.read(target);
    await expect(
      sim.write(target, before, { ...before, security_groups: ['sg-0000000000000dead'] }),
    ).rejects.toMatchObject({
      code: 'invalid_target',
    });
  });

  it('a forced fault makes exactly the next write not stick', async () => {
    const target = t({
      action: 'iam_deactivate_access_key',
      resource: DEMO_STORY.staleKey,
      params: { user: 'ci-deploy' },
    });
    const before = await sim.read(target);
    const after = { ...before, status: 'Inactive' };
    await sim.forceWriteFailures(DEMO_STORY.account, DEMO_STORY.staleKey, 1);
    await sim.write(target, before, after);
    expect(await sim.read(target)).toEqual(before);
    await sim.write(target, before, after);
    expect(await sim.read(target)).toEqual(after);
  });
});

/**
 * REMEDIATION_ACCOUNTS is authoritative: an account dropped from it (an offboarded tenant's) can no
 * longer be planned on or applied to once the server restarts with the new setting, while the
 * accounts it still lists, the demo seed's and the plans already made stay as they were.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  bucketPlan,
  DEMO_STORY,
  stagingPlan,
  startRemediation,
  WEDNESDAY_10,
  type Remediation,
} from './harness.js';

const A = DEMO_STORY.staging;
const B = '333333333333';
const ENTRIES: Record<string, { tenant: string; name: string; environment: string }> = {
  [A]: { tenant: 'acme', name: 'acme-staging-live', environment: 'staging' },
  [B]: { tenant: 'acme', name: 'acme-dev-live', environment: 'development' },
};
const setting = (...ids: string[]) => JSON.stringify(Object.fromEntries(ids.map((id) => [id, ENTRIES[id]])));

const onB = {
  action: 's3_block_public_access',
  account: B,
  region: 'us-west-2',
  resource: 'acme-dev-scratch',
  params: {},
};

let r: Remediation | undefined;
afterAll(async () => {
  await r?.close();
});

describe('REMEDIATION_ACCOUNTS', () => {
  it('an account dropped from the setting is refused after a restart; the others still work', async () => {
    r = await startRemediation({ REMEDIATION_ACCOUNTS: setting(A, B) }, WEDNESDAY_10);
    const planned = await r.responder.callTool('remediation_plan', onB);
    expect(planned.structured, planned.text).toMatchObject({ verdict: 'direct', status: 'ready' });
    const planB = planned.structured!.plan_id as string;
    const dataDir = r.h.dataDir;
    await r.close();

    // B's tenant is offboarded: the setting lists A only.
    r = await startRemediation({ REMEDIATION_ACCOUNTS: setting(A) }, WEDNESDAY_10, dataDir);
    const before = await r.sim.resourceState(B, 'bucket', 'acme-dev-scratch');
    const refused = await r.responder.callTool('remediation_plan', onB);
    expect(refused.envelope).toMatchObject({ code: 'not_found', category: 'not_found' });
    expect(refused.envelope!.message).toContain(B);
    const apply = await r.responder.callTool('remediation_apply', { plan_id: planB });
    expect(apply.envelope).toMatchObject({ code: 'not_found', category: 'not_found' });
    expect(await r.sim.resourceState(B, 'bucket', 'acme-dev-scratch')).toEqual(before);
    // The plan made before is history: still readable, never applied.
    const got = await r.responder.callTool('remediation_get_plan', { plan_id: planB });
    expect(got.structured).toMatchObject({ status: 'ready', outcome: null });

    const onA = await r.responder.callTool('remediation_plan', stagingPlan);
    expect(onA.structured, onA.text).toMatchObject({ verdict: 'direct' });
    const applied = await r.responder.callTool('remediation_apply', { plan_id: onA.structured!.plan_id });
    expect(applied.structured, applied.text).toMatchObject({ plan: { status: 'applied' } });
    // The demo seed's accounts were never the setting's: they stay.
    const demo = await r.responder.callTool('remediation_plan', bucketPlan);
    expect(demo.structured, demo.text).toMatchObject({ verdict: 'approval_required' });
  });
});

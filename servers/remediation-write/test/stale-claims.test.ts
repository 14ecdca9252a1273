/**
 * Claims a dead process leaves behind, and tenant scoping of the ticket ledger: a ticket claim
 * with no key is taken over once stale (the embedded queue's ticket adopted rather than opened
 * twice), a plan left `applying` is settled from the target's state on its requester's next apply,
 * and de-duplication per finding never crosses tenants. Crashes are simulated by leaving the rows
 * a dead process leaves (a claim, a failed store write); the clock is moved by hand.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAuditFile } from '@portcullis/core/audit';
import { APPLY_STALE_MS, TICKET_CLAIM_STALE_MS, type RemediationEngine } from '../src/engine.js';
import { EmbeddedTicketSink } from '../src/tickets.js';
import { DEMO_STORY, startRemediation, WEDNESDAY_10, type Remediation } from './harness.js';

let r: Remediation;

beforeAll(async () => {
  r = await startRemediation({}, WEDNESDAY_10);
});
afterAll(async () => {
  await r?.close();
});

/** The ledger row a process leaves when it dies after claiming a finding, before recording. */
async function deadTicketClaim(tenant: string, finding: string): Promise<void> {
  await r.engine.store.query(
    `INSERT INTO remediation_ticket_refs (tenant, finding_id, claim_id, sink, created_by, created_at)
     VALUES ($1, $2, 'claim-of-a-dead-process', 'embedded', 'riley', $3)`,
    [tenant, finding, new Date(r.clock.now).toISOString()],
  );
}

const ticketArgs = (finding: string) => ({
  summary: `acme-staging-artifacts is unencrypted (${finding})`,
  finding_id: finding,
  account: DEMO_STORY.staging,
  resource: 'acme-staging-artifacts',
  severity: 'high',
});

/**
 * A direct plan for a bucket of its own in the dev account, as open as the demo's scratch bucket
 * was (each test gets a fresh one): its plan id.
 */
async function directBucketPlan(bucket: string): Promise<string> {
  await r.engine.store.query(
    `INSERT INTO remediation_sim_resources (account, kind, id, region, state)
     SELECT account, kind, $1, region, state || '{"public_access_block": null}'::jsonb
       FROM remediation_sim_resources WHERE account = '333333333333' AND id = 'acme-dev-scratch'`,
    [bucket],
  );
  const planned = await r.responder.callTool('remediation_plan', {
    action: 's3_block_public_access',
    account: '333333333333',
    region: 'us-west-2',
    resource: bucket,
    params: {},
  });
  expect(planned.structured, planned.text).toMatchObject({ verdict: 'direct' });
  return planned.structured!.plan_id as string;
}

type Read = RemediationEngine['read'];

/** The engine's next target read runs `instead` (given the real read), once; returns the undo. */
function onNextRead(instead: (read: Read, ...args: Parameters<Read>) => ReturnType<Read>): () => void {
  const read: Read = r.engine.read.bind(r.engine);
  const patched = r.engine as unknown as { read: Read };
  patched.read = (...args) => {
    patched.read = read;
    return instead(read, ...args);
  };
  return () => {
    patched.read = read;
  };
}

describe('ticket de-duplication per finding', () => {
  it("is per tenant: another tenant's request for the same finding id never gets its ticket", async () => {
    const finding = 'fnd_same_id_in_two_tenants';
    const acme = await r.responder.callTool('remediation_open_ticket', ticketArgs(finding));
    expect(acme.structured, acme.text).toMatchObject({ deduplicated: false });
    const grace = await r.as('grace', ['responder'], 'globex');
    const globex = await grace.callTool('remediation_open_ticket', {
      summary: 'globex-prod-reports is public',
      finding_id: finding,
    });
    expect(globex.structured, globex.text).toMatchObject({ deduplicated: false });
    const ofFinding = async (tenant: string) =>
      (await new EmbeddedTicketSink(r.engine.store).list(tenant)).filter((t) => t.finding_id === finding);
    expect((await ofFinding('globex')).map((t) => t.summary)).toEqual(['globex-prod-reports is public']);
    expect(await ofFinding('acme')).toHaveLength(1);
    // Asked again, each tenant gets its own ticket back.
    const again = await grace.callTool('remediation_open_ticket', { summary: 'again', finding_id: finding });
    expect(again.structured).toMatchObject({ deduplicated: true, ticket_key: globex.structured!.ticket_key });
  });
});

describe('a ticket claim left by a dead process', () => {
  it('answers ticket_in_progress (retryable) while young, and is taken over once stale', async () => {
    const finding = 'fnd_claimed_then_crashed';
    await deadTicketClaim('acme', finding);
    const young = await r.responder.callTool('remediation_open_ticket', ticketArgs(finding));
    expect(young.envelope).toMatchObject({ code: 'ticket_in_progress', retryable: true });

    r.clock.now += TICKET_CLAIM_STALE_MS + 1000;
    const taken = await r.responder.callTool('remediation_open_ticket', ticketArgs(finding));
    expect(taken.structured, taken.text).toMatchObject({ deduplicated: false, sink: 'embedded' });
    const key = taken.structured!.ticket_key as string;
    const again = await r.approver.callTool('remediation_open_ticket', ticketArgs(finding));
    expect(again.structured, again.text).toMatchObject({ deduplicated: true, ticket_key: key });
    const rec = r.h
      .auditRecords()
      .find((x) => x.tool === 'remediation_open_ticket' && x.refs?.ticket_key === key);
    expect(rec?.refs).toMatchObject({ claim_taken_over: 'true', finding_id: finding });
  });

  it('adopts the ticket the dead process had already created in the embedded queue (no duplicate)', async () => {
    const finding = 'fnd_created_then_crashed';
    await deadTicketClaim('acme', finding);
    // The sink created it; the process died before recording the key on the claim.
    const created = await r.engine.tickets.create({
      tenant: 'acme',
      summary: 'created before the crash',
      description: 'x',
      finding_id: finding,
      labels: ['portcullis'],
    });
    r.clock.now += TICKET_CLAIM_STALE_MS + 1000;
    const res = await r.responder.callTool('remediation_open_ticket', ticketArgs(finding));
    expect(res.structured, res.text).toMatchObject({ deduplicated: true, ticket_key: created.key });
    const tickets = (await new EmbeddedTicketSink(r.engine.store).list('acme')).filter(
      (t) => t.finding_id === finding,
    );
    expect(tickets).toHaveLength(1);
  });
});

describe('a plan left applying', () => {
  it('the change verified but its outcome could not be stored: settled as applied from the read-back', async () => {
    const planned = await r.responder.callTool('remediation_plan', {
      action: 's3_enable_default_encryption',
      account: DEMO_STORY.staging,
      region: 'us-east-1',
      resource: 'acme-staging-artifacts',
    });
    expect(planned.structured, planned.text).toMatchObject({ verdict: 'direct', status: 'ready' });
    const id = planned.structured!.plan_id as string;
    const finish = vi.spyOn(r.engine, 'finish').mockRejectedValueOnce(new Error('store unavailable'));
    let first;
    try {
      first = await r.responder.callTool('remediation_apply', { plan_id: id });
    } finally {
      finish.mockRestore();
    }
    expect(first.isError).toBe(true);
    // The change landed; the plan says applying.
    expect(await r.sim.resourceState(DEMO_STORY.staging, 'bucket', 'acme-staging-artifacts')).toMatchObject({
      encryption: { algorithm: 'AES256' },
    });
    expect((await r.engine.getPlan('acme', id))!.status).toBe('applying');
    const young = await r.responder.callTool('remediation_apply', { plan_id: id });
    expect(young.envelope).toMatchObject({ code: 'apply_in_progress' });

    r.clock.now += APPLY_STALE_MS + 1000;
    const settled = await r.responder.callTool('remediation_apply', { plan_id: id });
    expect(settled.structured, settled.text).toMatchObject({
      replayed: true,
      plan: { status: 'applied', outcome: { result: 'applied', verified: true, applied_by: 'riley' } },
    });
    const outcome = (settled.structured!.plan as { outcome: { verification_audit_id: string } }).outcome;
    const verification = r.h.auditRecords().find((x) => x.id === outcome.verification_audit_id);
    expect(verification).toMatchObject({ kind: 'verification', outcome: 'ok', refs: { settled: 'applied' } });
    // Applied, so it can be rolled back again.
    const rollback = await r.responder.callTool('remediation_rollback', { plan_id: id });
    expect(rollback.structured, rollback.text).toMatchObject({ kind: 'rollback', verdict: 'direct' });
    expect(await verifyAuditFile(r.h.auditFile)).toMatchObject({ ok: true });
  });

  it('died before the write: reopened and applied; in neither state: failed, for a person', async () => {
    const keyPlan = await r.responder.callTool('remediation_plan', {
      action: 'iam_deactivate_access_key',
      account: DEMO_STORY.staging,
      region: 'global',
      resource: 'AKIAI44QH8DHBEXAMPLE',
      params: { user: 'deploy-bot' },
    });
    const bucketPlan = await r.responder.callTool('remediation_plan', {
      action: 's3_block_public_access',
      account: '333333333333',
      region: 'us-west-2',
      resource: 'acme-dev-scratch',
      params: {},
    });
    const ids = [keyPlan, bucketPlan].map((p) => {
      expect(p.structured, p.text).toMatchObject({ verdict: 'direct' });
      return p.structured!.plan_id as string;
    });
    // Both applies claimed their plan and died (nothing written); someone half-fixes the bucket.
    for (const id of ids)
      expect(await r.engine.claim((await r.engine.getPlan('acme', id))!, ['ready'])).not.toBeNull();
    const half = {
      block_public_acls: true,
      ignore_public_acls: false,
      block_public_policy: false,
      restrict_public_buckets: false,
    };
    const bucket = (await r.sim.resourceState('333333333333', 'bucket', 'acme-dev-scratch'))!;
    await r.sim.setResourceState('333333333333', 'bucket', 'acme-dev-scratch', {
      ...bucket,
      public_access_block: half,
    });

    r.clock.now += APPLY_STALE_MS + 1000;
    const reopened = await r.responder.callTool('remediation_apply', { plan_id: ids[0] });
    expect(reopened.structured, reopened.text).toMatchObject({
      replayed: false,
      plan: { status: 'applied', outcome: { verified: true } },
    });
    expect(await r.sim.resourceState(DEMO_STORY.staging, 'access_key', 'AKIAI44QH8DHBEXAMPLE')).toMatchObject(
      {
        status: 'Inactive',
      },
    );
    expect(
      r.h
        .auditRecords()
        .find((x) => x.kind === 'verification' && x.refs?.plan_id === ids[0] && x.refs?.settled),
    ).toMatchObject({ outcome: 'error', error_code: 'apply_interrupted', refs: { settled: 'reopened' } });

    const neither = await r.responder.callTool('remediation_apply', { plan_id: ids[1] });
    expect(neither.envelope).toMatchObject({ code: 'verification_failed', retryable: false });
    const got = await r.responder.callTool('remediation_get_plan', { plan_id: ids[1] });
    expect(got.structured).toMatchObject({
      status: 'failed',
      outcome: { result: 'verification_failed', rolled_back: false },
    });
    // Nothing was written: the half-fixed bucket is as it was.
    expect(await r.sim.resourceState('333333333333', 'bucket', 'acme-dev-scratch')).toMatchObject({
      public_access_block: half,
    });
  });

  it('an apply that outlived the bound cannot undo the settle: its unclaim and finish are refused', async () => {
    const id = await directBucketPlan('acme-dev-logs');
    // A slow apply holds its claim past the bound; the requester's next apply settles the plan
    // (the target is still as planned: reopened) and applies it under a claim of its own.
    const slow = (await r.engine.claim((await r.engine.getPlan('acme', id))!, ['ready']))!;
    expect(slow).not.toBeNull();
    r.clock.now += APPLY_STALE_MS + 1000;
    const settled = await r.responder.callTool('remediation_apply', { plan_id: id });
    expect(settled.structured, settled.text).toMatchObject({ plan: { status: 'applied' } });
    const before = await r.engine.getPlan('acme', id);

    // The slow apply ends now: whatever it says, it no longer holds the plan.
    await expect(r.engine.unclaim(slow, 'ready', slow.claim)).rejects.toMatchObject({
      code: 'apply_superseded',
    });
    await expect(
      r.engine.finish(slow, 'failed', before!.outcome!, { keepBudget: false, claim: slow.claim }),
    ).rejects.toMatchObject({ code: 'apply_superseded' });
    const after = await r.engine.getPlan('acme', id);
    expect(after).toMatchObject({ status: 'applied', outcome: before!.outcome });
  });

  it('an apply whose claim is taken over while it runs never writes to the target', async () => {
    const id = await directBucketPlan('acme-dev-logs-2');
    const before = await r.sim.resourceState('333333333333', 'bucket', 'acme-dev-logs-2');
    // The apply's drift read is slow: meanwhile its claim goes stale and a settle takes it over.
    const undo = onNextRead(async (read, target, signal) => {
      r.clock.now += APPLY_STALE_MS + 1000;
      expect(await r.engine.takeOverStaleApply((await r.engine.getPlan('acme', id))!)).not.toBeNull();
      return read(target, signal);
    });
    try {
      const slow = await r.responder.callTool('remediation_apply', { plan_id: id });
      expect(slow.envelope).toMatchObject({ code: 'apply_superseded', retryable: false });
    } finally {
      undo();
    }
    expect(await r.sim.resourceState('333333333333', 'bucket', 'acme-dev-logs-2')).toEqual(before);
  });

  it('a settle that cannot read the target leaves the plan for the next apply, not another 15 minutes', async () => {
    const id = await directBucketPlan('acme-dev-logs-3');
    expect(await r.engine.claim((await r.engine.getPlan('acme', id))!, ['ready'])).not.toBeNull();
    r.clock.now += APPLY_STALE_MS + 1000;
    const undo = onNextRead(() => Promise.reject(new Error('the cloud is unreachable')));
    try {
      const failed = await r.responder.callTool('remediation_apply', { plan_id: id });
      expect(failed.isError).toBe(true);
    } finally {
      undo();
    }
    // No clock moved: the next apply settles it (reopened, then applied) at once.
    const next = await r.responder.callTool('remediation_apply', { plan_id: id });
    expect(next.structured, next.text).toMatchObject({ plan: { status: 'applied' } });
  });
});

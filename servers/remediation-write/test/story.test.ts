/**
 * The canonical story in-process: a responder plans s3_block_public_access on acme-prod-exports
 * (production: approval_required), cannot approve it alone, an approver approves, the responder
 * applies, the bucket reads back private, the audit chain verifies and links the plan, approval,
 * apply and verification records; then a rollback (itself planned and approved) restores it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '@portcullis/core/audit';
import { bucketPlan, DEMO_STORY, startRemediation, type Remediation } from './harness.js';

let r: Remediation;

beforeAll(async () => {
  r = await startRemediation();
});
afterAll(async () => {
  await r?.close();
});

describe('the canonical story', () => {
  it('plan → approval by another person → apply → verified → audit linked → rollback restores', async () => {
    const planned = await r.responder.callTool('remediation_plan', bucketPlan);
    expect(planned.isError, planned.text).toBe(false);
    const plan = planned.structured!;
    expect(plan).toMatchObject({
      status: 'pending',
      verdict: 'approval_required',
      policies: ['remediation-change-production'],
      before: { bucket: DEMO_STORY.publicBucket, public_access_block: { block_public_acls: false } },
      after: {
        bucket: DEMO_STORY.publicBucket,
        public_access_block: {
          block_public_acls: true,
          ignore_public_acls: true,
          block_public_policy: true,
          restrict_public_buckets: true,
        },
      },
      blast_radius: { changes: 4 },
    });
    const id = plan.plan_id as string;

    // The responder cannot approve: the approve tool is not theirs, and applying without approval is refused.
    expect(await r.responder.listToolNames()).not.toContain('remediation_approve');
    const early = await r.responder.callTool('remediation_apply', { plan_id: id });
    expect(early.envelope).toMatchObject({ code: 'approval_pending', category: 'approval_required' });
    // A responder who is also an approver still cannot approve their own plan.
    const both = await r.as('riley', ['responder', 'approver']);
    const self = await both.callTool('remediation_approve', { plan_id: id });
    expect(self.envelope).toMatchObject({ code: 'self_approval' });

    const approved = await r.approver.callTool('remediation_approve', { plan_id: id });
    expect(approved.isError, approved.text).toBe(false);
    expect(approved.structured).toMatchObject({ plan: { status: 'approved', approver: 'alex' } });
    const token = approved.structured!.approval_token as string;
    // Nothing changed yet.
    expect(
      (await r.sim.resourceState(DEMO_STORY.account, 'bucket', DEMO_STORY.publicBucket))!.public_access_block,
    ).toMatchObject({ block_public_acls: false });

    const applied = await r.responder.callTool('remediation_apply', { plan_id: id, approval_token: token });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured).toMatchObject({
      replayed: false,
      plan: { status: 'applied', outcome: { result: 'applied', verified: true, rolled_back: false } },
    });
    const state = await r.sim.resourceState(DEMO_STORY.account, 'bucket', DEMO_STORY.publicBucket);
    expect(state!.public_access_block).toEqual({
      block_public_acls: true,
      ignore_public_acls: true,
      block_public_policy: true,
      restrict_public_buckets: true,
    });

    // A retried apply never applies twice: the stored outcome, replayed.
    const again = await r.responder.callTool('remediation_apply', { plan_id: id, approval_token: token });
    expect(again.structured).toMatchObject({ replayed: true, plan: { status: 'applied' } });

    // The audit chain verifies and links plan, approval, apply and verification through the plan id.
    expect(await verifyAuditFile(r.h.auditFile)).toMatchObject({ ok: true });
    const records = r.h.auditRecords().filter((x) => x.refs?.plan_id === id);
    const planRec = records.find((x) => x.tool === 'remediation_plan' && x.outcome === 'ok')!;
    const approveRec = records.find((x) => x.tool === 'remediation_approve' && x.outcome === 'ok')!;
    const applyRec = records.find(
      (x) => x.tool === 'remediation_apply' && x.outcome === 'ok' && x.refs?.verification_id,
    )!;
    const verifyRec = records.find((x) => x.kind === 'verification')!;
    expect(planRec.refs).toMatchObject({
      finding_id: bucketPlan.finding_id,
      before_hash: plan.before_hash,
      after_hash: plan.after_hash,
    });
    expect(approveRec.refs!.approval_id).toBe(approved.structured!.approval_id);
    expect(applyRec.refs).toMatchObject({
      approval_id: approved.structured!.approval_id,
      finding_id: bucketPlan.finding_id,
      before_hash: plan.before_hash,
      after_hash: plan.after_hash,
      verification_id: verifyRec.id,
    });
    expect(verifyRec).toMatchObject({
      outcome: 'ok',
      refs: { approval_id: approved.structured!.approval_id, observed_hash: plan.after_hash },
    });
    expect(JSON.stringify(r.h.auditRecords())).not.toContain(token);

    // The rollback is a plan of its own, under the same policy (production: approved first).
    const rb = await r.responder.callTool('remediation_rollback', {
      plan_id: id,
      reason: 'exports team needs the public link back',
    });
    expect(rb.isError, rb.text).toBe(false);
    expect(rb.structured).toMatchObject({
      kind: 'rollback',
      rolls_back: id,
      verdict: 'approval_required',
      after: plan.before,
    });
    const rbId = rb.structured!.plan_id as string;
    const rbApproved = await r.approver.callTool('remediation_approve', { plan_id: rbId });
    const rbApplied = await r.responder.callTool('remediation_apply', {
      plan_id: rbId,
      approval_token: rbApproved.structured!.approval_token,
    });
    expect(rbApplied.isError, rbApplied.text).toBe(false);
    expect(
      (await r.sim.resourceState(DEMO_STORY.account, 'bucket', DEMO_STORY.publicBucket))!.public_access_block,
    ).toEqual(plan.before && (plan.before as { public_access_block: unknown }).public_access_block);
    const original = await r.responder.callTool('remediation_get_plan', { plan_id: id });
    expect(original.structured).toMatchObject({ status: 'rolled_back', rollback_plan: rbId });
    expect(await verifyAuditFile(r.h.auditFile)).toMatchObject({ ok: true });
  });
});

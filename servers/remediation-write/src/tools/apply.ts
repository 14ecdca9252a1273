import { z } from 'zod';
import { PortcullisError, errors } from '@portcullis/core';
import type { PolicyResource } from '@portcullis/core';
import { canonicalHash } from '@portcullis/core/canonical';
import {
  APPLY_STALE_MS,
  backendError,
  contentHashOf,
  targetOf,
  type ApplyOutcome,
  type RemediationPlan,
} from '../engine.js';
import type { TargetState } from '../backend.js';
import { changeDenied, planId, planOut, planView, renderPlan, tool, type Ctx } from './common.js';
import { planNotFound } from './plans.js';

// ---------- approving ----------

export const approvePlan = tool({
  name: 'remediation_approve',
  title: 'Approve a remediation plan',
  description:
    'Approvers only, and never for your own request: approves a pending plan (verdict approval_required) after you have read its before → after and blast radius with remediation_get_plan, and returns a single-use approval_token bound to exactly that plan, which the requester passes to remediation_apply before it expires. The same approval is available outside the agent at POST /approvals/{plan_id}.',
  toolset: 'approvals',
  access: 'write',
  input: z.object({ plan_id: planId }),
  output: z.object({
    plan: planOut,
    approval_id: z.string(),
    approval_token: z.string().describe('Single use; give it to the requester for remediation_apply.'),
    expires_at: z.string().describe('When the token stops being accepted.'),
  }),
  sensitiveFields: ['approval_token'],
  handler: async (args, ctx) => {
    const eng = ctx.backend;
    const plan = await eng.getPlan(ctx.principal.tenant, args.plan_id);
    if (plan === null) throw planNotFound(args.plan_id);
    if (plan.verdict !== 'approval_required')
      throw errors.conflict(
        'approval_not_needed',
        `Plan ${plan.id} has verdict ${plan.verdict}; only plans that need an approval are approved.`,
        plan.verdict === 'direct' ? 'The requester applies it directly.' : 'Nothing to approve.',
      );
    if (Date.parse(plan.expires_at) <= eng.now()) throw planExpired(plan);
    const res = await ctx.approvals.approve(plan.id);
    const approvalId = res.plan.approval_id ?? '';
    await eng.markApproved(plan.tenant, plan.id, ctx.principal.id, approvalId);
    ctx.addAuditRefs({
      ...(plan.finding_id ? { finding_id: plan.finding_id } : {}),
      before_hash: plan.before_hash,
      after_hash: plan.after_hash,
    });
    const updated = (await eng.getPlan(plan.tenant, plan.id)) ?? plan;
    return {
      plan: planView(updated),
      approval_id: approvalId,
      approval_token: res.approval_token,
      expires_at: res.expires_at,
    };
  },
  render: (out) =>
    `Approved plan ${out.plan.plan_id} (approval ${out.approval_id}): ${out.plan.action} on ${out.plan.target.resource}, requested by ${out.plan.requester}. The approval token (single use, valid until ${out.expires_at}) is in the structured result; only ${out.plan.requester} can apply it.`,
});

function planExpired(plan: RemediationPlan): PortcullisError {
  return new PortcullisError({
    code: 'plan_expired',
    category: 'conflict',
    message: `Plan ${plan.id} expired at ${plan.expires_at}.`,
    remediation: 'Plan the change again (the target is read afresh).',
    retryable: false,
    details: { plan_id: plan.id },
  });
}

// ---------- applying ----------

const applyOut = z.object({
  plan: planOut,
  replayed: z
    .boolean()
    .describe('True when this plan was applied before: its stored outcome, nothing changed now.'),
});

/** The stored refusal of a plan that failed, as it was first answered. */
function storedFailure(plan: RemediationPlan): PortcullisError {
  const o = plan.outcome;
  const drifted = o?.result === 'target_drifted';
  return new PortcullisError({
    code: o?.error?.code ?? 'plan_failed',
    category: drifted ? 'conflict' : 'upstream',
    message: o?.error?.message ?? `Plan ${plan.id} failed.`,
    // Only an outcome that says it was rolled back may say so: otherwise the change may be there.
    remediation: drifted
      ? 'Plan the change again from the current state.'
      : o?.rolled_back === true
        ? 'The change was rolled back; tell a human and check the resource before planning again.'
        : 'The change was not rolled back and may be in place: do not retry; tell a human to check the resource before planning again.',
    retryable: false,
    details: {
      plan_id: plan.id,
      replayed: true,
      rolled_back: o?.rolled_back ?? false,
      verification_audit_id: o?.verification_audit_id ?? null,
      rollback_audit_id: o?.rollback_audit_id ?? null,
    },
  });
}

/**
 * Executes a claimed plan: policy again (window, budget, still automatable), re-read and drift
 * check, write, read back and verify, automatic rollback when verification fails.
 */
async function execute(
  plan: RemediationPlan,
  ctx: Ctx,
  approvalId: string | null,
): Promise<{ plan: RemediationPlan; replayed: boolean }> {
  const eng = ctx.backend;
  await eng.assertNotKilled();
  const account = await eng.account(plan.tenant, plan.account);
  if (account === null) throw errors.notFound(`Account ${plan.account}`);
  const resource = await eng.changeResource({
    id: plan.id,
    tenant: plan.tenant,
    requester: plan.requester,
    kind: plan.kind,
    action: plan.action,
    account,
    changes: plan.blast_radius.changes,
  });
  const { verdict, decision } = eng.verdictOf(
    ctx.decide('remediation_automate', resource),
    ctx.decide('remediation_change', resource),
  );
  if (verdict === 'ticket' || verdict === 'denied') throw changeDenied(decision, verdict === 'ticket');
  if (verdict === 'approval_required' && approvalId === null)
    throw new PortcullisError({
      code: 'approval_required',
      category: 'approval_required',
      message: `Policy now requires an approval for plan ${plan.id}, which was planned as direct.`,
      remediation: 'Plan the change again; the new plan goes to an approver.',
      retryable: false,
      details: { policies: decision.policies },
    });

  const claimable = approvalId === null ? (['ready'] as const) : (['pending', 'approved'] as const);
  const claimed = await eng.claim(plan, [...claimable]);
  if (claimed === null) {
    const now = await eng.getPlan(plan.tenant, plan.id);
    // Another call (another replica) applied it meanwhile: its outcome, nothing done here.
    if (now?.status === 'applied') return { plan: now, replayed: true };
    if (now && (now.status === 'failed' || now.status === 'rolled_back') && now.outcome)
      throw storedFailure(now);
    throw errors.conflict(
      'apply_in_progress',
      `Plan ${plan.id} is being applied by another call.`,
      'Check it with remediation_get_plan in a moment.',
    );
  }
  const unclaimStatus = approvalId === null ? 'ready' : 'approved';
  const target = targetOf(plan);
  const at = new Date(eng.now()).toISOString();
  const refs = changeRefs(plan, approvalId);
  const base: ApplyOutcome = {
    result: 'applied',
    verified: false,
    rolled_back: false,
    before_hash: plan.before_hash,
    after_hash: plan.after_hash,
    observed_hash: null,
    verification_audit_id: null,
    rollback_audit_id: null,
    applied_by: ctx.principal.id,
    applied_at: at,
    approval_id: approvalId,
  };

  let current: TargetState;
  try {
    current = await eng.read(target, ctx.signal);
  } catch (err) {
    await eng.unclaim(plan, unclaimStatus, claimed.claim);
    throw err;
  }
  const currentHash = canonicalHash(current);
  if (currentHash !== plan.before_hash) {
    const message = `${plan.resource} changed since plan ${plan.id} was made (its state no longer matches the plan's before state); nothing was changed.`;
    await eng.finish(
      plan,
      'failed',
      {
        ...base,
        result: 'target_drifted',
        observed_hash: currentHash,
        error: { code: 'target_drifted', message },
      },
      { keepBudget: false, claim: claimed.claim },
    );
    ctx.addAuditRefs({ ...refs, observed_hash: currentHash });
    throw errors.conflict('target_drifted', message, 'Plan the change again from the current state.', {
      plan_id: plan.id,
      before_hash: plan.before_hash,
      current_hash: currentHash,
    });
  }

  let writeError: unknown = null;
  // Still this apply's plan (not taken over by a settle while it read and decided).
  await eng.assertClaim(plan, claimed.claim);
  try {
    await eng.backend.write(target, plan.before, plan.after, ctx.signal);
  } catch (err) {
    writeError = err;
  }
  let observed: TargetState;
  try {
    observed = await eng.read(target, ctx.signal);
  } catch (err) {
    // The state is unknown: keep the claim (the plan cannot run twice), record the verification
    // that could not be made, and say that the change may have landed. Not retryable: a retry
    // would only replay this answer, and the resource needs a person's look, not another apply.
    // The read's own error goes to the log (internal), never to the caller or the stored plan.
    const message = `${plan.resource} could not be read back after the change, so the change was neither verified nor rolled back: it may have been applied. Its state is unknown until someone checks it.`;
    // The plan is finished even when the record cannot be written, or it would stay `applying`.
    const verificationId = await ctx
      .recordEvent({
        kind: 'verification',
        outcome: 'error',
        error_code: 'verification_unavailable',
        arguments: { plan_id: plan.id },
        refs,
      })
      .catch(() => null);
    if (verificationId !== null) refs.verification_id = verificationId;
    await eng.finish(
      plan,
      'failed',
      {
        ...base,
        result: 'verification_failed',
        verification_audit_id: verificationId,
        error: { code: 'verification_unavailable', message },
      },
      { keepBudget: true, claim: claimed.claim },
    );
    ctx.addAuditRefs(refs);
    throw new PortcullisError({
      code: 'verification_unavailable',
      category: 'upstream',
      message,
      remediation:
        'Do not retry this plan; tell a human to check the resource now, citing the audit ids in details.',
      retryable: false,
      internal: err,
      details: {
        plan_id: plan.id,
        state: 'unknown',
        rolled_back: false,
        verification_audit_id: verificationId,
      },
    });
  }
  const observedHash = canonicalHash(observed);
  if (writeError !== null && observedHash === plan.before_hash) {
    // The write failed before changing anything: the plan may be applied again.
    await eng.unclaim(plan, unclaimStatus, claimed.claim);
    throw backendError(writeError);
  }
  const verified = observedHash === plan.after_hash;
  const verificationId = await ctx.recordEvent({
    kind: 'verification',
    outcome: verified ? 'ok' : 'error',
    error_code: verified ? null : 'verification_failed',
    arguments: { plan_id: plan.id },
    refs: { ...refs, observed_hash: observedHash },
    result_hash: observedHash,
  });
  refs.verification_id = verificationId;

  if (verified) {
    const outcome: ApplyOutcome = {
      ...base,
      verified: true,
      observed_hash: observedHash,
      verification_audit_id: verificationId,
    };
    await eng.finish(plan, 'applied', outcome, { keepBudget: true, claim: claimed.claim });
    ctx.addAuditRefs(refs);
    return { plan: (await eng.getPlan(plan.tenant, plan.id)) ?? plan, replayed: false };
  }

  // Verification failed: put the recorded before state back, and check that too (only while
  // this apply still holds the plan: a settle's outcome is never undone).
  await eng.assertClaim(plan, claimed.claim);
  let restored = false;
  try {
    await eng.backend.write(target, observed, plan.before, ctx.signal);
    restored = canonicalHash(await eng.read(target, ctx.signal)) === plan.before_hash;
  } catch {
    restored = false;
  }
  const rollbackId = await ctx.recordEvent({
    kind: 'rollback',
    outcome: restored ? 'ok' : 'error',
    error_code: restored ? null : 'rollback_failed',
    arguments: { plan_id: plan.id, automatic: true },
    refs: { ...refs, restored: String(restored) },
  });
  const message = restored
    ? `${plan.resource} did not read back in the planned state after the change (verification failed); the change was rolled back automatically and the resource is in its before state again.`
    : `${plan.resource} did not read back in the planned state after the change (verification failed), and the automatic rollback did not restore the before state: a human must check the resource now.`;
  await eng.finish(
    plan,
    'failed',
    {
      ...base,
      result: 'verification_failed',
      rolled_back: restored,
      observed_hash: observedHash,
      verification_audit_id: verificationId,
      rollback_audit_id: rollbackId,
      error: { code: 'verification_failed', message },
    },
    { keepBudget: true, claim: claimed.claim },
  );
  ctx.addAuditRefs({ ...refs, rollback_id: rollbackId });
  throw new PortcullisError({
    code: 'verification_failed',
    category: 'upstream',
    message,
    remediation: 'Do not retry this plan; tell a human, citing the audit ids in details.',
    retryable: false,
    details: {
      plan_id: plan.id,
      rolled_back: restored,
      verification_audit_id: verificationId,
      rollback_audit_id: rollbackId,
    },
  });
}

/** The audit refs every record about one change of a plan carries. */
function changeRefs(plan: RemediationPlan, approvalId: string | null): Record<string, string> {
  return {
    plan_id: plan.id,
    before_hash: plan.before_hash,
    after_hash: plan.after_hash,
    ...(approvalId ? { approval_id: approvalId } : {}),
    ...(plan.finding_id ? { finding_id: plan.finding_id } : {}),
    ...(plan.rolls_back ? { rolls_back: plan.rolls_back } : {}),
  };
}

/**
 * A plan left `applying` for longer than APPLY_STALE_MS: its apply died, or changed the target but
 * could not record the outcome. It is settled from the target's state as read now (nothing is
 * written to the target): in the after state, applied (as verified by this read); in the before
 * state, the change is not in place and the plan is ready (approved) to apply again, with all of
 * apply's checks; in any other state, failed, for a person to check. One verification record says
 * which. A claim younger than that leaves the plan as it is; after a read that fails, the next
 * apply settles it again.
 */
async function settleStaleApply(plan: RemediationPlan, ctx: Ctx): Promise<RemediationPlan> {
  const eng = ctx.backend;
  const inProgress = errors.conflict(
    'apply_in_progress',
    `Plan ${plan.id} is being applied by another call.`,
    `Check it with remediation_get_plan in a moment; an apply that has not finished after ${APPLY_STALE_MS / 60_000} minutes is settled by the requester's next remediation_apply.`,
  );
  if (!(await eng.applyClaimIsStale(plan))) throw inProgress;
  // The account must still be this tenant's (REMEDIATION_ACCOUNTS may have dropped it since):
  // another tenant's resource is never read for this plan.
  if ((await eng.account(plan.tenant, plan.account)) === null)
    throw errors.notFound(`Account ${plan.account}`);
  // Taken over first, then read: the stale apply can no longer write once the claim is ours, so
  // the state read is the one to settle on.
  const taken = await eng.takeOverStaleApply(plan);
  if (taken === null) throw inProgress;
  let observed: TargetState;
  try {
    observed = await eng.read(targetOf(plan), ctx.signal);
  } catch (err) {
    // Nothing settled: the claim is left stale at once (still not the old apply's), so the
    // requester's next apply settles it without waiting out another bound.
    await eng.expireClaim(plan, taken.claim);
    throw err;
  }
  const observedHash = canonicalHash(observed);
  const settled =
    observedHash === plan.after_hash ? 'applied' : observedHash === plan.before_hash ? 'reopened' : 'failed';
  const refs = changeRefs(plan, plan.approval_id);
  const verificationId = await ctx.recordEvent({
    kind: 'verification',
    outcome: settled === 'applied' ? 'ok' : 'error',
    error_code:
      settled === 'applied' ? null : settled === 'reopened' ? 'apply_interrupted' : 'verification_failed',
    arguments: { plan_id: plan.id, settled: true },
    refs: { ...refs, observed_hash: observedHash, settled },
    result_hash: observedHash,
  });
  ctx.addAuditRefs({ ...refs, verification_id: verificationId, settled });
  const base: ApplyOutcome = {
    result: 'applied',
    verified: false,
    rolled_back: false,
    before_hash: plan.before_hash,
    after_hash: plan.after_hash,
    observed_hash: observedHash,
    verification_audit_id: verificationId,
    rollback_audit_id: null,
    // Only the requester applies a plan (the kit's approval path included).
    applied_by: plan.requester,
    applied_at: taken.claimedAt,
    approval_id: plan.approval_id,
  };
  if (settled === 'reopened') {
    await eng.unclaim(plan, plan.verdict === 'direct' ? 'ready' : 'approved', taken.claim);
  } else if (settled === 'applied') {
    await eng.finish(plan, 'applied', { ...base, verified: true }, { keepBudget: true, claim: taken.claim });
  } else {
    const message = `The apply of plan ${plan.id} was interrupted, and ${plan.resource} is now in neither its before nor its after state: a human must check the resource.`;
    await eng.finish(
      plan,
      'failed',
      { ...base, result: 'verification_failed', error: { code: 'verification_failed', message } },
      { keepBudget: true, claim: taken.claim },
    );
    throw new PortcullisError({
      code: 'verification_failed',
      category: 'upstream',
      message,
      remediation: 'Do not retry this plan; tell a human, citing the audit ids in details.',
      retryable: false,
      details: { plan_id: plan.id, rolled_back: false, verification_audit_id: verificationId },
    });
  }
  const now = await eng.getPlan(plan.tenant, plan.id);
  if (now === null) throw planNotFound(plan.id);
  return now;
}

/** The plan as policy sees it for remediation_apply; `version` binds the approval to its content. */
async function resolvePlan(
  args: { plan_id: string },
  ctx: { principal: { tenant: string }; backend: Ctx['backend'] },
): Promise<PolicyResource | null> {
  const plan = await ctx.backend.getPlan(ctx.principal.tenant, args.plan_id);
  if (plan === null) return null;
  return { type: 'Plan', id: plan.id, attributes: { tenant: plan.tenant, version: contentHashOf(plan) } };
}

export const applyPlan = tool({
  name: 'remediation_apply',
  title: 'Apply a remediation plan',
  description:
    "Applies your own plan exactly as planned: a direct plan with its plan_id, an approved plan with the approval_token the approver gave you. Policy is checked again (change window, your applies per hour); the target is re-read and the apply refused with target_drifted (nothing changed) if it differs from the plan's before state; after the change the target is read back and verified, and a change that does not verify is rolled back automatically (verification_failed). A retried apply never applies twice: it returns the stored outcome with replayed true. Refused while the kill switch is engaged.",
  toolset: 'apply',
  access: 'destructive',
  idempotent: true,
  openWorld: true,
  // The approval plans are recorded by remediation_plan through ctx.approvals.create; this tool's
  // own policy never asks for an approval. The flag makes the kit run its approval service here.
  approval: 'plan',
  input: z.object({
    plan_id: planId,
    approval_token: z
      .string()
      .min(16)
      .max(4096)
      .optional()
      .describe(
        'For a plan with verdict approval_required: the token from remediation_approve (or POST /approvals/{plan_id}).',
      ),
  }),
  output: applyOut,
  sensitiveFields: ['approval_token'],
  resourceType: 'Plan',
  resource: resolvePlan,
  handler: async (args, ctx) => {
    const eng = ctx.backend;
    let plan = await eng.getPlan(ctx.principal.tenant, args.plan_id);
    if (plan === null) throw planNotFound(args.plan_id);
    if (ctx.plan) {
      // Inside the kit's apply: the token was verified and consumed for exactly this plan.
      if (ctx.plan.id !== plan.id)
        throw errors.internal(new Error('approval plan and remediation plan differ'));
      const done = await execute(plan, ctx, ctx.plan.approval_id);
      return { plan: planView(done.plan), replayed: done.replayed };
    }
    ctx.addAuditRefs({ plan_id: plan.id, ...(plan.finding_id ? { finding_id: plan.finding_id } : {}) });
    if (plan.status === 'applied' || (plan.status === 'rolled_back' && plan.outcome?.result === 'applied'))
      return { plan: planView(plan), replayed: true };
    if ((plan.status === 'failed' || plan.status === 'rolled_back') && plan.outcome)
      throw storedFailure(plan);
    if (plan.requester !== ctx.principal.id)
      throw new PortcullisError({
        code: 'not_plan_requester',
        category: 'forbidden',
        message: 'Only the principal that requested this plan may apply it.',
        remediation: 'Hand the plan back to its requester.',
        retryable: false,
        details: { plan_id: plan.id },
      });
    if (plan.status === 'ticketed' || plan.status === 'denied')
      throw errors.conflict(
        'plan_not_applicable',
        plan.status === 'ticketed'
          ? `Plan ${plan.id} is handled by ticket ${plan.ticket_key ?? ''}; policy says it must not be automated.`
          : `Plan ${plan.id} was denied by policy (${plan.policies.join(', ')}).`,
        'Nothing to apply.',
        { status: plan.status, ticket_key: plan.ticket_key },
      );
    if (plan.status === 'applying') {
      plan = await settleStaleApply(plan, ctx);
      if (plan.status === 'applied') return { plan: planView(plan), replayed: true };
      // Reopened (the change is not in place): applied now like any ready or approved plan.
    }
    if (Date.parse(plan.expires_at) <= eng.now()) throw planExpired(plan);
    await eng.assertNotKilled();
    if (plan.verdict === 'direct') {
      const done = await execute(plan, ctx, null);
      return { plan: planView(done.plan), replayed: done.replayed };
    }
    // approval_required
    if (args.approval_token === undefined)
      throw new PortcullisError({
        code: plan.status === 'pending' ? 'approval_pending' : 'approval_token_required',
        category: 'approval_required',
        message:
          plan.status === 'pending'
            ? `Plan ${plan.id} waits for an approver.`
            : `Plan ${plan.id} is approved: apply it with the approval token the approver gave you.`,
        remediation:
          'Ask an approver to approve the plan (remediation_approve or POST /approvals/{plan_id}), then pass approval_token.',
        retryable: false,
        details: { plan_id: plan.id },
      });
    const { result } = await ctx.approvals.apply(plan.id, args.approval_token);
    const parsed = applyOut.safeParse(result);
    if (!parsed.success) throw errors.internal(new Error(`plan ${plan.id} did not run remediation_apply`));
    return parsed.data;
  },
  render: (out) =>
    `${out.replayed ? 'Already applied before (nothing changed now). ' : ''}${renderPlan(out.plan)}`,
});

import { z } from 'zod';
import { PortcullisError, errors } from '@portcullis/core';
import { canonicalHash } from '@portcullis/core/canonical';
import { positionString, type CursorScope } from '@portcullis/core/cursor';
import { ACTION_NAMES } from '../backend.js';
import type { ActionName, Target, TargetState } from '../backend.js';
import { ACTIONS, CATALOG, type BlastRadius } from '../catalog.js';
import { contentHashOf, describeChange, targetOf, type RemediationPlan } from '../engine.js';
import {
  PLAN_STATUSES,
  accountId,
  actionName,
  cursor,
  findingId,
  limit,
  planId,
  planOut,
  planView,
  reasonsOf,
  region,
  renderPlan,
  tool,
  type Ctx,
} from './common.js';

// ---------- the catalog ----------

export const listActions = tool({
  name: 'remediation_list_actions',
  title: 'List remediation actions',
  description:
    'The catalog of fixes this server can plan: for each action its risk, what it reads and changes, its parameters, how it is rolled back, and whether it always needs an approval; plus the limits in force (applies per hour, changes per plan, change window) and whether the kill switch is engaged.',
  toolset: 'plans',
  access: 'read',
  input: z.object({}),
  output: z.object({
    actions: z.array(
      z.object({
        name: z.enum(ACTION_NAMES),
        title: z.string(),
        description: z.string(),
        risk: z.enum(['low', 'medium', 'high', 'critical']),
        resource: z.string().describe('What the resource argument names.'),
        parameters: z.record(z.string(), z.unknown()).describe('JSON Schema of params.'),
        reads: z.string(),
        changes: z.string(),
        rollback: z.string(),
        rollback_supported: z.boolean(),
        always_needs_approval: z.boolean(),
      }),
    ),
    limits: z.object({ applies_per_hour: z.number().int(), max_changes_per_plan: z.number().int() }),
    kill_switch: z.object({ engaged: z.boolean(), reason: z.string(), changed_at: z.string().nullable() }),
  }),
  handler: async (_args, ctx) => {
    const ks = await ctx.backend.killSwitch();
    return {
      actions: ACTIONS.map((a) => ({
        name: a.name,
        title: a.title,
        description: a.description,
        risk: a.risk,
        resource: `${a.resourceKind} (${a.resourceHint})`,
        parameters: z.toJSONSchema(a.params, { io: 'input' }),
        reads: a.reads,
        changes: a.changes,
        rollback: a.rollback,
        rollback_supported: true,
        always_needs_approval: a.risk === 'critical',
      })),
      limits: {
        applies_per_hour: ctx.backend.appliesPerHour,
        max_changes_per_plan: ctx.backend.maxChangesPerPlan,
      },
      kill_switch: { engaged: ks.engaged, reason: ks.reason, changed_at: ks.changed_at },
    };
  },
  render: (out) =>
    [
      ...out.actions.map(
        (a) =>
          `${a.name} (risk ${a.risk}${a.always_needs_approval ? ', always needs approval' : ''}): ${a.description} Rollback: ${a.rollback}`,
      ),
      `Limits: ${out.limits.applies_per_hour} applies per hour each, ${out.limits.max_changes_per_plan} changes per plan.`,
      out.kill_switch.engaged
        ? `KILL SWITCH ENGAGED (${out.kill_switch.reason}): nothing is applied.`
        : 'Kill switch: off.',
    ].join('\n'),
});

// ---------- planning ----------

interface PlanInput {
  kind: 'change' | 'rollback';
  rollsBack: string | null;
  target: Target;
  before: TargetState;
  after: TargetState;
  blast: BlastRadius;
  findingId: string | null;
  reason: string | null;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'informational';
}

/** Records a plan with the verdict policy gives now; a `ticket` verdict opens the ticket at once. */
async function recordPlan(ctx: Ctx, input: PlanInput): Promise<RemediationPlan> {
  const eng = ctx.backend;
  const tenant = ctx.principal.tenant;
  const account = await eng.account(tenant, input.target.account);
  if (account === null)
    throw errors.notFound(`Account ${input.target.account}`, "Name one of your tenant's accounts.");
  const id = eng.newPlanId();
  const before_hash = canonicalHash(input.before);
  const after_hash = canonicalHash(input.after);
  const resource = await eng.changeResource({
    id,
    tenant,
    requester: ctx.principal.id,
    kind: input.kind,
    action: input.target.action,
    account,
    changes: input.blast.changes,
  });
  const { verdict, decision } = eng.verdictOf(
    ctx.decide('remediation_automate', resource),
    ctx.decide('remediation_change', resource),
  );
  const now = eng.now();
  // A ticket's decision is the automate question's: with no deciding policy, say that.
  const reasons = reasonsOf(decision, verdict === 'ticket' ? 'automating this change' : 'this change');
  const base = {
    id,
    tenant,
    requester: ctx.principal.id,
    kind: input.kind,
    rolls_back: input.rollsBack,
    action: input.target.action,
    account: input.target.account,
    region: input.target.region,
    resource: input.target.resource,
    params: input.target.params,
    before_hash,
    after_hash,
  };
  const plan: RemediationPlan = {
    ...base,
    finding_id: input.findingId,
    reason: input.reason,
    before: input.before,
    after: input.after,
    blast_radius: input.blast,
    verdict,
    policies: decision.policies,
    reasons,
    status:
      verdict === 'direct'
        ? 'ready'
        : verdict === 'approval_required'
          ? 'pending'
          : verdict === 'ticket'
            ? 'ticketed'
            : 'denied',
    content_hash: contentHashOf(base),
    approval_id: null,
    approver: null,
    ticket_key: null,
    rollback_plan: null,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + eng.planTtlMs).toISOString(),
    applied_by: null,
    applied_at: null,
    outcome: null,
  };
  if (verdict === 'approval_required') {
    // The kit's approval plan under the same id: approve tool, POST /approvals/{plan_id} and the
    // single-use token all work on it; the token binds this plan's content hash.
    await ctx.approvals.create({
      id,
      tool: 'remediation_apply',
      args: { plan_id: id },
      targetVersion: plan.content_hash,
      policies: decision.policies,
    });
  }
  await eng.insertPlan(plan);
  ctx.addAuditRefs({
    plan_id: id,
    verdict,
    before_hash,
    after_hash,
    ...(input.findingId ? { finding_id: input.findingId } : {}),
    ...(input.rollsBack ? { rolls_back: input.rollsBack } : {}),
  });
  if (verdict === 'ticket') {
    const ticket = await eng.openTicket(
      {
        tenant,
        summary: `${CATALOG[plan.action].title}: ${plan.resource} (${account.name})`,
        description: [
          `Policy says this change must not be automated (${reasons.join(' ')}). Requested by ${ctx.principal.id}${plan.reason ? `: ${plan.reason}` : ''}.`,
          describeChange(plan),
          `Plan: ${id}.`,
        ].join('\n\n'),
        ...(input.severity ? { severity: input.severity } : {}),
        account: plan.account,
        resource: plan.resource,
        ...(plan.finding_id ? { finding_id: plan.finding_id } : {}),
        plan_id: id,
        labels: ['portcullis', 'remediation', plan.action],
      },
      ctx.principal.id,
      ctx.signal,
    );
    await eng.setTicket(tenant, id, ticket.key);
    plan.ticket_key = ticket.key;
    ctx.addAuditRefs({ ticket_key: ticket.key, ...(ticket.took_over ? { claim_taken_over: 'true' } : {}) });
  }
  return plan;
}

export const planChange = tool({
  name: 'remediation_plan',
  title: 'Plan a remediation',
  description:
    'Plans one fix from the catalog on one resource and changes nothing: reads the target now and returns the exact change (before → after), its blast radius, the policy verdict (direct: you may apply it; approval_required: an approver must approve it first; ticket: policy says it must not be automated, so a ticket was opened and its key returned; denied, with the deciding policies), a plan id and its expiry. Pass the posture finding id so the audit trail and tickets link it.',
  toolset: 'plans',
  access: 'write',
  input: z.object({
    action: actionName,
    account: accountId,
    region,
    resource: z
      .string()
      .min(1)
      .max(256)
      .describe(
        'Bucket name, security group id, access key id or instance id (see remediation_list_actions).',
      ),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        "The action's parameters: {port} for ec2_revoke_public_ingress, {user} for iam_deactivate_access_key, {quarantine_group} for ec2_quarantine_instance, {algorithm?, kms_key_id?} for s3_enable_default_encryption, {} otherwise.",
      ),
    finding_id: findingId.optional(),
    reason: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('Why, for the record and the approver (at most 500 characters).'),
  }),
  output: planOut,
  handler: async (args, ctx) => {
    const spec = CATALOG[args.action];
    if (!spec.resourcePattern.test(args.resource))
      throw errors.validation(
        `Invalid arguments: resource: ${args.action} needs ${spec.resourceHint}.`,
        'See remediation_list_actions for what each action targets.',
        { issues: [{ path: 'resource', message: `expected ${spec.resourceHint}` }] },
      );
    const parsed = spec.params.safeParse(args.params);
    const issues = parsed.success
      ? (spec.checkParams?.(args, parsed.data) ?? []).map((i) => ({
          path: ['params', i.path].join('.'),
          message: i.message,
        }))
      : parsed.error.issues.map((i) => ({ path: ['params', ...i.path].join('.'), message: i.message }));
    if (!parsed.success || issues.length > 0)
      throw errors.validation(
        `Invalid arguments: params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        'See remediation_list_actions for the parameters of each action.',
        { issues },
      );
    const eng = ctx.backend;
    if ((await eng.account(ctx.principal.tenant, args.account)) === null)
      throw errors.notFound(`Account ${args.account}`, "Name one of your tenant's accounts.");
    const target: Target = {
      tenant: ctx.principal.tenant,
      account: args.account,
      region: args.region,
      action: args.action,
      resource: args.resource,
      params: parsed.data,
    };
    if (args.action === 'ec2_quarantine_instance') {
      // The quarantine group must exist where the instance is (read through the same backend).
      await eng
        .read(
          {
            ...target,
            action: 'ec2_revoke_public_ingress',
            resource: String(parsed.data.quarantine_group),
            params: { port: 22 },
          },
          ctx.signal,
        )
        .catch((err: unknown) => {
          if (err instanceof PortcullisError && err.category === 'not_found')
            throw errors.validation(
              `Invalid arguments: params.quarantine_group: security group ${String(parsed.data.quarantine_group)} does not exist in ${args.account}/${args.region}.`,
              'Create the quarantine group first, or name an existing one.',
            );
          throw err;
        });
    }
    const before = await eng.read(target, ctx.signal);
    const after = spec.after(before, parsed.data);
    if (canonicalHash(after) === canonicalHash(before))
      throw errors.conflict(
        'already_remediated',
        `${args.resource} is already in the state ${args.action} would set; there is nothing to change.`,
        'Re-check the finding with posture-read; it may be resolved at the next sync.',
        { state: before },
      );
    const refusal = spec.refuse?.(before) ?? null;
    if (refusal !== null)
      throw errors.conflict(
        'encryption_rule_exists',
        refusal,
        'The bucket keeps its own rule. Changing it is for a person: open a ticket with remediation_open_ticket.',
        { state: before },
      );
    const plan = await recordPlan(ctx, {
      kind: 'change',
      rollsBack: null,
      target,
      before,
      after,
      blast: spec.blast(before, after),
      findingId: args.finding_id ?? null,
      reason: args.reason ?? null,
    });
    return planView(plan);
  },
  render: renderPlan,
});

export const rollbackPlan = tool({
  name: 'remediation_rollback',
  title: 'Plan the rollback of an applied remediation',
  description:
    "Plans undoing an applied plan: the target must still be in the state that plan left (otherwise target_drifted: someone changed it since), and the rollback writes the plan's recorded before state back. The rollback is itself a plan under the same policy (production needs an approval): apply it with remediation_apply. Refused while the kill switch is engaged.",
  toolset: 'plans',
  access: 'write',
  input: z.object({
    plan_id: planId.describe('The applied plan to undo.'),
    reason: z.string().min(1).max(500).optional().describe('Why it is undone (at most 500 characters).'),
  }),
  output: planOut,
  handler: async (args, ctx) => {
    const eng = ctx.backend;
    await eng.assertNotKilled();
    const original = await eng.getPlan(ctx.principal.tenant, args.plan_id);
    if (original === null) throw planNotFound(args.plan_id);
    if (original.status !== 'applied')
      throw errors.conflict(
        'plan_not_applied',
        `Plan ${args.plan_id} is ${original.status}; only an applied plan can be rolled back.`,
        original.status === 'rolled_back'
          ? `It was rolled back by ${original.rollback_plan ?? 'another plan'}.`
          : 'Check it with remediation_get_plan.',
        { status: original.status },
      );
    const target = targetOf(original);
    const current = await eng.read(target, ctx.signal);
    if (canonicalHash(current) !== original.after_hash)
      throw errors.conflict(
        'target_drifted',
        `${original.resource} changed after plan ${original.id} was applied; rolling back would overwrite that change.`,
        'Look at the current state and plan a new change instead.',
        { expected_hash: original.after_hash, current_hash: canonicalHash(current) },
      );
    const undone = CATALOG[original.action].blast(original.before, original.after);
    const plan = await recordPlan(ctx, {
      kind: 'rollback',
      rollsBack: original.id,
      target,
      before: current,
      after: original.before,
      blast: {
        changes: undone.changes,
        effect: `Undoes plan ${original.id}: ${CATALOG[original.action].rollback}`,
        items: undone.items.map((i) => `undo: ${i}`),
      },
      findingId: original.finding_id,
      reason: args.reason ?? null,
    });
    return planView(plan);
  },
  render: renderPlan,
});

export function planNotFound(id: string): PortcullisError {
  return new PortcullisError({
    code: 'plan_not_found',
    category: 'not_found',
    message: `Plan ${id} was not found.`,
    remediation: 'Check the plan id; plans are visible only inside their own tenant.',
    retryable: false,
  });
}

// ---------- reading plans ----------

export const getPlan = tool({
  name: 'remediation_get_plan',
  title: 'Get a remediation plan',
  description:
    'One plan of your tenant: its before → after, blast radius, verdict and deciding policies, status, approval, ticket, and once applied the outcome (verified, rolled back) with the audit record ids to cite.',
  toolset: 'plans',
  access: 'read',
  input: z.object({ plan_id: planId }),
  output: planOut,
  handler: async (args, ctx) => {
    const plan = await ctx.backend.getPlan(ctx.principal.tenant, args.plan_id);
    if (plan === null) throw planNotFound(args.plan_id);
    return planView(plan);
  },
  render: renderPlan,
});

export const listPlans = tool({
  name: 'remediation_list_plans',
  title: 'List remediation plans',
  description:
    "Your tenant's plans, newest first, optionally by status: ready (direct, not applied yet), pending (waiting for approval), approved, applied, failed (drifted, or verification failed and rolled back), rolled_back, ticketed, denied. Paginated: pass next_cursor back as cursor until it is null.",
  toolset: 'plans',
  access: 'read',
  input: z.object({
    status: z.enum(PLAN_STATUSES).optional().describe('Only plans in this status.'),
    limit,
    cursor,
  }),
  output: z.object({ plans: z.array(planOut), next_cursor: z.string().nullable() }),
  handler: async (args, ctx) => {
    const scope: CursorScope = {
      tenant: ctx.principal.tenant,
      principal: ctx.principal.id,
      kind: 'remediation_plans',
      query: { status: args.status ?? null },
    };
    const codec = ctx.backend.cursors;
    const pos = args.cursor === undefined ? null : codec.decode(args.cursor, scope);
    const after = pos === null ? null : { c: positionString(pos, 'c'), i: positionString(pos, 'i') };
    const rows = await ctx.backend.listPlans(ctx.principal.tenant, {
      ...(args.status ? { status: args.status } : {}),
      limit: args.limit + 1,
      after,
    });
    const more = rows.length > args.limit;
    const page = more ? rows.slice(0, args.limit) : rows;
    const last = page[page.length - 1];
    return {
      plans: page.map(planView),
      next_cursor: more && last ? codec.encode(scope, { c: last.created_at, i: last.id }) : null,
    };
  },
  render: (out) =>
    [
      ...out.plans.map(
        (p) =>
          `${p.plan_id} ${p.status} (${p.verdict}): ${p.action} on ${p.target.resource} in ${p.target.account}, by ${p.requester} at ${p.created_at}${p.ticket_key ? `, ticket ${p.ticket_key}` : ''}`,
      ),
      out.plans.length === 0 ? 'No plans.' : '',
      out.next_cursor ? 'More plans: call again with cursor = next_cursor.' : 'End of list.',
    ]
      .filter(Boolean)
      .join('\n'),
});

export type { ActionName };

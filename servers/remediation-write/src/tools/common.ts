import { z } from 'zod';
import { PortcullisError, toolsFor } from '@portcullis/core';
import type { Decision, ToolContext } from '@portcullis/core';
import { ACTION_NAMES } from '../backend.js';
import type { RemediationEngine, RemediationPlan } from '../engine.js';

/** The kit's tool helper with the engine bound as the backend: handlers see a typed RemediationEngine. */
export const tool = toolsFor<RemediationEngine>();
export type Ctx = ToolContext<RemediationEngine>;

export const PLAN_STATUSES = [
  'ready',
  'pending',
  'approved',
  'applying',
  'applied',
  'failed',
  'rolled_back',
  'ticketed',
  'denied',
] as const;

export const planId = z
  .string()
  .regex(
    /^plan_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a plan id as returned by remediation_plan (plan_ followed by a UUID)',
  )
  .describe('The plan id remediation_plan (or remediation_rollback) returned.');
export const actionName = z.enum(ACTION_NAMES).describe('The action, from remediation_list_actions.');
export const accountId = z
  .string()
  .regex(/^\d{12}$/, 'a 12-digit AWS account id')
  .describe('The 12-digit AWS account id.');
export const region = z
  .string()
  .regex(/^([a-z]{2}(-[a-z]+)+-\d|global)$/, 'an AWS region such as us-east-1 (global for IAM)')
  .describe('The AWS region of the resource, e.g. us-east-1 (IAM keys: any region or "global").');
export const findingId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w:./@+=,-]+$/, 'a posture finding id (letters, digits and : . / _ - @ + = ,)')
  .describe(
    'The posture-read finding this fixes (posture_get_finding id); linked in the audit trail and tickets.',
  );
export const limit = z.number().int().min(1).max(100).default(20).describe('Page size, 1-100 (default 20).');
export const cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe('next_cursor from the previous page of the same query; omit for the first page.');

const state = z.record(z.string(), z.unknown());

export const blastOut = z.object({
  changes: z.number().int().describe('Individual changes the plan makes (capped per plan).'),
  effect: z.string(),
  items: z.array(z.string()),
});

export const outcomeOut = z.object({
  result: z.enum(['applied', 'verification_failed', 'target_drifted']),
  verified: z.boolean(),
  rolled_back: z.boolean().describe('True when a failed verification was undone automatically.'),
  before_hash: z.string(),
  after_hash: z.string(),
  observed_hash: z.string().nullable().describe('Hash of the state read back after the change.'),
  verification_audit_id: z.string().nullable(),
  rollback_audit_id: z.string().nullable(),
  applied_by: z.string(),
  applied_at: z.string(),
  approval_id: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const planOut = z.object({
  plan_id: z.string(),
  status: z.enum(PLAN_STATUSES),
  verdict: z.enum(['direct', 'approval_required', 'ticket', 'denied']),
  kind: z.enum(['change', 'rollback']),
  rolls_back: z.string().nullable().describe('For a rollback plan: the applied plan it undoes.'),
  action: z.enum(ACTION_NAMES),
  target: z.object({
    account: z.string(),
    region: z.string(),
    resource: z.string(),
    params: state,
  }),
  finding_id: z.string().nullable(),
  reason: z.string().nullable(),
  before: state.describe('The target as read when planning.'),
  after: state.describe('What apply writes and then verifies.'),
  before_hash: z.string(),
  after_hash: z.string(),
  blast_radius: blastOut,
  policies: z.array(z.string()).describe('Ids of the Cedar policies that decided the verdict.'),
  reasons: z.array(z.string()).describe('The deciding policies in their own words.'),
  requester: z.string(),
  approver: z.string().nullable(),
  approval_id: z.string().nullable(),
  ticket_key: z.string().nullable(),
  rollback_plan: z.string().nullable().describe('The plan that rolled this one back, once applied.'),
  created_at: z.string(),
  expires_at: z.string(),
  applied_at: z.string().nullable(),
  outcome: outcomeOut.nullable(),
});

export function planView(p: RemediationPlan): z.input<typeof planOut> {
  return {
    plan_id: p.id,
    status: p.status,
    verdict: p.verdict,
    kind: p.kind,
    rolls_back: p.rolls_back,
    action: p.action,
    target: { account: p.account, region: p.region, resource: p.resource, params: p.params },
    finding_id: p.finding_id,
    reason: p.reason,
    before: p.before,
    after: p.after,
    before_hash: p.before_hash,
    after_hash: p.after_hash,
    blast_radius: p.blast_radius,
    policies: p.policies,
    reasons: p.reasons,
    requester: p.requester,
    approver: p.approver,
    approval_id: p.approval_id,
    ticket_key: p.ticket_key,
    rollback_plan: p.rollback_plan,
    created_at: p.created_at,
    expires_at: p.expires_at,
    applied_at: p.applied_at,
    outcome: p.outcome,
  };
}

const NEXT: Record<string, string> = {
  direct: 'Apply it with remediation_apply (plan_id only).',
  approval_required:
    'Ask an approver to approve it (remediation_approve or POST /approvals/{plan_id}), then apply it with remediation_apply and the approval token.',
  ticket: 'Policy says this change must not be automated: a ticket was opened instead.',
  denied: 'It cannot be applied.',
};

export function renderPlan(p: z.output<typeof planOut>): string {
  const lines = [
    `Plan ${p.plan_id} (${p.kind}${p.rolls_back ? ` of ${p.rolls_back}` : ''}, ${p.status}): ${p.action} on ${p.target.resource} in ${p.target.account}/${p.target.region}.`,
    `Verdict: ${p.verdict}${p.policies.length ? ` (policies: ${p.policies.join(', ')})` : ''}. ${p.reasons.join(' ')}`,
    `Before: ${JSON.stringify(p.before)}`,
    `After:  ${JSON.stringify(p.after)}`,
    `Blast radius (${p.blast_radius.changes} change${p.blast_radius.changes === 1 ? '' : 's'}): ${p.blast_radius.effect}`,
    ...p.blast_radius.items.map((i) => `  - ${i}`),
  ];
  if (p.ticket_key) lines.push(`Ticket: ${p.ticket_key}.`);
  if (p.outcome)
    lines.push(
      p.outcome.result === 'applied'
        ? `Applied by ${p.outcome.applied_by} at ${p.outcome.applied_at}; read back and verified (verification audit record ${p.outcome.verification_audit_id}).`
        : // Only a drift (nothing written) or a rollback leaves the change out for certain.
          `${p.outcome.result === 'target_drifted' || p.outcome.rolled_back ? 'Not applied' : 'Not verified'}: ${p.outcome.error?.message ?? p.outcome.result}${p.outcome.rolled_back ? ' The change was rolled back automatically.' : ''}`,
    );
  else if (p.status === 'ready' || p.status === 'pending' || p.status === 'approved')
    lines.push(`Expires at ${p.expires_at}. ${NEXT[p.verdict] ?? ''}`);
  else if (p.verdict === 'ticket' || p.verdict === 'denied') lines.push(NEXT[p.verdict] ?? '');
  return lines.join('\n');
}

/** Policy ids whose refusal has a code of its own (the envelope says which limit was hit). */
const DENIAL_CODES: Record<string, string> = {
  'remediation-change-window': 'outside_change_window',
  'remediation-apply-budget': 'apply_budget_exceeded',
  'remediation-max-changes': 'too_many_changes',
};

export function reasonsOf(decision: Decision, what: string): string[] {
  if (decision.policies.length === 0) return [`No policy permits ${what} for your roles.`];
  return decision.policies.map((id) => decision.reasons?.[id] ?? `Decided by policy ${id}.`);
}

/** A change policy refused at apply time: the code names the limit, the message the policy's reason. */
export function changeDenied(decision: Decision, ticket: boolean): PortcullisError {
  const code = ticket
    ? 'ticket_only'
    : (decision.policies.map((p) => DENIAL_CODES[p]).find((c) => c !== undefined) ?? 'denied_by_policy');
  return new PortcullisError({
    code,
    category: 'forbidden',
    message: reasonsOf(decision, ticket ? 'automating this change' : 'this change').join(' '),
    remediation: ticket
      ? 'Open a ticket with remediation_open_ticket instead.'
      : 'Do not retry now; the policies named in details decide when this is allowed.',
    retryable: false,
    details: { policies: decision.policies },
  });
}

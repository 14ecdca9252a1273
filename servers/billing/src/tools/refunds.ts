import { z } from 'zod';
import { PortcullisError, errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import type { Decision } from '@portcullis/core';
import type { RefundOutcome } from '../backend.js';
import { formatMoney } from '../domain.js';
import {
  amountMinor,
  budgetOut,
  cursor,
  issueOut,
  limit,
  money,
  needOrder,
  orderId,
  planId,
  planSummary,
  reason,
  refundOut,
  renderIssue,
  resolveOrder,
  resolveRefund,
  summarise,
  tool,
  type Ctx,
} from './common.js';

// ---------- policy explanations for the dry run ----------

/**
 * The decision in the deciding policies' own words: each Cedar rule carries its `@reason("…")`
 * (policies/billing.cedar), which the engine returns with the decision.
 */
function reasonsFor(decision: Decision, toolName: string): string[] {
  if (decision.policies.length === 0) return [`No policy permits ${toolName} for your roles.`];
  return decision.policies.map((id) => decision.reasons?.[id] ?? `Decided by policy ${id}.`);
}

/**
 * billing_issue_refund's own policy for these arguments (the key only satisfies its input schema),
 * or null when that tool is not enabled here (read-only mode, PORTCULLIS_TOOLS).
 */
async function dryRun(
  ctx: Ctx,
  args: { order_id: string; amount_minor: number; reason: string },
): Promise<Decision | PortcullisError | null> {
  try {
    return await ctx.evaluate('billing_issue_refund', { ...args, idempotency_key: 'dry-run-check' });
  } catch (err) {
    // A currency without limits: the refund would be refused with this error; say so.
    if (err instanceof PortcullisError && err.code === 'currency_not_configured') return err;
    if (err instanceof PortcullisError && err.category === 'validation') return null;
    throw err;
  }
}

// ---------- tools ----------

export const listRefunds = tool({
  name: 'billing_list_refunds',
  title: 'List refunds on an order',
  description:
    'Lists the refunds made on one order, newest first, with who issued each through Portcullis. Paginated with next_cursor.',
  toolset: 'refunds',
  access: 'read',
  input: z.object({ order_id: orderId, limit, cursor }),
  output: z.object({ order_id: z.string(), refunds: z.array(refundOut), next_cursor: z.string().nullable() }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx) => {
    const page = await ctx.backend.listRefunds(
      ctx.principal.tenant,
      args.order_id,
      pageRequest(args, ctx.principal),
      {
        signal: ctx.signal,
      },
    );
    if (page === null) throw errors.notFound(`Order ${args.order_id}`);
    return { order_id: args.order_id, refunds: page.items, next_cursor: page.next_cursor };
  },
  render: (out) =>
    out.refunds.length === 0
      ? `No refunds on order ${out.order_id}.`
      : [
          ...out.refunds.map(
            (r) =>
              `${r.id}: ${formatMoney(r.amount_minor, r.currency)} (${r.reason}, ${r.status}) on ${r.created_at}${r.requested_by ? ` by ${r.requested_by}` : ''}`,
          ),
          out.next_cursor ? 'More refunds: call again with cursor = next_cursor.' : 'End of list.',
        ].join('\n'),
});

export const checkRefund = tool({
  name: 'billing_check_refund',
  title: 'Check a refund (dry run)',
  description:
    "Dry run of billing_issue_refund: says whether you may refund this amount on this order now (allowed), only after an approver approves a plan (approval_required), or not at all (denied), with the reasons and the ids of the policies that decided. Thresholds count the order's refunds so far and its open plans. Nothing is refunded or recorded besides the audit entry.",
  toolset: 'refunds',
  access: 'read',
  input: z.object({
    order_id: orderId,
    amount_minor: amountMinor,
    reason: reason.default('requested_by_customer'),
  }),
  output: z.object({
    order_id: z.string(),
    amount_minor: money,
    currency: z.string(),
    decision: z.enum(['allowed', 'approval_required', 'denied']),
    reasons: z.array(z.string()),
    policies: z.array(z.string()).describe('Ids of the Cedar policies that decided.'),
    order: z.object({
      paid_minor: money,
      refunded_minor: money,
      refundable_minor: money,
      planned_minor: money.describe(
        'What open refund plans on the order promise (they count toward its thresholds).',
      ),
    }),
    budget: budgetOut.describe('Your refund budget today, before this refund.'),
  }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx) => {
    const attrs = needOrder(ctx.resource, `Order ${args.order_id}`).attributes;
    const currency = attrs.currency as string;
    const dry = await dryRun(ctx, args);
    const decision = dry instanceof PortcullisError ? null : dry;
    const budget = await ctx.backend.refundBudget(ctx.principal.tenant, ctx.principal.id, currency);
    const refundable = attrs.refundable_minor as number;
    const reasons =
      dry instanceof PortcullisError
        ? [dry.message]
        : decision === null
          ? ['Refunds are not enabled on this server (read-only mode or tool selection).']
          : reasonsFor(decision, 'billing_issue_refund');
    let verdict: 'allowed' | 'approval_required' | 'denied' =
      decision?.effect === 'allow'
        ? 'allowed'
        : decision?.effect === 'approval_required'
          ? 'approval_required'
          : 'denied';
    // The ledger's own invariants apply whatever policy says; report them too.
    if (verdict !== 'denied' && args.amount_minor > refundable) {
      verdict = 'denied';
      reasons.push(`Only ${formatMoney(refundable, currency)} is left to refund on order ${args.order_id}.`);
    }
    return {
      order_id: args.order_id,
      amount_minor: args.amount_minor,
      currency,
      decision: verdict,
      reasons,
      policies: decision?.policies ?? [],
      order: {
        paid_minor: attrs.paid_minor as number,
        refunded_minor: attrs.refunded_minor as number,
        refundable_minor: refundable,
        planned_minor: attrs.planned_refunds_minor as number,
      },
      budget,
    };
  },
  render: (out) =>
    `Refund of ${formatMoney(out.amount_minor, out.currency)} on order ${out.order_id}: ${out.decision.replace('_', ' ')}. ${out.reasons.join(' ')} (policies: ${out.policies.join(', ') || 'none'}). Nothing was refunded.`,
});

export const issueRefund = tool({
  name: 'billing_issue_refund',
  title: 'Issue a refund',
  description:
    "Refunds part or all of a paid order. Thresholds count the order's refunds so far, its open plans and this one, in the order's currency: up to the approval threshold (default $200.00) it runs at once; up to the maximum (default $500.00) it answers approval_required with a plan id (details.plan_id) that an approver must approve before you call billing_apply_refund; beyond, or past your or your tenant's daily budget (default $1,000.00 / $5,000.00), it is denied. Send an idempotency_key: repeating it returns the first result instead of refunding twice. Use billing_check_refund first to see which applies.",
  toolset: 'refunds',
  access: 'destructive',
  idempotent: true,
  openWorld: true,
  approval: 'plan',
  input: z.object({
    order_id: orderId,
    amount_minor: amountMinor,
    reason,
    note: z.string().max(500).optional().describe('Free text for the record (at most 500 characters).'),
    idempotency_key: z
      .string()
      .min(8)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -')
      .describe(
        'A unique key for this refund (8-128 characters, e.g. a UUID). Reuse it only to retry the same request.',
      ),
  }),
  output: issueOut,
  resourceType: 'Order',
  resource: resolveRefund,
  handler: async (args, ctx) => {
    needOrder(ctx.resource, `Order ${args.order_id}`);
    const key = ctx.idempotencyKey ?? args.idempotency_key;
    // The kit executes an approved plan with the key `plan:<id>`.
    const planId = key.startsWith('plan:') ? key.slice('plan:'.length) : null;
    const outcome: RefundOutcome = await ctx.backend.issueRefund(
      {
        tenant: ctx.principal.tenant,
        order_id: args.order_id,
        amount_minor: args.amount_minor,
        reason: args.reason,
        note: args.note ?? null,
        // An applied plan counts against its requester's budget, whoever applies it.
        principal_id: ctx.plan?.requester ?? ctx.principal.id,
        idempotency_key: key,
        plan_id: planId,
      },
      { signal: ctx.signal },
    );
    ctx.addAuditRefs({
      refund_id: outcome.refund.id,
      order_id: args.order_id,
      ...(outcome.replayed ? { replayed: 'true' } : {}),
    });
    return { ...outcome, plan_id: planId };
  },
  render: renderIssue,
});

const applyInput = z.object({
  plan_id: planId,
  approval_token: z
    .string()
    .min(16)
    .max(4096)
    .describe('The approval_token from billing_approve_refund (or POST /approvals/{plan_id}).'),
});
const applyOutput = z.object({ plan: planSummary, approval_id: z.string(), result: issueOut });

async function apply(
  args: z.output<typeof applyInput>,
  ctx: Ctx,
  override: boolean,
): Promise<z.input<typeof applyOutput>> {
  const { plan, result } = await ctx.approvals.apply(args.plan_id, args.approval_token, { override });
  const parsed = issueOut.safeParse(result);
  if (!parsed.success) throw errors.internal(new Error(`plan ${plan.id} did not run billing_issue_refund`));
  return {
    plan: summarise({ ...plan, status: 'applied' }),
    approval_id: plan.approval_id ?? '',
    result: parsed.data,
  };
}

export const applyRefund = tool({
  name: 'billing_apply_refund',
  title: 'Apply an approved refund plan',
  description:
    "Executes your own approved refund plan exactly as planned: pass the plan id and the approval_token the approver gave you. Only the plan's requester may apply it, and it counts against the requester's daily budget. Policy is checked again; the token works once, for that plan only, until it expires; the refund carries the idempotency key plan:<plan_id>.",
  toolset: 'refunds',
  access: 'destructive',
  idempotent: false,
  openWorld: true,
  input: applyInput,
  output: applyOutput,
  sensitiveFields: ['approval_token'],
  handler: (args, ctx) => apply(args, ctx, false),
  render: (out) =>
    `Applied plan ${out.plan.plan_id} (approved by ${out.plan.approver ?? 'unknown'}). ${renderIssue(out.result)}`,
});

export const adminApplyRefund = tool({
  name: 'billing_admin_apply_refund',
  title: "Apply someone else's approved refund plan (admin override)",
  description:
    "Admins only: executes an approved refund plan that another principal requested (when the requester cannot), with the approval token. Audited as its own action, naming the requester; the refund counts against the requester's daily budget, and policy is checked again as for billing_apply_refund.",
  toolset: 'refunds',
  access: 'destructive',
  idempotent: false,
  openWorld: true,
  input: applyInput,
  output: applyOutput,
  sensitiveFields: ['approval_token'],
  handler: (args, ctx) => apply(args, ctx, true),
  render: (out) =>
    `Applied plan ${out.plan.plan_id} of ${out.plan.requester} as an administrator override (approved by ${out.plan.approver ?? 'unknown'}). ${renderIssue(out.result)}`,
});

import { z } from 'zod';
import { PortcullisError, errors } from '@portcullis/core';
import { positionString, type CursorScope } from '@portcullis/core/cursor';
import { formatMoney } from '../domain.js';
import { cursor, limit, planId, planSummary, summarise, tool } from './common.js';

// Approving and cancelling refund plans (docs/architecture.md section 4); applying one is a refund tool.

export const approveRefund = tool({
  name: 'billing_approve_refund',
  title: 'Approve a refund plan',
  description:
    'Approvers only, and never for your own request: approves a pending refund plan and returns a single-use approval_token, bound to exactly the planned arguments, that the requester passes to billing_apply_refund before it expires. The same approval is available outside the agent at POST /approvals/{plan_id}.',
  toolset: 'approvals',
  access: 'write',
  input: z.object({ plan_id: planId }),
  output: z.object({
    plan: planSummary,
    approval_id: z.string(),
    approval_token: z.string().describe('Single use; give it to the requester for billing_apply_refund.'),
    expires_at: z.string().describe('When the token stops being accepted.'),
  }),
  sensitiveFields: ['approval_token'],
  handler: async (args, ctx) => {
    const res = await ctx.approvals.approve(args.plan_id);
    return {
      plan: summarise(res.plan),
      approval_id: res.plan.approval_id ?? '',
      approval_token: res.approval_token,
      expires_at: res.expires_at,
    };
  },
  render: (out) =>
    `Approved plan ${out.plan.plan_id}: refund of ${out.plan.amount_minor} minor units on order ${out.plan.order_id} requested by ${out.plan.requester}. The approval token (single use, valid until ${out.expires_at}) is in the structured result.`,
});

export const cancelRefundPlan = tool({
  name: 'billing_cancel_refund_plan',
  title: 'Cancel a refund plan',
  description:
    'Cancels a pending or approved refund plan so it can never be applied. The requester may cancel their own plan; approvers may cancel any plan of their tenant.',
  toolset: 'approvals',
  access: 'write',
  idempotent: false,
  input: z.object({ plan_id: planId }),
  output: z.object({ plan: planSummary, cancelled_by: z.string() }),
  handler: async (args, ctx) => {
    const api = ctx.approvals;
    const plan = await api.get(args.plan_id);
    if (plan === null)
      throw new PortcullisError({
        code: 'plan_not_found',
        category: 'not_found',
        message: `Plan ${args.plan_id} was not found.`,
        retryable: false,
      });
    if (plan.requester !== ctx.principal.id && !ctx.isPermitted('billing_cancel_others_plan')) {
      throw errors.forbidden(
        'Only the requester or an approver may cancel this plan.',
        { plan_id: plan.id },
        'Ask the requester or an approver to cancel it.',
      );
    }
    const cancelled = await api.cancel(args.plan_id);
    return { plan: summarise(cancelled), cancelled_by: ctx.principal.id };
  },
  render: (out) =>
    `Cancelled plan ${out.plan.plan_id} (refund of ${out.plan.amount_minor} minor units on order ${out.plan.order_id}); it can no longer be applied.`,
});

const pendingOut = planSummary.extend({
  currency: z.string().nullable().describe("The order's currency (null when the order is gone)."),
});

export const listPendingApprovals = tool({
  name: 'billing_list_pending_approvals',
  title: 'List refund plans waiting for approval',
  description:
    "Approvers only: the refund plans of your tenant waiting for an approval you may give (pending, not expired, not your own requests), newest first, with each order's currency. Approve one with billing_approve_refund. Paginated: pass next_cursor back as cursor until it is null.",
  toolset: 'approvals',
  access: 'read',
  input: z.object({ limit, cursor }),
  output: z.object({ plans: z.array(pendingOut), next_cursor: z.string().nullable() }),
  handler: async (args, ctx) => {
    const scope: CursorScope = {
      tenant: ctx.principal.tenant,
      principal: ctx.principal.id,
      kind: 'pending_approvals',
      query: {},
    };
    const codec = ctx.backend.cursors;
    const pos = args.cursor === undefined ? null : codec.decode(args.cursor, scope);
    const after =
      pos === null ? null : { created_at: positionString(pos, 'c'), id: positionString(pos, 'i') };
    const rows = await ctx.approvals.list({
      tool: 'billing_issue_refund',
      openOnly: true,
      excludeRequester: ctx.principal.id,
      limit: args.limit + 1,
      after,
    });
    const more = rows.length > args.limit;
    const page = more ? rows.slice(0, args.limit) : rows;
    const last = page[page.length - 1];
    const plans = [];
    for (const p of page) {
      const summary = summarise(p);
      const order = await ctx.backend.getOrder(ctx.principal.tenant, summary.order_id, {
        signal: ctx.signal,
      });
      plans.push({ ...summary, currency: order?.currency ?? null });
    }
    return {
      plans,
      next_cursor: more && last ? codec.encode(scope, { c: last.created_at, i: last.id }) : null,
    };
  },
  render: (out) =>
    [
      ...out.plans.map(
        (p) =>
          `${p.plan_id}: refund ${p.currency ? formatMoney(p.amount_minor, p.currency) : `${p.amount_minor} minor units`} on order ${p.order_id} (${p.reason}), requested by ${p.requester} at ${p.created_at}, expires ${p.expires_at}`,
      ),
      out.plans.length === 0 ? 'Nothing waits for your approval.' : '',
      out.next_cursor ? 'More plans: call again with cursor = next_cursor.' : 'End of list.',
    ]
      .filter(Boolean)
      .join('\n'),
});

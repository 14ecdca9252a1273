import { z } from 'zod';
import { PortcullisError, errors } from '@portcullis/core';
import { formatMoney } from '../domain.js';
import { planId, planSummary, summarise, tool } from './common.js';

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
    `Approved plan ${out.plan.plan_id}: refund ${formatMoney(out.plan.amount_minor, 'usd')} on order ${out.plan.order_id} requested by ${out.plan.requester}. The approval token (single use, valid until ${out.expires_at}) is in the structured result.`,
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
    `Cancelled plan ${out.plan.plan_id} (refund ${formatMoney(out.plan.amount_minor, 'usd')} on order ${out.plan.order_id}); it can no longer be applied.`,
});

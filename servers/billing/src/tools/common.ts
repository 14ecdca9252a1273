import { z } from 'zod';
import { errors, toolsFor } from '@portcullis/core';
import type { PolicyResource, ResolveContext, ToolContext } from '@portcullis/core';
import type { BillingBackend, CurrencyLimits } from '../backend.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, limitsFor } from '../backend.js';
import type { Order } from '../domain.js';
import { INVOICE_STATUSES, REFUND_REASONS, formatMoney } from '../domain.js';

/** The kit's tool helper with the backend type bound once: handlers see a typed BillingBackend. */
export const tool = toolsFor<BillingBackend>();
export type Ctx = ToolContext<BillingBackend>;
export type RCtx = ResolveContext<BillingBackend>;

// ---------- shared schemas ----------

export const orderId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an order number such as 4821')
  .describe('The order number, e.g. "4821" (digits, letters, - or _).');
export const customerId = z
  .string()
  .regex(/^cus_[A-Za-z0-9_]{1,64}$/, 'a customer id starting with cus_')
  .describe('The customer id, starting with cus_ (e.g. "cus_acme_0007").');
export const invoiceId = z
  .string()
  .regex(/^in_[A-Za-z0-9_]{1,64}$/, 'an invoice id starting with in_')
  .describe('The invoice id, starting with in_.');
export const planId = z
  .string()
  .regex(
    /^plan_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a plan id as returned by billing_issue_refund (plan_ followed by a UUID)',
  )
  .describe(
    'The approval plan id that billing_issue_refund returned in its approval_required error (details.plan_id).',
  );
export const amountMinor = z
  .number()
  .int('whole minor units (cents), not a decimal amount')
  .min(1)
  .max(100_000_000)
  .describe(
    "Refund amount in minor units of the order's currency: cents for USD ($150.00 is 15000), yen for JPY, fils for KWD (1.000 KWD is 1000).",
  );
export const reason = z
  .enum(REFUND_REASONS)
  .describe('Why the money goes back: requested_by_customer, duplicate, fraudulent or other.');
export const limit = z
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .describe(`Page size, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`);
export const cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe('next_cursor from the previous page of the same query; omit for the first page.');

export const money = z.number().int();

export const customerOut = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  currency: z.string(),
  created_at: z.string(),
  crm_contact_id: z
    .string()
    .nullable()
    .describe(
      "The customer's contact in the CRM (crm_get_contact and crm_send_email take it); null when unlinked.",
    ),
});

export const orderOut = z.object({
  id: z.string(),
  tenant: z.string(),
  customer_id: z.string(),
  description: z.string(),
  status: z.enum(['unpaid', 'paid', 'partially_refunded', 'refunded']),
  currency: z.string(),
  amount_minor: money,
  paid_minor: money,
  refunded_minor: money,
  refundable_minor: money.describe('What is left to refund: paid_minor - refunded_minor.'),
  payment_id: z.string().nullable(),
  version: z.string(),
  created_at: z.string(),
});

export const invoiceOut = z.object({
  id: z.string(),
  tenant: z.string(),
  number: z.string(),
  customer_id: z.string(),
  order_id: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES as [string, ...string[]]),
  currency: z.string(),
  total_minor: money,
  amount_paid_minor: money,
  amount_due_minor: money,
  lines: z.array(z.object({ description: z.string(), quantity: z.number().int(), amount_minor: money })),
  created_at: z.string(),
  due_at: z.string().nullable(),
});

export const refundOut = z.object({
  id: z.string(),
  tenant: z.string(),
  order_id: z.string(),
  payment_id: z.string(),
  amount_minor: money,
  currency: z.string(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().nullable(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
  requested_by: z.string().nullable(),
  created_at: z.string(),
});

export const budgetOut = z.object({
  day: z.string().describe('UTC day the budget counts.'),
  currency: z.string().describe('Budgets are per currency: this is the order currency.'),
  used_minor: money.describe('Your refunds today in this currency.'),
  limit_minor: money,
  remaining_minor: money,
  tenant_used_minor: money.describe("Your tenant's refunds today in this currency, everyone's together."),
  tenant_limit_minor: money,
  tenant_remaining_minor: money,
});

export const issueOut = z.object({
  refund: refundOut,
  order: orderOut.describe('The order right after the refund.'),
  budget: budgetOut.describe("The issuing principal's refund budget for today, after this refund."),
  replayed: z
    .boolean()
    .describe(
      'True when this is the stored result of an earlier call with the same idempotency key: nothing new was refunded.',
    ),
  plan_id: z.string().nullable().describe('The approval plan this refund executed, if any.'),
});

// ---------- resolvers: the attributes policy sees ----------

/**
 * The order as policy sees it. The refund totals are cumulative: what the order has refunded, what
 * open plans on it promise, plus `amountMinor` (this request); the budgets are those of the
 * principal whose request this is (an applied plan's requester, whoever applies it) and of the
 * tenant, in the order's currency. `limits` come from the settings for that currency; absent when
 * the currency has none (reads still work; refunds are refused).
 */
export async function orderResource(
  id: string,
  ctx: RCtx,
  amountMinor = 0,
): Promise<{ resource: PolicyResource; order: Order; limits: CurrencyLimits | null } | null> {
  const order = await ctx.backend.getOrder(ctx.principal.tenant, id, { signal: ctx.signal });
  if (order === null) return null;
  const whose = ctx.plan?.requester ?? ctx.principal.id;
  const budget = await ctx.backend.refundBudget(ctx.principal.tenant, whose, order.currency);
  const planned = await ctx.backend.plannedRefunds(ctx.principal.tenant, order.id);
  let limits: CurrencyLimits | null = null;
  try {
    limits = limitsFor(ctx.backend.limits, order.currency);
  } catch {
    limits = null;
  }
  return {
    order,
    limits,
    resource: {
      type: 'Order',
      id: order.id,
      attributes: {
        // The record's own tenant: the isolation rule is a real second wall behind the backend's filter.
        tenant: order.tenant,
        customer_id: order.customer_id,
        currency: order.currency.toUpperCase(),
        paid_minor: order.paid_minor,
        refunded_minor: order.refunded_minor,
        refundable_minor: order.refundable_minor,
        planned_refunds_minor: planned,
        refund_total_after_minor: order.refunded_minor + planned + amountMinor,
        principal_today_after_minor: budget.used_minor + amountMinor,
        tenant_today_after_minor: budget.tenant_used_minor + amountMinor,
        ...(limits !== null
          ? {
              limits: {
                approval_above_minor: limits.approval_above_minor,
                max_minor: limits.max_minor,
                principal_daily_minor: limits.principal_daily_minor,
                tenant_daily_minor: limits.tenant_daily_minor,
              },
            }
          : {}),
        // An approval plan records it; apply is refused when the order moved meanwhile.
        version: order.version,
      },
    },
  };
}

export const resolveOrder = async (args: { order_id: string }, ctx: RCtx): Promise<PolicyResource | null> =>
  (await orderResource(args.order_id, ctx))?.resource ?? null;

/**
 * For a refund: the order with this amount counted in, and a validation error naming the setting
 * when its currency has no configured limits (a refund is never unlimited, nor measured in USD).
 */
export const resolveRefund = async (
  args: { order_id: string; amount_minor: number },
  ctx: RCtx,
): Promise<PolicyResource | null> => {
  const found = await orderResource(args.order_id, ctx, args.amount_minor);
  if (found === null) return null;
  if (found.limits === null) limitsFor(ctx.backend.limits, found.order.currency);
  return found.resource;
};

export function needOrder(resource: PolicyResource | null, what: string): PolicyResource {
  if (resource === null) throw errors.notFound(what);
  return resource;
}

// ---------- renderings ----------

export function renderOrder(o: z.output<typeof orderOut>): string {
  return `Order ${o.id} (${o.status}): ${formatMoney(o.amount_minor, o.currency)} for ${o.description}; paid ${formatMoney(o.paid_minor, o.currency)}, refunded ${formatMoney(
    o.refunded_minor,
    o.currency,
  )}, ${formatMoney(o.refundable_minor, o.currency)} still refundable. Customer ${o.customer_id}.`;
}

export function renderIssue(out: z.output<typeof issueOut>): string {
  const r = out.refund;
  const head = out.replayed
    ? `Already done: this idempotency key refunded ${formatMoney(r.amount_minor, r.currency)} on order ${r.order_id} before (refund ${r.id}); nothing new was refunded.`
    : `Refunded ${formatMoney(r.amount_minor, r.currency)} on order ${r.order_id} (refund ${r.id}, ${r.status})${out.plan_id ? ` under approved plan ${out.plan_id}` : ''}.`;
  return `${head} ${renderOrder(out.order)} Refunds today: yours ${formatMoney(out.budget.used_minor, r.currency)} of ${formatMoney(out.budget.limit_minor, r.currency)}, your tenant's ${formatMoney(out.budget.tenant_used_minor, r.currency)} of ${formatMoney(out.budget.tenant_limit_minor, r.currency)}.`;
}

// ---------- approval plans, as the refund and approval tools show them ----------

export const planSummary = z.object({
  plan_id: z.string(),
  status: z.enum(['pending', 'approved', 'applied', 'cancelled']),
  requester: z.string(),
  approver: z.string().nullable(),
  order_id: z.string(),
  amount_minor: money,
  reason: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
});

export function summarise(plan: {
  id: string;
  status: 'pending' | 'approved' | 'applied' | 'cancelled';
  requester: string;
  approver: string | null;
  arguments: unknown;
  created_at: string;
  expires_at: string;
}): z.input<typeof planSummary> {
  const a = (plan.arguments ?? {}) as { order_id?: unknown; amount_minor?: unknown; reason?: unknown };
  return {
    plan_id: plan.id,
    status: plan.status,
    requester: plan.requester,
    approver: plan.approver,
    order_id: typeof a.order_id === 'string' ? a.order_id : '',
    amount_minor: typeof a.amount_minor === 'number' ? a.amount_minor : 0,
    reason: typeof a.reason === 'string' ? a.reason : '',
    created_at: plan.created_at,
    expires_at: plan.expires_at,
  };
}

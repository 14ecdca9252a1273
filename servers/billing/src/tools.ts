import { z } from 'zod';
import { PortcullisError, defineTool, errors } from '@portcullis/core';
import type {
  ApprovalsApi,
  Decision,
  EvaluateFn,
  PolicyResource,
  ResolveContext,
  ToolContext,
} from '@portcullis/core';
import type { BillingBackend, RefundOutcome } from './backend.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './backend.js';
import type { Order } from './domain.js';
import { INVOICE_STATUSES, REFUND_REASONS, formatMoney } from './domain.js';

type Ctx = ToolContext<BillingBackend>;
type RCtx = ResolveContext<BillingBackend>;

// ---------- shared schemas ----------

const orderId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an order number such as 4821')
  .describe('The order number, e.g. "4821" (digits, letters, - or _).');
const customerId = z
  .string()
  .regex(/^cus_[A-Za-z0-9_]{1,64}$/, 'a customer id starting with cus_')
  .describe('The customer id, starting with cus_ (e.g. "cus_acme_0007").');
const invoiceId = z
  .string()
  .regex(/^in_[A-Za-z0-9_]{1,64}$/, 'an invoice id starting with in_')
  .describe('The invoice id, starting with in_.');
const planId = z
  .string()
  .regex(
    /^plan_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a plan id as returned by billing_issue_refund (plan_ followed by a UUID)',
  )
  .describe(
    'The approval plan id that billing_issue_refund returned in its approval_required error (details.plan_id).',
  );
const amountMinor = z
  .number()
  .int('whole minor units (cents), not a decimal amount')
  .min(1)
  .max(100_000_000)
  .describe('Refund amount in minor units of the order currency: cents, so $150.00 is 15000.');
const reason = z
  .enum(REFUND_REASONS)
  .describe('Why the money goes back: requested_by_customer, duplicate, fraudulent or other.');
const limit = z
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .describe(`Page size, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`);
const cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe('next_cursor from the previous page of the same query; omit for the first page.');

const money = z.number().int();

const customerOut = z.object({
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

const orderOut = z.object({
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

const invoiceOut = z.object({
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

const refundOut = z.object({
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

const budgetOut = z.object({
  day: z.string().describe('UTC day the budget counts.'),
  used_minor: money,
  limit_minor: money,
  remaining_minor: money,
});

const issueOut = z.object({
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

// ---------- kit services a handler may need beyond ToolContext ----------

type KitCtx = Ctx & { approvals?: ApprovalsApi; evaluate?: EvaluateFn };

function approvalsOf(ctx: Ctx): ApprovalsApi {
  const api = (ctx as KitCtx).approvals;
  if (api === undefined) throw errors.internal(new Error('the runtime offers no approvals API'));
  return api;
}

function evaluateOf(ctx: Ctx): EvaluateFn {
  const fn = (ctx as KitCtx).evaluate;
  if (fn === undefined) throw errors.internal(new Error('the runtime offers no policy dry run (evaluate)'));
  return fn;
}

// ---------- resolvers: the attributes policy sees ----------

async function orderResource(
  id: string,
  ctx: RCtx,
): Promise<{ resource: PolicyResource; order: Order } | null> {
  const order = await ctx.backend.getOrder(ctx.principal.tenant, id, { signal: ctx.signal });
  if (order === null) return null;
  const budget = await ctx.backend.refundBudget(ctx.principal.tenant, ctx.principal.id);
  return {
    order,
    resource: {
      type: 'Order',
      id: order.id,
      attributes: {
        tenant: order.tenant,
        customer_id: order.customer_id,
        currency: order.currency,
        paid_minor: order.paid_minor,
        refunded_minor: order.refunded_minor,
        refundable_minor: order.refundable_minor,
        // The caller's own refunds today: the daily budget policy reads it.
        refunded_today_by_principal: budget.used_minor,
        // An approval plan records it; apply is refused when the order moved meanwhile.
        version: order.version,
      },
    },
  };
}

const resolveOrder = async (args: { order_id: string }, ctx: RCtx): Promise<PolicyResource | null> =>
  (await orderResource(args.order_id, ctx))?.resource ?? null;

function needOrder(resource: PolicyResource | null, what: string): PolicyResource {
  if (resource === null) throw errors.notFound(what);
  return resource;
}

// ---------- policy explanations for the dry run ----------

/** What each shipped policy means, in words a support agent can act on. */
const POLICY_REASONS: Record<string, string> = {
  'billing-tenant-isolation': 'The order belongs to another tenant.',
  'billing-refund-direct': 'Refunds up to $200.00 go through directly for support staff.',
  'billing-refund-needs-approval':
    'Refunds over $200.00 and up to $500.00 need an approver (a different person) to approve a plan first.',
  'billing-refund-over-limit': 'Refunds over $500.00 are not allowed through this assistant.',
  'billing-refund-daily-budget': 'It would take your refunds today past the $1,000.00 daily budget.',
  'billing-refund-within-paid': 'It would refund more than is left on the order.',
  'billing-refund-order-paid': 'The order has not been paid.',
};

function reasonsFor(decision: Decision, toolName: string): string[] {
  if (decision.policies.length === 0) return [`No policy permits ${toolName} for your roles.`];
  return decision.policies.map((id) => POLICY_REASONS[id] ?? `Decided by policy ${id}.`);
}

/**
 * billing_issue_refund's own policy for these arguments (the key only satisfies its input schema),
 * or null when that tool is not enabled here (read-only mode, PORTCULLIS_TOOLS).
 */
async function dryRun(
  ctx: Ctx,
  args: { order_id: string; amount_minor: number; reason: string },
): Promise<Decision | null> {
  try {
    return await evaluateOf(ctx)('billing_issue_refund', { ...args, idempotency_key: 'dry-run-check' });
  } catch (err) {
    if (err instanceof PortcullisError && err.category === 'validation') return null;
    throw err;
  }
}

// ---------- renderings ----------

function renderOrder(o: z.output<typeof orderOut>): string {
  return `Order ${o.id} (${o.status}): ${formatMoney(o.amount_minor, o.currency)} for ${o.description}; paid ${formatMoney(o.paid_minor, o.currency)}, refunded ${formatMoney(
    o.refunded_minor,
    o.currency,
  )}, ${formatMoney(o.refundable_minor, o.currency)} still refundable. Customer ${o.customer_id}.`;
}

function renderIssue(out: z.output<typeof issueOut>): string {
  const r = out.refund;
  const head = out.replayed
    ? `Already done: this idempotency key refunded ${formatMoney(r.amount_minor, r.currency)} on order ${r.order_id} before (refund ${r.id}); nothing new was refunded.`
    : `Refunded ${formatMoney(r.amount_minor, r.currency)} on order ${r.order_id} (refund ${r.id}, ${r.status})${out.plan_id ? ` under approved plan ${out.plan_id}` : ''}.`;
  return `${head} ${renderOrder(out.order)} Your refunds today: ${formatMoney(out.budget.used_minor, r.currency)} of ${formatMoney(out.budget.limit_minor, r.currency)}.`;
}

// ---------- tools ----------

export const getCustomer = defineTool({
  name: 'billing_get_customer',
  title: 'Get a billing customer',
  description:
    "Returns one customer of your tenant by id: name, billing email, currency and crm_contact_id, the customer's contact in the CRM (for crm_send_email). Use billing_list_invoices to see what they were billed.",
  toolset: 'billing',
  access: 'read',
  input: z.object({ customer_id: customerId }),
  output: z.object({ customer: customerOut }),
  sensitiveFields: ['email'],
  resourceType: 'Customer',
  resource: async (args, ctx: RCtx) => {
    const c = await ctx.backend.getCustomer(ctx.principal.tenant, args.customer_id, { signal: ctx.signal });
    return c === null ? null : { type: 'Customer', id: c.id, attributes: { tenant: c.tenant } };
  },
  handler: async (args, ctx: Ctx) => {
    const customer = await ctx.backend.getCustomer(ctx.principal.tenant, args.customer_id, {
      signal: ctx.signal,
    });
    if (customer === null) throw errors.notFound(`Customer ${args.customer_id}`);
    return { customer };
  },
  render: (out) =>
    `Customer ${out.customer.id}: ${out.customer.name}, billed in ${out.customer.currency.toUpperCase()}.`,
});

export const getOrder = defineTool({
  name: 'billing_get_order',
  title: 'Get an order',
  description:
    'Returns one order of your tenant by order number: amount, what was paid and refunded so far, and refundable_minor (the most a further refund may be). Amounts are minor units (cents).',
  toolset: 'billing',
  access: 'read',
  input: z.object({ order_id: orderId }),
  output: z.object({ order: orderOut }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx: Ctx) => {
    needOrder(ctx.resource, `Order ${args.order_id}`);
    const order = await ctx.backend.getOrder(ctx.principal.tenant, args.order_id, { signal: ctx.signal });
    if (order === null) throw errors.notFound(`Order ${args.order_id}`);
    return { order };
  },
  render: (out) => renderOrder(out.order),
});

export const listInvoices = defineTool({
  name: 'billing_list_invoices',
  title: 'List invoices',
  description:
    "Lists your tenant's invoices, newest first, optionally for one customer and/or one status (draft, open, paid, uncollectible, void). Paginated: pass next_cursor back as cursor until it is null.",
  toolset: 'billing',
  access: 'read',
  input: z.object({
    customer_id: customerId.optional(),
    status: z
      .enum(INVOICE_STATUSES as [string, ...string[]])
      .optional()
      .describe('Only invoices in this status.'),
    limit,
    cursor,
  }),
  output: z.object({ invoices: z.array(invoiceOut), next_cursor: z.string().nullable() }),
  handler: async (args, ctx: Ctx) => {
    const query = {
      ...(args.customer_id !== undefined ? { customer_id: args.customer_id } : {}),
      ...(args.status !== undefined ? { status: args.status as (typeof INVOICE_STATUSES)[number] } : {}),
    };
    const page = await ctx.backend.listInvoices(
      ctx.principal.tenant,
      query,
      { cursor: args.cursor ?? null, limit: args.limit },
      { signal: ctx.signal },
    );
    return { invoices: page.items, next_cursor: page.next_cursor };
  },
  render: (out) =>
    [
      ...out.invoices.map(
        (i) =>
          `${i.number} (${i.id}) ${i.status}: ${formatMoney(i.total_minor, i.currency)}, customer ${i.customer_id}${i.order_id ? `, order ${i.order_id}` : ''}`,
      ),
      out.next_cursor ? 'More invoices: call again with cursor = next_cursor.' : 'End of list.',
    ].join('\n'),
});

export const getInvoice = defineTool({
  name: 'billing_get_invoice',
  title: 'Get an invoice',
  description:
    'Returns one invoice of your tenant by id, with its lines, totals and the order it bills (if any).',
  toolset: 'billing',
  access: 'read',
  input: z.object({ invoice_id: invoiceId }),
  output: z.object({ invoice: invoiceOut }),
  resourceType: 'Invoice',
  resource: async (args, ctx: RCtx) => {
    const i = await ctx.backend.getInvoice(ctx.principal.tenant, args.invoice_id, { signal: ctx.signal });
    return i === null
      ? null
      : { type: 'Invoice', id: i.id, attributes: { tenant: i.tenant, customer_id: i.customer_id } };
  },
  handler: async (args, ctx: Ctx) => {
    const invoice = await ctx.backend.getInvoice(ctx.principal.tenant, args.invoice_id, {
      signal: ctx.signal,
    });
    if (invoice === null) throw errors.notFound(`Invoice ${args.invoice_id}`);
    return { invoice };
  },
  render: (out) =>
    `Invoice ${out.invoice.number} (${out.invoice.id}) ${out.invoice.status}: ${formatMoney(out.invoice.total_minor, out.invoice.currency)}, paid ${formatMoney(
      out.invoice.amount_paid_minor,
      out.invoice.currency,
    )}, due ${formatMoney(out.invoice.amount_due_minor, out.invoice.currency)}.`,
});

export const listRefunds = defineTool({
  name: 'billing_list_refunds',
  title: 'List refunds on an order',
  description:
    'Lists the refunds made on one order, newest first, with who issued each through Portcullis. Paginated with next_cursor.',
  toolset: 'billing',
  access: 'read',
  input: z.object({ order_id: orderId, limit, cursor }),
  output: z.object({ order_id: z.string(), refunds: z.array(refundOut), next_cursor: z.string().nullable() }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx: Ctx) => {
    const page = await ctx.backend.listRefunds(
      ctx.principal.tenant,
      args.order_id,
      { cursor: args.cursor ?? null, limit: args.limit },
      { signal: ctx.signal },
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

export const checkRefund = defineTool({
  name: 'billing_check_refund',
  title: 'Check a refund (dry run)',
  description:
    'Dry run of billing_issue_refund: says whether you may refund this amount on this order now (allowed), only after an approver approves a plan (approval_required), or not at all (denied), with the reasons and the ids of the policies that decided. Nothing is refunded or recorded besides the audit entry.',
  toolset: 'billing',
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
    order: z.object({ paid_minor: money, refunded_minor: money, refundable_minor: money }),
    budget: budgetOut.describe('Your refund budget today, before this refund.'),
  }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx: Ctx) => {
    const attrs = needOrder(ctx.resource, `Order ${args.order_id}`).attributes;
    const decision = await dryRun(ctx, args);
    const budget = await ctx.backend.refundBudget(ctx.principal.tenant, ctx.principal.id);
    const refundable = attrs.refundable_minor as number;
    const reasons =
      decision === null
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
      reasons.push(
        `Only ${formatMoney(refundable, attrs.currency as string)} is left to refund on order ${args.order_id}.`,
      );
    }
    if (verdict !== 'denied' && budget.used_minor + args.amount_minor > budget.limit_minor) {
      verdict = 'denied';
      reasons.push(
        `Your refunds today would pass the ${formatMoney(budget.limit_minor, attrs.currency as string)} daily budget.`,
      );
    }
    return {
      order_id: args.order_id,
      amount_minor: args.amount_minor,
      currency: attrs.currency as string,
      decision: verdict,
      reasons,
      policies: decision?.policies ?? [],
      order: {
        paid_minor: attrs.paid_minor as number,
        refunded_minor: attrs.refunded_minor as number,
        refundable_minor: refundable,
      },
      budget,
    };
  },
  render: (out) =>
    `Refund of ${formatMoney(out.amount_minor, out.currency)} on order ${out.order_id}: ${out.decision.replace('_', ' ')}. ${out.reasons.join(' ')} (policies: ${out.policies.join(', ') || 'none'}). Nothing was refunded.`,
});

export const issueRefund = defineTool({
  name: 'billing_issue_refund',
  title: 'Issue a refund',
  description:
    'Refunds part or all of a paid order. Runs at once when policy allows (support: up to $200.00); between $200.00 and $500.00 it answers approval_required with a plan id (details.plan_id) that an approver must approve before you call billing_apply_refund; over $500.00 or past your $1,000.00 daily budget it is denied. Send an idempotency_key: repeating it returns the first result instead of refunding twice. Use billing_check_refund first to see which applies.',
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
  resource: resolveOrder,
  handler: async (args, ctx: Ctx) => {
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
        principal_id: ctx.principal.id,
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

const planSummary = z.object({
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

function summarise(plan: {
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

export const approveRefund = defineTool({
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
  handler: async (args, ctx: Ctx) => {
    const res = await approvalsOf(ctx).approve(args.plan_id);
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

export const applyRefund = defineTool({
  name: 'billing_apply_refund',
  title: 'Apply an approved refund plan',
  description:
    'Executes an approved refund plan exactly as planned: pass the plan id and the approval_token the approver gave you. Policy is checked again; the token works once, for that plan only, until it expires; the refund carries the idempotency key plan:<plan_id>.',
  toolset: 'refunds',
  access: 'destructive',
  idempotent: false,
  openWorld: true,
  input: z.object({
    plan_id: planId,
    approval_token: z
      .string()
      .min(16)
      .max(4096)
      .describe('The approval_token from billing_approve_refund (or POST /approvals/{plan_id}).'),
  }),
  output: z.object({ plan: planSummary, approval_id: z.string(), result: issueOut }),
  sensitiveFields: ['approval_token'],
  handler: async (args, ctx: Ctx) => {
    const { plan, result } = await approvalsOf(ctx).apply(args.plan_id, args.approval_token);
    const parsed = issueOut.safeParse(result);
    if (!parsed.success) throw errors.internal(new Error(`plan ${plan.id} did not run billing_issue_refund`));
    return {
      plan: summarise({ ...plan, status: 'applied' }),
      approval_id: plan.approval_id ?? '',
      result: parsed.data,
    };
  },
  render: (out) =>
    `Applied plan ${out.plan.plan_id} (approved by ${out.plan.approver ?? 'unknown'}). ${renderIssue(out.result)}`,
});

export const cancelRefundPlan = defineTool({
  name: 'billing_cancel_refund_plan',
  title: 'Cancel a refund plan',
  description:
    'Cancels a pending or approved refund plan so it can never be applied. The requester may cancel their own plan; approvers may cancel any plan of their tenant.',
  toolset: 'approvals',
  access: 'write',
  idempotent: false,
  input: z.object({ plan_id: planId }),
  output: z.object({ plan: planSummary, cancelled_by: z.string() }),
  handler: async (args, ctx: Ctx) => {
    const api = approvalsOf(ctx);
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

export const billingTools = [
  getCustomer,
  getOrder,
  listInvoices,
  getInvoice,
  listRefunds,
  checkRefund,
  issueRefund,
  approveRefund,
  applyRefund,
  cancelRefundPlan,
];

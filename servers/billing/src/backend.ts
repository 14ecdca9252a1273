import type { CursorCodec } from '@portcullis/core/cursor';
import { amountFor, type MoneyTable } from '@portcullis/core/money';
import type { Page, PageRequest } from '@portcullis/core/paging';
import type { Customer, Invoice, InvoiceStatus, Order, Refund, RefundReason } from './domain.js';

// Paging is the kit's (one cap, signed cursors); billing lists are a little shorter by default.
export { MAX_PAGE_SIZE } from '@portcullis/core/paging';
export type { Page, PageRequest } from '@portcullis/core/paging';
export const DEFAULT_PAGE_SIZE = 20;

/** The refund limits, each a table per currency in minor units (settings BILLING_REFUND_* and *_BUDGET). */
export interface RefundLimits {
  /** The order's cumulative refunds above this need an approved plan. */
  approvalAbove: MoneyTable;
  /** The order's cumulative refunds never pass this. */
  max: MoneyTable;
  /** One principal's refunds per UTC day. */
  principalDaily: MoneyTable;
  /** One tenant's refunds per UTC day. */
  tenantDaily: MoneyTable;
}

/** The setting each limit comes from (errors and the README name them). */
export const REFUND_LIMIT_SETTINGS: Readonly<Record<keyof RefundLimits, string>> = {
  approvalAbove: 'BILLING_REFUND_APPROVAL_ABOVE',
  max: 'BILLING_REFUND_MAX',
  principalDaily: 'BILLING_DAILY_REFUND_BUDGET',
  tenantDaily: 'BILLING_TENANT_DAILY_REFUND_BUDGET',
};

/** Defaults: $200 / $500 per order, $1,000 per person and $5,000 per tenant a day (same in EUR, GBP). */
export const DEFAULT_REFUND_LIMITS: Readonly<Record<keyof RefundLimits, string>> = {
  approvalAbove: 'USD:20000,EUR:20000,GBP:20000',
  max: 'USD:50000,EUR:50000,GBP:50000',
  principalDaily: 'USD:100000,EUR:100000,GBP:100000',
  tenantDaily: 'USD:500000,EUR:500000,GBP:500000',
};

/** One currency's limits, in its minor units. */
export interface CurrencyLimits {
  currency: string;
  approval_above_minor: number;
  max_minor: number;
  principal_daily_minor: number;
  tenant_daily_minor: number;
}

/**
 * The limits for one currency, or the validation error `currency_not_configured` naming the first
 * setting without an entry for it: a refund in such a currency is refused, never unlimited.
 */
export function limitsFor(limits: RefundLimits, currency: string): CurrencyLimits {
  return {
    currency: currency.toUpperCase(),
    approval_above_minor: amountFor(limits.approvalAbove, currency, REFUND_LIMIT_SETTINGS.approvalAbove),
    max_minor: amountFor(limits.max, currency, REFUND_LIMIT_SETTINGS.max),
    principal_daily_minor: amountFor(limits.principalDaily, currency, REFUND_LIMIT_SETTINGS.principalDaily),
    tenant_daily_minor: amountFor(limits.tenantDaily, currency, REFUND_LIMIT_SETTINGS.tenantDaily),
  };
}

export interface InvoiceQuery {
  customer_id?: string;
  status?: InvoiceStatus;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

export interface RefundRequest {
  tenant: string;
  order_id: string;
  amount_minor: number;
  reason: RefundReason;
  note: string | null;
  /** Whose daily budget the refund counts against: the requester of an applied plan, whoever applies it. */
  principal_id: string;
  /** Scoped to the tenant: a repeat with the same key and request returns the first outcome. */
  idempotency_key: string;
  /** The approval plan this refund executes, when it went through one. */
  plan_id: string | null;
}

/** Refunds today (UTC) in one currency: the principal's, and the whole tenant's. 0 limits when not configured. */
export interface RefundBudget {
  day: string;
  currency: string;
  used_minor: number;
  limit_minor: number;
  remaining_minor: number;
  tenant_used_minor: number;
  tenant_limit_minor: number;
  tenant_remaining_minor: number;
}

export interface RefundOutcome {
  refund: Refund;
  /** The order right after this refund. */
  order: Order;
  budget: RefundBudget;
  /** True when this is the stored outcome of an earlier call with the same idempotency key. */
  replayed: boolean;
}

/**
 * What the tools call; two implementations (embedded ledger, Stripe). Every method is scoped to
 * one tenant: another tenant's record does not exist for it (null), so a cross-tenant read cannot
 * happen below policy either.
 *
 * issueRefund holds the money invariants itself, transactionally, whatever policy decided:
 * - refunds on an order never exceed what was paid (conflict `refund_exceeds_paid`);
 * - an order's refunds (done, promised by open plans, and this one) never pass the approval
 *   threshold without a plan, nor the maximum with one (forbidden `order_refund_limit_exceeded`),
 *   even when concurrent calls both passed policy;
 * - the principal's and the tenant's daily budgets in the order's currency are never overshot,
 *   even by concurrent calls (forbidden `daily_refund_budget_exceeded`,
 *   `tenant_daily_refund_budget_exceeded`);
 * - a currency without configured limits is refused (validation `currency_not_configured`);
 * - an idempotency key repeated returns the first outcome and writes nothing new, also after an
 *   upstream timeout (conflict `idempotency_key_reused` when the request differs).
 */
export interface BillingBackend {
  readonly kind: 'embedded' | 'stripe';
  readonly limits: RefundLimits;
  /** The kit's signed cursors (tools page other lists with them too). */
  readonly cursors: CursorCodec;

  getCustomer(tenant: string, id: string, opts?: ReadOptions): Promise<Customer | null>;
  getOrder(tenant: string, id: string, opts?: ReadOptions): Promise<Order | null>;
  /** Newest first. */
  listInvoices(
    tenant: string,
    query: InvoiceQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Invoice>>;
  getInvoice(tenant: string, id: string, opts?: ReadOptions): Promise<Invoice | null>;
  /** Refunds on one order, newest first; null when the order does not exist in the tenant. */
  listRefunds(
    tenant: string,
    orderId: string,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Refund> | null>;
  /** Today's (UTC) refunds in this currency by this principal and by the tenant, refunds in flight included. */
  refundBudget(tenant: string, principalId: string, currency: string): Promise<RefundBudget>;
  /** What open refund plans (pending or approved, unexpired) on this order promise, in minor units. */
  plannedRefunds(tenant: string, orderId: string): Promise<number>;
  issueRefund(req: RefundRequest, opts?: ReadOptions): Promise<RefundOutcome>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

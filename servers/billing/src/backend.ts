import type { Page, PageRequest } from '@portcullis/core/paging';
import type { Customer, Invoice, InvoiceStatus, Order, Refund, RefundReason } from './domain.js';

// Paging is the kit's (one cap, signed cursors); billing lists are a little shorter by default.
export { MAX_PAGE_SIZE } from '@portcullis/core/paging';
export type { Page, PageRequest } from '@portcullis/core/paging';
export const DEFAULT_PAGE_SIZE = 20;
/** $1,000.00: the default per-principal daily refund budget. */
export const DEFAULT_DAILY_REFUND_BUDGET_MINOR = 100_000;

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
  /** Whose daily budget the refund counts against. */
  principal_id: string;
  /** Scoped to the tenant: a repeat with the same key and request returns the first outcome. */
  idempotency_key: string;
  /** The approval plan this refund executes, when it went through one. */
  plan_id: string | null;
}

export interface RefundBudget {
  day: string;
  used_minor: number;
  limit_minor: number;
  remaining_minor: number;
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
 * - the principal's daily budget is never overshot, even by concurrent calls (forbidden
 *   `daily_refund_budget_exceeded`);
 * - an idempotency key repeated returns the first outcome and writes nothing new, also after an
 *   upstream timeout (conflict `idempotency_key_reused` when the request differs).
 */
export interface BillingBackend {
  readonly kind: 'embedded' | 'stripe';
  readonly dailyBudgetMinor: number;

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
  /** Today's (UTC) refund total issued by this principal, refunds in flight included. */
  refundBudget(tenant: string, principalId: string): Promise<RefundBudget>;
  issueRefund(req: RefundRequest, opts?: ReadOptions): Promise<RefundOutcome>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

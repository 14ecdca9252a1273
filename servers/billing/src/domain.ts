/**
 * The billing domain as the tools see it, whichever backend holds the data. Every amount is an
 * integer number of minor units of its ISO 4217 currency (cents for USD, yen for JPY, fils for
 * KWD: the exponent comes from the kit's currency table), currency in lower case, as Stripe does.
 */

export const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent', 'other'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export type OrderStatus = 'unpaid' | 'paid' | 'partially_refunded' | 'refunded';
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
export const INVOICE_STATUSES: readonly InvoiceStatus[] = ['draft', 'open', 'paid', 'uncollectible', 'void'];
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface Customer {
  id: string;
  tenant: string;
  name: string;
  email: string | null;
  currency: string;
  created_at: string;
  /** The customer's contact in the CRM (crm_get_contact, crm_send_email take it); null when unlinked. */
  crm_contact_id: string | null;
}

export interface Order {
  id: string;
  tenant: string;
  customer_id: string;
  description: string;
  status: OrderStatus;
  currency: string;
  amount_minor: number;
  paid_minor: number;
  refunded_minor: number;
  /** paid_minor - refunded_minor: the most any further refund may be. */
  refundable_minor: number;
  /** The payment (Stripe PaymentIntent) refunds are made against; null while unpaid. */
  payment_id: string | null;
  /** Changes with every refund; an approval plan records it and is refused when it moved. */
  version: string;
  created_at: string;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  amount_minor: number;
}

export interface Invoice {
  id: string;
  tenant: string;
  number: string;
  customer_id: string;
  order_id: string | null;
  status: InvoiceStatus;
  currency: string;
  total_minor: number;
  amount_paid_minor: number;
  amount_due_minor: number;
  lines: InvoiceLine[];
  created_at: string;
  due_at: string | null;
}

export interface Refund {
  id: string;
  tenant: string;
  order_id: string;
  payment_id: string;
  amount_minor: number;
  currency: string;
  reason: RefundReason;
  note: string | null;
  status: RefundStatus;
  /** The principal that issued it through Portcullis; null for refunds made elsewhere. */
  requested_by: string | null;
  created_at: string;
}

export function orderStatus(paid: number, refunded: number): OrderStatus {
  if (paid <= 0) return 'unpaid';
  if (refunded <= 0) return 'paid';
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

/** "$450.00", "30,000 JPY": for messages and text renderings only; data stays in minor units. */
export { formatMoney } from '@portcullis/core/money';

/** The UTC calendar day budgets are counted in. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

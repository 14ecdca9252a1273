import { randomBytes } from 'node:crypto';
import { errors } from '@portcullis/core';
import type { PortcullisError } from '@portcullis/core';
import { positionString, type CursorCodec, type CursorScope } from '@portcullis/core/cursor';
import type { Queryable, Store } from '@portcullis/core/store';
import type {
  BillingBackend,
  InvoiceQuery,
  Page,
  PageRequest,
  ReadOptions,
  RefundBudget,
  RefundLimits,
  RefundOutcome,
  RefundRequest,
} from './backend.js';
import type {
  Customer,
  Invoice,
  InvoiceLine,
  InvoiceStatus,
  Order,
  Refund,
  RefundReason,
  RefundStatus,
} from './domain.js';
import { formatMoney, orderStatus, utcDay } from './domain.js';
import { RefundJournal } from './refund-journal.js';
import { SEED_VERSION, billingSeed } from './seed.js';

export interface EmbeddedOptions {
  store: Store;
  /** The kit's cursor codec (openCursorCodec). */
  cursors: CursorCodec;
  limits: RefundLimits;
  /** The server name approval plans are recorded under (open plans count against an order's total). */
  planServer?: string;
  /** Seeds the demo tenants on first start (default true). */
  seed?: boolean;
  now?: () => number;
}

type Ts = Date | string;
const iso = (v: Ts): string => (v instanceof Date ? v : new Date(v)).toISOString();
const isoOrNull = (v: Ts | null): string | null => (v === null ? null : iso(v));

interface CustomerRow {
  id: string;
  tenant: string;
  name: string;
  email: string | null;
  currency: string;
  created_at: Ts;
  crm_contact_id: string | null;
}

interface OrderRow {
  id: string;
  tenant: string;
  customer_id: string;
  description: string;
  currency: string;
  amount_minor: string;
  paid_minor: string;
  refunded_minor: string;
  payment_id: string | null;
  version: number;
  created_at: Ts;
}

interface InvoiceRow {
  id: string;
  tenant: string;
  number: string;
  customer_id: string;
  order_id: string | null;
  status: InvoiceStatus;
  currency: string;
  total_minor: string;
  amount_paid_minor: string;
  amount_due_minor: string;
  lines: unknown;
  created_at: Ts;
  due_at: Ts | null;
}

interface RefundRow {
  id: string;
  tenant: string;
  order_id: string;
  payment_id: string;
  amount_minor: string;
  currency: string;
  reason: string;
  note: string | null;
  status: string;
  requested_by: string | null;
  created_at: Ts;
}

function toCustomer(r: CustomerRow): Customer {
  return {
    id: r.id,
    tenant: r.tenant,
    name: r.name,
    email: r.email,
    currency: r.currency,
    created_at: iso(r.created_at),
    crm_contact_id: r.crm_contact_id,
  };
}

function toOrder(r: OrderRow): Order {
  const paid = Number(r.paid_minor);
  const refunded = Number(r.refunded_minor);
  return {
    id: r.id,
    tenant: r.tenant,
    customer_id: r.customer_id,
    description: r.description,
    status: orderStatus(paid, refunded),
    currency: r.currency,
    amount_minor: Number(r.amount_minor),
    paid_minor: paid,
    refunded_minor: refunded,
    refundable_minor: paid - refunded,
    payment_id: r.payment_id,
    version: String(r.version),
    created_at: iso(r.created_at),
  };
}

function toInvoice(r: InvoiceRow): Invoice {
  const lines = (typeof r.lines === 'string' ? JSON.parse(r.lines) : r.lines) as InvoiceLine[];
  return {
    id: r.id,
    tenant: r.tenant,
    number: r.number,
    customer_id: r.customer_id,
    order_id: r.order_id,
    status: r.status,
    currency: r.currency,
    total_minor: Number(r.total_minor),
    amount_paid_minor: Number(r.amount_paid_minor),
    amount_due_minor: Number(r.amount_due_minor),
    lines,
    created_at: iso(r.created_at),
    due_at: isoOrNull(r.due_at),
  };
}

function toRefund(r: RefundRow): Refund {
  return {
    id: r.id,
    tenant: r.tenant,
    order_id: r.order_id,
    payment_id: r.payment_id,
    amount_minor: Number(r.amount_minor),
    currency: r.currency,
    reason: r.reason as RefundReason,
    note: r.note,
    status: r.status as RefundStatus,
    requested_by: r.requested_by,
    created_at: iso(r.created_at),
  };
}

const ORDER_COLUMNS =
  'id, tenant, customer_id, description, currency, amount_minor, paid_minor, refunded_minor, payment_id, version, created_at';
const INVOICE_COLUMNS =
  'id, tenant, number, customer_id, order_id, status, currency, total_minor, amount_paid_minor, amount_due_minor, lines, created_at, due_at';
const REFUND_COLUMNS =
  'id, tenant, order_id, payment_id, amount_minor, currency, reason, note, status, requested_by, created_at';

/** Keyset paging over (created_at DESC, id DESC): stable while rows are added. */
function keysetPage<T extends { id: string; created_at: string }>(
  rows: T[],
  limit: number,
  cursors: CursorCodec,
  scope: CursorScope,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    next_cursor: more && last ? cursors.encode(scope, { c: last.created_at, i: last.id }) : null,
  };
}

function afterCursor(
  cursors: CursorCodec,
  cursor: string | null,
  scope: CursorScope,
): { c: string; i: string } | null {
  if (cursor === null) return null;
  const pos = cursors.decode(cursor, scope);
  return { c: positionString(pos, 'c'), i: positionString(pos, 'i') };
}

export function refundExceedsPaid(order: Order, amountMinor: number): PortcullisError {
  return errors.conflict(
    'refund_exceeds_paid',
    `A refund of ${formatMoney(amountMinor, order.currency)} would exceed what is left to refund on order ${order.id} (${formatMoney(order.refundable_minor, order.currency)} of ${formatMoney(order.paid_minor, order.currency)} paid).`,
    'Refund at most refundable_minor; billing_get_order shows it.',
    {
      order_id: order.id,
      refundable_minor: order.refundable_minor,
      paid_minor: order.paid_minor,
      requested_minor: amountMinor,
    },
  );
}

export function orderNotPaid(order: Order): PortcullisError {
  return errors.conflict(
    'order_not_paid',
    `Order ${order.id} has not been paid, so there is nothing to refund.`,
    'Check the order status with billing_get_order.',
    {
      order_id: order.id,
    },
  );
}

export function newRefundId(): string {
  return `re_${randomBytes(12).toString('hex')}`;
}

/** The ledger in the kit's store (PGlite by default, PostgreSQL with DATABASE_URL). */
export class EmbeddedBillingBackend implements BillingBackend {
  readonly kind = 'embedded' as const;
  readonly limits: RefundLimits;
  readonly cursors: CursorCodec;
  private readonly store: Store;
  private readonly journal: RefundJournal;
  private readonly now: () => number;

  private constructor(opts: EmbeddedOptions, journal: RefundJournal) {
    this.store = opts.store;
    this.cursors = opts.cursors;
    this.limits = opts.limits;
    this.journal = journal;
    this.now = opts.now ?? (() => Date.now());
  }

  /** Expects billingMigrations applied (the kit runs them before createBackend). */
  static async create(opts: EmbeddedOptions): Promise<EmbeddedBillingBackend> {
    const journal = await RefundJournal.open(
      opts.store,
      opts.limits,
      opts.planServer ?? 'portcullis-billing',
    );
    const backend = new EmbeddedBillingBackend(opts, journal);
    if (opts.seed !== false) await backend.seed();
    return backend;
  }

  /** Inserts the demo data once; a marker row makes restarts (and racing replicas) skip it. */
  private async seed(): Promise<void> {
    await this.store.transaction(async (tx) => {
      const marker = await tx.query(
        `INSERT INTO billing_seed (version, seeded_at) VALUES ($1, now()) ON CONFLICT (version) DO NOTHING RETURNING version`,
        [SEED_VERSION],
      );
      const data = billingSeed();
      if (marker.rows.length === 0) {
        // Seeded before customers carried their CRM link: add it, once, without touching anything else.
        for (const c of data.customers) {
          await tx.query(
            'UPDATE billing_customers SET crm_contact_id = $1 WHERE id = $2 AND tenant = $3 AND crm_contact_id IS NULL',
            [c.crm_contact_id, c.id, c.tenant],
          );
        }
        return;
      }
      for (const c of data.customers) {
        await tx.query(
          `INSERT INTO billing_customers (id, tenant, name, email, currency, created_at, crm_contact_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
          [c.id, c.tenant, c.name, c.email, c.currency, c.created_at, c.crm_contact_id],
        );
      }
      for (const o of data.orders) {
        await tx.query(
          `INSERT INTO billing_orders (tenant, id, customer_id, description, currency, amount_minor, paid_minor, refunded_minor, payment_id, version, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) ON CONFLICT DO NOTHING`,
          [
            o.tenant,
            o.id,
            o.customer_id,
            o.description,
            o.currency,
            o.amount_minor,
            o.paid_minor,
            o.refunded_minor,
            o.payment_id,
            o.created_at,
          ],
        );
        if (o.payment_id !== null) {
          await tx.query(
            `INSERT INTO billing_payments (id, tenant, order_id, amount_minor, currency, status, created_at) VALUES ($1, $2, $3, $4, $5, 'succeeded', $6) ON CONFLICT DO NOTHING`,
            [o.payment_id, o.tenant, o.id, o.paid_minor, o.currency, o.created_at],
          );
        }
      }
      for (const i of data.invoices) {
        await tx.query(
          `INSERT INTO billing_invoices (id, tenant, number, customer_id, order_id, status, currency, total_minor, amount_paid_minor, amount_due_minor, lines, created_at, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13) ON CONFLICT DO NOTHING`,
          [
            i.id,
            i.tenant,
            i.number,
            i.customer_id,
            i.order_id,
            i.status,
            i.currency,
            i.total_minor,
            i.amount_paid_minor,
            i.amount_due_minor,
            JSON.stringify(i.lines),
            i.created_at,
            i.due_at,
          ],
        );
      }
      for (const r of data.refunds) {
        await tx.query(
          `INSERT INTO billing_refunds (id, tenant, order_id, payment_id, amount_minor, currency, reason, note, status, requested_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
          [
            r.id,
            r.tenant,
            r.order_id,
            r.payment_id,
            r.amount_minor,
            r.currency,
            r.reason,
            r.note,
            r.status,
            r.requested_by,
            r.created_at,
          ],
        );
      }
    });
  }

  async getCustomer(tenant: string, id: string): Promise<Customer | null> {
    const res = await this.store.query<CustomerRow>(
      'SELECT id, tenant, name, email, currency, created_at, crm_contact_id FROM billing_customers WHERE tenant = $1 AND id = $2',
      [tenant, id],
    );
    const row = res.rows[0];
    return row ? toCustomer(row) : null;
  }

  async getOrder(tenant: string, id: string): Promise<Order | null> {
    return this.loadOrder(this.store, tenant, id, false);
  }

  private async loadOrder(q: Queryable, tenant: string, id: string, lock: boolean): Promise<Order | null> {
    const res = await q.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM billing_orders WHERE tenant = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [tenant, id],
    );
    const row = res.rows[0];
    return row ? toOrder(row) : null;
  }

  async listInvoices(tenant: string, query: InvoiceQuery, page: PageRequest): Promise<Page<Invoice>> {
    const scope: CursorScope = {
      tenant,
      principal: page.principal,
      kind: 'invoices',
      query: { customer_id: query.customer_id ?? null, status: query.status ?? null },
    };
    const after = afterCursor(this.cursors, page.cursor, scope);
    const res = await this.store.query<InvoiceRow>(
      `SELECT ${INVOICE_COLUMNS} FROM billing_invoices
        WHERE tenant = $1
          AND ($2::text IS NULL OR customer_id = $2)
          AND ($3::text IS NULL OR status = $3)
          AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
        ORDER BY created_at DESC, id DESC
        LIMIT $6`,
      [
        tenant,
        query.customer_id ?? null,
        query.status ?? null,
        after?.c ?? null,
        after?.i ?? null,
        page.limit + 1,
      ],
    );
    return keysetPage(res.rows.map(toInvoice), page.limit, this.cursors, scope);
  }

  async getInvoice(tenant: string, id: string): Promise<Invoice | null> {
    const res = await this.store.query<InvoiceRow>(
      `SELECT ${INVOICE_COLUMNS} FROM billing_invoices WHERE tenant = $1 AND id = $2`,
      [tenant, id],
    );
    const row = res.rows[0];
    return row ? toInvoice(row) : null;
  }

  async listRefunds(tenant: string, orderId: string, page: PageRequest): Promise<Page<Refund> | null> {
    if ((await this.getOrder(tenant, orderId)) === null) return null;
    const scope: CursorScope = {
      tenant,
      principal: page.principal,
      kind: 'refunds',
      query: { order_id: orderId },
    };
    const after = afterCursor(this.cursors, page.cursor, scope);
    const res = await this.store.query<RefundRow>(
      `SELECT ${REFUND_COLUMNS} FROM billing_refunds
        WHERE tenant = $1 AND order_id = $2
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::text))
        ORDER BY created_at DESC, id DESC
        LIMIT $5`,
      [tenant, orderId, after?.c ?? null, after?.i ?? null, page.limit + 1],
    );
    return keysetPage(res.rows.map(toRefund), page.limit, this.cursors, scope);
  }

  async refundBudget(tenant: string, principalId: string, currency: string): Promise<RefundBudget> {
    return this.journal.budget(this.store, tenant, principalId, currency, utcDay(this.now()));
  }

  async plannedRefunds(tenant: string, orderId: string): Promise<number> {
    return this.journal.planned(this.store, tenant, orderId, this.now());
  }

  /**
   * One transaction: lock the order, claim the key, check what is left and the order's cumulative
   * refunds, raise the budgets, write. The order row lock serialises every refund of one order, so
   * two calls that both passed policy cannot both take it past a threshold.
   */
  async issueRefund(req: RefundRequest, _opts?: ReadOptions): Promise<RefundOutcome> {
    const now = this.now();
    const nowIso = new Date(now).toISOString();
    const day = utcDay(now);
    return this.store.transaction(async (tx) => {
      const order = await this.loadOrder(tx, req.tenant, req.order_id, true);
      if (order === null)
        throw errors.notFound(`Order ${req.order_id}`, 'Check the order id with billing_get_order.');
      const claim = await this.journal.claim(tx, req, day, order.currency);
      if (claim.kind === 'replay') return claim.outcome;
      if (claim.kind !== 'new') {
        // Only the Stripe backend leaves pending or failed rows (a store switched between backends).
        throw errors.conflict(
          'idempotency_key_in_use',
          'This idempotency key belongs to a refund attempt made through another backend.',
          'Use a new idempotency key.',
        );
      }
      if (order.paid_minor <= 0 || order.payment_id === null) throw orderNotPaid(order);
      if (req.amount_minor > order.refundable_minor) throw refundExceedsPaid(order, req.amount_minor);
      await this.journal.checkOrderTotal(tx, req, order, now);
      const budget = await this.journal.reserve(
        tx,
        req.tenant,
        req.principal_id,
        order.currency,
        day,
        req.amount_minor,
      );
      const refundRes = await tx.query<RefundRow>(
        `INSERT INTO billing_refunds (id, tenant, order_id, payment_id, amount_minor, currency, reason, note, status, requested_by, plan_id, idempotency_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'succeeded', $9, $10, $11, $12)
         RETURNING ${REFUND_COLUMNS}`,
        [
          newRefundId(),
          req.tenant,
          order.id,
          order.payment_id,
          req.amount_minor,
          order.currency,
          req.reason,
          req.note,
          req.principal_id,
          req.plan_id,
          req.idempotency_key,
          nowIso,
        ],
      );
      const orderRes = await tx.query<OrderRow>(
        `UPDATE billing_orders SET refunded_minor = refunded_minor + $3, version = version + 1 WHERE tenant = $1 AND id = $2 RETURNING ${ORDER_COLUMNS}`,
        [req.tenant, order.id, req.amount_minor],
      );
      const refundRow = refundRes.rows[0];
      const orderRow = orderRes.rows[0];
      if (refundRow === undefined || orderRow === undefined) throw new Error('refund write returned no row');
      const outcome: RefundOutcome = {
        refund: toRefund(refundRow),
        order: toOrder(orderRow),
        budget,
        replayed: false,
      };
      await this.journal.complete(tx, req, outcome);
      return outcome;
    });
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }

  // The store belongs to the kit, which closes it.
  async close(): Promise<void> {}
}

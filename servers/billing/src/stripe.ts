// Type-only: the SDK is loaded when the Stripe backend opens, never by a server on the embedded store.
import type Stripe from 'stripe';
import { PortcullisError, errors } from '@portcullis/core';
import { invalidCursor, positionString, type CursorCodec, type CursorScope } from '@portcullis/core/cursor';
import type { UpstreamCache } from '@portcullis/core/cache';
import { keepAliveAgent } from '@portcullis/core/http-agent';
import { canonicalHash } from '@portcullis/core/canonical';
import { idempotencyKeyReused } from '@portcullis/core/idempotency';
import type { Store } from '@portcullis/core/store';
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
  InvoiceStatus,
  Order,
  Refund,
  RefundReason,
  RefundStatus,
} from './domain.js';
import { INVOICE_STATUSES, REFUND_REASONS, orderStatus, utcDay } from './domain.js';
import { orderNotPaid, refundExceedsPaid } from './embedded.js';
import { RefundJournal, fromStoredError, toStoredError } from './refund-journal.js';

/**
 * Billing on Stripe through the official SDK. How the domain maps:
 * - customer = Customer with `metadata.tenant`;
 * - order = PaymentIntent with `metadata.tenant` and `metadata.order_id` (found once through the
 *   Search API, then always re-read by id, because search is only eventually consistent);
 *   refunded amounts come from its latest Charge;
 * - invoice = Invoice with `metadata.tenant` (and `metadata.order_id` when it bills an order);
 * - refund = Refund on the order's PaymentIntent, carrying who issued it and the Idempotency-Key
 *   it was sent with in its metadata (`portcullis_idempotency_key`).
 * Money moves only in Stripe; the kit's store keeps the refund journal (idempotency keys and the
 * per-principal and per-tenant daily budgets), so both hold here exactly as in the embedded ledger.
 * The order's cumulative total is checked against Stripe's refunded amount as read at the start of
 * the call (plus open plans): Stripe's own row cannot be locked from here, so two refunds of one
 * order racing through the Stripe backend are bounded by the budgets and Stripe's over-refund
 * check, not by the approval threshold (the embedded ledger serialises them on the order row).
 */

export const STRIPE_SYSTEM = 'stripe';

export interface StripeBackendOptions {
  store: Store;
  /** The kit's cursor codec (openCursorCodec): Stripe's paging tokens travel inside signed cursors. */
  cursors: CursorCodec;
  limits: RefundLimits;
  /** The server name approval plans are recorded under (open plans count against an order's total). */
  planServer?: string;
  /** Runs fn with the secret key, re-resolving it once after a 401 (CredentialResolver.withSecret). */
  withKey: <T>(fn: (key: string) => Promise<T>) => Promise<T>;
  /** The kit's upstream path: rate limiter plus the retry policy (KitServices.callUpstream, bound to 'stripe'). */
  callUpstream: <T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => Promise<T>;
  /** Default https://api.stripe.com; tests point it at the fake. */
  apiBase?: string;
  /** Per-request timeout of the SDK (default 10 s); the kit's retry budget bounds the whole call. */
  timeoutMs?: number;
  now?: () => number;
  /** Customer metadata key holding the linked CRM contact id (BILLING_STRIPE_CRM_CONTACT_FIELD). */
  crmContactField?: string;
  /**
   * Read-through cache of customers, orders and invoices by id (types `customer`, `order`,
   * `invoice`). A refund invalidates its order; the kit makes every write read fresh.
   */
  cache?: UpstreamCache;
}

/** A refusal Stripe answered definitively: the request was not executed, and retrying it would not help. */
class StripeRefusal extends PortcullisError {}

type StripeErrorLike = Error & {
  type?: string;
  rawType?: string;
  statusCode?: number;
  code?: string;
  detail?: unknown;
  param?: string;
};

function isStripeError(err: unknown): err is StripeErrorLike {
  return (
    err instanceof Error &&
    typeof (err as StripeErrorLike).type === 'string' &&
    (err as StripeErrorLike).type!.startsWith('Stripe')
  );
}

/**
 * Turns an SDK error into what the kit's retry policy understands: definitive 4xx answers become
 * PortcullisErrors (final, unretried); 429, 5xx and network failures stay raw errors the
 * classifier sees as transient; a 401 stays raw so the credential can be refreshed once.
 */
function translate(err: unknown): unknown {
  if (!isStripeError(err)) return err;
  const status = err.statusCode;
  if (err.type === 'StripeConnectionError' || status === undefined) {
    const detailCode = (err.detail as { code?: unknown } | undefined)?.code;
    const net = new Error(`Stripe connection failed: ${err.message}`, { cause: err }) as Error & {
      code: string;
    };
    net.code = typeof detailCode === 'string' && /^E[A-Z]+$/.test(detailCode) ? detailCode : 'ECONNRESET';
    return net;
  }
  if (status === 401 || status === 429 || status >= 500) return err;
  if (status === 409) {
    return new PortcullisError({
      code: 'refund_in_progress',
      category: 'conflict',
      message: 'An identical refund request is still being processed upstream.',
      remediation: 'Retry shortly with the same idempotency key; it will not refund twice.',
      retryable: true,
      internal: err,
    });
  }
  if (status === 404)
    return new StripeRefusal({
      code: 'not_found',
      category: 'not_found',
      message: 'The record was not found in Stripe.',
      internal: err,
    });
  if (err.rawType === 'idempotency_error') {
    // Stripe saw our derived key with other parameters: the kit's own answer for a reused key.
    const reused = idempotencyKeyReused();
    return new StripeRefusal({
      code: reused.code,
      category: reused.category,
      message: reused.message,
      remediation: reused.remediation,
      internal: err,
    });
  }
  if (err.code === 'amount_too_large' || err.code === 'charge_already_refunded') {
    return new StripeRefusal({
      code: 'refund_exceeds_paid',
      category: 'conflict',
      message: 'The refund would exceed what is left to refund on this order.',
      remediation: 'Check refundable_minor with billing_get_order and refund at most that.',
      internal: err,
    });
  }
  return new StripeRefusal({
    code: 'upstream_rejected',
    category: 'upstream',
    message: 'Stripe rejected the request.',
    remediation: 'Ask an operator to check the request against the Stripe account.',
    retryable: false,
    internal: err,
  });
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function meta(obj: { metadata?: Stripe.Metadata | null }, key: string): string | undefined {
  const v = obj.metadata?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Search query values are single-quoted; the tools' id patterns already exclude quotes. */
function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : v.id;
}

function asRefundReason(v: string | null | undefined): RefundReason {
  return (REFUND_REASONS as readonly string[]).includes(v ?? '') ? (v as RefundReason) : 'other';
}

/** The upstream may or may not have refunded: say so, and how to find out safely. */
function outcomeUnknown(err: unknown): PortcullisError {
  const pe = err instanceof PortcullisError ? err : errors.upstream(STRIPE_SYSTEM, err);
  return new PortcullisError({
    code: pe.code === 'refund_in_progress' ? pe.code : 'refund_outcome_unknown',
    category: pe.category === 'conflict' ? 'conflict' : 'upstream',
    message: 'Stripe did not confirm the refund, so it may or may not have happened.',
    remediation:
      'Retry with the same idempotency_key: it returns the refund if it happened and never refunds twice.',
    retryable: true,
    retryAfterMs: pe.retryAfterMs,
    internal: pe.internal ?? err,
  });
}

/**
 * The Idempotency-Key sent to Stripe: ours, namespaced by tenant and caller as our ledger keys are.
 * In the tenant and principal `%` and `:` are percent-encoded, so the first two colons part them
 * from the caller's key (which may hold colons): principal `a:b` with key `c` is not principal `a`
 * with key `b:c`. Every other name (`auth0|123`, an e-mail) reads as before, so a refund pending
 * across an upgrade is retried under the key it was first sent with. Stripe takes at most 255
 * characters; a longer one is replaced by its hash (still deterministic).
 */
const escapeColon = (s: string): string => s.replace(/%/g, '%25').replace(/:/g, '%3A');

export function stripeIdempotencyKey(
  req: Pick<RefundRequest, 'tenant' | 'principal_id' | 'idempotency_key'>,
): string {
  const key = `portcullis-refund:${escapeColon(req.tenant)}:${escapeColon(req.principal_id)}:${req.idempotency_key}`;
  return key.length <= 255
    ? key
    : `portcullis-refund:${canonicalHash([req.tenant, req.principal_id, req.idempotency_key])}`;
}

/**
 * The refund metadata key holding the Idempotency-Key the refund was created with. Stripe forgets
 * idempotency keys after 24 hours; the refund keeps this for ever, so a retry of an attempt whose
 * outcome is unknown finds the refund it made, however late the retry.
 */
export const REFUND_KEY_METADATA = 'portcullis_idempotency_key';

export class StripeBillingBackend implements BillingBackend {
  readonly kind = 'stripe' as const;
  readonly limits: RefundLimits;
  readonly cursors: CursorCodec;
  private readonly store: Store;
  private readonly journal: RefundJournal;
  private readonly now: () => number;
  private readonly withKey: StripeBackendOptions['withKey'];
  private readonly upstream: StripeBackendOptions['callUpstream'];
  private readonly config: { host: string; port: number; protocol: 'http' | 'https'; timeout: number };
  private client: { key: string; stripe: Stripe } | null = null;
  /** order (tenant/id) → PaymentIntent id: immutable, so safe to keep. Bounded. */
  private readonly orderIndex = new Map<string, string>();
  private readonly crmContactField: string;
  private readonly cache: UpstreamCache | undefined;
  /** The connector's own keep-alive agent (the SDK's default is a process-wide one), destroyed on close. */
  private readonly agent: ReturnType<typeof keepAliveAgent>;

  /** Opens the refund journal (the kit's idempotency ledger) in the store. */
  static async open(opts: StripeBackendOptions): Promise<StripeBillingBackend> {
    const { default: StripeSdk } = await import('stripe');
    return new StripeBillingBackend(
      opts,
      await RefundJournal.open(opts.store, opts.limits, opts.planServer ?? 'portcullis-billing'),
      StripeSdk,
    );
  }

  private constructor(
    opts: StripeBackendOptions,
    journal: RefundJournal,
    private readonly StripeSdk: typeof Stripe,
  ) {
    this.store = opts.store;
    this.cursors = opts.cursors;
    this.crmContactField = opts.crmContactField ?? 'crm_contact_id';
    this.cache = opts.cache;
    this.agent = keepAliveAgent(opts.apiBase ?? 'https://api.stripe.com');
    this.limits = opts.limits;
    this.journal = journal;
    this.now = opts.now ?? (() => Date.now());
    this.withKey = opts.withKey;
    this.upstream = opts.callUpstream;
    const base = new URL(opts.apiBase ?? 'https://api.stripe.com');
    const protocol = base.protocol === 'http:' ? 'http' : 'https';
    this.config = {
      host: base.hostname,
      port: base.port === '' ? (protocol === 'http' ? 80 : 443) : Number(base.port),
      protocol,
      timeout: opts.timeoutMs ?? 10_000,
    };
  }

  private stripeFor(key: string): Stripe {
    if (this.client?.key !== key) {
      this.client = {
        key,
        stripe: new this.StripeSdk(key, {
          host: this.config.host,
          port: this.config.port,
          protocol: this.config.protocol,
          timeout: this.config.timeout,
          // The kit's retry policy is the only one: two layers of retries would multiply attempts.
          maxNetworkRetries: 0,
          telemetry: false,
          appInfo: { name: 'portcullis-billing' },
          httpClient: this.StripeSdk.createNodeHttpClient(this.agent),
        }),
      };
    }
    return this.client.stripe;
  }

  /** One SDK call through the limiter, retries and credential refresh. */
  private call<T>(op: (stripe: Stripe) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.upstream(async () => {
      try {
        return await this.withKey((key) => op(this.stripeFor(key)));
      } catch (err) {
        throw translate(err);
      }
    }, signal);
  }

  /** Like call, but a 404 is null. */
  private async find<T>(op: (stripe: Stripe) => Promise<T>, signal?: AbortSignal): Promise<T | null> {
    try {
      return await this.call(op, signal);
    } catch (err) {
      if (err instanceof StripeRefusal && err.category === 'not_found') return null;
      throw err;
    }
  }

  /** Through the read cache when there is one; the tenant check is inside `load`, so only a tenant's own record is kept under its key. */
  private cached<T>(
    tenant: string,
    type: 'customer' | 'order' | 'invoice',
    id: string,
    load: () => Promise<T | null>,
  ) {
    return this.cache === undefined ? load() : this.cache.read(tenant, type, id, load);
  }

  getCustomer(tenant: string, id: string, opts?: ReadOptions): Promise<Customer | null> {
    return this.cached(tenant, 'customer', id, async () => {
      const c = await this.find((s) => s.customers.retrieve(id), opts?.signal);
      if (c === null || 'deleted' in c || meta(c, 'tenant') !== tenant) return null;
      return {
        id: c.id,
        tenant,
        name: c.name ?? '',
        email: c.email ?? null,
        currency: c.currency ?? 'usd',
        created_at: iso(c.created),
        crm_contact_id: meta(c, this.crmContactField) ?? null,
      };
    });
  }

  private async paymentIntentIdOf(
    tenant: string,
    orderId: string,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const key = `${tenant}/${orderId}`;
    const cached = this.orderIndex.get(key);
    if (cached !== undefined) return cached;
    const res = await this.call(
      (s) =>
        s.paymentIntents.search({
          query: `metadata['tenant']:${quote(tenant)} AND metadata['order_id']:${quote(orderId)}`,
          limit: 1,
        }),
      signal,
    );
    const pi = res.data[0];
    if (pi === undefined) return null;
    if (this.orderIndex.size >= 10_000) this.orderIndex.clear();
    this.orderIndex.set(key, pi.id);
    return pi.id;
  }

  getOrder(tenant: string, id: string, opts?: ReadOptions): Promise<Order | null> {
    return this.cached(tenant, 'order', id, async () => {
      const piId = await this.paymentIntentIdOf(tenant, id, opts?.signal);
      if (piId === null) return null;
      const pi = await this.find(
        (s) => s.paymentIntents.retrieve(piId, { expand: ['latest_charge'] }),
        opts?.signal,
      );
      if (pi === null || meta(pi, 'tenant') !== tenant || meta(pi, 'order_id') !== id) return null;
      return this.toOrder(tenant, id, pi);
    });
  }

  private toOrder(tenant: string, id: string, pi: Stripe.PaymentIntent): Order {
    const charge =
      pi.latest_charge !== null && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    const paid = pi.status === 'succeeded' ? pi.amount_received : 0;
    const refunded = charge?.amount_refunded ?? 0;
    return {
      id,
      tenant,
      customer_id: idOf(pi.customer) ?? '',
      description: pi.description ?? '',
      status: orderStatus(paid, refunded),
      currency: pi.currency,
      amount_minor: pi.amount,
      paid_minor: paid,
      refunded_minor: refunded,
      refundable_minor: paid - refunded,
      payment_id: paid > 0 ? pi.id : null,
      // The refunded total only grows (every refund is > 0), so it versions the order.
      version: `r${refunded}`,
      created_at: iso(pi.created),
    };
  }

  async listInvoices(
    tenant: string,
    query: InvoiceQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Invoice>> {
    const scope: CursorScope = {
      tenant,
      principal: page.principal,
      kind: 'invoices',
      query: { customer_id: query.customer_id ?? null, status: query.status ?? null },
    };
    const state = page.cursor === null ? null : this.cursors.decode(page.cursor, scope);
    if (query.customer_id !== undefined) {
      // List by customer (strongly consistent), after checking the customer is this tenant's.
      if ((await this.getCustomer(tenant, query.customer_id, opts)) === null)
        return { items: [], next_cursor: null };
      const customer = query.customer_id;
      const after = state === null ? undefined : positionString(state, 'a');
      const res = await this.call(
        (s) =>
          s.invoices.list({
            customer,
            limit: page.limit,
            ...(query.status ? { status: query.status } : {}),
            ...(after ? { starting_after: after } : {}),
          }),
        opts?.signal,
      );
      const items = res.data
        .filter((i) => meta(i, 'tenant') === tenant)
        .map((i) => this.toInvoice(tenant, i));
      const last = res.data[res.data.length - 1];
      return {
        items,
        next_cursor: res.has_more && last?.id ? this.cursors.encode(scope, { a: last.id }) : null,
      };
    }
    const clauses = [`metadata['tenant']:${quote(tenant)}`];
    if (query.status) clauses.push(`status:${quote(query.status)}`);
    const next = state === null ? undefined : positionString(state, 'p');
    const res = await this.call(
      (s) =>
        s.invoices.search({
          query: clauses.join(' AND '),
          limit: page.limit,
          ...(next ? { page: next } : {}),
        }),
      opts?.signal,
    );
    const items = res.data.filter((i) => meta(i, 'tenant') === tenant).map((i) => this.toInvoice(tenant, i));
    return {
      items,
      next_cursor: res.has_more && res.next_page ? this.cursors.encode(scope, { p: res.next_page }) : null,
    };
  }

  async getInvoice(tenant: string, id: string, opts?: ReadOptions): Promise<Invoice | null> {
    if (!id.startsWith('in_')) return null;
    return this.cached(tenant, 'invoice', id, async () => {
      const inv = await this.find((s) => s.invoices.retrieve(id), opts?.signal);
      if (inv === null || meta(inv, 'tenant') !== tenant) return null;
      return this.toInvoice(tenant, inv);
    });
  }

  private toInvoice(tenant: string, i: Stripe.Invoice): Invoice {
    const status = (INVOICE_STATUSES as readonly string[]).includes(i.status ?? '')
      ? (i.status as InvoiceStatus)
      : 'draft';
    return {
      id: i.id ?? '',
      tenant,
      number: i.number ?? '',
      customer_id: idOf(i.customer) ?? '',
      order_id: meta(i, 'order_id') ?? null,
      status,
      currency: i.currency,
      total_minor: i.total,
      amount_paid_minor: i.amount_paid,
      amount_due_minor: i.amount_due,
      lines: i.lines.data.map((l) => ({
        description: l.description ?? '',
        quantity: l.quantity ?? 1,
        amount_minor: l.amount,
      })),
      created_at: iso(i.created),
      due_at: i.due_date === null ? null : iso(i.due_date),
    };
  }

  async listRefunds(
    tenant: string,
    orderId: string,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Refund> | null> {
    const order = await this.getOrder(tenant, orderId, opts);
    if (order === null) return null;
    const scope: CursorScope = {
      tenant,
      principal: page.principal,
      kind: 'refunds',
      query: { order_id: orderId },
    };
    const state = page.cursor === null ? null : this.cursors.decode(page.cursor, scope);
    if (order.payment_id === null) {
      if (state !== null) throw invalidCursor();
      return { items: [], next_cursor: null };
    }
    const paymentIntent = order.payment_id;
    const after = state === null ? undefined : positionString(state, 'a');
    const res = await this.call(
      (s) =>
        s.refunds.list({
          payment_intent: paymentIntent,
          limit: page.limit,
          ...(after ? { starting_after: after } : {}),
        }),
      opts?.signal,
    );
    const items = res.data.map((r) => this.toRefund(tenant, orderId, r));
    const last = res.data[res.data.length - 1];
    return { items, next_cursor: res.has_more && last ? this.cursors.encode(scope, { a: last.id }) : null };
  }

  private toRefund(tenant: string, orderId: string, r: Stripe.Refund): Refund {
    const status: RefundStatus =
      r.status === 'succeeded' || r.status === 'pending' || r.status === 'failed' || r.status === 'canceled'
        ? r.status
        : 'pending';
    return {
      id: r.id,
      tenant,
      order_id: orderId,
      payment_id: idOf(r.payment_intent) ?? '',
      amount_minor: r.amount,
      currency: r.currency,
      reason: asRefundReason(r.reason ?? meta(r, 'reason')),
      note: meta(r, 'note') ?? null,
      status,
      requested_by: meta(r, 'requested_by') ?? null,
      created_at: iso(r.created),
    };
  }

  async refundBudget(tenant: string, principalId: string, currency: string): Promise<RefundBudget> {
    return this.journal.budget(this.store, tenant, principalId, currency, utcDay(this.now()));
  }

  async plannedRefunds(tenant: string, orderId: string): Promise<number> {
    return this.journal.planned(this.store, tenant, orderId, this.now());
  }

  /**
   * Claim the key and reserve budget (one store transaction), send the refund with a
   * Stripe Idempotency-Key derived from ours (and that key in its metadata), then record the
   * outcome. When the upstream answer is lost (timeout, 5xx, cancellation, a process that died)
   * the claim stays pending with its budget reserved. A retry with the same key first looks for a
   * refund carrying the key on the order's PaymentIntent and adopts it; only when there is none
   * does it send the same Stripe request again. Stripe's own key covers a retry racing the first
   * attempt; the lookup covers a retry after Stripe forgot the key (24 hours), when re-sending
   * alone would refund twice.
   */
  async issueRefund(req: RefundRequest, opts?: ReadOptions): Promise<RefundOutcome> {
    const order = await this.getOrder(req.tenant, req.order_id, opts);
    if (order === null)
      throw errors.notFound(`Order ${req.order_id}`, 'Check the order id with billing_get_order.');
    const started = this.now();
    type Claimed =
      { done: RefundOutcome } | { day: string; currency: string; retry: boolean; tagged: boolean };
    const claimed = await this.store.transaction(async (tx): Promise<Claimed> => {
      const claim = await this.journal.claim(tx, req, utcDay(started), order.currency);
      if (claim.kind === 'replay') return { done: claim.outcome };
      if (claim.kind === 'failed') throw fromStoredError(claim.error);
      if (claim.kind === 'pending')
        return { day: claim.day, currency: claim.currency, retry: true, tagged: claim.tagged };
      // A fresh request: check what is left (Stripe checks again, atomically) and reserve budget.
      if (order.payment_id === null) throw orderNotPaid(order);
      if (req.amount_minor > order.refundable_minor) throw refundExceedsPaid(order, req.amount_minor);
      await this.journal.checkOrderTotal(tx, req, order, started);
      await this.journal.reserve(
        tx,
        req.tenant,
        req.principal_id,
        order.currency,
        utcDay(started),
        req.amount_minor,
      );
      return { day: utcDay(started), currency: order.currency, retry: false, tagged: true };
    });
    if ('done' in claimed) return claimed.done;
    const { day, currency } = claimed;
    const paymentIntent = order.payment_id;
    if (paymentIntent === null) throw orderNotPaid(order);
    // Stripe scopes keys per account, ours per tenant and caller: namespace them the same.
    const stripeKey = stripeIdempotencyKey(req);

    // An earlier attempt may have landed: its refund, found by the key, is this call's answer.
    let created: Stripe.Refund | null = null;
    if (claimed.retry && claimed.tagged) {
      try {
        created = await this.landedRefund(paymentIntent, stripeKey, opts?.signal);
      } catch (err) {
        // Not knowing whether it landed, sending it again could refund twice: stay pending.
        throw outcomeUnknown(err);
      }
      // The key names one request: a refund carrying it for another amount is not this one's,
      // and is never adopted (nor is another sent beside it).
      if (created !== null && created.amount !== req.amount_minor)
        throw await this.needsReconciliation(req, paymentIntent);
    }
    if (created === null) {
      try {
        created = await this.call(
          (s) =>
            s.refunds.create(
              {
                payment_intent: paymentIntent,
                amount: req.amount_minor,
                ...(req.reason === 'other' ? {} : { reason: req.reason }),
                metadata: {
                  tenant: req.tenant,
                  order_id: req.order_id,
                  requested_by: req.principal_id,
                  reason: req.reason,
                  ...(req.note ? { note: req.note } : {}),
                  ...(req.plan_id ? { plan_id: req.plan_id } : {}),
                  // An attempt pending from before the key was tagged is re-sent exactly as it
                  // was first sent: Stripe refuses a known key with other parameters.
                  ...(claimed.tagged ? { [REFUND_KEY_METADATA]: stripeKey } : {}),
                },
              },
              { idempotencyKey: stripeKey },
            ),
          opts?.signal,
        );
      } catch (err) {
        // Whatever Stripe did, the order's refunded total may have moved.
        await this.cache?.invalidate(req.tenant, 'order', req.order_id);
        // On a retry, Stripe knowing the key with other parameters means an earlier attempt (one
        // sent untagged, by another version) reached it, and may have landed. Neither freed nor
        // left pending (a retry after Stripe forgets the key would send it again): a person
        // reconciles it, and the budget stays spent.
        if (claimed.retry && err instanceof StripeRefusal && err.code === 'idempotency_key_reused')
          throw await this.needsReconciliation(req, paymentIntent);
        if (await this.settleFailure(req, day, currency, err)) throw err;
        throw outcomeUnknown(err);
      }
    }
    const refund = created;
    await this.cache?.invalidate(req.tenant, 'order', req.order_id);

    const after = await this.getOrder(req.tenant, req.order_id, opts);
    return this.store.transaction(async (tx) => {
      const budget = await this.journal.budget(tx, req.tenant, req.principal_id, currency, day);
      const outcome: RefundOutcome = {
        refund: this.toRefund(req.tenant, req.order_id, refund),
        order: after ?? order,
        budget,
        replayed: false,
      };
      await this.journal.complete(tx, req, outcome);
      return outcome;
    });
  }

  /**
   * An attempt whose outcome only a person can tell (Stripe holds the key for another request):
   * remembered for the key as a failure that is not retried, with its budget kept spent, so no
   * later retry can send it again.
   */
  private async needsReconciliation(req: RefundRequest, paymentIntent: string): Promise<PortcullisError> {
    const err = new PortcullisError({
      code: 'refund_needs_reconciliation',
      category: 'conflict',
      message: `Stripe holds this refund's key for another request on ${paymentIntent}, so whether this refund happened cannot be told here.`,
      remediation:
        "Do not retry with this key; ask an operator to check the order's refunds in Stripe (its budget stays counted).",
      retryable: false,
      details: { order_id: req.order_id },
    });
    await this.store.transaction((tx) => this.journal.fail(tx, req, toStoredError(err)));
    return err;
  }

  /**
   * The refund on the PaymentIntent whose metadata carries this Idempotency-Key, or null. Reads the
   * refund list (strongly consistent, unlike search) page by page, each page through the kit's
   * upstream path; Stripe lists every refund of the PaymentIntent, whichever charge it is on.
   */
  private async landedRefund(
    paymentIntent: string,
    stripeKey: string,
    signal?: AbortSignal,
  ): Promise<Stripe.Refund | null> {
    let after: string | undefined;
    for (;;) {
      const start = after;
      const page = await this.call(
        (s) =>
          s.refunds.list({
            payment_intent: paymentIntent,
            limit: 100,
            ...(start ? { starting_after: start } : {}),
          }),
        signal,
      );
      const hit = page.data.find((r) => meta(r, REFUND_KEY_METADATA) === stripeKey);
      if (hit !== undefined) return hit;
      const last = page.data[page.data.length - 1];
      if (!page.has_more || last === undefined) return null;
      after = last.id;
    }
  }

  /**
   * A definitive refusal frees the reservation and is remembered for the key; anything else stays
   * pending. True when the failure was definitive (the refund did not and will not happen).
   */
  private async settleFailure(
    req: RefundRequest,
    day: string,
    currency: string,
    err: unknown,
  ): Promise<boolean> {
    const unauthorized = !(err instanceof PortcullisError) && isStripeError(err) && err.statusCode === 401;
    const upstreamUnauthorized =
      err instanceof PortcullisError &&
      err.category === 'upstream' &&
      (err.internal as StripeErrorLike | undefined)?.statusCode === 401;
    if (err instanceof StripeRefusal) {
      await this.store.transaction(async (tx) => {
        await this.journal.release(tx, req.tenant, req.principal_id, currency, day, req.amount_minor);
        await this.journal.fail(tx, req, toStoredError(err));
      });
    } else if (unauthorized || upstreamUnauthorized) {
      // Stripe authenticates before its idempotency layer: nothing happened, so nothing is remembered.
      await this.store.transaction(async (tx) => {
        await this.journal.release(tx, req.tenant, req.principal_id, currency, day, req.amount_minor);
        await this.journal.forget(tx, req);
      });
    } else {
      return false;
    }
    return true;
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }

  async close(): Promise<void> {
    this.client = null;
    this.agent.destroy();
  }
}

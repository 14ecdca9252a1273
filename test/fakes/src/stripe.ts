/**
 * A fake Stripe API on 127.0.0.1, following Stripe's documented shapes for the endpoints the
 * billing connector uses (API v1):
 *
 * - auth:      `Authorization: Bearer sk_test_...` (or HTTP Basic with the key as user name);
 *              401 `invalid_request_error` for a missing or unknown key
 * - bodies:    POST bodies are `application/x-www-form-urlencoded` with bracket notation
 *              (`metadata[order_id]=4821`, `expand[0]=latest_charge`); GET parameters in the query
 * - objects:   customer, payment_intent (+ its charge), charge, invoice, refund, each with
 *              `object`, `id`, `created` (epoch seconds), `livemode: false`, `metadata`
 * - lists:     `{ object: 'list', data, has_more, url }`, newest first, `limit` 1..100 (default 10),
 *              `starting_after` / `ending_before` object ids
 * - search:    `/v1/{payment_intents,invoices}/search`, `query` clauses `field:'value'` or
 *              `metadata['key']:'value'` joined by AND; `{ object: 'search_result', data, has_more,
 *              next_page, url }` with `page` tokens
 * - expand:    `expand[]` for expandable fields (`latest_charge`, `charge`, `payment_intent`,
 *              `customer`), `data.`-prefixed on lists
 * - refunds:   POST /v1/refunds (payment_intent or charge, amount, reason, metadata); never more
 *              than the charge's unrefunded amount (400 `amount_too_large`,
 *              `charge_already_refunded`); GET /v1/refunds lists them, metadata included, filtered
 *              by `payment_intent` or `charge`
 * - errors:    `{ error: { type, code, message, param, doc_url } }` with Stripe's statuses (400, 401,
 *              404 `resource_missing`, 429 `rate_limit`, 500 `api_error`) and a Request-Id header
 * - idempotency: POSTs with `Idempotency-Key` store the first status and body and replay them
 *              (`Idempotent-Replayed: true`); the same key with other parameters is a 400
 *              `idempotency_error`. 401s and 429s happen before the idempotency layer, as documented.
 *              Stripe drops keys once they are 24 hours old; a test simulates that with
 *              `forgetIdempotencyKeys()`, after which a key runs its request again as new.
 *
 * Test controls (seeding, key rotation, injected failures, the request log) are methods, not routes.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type StripeObject = { id: string; object: string; created: number; [k: string]: Json };

export interface FakeStripeOptions {
  /** Secret keys accepted. */
  apiKeys: string[];
  /** Clock for `created` of new objects (epoch ms); default Date.now. */
  now?: () => number;
}

export interface SeedCustomer {
  id: string;
  name: string;
  email: string | null;
  currency?: string | null;
  created: number;
  metadata?: Record<string, string>;
}

export interface SeedPaymentIntent {
  id: string;
  amount: number;
  /** 0 for an unpaid intent (status requires_payment_method, no charge). */
  amount_received: number;
  currency: string;
  customer: string | null;
  description?: string | null;
  created: number;
  metadata?: Record<string, string>;
}

export interface SeedInvoice {
  id: string;
  number: string;
  customer: string;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  currency: string;
  total: number;
  amount_paid: number;
  amount_due: number;
  created: number;
  due_date: number | null;
  lines: { description: string; quantity: number; amount: number }[];
  metadata?: Record<string, string>;
}

export interface SeedRefund {
  id: string;
  payment_intent: string;
  amount: number;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  created: number;
  metadata?: Record<string, string>;
}

export interface FakeStripeSeed {
  customers?: SeedCustomer[];
  paymentIntents?: SeedPaymentIntent[];
  invoices?: SeedInvoice[];
  refunds?: SeedRefund[];
}

export type InjectedFailure =
  /** Answered before the request runs (not stored for its idempotency key). */
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  /** The request runs and its result is stored, then the connection is dropped: the client never learns the outcome. */
  | { kind: 'drop-after-commit' };

export interface FakeStripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
  injected: boolean;
}

interface Injection {
  method: string | null;
  path: string;
  failure: InjectedFailure;
  remaining: number;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: Json;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

type Collection = 'customer' | 'payment_intent' | 'charge' | 'invoice' | 'refund';

const PREFIX: Record<string, Collection> = {
  cus: 'customer',
  pi: 'payment_intent',
  ch: 'charge',
  in: 'invoice',
  re: 'refund',
};
const EXPANDABLE: Record<string, string[]> = {
  payment_intent: ['latest_charge', 'customer'],
  charge: ['payment_intent', 'customer'],
  refund: ['charge', 'payment_intent'],
  invoice: ['customer'],
  customer: [],
};
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const REFUND_PARAMS = new Set([
  'amount',
  'charge',
  'payment_intent',
  'reason',
  'metadata',
  'expand',
  'currency',
  'instructions_email',
  'origin',
  'customer',
]);
const MAX_MATCHES = 10_000;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function money(amount: number, currency: string): string {
  return currency === 'usd'
    ? `$${(amount / 100).toFixed(2)}`
    : `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export class FakeStripe {
  readonly requests: FakeStripeRequest[] = [];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections = 0;
  private readonly store: Record<Collection, Map<string, StripeObject>> = {
    customer: new Map(),
    payment_intent: new Map(),
    charge: new Map(),
    invoice: new Map(),
    refund: new Map(),
  };
  /** Insertion order, the tie-break for equal `created` (later inserted sorts first). */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly injections: Injection[] = [];
  private apiKeys: Set<string>;
  private readonly now: () => number;
  private server: Server | null = null;
  url = '';
  port = 0;

  private constructor(opts: FakeStripeOptions) {
    this.apiKeys = new Set(opts.apiKeys);
    this.now = opts.now ?? Date.now;
  }

  static async start(opts: FakeStripeOptions): Promise<FakeStripe> {
    const fake = new FakeStripe(opts);
    await fake.listen();
    return fake;
  }

  /** Replaces the accepted keys (a rotation: the old key now answers 401). */
  setApiKeys(keys: string[]): void {
    this.apiKeys = new Set(keys);
  }

  /** The next `times` requests matching method and path prefix fail as described. */
  inject(match: { method?: string; path: string }, failure: InjectedFailure, times = 1): void {
    this.injections.push({
      method: match.method?.toUpperCase() ?? null,
      path: match.path,
      failure,
      remaining: times,
    });
  }

  /** Drops every pending injected failure. */
  clearInjections(): void {
    this.injections.length = 0;
  }

  /**
   * Forgets every stored Idempotency-Key, as Stripe does once a key is 24 hours old: the same key
   * then runs its request again as a new one. Returns how many keys were forgotten.
   */
  forgetIdempotencyKeys(): number {
    const n = this.idempotency.size;
    this.idempotency.clear();
    return n;
  }

  get(collection: Collection, id: string): StripeObject | undefined {
    const o = this.store[collection].get(id);
    return o === undefined ? undefined : clone(o);
  }

  all(collection: Collection): StripeObject[] {
    return [...this.store[collection].values()].map(clone);
  }

  seed(data: FakeStripeSeed): void {
    for (const c of data.customers ?? []) {
      this.put('customer', {
        id: c.id,
        object: 'customer',
        created: c.created,
        livemode: false,
        name: c.name,
        email: c.email,
        currency: c.currency ?? null,
        balance: 0,
        delinquent: false,
        description: null,
        metadata: { ...c.metadata },
      });
    }
    for (const p of data.paymentIntents ?? []) {
      const paid = p.amount_received > 0;
      const chargeId = paid ? `ch_${p.id.replace(/^pi_/, '')}` : null;
      if (chargeId !== null) {
        this.put('charge', {
          id: chargeId,
          object: 'charge',
          created: p.created,
          livemode: false,
          amount: p.amount_received,
          amount_captured: p.amount_received,
          amount_refunded: 0,
          captured: true,
          paid: true,
          refunded: false,
          status: 'succeeded',
          currency: p.currency,
          customer: p.customer,
          payment_intent: p.id,
          description: p.description ?? null,
          metadata: { ...p.metadata },
        });
      }
      this.put('payment_intent', {
        id: p.id,
        object: 'payment_intent',
        created: p.created,
        livemode: false,
        amount: p.amount,
        amount_received: p.amount_received,
        amount_capturable: 0,
        currency: p.currency,
        customer: p.customer,
        description: p.description ?? null,
        latest_charge: chargeId,
        status: paid ? 'succeeded' : 'requires_payment_method',
        metadata: { ...p.metadata },
      });
    }
    for (const i of data.invoices ?? []) {
      this.put('invoice', {
        id: i.id,
        object: 'invoice',
        created: i.created,
        livemode: false,
        number: i.number,
        customer: i.customer,
        status: i.status,
        currency: i.currency,
        subtotal: i.total,
        total: i.total,
        amount_due: i.amount_due,
        amount_paid: i.amount_paid,
        amount_remaining: i.amount_due - i.amount_paid < 0 ? 0 : i.amount_due - i.amount_paid,
        due_date: i.due_date,
        metadata: { ...i.metadata },
        lines: {
          object: 'list',
          data: i.lines.map((l, n) => ({
            id: `il_${i.id.replace(/^in_/, '')}_${n + 1}`,
            object: 'line_item',
            amount: l.amount,
            currency: i.currency,
            description: l.description,
            quantity: l.quantity,
            invoice: i.id,
            livemode: false,
            metadata: {},
          })),
          has_more: false,
          url: `/v1/invoices/${i.id}/lines`,
        },
      });
    }
    for (const r of data.refunds ?? []) {
      const pi = this.store.payment_intent.get(r.payment_intent);
      const chargeId = typeof pi?.latest_charge === 'string' ? pi.latest_charge : null;
      const charge = chargeId === null ? undefined : this.store.charge.get(chargeId);
      if (pi === undefined || charge === undefined)
        throw new Error(`seed refund ${r.id}: payment intent ${r.payment_intent} has no charge`);
      this.applyRefundToCharge(charge, r.amount);
      this.put('refund', this.refundObject(r.id, r.created, r.amount, charge, r.reason, r.metadata ?? {}));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private put(collection: Collection, obj: StripeObject): void {
    this.store[collection].set(obj.id, obj);
    this.seq.set(obj.id, this.nextSeq++);
  }

  private applyRefundToCharge(charge: StripeObject, amount: number): void {
    const refunded = (charge.amount_refunded as number) + amount;
    charge.amount_refunded = refunded;
    charge.refunded = refunded >= (charge.amount as number);
  }

  private refundObject(
    id: string,
    created: number,
    amount: number,
    charge: StripeObject,
    reason: string | null,
    metadata: Record<string, string>,
  ): StripeObject {
    return {
      id,
      object: 'refund',
      created,
      amount,
      balance_transaction: `txn_${id.replace(/^re_/, '')}`,
      charge: charge.id,
      currency: charge.currency as string,
      metadata: { ...metadata },
      payment_intent: charge.payment_intent as string,
      reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
  }

  private async listen(): Promise<void> {
    const app = express();
    app.disable('x-powered-by');
    // Stripe's bracket notation (metadata[k], expand[0]) needs the qs-based parsers.
    app.set('query parser', 'extended');
    app.use(express.urlencoded({ extended: true, limit: '256kb' }));
    app.use((req, res, next) => this.authenticate(req, res, next));
    app.use((req, res, next) => this.injectFailures(req, res, next));

    app.get('/v1/customers/:id', (req, res) =>
      this.send(req, res, () => this.retrieve('customer', req.params.id, req)),
    );
    app.get('/v1/payment_intents/search', (req, res) =>
      this.send(req, res, () => this.search('payment_intent', req)),
    );
    app.get('/v1/payment_intents/:id', (req, res) =>
      this.send(req, res, () => this.retrieve('payment_intent', req.params.id, req)),
    );
    app.get('/v1/charges/:id', (req, res) =>
      this.send(req, res, () => this.retrieve('charge', req.params.id, req)),
    );
    app.get('/v1/invoices/search', (req, res) => this.send(req, res, () => this.search('invoice', req)));
    app.get('/v1/invoices/:id', (req, res) =>
      this.send(req, res, () => this.retrieve('invoice', req.params.id, req)),
    );
    app.get('/v1/invoices', (req, res) =>
      this.send(req, res, () =>
        this.list('invoice', req, (o) => this.matches(o, req.query, ['customer', 'status'])),
      ),
    );
    app.get('/v1/refunds/:id', (req, res) =>
      this.send(req, res, () => this.retrieve('refund', req.params.id, req)),
    );
    app.get('/v1/refunds', (req, res) =>
      this.send(req, res, () =>
        this.list('refund', req, (o) => this.matches(o, req.query, ['payment_intent', 'charge'])),
      ),
    );
    app.post('/v1/refunds', (req, res) => this.idempotent(req, res, () => this.createRefund(req)));

    app.use((req: Request, res: Response) => {
      this.error(
        req,
        res,
        new StripeApiError(
          404,
          'invalid_request_error',
          `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        ),
      );
    });
    // Malformed bodies and anything unexpected still answer in Stripe's error shape.
    app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        this.error(req, res, new StripeApiError(400, 'invalid_request_error', 'Invalid request body.'));
        return;
      }
      this.error(req, res, new StripeApiError(500, 'api_error', 'An unknown error occurred.'));
    });

    await new Promise<void>((resolve, reject) => {
      const server = app.listen(0, '127.0.0.1', () => resolve());
      server.once('error', reject);
      server.on('connection', () => this.connections++);
      this.server = server;
    });
    const addr = this.server!.address() as AddressInfo;
    this.port = addr.port;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  private log(req: Request, status: number, extra: Partial<FakeStripeRequest> = {}): void {
    if (this.requests.length >= 10_000) this.requests.shift();
    const key = req.get('idempotency-key');
    this.requests.push({
      method: req.method,
      path: req.path,
      idempotencyKey: key ?? null,
      status,
      replayed: false,
      injected: false,
      ...extra,
    });
  }

  private authenticate(req: Request, res: Response, next: NextFunction): void {
    const header = req.get('authorization') ?? '';
    let key: string | null = null;
    if (header.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header.startsWith('Basic '))
      key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0] ?? null;
    if (key === null || key === '') {
      this.error(
        req,
        res,
        new StripeApiError(
          401,
          'invalid_request_error',
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ),
      );
      return;
    }
    if (!this.apiKeys.has(key)) {
      this.error(
        req,
        res,
        new StripeApiError(
          401,
          'invalid_request_error',
          `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(8)}${key.slice(-4)}`,
          'api_key_invalid',
        ),
      );
      return;
    }
    next();
  }

  private findInjection(req: Request, kind: InjectedFailure['kind']): Injection | undefined {
    return this.injections.find(
      (x) =>
        (x.method === null || x.method === req.method) &&
        req.path.startsWith(x.path) &&
        x.failure.kind === kind,
    );
  }

  private consume(inj: Injection): void {
    inj.remaining--;
    if (inj.remaining <= 0) this.injections.splice(this.injections.indexOf(inj), 1);
  }

  private injectFailures(req: Request, res: Response, next: NextFunction): void {
    const failure = this.peekStatusInjection(req);
    if (failure === null) {
      next();
      return;
    }
    if (failure.retryAfterSeconds !== undefined) res.set('Retry-After', String(failure.retryAfterSeconds));
    if (failure.status === 429) {
      res.set('Stripe-Should-Retry', 'true');
      this.error(
        req,
        res,
        new StripeApiError(
          429,
          'invalid_request_error',
          'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
          'rate_limit',
        ),
        true,
      );
      return;
    }
    this.error(
      req,
      res,
      new StripeApiError(failure.status, 'api_error', 'Something went wrong on our end. Please try again.'),
      true,
    );
  }

  /** Status injections act before the request runs; drop-after-commit injections are taken later. */
  private peekStatusInjection(req: Request): Extract<InjectedFailure, { kind: 'status' }> | null {
    const inj = this.findInjection(req, 'status');
    if (inj === undefined || inj.failure.kind !== 'status') return null;
    this.consume(inj);
    return inj.failure;
  }

  private error(req: Request, res: Response, err: StripeApiError, injected = false): void {
    const body: Record<string, Json> = { type: err.type, message: err.message };
    if (err.code !== undefined) {
      body.code = err.code;
      body.doc_url = `https://stripe.com/docs/error-codes/${err.code.replace(/_/g, '-')}`;
    }
    if (err.param !== undefined) body.param = err.param;
    res.status(err.status).set('Request-Id', newId('req')).json({ error: body });
    this.log(req, err.status, { injected });
  }

  private send(req: Request, res: Response, fn: () => Json): void {
    try {
      const body = fn();
      res.status(200).set('Request-Id', newId('req')).json(body);
      this.log(req, 200);
    } catch (err) {
      if (err instanceof StripeApiError) this.error(req, res, err);
      else throw err;
    }
  }

  /** Stripe's idempotency layer: the first status and body are stored and replayed for the key. */
  private idempotent(req: Request, res: Response, fn: () => Json): void {
    const key = req.get('idempotency-key');
    if (key === undefined || key === '') {
      this.send(req, res, fn);
      return;
    }
    if (key.length > 255) {
      this.error(
        req,
        res,
        new StripeApiError(
          400,
          'invalid_request_error',
          'Idempotency keys can be at most 255 characters long.',
        ),
      );
      return;
    }
    const fingerprint = createHash('sha256')
      .update(stableJson({ method: req.method, path: req.path, body: req.body as unknown }))
      .digest('hex');
    const stored = this.idempotency.get(key);
    if (stored !== undefined) {
      if (stored.fingerprint !== fingerprint) {
        this.error(
          req,
          res,
          new StripeApiError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          ),
        );
        return;
      }
      if (this.dropAfterCommit(req, stored.status, true)) return;
      res
        .status(stored.status)
        .set({ 'Request-Id': newId('req'), 'Idempotent-Replayed': 'true', 'Idempotency-Key': key })
        .json(stored.body);
      this.log(req, stored.status, { replayed: true });
      return;
    }
    let status = 200;
    let body: Json;
    try {
      body = fn();
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      status = err.status;
      const e: Record<string, Json> = { type: err.type, message: err.message };
      if (err.code !== undefined) e.code = err.code;
      if (err.param !== undefined) e.param = err.param;
      body = { error: e };
    }
    this.idempotency.set(key, { fingerprint, status, body });
    if (this.dropAfterCommit(req, status, false)) return;
    res
      .status(status)
      .set({ 'Request-Id': newId('req'), 'Idempotency-Key': key })
      .json(body);
    this.log(req, status);
  }

  /** A pending drop-after-commit injection: the outcome is stored, the answer never arrives. */
  private dropAfterCommit(req: Request, status: number, replayed: boolean): boolean {
    const drop = this.findInjection(req, 'drop-after-commit');
    if (drop === undefined) return false;
    this.consume(drop);
    this.log(req, status, { injected: true, replayed });
    req.socket.destroy();
    return true;
  }

  private lookup(id: string): StripeObject | undefined {
    const prefix = id.split('_')[0] ?? '';
    const coll = PREFIX[prefix];
    return coll === undefined ? undefined : this.store[coll].get(id);
  }

  private expandList(req: Request): string[] {
    const raw: unknown =
      req.method === 'GET' ? req.query.expand : (req.body as Record<string, unknown>).expand;
    if (raw === undefined) return [];
    const list = Array.isArray(raw) ? raw : [raw];
    if (!list.every((x): x is string => typeof x === 'string'))
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Invalid array',
        'parameter_invalid_array',
        'expand',
      );
    return list;
  }

  private expand(obj: StripeObject, paths: string[]): StripeObject {
    const out = clone(obj);
    for (const path of paths) {
      const field = path.split('.')[0] ?? '';
      if (path.includes('.') || !(EXPANDABLE[obj.object] ?? []).includes(field)) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `This property cannot be expanded (${path}).`,
          undefined,
          'expand',
        );
      }
      const v = out[field];
      if (typeof v === 'string') {
        const target = this.lookup(v);
        if (target !== undefined) out[field] = clone(target);
      }
    }
    return out;
  }

  private retrieve(collection: Collection, id: string | undefined, req: Request): Json {
    const obj = id === undefined ? undefined : this.store[collection].get(id);
    if (obj === undefined)
      throw new StripeApiError(
        404,
        'invalid_request_error',
        `No such ${collection}: '${id ?? ''}'`,
        'resource_missing',
        'id',
      );
    return this.expand(obj, this.expandList(req));
  }

  private sorted(collection: Collection, filter: (o: StripeObject) => boolean): StripeObject[] {
    const out: StripeObject[] = [];
    for (const o of this.store[collection].values()) {
      if (filter(o)) out.push(o);
      if (out.length >= MAX_MATCHES) break;
    }
    // Newest first, as Stripe lists; equal timestamps by id, descending.
    return out.sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  private limitOf(req: Request): number {
    const raw = req.query.limit;
    if (raw === undefined) return 10;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Invalid integer: ${typeof raw === 'string' ? raw : JSON.stringify(raw)}. This value must be between 1 and 100.`,
        'parameter_invalid_integer',
        'limit',
      );
    }
    return n;
  }

  private matches(o: StripeObject, query: Request['query'], fields: string[]): boolean {
    for (const f of fields) {
      const want = query[f];
      if (want === undefined) continue;
      if (typeof want !== 'string' || o[f] !== want) return false;
    }
    return true;
  }

  private list(collection: Collection, req: Request, filter: (o: StripeObject) => boolean): Json {
    const limit = this.limitOf(req);
    const paths = this.expandList(req).map((p) => {
      if (!p.startsWith('data.'))
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `This property cannot be expanded (${p}).`,
          undefined,
          'expand',
        );
      return p.slice(5);
    });
    const all = this.sorted(collection, filter);
    const { starting_after: after, ending_before: before } = req.query;
    let start = 0;
    let end = all.length;
    if (typeof after === 'string') {
      const i = all.findIndex((o) => o.id === after);
      if (i === -1)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `No such ${collection}: '${after}'`,
          'resource_missing',
          'starting_after',
        );
      start = i + 1;
    } else if (typeof before === 'string') {
      const i = all.findIndex((o) => o.id === before);
      if (i === -1)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `No such ${collection}: '${before}'`,
          'resource_missing',
          'ending_before',
        );
      end = i;
      start = Math.max(0, end - limit);
    }
    const page = all.slice(start, Math.min(end, start + limit));
    return {
      object: 'list',
      data: page.map((o) => this.expand(o, paths)),
      has_more: start + limit < end,
      url: req.path,
    };
  }

  /** The subset of Stripe's search query language the connector uses: exact-match clauses joined by AND. */
  private parseQuery(query: unknown): { field: string; metadataKey: string | null; value: string }[] {
    if (typeof query !== 'string' || query.trim() === '')
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Missing required param: query.',
        'parameter_missing',
        'query',
      );
    const clauses: { field: string; metadataKey: string | null; value: string }[] = [];
    const re = /\s*(?:(metadata)\[(['"])((?:\\.|(?!\2).)*)\2\]|([a-z_]+)):(['"])((?:\\.|(?!\5).)*)\5\s*/y;
    let pos = 0;
    for (let guard = 0; guard < 10; guard++) {
      re.lastIndex = pos;
      const m = re.exec(query);
      if (m === null) break;
      const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
      clauses.push(
        m[1]
          ? { field: 'metadata', metadataKey: unescape(m[3] ?? ''), value: unescape(m[6] ?? '') }
          : { field: m[4] ?? '', metadataKey: null, value: unescape(m[6] ?? '') },
      );
      pos = re.lastIndex;
      if (pos >= query.length) return clauses;
      const and = /AND\s+/y;
      and.lastIndex = pos;
      if (!and.exec(query)) break;
      pos = and.lastIndex;
    }
    throw new StripeApiError(
      400,
      'invalid_request_error',
      `Invalid search query: ${query}`,
      'parameter_invalid_string',
      'query',
    );
  }

  private search(collection: Collection, req: Request): Json {
    const clauses = this.parseQuery(req.query.query);
    const limit = this.limitOf(req);
    const paths = this.expandList(req).map((p) => (p.startsWith('data.') ? p.slice(5) : p));
    const all = this.sorted(collection, (o) =>
      clauses.every((c) => {
        if (c.metadataKey !== null)
          return (o.metadata as Record<string, Json> | undefined)?.[c.metadataKey] === c.value;
        const v = o[c.field];
        return (
          (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) === c.value
        );
      }),
    );
    const pageToken = req.query.page;
    let start = 0;
    if (typeof pageToken === 'string') {
      const decoded = /^[A-Za-z0-9_-]+$/.test(pageToken)
        ? Number(Buffer.from(pageToken, 'base64url').toString('utf8'))
        : NaN;
      if (!Number.isInteger(decoded) || decoded < 0)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          'Invalid page token.',
          'parameter_invalid_string',
          'page',
        );
      start = decoded;
    }
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      object: 'search_result',
      data: page.map((o) => this.expand(o, paths)),
      has_more: more,
      next_page: more ? Buffer.from(String(start + limit), 'utf8').toString('base64url') : null,
      url: req.path,
    };
  }

  private createRefund(req: Request): Json {
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(body)) {
      if (!REFUND_PARAMS.has(k))
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `Received unknown parameter: ${k}`,
          'parameter_unknown',
          k,
        );
    }
    let charge: StripeObject | undefined;
    if (typeof body.charge === 'string') {
      charge = this.store.charge.get(body.charge);
      if (charge === undefined)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `No such charge: '${body.charge}'`,
          'resource_missing',
          'charge',
        );
    } else if (typeof body.payment_intent === 'string') {
      const pi = this.store.payment_intent.get(body.payment_intent);
      if (pi === undefined)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `No such payment_intent: '${body.payment_intent}'`,
          'resource_missing',
          'payment_intent',
        );
      charge = typeof pi.latest_charge === 'string' ? this.store.charge.get(pi.latest_charge) : undefined;
      if (charge === undefined) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          'charge_not_refundable',
          'payment_intent',
        );
      }
    } else {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'One of the following params should be provided for this request: payment_intent or charge.',
        'parameter_missing',
      );
    }
    const unrefunded = (charge.amount as number) - (charge.amount_refunded as number);
    let amount = unrefunded;
    if (body.amount !== undefined) {
      amount = typeof body.amount === 'string' && /^\d+$/.test(body.amount) ? Number(body.amount) : NaN;
      if (!Number.isSafeInteger(amount) || amount < 1) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `Invalid positive integer`,
          'parameter_invalid_integer',
          'amount',
        );
      }
    }
    const reason = body.reason;
    if (reason !== undefined && (typeof reason !== 'string' || !REFUND_REASONS.has(reason))) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer`,
        'parameter_invalid_string',
        'reason',
      );
    }
    const metadata = body.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Invalid object',
        'parameter_invalid_object',
        'metadata',
      );
    }
    const md: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
      if (typeof v !== 'string' || k.length > 40 || v.length > 500) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          'Metadata keys can be at most 40 characters and values at most 500 characters.',
          'parameter_invalid_string',
          `metadata[${k}]`,
        );
      }
      md[k] = v;
    }
    if (Object.keys(md).length > 50)
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Metadata can have at most 50 keys.',
        undefined,
        'metadata',
      );
    const currency = charge.currency as string;
    if (unrefunded <= 0)
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    if (amount > unrefunded) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Refund amount (${money(amount, currency)}) is greater than unrefunded amount on charge (${money(unrefunded, currency)})`,
        'amount_too_large',
        'amount',
      );
    }
    this.applyRefundToCharge(charge, amount);
    const refund = this.refundObject(
      newId('re'),
      Math.floor(this.now() / 1000),
      amount,
      charge,
      typeof reason === 'string' ? reason : null,
      md,
    );
    this.put('refund', refund);
    return this.expand(refund, this.expandList(req));
  }
}

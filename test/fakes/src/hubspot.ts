/**
 * A fake HubSpot CRM API on 127.0.0.1, following HubSpot's documented shapes for the endpoints the
 * CRM connector uses:
 *
 * - objects:   GET/PATCH /crm/v3/objects/{objectType}/{objectId}, POST /crm/v3/objects/{objectType}
 *              (SimplePublicObject: id, properties (strings), createdAt, updatedAt, archived)
 * - search:    POST /crm/v3/objects/{objectType}/search with filterGroups (OR of ANDed filters,
 *              at most 5 groups, 6 filters per group, 18 in all), operators EQ, NEQ, LT, LTE, GT,
 *              GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN (with `*`
 *              wildcards), NOT_CONTAINS_TOKEN, the `associations.{type}` pseudo-property, sorts,
 *              limit (max 200) and `after` paging answered in `paging.next.after`; 10,000 results at most
 * - associations v4: POST /crm/v4/associations/{from}/{to}/batch/read (207 with errors for ids
 *              without associations), PUT .../associations/default/..., DELETE pair
 * - owners:    GET /crm/v3/owners/{ownerId}
 * - account:   GET /account-info/v3/details (portalId, accountType, timeZone, companyCurrency,
 *              additionalCurrencies, utcOffset, utcOffsetMilliseconds, uiDomain,
 *              dataHostingLocation); companyCurrency is USD unless a test sets, omits or garbles it
 * - consent:   GET /communication-preferences/v3/status/email/{emailAddress}
 *              (PublicSubscriptionStatusesResponse: recipient, subscriptionStatuses[] with id, name,
 *              description, status SUBSCRIBED | NOT_SUBSCRIBED, sourceOfStatus PORTAL_WIDE_STATUS |
 *              BRAND_WIDE_STATUS | SUBSCRIPTION_STATUS, legalBasis ...); an address the portal has
 *              no status for answers an empty list
 * - errors:    `{ status: 'error', message, correlationId, category }`; 401 INVALID_AUTHENTICATION
 *              for a missing or unknown bearer token; 429 RATE_LIMITS with Retry-After when a test
 *              injects it; 400 VALIDATION_ERROR for unknown properties, bad filters or values.
 *
 * Test controls (seed, owners, token rotation, injected failures) are methods, not HTTP routes.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

export interface FakeHubSpotOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  teams: { id: string; name: string; primary: boolean }[];
}

export interface FakeAssociationInput {
  toObjectType: string;
  toObjectId: string;
  associationTypeId: number;
}

export interface FakeHubSpotObject {
  id: string;
  objectType: string;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
}

export interface FakeHubSpotOptions {
  /** Bearer tokens accepted (private app tokens). */
  tokens: string[];
  /** Properties each object type accepts, beyond the standard ones (custom properties of the portal). */
  customProperties?: Partial<Record<string, string[]>>;
  /** The portal's company currency in its account details (default USD). */
  companyCurrency?: string;
}

export interface FakeSubscriptionStatus {
  id: string;
  name: string;
  status: 'SUBSCRIBED' | 'NOT_SUBSCRIBED';
  sourceOfStatus: 'PORTAL_WIDE_STATUS' | 'BRAND_WIDE_STATUS' | 'SUBSCRIPTION_STATUS';
}

export interface InjectedFailure {
  status: 429 | 500 | 502 | 503;
  /** Seconds, sent as the Retry-After header (429 and 503). */
  retryAfterSeconds?: number;
}

const OBJECT_TYPES: Record<string, string> = {
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  notes: 'notes',
  note: 'notes',
  '0-46': 'notes',
  calls: 'calls',
  call: 'calls',
  '0-48': 'calls',
  emails: 'emails',
  email: 'emails',
  '0-49': 'emails',
  meetings: 'meetings',
  meeting: 'meetings',
  '0-47': 'meetings',
  tasks: 'tasks',
  task: 'tasks',
  '0-27': 'tasks',
};

const COMMON = [
  'hs_object_id',
  'createdate',
  'hs_lastmodifieddate',
  'hubspot_owner_id',
  'hubspot_team_id',
  'hs_createdate',
];
const STANDARD_PROPERTIES: Record<string, string[]> = {
  companies: [
    'name',
    'domain',
    'industry',
    'city',
    'state',
    'country',
    'phone',
    'annualrevenue',
    'numberofemployees',
    'description',
  ],
  contacts: [
    'firstname',
    'lastname',
    'email',
    'phone',
    'jobtitle',
    'company',
    'lifecyclestage',
    'lastmodifieddate',
    'associatedcompanyid',
  ],
  deals: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage', 'deal_currency_code', 'description'],
  notes: ['hs_timestamp', 'hs_note_body'],
  calls: ['hs_timestamp', 'hs_call_title', 'hs_call_body', 'hs_call_direction', 'hs_call_status'],
  emails: ['hs_timestamp', 'hs_email_subject', 'hs_email_text', 'hs_email_direction', 'hs_email_status'],
  meetings: [
    'hs_timestamp',
    'hs_meeting_title',
    'hs_meeting_body',
    'hs_meeting_start_time',
    'hs_meeting_end_time',
  ],
  tasks: ['hs_timestamp', 'hs_task_subject', 'hs_task_body', 'hs_task_status', 'hs_task_priority'],
};
const DEFAULT_RETURNED: Record<string, string[]> = {
  companies: ['name', 'domain'],
  contacts: ['firstname', 'lastname', 'email'],
  deals: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'],
  notes: ['hs_timestamp'],
  calls: ['hs_timestamp'],
  emails: ['hs_timestamp'],
  meetings: ['hs_timestamp'],
  tasks: ['hs_timestamp'],
};
// The default sales pipeline's stage ids.
const DEAL_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
];

// HUBSPOT_DEFINED association types used here: id → [from, to, inverse id].
const ASSOCIATION_TYPES: Record<number, [string, string, number]> = {
  1: ['contacts', 'companies', 2],
  2: ['companies', 'contacts', 1],
  3: ['deals', 'contacts', 4],
  4: ['contacts', 'deals', 3],
  5: ['deals', 'companies', 6],
  6: ['companies', 'deals', 5],
  279: ['contacts', 'companies', 280],
  280: ['companies', 'contacts', 279],
  341: ['deals', 'companies', 342],
  342: ['companies', 'deals', 341],
};
const ENGAGEMENTS: [string, number, number, number][] = [
  // [type, to company, to contact, to deal]; the inverse is one less.
  ['calls', 182, 194, 206],
  ['emails', 186, 198, 210],
  ['meetings', 188, 200, 212],
  ['notes', 190, 202, 214],
  ['tasks', 192, 204, 216],
];
for (const [type, company, contact, deal] of ENGAGEMENTS) {
  ASSOCIATION_TYPES[company] = [type, 'companies', company - 1];
  ASSOCIATION_TYPES[company - 1] = ['companies', type, company];
  ASSOCIATION_TYPES[contact] = [type, 'contacts', contact - 1];
  ASSOCIATION_TYPES[contact - 1] = ['contacts', type, contact];
  ASSOCIATION_TYPES[deal] = [type, 'deals', deal - 1];
  ASSOCIATION_TYPES[deal - 1] = ['deals', type, deal];
}

function defaultTypeId(from: string, to: string): number | undefined {
  for (const [id, [f, t]] of Object.entries(ASSOCIATION_TYPES)) {
    const n = Number(id);
    // The unlabeled types (279, 341 ...) are the defaults; primaries (1, 5 ...) are labels.
    if (f === from && t === to && n > 6) return n;
  }
  for (const [id, [f, t]] of Object.entries(ASSOCIATION_TYPES)) if (f === from && t === to) return Number(id);
  return undefined;
}

interface Edge {
  fromType: string;
  fromId: string;
  toType: string;
  toId: string;
  typeId: number;
}

class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const MAX_REQUEST_LOG = 10_000;

export class FakeHubSpot {
  /** Base URL for the SDK's `basePath`, e.g. http://127.0.0.1:43123 */
  url = '';
  /** Method, path and status of every request, oldest first (capped). */
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections = 0;

  private server: Server | undefined;
  private tokens: Set<string>;
  private readonly objects = new Map<string, Map<string, FakeHubSpotObject>>();
  private readonly edges: Edge[] = [];
  private readonly owners = new Map<string, FakeHubSpotOwner>();
  private readonly failures: InjectedFailure[] = [];
  private readonly subscriptions = new Map<string, FakeSubscriptionStatus[]>();
  private readonly properties: Record<string, Set<string>>;
  private companyCurrency: string | undefined;
  private accountInfoFailure: InjectedFailure | undefined;
  private nextId = 1001;
  private lastStamp = 0;

  private constructor(opts: FakeHubSpotOptions) {
    this.tokens = new Set(opts.tokens);
    this.companyCurrency = opts.companyCurrency ?? 'USD';
    this.properties = {};
    for (const [type, props] of Object.entries(STANDARD_PROPERTIES)) {
      this.properties[type] = new Set([...COMMON, ...props, ...(opts.customProperties?.[type] ?? [])]);
      this.objects.set(type, new Map());
    }
  }

  static async start(opts: FakeHubSpotOptions): Promise<FakeHubSpot> {
    const fake = new FakeHubSpot(opts);
    const app = fake.app();
    await new Promise<void>((resolve, reject) => {
      const srv = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve()));
      srv.on('connection', () => fake.connections++);
      fake.server = srv;
    });
    const addr = fake.server?.address() as AddressInfo;
    fake.url = `http://127.0.0.1:${addr.port}`;
    return fake;
  }

  async close(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    this.server = undefined;
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  /** Replaces the accepted tokens (a rotation: the old token now answers 401). */
  setTokens(tokens: string[]): void {
    this.tokens = new Set(tokens);
  }

  addOwner(owner: FakeHubSpotOwner): void {
    this.owners.set(owner.id, owner);
  }

  /** Sets an address's e-mail subscription statuses (communication preferences). */
  setSubscriptionStatuses(email: string, statuses: FakeSubscriptionStatus[]): void {
    this.subscriptions.set(email.toLowerCase(), statuses);
  }

  /**
   * The `companyCurrency` of the account details, served as given (a garbled value too);
   * undefined leaves the field out.
   */
  setCompanyCurrency(currency: string | undefined): void {
    this.companyCurrency = currency;
  }

  /** Until cleared (undefined), GET /account-info/v3/details fails with `failure` (after auth). */
  failAccountInfo(failure: InjectedFailure | undefined): void {
    this.accountInfoFailure = failure;
  }

  /** The next `count` API requests fail with `failure` (after authentication). */
  failNext(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Creates a record directly (test set-up), bypassing validation of association targets. */
  seed(
    objectType: string,
    properties: Record<string, string | null>,
    associations: FakeAssociationInput[] = [],
    at?: number,
  ): string {
    const type = this.type(objectType);
    const id = String(this.nextId++);
    const now = at ?? this.stamp();
    const obj: FakeHubSpotObject = {
      id,
      objectType: type,
      properties: { ...properties, hs_object_id: id },
      createdAt: now,
      updatedAt: now,
    };
    this.touchDates(obj);
    this.bucket(type).set(id, obj);
    for (const a of associations)
      this.link(type, id, this.type(a.toObjectType), a.toObjectId, a.associationTypeId);
    return id;
  }

  /** A copy of a stored record, for assertions. */
  get(objectType: string, id: string): FakeHubSpotObject | undefined {
    const o = this.bucket(this.type(objectType)).get(id);
    return o === undefined ? undefined : { ...o, properties: { ...o.properties } };
  }

  count(objectType: string): number {
    return this.bucket(this.type(objectType)).size;
  }

  /** Ids associated with a record, for assertions. */
  associated(objectType: string, id: string, toObjectType: string): string[] {
    const from = this.type(objectType);
    const to = this.type(toObjectType);
    return this.pairs(from, id, to).map((e) => e.toId);
  }

  // ---- HTTP

  private app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((req, res, next) => {
      res.on('finish', () => {
        if (this.requests.length >= MAX_REQUEST_LOG) this.requests.shift();
        this.requests.push({ method: req.method, path: req.path, status: res.statusCode });
      });
      next();
    });
    app.use((req, _res, next) => {
      const auth = req.get('authorization') ?? '';
      const m = /^Bearer (.+)$/.exec(auth);
      if (!m || !this.tokens.has(m[1] ?? '')) {
        next(
          new HubSpotError(
            401,
            'INVALID_AUTHENTICATION',
            'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          ),
        );
        return;
      }
      const failure =
        this.failures.shift() ??
        (req.path === '/account-info/v3/details' ? this.accountInfoFailure : undefined);
      if (failure) {
        if (failure.retryAfterSeconds !== undefined)
          _res.set('Retry-After', String(failure.retryAfterSeconds));
        if (failure.status === 429) {
          next(
            new HubSpotError(429, 'RATE_LIMITS', 'You have reached your secondly limit.', {
              errorType: 'RATE_LIMIT',
              policyName: 'SECONDLY',
            }),
          );
        } else {
          next(new HubSpotError(failure.status, 'INTERNAL_ERROR', 'internal error'));
        }
        return;
      }
      next();
    });
    app.use(express.json({ limit: '1mb' }));

    app.post('/crm/v3/objects/:objectType/search', (req, res) => {
      res.json(this.search(this.type(param(req, 'objectType')), body(req)));
    });
    app.get('/crm/v3/objects/:objectType/:objectId', (req, res) => {
      const type = this.type(param(req, 'objectType'));
      const obj = this.find(type, param(req, 'objectId'));
      const props = listParam(req.query.properties);
      const assocTypes = listParam(req.query.associations);
      const out: Record<string, unknown> = this.view(obj, props);
      if (assocTypes.length > 0) {
        const associations: Record<string, unknown> = {};
        for (const t of assocTypes) {
          const to = this.type(t);
          const edges = this.pairs(type, obj.id, to);
          if (edges.length > 0) {
            associations[to] = {
              results: edges.map((e) => ({ id: e.toId, type: `${singular(type)}_to_${singular(to)}` })),
            };
          }
        }
        out.associations = associations;
      }
      res.json(out);
    });
    app.post('/crm/v3/objects/:objectType', (req, res) => {
      const type = this.type(param(req, 'objectType'));
      const b = body(req);
      const props = this.checkProperties(type, b.properties);
      const assocs = this.checkCreateAssociations(type, b.associations);
      const id = this.seed(type, props);
      for (const a of assocs) this.link(type, id, a.toType, a.toId, a.typeId);
      res.status(201).json(this.view(this.find(type, id), Object.keys(props)));
    });
    app.patch('/crm/v3/objects/:objectType/:objectId', (req, res) => {
      const type = this.type(param(req, 'objectType'));
      const obj = this.find(type, param(req, 'objectId'));
      const props = this.checkProperties(type, body(req).properties);
      Object.assign(obj.properties, props);
      obj.updatedAt = this.stamp();
      this.touchDates(obj);
      res.json(this.view(obj, Object.keys(props)));
    });
    app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', (req, res) => {
      const from = this.type(param(req, 'fromObjectType'));
      const to = this.type(param(req, 'toObjectType'));
      const inputs = body(req).inputs;
      if (!Array.isArray(inputs) || inputs.length > 1000)
        throw new HubSpotError(400, 'VALIDATION_ERROR', 'inputs must be an array of at most 1000 ids.');
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const input of inputs) {
        const id = scalar((input as { id?: unknown }).id);
        const byTarget = new Map<string, number[]>();
        for (const e of this.pairs(from, id, to))
          byTarget.set(e.toId, [...(byTarget.get(e.toId) ?? []), e.typeId]);
        if (byTarget.size === 0) {
          missing.push(id);
          continue;
        }
        results.push({
          from: { id },
          to: [...byTarget].map(([toId, types]) => ({
            toObjectId: Number(toId),
            associationTypes: types.map((t) => ({
              category: 'HUBSPOT_DEFINED',
              typeId: t,
              label: t <= 6 ? 'Primary' : null,
            })),
          })),
        });
      }
      const now = new Date().toISOString();
      const out: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
      if (missing.length > 0) {
        out.numErrors = missing.length;
        out.errors = missing.map((id) => ({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${singular(to)} is associated with ${singular(from)} ${id}.`,
          context: { fromObjectId: [id] },
        }));
        res.status(207).json(out);
        return;
      }
      res.json(out);
    });
    app.put(
      '/crm/v4/objects/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId',
      (req, res) => {
        const from = this.type(param(req, 'fromObjectType'));
        const to = this.type(param(req, 'toObjectType'));
        const fromId = this.find(from, param(req, 'fromObjectId')).id;
        const toId = this.find(to, param(req, 'toObjectId')).id;
        const typeId = defaultTypeId(from, to);
        if (typeId === undefined)
          throw new HubSpotError(400, 'VALIDATION_ERROR', `No default association from ${from} to ${to}.`);
        this.link(from, fromId, to, toId, typeId);
        const now = new Date().toISOString();
        res.json({
          status: 'COMPLETE',
          results: [
            {
              from: { id: fromId },
              to: { id: toId },
              associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
            },
          ],
          startedAt: now,
          completedAt: now,
        });
      },
    );
    app.delete('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType/:toObjectId', (req, res) => {
      const from = this.type(param(req, 'objectType'));
      const to = this.type(param(req, 'toObjectType'));
      const fromId = param(req, 'objectId');
      const toId = param(req, 'toObjectId');
      for (let i = this.edges.length - 1; i >= 0; i--) {
        const e = this.edges[i] as Edge;
        const forward = e.fromType === from && e.fromId === fromId && e.toType === to && e.toId === toId;
        const backward = e.fromType === to && e.fromId === toId && e.toType === from && e.toId === fromId;
        if (forward || backward) this.edges.splice(i, 1);
      }
      res.status(204).end();
    });
    app.get('/crm/v3/owners/:ownerId', (req, res) => {
      const owner = this.owners.get(param(req, 'ownerId'));
      if (!owner) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
      const at = new Date(Date.UTC(2024, 0, 1)).toISOString();
      res.json({
        ...owner,
        type: 'PERSON',
        userId: Number(owner.id) + 50_000,
        createdAt: at,
        updatedAt: at,
        archived: false,
      });
    });
    app.get('/communication-preferences/v3/status/email/:emailAddress', (req, res) => {
      const email = param(req, 'emailAddress');
      if (!/^[^@\s]+@[^@\s]+$/.test(email))
        throw new HubSpotError(400, 'VALIDATION_ERROR', 'Invalid email address');
      res.json({
        recipient: email,
        subscriptionStatuses: (this.subscriptions.get(email.toLowerCase()) ?? []).map((s) => ({
          ...s,
          description: `${s.name} e-mails`,
          legalBasis: 'LEGITIMATE_INTEREST_CLIENT',
          legalBasisExplanation: 'Customer relationship',
          preferenceGroupName: 'Default',
        })),
      });
    });
    app.get('/account-info/v3/details', (_req, res) => {
      res.json({
        portalId: 62515,
        accountType: 'STANDARD',
        timeZone: 'US/Eastern',
        ...(this.companyCurrency === undefined ? {} : { companyCurrency: this.companyCurrency }),
        additionalCurrencies: [],
        utcOffset: '-05:00',
        utcOffsetMilliseconds: -18_000_000,
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      });
    });
    app.use((_req, _res, next) => next(new HubSpotError(404, 'OBJECT_NOT_FOUND', 'resource not found')));

    // Express 5 passes thrown errors (also from sync handlers) here.
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e =
        err instanceof HubSpotError
          ? err
          : isBodyParserError(err)
            ? new HubSpotError(
                400,
                'VALIDATION_ERROR',
                'Invalid input JSON on line 1: the request body is not valid JSON.',
              )
            : new HubSpotError(500, 'INTERNAL_ERROR', 'internal error');
      res.status(e.status).json({
        status: 'error',
        message: e.message,
        correlationId: randomUUID(),
        category: e.category,
        ...e.extra,
      });
    });
    return app;
  }

  // ---- objects

  private type(name: string): string {
    const t = OBJECT_TYPES[name.toLowerCase()];
    if (t === undefined)
      throw new HubSpotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${name}`);
    return t;
  }

  private bucket(type: string): Map<string, FakeHubSpotObject> {
    const b = this.objects.get(type);
    if (b === undefined)
      throw new HubSpotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${type}`);
    return b;
  }

  private find(type: string, id: string): FakeHubSpotObject {
    const o = this.bucket(type).get(id);
    if (!o) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
    return o;
  }

  /** Modification times strictly increase, as HubSpot's do for one record. */
  private stamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private touchDates(o: FakeHubSpotObject): void {
    o.properties.createdate = new Date(o.createdAt).toISOString();
    o.properties.hs_lastmodifieddate = new Date(o.updatedAt).toISOString();
    if (o.objectType === 'contacts') o.properties.lastmodifieddate = o.properties.hs_lastmodifieddate;
  }

  private view(o: FakeHubSpotObject, requested: string[]): Record<string, unknown> {
    const names = new Set([
      ...(requested.length > 0 ? requested : (DEFAULT_RETURNED[o.objectType] ?? [])),
      'hs_object_id',
      'createdate',
    ]);
    names.add(o.objectType === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate');
    const properties: Record<string, string | null> = {};
    for (const n of names) properties[n] = o.properties[n] ?? null;
    return {
      id: o.id,
      properties,
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
      archived: false,
    };
  }

  private checkProperties(type: string, raw: unknown): Record<string, string | null> {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties must be an object.');
    }
    const known = this.properties[type] ?? new Set<string>();
    const out: Record<string, string | null> = {};
    const invalid: { isValid: false; message: string; error: string; name: string }[] = [];
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (!known.has(k) || k === 'hs_object_id' || k === 'createdate' || k === 'hs_lastmodifieddate') {
        invalid.push({
          isValid: false,
          message: `Property "${k}" does not exist`,
          error: 'PROPERTY_DOESNT_EXIST',
          name: k,
        });
        continue;
      }
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        invalid.push({
          isValid: false,
          message: `${JSON.stringify(v)} is not a valid value for ${k}`,
          error: 'INVALID_OPTION',
          name: k,
        });
        continue;
      }
      const s = v === null ? null : String(v);
      if (type === 'deals' && k === 'dealstage' && s !== null && !DEAL_STAGES.includes(s)) {
        invalid.push({
          isValid: false,
          message: `${s} was not one of the allowed options`,
          error: 'INVALID_OPTION',
          name: k,
        });
        continue;
      }
      if (k === 'amount' && s !== null && s !== '' && !Number.isFinite(Number(s))) {
        invalid.push({
          isValid: false,
          message: `${s} is not a valid number`,
          error: 'INVALID_INTEGER',
          name: k,
        });
        continue;
      }
      out[k] = s === '' ? null : s;
    }
    if (invalid.length > 0) {
      throw new HubSpotError(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify(invalid)}`,
        {
          errors: invalid.map((i) => ({
            message: i.message,
            code: i.error,
            context: { propertyName: [i.name] },
          })),
        },
      );
    }
    return out;
  }

  private checkCreateAssociations(
    type: string,
    raw: unknown,
  ): { toType: string; toId: string; typeId: number }[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw))
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'associations must be an array.');
    const out: { toType: string; toId: string; typeId: number }[] = [];
    for (const a of raw as {
      to?: { id?: unknown };
      types?: { associationCategory?: unknown; associationTypeId?: unknown }[];
    }[]) {
      const toId = scalar(a.to?.id);
      for (const t of a.types ?? []) {
        const spec = ASSOCIATION_TYPES[Number(t.associationTypeId)];
        if (t.associationCategory !== 'HUBSPOT_DEFINED' || spec === undefined || spec[0] !== type) {
          throw new HubSpotError(
            400,
            'VALIDATION_ERROR',
            `association type ${scalar(t.associationTypeId)} is not valid from ${type}.`,
          );
        }
        if (!this.bucket(spec[1]).has(toId)) {
          throw new HubSpotError(400, 'VALIDATION_ERROR', `${singular(spec[1])} ${toId} does not exist.`);
        }
        out.push({ toType: spec[1], toId, typeId: Number(t.associationTypeId) });
      }
    }
    return out;
  }

  private link(fromType: string, fromId: string, toType: string, toId: string, typeId: number): void {
    const exists = this.edges.some(
      (e) =>
        e.fromType === fromType &&
        e.fromId === fromId &&
        e.toType === toType &&
        e.toId === toId &&
        e.typeId === typeId,
    );
    if (!exists) this.edges.push({ fromType, fromId, toType, toId, typeId });
  }

  /** Associations are two-way: an edge stored from either side answers, with the type seen from `from`. */
  private pairs(from: string, id: string, to: string): Edge[] {
    const out: Edge[] = [];
    for (const e of this.edges) {
      if (e.fromType === from && e.fromId === id && e.toType === to) out.push(e);
      else if (e.toType === from && e.toId === id && e.fromType === to) {
        const inverse = ASSOCIATION_TYPES[e.typeId]?.[2] ?? e.typeId;
        out.push({ fromType: from, fromId: id, toType: to, toId: e.fromId, typeId: inverse });
      }
    }
    return out;
  }

  // ---- search

  private search(type: string, req: Record<string, unknown>): Record<string, unknown> {
    const limit = req.limit === undefined ? 10 : Number(req.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > 200) {
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'limit must be an integer between 0 and 200.');
    }
    const afterRaw =
      req.after === undefined || req.after === null || req.after === '' ? '0' : scalar(req.after);
    if (!/^\d+$/.test(afterRaw))
      throw new HubSpotError(400, 'VALIDATION_ERROR', `after ${afterRaw} is not a valid paging cursor.`);
    const offset = Number(afterRaw);
    if (offset + limit > 10_000) {
      throw new HubSpotError(
        400,
        'VALIDATION_ERROR',
        'The CRM search API returns at most 10,000 results for one query.',
      );
    }
    const groups = (req.filterGroups ?? []) as { filters?: Filter[] }[];
    if (!Array.isArray(groups) || groups.length > 5)
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'There can be at most 5 filterGroups.');
    let total = 0;
    for (const g of groups) {
      const n = g.filters?.length ?? 0;
      if (n > 6)
        throw new HubSpotError(400, 'VALIDATION_ERROR', 'There can be at most 6 filters in a filterGroup.');
      total += n;
    }
    if (total > 18)
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'There can be at most 18 filters in a search request.');
    for (const g of groups) for (const f of g.filters ?? []) this.checkFilter(type, f);

    const query = typeof req.query === 'string' ? req.query.toLowerCase().trim() : '';
    let rows = [...this.bucket(type).values()].filter(
      (o) =>
        (groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => this.matches(o, f)))) &&
        (query === '' ||
          (DEFAULT_RETURNED[type] ?? []).some((p) =>
            tokens(o.properties[p]).some((t) => t.startsWith(query)),
          )),
    );
    const sorts = (Array.isArray(req.sorts) ? req.sorts : []) as unknown[];
    const keys = sorts.map((s) => {
      if (typeof s === 'string')
        return s.startsWith('-') ? { p: s.slice(1), desc: true } : { p: s, desc: false };
      const o = s as { propertyName?: unknown; direction?: unknown };
      return { p: scalar(o.propertyName), desc: o.direction === 'DESCENDING' };
    });
    rows = rows.sort((a, b) => {
      for (const k of keys) {
        const c = compareValues(a.properties[k.p] ?? null, b.properties[k.p] ?? null);
        if (c !== 0) return k.desc ? -c : c;
      }
      return Number(a.id) - Number(b.id);
    });
    const requested = Array.isArray(req.properties) ? (req.properties as unknown[]).map(String) : [];
    const page = rows.slice(offset, offset + limit);
    const out: Record<string, unknown> = {
      total: rows.length,
      results: page.map((o) => this.view(o, requested)),
    };
    if (offset + limit < rows.length && limit > 0) {
      const next = String(offset + limit);
      out.paging = { next: { after: next, link: `?after=${next}` } };
    }
    return out;
  }

  private checkFilter(type: string, f: Filter): void {
    if (typeof f.propertyName !== 'string' || typeof f.operator !== 'string' || !OPERATORS.has(f.operator)) {
      throw new HubSpotError(400, 'VALIDATION_ERROR', `Invalid filter: ${JSON.stringify(f)}`);
    }
    if (f.propertyName.startsWith('associations.')) {
      this.type(f.propertyName.slice('associations.'.length));
      return;
    }
    if (!(this.properties[type] ?? new Set()).has(f.propertyName)) {
      throw new HubSpotError(
        400,
        'VALIDATION_ERROR',
        `There was a problem with the request. Property ${f.propertyName} does not exist.`,
      );
    }
  }

  private matches(o: FakeHubSpotObject, f: Filter): boolean {
    if (f.propertyName.startsWith('associations.')) {
      const to = this.type(f.propertyName.slice('associations.'.length));
      const ids = this.pairs(o.objectType, o.id, to).map((e) => e.toId);
      if (f.operator === 'EQ') return ids.includes(scalar(f.value));
      if (f.operator === 'IN') return (f.values ?? []).some((v) => ids.includes(scalar(v)));
      if (f.operator === 'HAS_PROPERTY') return ids.length > 0;
      if (f.operator === 'NOT_HAS_PROPERTY') return ids.length === 0;
      return false;
    }
    const v = o.properties[f.propertyName] ?? null;
    const value = f.value === undefined ? undefined : scalar(f.value);
    switch (f.operator) {
      case 'HAS_PROPERTY':
        return v !== null && v !== '';
      case 'NOT_HAS_PROPERTY':
        return v === null || v === '';
      case 'EQ':
        return v !== null && value !== undefined && compareValues(v, value) === 0;
      case 'NEQ':
        return v === null || value === undefined || compareValues(v, value) !== 0;
      case 'LT':
        return v !== null && value !== undefined && compareValues(v, value) < 0;
      case 'LTE':
        return v !== null && value !== undefined && compareValues(v, value) <= 0;
      case 'GT':
        return v !== null && value !== undefined && compareValues(v, value) > 0;
      case 'GTE':
        return v !== null && value !== undefined && compareValues(v, value) >= 0;
      case 'BETWEEN':
        return (
          v !== null &&
          value !== undefined &&
          f.highValue !== undefined &&
          compareValues(v, value) >= 0 &&
          compareValues(v, scalar(f.highValue)) <= 0
        );
      case 'IN':
        return v !== null && (f.values ?? []).some((x) => compareValues(v, scalar(x)) === 0);
      case 'NOT_IN':
        return v === null || !(f.values ?? []).some((x) => compareValues(v, scalar(x)) === 0);
      case 'CONTAINS_TOKEN':
        return value !== undefined && containsToken(v, value);
      case 'NOT_CONTAINS_TOKEN':
        return value === undefined || !containsToken(v, value);
      default:
        return false;
    }
  }
}

interface Filter {
  propertyName: string;
  operator: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

function tokens(v: string | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return v
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** CONTAINS_TOKEN: the pattern (with `*` wildcards) matches a whole word of the value, or the whole value. */
function containsToken(v: string | null, pattern: string): boolean {
  if (v === null) return false;
  const re = new RegExp(`^${pattern.toLowerCase().split('*').map(escapeRegExp).join('.*')}$`, 'u');
  return re.test(v.toLowerCase()) || tokens(v).some((t) => re.test(t));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Numbers compare as numbers, ISO dates as instants, other strings case-insensitively. */
function compareValues(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  const iso = /^\d{4}-\d{2}-\d{2}/;
  if (iso.test(a) && iso.test(b)) return Date.parse(a) - Date.parse(b);
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/** A JSON scalar as HubSpot reads it in a string context; objects and arrays are no value at all. */
function scalar(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function singular(type: string): string {
  return type.endsWith('ies') ? `${type.slice(0, -3)}y` : type.replace(/s$/, '');
}

function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | undefined>)[name];
  return v ?? '';
}

function listParam(v: unknown): string[] {
  const parts = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  return parts
    .flatMap((p) => p.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw new HubSpotError(
      400,
      'VALIDATION_ERROR',
      'Invalid input JSON: the request body must be a JSON object.',
    );
  }
  return b as Record<string, unknown>;
}

function isBodyParserError(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'entity.parse.failed'
  );
}

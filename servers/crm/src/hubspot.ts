// Type-only: the SDK is loaded when the HubSpot backend opens, never by a server on the embedded store.
import type * as HubSpotSdk from '@hubspot/api-client';
import type { Client } from '@hubspot/api-client';
import { PortcullisError, errors } from '@portcullis/core';
import { invalidCursor, type CursorCodec } from '@portcullis/core/cursor';
import { IdempotencyLedger } from '@portcullis/core/idempotency';
import type { UpstreamCache } from '@portcullis/core/cache';
import { keepAliveAgent } from '@portcullis/core/http-agent';
import { clampLimit } from '@portcullis/core/paging';
import type { Store } from '@portcullis/core/store';
import type {
  AccountQuery,
  ActivityTarget,
  ContactChanges,
  ContactQuery,
  CrmBackend,
  NewActivity,
  NewContact,
  NewOpportunity,
  OpportunityQuery,
  Page,
  PageRequest,
  ReadOptions,
  WriteOptions,
  WriteResult,
} from './backend.js';
import {
  activityAccount,
  checkTransition,
  queryTokens,
  staleVersion,
  unknownOwner,
} from './backend-common.js';
import {
  ACTIVITY_TYPES,
  STAGES,
  type Account,
  type Activity,
  type ActivityType,
  type Contact,
  type Opportunity,
  type Owner,
  type Stage,
} from './domain.js';

type SearchRequest = Parameters<Client['crm']['objects']['searchApi']['doSearch']>[1];
type FilterGroup = NonNullable<SearchRequest['filterGroups']>[number];
type Filter = FilterGroup['filters'][number];
type CreateInput = Parameters<Client['crm']['objects']['basicApi']['create']>[1];
type AssociationSpec = NonNullable<CreateInput['associations']>[number]['types'][number];
type HubObject = Awaited<ReturnType<Client['crm']['objects']['basicApi']['getById']>>;
type Operator = 'EQ' | 'IN' | 'GTE' | 'CONTAINS_TOKEN';

/** HubSpot's default sales pipeline; CRM_HUBSPOT_STAGE_MAP overrides it. */
export const DEFAULT_STAGE_MAP: Readonly<Record<Stage, string>> = {
  prospecting: 'appointmentscheduled',
  qualification: 'qualifiedtobuy',
  proposal: 'presentationscheduled',
  negotiation: 'contractsent',
  closed_won: 'closedwon',
  closed_lost: 'closedlost',
};

export interface HubSpotConnectorOptions {
  /** The kit store: the idempotency ledger lives there. */
  store: Store;
  /** The kit's cursor codec (openCursorCodec): cursors are signed and bound to tenant, caller and search. */
  cursors: CursorCodec;
  /** https://api.hubapi.com, or a local fake in tests. */
  baseUrl: string;
  /** The one tenant this portal serves; other tenants see nothing (not_found). */
  tenant: string;
  /** Runs fn with the current private-app token, re-resolving it once after a 401 (rotation). */
  withToken<T>(fn: (token: string) => Promise<T>): Promise<T>;
  /** The kit's upstream path: rate limiter plus retries of transient failures. */
  callUpstream<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** CRM owner id (the principal id) → HubSpot owner id. Unmapped numeric ids pass through. */
  owners?: Record<string, string>;
  /** Team name → HubSpot team id. Unmapped ids pass through. */
  teams?: Record<string, string>;
  stages?: Partial<Record<Stage, string>>;
  pipeline?: string;
  /** Custom company property holding the sales region. */
  regionProperty?: string;
  /** Contact property holding the linked billing customer id. */
  billingCustomerProperty?: string;
  /**
   * The portal's company currency (CRM_HUBSPOT_CURRENCY, a known ISO 4217 code): the currency of
   * a deal without `deal_currency_code`. Absent: asked of HubSpot (account-info) on first need.
   */
  currency?: string;
  /**
   * Read-through cache of companies, contacts and deals by id (types `account`, `contact`,
   * `opportunity`). Writes read fresh and invalidate what they change.
   */
  cache?: UpstreamCache;
}

/** Record types in the read cache (PORTCULLIS_CACHE_TTL names them). */
export const HUBSPOT_CACHE_TYPES = ['account', 'contact', 'opportunity'] as const;
type CacheType = (typeof HUBSPOT_CACHE_TYPES)[number];

interface EngagementMapping {
  objectType: string;
  subject: string | null;
  body: string;
  extra: Record<string, string>;
}

// Each activity type is its own HubSpot engagement object; notes have no subject field, so the
// subject is the first line of the body.
const ENGAGEMENTS: Record<ActivityType, EngagementMapping> = {
  call: {
    objectType: 'calls',
    subject: 'hs_call_title',
    body: 'hs_call_body',
    extra: { hs_call_status: 'COMPLETED' },
  },
  email: {
    objectType: 'emails',
    subject: 'hs_email_subject',
    body: 'hs_email_text',
    extra: { hs_email_direction: 'EMAIL' },
  },
  meeting: { objectType: 'meetings', subject: 'hs_meeting_title', body: 'hs_meeting_body', extra: {} },
  note: { objectType: 'notes', subject: null, body: 'hs_note_body', extra: {} },
  task: {
    objectType: 'tasks',
    subject: 'hs_task_subject',
    body: 'hs_task_body',
    extra: { hs_task_status: 'NOT_STARTED' },
  },
};

function engagementAssociations(
  AssociationTypes: typeof HubSpotSdk.AssociationTypes,
): Record<ActivityType, { company: number; contact: number; deal: number }> {
  return {
    call: {
      company: AssociationTypes.callToCompany,
      contact: AssociationTypes.callToContact,
      deal: AssociationTypes.callToDeal,
    },
    email: {
      company: AssociationTypes.emailToCompany,
      contact: AssociationTypes.emailToContact,
      deal: AssociationTypes.emailToDeal,
    },
    meeting: {
      company: AssociationTypes.meetingToCompany,
      contact: AssociationTypes.meetingToContact,
      deal: AssociationTypes.meetingToDeal,
    },
    note: {
      company: AssociationTypes.noteToCompany,
      contact: AssociationTypes.noteToContact,
      deal: AssociationTypes.noteToDeal,
    },
    task: {
      company: AssociationTypes.taskToCompany,
      contact: AssociationTypes.taskToContact,
      deal: AssociationTypes.taskToDeal,
    },
  };
}

const OWNER_CACHE_MS = 60_000;

/**
 * HubSpot CRM v3 through the official client: companies are accounts, contacts are contacts,
 * deals are opportunities, engagements (calls, emails, meetings, notes, tasks) are activities.
 * A record's version is its `updatedAt` (hs_lastmodifieddate) in epoch milliseconds, so an edit
 * made in HubSpot itself also makes a caller's version stale. HubSpot has no conditional write:
 * the version is checked just before the PATCH, which narrows but cannot close the race.
 */
export class HubSpotBackend implements CrmBackend {
  readonly kind = 'hubspot' as const;
  private client: { token: string; client: Client } | undefined;
  private readonly stageToHub: Record<Stage, string>;
  private readonly hubToStage = new Map<string, Stage>();
  private readonly ownerToHub: Record<string, string>;
  private readonly hubToOwner = new Map<string, string>();
  private readonly teamToHub: Record<string, string>;
  private readonly hubToTeam = new Map<string, string>();
  private readonly ownerCache = new Map<string, { owner: Owner | null; until: number }>();
  private readonly region: string;
  private readonly pipeline: string;
  /** The company currency HubSpot named (kept for the process); a failure is not kept. */
  private companyCurrency: string | undefined;

  private readonly engagementAssociations: ReturnType<typeof engagementAssociations>;
  /** The connector's own keep-alive agent (bounded, destroyed on close) rather than Node's process-wide global agent. */
  private readonly agent: ReturnType<typeof keepAliveAgent>;

  private constructor(
    private readonly opts: HubSpotConnectorOptions,
    private readonly ledger: IdempotencyLedger,
    private readonly hub: typeof HubSpotSdk,
  ) {
    this.engagementAssociations = engagementAssociations(hub.AssociationTypes);
    this.stageToHub = { ...DEFAULT_STAGE_MAP, ...(opts.stages ?? {}) };
    for (const s of STAGES) this.hubToStage.set(this.stageToHub[s], s);
    this.ownerToHub = { ...(opts.owners ?? {}) };
    for (const [k, v] of Object.entries(this.ownerToHub)) this.hubToOwner.set(v, k);
    this.teamToHub = { ...(opts.teams ?? {}) };
    for (const [k, v] of Object.entries(this.teamToHub)) this.hubToTeam.set(v, k);
    this.region = opts.regionProperty ?? 'portcullis_region';
    this.contactProps = [...HubSpotBackend.baseContactProps, this.billingProperty];
    this.pipeline = opts.pipeline ?? 'default';
    this.agent = keepAliveAgent(opts.baseUrl);
  }

  /** Opens the kit's idempotency ledger in the store (creating it on first use). */
  static async open(opts: HubSpotConnectorOptions): Promise<HubSpotBackend> {
    const sdk = await import('@hubspot/api-client');
    return new HubSpotBackend(opts, await IdempotencyLedger.open(opts.store), sdk);
  }

  private get cursors(): CursorCodec {
    return this.opts.cursors;
  }

  // ---- mapping helpers

  private serves(tenant: string): boolean {
    return tenant === this.opts.tenant;
  }

  private mustServe(tenant: string): void {
    if (!this.serves(tenant)) {
      throw errors.notFound(
        `A CRM for tenant ${tenant}`,
        'This server is connected to the HubSpot portal of another tenant; ask an operator which CRM server serves yours.',
      );
    }
  }

  private hubOwner(ownerId: string): string | null {
    return this.ownerToHub[ownerId] ?? (/^\d+$/.test(ownerId) ? ownerId : null);
  }

  private crmOwner(hubId: string | null | undefined): string {
    if (hubId === null || hubId === undefined || hubId === '') return '';
    return this.hubToOwner.get(hubId) ?? hubId;
  }

  private crmTeam(hubId: string | null | undefined): string {
    if (hubId === null || hubId === undefined || hubId === '') return '';
    return this.hubToTeam.get(hubId) ?? hubId;
  }

  private hubTeam(team: string): string | null {
    if (team === '') return null;
    return this.teamToHub[team] ?? (/^\d+$/.test(team) ? team : null);
  }

  private crmStage(dealstage: string | null | undefined, id: string): Stage {
    const s = this.hubToStage.get(dealstage ?? '');
    if (s === undefined) {
      throw new PortcullisError({
        code: 'unmapped_stage',
        category: 'upstream',
        message: `HubSpot deal ${id} is in deal stage "${dealstage ?? ''}", which this server does not map to a CRM stage.`,
        retryable: false,
        remediation: 'Ask an operator to map that HubSpot deal stage in CRM_HUBSPOT_STAGE_MAP.',
      });
    }
    return s;
  }

  // ---- upstream calls

  private sdk(token: string): Client {
    if (this.client?.token !== token) {
      // No SDK limiter or retries: the kit's limiter and retry policy own that (and see every call).
      this.client = {
        token,
        client: new this.hub.Client({
          accessToken: token,
          basePath: this.opts.baseUrl,
          httpAgent: this.agent,
        }),
      };
    }
    return this.client.client;
  }

  /** One upstream call: token (refreshed once on 401), rate limiter, retries of transient failures. */
  private call<T>(signal: AbortSignal | undefined, fn: (c: Client) => Promise<T>): Promise<T> {
    return this.opts.withToken((token) =>
      this.opts.callUpstream(async (s) => {
        s.throwIfAborted();
        try {
          return await fn(this.sdk(token));
        } catch (err) {
          throw translate(err);
        }
      }, signal),
    );
  }

  /** As call, but a 404 is an answer (null), not a failure. */
  private async callOrNull<T>(
    signal: AbortSignal | undefined,
    fn: (c: Client) => Promise<T>,
  ): Promise<T | null> {
    try {
      return await this.call(signal, fn);
    } catch (err) {
      if (err instanceof PortcullisError && err.code === 'upstream_not_found') return null;
      throw err;
    }
  }

  // ---- e-mail consent

  /**
   * The contact's e-mail subscription statuses (communication preferences v3), for the e-mail
   * tools' opt-out check. An address HubSpot does not know has no statuses.
   */
  async emailSubscriptionStatuses(
    tenant: string,
    email: string,
    opts?: ReadOptions,
  ): Promise<{ id: string; status: string; sourceOfStatus: string }[]> {
    this.mustServe(tenant);
    const res = await this.callOrNull(opts?.signal, (c) =>
      c.communicationPreferences.statusApi.getEmailStatus(email),
    );
    return (res?.subscriptionStatuses ?? []).map((s) => ({
      id: String(s.id),
      status: String(s.status),
      sourceOfStatus: String(s.sourceOfStatus),
    }));
  }

  // ---- owners

  async getOwner(tenant: string, ownerId: string, opts?: ReadOptions): Promise<Owner | null> {
    if (!this.serves(tenant)) return null;
    const hubId = this.hubOwner(ownerId);
    if (hubId === null) return null;
    const cached = this.ownerCache.get(hubId);
    if (cached !== undefined && cached.until > Date.now()) return cached.owner;
    const o = await this.callOrNull(opts?.signal, (c) =>
      c.crm.owners.ownersApi.getById(Number(hubId), 'id', false),
    );
    let owner: Owner | null = null;
    if (o !== null && !o.archived) {
      const team = o.teams?.find((t) => t.primary) ?? o.teams?.[0];
      const name = `${o.firstName ?? ''} ${o.lastName ?? ''}`.trim();
      owner = { id: ownerId, name: name === '' ? (o.email ?? ownerId) : name, team: this.crmTeam(team?.id) };
    }
    if (this.ownerCache.size > 1000) this.ownerCache.clear();
    this.ownerCache.set(hubId, { owner, until: Date.now() + OWNER_CACHE_MS });
    return owner;
  }

  private async ownerFor(
    tenant: string,
    ownerId: string,
    signal?: AbortSignal,
  ): Promise<{ owner: Owner; hubId: string }> {
    const owner = await this.getOwner(tenant, ownerId, { signal });
    const hubId = this.hubOwner(ownerId);
    if (owner === null || hubId === null) throw unknownOwner(ownerId);
    return { owner, hubId };
  }

  private ownerProps(o: { owner: Owner; hubId: string }): Record<string, string> {
    const props: Record<string, string> = { hubspot_owner_id: o.hubId };
    const team = this.hubTeam(o.owner.team);
    if (team !== null) props.hubspot_team_id = team;
    return props;
  }

  // ---- accounts

  private readonly companyProps = (): string[] => [
    'name',
    'domain',
    'industry',
    this.region,
    'hubspot_owner_id',
    'hubspot_team_id',
  ];

  private toAccount(o: HubObject): Account {
    const p = o.properties;
    return {
      id: o.id,
      tenant: this.opts.tenant,
      name: p.name ?? '',
      domain: nonEmpty(p.domain),
      industry: p.industry ?? '',
      region: p[this.region] ?? '',
      owner_id: this.crmOwner(p.hubspot_owner_id),
      team: this.crmTeam(p.hubspot_team_id),
      created_at: o.createdAt.toISOString(),
      updated_at: o.updatedAt.toISOString(),
      version: o.updatedAt.getTime(),
    };
  }

  async searchAccounts(
    tenant: string,
    query: AccountQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Account>> {
    this.mustServe(tenant);
    const tokens = queryTokens(query.query, 3);
    const scope = { tenant, tokens, industry: query.industry, region: query.region, owner: query.owner_id };
    const base: Filter[] = tokens.map((t) => filter('name', 'CONTAINS_TOKEN', `${t}*`));
    if (query.industry !== undefined) base.push(filter('industry', 'EQ', query.industry));
    if (query.region !== undefined) base.push(filter(this.region, 'EQ', query.region));
    if (query.owner_id !== undefined) {
      const hub = this.hubOwner(query.owner_id);
      if (hub === null) return this.emptyPage(page, 'accounts', scope);
      base.push(filter('hubspot_owner_id', 'EQ', hub));
    }
    const res = await this.search(
      'companies',
      'accounts',
      scope,
      page,
      groupsOf(base),
      'name',
      'ASCENDING',
      this.companyProps(),
      opts?.signal,
    );
    return { ...res, items: res.items.map((o) => this.toAccount(o)) };
  }

  getAccount(tenant: string, id: string, opts?: ReadOptions): Promise<Account | null> {
    return this.readAccount(tenant, id, opts, true);
  }

  private async readAccount(
    tenant: string,
    id: string,
    opts: ReadOptions | undefined,
    cached: boolean,
  ): Promise<Account | null> {
    if (!this.serves(tenant) || !isHubId(id)) return null;
    return this.cached(cached, tenant, 'account', id, async () => {
      const o = await this.callOrNull(opts?.signal, (c) =>
        c.crm.objects.basicApi.getById('companies', id, this.companyProps()),
      );
      return o === null ? null : this.toAccount(o);
    });
  }

  // ---- contacts

  private readonly contactProps: string[];

  private get billingProperty(): string {
    return this.opts.billingCustomerProperty ?? 'billing_customer_id';
  }

  private static readonly baseContactProps = [
    'firstname',
    'lastname',
    'jobtitle',
    'email',
    'phone',
    'hubspot_owner_id',
    'hubspot_team_id',
  ];

  private toContact(o: HubObject, accountId: string | null): Contact {
    const p = o.properties;
    return {
      id: o.id,
      tenant: this.opts.tenant,
      account_id: accountId,
      first_name: p.firstname ?? '',
      last_name: p.lastname ?? '',
      title: nonEmpty(p.jobtitle),
      email: nonEmpty(p.email),
      phone: nonEmpty(p.phone),
      billing_customer_id: nonEmpty(p[this.billingProperty]),
      owner_id: this.crmOwner(p.hubspot_owner_id),
      team: this.crmTeam(p.hubspot_team_id),
      created_at: o.createdAt.toISOString(),
      updated_at: o.updatedAt.toISOString(),
      version: o.updatedAt.getTime(),
    };
  }

  async searchContacts(
    tenant: string,
    query: ContactQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Contact>> {
    this.mustServe(tenant);
    // Two words at most: each may match first or last name, and HubSpot allows five filter groups.
    const tokens = queryTokens(query.query, 2);
    const scope = { tenant, tokens, account: query.account_id, owner: query.owner_id };
    const base: Filter[] = [];
    if (query.account_id !== undefined) {
      if (!isHubId(query.account_id)) return this.emptyPage(page, 'contacts', scope);
      base.push(filter('associations.company', 'EQ', query.account_id));
    }
    if (query.owner_id !== undefined) {
      const hub = this.hubOwner(query.owner_id);
      if (hub === null) return this.emptyPage(page, 'contacts', scope);
      base.push(filter('hubspot_owner_id', 'EQ', hub));
    }
    let groups: Filter[][] = [base];
    for (const t of tokens) {
      groups = groups.flatMap((g) => [
        [...g, filter('firstname', 'CONTAINS_TOKEN', `${t}*`)],
        [...g, filter('lastname', 'CONTAINS_TOKEN', `${t}*`)],
      ]);
    }
    const res = await this.search(
      'contacts',
      'contacts',
      scope,
      page,
      groups.filter((g) => g.length > 0).map((filters) => ({ filters })),
      'lastname',
      'ASCENDING',
      this.contactProps,
      opts?.signal,
    );
    const accounts = await this.associatedIds(
      'contacts',
      res.items.map((o) => o.id),
      'companies',
      opts?.signal,
    );
    return { ...res, items: res.items.map((o) => this.toContact(o, accounts.get(o.id) ?? null)) };
  }

  getContact(tenant: string, id: string, opts?: ReadOptions): Promise<Contact | null> {
    return this.readContact(tenant, id, opts, true);
  }

  private async readContact(
    tenant: string,
    id: string,
    opts: ReadOptions | undefined,
    cached: boolean,
  ): Promise<Contact | null> {
    if (!this.serves(tenant) || !isHubId(id)) return null;
    return this.cached(cached, tenant, 'contact', id, async () => {
      const o = await this.callOrNull(opts?.signal, (c) =>
        c.crm.objects.basicApi.getById('contacts', id, this.contactProps, undefined, ['companies']),
      );
      return o === null ? null : this.toContact(o, firstAssociated(o, 'companies'));
    });
  }

  async createContact(tenant: string, input: NewContact, opts: WriteOptions): Promise<WriteResult<Contact>> {
    this.mustServe(tenant);
    return this.write(tenant, 'crm_create_contact', opts, input, async () => {
      const owner = await this.ownerFor(tenant, input.owner_id, opts.signal);
      if (
        input.account_id !== null &&
        (await this.readAccount(tenant, input.account_id, opts, false)) === null
      ) {
        throw errors.notFound(`Account ${input.account_id}`);
      }
      const properties: Record<string, string> = {
        firstname: input.first_name,
        lastname: input.last_name,
        ...this.ownerProps(owner),
      };
      if (input.title !== null) properties.jobtitle = input.title;
      if (input.email !== null) properties.email = input.email;
      if (input.phone !== null) properties.phone = input.phone;
      const associations =
        input.account_id === null
          ? []
          : [{ to: { id: input.account_id }, types: [spec(this.hub.AssociationTypes.contactToCompany)] }];
      const created = await this.call(opts.signal, (c) =>
        c.crm.objects.basicApi.create('contacts', { properties, associations }),
      );
      return this.reread(tenant, created.id, (t, id) => this.readContact(t, id, opts, false));
    });
  }

  async updateContact(
    tenant: string,
    id: string,
    expectedVersion: number,
    changes: ContactChanges,
    opts: WriteOptions,
  ): Promise<WriteResult<Contact>> {
    this.mustServe(tenant);
    return this.write(
      tenant,
      'crm_update_contact',
      opts,
      { id, expectedVersion, changes },
      async () => {
        const current = await this.readContact(tenant, id, opts, false);
        if (current === null) throw errors.notFound(`Contact ${id}`);
        if (current.version !== expectedVersion)
          throw staleVersion('Contact', id, expectedVersion, current.version, 'crm_get_contact');
        const properties: Record<string, string> = {};
        if (changes.first_name !== undefined) properties.firstname = changes.first_name;
        if (changes.last_name !== undefined) properties.lastname = changes.last_name;
        // HubSpot clears a property set to the empty string.
        if (changes.title !== undefined) properties.jobtitle = changes.title ?? '';
        if (changes.email !== undefined) properties.email = changes.email ?? '';
        if (changes.phone !== undefined) properties.phone = changes.phone ?? '';
        if (changes.owner_id !== undefined)
          Object.assign(
            properties,
            this.ownerProps(await this.ownerFor(tenant, changes.owner_id, opts.signal)),
          );
        const newAccount = changes.account_id;
        if (
          newAccount !== undefined &&
          newAccount !== null &&
          (await this.readAccount(tenant, newAccount, opts, false)) === null
        ) {
          throw errors.notFound(`Account ${newAccount}`);
        }
        if (Object.keys(properties).length > 0) {
          await this.call(opts.signal, (c) => c.crm.objects.basicApi.update('contacts', id, { properties }));
        }
        if (newAccount !== undefined && newAccount !== current.account_id) {
          const old = current.account_id;
          if (old !== null)
            await this.call(opts.signal, (c) =>
              c.crm.associations.v4.basicApi.archive('contacts', id, 'companies', old),
            );
          if (newAccount !== null)
            await this.call(opts.signal, (c) =>
              c.crm.associations.v4.basicApi.createDefault('contacts', id, 'companies', newAccount),
            );
        }
        return this.reread(tenant, id, (t, i) => this.readContact(t, i, opts, false));
      },
      ['contact', id],
    );
  }

  // ---- opportunities

  private static readonly dealProps = [
    'dealname',
    'dealstage',
    'amount',
    'deal_currency_code',
    'closedate',
    'pipeline',
    'hubspot_owner_id',
    'hubspot_team_id',
  ];

  /**
   * `portalCurrency` is the portal's company currency, which HubSpot means when a deal has no
   * `deal_currency_code` (dealCurrencyFallback gets it); null when every deal here has a code.
   */
  private toOpportunity(o: HubObject, accountId: string | null, portalCurrency: string | null): Opportunity {
    const p = o.properties;
    const currency = nonEmpty(p.deal_currency_code) ?? portalCurrency;
    if (currency === null) throw portalCurrencyUnknown(o.id);
    return {
      id: o.id,
      tenant: this.opts.tenant,
      account_id: accountId ?? '',
      name: p.dealname ?? '',
      stage: this.crmStage(p.dealstage, o.id),
      amount: dealAmount(p.amount, o.id),
      currency,
      close_date: (p.closedate ?? '').slice(0, 10),
      owner_id: this.crmOwner(p.hubspot_owner_id),
      team: this.crmTeam(p.hubspot_team_id),
      created_at: o.createdAt.toISOString(),
      updated_at: o.updatedAt.toISOString(),
      version: o.updatedAt.getTime(),
    };
  }

  async searchOpportunities(
    tenant: string,
    query: OpportunityQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Opportunity>> {
    this.mustServe(tenant);
    const tokens = queryTokens(query.query, 2);
    const stages = query.stages === undefined ? undefined : [...new Set(query.stages)].sort();
    const scope = {
      tenant,
      tokens,
      account: query.account_id,
      owner: query.owner_id,
      stages,
      min: query.min_amount,
    };
    const base: Filter[] = tokens.map((t) => filter('dealname', 'CONTAINS_TOKEN', `${t}*`));
    if (query.account_id !== undefined) {
      if (!isHubId(query.account_id)) return this.emptyPage(page, 'opportunities', scope);
      base.push(filter('associations.company', 'EQ', query.account_id));
    }
    if (query.owner_id !== undefined) {
      const hub = this.hubOwner(query.owner_id);
      if (hub === null) return this.emptyPage(page, 'opportunities', scope);
      base.push(filter('hubspot_owner_id', 'EQ', hub));
    }
    if (stages !== undefined) {
      if (stages.length === 0) return this.emptyPage(page, 'opportunities', scope);
      base.push({
        propertyName: 'dealstage',
        operator: op('IN'),
        values: stages.map((s) => this.stageToHub[s]),
      });
    }
    if (query.min_amount !== undefined) base.push(filter('amount', 'GTE', String(query.min_amount)));
    const res = await this.search(
      'deals',
      'opportunities',
      scope,
      page,
      groupsOf(base),
      'closedate',
      'ASCENDING',
      HubSpotBackend.dealProps,
      opts?.signal,
    );
    const accounts = await this.associatedIds(
      'deals',
      res.items.map((o) => o.id),
      'companies',
      opts?.signal,
    );
    const portalCurrency = await this.dealCurrencyFallback(res.items, opts?.signal);
    return {
      ...res,
      items: res.items.map((o) => this.toOpportunity(o, accounts.get(o.id) ?? null, portalCurrency)),
    };
  }

  getOpportunity(tenant: string, id: string, opts?: ReadOptions): Promise<Opportunity | null> {
    return this.readOpportunity(tenant, id, opts, true);
  }

  private async readOpportunity(
    tenant: string,
    id: string,
    opts: ReadOptions | undefined,
    cached: boolean,
  ): Promise<Opportunity | null> {
    if (!this.serves(tenant) || !isHubId(id)) return null;
    return this.cached(cached, tenant, 'opportunity', id, async () => {
      const o = await this.callOrNull(opts?.signal, (c) =>
        c.crm.objects.basicApi.getById('deals', id, HubSpotBackend.dealProps, undefined, ['companies']),
      );
      if (o === null) return null;
      const portalCurrency = await this.dealCurrencyFallback([o], opts?.signal);
      return this.toOpportunity(o, firstAssociated(o, 'companies'), portalCurrency);
    });
  }

  /**
   * The portal's company currency when one of these deals has no currency code (HubSpot leaves
   * it empty on a portal without multi-currency), else null: deals with a code cost no call.
   */
  private async dealCurrencyFallback(deals: HubObject[], signal?: AbortSignal): Promise<string | null> {
    const bare = deals.find((o) => nonEmpty(o.properties.deal_currency_code) === null);
    return bare === undefined ? null : this.portalCurrency(bare.id, signal);
  }

  /**
   * CRM_HUBSPOT_CURRENCY, else the `companyCurrency` of GET /account-info/v3/details (no typed
   * API in the SDK: its generic request), asked once and kept for the process. A failed call or
   * an answer without a currency code is not kept (asked again next time) and fails the read of
   * `dealId`: its money is never measured as another currency's.
   */
  private async portalCurrency(dealId: string, signal?: AbortSignal): Promise<string> {
    if (this.opts.currency !== undefined) return this.opts.currency;
    if (this.companyCurrency !== undefined) return this.companyCurrency;
    let details: unknown;
    try {
      details = await this.call(signal, async (c) => {
        const res = await c.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
        if (!res.ok) {
          await res.text().catch(() => '');
          // Shaped as the SDK's own ApiException (code = HTTP status), so translate and the
          // kit's retry policy treat it like any other call's failure.
          throw Object.assign(new Error(`account-info answered HTTP ${res.status}`), {
            code: res.status,
            headers: res.headers,
          });
        }
        return (await res.json()) as unknown;
      });
    } catch (err) {
      if (err instanceof PortcullisError && err.code === 'cancelled') throw err;
      throw portalCurrencyUnknown(dealId, err);
    }
    const code = (details as { companyCurrency?: unknown } | null)?.companyCurrency;
    if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code))
      throw portalCurrencyUnknown(dealId, new Error('account-info answered no companyCurrency code'));
    this.companyCurrency = code;
    return code;
  }

  async createOpportunity(
    tenant: string,
    input: NewOpportunity,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>> {
    this.mustServe(tenant);
    return this.write(tenant, 'crm_create_opportunity', opts, input, async () => {
      const owner = await this.ownerFor(tenant, input.owner_id, opts.signal);
      if ((await this.readAccount(tenant, input.account_id, opts, false)) === null)
        throw errors.notFound(`Account ${input.account_id}`);
      const properties: Record<string, string> = {
        dealname: input.name,
        dealstage: this.stageToHub[input.stage],
        pipeline: this.pipeline,
        amount: String(input.amount),
        deal_currency_code: input.currency,
        closedate: `${input.close_date}T00:00:00.000Z`,
        ...this.ownerProps(owner),
      };
      const associations = [
        { to: { id: input.account_id }, types: [spec(this.hub.AssociationTypes.dealToCompany)] },
      ];
      const created = await this.call(opts.signal, (c) =>
        c.crm.objects.basicApi.create('deals', { properties, associations }),
      );
      return this.reread(tenant, created.id, (t, id) => this.readOpportunity(t, id, opts, false));
    });
  }

  async updateOpportunityStage(
    tenant: string,
    id: string,
    expectedVersion: number,
    stage: Stage,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>> {
    this.mustServe(tenant);
    return this.write(
      tenant,
      'crm_update_opportunity_stage',
      opts,
      { id, expectedVersion, stage },
      async () => {
        const current = await this.readOpportunity(tenant, id, opts, false);
        if (current === null) throw errors.notFound(`Opportunity ${id}`);
        if (current.version !== expectedVersion)
          throw staleVersion('Opportunity', id, expectedVersion, current.version, 'crm_search_opportunities');
        checkTransition(id, current.stage, stage);
        await this.call(opts.signal, (c) =>
          c.crm.objects.basicApi.update('deals', id, { properties: { dealstage: this.stageToHub[stage] } }),
        );
        return this.reread(tenant, id, (t, i) => this.readOpportunity(t, i, opts, false));
      },
      ['opportunity', id],
    );
  }

  // ---- activities

  async logActivity(tenant: string, input: NewActivity, opts: WriteOptions): Promise<WriteResult<Activity>> {
    this.mustServe(tenant);
    return this.write(tenant, 'crm_log_activity', opts, input, async () => {
      const target = activityAccount(input.account_id);
      if (input.opportunity_id !== null) {
        const o = await this.readOpportunity(tenant, input.opportunity_id, opts, false);
        if (o === null) throw errors.notFound(`Opportunity ${input.opportunity_id}`);
        target.link(o.account_id === '' ? null : o.account_id, 'opportunity');
      }
      if (input.contact_id !== null) {
        const c = await this.readContact(tenant, input.contact_id, opts, false);
        if (c === null) throw errors.notFound(`Contact ${input.contact_id}`);
        target.link(c.account_id, 'contact');
      }
      if (
        input.account_id !== null &&
        (await this.readAccount(tenant, input.account_id, opts, false)) === null
      ) {
        throw errors.notFound(`Account ${input.account_id}`);
      }
      const m = ENGAGEMENTS[input.type];
      const assoc = this.engagementAssociations[input.type];
      const occurredAt = new Date(input.occurred_at ?? Date.now()).toISOString();
      const properties: Record<string, string> = { hs_timestamp: occurredAt, ...m.extra };
      if (m.subject === null)
        properties[m.body] = input.body === null ? input.subject : `${input.subject}\n\n${input.body}`;
      else {
        properties[m.subject] = input.subject;
        if (input.body !== null) properties[m.body] = input.body;
      }
      const hubOwner = this.hubOwner(input.owner_id);
      if (hubOwner !== null) properties.hubspot_owner_id = hubOwner;
      const associations: { to: { id: string }; types: AssociationSpec[] }[] = [];
      if (target.accountId !== null)
        associations.push({ to: { id: target.accountId }, types: [spec(assoc.company)] });
      if (input.contact_id !== null)
        associations.push({ to: { id: input.contact_id }, types: [spec(assoc.contact)] });
      if (input.opportunity_id !== null)
        associations.push({ to: { id: input.opportunity_id }, types: [spec(assoc.deal)] });
      const created = await this.call(opts.signal, (c) =>
        c.crm.objects.basicApi.create(m.objectType, { properties, associations }),
      );
      const activity: Activity = {
        id: created.id,
        type: input.type,
        subject: input.subject,
        body: input.body,
        occurred_at: occurredAt,
        account_id: target.accountId,
        contact_id: input.contact_id,
        opportunity_id: input.opportunity_id,
        owner_id: input.owner_id,
        created_at: created.createdAt.toISOString(),
      };
      return activity;
    });
  }

  async listActivities(
    tenant: string,
    target: ActivityTarget,
    limit: number,
    opts?: ReadOptions,
  ): Promise<Activity[]> {
    if (!this.serves(tenant)) return [];
    const n = Math.min(100, Math.max(1, Math.floor(limit)));
    const filters: Filter[] = [];
    if (target.account_id !== undefined)
      filters.push(filter('associations.company', 'EQ', target.account_id));
    if (target.contact_id !== undefined)
      filters.push(filter('associations.contact', 'EQ', target.contact_id));
    if (target.opportunity_id !== undefined)
      filters.push(filter('associations.deal', 'EQ', target.opportunity_id));
    if (
      [target.account_id, target.contact_id, target.opportunity_id].some(
        (v) => v !== undefined && !isHubId(v),
      )
    )
      return [];
    // One search per engagement type (HubSpot keeps them apart), merged by time.
    const found = await Promise.all(
      ACTIVITY_TYPES.map(async (type) => {
        const m = ENGAGEMENTS[type];
        const props = [
          'hs_timestamp',
          'hubspot_owner_id',
          m.body,
          ...(m.subject === null ? [] : [m.subject]),
        ];
        const res = await this.call(opts?.signal, (c) =>
          c.crm.objects.searchApi.doSearch(m.objectType, {
            filterGroups: groupsOf(filters),
            sorts: sorts('hs_timestamp', 'DESCENDING'),
            properties: props,
            limit: n,
          }),
        );
        return res.results.map((o) => ({ type, o }));
      }),
    );
    const top = found
      .flat()
      .map(({ type, o }) => ({
        type,
        o,
        at: Date.parse(o.properties.hs_timestamp ?? '') || o.createdAt.getTime(),
      }))
      .sort((a, b) => b.at - a.at || (a.o.id < b.o.id ? -1 : 1))
      .slice(0, n);
    const links = new Map<string, { company: string | null; contact: string | null; deal: string | null }>();
    await Promise.all(
      ACTIVITY_TYPES.map(async (type) => {
        const ids = top.filter((t) => t.type === type).map((t) => t.o.id);
        if (ids.length === 0) return;
        const objectType = ENGAGEMENTS[type].objectType;
        const [company, contact, deal] = await Promise.all([
          this.associatedIds(objectType, ids, 'companies', opts?.signal),
          this.associatedIds(objectType, ids, 'contacts', opts?.signal),
          this.associatedIds(objectType, ids, 'deals', opts?.signal),
        ]);
        for (const id of ids)
          links.set(`${type}:${id}`, {
            company: company.get(id) ?? null,
            contact: contact.get(id) ?? null,
            deal: deal.get(id) ?? null,
          });
      }),
    );
    return top.map(({ type, o, at }) => {
      const m = ENGAGEMENTS[type];
      const l = links.get(`${type}:${o.id}`);
      let subject = m.subject === null ? '' : (o.properties[m.subject] ?? '');
      let body = nonEmpty(o.properties[m.body]);
      if (m.subject === null && body !== null) {
        const [first, ...rest] = body.split('\n\n');
        subject = first ?? '';
        body = rest.length > 0 ? rest.join('\n\n') : null;
      }
      return {
        id: o.id,
        type,
        subject,
        body,
        occurred_at: new Date(at).toISOString(),
        account_id: l?.company ?? null,
        contact_id: l?.contact ?? null,
        opportunity_id: l?.deal ?? null,
        owner_id: this.crmOwner(o.properties.hubspot_owner_id),
        created_at: o.createdAt.toISOString(),
      };
    });
  }

  async ping(): Promise<void> {
    await this.opts.store.ping();
  }

  // The kit owns the store; the connector owns its kept-alive connections.
  async close(): Promise<void> {
    this.agent.destroy();
  }

  // ---- helpers

  private async search(
    objectType: string,
    kind: string,
    scope: unknown,
    page: PageRequest,
    filterGroups: FilterGroup[],
    sortBy: string,
    direction: 'ASCENDING' | 'DESCENDING',
    properties: string[],
    signal: AbortSignal | undefined,
  ): Promise<Page<HubObject>> {
    const limit = clampLimit(page);
    const cursorScope = { tenant: this.opts.tenant, principal: page.principal, kind, query: scope };
    let after: string | undefined;
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      const a = (pos as { a?: unknown } | null)?.a;
      if (typeof a !== 'string' || a.length === 0 || a.length > 256) throw invalidCursor();
      after = a;
    }
    const res = await this.call(signal, (c) =>
      c.crm.objects.searchApi.doSearch(objectType, {
        filterGroups,
        sorts: sorts(sortBy, direction),
        properties,
        limit,
        ...(after === undefined ? {} : { after }),
      }),
    );
    const next = res.paging?.next?.after;
    return {
      items: res.results,
      next_cursor: next === undefined || next === '' ? null : this.cursors.encode(cursorScope, { a: next }),
      total: res.total,
    };
  }

  private emptyPage<T>(page: PageRequest, kind: string, scope: unknown): Page<T> {
    // Still validate the cursor, so a tampered one is refused the same way everywhere.
    if (page.cursor !== null)
      this.cursors.decode(page.cursor, {
        tenant: this.opts.tenant,
        principal: page.principal,
        kind,
        query: scope,
      });
    return { items: [], next_cursor: null, total: 0 };
  }

  /** First associated id of each record (one batch call per page). */
  private async associatedIds(
    fromType: string,
    ids: string[],
    toType: string,
    signal?: AbortSignal,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const res = await this.call(signal, (c) =>
      c.crm.associations.v4.batchApi.getPage(fromType, toType, { inputs: ids.map((id) => ({ id })) }),
    );
    for (const r of res.results) {
      const primary = r.to.find((t) => t.associationTypes.some((a) => a.label === 'Primary')) ?? r.to[0];
      if (primary !== undefined) out.set(r._from.id, String(primary.toObjectId));
    }
    return out;
  }

  /** Through the read cache when there is one and `use` (writes read fresh: a version check needs the upstream's). */
  private cached<T>(
    use: boolean,
    tenant: string,
    type: CacheType,
    id: string,
    load: () => Promise<T | null>,
  ): Promise<T | null> {
    const cache = this.opts.cache;
    return use && cache !== undefined ? cache.read(tenant, type, id, load) : load();
  }

  private async reread<T>(
    tenant: string,
    id: string,
    get: (tenant: string, id: string) => Promise<T | null>,
  ): Promise<T> {
    const r = await get(tenant, id);
    if (r === null)
      throw errors.upstream('hubspot', new Error(`record ${id} missing right after it was written`), true);
    return r;
  }

  /**
   * Reserve the key, write upstream, record the result; a failed write releases the key for a
   * retry. `touches` names the record the write changes: its cached copy is dropped once the write
   * has finished or failed (a failure may have changed part of it).
   */
  private async write<T>(
    tenant: string,
    tool: string,
    opts: WriteOptions,
    args: unknown,
    fn: () => Promise<T>,
    touches?: [CacheType, string],
  ): Promise<WriteResult<T>> {
    opts.signal?.throwIfAborted();
    const key = opts.idempotencyKey;
    const store = this.opts.store;
    const scope = key === null ? null : { tenant, principal: opts.principal ?? '', tool, key };
    if (scope !== null) {
      const r = await this.ledger.reserve<T>(store, scope, args);
      if (r.state === 'replay') return { record: r.result, replayed: true };
    }
    try {
      const record = await fn().finally(() =>
        touches === undefined ? undefined : this.opts.cache?.invalidate(tenant, ...touches),
      );
      if (scope !== null) await this.ledger.complete(store, scope, record);
      return { record, replayed: false };
    } catch (err) {
      if (scope !== null) await this.ledger.release(store, scope);
      throw err;
    }
  }
}

function op(o: Operator): Filter['operator'] {
  // The SDK types operators as an enum; its values are these strings.
  return o as unknown as Filter['operator'];
}

function filter(propertyName: string, operator: Operator, value: string): Filter {
  return { propertyName, operator: op(operator), value };
}

function groupsOf(filters: Filter[]): FilterGroup[] {
  return filters.length === 0 ? [] : [{ filters }];
}

/** HubSpot documents sorts as objects; the SDK types them as strings but sends them as given. */
function sorts(propertyName: string, direction: 'ASCENDING' | 'DESCENDING'): string[] {
  return [{ propertyName, direction }] as unknown as string[];
}

function spec(associationTypeId: number): AssociationSpec {
  return {
    associationCategory: 'HUBSPOT_DEFINED' as unknown as AssociationSpec['associationCategory'],
    associationTypeId,
  };
}

function firstAssociated(o: HubObject, type: string): string | null {
  return o.associations?.[type]?.results[0]?.id ?? null;
}

function nonEmpty(v: string | null | undefined): string | null {
  return v === null || v === undefined || v === '' ? null : v;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A deal's `amount` in whole units. Empty or absent is HubSpot's "no amount": 0. Anything else
 * that is not a finite decimal number is refused, naming the deal, so policy never sees a garbled
 * amount as a small one.
 */
function dealAmount(raw: string | null | undefined, id: string): number {
  const text = (raw ?? '').trim();
  if (text === '') return 0;
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (Number.isFinite(n)) return Math.round(n);
  throw new PortcullisError({
    code: 'invalid_deal_amount',
    category: 'upstream',
    message: `HubSpot deal ${id} has an amount that is not a number, so this server cannot tell what it is worth.`,
    retryable: false,
    remediation: "Ask the deal's owner or an operator to correct the deal's amount in HubSpot.",
  });
}

/**
 * A deal without a currency code whose currency (the portal's) is not known: no guess. Transient
 * when asking HubSpot failed transiently (then a retry may succeed).
 */
function portalCurrencyUnknown(id: string, cause?: unknown): PortcullisError {
  const retryable = cause instanceof PortcullisError && cause.retryable;
  return new PortcullisError({
    code: 'deal_currency_unknown',
    category: 'upstream',
    message: `HubSpot deal ${id} has no currency code, so its amount is in the portal's company currency, which this server could not read from HubSpot; it does not guess one.`,
    retryable,
    retryAfterMs: retryable ? cause.retryAfterMs : undefined,
    remediation: `${retryable ? 'Try again shortly. If it persists, ask' : 'Ask'} an operator to set CRM_HUBSPOT_CURRENCY to the portal's company currency.`,
    internal: cause,
  });
}

/** HubSpot record ids are numeric; anything else cannot exist there (and must not reach a URL). */
function isHubId(id: string): boolean {
  return /^\d{1,20}$/.test(id);
}

/**
 * Definite answers become PortcullisErrors (final, never retried); transient failures (429, 5xx,
 * network) and 401 stay raw so the kit retries them or refreshes the token.
 */
function translate(err: unknown): unknown {
  if (err instanceof PortcullisError) return err;
  const status =
    typeof (err as { code?: unknown } | null)?.code === 'number' ? (err as { code: number }).code : undefined;
  if (status === undefined || status === 401 || status === 408 || status === 429 || status >= 500) return err;
  if (status === 404) {
    return new PortcullisError({
      code: 'upstream_not_found',
      category: 'not_found',
      message: 'The record was not found in HubSpot.',
      internal: err,
    });
  }
  if (status === 409) {
    return new PortcullisError({
      code: 'upstream_conflict',
      category: 'conflict',
      message:
        'HubSpot refused the write because it conflicts with an existing record (for example a contact with the same email).',
      remediation: 'Search for the existing record and update it instead.',
      internal: err,
    });
  }
  if (status === 400) {
    return new PortcullisError({
      code: 'upstream_rejected',
      category: 'validation',
      message: 'HubSpot rejected the values of this request.',
      remediation: 'Check the field values (formats, allowed options) and try again.',
      internal: err,
    });
  }
  if (status === 403) {
    return new PortcullisError({
      code: 'upstream_forbidden',
      category: 'upstream',
      message: 'The HubSpot token is not allowed to do this.',
      retryable: false,
      remediation: 'Ask an operator to grant the private app the needed CRM scopes.',
      internal: err,
    });
  }
  return err;
}

import { randomBytes } from 'node:crypto';
import { errors } from '@portcullis/core';
import { invalidCursor, type CursorCodec } from '@portcullis/core/cursor';
import { IdempotencyLedger } from '@portcullis/core/idempotency';
import { clampLimit, COUNT_CAP } from '@portcullis/core/paging';
import type { Queryable, Store, StoreTransaction } from '@portcullis/core/store';
import type {
  AccountQuery,
  AccountRelated,
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
import { OPEN_STAGES } from './domain.js';
import type { Account, Activity, ActivityType, Contact, Opportunity, Owner, Stage } from './domain.js';
import {
  BILLING_CUSTOMERS,
  BILLING_LINK_STRIDE,
  DEMO_TENANTS,
  generateSeed,
  seedId,
  type SeedData,
} from './seed.js';

type Row = Record<string, unknown>;

/** Bumped when the demo data changes shape; an existing store keeps the data it was seeded with. */
const SEED_VERSION = 'demo-v1';

/**
 * The default backend: CRM tables in the kit's store (PGlite, or PostgreSQL with DATABASE_URL).
 * Writes run in one transaction with their idempotency reservation, so a crash can never leave a
 * write without its ledger entry or the other way round.
 */
export class EmbeddedBackend implements CrmBackend {
  readonly kind = 'embedded' as const;

  private constructor(
    private readonly store: Store,
    private readonly cursors: CursorCodec,
    private readonly ledger: IdempotencyLedger,
  ) {}

  /**
   * Expects the CRM migrations to have run. Seeds the demo tenants once when `seed` is set.
   * `cursors` is the kit's codec (openCursorCodec), so cursors survive restarts.
   */
  static async open(store: Store, opts: { seed: boolean; cursors: CursorCodec }): Promise<EmbeddedBackend> {
    const ledger = await IdempotencyLedger.open(store);
    if (opts.seed) await seedDemoData(store);
    return new EmbeddedBackend(store, opts.cursors, ledger);
  }

  async getOwner(tenant: string, ownerId: string): Promise<Owner | null> {
    const res = await this.store.query<Row>(
      'SELECT id, name, team FROM crm_owners WHERE tenant = $1 AND id = $2',
      [tenant, ownerId],
    );
    const r = res.rows[0];
    return r === undefined ? null : { id: str(r.id), name: str(r.name), team: str(r.team) };
  }

  // ---- accounts

  async searchAccounts(tenant: string, query: AccountQuery, page: PageRequest): Promise<Page<Account>> {
    const tokens = queryTokens(query.query, 3);
    const where = new Where(tenant);
    for (const t of tokens) where.add(`lower(name) ~ ${where.param(wordStart(t))}`);
    where.words = tokens.length > 0;
    if (query.industry !== undefined) where.add(`industry = ${where.param(query.industry)}`);
    if (query.region !== undefined) where.add(`region = ${where.param(query.region)}`);
    if (query.owner_id !== undefined) where.add(`owner_id = ${where.param(query.owner_id)}`);
    const scope = { tenant, tokens, industry: query.industry, region: query.region, owner: query.owner_id };
    return this.page(
      'accounts',
      'crm_accounts',
      where,
      scope,
      page,
      ['lower(name) COLLATE "C"', 'id COLLATE "C"'],
      (r) => [str(r.name).toLowerCase(), str(r.id)],
      toAccount,
    );
  }

  async getAccount(tenant: string, id: string): Promise<Account | null> {
    const res = await this.store.query<Row>('SELECT * FROM crm_accounts WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
    ]);
    return res.rows[0] === undefined ? null : toAccount(res.rows[0]);
  }

  /**
   * crm_get_account's contacts, open opportunities and recent activities in one statement, over one
   * snapshot: the same orders, limits and capped counts as searchContacts (by account),
   * searchOpportunities (by account, open stages) and listActivities. Each statement costs the
   * embedded store a fixed round trip into PGlite before it reads a row (one call once prepared,
   * the store's PreparedStatements), and this is one instead of five; the SQL is the PL/pgSQL function
   * crm_account_related (migration 0005), whose plans the connection keeps, so the five subqueries
   * are not planned again on every call.
   */
  async accountRelated(
    tenant: string,
    accountId: string,
    sizes: { size: number; recent: number },
  ): Promise<AccountRelated> {
    const size = Math.min(100, Math.max(1, Math.floor(sizes.size)));
    const recent = Math.min(100, Math.max(1, Math.floor(sizes.recent)));
    const res = await this.store.query<Row>(
      'SELECT * FROM crm_account_related($1, $2, $3::text[], $4::integer, $5::integer, $6::integer)',
      [tenant, accountId, [...new Set(OPEN_STAGES)].sort(), size, recent, COUNT_CAP + 1],
    );
    const r = one(res.rows);
    const rows = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]) : []);
    return {
      contacts: { items: rows(r.contacts).map(toContact), total: Math.min(Number(r.contacts_n), COUNT_CAP) },
      openOpportunities: {
        items: rows(r.opportunities).map(toOpportunity),
        total: Math.min(Number(r.opportunities_n), COUNT_CAP),
      },
      activities: rows(r.activities).map(toActivity),
    };
  }

  // ---- contacts

  async searchContacts(tenant: string, query: ContactQuery, page: PageRequest): Promise<Page<Contact>> {
    const tokens = queryTokens(query.query, 2);
    const where = new Where(tenant);
    for (const t of tokens) {
      const p = where.param(wordStart(t));
      where.add(`(lower(first_name) ~ ${p} OR lower(last_name) ~ ${p})`);
    }
    where.words = tokens.length > 0;
    if (query.account_id !== undefined) where.add(`account_id = ${where.param(query.account_id)}`);
    if (query.owner_id !== undefined) where.add(`owner_id = ${where.param(query.owner_id)}`);
    const scope = { tenant, tokens, account: query.account_id, owner: query.owner_id };
    return this.page(
      'contacts',
      'crm_contacts',
      where,
      scope,
      page,
      ['lower(last_name) COLLATE "C"', 'lower(first_name) COLLATE "C"', 'id COLLATE "C"'],
      (r) => [str(r.last_name).toLowerCase(), str(r.first_name).toLowerCase(), str(r.id)],
      toContact,
    );
  }

  async getContact(tenant: string, id: string): Promise<Contact | null> {
    const res = await this.store.query<Row>('SELECT * FROM crm_contacts WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
    ]);
    return res.rows[0] === undefined ? null : toContact(res.rows[0]);
  }

  createContact(tenant: string, input: NewContact, opts: WriteOptions): Promise<WriteResult<Contact>> {
    return this.write(tenant, 'crm_create_contact', opts, input, async (tx) => {
      const owner = await ownerIn(tx, tenant, input.owner_id);
      if (input.account_id !== null) await mustExist(tx, 'crm_accounts', 'Account', tenant, input.account_id);
      const res = await tx.query<Row>(
        `INSERT INTO crm_contacts (id, tenant, account_id, first_name, last_name, title, email, phone, owner_id, team, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now(), 1) RETURNING *`,
        [
          newId('con'),
          tenant,
          input.account_id,
          input.first_name,
          input.last_name,
          input.title,
          input.email,
          input.phone,
          owner.id,
          owner.team,
        ],
      );
      return toContact(one(res.rows));
    });
  }

  updateContact(
    tenant: string,
    id: string,
    expectedVersion: number,
    changes: ContactChanges,
    opts: WriteOptions,
  ): Promise<WriteResult<Contact>> {
    return this.write(tenant, 'crm_update_contact', opts, { id, expectedVersion, changes }, async (tx) => {
      const cur = await tx.query<Row>(
        'SELECT version FROM crm_contacts WHERE tenant = $1 AND id = $2 FOR UPDATE',
        [tenant, id],
      );
      const row = cur.rows[0];
      if (row === undefined) throw errors.notFound(`Contact ${id}`);
      const current = Number(row.version);
      if (current !== expectedVersion)
        throw staleVersion('Contact', id, expectedVersion, current, 'crm_get_contact');
      const sets: string[] = [];
      const params: unknown[] = [tenant, id];
      const set = (col: string, v: unknown): void => {
        params.push(v);
        sets.push(`${col} = $${params.length}`);
      };
      if (changes.first_name !== undefined) set('first_name', changes.first_name);
      if (changes.last_name !== undefined) set('last_name', changes.last_name);
      if (changes.title !== undefined) set('title', changes.title);
      if (changes.email !== undefined) set('email', changes.email);
      if (changes.phone !== undefined) set('phone', changes.phone);
      if (changes.account_id !== undefined) {
        if (changes.account_id !== null)
          await mustExist(tx, 'crm_accounts', 'Account', tenant, changes.account_id);
        set('account_id', changes.account_id);
      }
      if (changes.owner_id !== undefined) {
        const owner = await ownerIn(tx, tenant, changes.owner_id);
        set('owner_id', owner.id);
        set('team', owner.team);
      }
      const res = await tx.query<Row>(
        `UPDATE crm_contacts SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
          WHERE tenant = $1 AND id = $2 RETURNING *`,
        params,
      );
      return toContact(one(res.rows));
    });
  }

  // ---- opportunities

  async searchOpportunities(
    tenant: string,
    query: OpportunityQuery,
    page: PageRequest,
  ): Promise<Page<Opportunity>> {
    const tokens = queryTokens(query.query, 2);
    const where = new Where(tenant);
    for (const t of tokens) where.add(`lower(name) ~ ${where.param(wordStart(t))}`);
    where.words = tokens.length > 0;
    if (query.account_id !== undefined) where.add(`account_id = ${where.param(query.account_id)}`);
    if (query.owner_id !== undefined) where.add(`owner_id = ${where.param(query.owner_id)}`);
    const stages = query.stages === undefined ? undefined : [...new Set(query.stages)].sort();
    if (stages !== undefined) {
      where.add(stages.length === 0 ? 'false' : `stage IN (${stages.map((s) => where.param(s)).join(', ')})`);
    }
    if (query.min_amount !== undefined) where.add(`amount >= ${where.param(query.min_amount)}`);
    const scope = {
      tenant,
      tokens,
      account: query.account_id,
      owner: query.owner_id,
      stages,
      min: query.min_amount,
    };
    return this.page(
      'opportunities',
      'crm_opportunities',
      where,
      scope,
      page,
      ['close_date COLLATE "C"', 'id COLLATE "C"'],
      (r) => [str(r.close_date), str(r.id)],
      toOpportunity,
      // The close-date and owner indexes carry stage and amount (migration 0006).
      true,
    );
  }

  async getOpportunity(tenant: string, id: string): Promise<Opportunity | null> {
    const res = await this.store.query<Row>('SELECT * FROM crm_opportunities WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
    ]);
    return res.rows[0] === undefined ? null : toOpportunity(res.rows[0]);
  }

  createOpportunity(
    tenant: string,
    input: NewOpportunity,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>> {
    return this.write(tenant, 'crm_create_opportunity', opts, input, async (tx) => {
      const owner = await ownerIn(tx, tenant, input.owner_id);
      await mustExist(tx, 'crm_accounts', 'Account', tenant, input.account_id);
      const res = await tx.query<Row>(
        `INSERT INTO crm_opportunities (id, tenant, account_id, name, stage, amount, currency, close_date, owner_id, team, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now(), 1) RETURNING *`,
        [
          newId('opp'),
          tenant,
          input.account_id,
          input.name,
          input.stage,
          input.amount,
          input.currency,
          input.close_date,
          owner.id,
          owner.team,
        ],
      );
      return toOpportunity(one(res.rows));
    });
  }

  updateOpportunityStage(
    tenant: string,
    id: string,
    expectedVersion: number,
    stage: Stage,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>> {
    return this.write(
      tenant,
      'crm_update_opportunity_stage',
      opts,
      { id, expectedVersion, stage },
      async (tx) => {
        const cur = await tx.query<Row>(
          'SELECT version, stage FROM crm_opportunities WHERE tenant = $1 AND id = $2 FOR UPDATE',
          [tenant, id],
        );
        const row = cur.rows[0];
        if (row === undefined) throw errors.notFound(`Opportunity ${id}`);
        const current = Number(row.version);
        if (current !== expectedVersion)
          throw staleVersion('Opportunity', id, expectedVersion, current, 'crm_search_opportunities');
        checkTransition(id, str(row.stage) as Stage, stage);
        const res = await tx.query<Row>(
          `UPDATE crm_opportunities SET stage = $3, version = version + 1, updated_at = now() WHERE tenant = $1 AND id = $2 RETURNING *`,
          [tenant, id, stage],
        );
        return toOpportunity(one(res.rows));
      },
    );
  }

  // ---- activities

  logActivity(tenant: string, input: NewActivity, opts: WriteOptions): Promise<WriteResult<Activity>> {
    return this.write(tenant, 'crm_log_activity', opts, input, async (tx) => {
      const target = activityAccount(input.account_id);
      if (input.opportunity_id !== null) {
        const r = await tx.query<Row>(
          'SELECT account_id FROM crm_opportunities WHERE tenant = $1 AND id = $2',
          [tenant, input.opportunity_id],
        );
        if (r.rows[0] === undefined) throw errors.notFound(`Opportunity ${input.opportunity_id}`);
        target.link(str(r.rows[0].account_id), 'opportunity');
      }
      if (input.contact_id !== null) {
        const r = await tx.query<Row>('SELECT account_id FROM crm_contacts WHERE tenant = $1 AND id = $2', [
          tenant,
          input.contact_id,
        ]);
        if (r.rows[0] === undefined) throw errors.notFound(`Contact ${input.contact_id}`);
        target.link(nstr(r.rows[0].account_id), 'contact');
      }
      if (input.account_id !== null) await mustExist(tx, 'crm_accounts', 'Account', tenant, input.account_id);
      const res = await tx.query<Row>(
        `INSERT INTO crm_activities (id, tenant, type, subject, body, occurred_at, account_id, contact_id, opportunity_id, owner_id, created_at)
         VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7, $8, $9, $10, now()) RETURNING *`,
        [
          newId('act'),
          tenant,
          input.type,
          input.subject,
          input.body,
          input.occurred_at,
          target.accountId,
          input.contact_id,
          input.opportunity_id,
          input.owner_id,
        ],
      );
      return toActivity(one(res.rows));
    });
  }

  async listActivities(tenant: string, target: ActivityTarget, limit: number): Promise<Activity[]> {
    const where = new Where(tenant);
    if (target.account_id !== undefined) where.add(`account_id = ${where.param(target.account_id)}`);
    if (target.contact_id !== undefined) where.add(`contact_id = ${where.param(target.contact_id)}`);
    if (target.opportunity_id !== undefined)
      where.add(`opportunity_id = ${where.param(target.opportunity_id)}`);
    const n = Math.min(100, Math.max(1, Math.floor(limit)));
    const res = await this.store.query<Row>(
      `SELECT * FROM crm_activities WHERE ${where.sql()} ORDER BY occurred_at DESC, id LIMIT ${n}`,
      where.params,
    );
    return res.rows.map(toActivity);
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }

  // The kit owns the store and closes it.
  async close(): Promise<void> {}

  // ---- helpers

  private async write<T>(
    tenant: string,
    tool: string,
    opts: WriteOptions,
    args: unknown,
    fn: (tx: StoreTransaction) => Promise<T>,
  ): Promise<WriteResult<T>> {
    opts.signal?.throwIfAborted();
    const key = opts.idempotencyKey;
    const scope = key === null ? null : { tenant, principal: opts.principal ?? '', tool, key };
    const { result, replayed } = await this.ledger.once(this.store, scope, args, fn);
    return { record: result, replayed };
  }

  /**
   * Keyset pagination: the cursor holds the sort key of the last row returned. With `idsFirst`
   * (for `order` terms that are plain columns), the page's ids are found first and only their rows are
   * read: an index that carries the filtered columns finds the ids alone, where reading rows to
   * test the filter would read every row the walk passes (a filter 1 in 100 reads 100 rows for
   * each one it keeps).
   */
  private async page<T>(
    kind: string,
    table: string,
    where: Where,
    scope: unknown,
    page: PageRequest,
    order: string[],
    keyOf: (r: Row) => string[],
    map: (r: Row) => T,
    idsFirst = false,
  ): Promise<Page<T>> {
    const limit = clampLimit(page);
    const cursorScope = { tenant: where.tenant, principal: page.principal, kind, query: scope };
    // Counting stops past COUNT_CAP (total is then a lower bound): a broad search costs the
    // same on a large tenant as on a small one.
    const countSql = (w: boolean) =>
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${where.sql(w)} LIMIT ${COUNT_CAP + 1}) m`;
    const countWords = countSql(true);
    const countPlain = countSql(false);
    const countParams = [...where.params];
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      if (
        !Array.isArray(pos) ||
        pos.length !== order.length ||
        !pos.every((v): v is string => typeof v === 'string')
      )
        throw invalidCursor();
      const ps = pos.map((v) => `${where.param(v)} COLLATE "C"`);
      where.add(`(${order.join(', ')}) > (${ps.join(', ')})`);
    }
    const pageSql = (w: boolean) =>
      !idsFirst
        ? `SELECT * FROM ${table} WHERE ${where.sql(w)} ORDER BY ${order.join(', ')} LIMIT ${limit + 1}`
        : `SELECT t.* FROM ${table} t JOIN (SELECT id AS page_id FROM ${table} WHERE ${where.sql(w)}
             ORDER BY ${order.join(', ')} LIMIT ${limit + 1}) p ON t.id = p.page_id AND t.tenant = $1
           ORDER BY ${order.map((o) => `t.${o}`).join(', ')}`;
    let counted: number;
    let res: { rows: Row[] };
    if (!where.words) {
      counted = Number((await this.store.query<{ n: string }>(countPlain, countParams)).rows[0]?.n ?? 0);
      res = await this.store.query<Row>(pageSql(false), where.params);
    } else {
      // Name words: the planner's guess of how many rows a word matches comes from a sample, and
      // a wrong guess walks the name index from the start (a first word's matches sit together,
      // late in name order). The trigram indexes find the matches in a time that follows their
      // number, so both queries read through them while the count shows at most COUNT_CAP
      // matches: bitmap scans only, and the tenant condition written so that no tenant-leading
      // index can stand in for them (that would read the whole tenant). Past COUNT_CAP the words
      // are broad and the planner picks the page plan. Each statement text here always runs under
      // the same settings: the store keeps statements prepared, and PostgreSQL makes a kept
      // statement's generic plan under the settings in force when it first makes one.
      ({ counted, res } = await this.store.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        await tx.query('SET LOCAL enable_indexscan = off');
        const n = Number((await tx.query<{ n: string }>(countWords, countParams)).rows[0]?.n ?? 0);
        if (n > COUNT_CAP) {
          await tx.query('SET LOCAL enable_seqscan = on');
          await tx.query('SET LOCAL enable_indexscan = on');
        }
        return { counted: n, res: await tx.query<Row>(pageSql(n <= COUNT_CAP), where.params) };
      }));
    }
    const more = res.rows.length > limit;
    const rows = more ? res.rows.slice(0, limit) : res.rows;
    const last = rows[rows.length - 1];
    return {
      items: rows.map(map),
      next_cursor: more && last !== undefined ? this.cursors.encode(cursorScope, keyOf(last)) : null,
      total: Math.min(counted, COUNT_CAP),
      ...(counted > COUNT_CAP ? { total_is_lower_bound: true as const } : {}),
    };
  }
}

/** WHERE clauses with numbered parameters, always scoped to the tenant. */
class Where {
  /** A name-word predicate was added (the trigram indexes serve it). */
  words = false;
  readonly params: unknown[];
  private readonly clauses: string[] = ['tenant = $1'];

  constructor(readonly tenant: string) {
    this.params = [tenant];
  }

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  /** With `wordsFirst`, the tenant condition is not one an index can serve (see page()). */
  sql(wordsFirst = false): string {
    return (wordsFirst ? ["(tenant || '') = $1", ...this.clauses.slice(1)] : this.clauses).join(' AND ');
  }
}

/** A regex matching `token` at the start of a word; tokens are letters and digits only, so safe in a regex. */
function wordStart(token: string): string {
  return `(^|[^[:alnum:]])${token}`;
}

async function ownerIn(q: Queryable, tenant: string, ownerId: string): Promise<Owner> {
  const res = await q.query<Row>('SELECT id, name, team FROM crm_owners WHERE tenant = $1 AND id = $2', [
    tenant,
    ownerId,
  ]);
  const r = res.rows[0];
  if (r === undefined) throw unknownOwner(ownerId);
  return { id: str(r.id), name: str(r.name), team: str(r.team) };
}

async function mustExist(
  q: Queryable,
  table: string,
  what: string,
  tenant: string,
  id: string,
): Promise<void> {
  const res = await q.query(`SELECT 1 FROM ${table} WHERE tenant = $1 AND id = $2`, [tenant, id]);
  if (res.rows.length === 0) throw errors.notFound(`${what} ${id}`);
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

function one(rows: Row[]): Row {
  const r = rows[0];
  if (r === undefined) throw errors.internal(new Error('write returned no row'));
  return r;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function nstr(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const text = str(v);
  const d = new Date(text);
  if (!Number.isNaN(d.getTime())) return d.toISOString();
  // JSON from PostgreSQL writes a zone's local mean time with seconds in the offset (New York
  // before 1883: -04:56:02), which Date does not parse; a server not on UTC gives those.
  const m = /^(.+?)([+-])(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (m) {
    const offset = (Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5])) * 1000;
    return new Date(new Date(`${m[1]}Z`).getTime() - (m[2] === '+' ? offset : -offset)).toISOString();
  }
  return d.toISOString();
}

function toAccount(r: Row): Account {
  return {
    id: str(r.id),
    tenant: str(r.tenant),
    name: str(r.name),
    domain: nstr(r.domain),
    industry: str(r.industry),
    region: str(r.region),
    owner_id: str(r.owner_id),
    team: str(r.team),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    version: Number(r.version),
  };
}

function toContact(r: Row): Contact {
  return {
    id: str(r.id),
    tenant: str(r.tenant),
    account_id: nstr(r.account_id),
    first_name: str(r.first_name),
    last_name: str(r.last_name),
    title: nstr(r.title),
    email: nstr(r.email),
    phone: nstr(r.phone),
    billing_customer_id: nstr(r.billing_customer_id),
    owner_id: str(r.owner_id),
    team: str(r.team),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    version: Number(r.version),
  };
}

function toOpportunity(r: Row): Opportunity {
  return {
    id: str(r.id),
    tenant: str(r.tenant),
    account_id: str(r.account_id),
    name: str(r.name),
    stage: str(r.stage) as Stage,
    amount: Number(r.amount),
    currency: str(r.currency),
    close_date: str(r.close_date),
    owner_id: str(r.owner_id),
    team: str(r.team),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    version: Number(r.version),
  };
}

function toActivity(r: Row): Activity {
  return {
    id: str(r.id),
    type: str(r.type) as ActivityType,
    subject: str(r.subject),
    body: nstr(r.body),
    occurred_at: iso(r.occurred_at),
    account_id: nstr(r.account_id),
    contact_id: nstr(r.contact_id),
    opportunity_id: nstr(r.opportunity_id),
    owner_id: str(r.owner_id),
    created_at: iso(r.created_at),
  };
}

/** Inserts the demo tenants once; the marker row and the data commit together. */
async function seedDemoData(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    const marker = (key: string) =>
      tx.query(
        `INSERT INTO crm_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
        [key, SEED_VERSION],
      );
    if ((await marker('seed')).rowCount === 0) {
      // Seeded before contacts carried their billing link: add it, once (its own marker: a start
      // after that runs none of these 20 updates), touching nothing else.
      if ((await marker('seed-billing-links')).rowCount === 0) return;
      for (const [tenant, count] of Object.entries(BILLING_CUSTOMERS)) {
        for (let i = 0; i < count; i++) {
          await tx.query(
            'UPDATE crm_contacts SET billing_customer_id = $1 WHERE tenant = $2 AND id = $3 AND billing_customer_id IS NULL',
            [
              `cus_${tenant}_${String(i + 1).padStart(4, '0')}`,
              tenant,
              seedId('con', tenant, i * BILLING_LINK_STRIDE),
            ],
          );
        }
      }
      return;
    }
    for (const tenant of Object.keys(DEMO_TENANTS)) await insertSeed(tx, generateSeed(tenant));
    await marker('seed-billing-links'); // this seed has its links
  });
}

export async function insertSeed(q: Queryable, data: SeedData): Promise<void> {
  const t = data.tenant;
  await insertRows(
    q,
    'crm_teams',
    ['tenant', 'id', 'name', 'manager_id'],
    data.teams.map((x) => [t, x.id, x.name, x.manager_id]),
  );
  await insertRows(
    q,
    'crm_owners',
    ['tenant', 'id', 'name', 'email', 'team'],
    data.owners.map((x) => [t, x.id, x.name, x.email, x.team]),
  );
  await insertRows(
    q,
    'crm_accounts',
    [
      'id',
      'tenant',
      'name',
      'domain',
      'industry',
      'region',
      'owner_id',
      'team',
      'created_at',
      'updated_at',
      'version',
    ],
    data.accounts.map((x) => [
      x.id,
      t,
      x.name,
      x.domain,
      x.industry,
      x.region,
      x.owner_id,
      x.team,
      x.created_at,
      x.updated_at,
      x.version,
    ]),
  );
  await insertRows(
    q,
    'crm_contacts',
    [
      'id',
      'tenant',
      'account_id',
      'first_name',
      'last_name',
      'title',
      'email',
      'phone',
      'owner_id',
      'team',
      'created_at',
      'updated_at',
      'version',
      'billing_customer_id',
    ],
    data.contacts.map((x) => [
      x.id,
      t,
      x.account_id,
      x.first_name,
      x.last_name,
      x.title,
      x.email,
      x.phone,
      x.owner_id,
      x.team,
      x.created_at,
      x.updated_at,
      x.version,
      x.billing_customer_id,
    ]),
  );
  await insertRows(
    q,
    'crm_opportunities',
    [
      'id',
      'tenant',
      'account_id',
      'name',
      'stage',
      'amount',
      'currency',
      'close_date',
      'owner_id',
      'team',
      'created_at',
      'updated_at',
      'version',
    ],
    data.opportunities.map((x) => [
      x.id,
      t,
      x.account_id,
      x.name,
      x.stage,
      x.amount,
      x.currency,
      x.close_date,
      x.owner_id,
      x.team,
      x.created_at,
      x.updated_at,
      x.version,
    ]),
  );
  await insertRows(
    q,
    'crm_activities',
    [
      'id',
      'tenant',
      'type',
      'subject',
      'body',
      'occurred_at',
      'account_id',
      'contact_id',
      'opportunity_id',
      'owner_id',
      'created_at',
    ],
    data.activities.map((x) => [
      x.id,
      t,
      x.type,
      x.subject,
      x.body,
      x.occurred_at,
      x.account_id,
      x.contact_id,
      x.opportunity_id,
      x.owner_id,
      x.created_at,
    ]),
  );
}

async function insertRows(q: Queryable, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  // Chunks keep each statement far below PostgreSQL's 65,535 parameter limit.
  const chunk = Math.max(1, Math.floor(4000 / cols.length));
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const params: unknown[] = [];
    const tuples = part.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
    await q.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

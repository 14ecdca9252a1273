import type { CountedPage, PageRequest } from '@portcullis/core/paging';
import type { Account, Activity, ActivityType, Contact, Opportunity, Owner, Stage } from './domain.js';
import type { MoneyTable } from '@portcullis/core/money';
import type { EmailService } from './email/service.js';

// Paging is the kit's (one cap, signed cursors); CRM searches also count their matches.
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@portcullis/core/paging';
export type { PageRequest } from '@portcullis/core/paging';
export type Page<T> = CountedPage<T>;

export interface AccountQuery {
  /** Words that must each start a word of the account name (case-insensitive). */
  query?: string;
  industry?: string;
  region?: string;
  owner_id?: string;
}

export interface ContactQuery {
  /** Words that must each start a word of the contact's first or last name. */
  query?: string;
  account_id?: string;
  owner_id?: string;
}

export interface OpportunityQuery {
  query?: string;
  account_id?: string;
  owner_id?: string;
  stages?: Stage[];
  min_amount?: number;
}

export interface NewContact {
  account_id: string | null;
  first_name: string;
  last_name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  owner_id: string;
}

/** Fields to change; absent means unchanged, null clears an optional field. */
export interface ContactChanges {
  first_name?: string;
  last_name?: string;
  title?: string | null;
  email?: string | null;
  phone?: string | null;
  account_id?: string | null;
  owner_id?: string;
}

export interface NewOpportunity {
  account_id: string;
  name: string;
  stage: Stage;
  amount: number;
  currency: string;
  close_date: string;
  owner_id: string;
}

export interface NewActivity {
  type: ActivityType;
  subject: string;
  body: string | null;
  /** ISO 8601; null means now. Null rather than a default so an idempotent retry hashes the same. */
  occurred_at: string | null;
  account_id: string | null;
  contact_id: string | null;
  opportunity_id: string | null;
  /** Who logged it (the principal), not necessarily a CRM owner. */
  owner_id: string;
}

export interface WriteOptions {
  /** Caller's idempotency key: a repeat with the same key and arguments returns the first result. */
  idempotencyKey: string | null;
  /** Whose key it is (keys are per tenant, principal and tool); the tools always pass the caller. */
  principal?: string;
  signal?: AbortSignal;
}

export interface WriteResult<T> {
  record: T;
  /** True when this answer is the stored result of an earlier call with the same idempotency key. */
  replayed: boolean;
}

export interface ActivityTarget {
  account_id?: string;
  contact_id?: string;
  opportunity_id?: string;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

/** A page's first items with the count of all matches (capped as a search's `total` is). */
export interface FirstItems<T> {
  items: T[];
  total: number;
}

/** What crm_get_account shows beside the account (see CrmBackend.accountRelated). */
export interface AccountRelated {
  /** The first `size` contacts by name, as crm_search_contacts with account_id orders them. */
  contacts: FirstItems<Contact>;
  /** The first `size` open opportunities by close date, as crm_search_opportunities orders them. */
  openOpportunities: FirstItems<Opportunity>;
  /** The `recent` latest activities, as listActivities orders them. */
  activities: Activity[];
}

/**
 * What the tools call. Every method is scoped to one tenant: a record of another tenant does not
 * exist for it (null / not_found), so cross-tenant reads cannot happen below policy either.
 *
 * Errors are PortcullisErrors: `validation` (bad cursor, unknown owner), `not_found`, `conflict`
 * (`stale_version`, `illegal_stage_transition`, `idempotency_key_reused`, `idempotency_in_progress`)
 * and `upstream` (the HubSpot connector).
 */
export interface CrmBackend {
  readonly kind: 'embedded' | 'hubspot';
  /** Customer e-mail (src/email/), attached at start next to either backend. */
  email?: EmailService;
  /** CRM_LARGE_DEAL_THRESHOLD, attached at start (the default table when absent). */
  largeDealThreshold?: MoneyTable;

  getOwner(tenant: string, ownerId: string, opts?: ReadOptions): Promise<Owner | null>;

  searchAccounts(
    tenant: string,
    query: AccountQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Account>>;
  getAccount(tenant: string, id: string, opts?: ReadOptions): Promise<Account | null>;
  /**
   * An account's contacts, open opportunities and recent activities in one read, for a backend
   * that can do better than the three searches (the embedded store: one statement instead of five,
   * over one snapshot). Optional: without it the tool makes the searches; both give the same answer.
   */
  accountRelated?(
    tenant: string,
    accountId: string,
    sizes: { size: number; recent: number },
    opts?: ReadOptions,
  ): Promise<AccountRelated>;

  searchContacts(
    tenant: string,
    query: ContactQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Contact>>;
  getContact(tenant: string, id: string, opts?: ReadOptions): Promise<Contact | null>;
  createContact(tenant: string, input: NewContact, opts: WriteOptions): Promise<WriteResult<Contact>>;
  /** Fails with conflict `stale_version` unless the record is still at `expectedVersion`. */
  updateContact(
    tenant: string,
    id: string,
    expectedVersion: number,
    changes: ContactChanges,
    opts: WriteOptions,
  ): Promise<WriteResult<Contact>>;

  searchOpportunities(
    tenant: string,
    query: OpportunityQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<Opportunity>>;
  getOpportunity(tenant: string, id: string, opts?: ReadOptions): Promise<Opportunity | null>;
  createOpportunity(
    tenant: string,
    input: NewOpportunity,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>>;
  /** Legal transitions only (STAGE_TRANSITIONS); optimistic concurrency as for updateContact. */
  updateOpportunityStage(
    tenant: string,
    id: string,
    expectedVersion: number,
    stage: Stage,
    opts: WriteOptions,
  ): Promise<WriteResult<Opportunity>>;

  logActivity(tenant: string, input: NewActivity, opts: WriteOptions): Promise<WriteResult<Activity>>;
  /** Most recent first. */
  listActivities(
    tenant: string,
    target: ActivityTarget,
    limit: number,
    opts?: ReadOptions,
  ): Promise<Activity[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

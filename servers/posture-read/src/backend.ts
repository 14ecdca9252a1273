import type { CountedPage, PageRequest } from '@portcullis/core/paging';
import type {
  AssetRecord,
  ComplianceMapping,
  FindingRecord,
  GroupField,
  HistoryEntry,
  Severity,
  Status,
} from './domain.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@portcullis/core/paging';
export type { PageRequest } from '@portcullis/core/paging';
export type Page<T> = CountedPage<T> & {
  /**
   * Set when `total` is only a lower bound: counting stopped at its cap (more than `total` records
   * match), or a text search that tests rows one by one (`scan_incomplete`, or a later page of
   * one) did not test them all.
   */
  total_is_lower_bound?: true;
  /**
   * Set when the search stopped testing before it knew whether more of the page's matches follow:
   * the trigram index could not narrow its text to TEXT_CANDIDATES candidates (the text has no
   * three letters or digits in a row, holds U+0001, or more records hold its words), so one call
   * tests at most SCAN_WINDOW records in page order. The page may be short, even empty; more may
   * match after next_cursor.
   */
  scan_incomplete?: true;
};

/**
 * The most candidates a search with a text answers from (the embedded store's searchPage): the rows
 * the caller may see holding a few of the text's trigrams, read through the trigram index, at most
 * this many and one more. With more, it tests rows in page order instead, SCAN_WINDOW at most.
 */
export const TEXT_CANDIDATES = 1_000;

/**
 * How many rows a search with a text the trigram index cannot narrow (the embedded store's
 * searchPage) tests in one call, in page order from the cursor; it stops sooner, at the match that
 * fills its page. In the bench, such a call for a text no finding holds took 9.5-13.1 ms at 100,000
 * findings against 7.2-9.3 at 1,000, where testing every finding took 179 ms; at 1,000 findings one
 * call tests them all.
 */
export const SCAN_WINDOW = 2_000;

/**
 * A walk in page order after too many candidates (the embedded store's searchPage) looks a
 * framework or control up by key for each finding holding the text when at most one in
 * LOOKUP_SHARE of the candidates passing the filters holds it (the walk tests only findings passing
 * them): a walk of SCAN_WINDOW findings that holds the text as often as those candidates do looks
 * up about 200 at most. Otherwise, and for a text with no candidates to count (no trigram) or none
 * passing the filters, PostgreSQL plans the test as it chooses (for many rows, a hash of every
 * mapping the condition matches).
 */
export const LOOKUP_SHARE = 10;

/**
 * Which cloud accounts a principal may see: null for all of its tenant's, else exactly these
 * (the principal's `accounts` attribute). Every read applies it, in lists, counts and records alike.
 */
export type AccountScope = readonly string[] | null;

export interface FindingQuery {
  severity_at_least?: Severity;
  status?: Status[];
  source?: string;
  account?: string;
  region?: string;
  resource_type?: string;
  resource_id?: string;
  rule?: string;
  framework?: string;
  control?: string;
  text?: string;
}

export interface AssetQuery {
  account?: string;
  region?: string;
  type?: string;
  exposed?: boolean;
  text?: string;
}

export interface FindingDetail {
  finding: FindingRecord;
  asset: AssetRecord | null;
  compliance: ComplianceMapping[];
  history: HistoryEntry[];
}

export interface SummaryGroup {
  keys: Record<string, string>;
  count: number;
}

export interface ExposureRow {
  /** Place in the ranking across all pages, from 1. */
  rank: number;
  asset: AssetRecord;
  open_critical: number;
  open_high: number;
  oldest_open_since: string;
}

export interface ControlStatus {
  framework: string;
  control: string;
  title: string;
  status: 'passed' | 'failed' | 'not_evaluated';
  failed_findings: number;
  passed_findings: number;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

/**
 * What the tools call: reads only, every method scoped to one tenant and an account scope. There
 * is no write method on this interface: the import and sync commands write through the ingest
 * module, outside the server.
 */
export interface PostureBackend {
  readonly kind: 'embedded' | 'securityhub';
  searchFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<FindingRecord>>;
  getFinding(
    tenant: string,
    scope: AccountScope,
    id: string,
    opts?: ReadOptions,
  ): Promise<FindingDetail | null>;
  summarizeFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    groupBy: GroupField[],
    opts?: ReadOptions,
  ): Promise<{ total: number; groups: SummaryGroup[] }>;
  searchAssets(
    tenant: string,
    scope: AccountScope,
    query: AssetQuery,
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<AssetRecord>>;
  getAsset(tenant: string, scope: AccountScope, id: string, opts?: ReadOptions): Promise<AssetRecord | null>;
  /** Open findings of one asset, most severe first, and their counts by severity. */
  assetFindings(
    tenant: string,
    scope: AccountScope,
    assetId: string,
    limit: number,
    opts?: ReadOptions,
  ): Promise<{ by_severity: Record<Severity, number>; items: FindingRecord[] }>;
  listExposures(
    tenant: string,
    scope: AccountScope,
    query: { account?: string },
    page: PageRequest,
    opts?: ReadOptions,
  ): Promise<Page<ExposureRow>>;
  complianceSummary(
    tenant: string,
    scope: AccountScope,
    query: { framework?: string; account?: string },
    opts?: ReadOptions,
  ): Promise<ControlStatus[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

import type { AwsSecurityFindingFilters, FindingHistoryRecord } from '@aws-sdk/client-securityhub';
import { PortcullisError } from '@portcullis/core';
import type { AwsAccountCredentials } from '@portcullis/core/aws-accounts';
import type { UpstreamCache } from '@portcullis/core/cache';
import { canonicalHash } from '@portcullis/core/canonical';
import { invalidCursor, type CursorCodec } from '@portcullis/core/cursor';
import { clampLimit } from '@portcullis/core/paging';
import type {
  AccountScope,
  AssetQuery,
  ControlStatus,
  ExposureRow,
  FindingDetail,
  FindingQuery,
  Page,
  PageRequest,
  PostureBackend,
  ReadOptions,
  SummaryGroup,
} from './backend.js';
import {
  SEVERITIES,
  severityRank,
  type AssetRecord,
  type ComplianceMapping,
  type FindingRecord,
  type GroupField,
  type HistoryEntry,
  type Severity,
} from './domain.js';
import type { LiveTenant } from './config.js';
import { compareControls } from './embedded.js';
import { CONTROLS } from './frameworks.js';
import { asffStatus, fromAsff } from './importers/normalize.js';
import { assetId, findingId } from './ingest.js';
import { SECURITYHUB_PAGE_SIZE, SecurityHubSource, type SortCriteria } from './securityhub.js';

export interface SecurityHubBackendOptions {
  /** The aggregation region (Security Hub cross-region aggregation answers for every linked region). */
  region: string;
  /** A local fake in tests (POSTURE_SECURITYHUB_ENDPOINT). */
  endpoint?: string;
  tenants: ReadonlyMap<string, LiveTenant>;
  /** Per-account credentials (AWS_ACCOUNT_ROLES); each administrator account is read with its own. */
  credentials?: AwsAccountCredentials;
  cursors: CursorCodec;
  callUpstream?: <T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => Promise<T>;
  /** Most findings one answer may read from Security Hub (counts, summaries, assets); default 5000. */
  maxScan?: number;
  /** Upstream pages one search page may read while skipping non-matching findings; default 10. */
  maxPagesPerSearch?: number;
  /** How long a scan's findings are reused by the next call with the same filters; default 30 s. */
  scanTtlMs?: number;
  /**
   * Read-through cache of GetFindings pages (types `finding`: a read by Id; `findings`: search and
   * scan pages), keyed by tenant, administrator account and the exact request (filters carry the
   * principal's accounts).
   */
  cache?: UpstreamCache;
}

/** A finding as live mode maps it: the same record, asset and compliance the store would keep. */
interface LiveFinding {
  finding: FindingRecord;
  asset: AssetRecord;
  compliance: ComplianceMapping[];
}

const LABELS: Record<Severity, string> = {
  informational: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

// Most severe first, then newest first (as the store orders them); ties in Security Hub's order.
const SEARCH_SORT: SortCriteria = [
  { Field: 'SeverityNormalized', SortOrder: 'desc' },
  { Field: 'FirstObservedAt', SortOrder: 'desc' },
];
const SCAN_SORT: SortCriteria = [{ Field: 'Id', SortOrder: 'asc' }];
const CONTROL_ID = /^[A-Za-z0-9-]+\.\d+$/;
const LIVE_BATCH = 'securityhub-live';
const MAX_INDEX = 100_000;

/**
 * POSTURE_BACKEND=securityhub: the tools answer from AWS Security Hub directly, through GetFindings
 * and GetFindingHistory only (reads). Filters Security Hub can express exactly go upstream (accounts, severity, open or
 * suppressed status, resource type and id, control id); every filter is then checked again on the
 * mapped record, so results mean exactly what the store's do. Search pages carry Security Hub's
 * NextToken inside the kit's signed cursor. Counts, summaries, assets, exposures and compliance
 * are computed from a bounded scan of the matching findings (maxScan; beyond it the tool says so).
 * A finding's history comes from GetFindingHistory (Security Hub keeps 90 days): its status changes.
 */
export class SecurityHubBackend implements PostureBackend {
  readonly kind = 'securityhub' as const;
  private readonly sources = new Map<string, SecurityHubSource>();
  private readonly maxScan: number;
  private readonly maxPages: number;
  private readonly scanTtlMs: number;
  private readonly scans = new Map<string, { at: number; items: LiveFinding[] }>();
  /** Finding id → the Security Hub Id it was mapped from (ids are hashes, so they are looked up). */
  private readonly index = new Map<string, { tenant: string; hubId: string }>();

  constructor(private readonly opts: SecurityHubBackendOptions) {
    this.maxScan = opts.maxScan ?? 5000;
    this.maxPages = opts.maxPagesPerSearch ?? 10;
    this.scanTtlMs = opts.scanTtlMs ?? 30_000;
  }

  // ---- findings

  async searchFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    page: PageRequest,
    opts: ReadOptions = {},
  ): Promise<Page<FindingRecord>> {
    const limit = clampLimit(page);
    const accounts = this.allowed(tenant, scope, query.account);
    const cursorScope = { tenant, principal: page.principal, kind: 'findings', query: normalise(query) };
    let token: string | undefined;
    let skip = 0;
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      if (typeof pos !== 'object' || pos === null || Array.isArray(pos)) throw invalidCursor();
      const { t, s } = pos as { t?: unknown; s?: unknown };
      if ((t !== null && (typeof t !== 'string' || t.length === 0 || t.length > 2048)) || !isCount(s))
        throw invalidCursor();
      token = t ?? undefined;
      skip = s;
    }
    if (accounts.length === 0) return { items: [], next_cursor: null, total: 0 };
    const source = this.source(tenant);
    const filters = pushDown(accounts, query);
    const total = (await this.scan(tenant, accounts, query, opts.signal)).length;
    const items: FindingRecord[] = [];
    for (let pages = 0; pages < this.maxPages; pages++) {
      const res = await this.page(
        tenant,
        'findings',
        source,
        filters,
        token,
        SECURITYHUB_PAGE_SIZE,
        opts.signal,
        SEARCH_SORT,
      );
      if (skip > res.findings.length) throw invalidCursor();
      for (let i = skip; i < res.findings.length; i++) {
        const live = this.map(tenant, res.findings[i]);
        if (live === null || !matches(live, accounts, query)) continue;
        items.push(live.finding);
        if (items.length === limit) {
          const more = i + 1 < res.findings.length || res.nextToken !== undefined;
          const next =
            i + 1 < res.findings.length ? { t: token ?? null, s: i + 1 } : { t: res.nextToken ?? null, s: 0 };
          return { items, next_cursor: more ? this.cursors.encode(cursorScope, next) : null, total };
        }
      }
      if (res.nextToken === undefined) return { items, next_cursor: null, total };
      token = res.nextToken;
      skip = 0;
    }
    // Many non-matching findings in a row: a short (even empty) page, and the cursor goes on from there.
    return { items, next_cursor: this.cursors.encode(cursorScope, { t: token ?? null, s: 0 }), total };
  }

  async getFinding(
    tenant: string,
    scope: AccountScope,
    id: string,
    opts: ReadOptions = {},
  ): Promise<FindingDetail | null> {
    const accounts = this.allowed(tenant, scope, undefined);
    if (accounts.length === 0) return null;
    let entry = this.index.get(id);
    // Not seen yet: one scan of the principal's accounts fills the index.
    if (entry === undefined) {
      await this.scan(tenant, accounts, {}, opts.signal);
      entry = this.index.get(id);
    }
    if (entry === undefined || entry.tenant !== tenant) return null;
    // Read again by Id, within the principal's accounts, so the answer is current and in scope.
    const res = await this.page(
      tenant,
      'finding',
      this.source(tenant),
      { Id: [{ Value: entry.hubId, Comparison: 'EQUALS' }], AwsAccountId: accountFilter(accounts) },
      undefined,
      1,
      opts.signal,
      SCAN_SORT,
    );
    const live = res.findings.length > 0 ? this.map(tenant, res.findings[0]) : null;
    if (live === null || live.finding.id !== id) return null;
    const raw = res.findings[0] as { Id?: unknown; ProductArn?: unknown };
    const history =
      typeof raw.Id === 'string' && typeof raw.ProductArn === 'string'
        ? liveHistory(
            res.findings[0],
            await this.source(tenant).findingHistory({ Id: raw.Id, ProductArn: raw.ProductArn }, opts.signal),
          )
        : [];
    return { finding: live.finding, asset: live.asset, compliance: live.compliance, history };
  }

  async summarizeFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    groupBy: GroupField[],
    opts: ReadOptions = {},
  ): Promise<{ total: number; groups: SummaryGroup[] }> {
    const accounts = this.allowed(tenant, scope, query.account);
    const all = await this.scan(tenant, accounts, query, opts.signal);
    const groups = new Map<string, { keys: Record<string, string>; ids: Set<string> }>();
    for (const l of all) {
      const rows = groupBy.includes('framework') ? l.compliance.map((c) => c.framework) : [null];
      for (const framework of new Set(rows)) {
        const keys = Object.fromEntries(
          groupBy.map((g) => [g, g === 'framework' ? (framework ?? '') : groupValue(l.finding, g)]),
        );
        const k = JSON.stringify(groupBy.map((g) => keys[g]));
        let g = groups.get(k);
        if (g === undefined) groups.set(k, (g = { keys, ids: new Set() }));
        g.ids.add(l.finding.id);
      }
    }
    const out = [...groups.values()]
      .map((g) => ({ keys: g.keys, count: g.ids.size }))
      .sort((a, b) => b.count - a.count || compareKeys(groupBy, a.keys, b.keys))
      .slice(0, 500);
    return { total: all.length, groups: out };
  }

  // ---- assets (the resources findings are about)

  async searchAssets(
    tenant: string,
    scope: AccountScope,
    query: AssetQuery,
    page: PageRequest,
    opts: ReadOptions = {},
  ): Promise<Page<AssetRecord>> {
    const limit = clampLimit(page);
    const cursorScope = { tenant, principal: page.principal, kind: 'assets', query: normalise(query) };
    let after: string | null = null;
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      if (typeof pos !== 'string') throw invalidCursor();
      after = pos;
    }
    const accounts = this.allowed(tenant, scope, query.account);
    const text = query.text?.toLowerCase();
    const all = assetsOf(await this.scan(tenant, accounts, {}, opts.signal)).filter(
      (a) =>
        (query.region === undefined || a.region === query.region) &&
        (query.type === undefined || a.type === query.type) &&
        (query.exposed === undefined || (a.public || a.internet_facing) === query.exposed) &&
        (text === undefined ||
          a.name.toLowerCase().includes(text) ||
          a.resource_id.toLowerCase().includes(text)),
    );
    const rest = after === null ? all : all.filter((a) => a.id > after);
    const items = rest.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rest.length > limit && last ? this.cursors.encode(cursorScope, last.id) : null,
      total: all.length,
    };
  }

  async getAsset(
    tenant: string,
    scope: AccountScope,
    id: string,
    opts: ReadOptions = {},
  ): Promise<AssetRecord | null> {
    const accounts = this.allowed(tenant, scope, undefined);
    return assetsOf(await this.scan(tenant, accounts, {}, opts.signal)).find((a) => a.id === id) ?? null;
  }

  async assetFindings(
    tenant: string,
    scope: AccountScope,
    id: string,
    limit: number,
    opts: ReadOptions = {},
  ): Promise<{ by_severity: Record<Severity, number>; items: FindingRecord[] }> {
    const accounts = this.allowed(tenant, scope, undefined);
    const open = (await this.scan(tenant, accounts, { status: ['open'] }, opts.signal))
      .filter((l) => l.asset.id === id)
      .map((l) => l.finding)
      .sort(byRankNewest);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const f of open) bySeverity[f.severity]++;
    return { by_severity: bySeverity, items: open.slice(0, Math.max(1, Math.min(100, limit))) };
  }

  async listExposures(
    tenant: string,
    scope: AccountScope,
    query: { account?: string },
    page: PageRequest,
    opts: ReadOptions = {},
  ): Promise<Page<ExposureRow>> {
    const limit = clampLimit(page);
    const cursorScope = { tenant, principal: page.principal, kind: 'exposures', query: normalise(query) };
    let offset = 0;
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      if (!isCount(pos)) throw invalidCursor();
      offset = pos;
    }
    const accounts = this.allowed(tenant, scope, query.account);
    const all = await this.scan(tenant, accounts, {}, opts.signal);
    const assets = new Map(assetsOf(all).map((a) => [a.id, a]));
    const counts = new Map<string, { critical: number; high: number; oldest: string }>();
    for (const { finding: f } of all) {
      if (f.status !== 'open' || severityRank(f.severity) < severityRank('high')) continue;
      const c = counts.get(f.asset_id) ?? { critical: 0, high: 0, oldest: f.first_seen };
      if (f.severity === 'critical') c.critical++;
      else c.high++;
      if (f.first_seen < c.oldest) c.oldest = f.first_seen;
      counts.set(f.asset_id, c);
    }
    const ranked = [...counts.entries()]
      .map(([id, c]) => ({ asset: assets.get(id)!, c }))
      .filter((r) => r.asset.public || r.asset.internet_facing)
      .sort(
        (a, b) =>
          b.c.critical - a.c.critical ||
          b.c.high - a.c.high ||
          cmp(a.c.oldest, b.c.oldest) ||
          cmp(a.asset.id, b.asset.id),
      );
    const items = ranked.slice(offset, offset + limit).map((r, i) => ({
      rank: offset + i + 1,
      asset: r.asset,
      open_critical: r.c.critical,
      open_high: r.c.high,
      oldest_open_since: r.c.oldest,
    }));
    return {
      items,
      next_cursor: offset + limit < ranked.length ? this.cursors.encode(cursorScope, offset + limit) : null,
      total: ranked.length,
    };
  }

  async complianceSummary(
    tenant: string,
    scope: AccountScope,
    query: { framework?: string; account?: string },
    opts: ReadOptions = {},
  ): Promise<ControlStatus[]> {
    const accounts = this.allowed(tenant, scope, query.account);
    const q: FindingQuery = query.framework !== undefined ? { framework: query.framework } : {};
    const all = await this.scan(tenant, accounts, q, opts.signal);
    const titles = new Map(CONTROLS.map((c) => [`${c.framework}\u0000${c.control}`, c.title]));
    const tally = new Map<
      string,
      { framework: string; control: string; failed: Set<string>; passed: Set<string> }
    >();
    for (const l of all)
      for (const m of l.compliance) {
        if (query.framework !== undefined && m.framework !== query.framework) continue;
        const k = `${m.framework}\u0000${m.control}`;
        let t = tally.get(k);
        if (t === undefined)
          tally.set(
            k,
            (t = { framework: m.framework, control: m.control, failed: new Set(), passed: new Set() }),
          );
        (l.finding.status === 'open' ? t.failed : t.passed).add(l.finding.id);
      }
    const out = new Map<string, ControlStatus>();
    for (const [k, t] of tally)
      out.set(k, {
        framework: t.framework,
        control: t.control,
        title: titles.get(k) ?? '',
        status: t.failed.size > 0 ? 'failed' : 'passed',
        failed_findings: t.failed.size,
        passed_findings: t.passed.size,
      });
    for (const c of CONTROLS) {
      const k = `${c.framework}\u0000${c.control}`;
      if (out.has(k) || (query.framework !== undefined && c.framework !== query.framework)) continue;
      out.set(k, {
        framework: c.framework,
        control: c.control,
        title: c.title,
        status: 'not_evaluated',
        failed_findings: 0,
        passed_findings: 0,
      });
    }
    return [...out.values()].sort(
      (a, b) => a.framework.localeCompare(b.framework) || compareControls(a.control, b.control),
    );
  }

  /** Ready when the first tenant's administrator account answers a one-finding GetFindings. */
  async ping(): Promise<void> {
    const [tenant, t] = [...this.opts.tenants.entries()][0] ?? [];
    if (tenant === undefined || t === undefined) return;
    await this.source(tenant).getFindingsPage(
      { AwsAccountId: accountFilter(t.accounts) },
      undefined,
      1,
      undefined,
      SCAN_SORT,
    );
  }

  async close(): Promise<void> {
    for (const s of this.sources.values()) s.close();
    this.sources.clear();
  }

  // ---- internals

  private get cursors(): CursorCodec {
    return this.opts.cursors;
  }

  /** The accounts a call may read: the tenant's, within the principal's scope, narrowed by the query. */
  private allowed(tenant: string, scope: AccountScope, account: string | undefined): string[] {
    const t = this.opts.tenants.get(tenant);
    if (t === undefined) return [];
    return t.accounts.filter(
      (a) => (scope === null || scope.includes(a)) && (account === undefined || a === account),
    );
  }

  private source(tenant: string): SecurityHubSource {
    const t = this.opts.tenants.get(tenant);
    if (t === undefined) throw new Error(`no Security Hub tenant ${tenant}`);
    let s = this.sources.get(t.administratorAccount);
    if (s === undefined) {
      s = new SecurityHubSource({
        region: this.opts.region,
        ...(this.opts.endpoint !== undefined ? { endpoint: this.opts.endpoint } : {}),
        ...(this.opts.callUpstream !== undefined ? { callUpstream: this.opts.callUpstream } : {}),
        ...(this.opts.credentials !== undefined
          ? { credentials: this.opts.credentials.provider(t.administratorAccount) }
          : {}),
      });
      this.sources.set(t.administratorAccount, s);
    }
    return s;
  }

  /**
   * One GetFindings page, through the read cache when there is one. The raw page is cached and
   * mapped on every read, so a page another replica cached still fills this process's index.
   */
  private page(
    tenant: string,
    type: 'finding' | 'findings',
    source: SecurityHubSource,
    filters: AwsSecurityFindingFilters,
    token: string | undefined,
    size: number,
    signal: AbortSignal | undefined,
    sort: SortCriteria,
  ): Promise<{ findings: unknown[]; nextToken: string | undefined }> {
    const read = () => source.getFindingsPage(filters, token, size, signal, sort);
    const cache = this.opts.cache;
    if (cache === undefined) return read();
    const admin = this.opts.tenants.get(tenant)?.administratorAccount ?? '';
    return cache
      .read(tenant, type, canonicalHash([admin, filters, token ?? null, size, sort]), async () => {
        const res = await read();
        // JSON has no undefined: the last page's missing token travels as null.
        return { findings: res.findings, nextToken: res.nextToken ?? null };
      })
      .then((res) => ({ findings: res.findings, nextToken: res.nextToken ?? undefined }));
  }

  /** An ASFF finding as the store would keep it, or null when it is not one we can map. */
  private map(tenant: string, raw: unknown): LiveFinding | null {
    let inc;
    try {
      inc = fromAsff(raw, 0);
    } catch {
      return null; // a record the importer would refuse is not shown half-mapped
    }
    const updated = (raw as { UpdatedAt?: unknown }).UpdatedAt;
    const seen = new Date(
      inc.observed_at ?? (typeof updated === 'string' ? updated : Date.now()),
    ).toISOString();
    const first = inc.first_observed_at === null ? seen : new Date(inc.first_observed_at).toISOString();
    const id = findingId(tenant, inc.source, inc.source_id);
    const asset = assetId(tenant, inc.asset.account, inc.asset.resource_id);
    if (this.index.size >= MAX_INDEX) this.index.clear();
    this.index.set(id, { tenant, hubId: inc.source_id });
    return {
      finding: {
        id,
        asset_id: asset,
        account: inc.asset.account,
        region: inc.asset.region,
        resource_type: inc.asset.type,
        resource_id: inc.asset.resource_id,
        rule: inc.rule,
        title: inc.title,
        description: inc.description,
        severity: inc.severity,
        status: inc.status,
        source: inc.source,
        source_id: inc.source_id,
        import_batch: LIVE_BATCH,
        first_seen: first,
        last_seen: seen,
        updated_at:
          typeof updated === 'string' && !Number.isNaN(Date.parse(updated))
            ? new Date(updated).toISOString()
            : seen,
        record_hash: canonicalHash(raw),
        evidence: inc.evidence ?? null,
        remediation_text: inc.remediation_text,
        remediation_url: inc.remediation_url,
      },
      asset: {
        id: asset,
        ...inc.asset,
        first_seen: first,
        last_seen: seen,
      },
      compliance: dedupeMappings(inc.compliance),
    };
  }

  /**
   * Every finding of the accounts that matches the query, read page by page (bounded by maxScan)
   * and reused for scanTtlMs, so paging through assets or asking for a count and then a page
   * does not read Security Hub again.
   */
  private async scan(
    tenant: string,
    accounts: string[],
    query: FindingQuery,
    signal: AbortSignal | undefined,
  ): Promise<LiveFinding[]> {
    if (accounts.length === 0) return [];
    const filters = pushDown(accounts, query);
    const key = JSON.stringify([tenant, filters, normalise(query)]);
    const hit = this.scans.get(key);
    if (hit !== undefined && Date.now() - hit.at < this.scanTtlMs) return hit.items;
    const source = this.source(tenant);
    const items: LiveFinding[] = [];
    let token: string | undefined;
    let read = 0;
    for (;;) {
      const res = await this.page(
        tenant,
        'findings',
        source,
        filters,
        token,
        SECURITYHUB_PAGE_SIZE,
        signal,
        SCAN_SORT,
      );
      read += res.findings.length;
      for (const raw of res.findings) {
        const live = this.map(tenant, raw);
        if (live !== null && matches(live, accounts, query)) items.push(live);
      }
      token = res.nextToken;
      if (token === undefined) break;
      if (read >= this.maxScan)
        throw new PortcullisError({
          code: 'live_scan_limit',
          category: 'validation',
          message: `More than ${this.maxScan} Security Hub findings match; live mode counts and summarises at most that many.`,
          remediation:
            'Narrow the filters (account, severity, status, resource type, rule), or sync Security Hub into the store (portcullis-posture-read sync securityhub) and use the default backend.',
        });
    }
    if (this.scans.size >= 50) this.scans.clear();
    this.scans.set(key, { at: Date.now(), items });
    return items;
  }
}

// ---- filters

/**
 * A live finding's history from its GetFindingHistory records, as the store keeps one: when it was
 * first seen and every change of its status. Security Hub records field changes, so the status is
 * rebuilt from the three fields it derives from (Workflow.Status, RecordState, Compliance.Status):
 * from the finding as it is now, walking the records back, each record's old values give the state
 * before it. Records about other fields are not status changes and are left out.
 */
function liveHistory(raw: unknown, records: FindingHistoryRecord[]): HistoryEntry[] {
  const field = (path: string): string => {
    let cur: unknown = raw;
    for (const part of path.split('.'))
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    return typeof cur === 'string' ? cur.toUpperCase() : '';
  };
  // UpdatedField names the ASFF path (Workflow.Status); compared without case or punctuation.
  const KEYS: Record<string, 'workflow' | 'record' | 'compliance'> = {
    workflowstatus: 'workflow',
    recordstate: 'record',
    compliancestatus: 'compliance',
  };
  const state = {
    workflow: field('Workflow.Status'),
    record: field('RecordState'),
    compliance: field('Compliance.Status'),
  };
  const statusOf = (st: typeof state) => asffStatus(st.workflow, st.record, st.compliance);
  const timed = records
    .map((r) => ({ r, at: r.UpdateTime instanceof Date ? r.UpdateTime.getTime() : NaN }))
    .filter((x) => Number.isFinite(x.at))
    .sort((a, b) => a.at - b.at);
  const out: HistoryEntry[] = [];
  for (let i = timed.length - 1; i >= 0; i--) {
    const { r, at } = timed[i]!;
    const after = statusOf(state);
    for (const u of r.Updates ?? []) {
      const key = KEYS[(u.UpdatedField ?? '').replace(/[^A-Za-z]/g, '').toLowerCase()];
      if (key !== undefined) state[key] = (u.OldValue ?? '').toUpperCase();
    }
    const before = statusOf(state);
    const source = /^[A-Z_]{1,40}$/.test(r.UpdateSource?.Type ?? '') ? ` (${r.UpdateSource!.Type!})` : '';
    const when = new Date(at).toISOString();
    if (r.FindingCreated === true)
      out.push({
        at: when,
        from_status: null,
        to_status: after,
        import_batch: LIVE_BATCH,
        note: `first seen${source}`,
      });
    else if (before !== after)
      out.push({
        at: when,
        from_status: before,
        to_status: after,
        import_batch: LIVE_BATCH,
        note: `status ${before} -> ${after}${source}`,
      });
  }
  return out.reverse();
}

function accountFilter(accounts: string[]): { Value: string; Comparison: 'EQUALS' }[] {
  return accounts.map((a) => ({ Value: a, Comparison: 'EQUALS' as const }));
}

/**
 * The part of a query Security Hub can apply exactly (values of one field are ORed, negative
 * comparisons ANDed). Everything is checked again on the mapped record (`matches`).
 */
export function pushDown(accounts: string[], q: FindingQuery): AwsSecurityFindingFilters {
  const f: AwsSecurityFindingFilters = { AwsAccountId: accountFilter(accounts) };
  if (q.severity_at_least !== undefined)
    f.SeverityLabel = SEVERITIES.filter((s) => severityRank(s) >= severityRank(q.severity_at_least!)).map(
      (s) => ({ Value: LABELS[s], Comparison: 'EQUALS' }),
    );
  const statuses = q.status === undefined ? [] : [...new Set(q.status)];
  if (statuses.length === 1 && statuses[0] === 'open') {
    // The importer's "open": not suppressed or resolved, not archived, compliance not passed.
    f.WorkflowStatus = [
      { Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' },
      { Value: 'RESOLVED', Comparison: 'NOT_EQUALS' },
    ];
    f.RecordState = [{ Value: 'ACTIVE', Comparison: 'EQUALS' }];
    f.ComplianceStatus = [{ Value: 'PASSED', Comparison: 'NOT_EQUALS' }];
  } else if (statuses.length === 1 && statuses[0] === 'suppressed') {
    f.WorkflowStatus = [{ Value: 'SUPPRESSED', Comparison: 'EQUALS' }];
  }
  if (q.resource_type !== undefined) f.ResourceType = [{ Value: q.resource_type, Comparison: 'EQUALS' }];
  if (q.resource_id !== undefined) f.ResourceId = [{ Value: q.resource_id, Comparison: 'EQUALS' }];
  if (q.rule !== undefined && CONTROL_ID.test(q.rule))
    f.ComplianceSecurityControlId = [{ Value: q.rule, Comparison: 'EQUALS' }];
  return f;
}

/** The store's filter semantics, on one mapped finding. */
function matches(l: LiveFinding, accounts: string[], q: FindingQuery): boolean {
  const f = l.finding;
  if (!accounts.includes(f.account)) return false;
  if (q.severity_at_least !== undefined && severityRank(f.severity) < severityRank(q.severity_at_least))
    return false;
  if (q.status !== undefined && q.status.length > 0 && !q.status.includes(f.status)) return false;
  if (q.source !== undefined && f.source !== q.source) return false;
  if (q.account !== undefined && f.account !== q.account) return false;
  if (q.region !== undefined && f.region !== q.region) return false;
  if (q.resource_type !== undefined && f.resource_type !== q.resource_type) return false;
  if (q.resource_id !== undefined && f.resource_id !== q.resource_id) return false;
  if (q.rule !== undefined && f.rule !== q.rule) return false;
  if (
    (q.framework !== undefined || q.control !== undefined) &&
    !l.compliance.some(
      (c) =>
        (q.framework === undefined || c.framework === q.framework) &&
        (q.control === undefined || c.control === q.control),
    )
  )
    return false;
  if (q.text !== undefined) {
    const t = q.text.toLowerCase();
    if (![f.title, f.description, f.resource_id, f.rule].some((s) => s.toLowerCase().includes(t)))
      return false;
  }
  return true;
}

// ---- helpers

/** Assets of a set of findings, one per resource: exposed if any open finding says so, by id. */
function assetsOf(all: LiveFinding[]): AssetRecord[] {
  const out = new Map<string, AssetRecord>();
  for (const { asset } of all) {
    const before = out.get(asset.id);
    if (before === undefined) {
      out.set(asset.id, { ...asset });
      continue;
    }
    const latest = asset.last_seen > before.last_seen ? asset : before;
    out.set(asset.id, {
      ...latest,
      public: before.public || asset.public,
      internet_facing: before.internet_facing || asset.internet_facing,
      first_seen: asset.first_seen < before.first_seen ? asset.first_seen : before.first_seen,
      last_seen: latest.last_seen,
    });
  }
  return [...out.values()].sort((a, b) => cmp(a.id, b.id));
}

function dedupeMappings(list: ComplianceMapping[]): ComplianceMapping[] {
  const seen = new Map(list.map((m) => [`${m.framework}\u0000${m.control}`, m]));
  return [...seen.values()].sort((a, b) => cmp(a.framework, b.framework) || cmp(a.control, b.control));
}

function groupValue(f: FindingRecord, g: GroupField): string {
  switch (g) {
    case 'severity':
      return f.severity;
    case 'status':
      return f.status;
    case 'account':
      return f.account;
    case 'resource_type':
      return f.resource_type;
    case 'source':
      return f.source;
    case 'rule':
      return f.rule;
    default:
      return '';
  }
}

function compareKeys(groupBy: GroupField[], a: Record<string, string>, b: Record<string, string>): number {
  for (const g of groupBy) {
    const c = cmp(a[g] ?? '', b[g] ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

/** Byte order, as the store's COLLATE "C". */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byRankNewest(a: FindingRecord, b: FindingRecord): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) || cmp(b.first_seen, a.first_seen) || cmp(a.id, b.id)
  );
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A query's filters as a cursor binds them: undefined dropped, lists sorted. */
function normalise(q: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? [...new Set(v as unknown[])].map(String).sort() : v;
  }
  return out;
}

import { invalidCursor, type CursorCodec } from '@portcullis/core/cursor';
import { clampLimit, COUNT_CAP } from '@portcullis/core/paging';
import type { Queryable, Store } from '@portcullis/core/store';
import { ASSET_TEXT, FINDING_TEXT, findingScanText, readColumns } from './migrations.js';
import {
  LOOKUP_SHARE,
  SCAN_WINDOW,
  TEXT_CANDIDATES,
  type AccountScope,
  type AssetQuery,
  type ControlStatus,
  type ExposureRow,
  type FindingDetail,
  type FindingQuery,
  type Page,
  type PageRequest,
  type PostureBackend,
  type SummaryGroup,
} from './backend.js';
import {
  SEVERITIES,
  severityRank,
  type AssetRecord,
  type FindingRecord,
  type GroupField,
  type HistoryEntry,
  type Severity,
  type Status,
} from './domain.js';
import { CONTROLS } from './frameworks.js';
import { emptyCounts, ingestChunk, recordBatch, stageAssets, writeStagedAssets } from './ingest.js';
import { DEMO_TENANTS, generateSeed, SEED_NOW } from './seed.js';

type Row = Record<string, unknown>;

/** Bumped when the demo data changes shape; an existing store keeps what it was seeded with. */
const SEED_VERSION = 'demo-v1';

/** Each table's select list through its alias (f, a), made once: READ_COLUMNS (no text column). */
const READ_ROW = {
  posture_findings: readColumns('posture_findings', 'f'),
  posture_assets: readColumns('posture_assets', 'a'),
} as const;
const FINDING_ROW = READ_ROW.posture_findings;
const ASSET_ROW = READ_ROW.posture_assets;

/**
 * The findings' page order on the rows of `alias`: findings, or mappings (their copies of their
 * finding's columns, its id as `finding_id`). Every page index of either table keeps this order;
 * the cursor's condition (searchFindings' `after`) and the Security Hub backend's sort restate it.
 */
function findingOrder(alias: string, id: 'id' | 'finding_id' = 'id'): string {
  return `ORDER BY ${alias}.severity_rank DESC, ${alias}.first_seen DESC, ${alias}.${id} COLLATE "C"`;
}

/** Runs reads; each call gets a connection that cannot write (see `readOnlyReads`). */
export type ReadRunner = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

/**
 * Reads through the store inside a READ ONLY transaction: PostgreSQL (and PGlite) refuse any
 * write in it, so even a bug in a query cannot change the data.
 */
export function readOnlyReads(store: Store): ReadRunner {
  return (fn) =>
    store.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      return fn(tx);
    });
}

/**
 * The default backend: findings in the kit's store (PGlite, or PostgreSQL with DATABASE_URL),
 * written by the import and sync commands and the demo seed, read here only.
 */
export class EmbeddedBackend implements PostureBackend {
  readonly kind = 'embedded' as const;

  private constructor(
    /** How every read runs: on a connection or in a transaction that cannot write. */
    readonly reads: ReadRunner,
    private readonly cursors: CursorCodec,
    private readonly onClose: () => Promise<void>,
  ) {}

  /**
   * Expects the posture migrations to have run. Before serving, writes the control catalogue and,
   * when `seed` is set on a store without findings, the demo data; every read after that runs
   * read-only (`reads`, by default a READ ONLY transaction on the store).
   */
  static async open(
    store: Store,
    opts: { seed: boolean; cursors: CursorCodec; reads?: ReadRunner; onClose?: () => Promise<void> },
  ): Promise<EmbeddedBackend> {
    await prepareStore(store, opts.seed);
    return new EmbeddedBackend(
      opts.reads ?? readOnlyReads(store),
      opts.cursors,
      opts.onClose ?? (async () => undefined),
    );
  }

  async searchFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    page: PageRequest,
  ): Promise<Page<FindingRecord>> {
    const limit = clampLimit(page);
    // A framework's or a control's findings, without a text, are read through their mappings.
    const byMapping =
      (query.framework !== undefined || query.control !== undefined) && query.text === undefined;
    // The text condition stays apart: a text search reads its matches its own way (below).
    const where = findingWhere(tenant, scope, {
      ...query,
      framework: undefined,
      control: undefined,
      text: undefined,
    });
    const matched =
      query.text === undefined
        ? null
        : textMatch(where, query.text, FINDING_FIELDS, FINDING_TEXT, findingScanText);
    // With a text, a framework or control is tested with it, on each finding the search reads
    // (its candidates, or the findings it tests one by one, at most SCAN_WINDOW a call): as a
    // filter, the walk in page order would test findings until SCAN_WINDOW passed it. A control
    // whose findings sort last, with a text, took 946 ms a search at 100,000 findings (5.8 at
    // 1,000).
    const mapping = byMapping ? null : mappingRead(where, query);
    const text = matched === null || mapping === null ? matched : { ...matched, mapped: mapping };
    const cursorScope = { tenant, principal: page.principal, kind: 'findings', query: normalise(query) };
    // The cursor's position, checked before any statement runs.
    const position =
      page.cursor === null ? null : findingPosition(this.cursors.decode(page.cursor, cursorScope));
    return this.reads(async (q) => {
      // Planned for the values it is given, every time. The embedded store keeps its statements
      // prepared, and after five runs PostgreSQL may keep one plan for any values; for these
      // filters that is a guess (a status held by 2 findings or by 90,000 of them), and a plan
      // made for a common value walked all 100,000 findings to find none suppressed (338 ms
      // against 0.1 planned for the value). Planning one search costs well under a millisecond.
      await q.query('SET LOCAL plan_cache_mode = force_custom_plan');
      let mapped: MappedFilter | null = null;
      // Every filter but a resource id is on the mappings' copies too (mappedPage counts on them
      // alone).
      if (byMapping && where.onlyMapped()) {
        mapped = {
          // A control without its framework: read as that control of each framework holding it.
          frameworks:
            query.framework !== undefined
              ? [query.framework]
              : await frameworksHolding(q, tenant, query.control!),
          control: query.control,
          rule: query.rule,
          severityRank:
            query.severity_at_least === undefined ? undefined : severityRank(query.severity_at_least),
        };
        // Fewer findings pass the other filters than are mapped: those are walked instead.
        if (!where.onlyTenant() && (await walkMappings(q, where, mapped, limit)) === 'findings')
          mapped = null;
      }
      // The findings walked, each one's mappings tested: those of a resource id, the one filter the
      // mappings do not carry (before any statement about the mappings; a search by the resource
      // alone reads them all the same), or the fewer (walkMappings).
      if (byMapping && mapped === null) where.add(mappedTo(where, query)!);
      // Through a framework's mappings, which carry their finding's page order (migration 0009):
      // the order and the cursor's condition are the mapping's, so the page is a walk of the
      // framework's (or the control's) mappings in page order. With fewer findings passing the
      // other filters (walkMappings), those are walked in their order instead.
      const x = mapped !== null ? 'c' : 'f';
      const idColumn = mapped !== null ? 'finding_id' : 'id';
      const rowId = `${x}.${idColumn}`;
      const order = findingOrder(x, idColumn);
      // Where the page starts (after the cursor's finding), as a condition (searchPage calls it
      // once, when its statements may take the parameters it adds).
      const after = (): string | null => {
        if (position === null) return null;
        const [rank, seen, id] = position;
        const r = where.param(rank);
        const s = where.param(seen);
        const i = where.param(id);
        // After the cursor: (rank, first seen) below the cursor's, or the same and a later id. The
        // row comparison is the index's own order (both columns descending), so the index scan
        // starts at the cursor's finding. Spelled as rank, then first seen, it started at the
        // cursor's rank and passed every finding of that rank seen later: 15,000 of them, 8.4 ms
        // against 0.2, for a page deep in one severity at 100,000 findings (as a text tested row
        // by row reaches, 2,000 rows a call).
        return `(${x}.severity_rank, ${x}.first_seen) <= (${r}::smallint, ${s}::timestamptz) AND ((${x}.severity_rank, ${x}.first_seen) < (${r}::smallint, ${s}::timestamptz) OR ${rowId} COLLATE "C" > ${i})`;
      };
      if (mapped !== null) {
        const res = await mappedPage(q, where, mapped, order, after, limit);
        // At the mapping walked: its page order is the walk's.
        return toPage(res, limit, toFinding, (r) =>
          this.cursors.encode(cursorScope, [Number(r.walk_rank), iso(r.walk_seen), str(r.walk_id)]),
        );
      }
      const res = await searchPage(q, {
        table: 'posture_findings',
        alias: 'f',
        keys: ['severity_rank', 'first_seen'],
        where,
        text,
        order,
        after,
        limit,
      });
      return toPage(res, limit, toFinding, (r) =>
        this.cursors.encode(cursorScope, [Number(r.severity_rank), iso(r.first_seen), str(r.id)]),
      );
    });
  }

  async getFinding(tenant: string, scope: AccountScope, id: string): Promise<FindingDetail | null> {
    return this.reads(async (q) => {
      const where = new Where(tenant, scope, 'f');
      where.add(`f.id = ${where.param(id)}`);
      const res = await q.query<Row>(
        `SELECT ${FINDING_ROW} FROM posture_findings f WHERE ${where.sql()}`,
        where.params,
      );
      const row = res.rows[0];
      if (row === undefined) return null;
      const finding = toFinding(row);
      const [asset, compliance, history] = await Promise.all([
        // In the finding's account, which the scope allowed: an asset id names one account's
        // resource (ingest's assetId), but a row that says otherwise is not shown.
        q.query<Row>(
          `SELECT ${ASSET_ROW} FROM posture_assets a WHERE a.tenant = $1 AND a.id = $2 AND a.account = $3`,
          [tenant, finding.asset_id, finding.account],
        ),
        q.query<Row>(
          'SELECT framework, control FROM posture_compliance WHERE tenant = $1 AND finding_id = $2 ORDER BY framework, control',
          [tenant, id],
        ),
        q.query<Row>(
          'SELECT at, from_status, to_status, import_batch, note FROM posture_history WHERE tenant = $1 AND finding_id = $2 ORDER BY seq',
          [tenant, id],
        ),
      ]);
      return {
        finding,
        asset: asset.rows[0] === undefined ? null : toAsset(asset.rows[0]),
        compliance: compliance.rows.map((r) => ({ framework: str(r.framework), control: str(r.control) })),
        history: history.rows.map(toHistory),
      };
    });
  }

  async summarizeFindings(
    tenant: string,
    scope: AccountScope,
    query: FindingQuery,
    groupBy: GroupField[],
  ): Promise<{ total: number; groups: SummaryGroup[] }> {
    const where = findingWhere(tenant, scope, query);
    const needsFramework = groupBy.includes('framework');
    // By framework, unfiltered, grouped only on columns a mapping copies (any but severity): the
    // mappings alone, the one marked per finding and framework. Joined to the findings, by
    // framework at 100,000 findings took 143 ms a statement, alone 67. Under a filter or a scope the
    // matches' frameworks are read by key instead (below): a rule's 1,667 findings, not 100,000
    // mappings.
    const copied = needsFramework && where.onlyTenant() && groupBy.every((g) => g in MAPPING_GROUP);
    const column = (g: GroupField) => (copied ? MAPPING_GROUP[g]! : GROUP_COLUMN[g]);
    const cols = groupBy.map((g) => `${column(g)} AS ${g}`);
    // Every finding must count once per group. Alone it is one row ((tenant, id) is the key). By
    // framework it is joined to its frameworks, each once: a finding mapped to two controls of one
    // framework would otherwise be two rows. count(DISTINCT f.id) instead sorted every matching
    // finding by id, on disk past work_mem (at 100,000 findings: by severity and account 408 ->
    // 99-119 ms; by framework 1,245 -> 198 ms unfiltered). Unfiltered with a severity (`copied`
    // otherwise), the frameworks come grouped from the compliance table's key (tenant, finding_id,
    // framework, control) in one pass; with any filter or account scope, each matching finding's
    // frameworks are read from that key (LATERAL), so the cost follows the matches (one rule of 60
    // at 100,000: a seventh of the pass).
    const frameworks = where.onlyTenant()
      ? `JOIN (SELECT tenant, finding_id, framework FROM posture_compliance
           WHERE tenant = $1 GROUP BY tenant, finding_id, framework) c
           ON c.tenant = f.tenant AND c.finding_id = f.id`
      : `CROSS JOIN LATERAL (SELECT DISTINCT c0.framework FROM posture_compliance c0
           WHERE c0.tenant = f.tenant AND c0.finding_id = f.id) c`;
    const from = copied
      ? 'posture_compliance c'
      : needsFramework
        ? `posture_findings f ${frameworks}`
        : 'posture_findings f';
    const conditions = copied ? 'c.tenant = $1 AND c.framework_first' : where.sql();
    return this.reads(async (q) => {
      const total = await count(
        q,
        `SELECT count(*) AS n FROM posture_findings f WHERE ${where.sql()}`,
        where.params,
      );
      const res = await q.query<Row>(
        `SELECT ${cols.join(', ')}, count(*) AS n FROM ${from} WHERE ${conditions}
          GROUP BY ${groupBy.map(column).join(', ')}
          ORDER BY count(*) DESC, ${groupBy.map((g) => `${column(g)} COLLATE "C"`).join(', ')}
          LIMIT 500`,
        where.params,
      );
      return {
        total,
        groups: res.rows.map((r) => ({
          keys: Object.fromEntries(groupBy.map((g) => [g, str(r[g])])),
          count: Number(r.n),
        })),
      };
    });
  }

  async searchAssets(
    tenant: string,
    scope: AccountScope,
    query: AssetQuery,
    page: PageRequest,
  ): Promise<Page<AssetRecord>> {
    const limit = clampLimit(page);
    const where = new Where(tenant, scope, 'a');
    if (query.account !== undefined) where.add(`a.account = ${where.param(query.account)}`);
    if (query.region !== undefined) where.add(`a.region = ${where.param(query.region)}`);
    if (query.type !== undefined) where.add(`a.type = ${where.param(query.type)}`);
    if (query.exposed === true) where.add('(a.public OR a.internet_facing)');
    if (query.exposed === false) where.add('NOT (a.public OR a.internet_facing)');
    const text = query.text === undefined ? null : textMatch(where, query.text, ASSET_FIELDS, ASSET_TEXT);
    const cursorScope = { tenant, principal: page.principal, kind: 'assets', query: normalise(query) };
    return this.reads(async (q) => {
      await q.query('SET LOCAL plan_cache_mode = force_custom_plan'); // as searchFindings
      const res = await searchPage(q, {
        table: 'posture_assets',
        alias: 'a',
        keys: [],
        where,
        text,
        order: 'ORDER BY a.id COLLATE "C"',
        after: () => {
          if (page.cursor === null) return null;
          const pos = this.cursors.decode(page.cursor, cursorScope);
          if (typeof pos !== 'string') throw invalidCursor();
          return `a.id COLLATE "C" > ${where.param(pos)}`;
        },
        limit,
      });
      return toPage(res, limit, toAsset, (r) => this.cursors.encode(cursorScope, str(r.id)));
    });
  }

  async getAsset(tenant: string, scope: AccountScope, id: string): Promise<AssetRecord | null> {
    return this.reads(async (q) => {
      const where = new Where(tenant, scope, 'a');
      where.add(`a.id = ${where.param(id)}`);
      const res = await q.query<Row>(
        `SELECT ${ASSET_ROW} FROM posture_assets a WHERE ${where.sql()}`,
        where.params,
      );
      return res.rows[0] === undefined ? null : toAsset(res.rows[0]);
    });
  }

  async assetFindings(
    tenant: string,
    scope: AccountScope,
    assetId: string,
    limit: number,
  ): Promise<{ by_severity: Record<Severity, number>; items: FindingRecord[] }> {
    return this.reads(async (q) => {
      const where = new Where(tenant, scope, 'f');
      const asset = where.param(assetId);
      where.add(`f.asset_id = ${asset}`);
      // In the asset's account, as listExposures counts them (getFinding's note on the data rule).
      where.add(
        `f.account = (SELECT a.account FROM posture_assets a WHERE a.tenant = $1 AND a.id = ${asset})`,
      );
      where.add(`f.status = 'open'`);
      const [counts, items] = await Promise.all([
        q.query<Row>(
          `SELECT f.severity, count(*) AS n FROM posture_findings f WHERE ${where.sql()} GROUP BY 1`,
          where.params,
        ),
        q.query<Row>(
          `SELECT ${FINDING_ROW} FROM posture_findings f WHERE ${where.sql()}
            ${findingOrder('f')} LIMIT ${Math.max(1, Math.min(100, limit))}`,
          where.params,
        ),
      ]);
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      for (const r of counts.rows) bySeverity[str(r.severity) as Severity] = Number(r.n);
      return { by_severity: bySeverity, items: items.rows.map(toFinding) };
    });
  }

  async listExposures(
    tenant: string,
    scope: AccountScope,
    query: { account?: string },
    page: PageRequest,
  ): Promise<Page<ExposureRow>> {
    const limit = clampLimit(page);
    const where = new Where(tenant, scope, 'a');
    where.add('(a.public OR a.internet_facing)');
    if (query.account !== undefined) where.add(`a.account = ${where.param(query.account)}`);
    const cursorScope = { tenant, principal: page.principal, kind: 'exposures', query: normalise(query) };
    let offset = 0;
    if (page.cursor !== null) {
      const pos = this.cursors.decode(page.cursor, cursorScope);
      if (typeof pos !== 'number' || !Number.isSafeInteger(pos) || pos < 0) throw invalidCursor();
      offset = pos;
    }
    // Ranked: most critical findings first, then most high ones, then longest exposed. An asset's
    // findings are counted in its account (which the scope allowed), as getFinding reads it.
    const ranked = `
      SELECT ${ASSET_ROW}, x.open_critical, x.open_high, x.oldest
        FROM posture_assets a
        JOIN (SELECT f.asset_id, f.account,
                     count(*) FILTER (WHERE f.severity = 'critical') AS open_critical,
                     count(*) FILTER (WHERE f.severity = 'high') AS open_high,
                     min(f.first_seen) AS oldest
                FROM posture_findings f
               WHERE f.tenant = $1 AND f.status = 'open' AND f.severity_rank >= ${severityRank('high')}
               GROUP BY f.asset_id, f.account) x ON x.asset_id = a.id AND x.account = a.account
       WHERE ${where.sql()}`;
    return this.reads(async (q) => {
      const total = await count(q, `SELECT count(*) AS n FROM (${ranked}) r`, where.params);
      const res = await q.query<Row>(
        `${ranked} ORDER BY x.open_critical DESC, x.open_high DESC, x.oldest ASC, a.id COLLATE "C"
          LIMIT ${limit + 1} OFFSET ${offset}`,
        where.params,
      );
      const more = res.rows.length > limit;
      const rows = more ? res.rows.slice(0, limit) : res.rows;
      return {
        items: rows.map((r, i) => ({
          rank: offset + i + 1,
          asset: toAsset(r),
          open_critical: Number(r.open_critical),
          open_high: Number(r.open_high),
          oldest_open_since: iso(r.oldest),
        })),
        next_cursor: more ? this.cursors.encode(cursorScope, offset + limit) : null,
        total,
      };
    });
  }

  async complianceSummary(
    tenant: string,
    scope: AccountScope,
    query: { framework?: string; account?: string },
  ): Promise<ControlStatus[]> {
    // The mappings alone: each carries its finding's account (migration 0010) and status (0011).
    // Joined to the findings for them, every framework at 100,000 findings took 225 ms a statement,
    // alone 96. A copy that ever disagreed with its finding could change a count, never show a row.
    const where = new Where(tenant, scope, 'c');
    if (query.account !== undefined) where.add(`c.account = ${where.param(query.account)}`);
    const fw = query.framework === undefined ? '' : ` AND c.framework = ${where.param(query.framework)}`;
    return this.reads(async (q) => {
      const res = await q.query<Row>(
        // One row per finding and control (the compliance table's key), so count(*) counts each
        // finding once per control, without sorting every row by id as count(DISTINCT) did (at
        // 100,000 findings, every framework: 1,141 -> 248 ms).
        `SELECT c.framework, c.control,
                count(*) FILTER (WHERE c.status = 'open') AS failed,
                count(*) FILTER (WHERE c.status <> 'open') AS passed
           FROM posture_compliance c
          WHERE ${where.sql()}${fw}
          GROUP BY 1, 2`,
        where.params,
      );
      const catalogue = await q.query<Row>('SELECT framework, control, title FROM posture_controls');
      const titles = new Map(
        catalogue.rows.map((r) => [`${str(r.framework)}\u0000${str(r.control)}`, str(r.title)]),
      );
      const seen = new Map<string, ControlStatus>();
      for (const r of res.rows) {
        const k = `${str(r.framework)}\u0000${str(r.control)}`;
        const failed = Number(r.failed);
        seen.set(k, {
          framework: str(r.framework),
          control: str(r.control),
          title: titles.get(k) ?? '',
          status: failed > 0 ? 'failed' : 'passed',
          failed_findings: failed,
          passed_findings: Number(r.passed),
        });
      }
      for (const r of catalogue.rows) {
        const k = `${str(r.framework)}\u0000${str(r.control)}`;
        if (seen.has(k) || (query.framework !== undefined && str(r.framework) !== query.framework)) continue;
        seen.set(k, {
          framework: str(r.framework),
          control: str(r.control),
          title: str(r.title),
          status: 'not_evaluated',
          failed_findings: 0,
          passed_findings: 0,
        });
      }
      return [...seen.values()].sort(
        (a, b) => a.framework.localeCompare(b.framework) || compareControls(a.control, b.control),
      );
    });
  }

  async ping(): Promise<void> {
    await this.reads((q) => q.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

const GROUP_COLUMN: Record<GroupField, string> = {
  severity: 'f.severity',
  status: 'f.status',
  account: 'f.account',
  resource_type: 'f.resource_type',
  source: 'f.source',
  rule: 'f.rule',
  framework: 'c.framework',
};

/** The grouping columns a compliance mapping holds a copy of (0010, 0011): all but the severity. */
const MAPPING_GROUP: Partial<Record<GroupField, string>> = Object.fromEntries(
  Object.entries(GROUP_COLUMN)
    .filter(([g]) => g !== 'severity')
    .map(([g, column]) => [g, column.replace(/^f\./, 'c.')]),
);

/** Control ids compare numerically part by part: 1.4 < 1.10 < 2.1.1. */
export function compareControls(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c =
      Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Demo findings per statement. Smaller than an import's chunk (INGEST_CHUNK, tuned for 100k-finding
 * files in their own worker): the seed runs in the serving process on its first start, where PGlite's
 * WebAssembly memory, once grown for a statement's parameters, stays grown. 250 instead of 1,000
 * left a first start ~15 MiB smaller at the same speed (`npm run bench -- --stdio`, empty data dir).
 */
const SEED_CHUNK = 250;

/** The writes the server itself makes, once, before it serves: control catalogue and demo seed. */
async function prepareStore(store: Store, seed: boolean): Promise<void> {
  await store.transaction(async (tx) => {
    // Written only when something is missing, so a SELECT-only role can serve a prepared store.
    const known = await tx.query<Row>('SELECT framework, control, title FROM posture_controls');
    const have = new Set(
      known.rows.map((r) => `${str(r.framework)}\u0000${str(r.control)}\u0000${str(r.title)}`),
    );
    for (const c of CONTROLS) {
      if (have.has(`${c.framework}\u0000${c.control}\u0000${c.title}`)) continue;
      await tx.query(
        'INSERT INTO posture_controls (framework, control, title) VALUES ($1, $2, $3) ON CONFLICT (framework, control) DO UPDATE SET title = EXCLUDED.title',
        [c.framework, c.control, c.title],
      );
    }
    if (!seed) return;
    const marker = await tx.query(
      `INSERT INTO posture_settings (key, value) VALUES ('seed', $1) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [SEED_VERSION],
    );
    if (marker.rowCount === 0) return;
    // Only an empty store gets demo data: one that already holds imported findings keeps just those.
    const any = await tx.query('SELECT 1 FROM posture_findings LIMIT 1');
    if (any.rows.length > 0) return;
    // Assets staged and written once per tenant, as an import writes them.
    await stageAssets(tx);
    for (const tenant of Object.keys(DEMO_TENANTS)) {
      const batch = `seed-${SEED_VERSION}`;
      const counts = emptyCounts();
      const all = generateSeed(tenant);
      for (let i = 0; i < all.length; i += SEED_CHUNK)
        await ingestChunk(
          tx,
          tenant,
          batch,
          all.slice(i, i + SEED_CHUNK),
          { now: SEED_NOW, stage: i },
          counts,
        );
      await writeStagedAssets(tx, tenant);
      await recordBatch(
        tx,
        tenant,
        { id: batch, format: 'demo', source_name: 'demo seed', started_at: SEED_NOW, finished_at: SEED_NOW },
        counts,
      );
    }
  });
}

// ---- SQL helpers

class Where {
  readonly params: unknown[];
  private readonly clauses: string[];
  /** How many of `clauses` are the tenant's and the account scope's (the rows the caller may see). */
  private readonly visible: number;
  /**
   * The conditions among `clauses` a compliance mapping (alias c) can answer from its copies of its
   * finding's columns (MAPPING_COPIES), as the mapping's: the scope's and every filter's but a
   * resource id's. mappedPage tests them on the mapping too.
   */
  readonly onMapping: string[] = [];

  constructor(
    readonly tenant: string,
    scope: AccountScope,
    alias: string,
  ) {
    this.params = [tenant];
    this.clauses = [`${alias}.tenant = $1`];
    // The principal's accounts: an empty list sees nothing, null sees the whole tenant.
    if (scope !== null) {
      const accounts = `account = ANY(${this.param([...scope])}::text[])`;
      this.add(`${alias}.${accounts}`, `c.${accounts}`);
    }
    this.visible = this.clauses.length;
  }

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  /** `onMapping`: the same condition on a compliance mapping's copies (see onMapping). */
  add(clause: string, onMapping?: string): void {
    this.clauses.push(clause);
    if (onMapping !== undefined) this.onMapping.push(onMapping);
  }

  /**
   * No condition but the tenant's and those a mapping's copies answer: no resource id, and nothing
   * added as a condition on the finding alone (a mapping's EXISTS, a text, a cursor's position).
   */
  onlyMapped(): boolean {
    return this.clauses.length === 1 + this.onMapping.length;
  }

  /** No condition but the tenant: no filter and no account scope. */
  onlyTenant(): boolean {
    return this.clauses.length === 1;
  }

  /** The rows the caller may see: the tenant's condition and the account scope. */
  visibleSql(): string {
    return this.clauses.slice(0, this.visible).join(' AND ');
  }

  /** The filters the caller gave (and a cursor's condition, once added), or true. */
  filtersSql(): string {
    return this.clauses.length === this.visible ? 'true' : this.clauses.slice(this.visible).join(' AND ');
  }

  sql(): string {
    return this.clauses.join(' AND ');
  }
}

function findingWhere(tenant: string, scope: AccountScope, query: FindingQuery): Where {
  const where = new Where(tenant, scope, 'f');
  if (query.severity_at_least !== undefined) {
    const rank = `severity_rank >= ${where.param(severityRank(query.severity_at_least))}`;
    where.add(`f.${rank}`, `c.${rank}`);
  }
  const both = (cond: string) => where.add(`f.${cond}`, `c.${cond}`);
  if (query.status !== undefined && query.status.length > 0)
    both(`status = ANY(${where.param([...new Set(query.status)].sort())}::text[])`);
  if (query.source !== undefined) both(`source = ${where.param(query.source)}`);
  if (query.account !== undefined) both(`account = ${where.param(query.account)}`);
  if (query.region !== undefined) both(`region = ${where.param(query.region)}`);
  if (query.resource_type !== undefined) both(`resource_type = ${where.param(query.resource_type)}`);
  if (query.resource_id !== undefined) where.add(`f.resource_id = ${where.param(query.resource_id)}`);
  if (query.rule !== undefined) both(`rule = ${where.param(query.rule)}`);
  const mapping = mappedTo(where, query);
  if (mapping !== null) where.add(mapping);
  if (query.text !== undefined) where.add(textMatch(where, query.text, FINDING_FIELDS, FINDING_TEXT).sql);
  return where;
}

/** The finding (alias f) is mapped to the query's framework, or control, or both; null: neither. */
function mappedTo(where: Where, query: FindingQuery): string | null {
  const read = mappingRead(where, query);
  return read === null ? null : `EXISTS (${read})`;
}

/** The finding's (alias f) mappings to the query's framework, control or both; null: neither. */
function mappingRead(where: Where, query: FindingQuery): string | null {
  if (query.framework === undefined && query.control === undefined) return null;
  const conds = ['c.tenant = f.tenant', 'c.finding_id = f.id'];
  if (query.framework !== undefined) conds.push(`c.framework = ${where.param(query.framework)}`);
  if (query.control !== undefined) conds.push(`c.control = ${where.param(query.control)}`);
  return `SELECT 1 FROM posture_compliance c WHERE ${conds.join(' AND ')}`;
}

/** A search's text, as textMatch makes it. */
interface PageText {
  /** Whether a row holds the text. */
  sql: string;
  /**
   * The same test as scanPage makes it: on the text the page order's index holds, where it holds it
   * (findingScanText), else on the row's.
   */
  scan: string;
  /**
   * The trigrams the text's candidates are looked up by (probeTrigrams; every row holding the text
   * holds each) and the expression the trigram index holds; null: the text is tested row by row
   * (scanPage).
   */
  probe: { joined: string; trigrams: string[] } | null;
  /**
   * A framework or control asked for with the text (searchFindings): the row's mappings to it
   * (mappingRead), tested with the text on each row the search reads, once the row holds the text.
   * searchPage tests them two ways, which PostgreSQL runs differently: as it chooses, which for
   * more than a few rows to test is a hash of every mapping the condition matches, built once a
   * statement (a control's 9,091 at 100,000 findings); or, with OFFSET 0 keeping the subquery
   * whole, a lookup of the row's own mappings by key.
   */
  mapped?: string;
}

/** The table and its alias in `where`, `text`, `order` and `after`'s condition (READ_ROW's). */
type PageTable = { table: 'posture_findings'; alias: 'f' } | { table: 'posture_assets'; alias: 'a' };

type PageQuery = PageTable & {
  /** The columns `order` sorts by besides the id (a text's matches keep only these). */
  keys: string[];
  /** Every condition but the text and the cursor's. */
  where: Where;
  text: PageText | null;
  order: string;
  /** The cursor's condition, or null; called once, when the statements may take its parameters. */
  after: () => string | null;
  limit: number;
};

/**
 * One page of a search and its matches counted up to COUNT_CAP + 1 (past the cap the total is a
 * lower bound, so a search costs the same at 100,000 rows as at 10,000 instead of visiting every
 * match). Without a text: the count, then the page, each through an index in the page's order.
 *
 * With a text, a call reads at most TEXT_CANDIDATES + 1 candidates, then, when there are more,
 * tests at most SCAN_WINDOW rows in page order (scanPage; a page short of matches then reads the
 * window's index entries again to its last and the one after it). The candidates are the rows the
 * caller may see (the tenant's, in its accounts) holding each of a few of the text's trigrams
 * (probeTrigrams), read through the trigram index: a row holding a trigram holds it as text, so the
 * index hands back no row these conditions then drop for the trigrams, and the LIMIT bounds how
 * many are tested.
 * The filters are tested with the text, not before the LIMIT: a filter few candidates pass would
 * otherwise have the statement read every candidate to find a thousand. The account scope stays
 * before it, so which way a search goes, and whether its count is exact, depends only on rows the
 * caller may see; a scope few candidates are in is read to the end. When the candidates are
 * TEXT_CANDIDATES or fewer, they hold every match: the count is exact and the page is the first
 * matches in page order, in one statement. Looking up the whole text instead bounds nothing:
 * pg_trgm's candidates for it are the rows holding all of its trigrams, each tested until 1,001
 * matched, and "aws arn" (two words every finding holds, the phrase none) tested all 100,000
 * findings in 252 ms. The index has no tenant column: another tenant's rows holding the trigrams
 * are handed back and dropped by the tenant's condition (a test of one column, not of the text).
 */
async function searchPage(q: Queryable, s: PageQuery): Promise<SearchResult> {
  const { table, alias: x, where, order, limit, text } = s;
  if (text === null) {
    const counted = await count(
      q,
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} ${x} WHERE ${where.sql()} LIMIT ${COUNT_CAP + 1}) m`,
      where.params,
    );
    const start = s.after();
    if (start !== null) where.add(start);
    if (counted === 0) return { counted, rows: [] };
    return {
      counted,
      rows: (
        await q.query<Row>(
          `SELECT ${READ_ROW[table]} FROM ${table} ${x} WHERE ${where.sql()} ${order} LIMIT ${limit + 1}`,
          where.params,
        )
      ).rows,
    };
  }
  const start = s.after();
  const { mapped } = text;
  // What a walk in page order tests: the text, then a framework or control on a row holding it.
  const walked = (byKey: boolean) =>
    mapped === undefined ? text.scan : `${text.scan} AND EXISTS (${mapped}${byKey ? ' OFFSET 0' : ''})`;
  if (text.probe === null) return scanPage(q, s, walked(false), start);
  const { joined, trigrams } = text.probe;
  // The trigrams' parameters are this statement's alone: scanPage's takes `where.params`.
  const params = [...where.params];
  const probe = trigrams.map((t) => `${joined} LIKE lower($${params.push(`%${likeEscape(t)}%`)})`);
  const keys = ['tenant', 'id', ...s.keys].map((k) => `${x}.${k}`).join(', ');
  const tested = `(${where.filtersSql()}) AND ${text.sql}`;
  // With a framework or control, the candidates passing the filters are counted too, and those
  // of them holding the text (`held`: the text tested again): the share tells the walk below, which
  // tests only findings passing the filters, how to test the mapping.
  const hit = mapped === undefined ? tested : `${tested} AND EXISTS (${mapped})`;
  const held = mapped === undefined ? '' : `, (${where.filtersSql()}) AS passes, ${tested} AS held`;
  const holding =
    mapped === undefined
      ? ''
      : ', count(*) FILTER (WHERE passes) AS passing, count(*) FILTER (WHERE held) AS holding';
  const res = await q.query<Row>(
    `WITH c AS MATERIALIZED (SELECT ${keys}, ${hit} AS hit${held} FROM ${table} ${x}
                              WHERE ${where.visibleSql()} AND ${probe.join(' AND ')} LIMIT ${TEXT_CANDIDATES + 1}),
          p AS (SELECT * FROM c ${x}
                 WHERE hit AND (SELECT count(*) FROM c) <= ${TEXT_CANDIDATES}${start === null ? '' : ` AND ${start}`}
                 ${order} LIMIT ${limit + 1})
     SELECT n.*, ${READ_ROW[table]}
       FROM (SELECT count(*) AS candidates, count(*) FILTER (WHERE hit) AS matches_counted${holding} FROM c) n
       LEFT JOIN (p JOIN ${table} ${x} ON ${x}.tenant = p.tenant AND ${x}.id = p.id) ON true ${order}`,
    params,
  );
  const head = res.rows[0]!; // the counts' row: always one
  const counted = Number(head.matches_counted);
  if (Number(head.candidates) <= TEXT_CANDIDATES)
    return { counted, rows: res.rows.filter((r) => r.id !== null) };
  // Too many candidates: the rows in page order. The matches among the candidates tested are
  // matches all the same: the total is at least as many (a common word: past COUNT_CAP).
  // A framework or control is looked up for each row the walk finds holding the text when few of
  // the candidates passing the filters hold it (LOOKUP_SHARE): a hash of every mapping the
  // condition matches costs what the framework's or the control's mappings are, which grow with
  // the findings. `bucket 42` with PCI DSS 4.0's control 3.2.1 at 100,000 findings (9,091
  // mappings) walked in 5.9 ms, against 2.4 looking up the findings holding the text. With most
  // candidates holding it, the hash, which costs less than a lookup for most of the 2,000 rows
  // walked (`bucket` with 1.4, whose findings sort last: 3.3 ms against 12.7).
  const passing = Number(head.passing);
  const lookups = mapped !== undefined && passing > 0 && Number(head.holding) * LOOKUP_SHARE <= passing;
  const scan = await scanPage(q, s, walked(lookups), start);
  return { ...scan, counted: Math.max(scan.counted, counted) };
}

/** The mappings a search by framework or control reads (mappedPage). */
interface MappedFilter {
  /** The framework asked for, or those holding the control asked for alone (frameworksHolding). */
  frameworks: string[];
  control: string | undefined;
  /** The rule asked for (walkMappings counts its mappings alone, through their index: 0013). */
  rule: string | undefined;
  /** The least severity rank asked for (walkMappings counts the mappings at or above it). */
  severityRank: number | undefined;
}

/**
 * A page of the findings mapped to a framework (or one of its controls), read through their
 * mappings (alias c); `where` holds the tenant, the account scope and the other filters (alias f).
 * The mappings are walked alone, and the page's findings then read by key, `where` tested again on
 * each (a copy that disagreed with its finding cannot show it outside the caller's accounts).
 * A finding has one mapping per control, so a whole framework's page reads only the one marked
 * `framework_first`. Every mapping has its finding (the import writes both in one transaction;
 * migration 0009 removed any other) and carries copies of the columns the filters test (its account
 * since 0010, the others since 0011), so the count reads the mappings alone (a control's, the index
 * alone: it holds the copies). Counted from the findings' side, one control with a region most
 * findings are in tested 87,000 of them to find 1,001 of the control's (23-31 ms at 100,000
 * findings); walking the control's mappings and reading each finding by key took about as long.
 *
 * A control asked for without its framework is read as that control of each framework holding it:
 * one framework's, as when both are given; several frameworks' (a control id as "1.4" is in each
 * CIS version), as a walk of each framework's mappings to a page, merged. A finding mapped to the
 * control in two of them is counted and listed once: its two mappings carry the same order.
 */
async function mappedPage(
  q: Queryable,
  where: Where,
  m: MappedFilter,
  order: string,
  after: () => string | null,
  limit: number,
): Promise<SearchResult> {
  if (m.frameworks.length === 0) {
    after(); // a cursor is still checked
    return { counted: 0, rows: [] };
  }
  const control = m.control === undefined ? null : where.param(m.control);
  // The filters on the mapping's copies too (Where.onMapping): the walk of the mappings stops at
  // the severity (tested on the finding alone, every lower mapping was read for a short last page),
  // and the page indexes hold the copies (the frameworks' only the account), so a mapping another
  // filter drops is skipped without reading its finding, and the count reads no finding.
  const pairOf = (framework: string) =>
    [
      `c.framework = ${framework}`,
      ...(control === null ? [] : [`c.control = ${control}`]),
      ...where.onMapping,
    ].join(' AND ');
  // Several only for a control asked for alone (frameworksHolding).
  const several = m.frameworks.length > 1 ? where.param(m.frameworks) : null;
  const pair = pairOf(several === null ? where.param(m.frameworks[0]) : `ANY(${several}::text[])`);
  // One mapping of each finding: a whole framework's marked one, or the control's in the first of
  // several frameworks.
  const once =
    control === null
      ? ' AND c.framework_first'
      : several === null
        ? ''
        : ` AND NOT EXISTS (SELECT 1 FROM posture_compliance d WHERE d.tenant = c.tenant AND d.finding_id = c.finding_id AND d.control = c.control AND d.framework = ANY(${several}::text[]) AND d.framework < c.framework)`;
  // Every condition is on the mapping too (searchFindings walks the findings otherwise): the count
  // reads the mappings' index alone.
  if (!where.onlyMapped()) throw new Error('mappedPage: a condition the mappings do not carry');
  const counted = await count(
    q,
    `SELECT count(*) AS n FROM (SELECT 1 FROM posture_compliance c WHERE c.tenant = $1 AND ${pair}${once} LIMIT ${COUNT_CAP + 1}) m`,
    where.params,
  );
  // The finding's own conditions (the tenant, the account scope, the filters), tested again on each
  // row of the page as it is read by key.
  const onFinding = where.sql();
  const start = after();
  if (counted === 0) return { counted, rows: [] };
  // A walk of one framework's mappings (or its control's) in page order, from the cursor, on the
  // mappings alone.
  const walk = (p: string) =>
    `SELECT c.severity_rank, c.first_seen, c.finding_id FROM posture_compliance c
      WHERE c.tenant = $1 AND ${p}${start === null ? '' : ` AND ${start}`} ${order} LIMIT ${limit + 1}`;
  // Several: each framework's walk to a page + 1, merged: the page is among them. UNION keeps one
  // of a finding's identical (order, id) rows (the count's `once` would make each later walk probe
  // every mapping it passes). Each framework by its place in the count's list, so the statement
  // uses every parameter.
  const walked =
    several === null
      ? walk(`${pair}${once}`)
      : `SELECT * FROM (${m.frameworks.map((_, i) => `(${walk(pairOf(`(${several}::text[])[${i + 1}]`))})`).join(' UNION ')}) w
          ${findingOrder('w', 'finding_id')} LIMIT ${limit + 1}`;
  // The page's findings read by key, one by one (OFFSET 0 keeps PostgreSQL from joining them
  // otherwise: on a small table it hashed every finding of the tenant; a rule's whole framework at
  // 100,000 findings joined the rule's 1,667 findings to their mappings and sorted them). Each row
  // keeps the mapping's keys (`walk_`), which the next page's cursor is made of.
  const res = await q.query<Row>(
    `SELECT u.severity_rank AS walk_rank, u.first_seen AS walk_seen, u.finding_id AS walk_id, ${FINDING_ROW}
       FROM (${walked}) u
       LEFT JOIN LATERAL (SELECT * FROM posture_findings f WHERE ${onFinding} AND f.id = u.finding_id OFFSET 0) f ON true
      ${findingOrder('u', 'finding_id')}`,
    where.params,
  );
  const rows = res.rows.filter((r) => r.id !== null);
  // A finding whose mapping's copies are not its own is left out (no import writes such a copy).
  // A page walked in full may then be short: the next page goes on after the last mapping walked,
  // so no finding after it is lost (when that mapping was the last, the next page is empty).
  return { counted, rows, goesOnAfter: res.rows[limit] };
}

/**
 * How many findings, then mappings, walkMappings counts at first to compare them (then 8 times as
 * many, while both reach the limit, up to WALK_PROBE_MAX).
 */
const WALK_PROBE = 2_000;
const WALK_PROBE_MAX = 128_000;

/**
 * Which a search by framework or control with other filters (or an account scope) walks in page
 * order: the mappings, testing the filters on each one's copies, or the findings passing the
 * filters, testing each one's mappings; the fewer, where that is known. A walk in page order may
 * pass every row it reads before the page's matches (they can rank last), so the fewer bound it.
 * Walking the framework's mappings, one rule (1,667 of 100,000 findings, all ranked below 40,000 of
 * the framework's) took 345 ms a search; walking the findings of an account, one control whose
 * findings ranked last took 555-723 ms (before migration 0009).
 *
 * The findings are counted to WALK_PROBE; below it, the mappings to one more, and the fewer are
 * walked. Past it, the mappings to WALK_PROBE: below it, they are walked. Past both, a page among
 * one framework's first 8 x (page + 1) mappings says the walk of the mappings finds its first page
 * at once (a later page, past a cursor, or the last, may still walk far where the matches thin out
 * further down). Otherwise both are counted again with a limit 8 times higher while both reach it
 * (each count reads at most 8 times the fewer's index entries), and past WALK_PROBE_MAX both ways,
 * the mappings. The mappings are counted whatever the other filters (tested on them as they are
 * walked): counting one account's would read every mapping of a large framework to find that few
 * are its. A rule's are counted as the rule's, through their own index (migration 0013): no more
 * than the rule's findings for a control in each framework holding it (or a whole framework's
 * marked ones): a rule alone (a severity aside) walks them without counting, and with another
 * filter they are compared with that many. Walking the rule's findings instead, testing each
 * one's mappings, a rule with a whole framework counted its findings one probe of the mappings
 * each (1,001 probes at 100,000 findings), and one with a control joined the control's 9,091
 * mappings to them: 2.1-2.4x their time at 1,000 findings, against 1.15-1.66x. Every condition in
 * `where` is on the mappings' copies too (a resource id, which they do not carry, has its findings
 * walked before this is asked).
 */
async function walkMappings(
  q: Queryable,
  where: Where,
  m: MappedFilter,
  pageSize: number,
): Promise<'findings' | 'mappings'> {
  if (m.frameworks.length === 0) return 'mappings'; // no mapping: mappedPage answers at once
  // A rule and no other filter (a severity aside): in each framework its mappings are no more than
  // its findings, and are walked without counting (counted, a control held by two frameworks
  // counted both ways to WALK_PROBE_MAX past 16,000 findings to come to the same).
  if (m.rule !== undefined && where.onMapping.length === (m.severityRank === undefined ? 1 : 2))
    return 'mappings';
  // The mappings' conditions, their parameters after `params`' (whose first is the tenant).
  const mappingsOf = (params: unknown[]) => {
    const conds = [
      'c.tenant = $1',
      m.frameworks.length === 1
        ? `c.framework = $${params.push(m.frameworks[0])}`
        : `c.framework = ANY($${params.push(m.frameworks)}::text[])`,
    ];
    conds.push(m.control === undefined ? 'c.framework_first' : `c.control = $${params.push(m.control)}`);
    if (m.rule !== undefined) conds.push(`c.rule = $${params.push(m.rule)}`);
    if (m.severityRank !== undefined) conds.push(`c.severity_rank >= $${params.push(m.severityRank)}`);
    return conds.join(' AND ');
  };
  const params: unknown[] = [where.tenant];
  const conds = mappingsOf(params);
  const findingsTo = (limit: number) =>
    count(
      q,
      `SELECT count(*) AS n FROM (SELECT 1 FROM posture_findings f WHERE ${where.sql()} LIMIT ${limit}) m`,
      where.params,
    );
  const mappingsTo = (limit: number) =>
    count(
      q,
      `SELECT count(*) AS n FROM (SELECT 1 FROM posture_compliance c WHERE ${conds} LIMIT ${limit}) m`,
      params,
    );
  const findings = await findingsTo(WALK_PROBE);
  // A rule's mappings in each framework holding a control asked for alone are no more than its
  // findings passing the rule (a finding mapped to the control in two of them is walked in each,
  // and listed once): with another filter, a rule's are compared with the findings times those
  // frameworks.
  const walks = m.rule === undefined ? 1 : m.frameworks.length;
  // Counted only to one more than that: enough to tell whether the mappings are fewer.
  if (findings < WALK_PROBE) {
    const mappings = await mappingsTo(findings * walks + 1);
    return mappings <= findings * walks ? 'mappings' : 'findings';
  }
  if ((await mappingsTo(WALK_PROBE)) < WALK_PROBE) return 'mappings';
  // Both many. A page among the framework's first mappings (an eighth of them or more pass the
  // filters: a framework and a status, a region, an account): counted, a framework and a region
  // every finding is in read 100,000 index entries of each. One framework's only (several are not
  // in one index order).
  if (m.frameworks.length === 1) {
    const peek = [...where.params];
    const first = await count(
      q,
      `SELECT count(*) AS n FROM (SELECT 1 FROM (SELECT ${MAPPING_COPIES} FROM posture_compliance c WHERE ${mappingsOf(peek)}
          ${findingOrder('c', 'finding_id')} LIMIT ${8 * (pageSize + 1)}) c
        WHERE ${where.onMapping.join(' AND ') || 'true'} LIMIT ${pageSize + 1}) m`,
      peek,
    );
    if (first > pageSize) return 'mappings';
  }
  for (let limit = WALK_PROBE * 8; ; limit *= 8) {
    const more = await findingsTo(limit);
    const mappings = await mappingsTo(Math.min(limit, more + 1) * walks);
    if (mappings <= more * walks && mappings < limit * walks) return 'mappings';
    if (more < limit) return 'findings';
    if (limit >= WALK_PROBE_MAX) return 'mappings';
  }
}

/**
 * The frameworks of the tenant's mappings that hold `control`: one probe of the mappings' page
 * index for each framework the tenant's findings map to, and one for the control in each. As an
 * EXISTS, PostgreSQL read every mapping of the tenant for the control (a semi-join): the index
 * leads with the framework.
 */
async function frameworksHolding(q: Queryable, tenant: string, control: string): Promise<string[]> {
  const res = await q.query<Row>(
    `WITH RECURSIVE fw(framework) AS (
       SELECT min(framework) FROM posture_compliance WHERE tenant = $1
       UNION ALL
       SELECT (SELECT min(c.framework) FROM posture_compliance c WHERE c.tenant = $1 AND c.framework > fw.framework)
         FROM fw WHERE fw.framework IS NOT NULL)
     SELECT framework FROM fw
      WHERE framework IS NOT NULL
        AND (SELECT true FROM posture_compliance c WHERE c.tenant = $1 AND c.framework = fw.framework AND c.control = $2 LIMIT 1)`,
    [tenant, control],
  );
  return res.rows.map((r) => str(r.framework));
}

/** A mapping's copies of its finding's columns (0009 to 0011), all in the controls' page index. */
const MAPPING_COPIES = 'c.severity_rank, c.account, c.status, c.source, c.region, c.resource_type, c.rule';

/** A finding search's cursor position, [rank, first seen, id], or an invalid_cursor error. */
function findingPosition(pos: unknown): [number, string, string] {
  if (!Array.isArray(pos) || pos.length !== 3) throw invalidCursor();
  const [rank, seen, id] = pos as unknown[];
  if (
    typeof rank !== 'number' ||
    typeof seen !== 'string' ||
    typeof id !== 'string' ||
    Number.isNaN(Date.parse(seen))
  )
    throw invalidCursor();
  return [rank, seen, id];
}

/**
 * A search's page from searchPage's result: the rows, the next cursor made (`cursorAt`) from the
 * row the next page goes on after (the page's last row when more follow, else the last row a scan
 * tested or the last mapping walked), the total and its flags.
 */
function toPage<T>(
  res: SearchResult,
  limit: number,
  map: (r: Row) => T,
  cursorAt: (r: Row) => string,
): Page<T> {
  const more = res.rows.length > limit;
  const rows = more ? res.rows.slice(0, limit) : res.rows;
  const after = more ? rows[rows.length - 1] : (res.resume ?? res.goesOnAfter);
  return {
    items: rows.map(map),
    next_cursor: after === undefined ? null : cursorAt(after),
    total: Math.min(res.counted, COUNT_CAP),
    ...(res.counted > COUNT_CAP || res.lowerBound === true ? { total_is_lower_bound: true } : {}),
    ...(res.resume !== undefined ? { scan_incomplete: true } : {}),
  };
}

interface SearchResult {
  /** Matches counted, up to COUNT_CAP + 1 (scanPage: those among the rows it tested). */
  counted: number;
  /** The page's rows and, when there are more, one row more. */
  rows: Row[];
  /**
   * A scan stopped after SCAN_WINDOW rows: the keys (the PageQuery's `keys` and `id`) of the last
   * row it tested, where the next call goes on. Matches may follow it.
   */
  resume?: Row;
  /**
   * A page of the mappings' walk short of a finding it left out (mappedPage): the last mapping
   * walked (its `walk_` keys), where the next page goes on.
   */
  goesOnAfter?: Row;
  /** `counted` is only a lower bound on all matches (a scan that did not test every row). */
  lowerBound?: boolean;
}

/**
 * A page for a text the trigram index cannot narrow to TEXT_CANDIDATES candidates (searchPage):
 * rows are tested in page order from the cursor until `limit` + 1 match or SCAN_WINDOW have been
 * tested, and the page is the matches found. When the window ends before the rows do and the page
 * is short, even empty, the next cursor resumes after the last row tested. The count is the matches
 * found: a lower bound, unless one call tested every row from the first.
 */
async function scanPage(
  q: Queryable,
  s: PageQuery,
  text: string,
  start: string | null,
): Promise<SearchResult> {
  const { table, alias: x, where, order, limit } = s;
  if (start !== null) where.add(start);
  const keys = ['tenant', 'id', ...s.keys];
  const cols = keys.map((k) => `${x}.${k}`).join(', ');
  // The window's first matches (`h`): the rows in page order, streamed, tested until the match
  // that fills the page. For a page short of matches, the window's last row, where the next call
  // resumes, and the row after it, if any (`t`, read only then). Numbering every row the window
  // tested (row_number() and lead() over the walk) cost more than testing them: 2.6 ms against 0.9
  // for 2,000 findings at 100,000.
  const res = await q.query<Row>(
    `WITH h AS MATERIALIZED (
       SELECT * FROM (SELECT ${cols}, ${text} AS hit FROM ${table} ${x} WHERE ${where.sql()} ${order} LIMIT ${SCAN_WINDOW}) h
        WHERE hit LIMIT ${limit + 1}),
          t AS (SELECT row_number() OVER (${order}) AS tail, ${cols}
                  FROM (SELECT ${cols} FROM ${table} ${x} WHERE ${where.sql()} ${order} OFFSET ${SCAN_WINDOW - 1} LIMIT 2) ${x}
                 WHERE (SELECT count(*) FROM h) <= ${limit})
     SELECT u.tail AS scan_tail, ${keys.map((k) => `u.${k} AS scan_${k}`).join(', ')}, ${READ_ROW[table]}
       FROM (SELECT NULL::bigint AS tail, ${keys.join(', ')} FROM h UNION ALL SELECT * FROM t) u
       LEFT JOIN ${table} ${x} ON u.tail IS NULL AND ${x}.tenant = u.tenant AND ${x}.id = u.id
      ${order}`,
    where.params,
  );
  const rows = res.rows.filter((r) => r.scan_tail === null);
  const tail = res.rows.filter((r) => r.scan_tail !== null);
  const rowsLeft = tail.length > 1;
  const full = rows.length > limit;
  // Every row from the first tested (none left, the page not full): the count is exact.
  const lowerBound = start !== null || rowsLeft || full;
  if (full || !rowsLeft) return { counted: rows.length, rows, lowerBound };
  // Rows left: the tail holds two rows, the window's last (1) and the one after it (2).
  const last = tail.find((r) => Number(r.scan_tail) === 1)!;
  const resume = Object.fromEntries(keys.map((k) => [k, last[`scan_${k}`]]));
  return { counted: rows.length, rows, resume, lowerBound };
}

/**
 * One of `fields` holds `text` (case-insensitive): a finding's title, description, resource id or
 * rule (FINDING_TEXT), an asset's name or resource id (ASSET_TEXT), with the trigrams searchPage
 * looks its candidates up by. With `walked` (findingScanText), a walk in page order tests the text
 * the page order's index holds, and reads it from the row where the index holds none; without it,
 * or for a text tested field by field, the walk tests the row.
 */
function textMatch(
  where: Where,
  text: string,
  fields: string[],
  joined: string,
  walked: ((p: string) => string) | null = null,
): PageText {
  // Lower-cased by PostgreSQL, as the fields are: JavaScript's toLowerCase is not lower() (İ, a
  // final Σ), and lower() follows the database's locale.
  const p = `lower(${where.param(`%${likeEscape(text)}%`)})`;
  // The fields joined by U+0001 (FINDING_TEXT and ASSET_TEXT, which the trigram indexes read):
  // without that character a text matches the joined fields exactly when it matches one of them.
  if (text.includes('\u0001')) {
    const sql = `(${fields.map((f) => `lower(${f}) LIKE ${p}`).join(' OR ')})`;
    return { sql, scan: sql, probe: null };
  }
  const trigrams = probeTrigrams(text);
  const sql = `${joined} LIKE ${p}`;
  const scan = walked === null ? sql : walked(p);
  return { sql, scan, probe: trigrams.length === 0 ? null : { joined, trigrams } };
}

/** Runs of three or more letters or digits: pg_trgm takes letters and digits as a word's characters. */
const WORD_RUN = /[\p{L}\p{Nd}]{3,}/gu;

/** The most trigrams a text's candidates are looked up by: each is a test of every candidate. */
const PROBE_TRIGRAMS = 3;

/**
 * The trigrams searchPage looks a text's candidates up by: the first three letters or digits of
 * each run of three or more, then the last three of each, at most PROBE_TRIGRAMS ("lone wolf": lon,
 * wol, one; "bucket": buc, ket). For `LIKE '%buc%'` pg_trgm looks up "buc" alone, which only rows
 * holding "buc" have: the index hands back exactly the rows the condition keeps. A row holding the
 * text holds each trigram, so the candidates hold every match.
 *
 * None for a text without three letters or digits in a row ("s3", "42", "a-b"): pg_trgm takes
 * nothing from it, or only padded trigrams ("  b") that every word starting with b holds, and the
 * index would hand back every row, or most. Left out too, as lower-casing one alone could spell it
 * otherwise than lower-casing the whole text does: a trigram holding a capital Σ (a final ς under
 * some locales), and every trigram of a text holding a combining mark (which can change the letter
 * before it). With none, the text is tested row by row (scanPage).
 *
 * A character JavaScript and the database's locale class differently (a PostgreSQL with
 * LC_CTYPE=C takes "é" as a non-letter) gives a trigram the index does not hold: it then hands
 * back every row, which the conditions test; the matches are the same, only found more slowly.
 */
export function probeTrigrams(text: string): string[] {
  if (/\p{M}/u.test(text)) return [];
  const runs = (text.match(WORD_RUN) ?? []).map((r) => [...r]);
  const picked = [...runs.map((r) => r.slice(0, 3)), ...runs.map((r) => r.slice(-3))]
    .map((t) => t.join(''))
    .filter((t) => !t.includes('\u03a3'));
  return [...new Set(picked)].slice(0, PROBE_TRIGRAMS);
}

const FINDING_FIELDS = ['f.title', 'f.description', 'f.resource_id', 'f.rule'];
const ASSET_FIELDS = ['a.name', 'a.resource_id'];

/** A query's filters as a cursor binds them: undefined dropped, lists sorted. */
function normalise(q: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? [...new Set(v as unknown[])].map(String).sort() : v;
  }
  return out;
}

/** `s` with LIKE's wildcards and escape character taken literally. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

async function count(q: Queryable, sql: string, params: unknown[]): Promise<number> {
  const res = await q.query<{ n: string }>(sql, params);
  return Number(res.rows[0]?.n ?? 0);
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

function iso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
}

function json(v: unknown): unknown {
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
}

export function toFinding(r: Row): FindingRecord {
  return {
    id: str(r.id),
    asset_id: str(r.asset_id),
    account: str(r.account),
    region: str(r.region),
    resource_type: str(r.resource_type),
    resource_id: str(r.resource_id),
    rule: str(r.rule),
    title: str(r.title),
    description: str(r.description),
    severity: str(r.severity) as Severity,
    status: str(r.status) as Status,
    source: str(r.source),
    source_id: str(r.source_id),
    import_batch: str(r.import_batch),
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
    updated_at: iso(r.updated_at),
    record_hash: str(r.record_hash),
    evidence: r.evidence === null || r.evidence === undefined ? null : json(r.evidence),
    remediation_text: str(r.remediation_text),
    remediation_url:
      r.remediation_url === null || r.remediation_url === undefined ? null : str(r.remediation_url),
  };
}

export function toAsset(r: Row): AssetRecord {
  const tags = json(r.tags);
  return {
    id: str(r.id),
    account: str(r.account),
    region: str(r.region),
    type: str(r.type),
    resource_id: str(r.resource_id),
    name: str(r.name),
    tags: tags !== null && typeof tags === 'object' ? (tags as Record<string, string>) : {},
    public: r.public === true,
    internet_facing: r.internet_facing === true,
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
  };
}

function toHistory(r: Row): HistoryEntry {
  return {
    at: iso(r.at),
    from_status: r.from_status === null ? null : (str(r.from_status) as Status),
    to_status: str(r.to_status) as Status,
    import_batch: str(r.import_batch),
    note: str(r.note),
  };
}

/**
 * The finding search's cost does not grow with the store (not a timing test): every query a
 * search runs is EXPLAINed, with sequential scans and sorts priced out of the planner's reach,
 * and the plan must read posture_findings through an index in the page's own order (no Sort,
 * no Seq Scan). A missing or mismatched index (say, an ORDER BY collation the index does not
 * have) shows up here as a Sort or a Seq Scan. The summaries' grouping queries are EXPLAINed as
 * the planner would run them: none may sort every matching finding by id to count it once
 * (count(DISTINCT f.id) did, on disk past work_mem: 3.4-6.3x the time at 100,000 findings). A
 * summary by framework with a filter reads each match's frameworks, never the tenant's whole table.
 * A text search's plans are in text-search.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorCodec } from '@portcullis/core/cursor';
import { migrate, openStore, type Store } from '@portcullis/core/store';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { FindingQuery } from '../src/backend.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { planAtScale, recordingReads, type Recorded } from './recording.js';

let store: Store;
let backend: EmbeddedBackend;
const seen: Recorded[] = [];

beforeAll(async () => {
  store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'posture-read', migrations);
  backend = await EmbeddedBackend.open(store, {
    seed: true,
    cursors: new CursorCodec(randomBytes(32)),
    reads: recordingReads(store, seen), // every read recorded, still read-only
  });
  await store.exec('ANALYZE');
});
afterAll(async () => {
  await backend?.close();
  await store?.close();
});

async function plansOf(run: () => Promise<unknown>, table = 'posture_findings'): Promise<string[]> {
  seen.length = 0;
  await run();
  const queries = seen.filter((q) => /^(SELECT|WITH)\b/.test(q.sql.trimStart()));
  const plans: string[] = [];
  for (const q of queries) plans.push(await planAtScale(store, q));
  return plans.filter((p) => p.includes(table));
}

const page = (cursor: string | null) => ({ limit: 25, cursor, principal: 'sam' });

describe('posture_search_findings plans', () => {
  it.each([
    ['open, medium and up', { status: ['open' as const], severity_at_least: 'medium' as const }],
    ['no filter', {}],
    ['one account', { account: '111111111111' }],
  ])('%s: index scans in page order, a bounded count, no sort', async (_label, query) => {
    const first = await backend.searchFindings('acme', null, query, page(null));
    expect(first.items.length).toBeGreaterThan(0);
    const plans = await plansOf(() => backend.searchFindings('acme', null, query, page(first.next_cursor)));
    expect(plans.length).toBe(2); // the count and the page
    for (const plan of plans) {
      expect(plan).not.toMatch(/Seq Scan on posture_findings/);
      expect(plan).not.toMatch(/\bSort\b/);
      expect(plan).toMatch(/Index (Only )?Scan/);
    }
    const count = plans.find((p) => p.includes('Aggregate'))!;
    expect(count).toMatch(new RegExp(`Limit`)); // counting stops at the cap
    expect(COUNT_CAP).toBeGreaterThan(0);
  });

  /** The most common value of `column` among acme's findings. */
  const commonest = async (column: 'rule' | 'resource_id' | 'region') =>
    (
      await store.query<{ v: string }>(
        `SELECT ${column} AS v FROM posture_findings WHERE tenant = 'acme' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
      )
    ).rows[0]!.v;
  // Walking the order index and testing each finding (a Filter) reads every finding it passes.
  const readsOnly = (plan: string, column: string) => {
    expect(plan).not.toMatch(/Seq Scan on posture_findings/);
    expect(plan).toMatch(new RegExp(`Index Cond: \\(.*\\b${column} = `));
    expect(plan).not.toMatch(new RegExp(`Filter: \\(.*\\b${column} = `));
  };

  it("one rule: the page walks that rule's findings in page order and the count reads only them", async () => {
    const query = { rule: await commonest('rule') };
    const plans = await plansOf(() => backend.searchFindings('acme', null, query, page(null)));
    expect(plans.length).toBe(2);
    for (const plan of plans) readsOnly(plan, 'rule');
    expect(plans.find((p) => !p.includes('Aggregate'))).not.toMatch(/\bSort\b/);
  });

  it.each(['source', 'region', 'resource_type'] as const)(
    "one %s: the page walks that value's findings in page order and the count reads only them",
    async (column) => {
      // The rarest, the one a walk of the order index testing each finding would read furthest for.
      const values = await store.query<{ v: string }>(
        `SELECT ${column} AS v FROM posture_findings WHERE tenant = 'acme' GROUP BY 1 ORDER BY count(*), 1`,
      );
      expect(values.rows.length).toBeGreaterThan(1);
      const query = { [column]: values.rows[0]!.v };
      const first = await backend.searchFindings('acme', null, query, page(null));
      expect(first.items.length).toBeGreaterThan(0);
      const plans = await plansOf(() => backend.searchFindings('acme', null, query, page(null)));
      expect(plans.length).toBe(2);
      for (const plan of plans) readsOnly(plan, column);
      const pagePlan = plans.find((p) => !p.includes('Aggregate'))!;
      expect(pagePlan).toMatch(new RegExp(`posture_findings_${column} `));
      expect(pagePlan).not.toMatch(/\bSort\b/);
    },
  );

  it('one resource: the page and the count read only its findings (as the planner would run them)', async () => {
    const query = { resource_id: await commonest('resource_id') };
    seen.length = 0;
    await backend.searchFindings('acme', null, query, page(null));
    const selects = seen.filter((q) => q.sql.trimStart().startsWith('SELECT'));
    expect(selects.length).toBe(2);
    for (const q of selects) {
      const res = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
      readsOnly(res.rows.map((r) => r['QUERY PLAN']).join('\n'), 'resource_id');
    }
  });

  it.each<[string, FindingQuery, RegExp]>([
    ['no filter', {}, /posture_findings_order /],
    // Most demo findings are open: walking the order index and testing the status is as good.
    ['one status', { status: ['open'] }, /posture_findings_(status_rank|order) /],
    ['one rule', { rule: 'CVE-2024-6387' }, /posture_findings_rule /],
  ])(
    "%s: a later page starts its index scan at the cursor's finding, not at the top or its rank",
    async (_label, query, index) => {
      const first = await backend.searchFindings('acme', null, query, page(null));
      expect(first.next_cursor).not.toBeNull();
      const plans = await plansOf(() => backend.searchFindings('acme', null, query, page(first.next_cursor)));
      const pagePlan = plans.find((p) => !p.includes('Aggregate'))!;
      expect(pagePlan).toMatch(index);
      // (rank, first seen) bounds the scan itself: it starts at the cursor's finding.
      expect(pagePlan).toMatch(/Index Cond: \(.*ROW\(severity_rank, first_seen\) <= ROW\(/);
    },
  );

  /** Acme's framework and control the fewest findings (three or more) map to. */
  const rarestControl = async () =>
    (
      await store.query<{ framework: string; control: string }>(
        `SELECT framework, control FROM posture_compliance WHERE tenant = 'acme'
          GROUP BY 1, 2 HAVING count(*) >= 3 ORDER BY count(*), 1, 2 LIMIT 1`,
      )
    ).rows[0]!;
  const small = (cursor: string | null) => ({ ...page(cursor), limit: 2 });
  /** The value of `column` most of rarestControl's findings hold. */
  const heldByRarest = async (column: 'source' | 'resource_type') => {
    const rare = await rarestControl();
    return (
      await store.query<{ v: string }>(
        `SELECT f.${column} AS v FROM posture_findings f JOIN posture_compliance c ON c.tenant = f.tenant AND c.finding_id = f.id
          WHERE f.tenant = 'acme' AND c.framework = $1 AND c.control = $2 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
        [rare.framework, rare.control],
      )
    ).rows[0]!.v;
  };

  /** A rule of rarestControl's findings (three or more of them). */
  const ruleOfRarest = async () => {
    const rare = await rarestControl();
    return (
      await store.query<{ rule: string }>(
        `SELECT rule FROM posture_compliance WHERE tenant = 'acme' AND framework = $1 AND control = $2
          GROUP BY 1 HAVING count(*) >= 3 ORDER BY count(*), 1 LIMIT 1`,
        [rare.framework, rare.control],
      )
    ).rows[0]!.rule;
  };

  it.each([
    ['one control', 'posture_compliance_page', false, false],
    ['one framework', 'posture_compliance_framework_page', true, false],
    // A rule's mappings through their own index (0013).
    ['one control and a rule', 'posture_compliance_rule', false, true],
    ['one framework and a rule', 'posture_compliance_rule', true, true],
  ] as const)(
    '%s: the page walks its mappings in page order, the count reads only the mappings',
    async (_label, index, wholeFramework, withRule) => {
      const rare = await rarestControl();
      const query = {
        ...(wholeFramework ? { framework: rare.framework } : rare),
        ...(withRule ? { rule: await ruleOfRarest() } : {}),
      };
      const first = await backend.searchFindings('acme', null, query, small(null));
      expect(first.next_cursor).not.toBeNull();
      for (const cursor of [null, first.next_cursor]) {
        const plans = await plansOf(
          () => backend.searchFindings('acme', null, query, small(cursor)),
          'posture_compliance',
        );
        // The count and the page, and no other count (a rule alone is walked without counting its
        // findings or its mappings first).
        expect(plans.length).toBe(2);
        expect(seen.filter((q) => /^SELECT count/.test(q.sql.trimStart()))).toHaveLength(1);
        const [countPlan, pagePlan] = plans as [string, string];
        // The mappings alone are counted (each has its finding and copies of its rule).
        expect(countPlan).toMatch(/Aggregate/);
        expect(countPlan).not.toMatch(/posture_findings/);
        expect(countPlan).toMatch(new RegExp(`Index Only Scan using ${index} `));
        expect(pagePlan).toMatch(new RegExp(`Index (Only )?Scan using ${index} `));
        if (withRule)
          expect(pagePlan).toMatch(
            /Scan using posture_compliance_rule on posture_compliance c(_\d+)?\b[^\n]*\n\s+Index Cond: \(\(tenant = 'acme'::text\) AND \(rule = /,
          );
        // Each finding of the page read by its key, tested again.
        const reads = pagePlan.split('\n').filter((l) => / on posture_findings /.test(l));
        expect(reads.length).toBeGreaterThan(0);
        for (const line of reads) expect(line).toMatch(/Index Scan using posture_findings_pkey/);
        for (const plan of plans) {
          expect(plan).not.toMatch(/Seq Scan/);
          expect(plan).not.toMatch(/\bSort\b/);
        }
        if (cursor !== null)
          expect(pagePlan).toMatch(/Index Cond: \(.*ROW\(severity_rank, first_seen\) <= ROW\(/);
      }
    },
  );

  it('one control without its framework: a probe per framework, then the walk of its mappings', async () => {
    const rare = await rarestControl();
    const first = await backend.searchFindings('acme', null, { control: rare.control }, small(null));
    expect(first.next_cursor).not.toBeNull();
    const plans = await plansOf(
      () => backend.searchFindings('acme', null, { control: rare.control }, small(first.next_cursor)),
      'posture_compliance',
    );
    expect(plans.length).toBe(3);
    const [lookup, countPlan, pagePlan] = plans as [string, string, string];
    expect(lookup).toMatch(
      /Index Cond: \(\(tenant = 'acme'::text\) AND \(framework = fw\.framework\) AND \(control = /,
    );
    expect(countPlan).not.toMatch(/posture_findings/);
    expect(pagePlan).toMatch(/Index (Only )?Scan using posture_compliance_page /);
    expect(pagePlan).toMatch(/Index Cond: \(.*ROW\(severity_rank, first_seen\) <= ROW\(/);
    for (const plan of plans) {
      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).not.toMatch(/\bSort\b/);
    }
  });

  it.each<[string, () => Promise<FindingQuery>, string[] | null, RegExp]>([
    ['an account', async () => ({ account: '111111111111' }), null, /account = /],
    ['an account scope', async () => ({}), ['111111111111', '222222222222'], /account = ANY/],
    // Copies of these too since migration 0011.
    ['a status', async () => ({ status: ['open'] }), null, /status = ANY/],
    ['two statuses', async () => ({ status: ['open', 'resolved'] }), null, /status = ANY/],
    ['a region', async () => ({ region: await commonest('region') }), null, /region = /],
    ['a source', async () => ({ source: await heldByRarest('source') }), null, /source = /],
    [
      'a resource type',
      async () => ({ resource_type: await heldByRarest('resource_type') }),
      null,
      /resource_type = /,
    ],
  ])(
    'one control and %s: its mappings are fewer and walked; the count reads only the mappings',
    async (_label, filterOf, scope, tested) => {
      const rare = await rarestControl();
      const filter = await filterOf();
      const plans = await plansOf(
        () => backend.searchFindings('acme', scope, { ...rare, ...filter }, page(null)),
        'posture_compliance',
      );
      // The control's mappings counted (to one more than the findings passing the filter, fewer
      // than WALK_PROBE), the count, the page.
      expect(plans.length).toBe(3);
      const [probe, countPlan, pagePlan] = plans as [string, string, string];
      expect(probe).toMatch(/Index Only Scan using posture_compliance_page/);
      expect(probe).not.toMatch(/posture_findings/);
      // Each mapping carries its finding's columns (0010, 0011), in the index.
      expect(countPlan).not.toMatch(/posture_findings/);
      expect(countPlan).toMatch(/Index Only Scan using posture_compliance_page /);
      expect(countPlan).toMatch(new RegExp(`Filter: \\(.*${tested.source}`));
      expect(pagePlan).toMatch(/Index (Only )?Scan using posture_compliance_page /);
      // The page in the mappings' order, read through them, then each finding by key.
      expect(seen.at(-1)!.sql).toMatch(
        /FROM \(SELECT c\.severity_rank, c\.first_seen, c\.finding_id FROM posture_compliance c\s.* ORDER BY c\.severity_rank/s,
      );
      for (const plan of plans) expect(plan).not.toMatch(/Seq Scan/);
    },
  );

  it("one control and a resource, which the mappings do not carry: the resource's findings walked", async () => {
    const rare = await rarestControl();
    const resource = await commonest('resource_id');
    seen.length = 0;
    await backend.searchFindings('acme', null, { ...rare, resource_id: resource }, page(null));
    // No count of the findings or the mappings to choose the walk: the count, the page, each
    // reading only the resource's findings (as the planner would run them: its index is not in
    // page order, and a few findings are sorted).
    const selects = seen.filter((q) => q.sql.trimStart().startsWith('SELECT'));
    expect(selects.length).toBe(2);
    for (const q of selects) {
      expect(q.sql).toMatch(
        /^SELECT .*FROM posture_findings f WHERE .*EXISTS \(SELECT 1 FROM posture_compliance c/,
      );
      const res = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
      readsOnly(res.rows.map((r) => r['QUERY PLAN']).join('\n'), 'resource_id');
    }
  });

  it('one framework and a severity: the walk of the mappings stops at the severity', async () => {
    const rare = await rarestControl();
    const plans = await plansOf(
      () =>
        backend.searchFindings(
          'acme',
          null,
          { framework: rare.framework, severity_at_least: 'high' },
          small(null),
        ),
      'posture_compliance',
    );
    const pagePlan = plans.find((p) => !p.includes('Aggregate'))!;
    expect(pagePlan).toMatch(/Index (Only )?Scan using posture_compliance_framework_page/);
    expect(pagePlan).toMatch(/Index Cond: \(.*severity_rank >= /);
  });

  it('plans each search for the values it is given, not once for any values', async () => {
    seen.length = 0;
    await backend.searchFindings('acme', null, { status: ['suppressed'] }, page(null));
    // A kept plan made for a common status walked every finding to find none suppressed.
    expect(seen[0]!.sql).toBe('SET LOCAL plan_cache_mode = force_custom_plan');
    expect(seen.slice(1).every((q) => q.sql.trimStart().startsWith('SELECT'))).toBe(true);
  });
});

describe('posture_search_assets plans', () => {
  /** One of acme's assets: its account, region and type are values its filters take. */
  const some = async () =>
    (
      await store.query<{ account: string; region: string; type: string }>(
        "SELECT account, region, type FROM posture_assets WHERE tenant = 'acme' ORDER BY id LIMIT 1",
      )
    ).rows[0]!;

  it.each([
    ['no filter', async () => ({}), 'posture_assets_order'],
    ['one account', async () => ({ account: (await some()).account }), 'posture_assets_account_order'],
    ['one region', async () => ({ region: (await some()).region }), 'posture_assets_region'],
    ['one type', async () => ({ type: (await some()).type }), 'posture_assets_type'],
    ['exposed', async () => ({ exposed: true }), 'posture_assets_exposed'],
    ['not exposed', async () => ({ exposed: false }), 'posture_assets_unexposed'],
  ] as const)('%s: its index in page order, a bounded count, no sort', async (_label, query$, index) => {
    const query = await query$();
    const first = await backend.searchAssets('acme', null, query, page(null));
    expect(first.items.length).toBeGreaterThan(0);
    const plans = await plansOf(
      () => backend.searchAssets('acme', null, query, page(first.next_cursor)),
      'posture_assets',
    );
    expect(plans.length).toBe(2); // the count and the page
    for (const plan of plans) {
      expect(plan).not.toMatch(/Seq Scan on posture_assets/);
      expect(plan).not.toMatch(/\bSort\b/);
      expect(plan).toContain(index);
      expect(plan).not.toMatch(/Filter: .*\b(account|region|type|public|internet_facing)\b/);
    }
    expect(plans.find((p) => p.includes('Aggregate'))).toMatch(/Limit/); // counting stops at the cap
  });
});

describe('summary plans', () => {
  /** The plans, as the planner would choose them, of the queries that group findings. */
  async function groupingPlans(run: () => Promise<unknown>): Promise<string[]> {
    seen.length = 0;
    await run();
    const grouping = seen.filter((q) => q.sql.includes('GROUP BY'));
    const plans: string[] = [];
    for (const q of grouping) {
      const res = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
      plans.push(res.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    return plans;
  }

  // count(DISTINCT f.id) sorted every matching row by (groups..., id), on disk past work_mem.
  const sortsById = /Sort Key:[^\n]*\bid\b/;

  it.each([
    [['severity', 'account'] as const],
    [['status'] as const],
    [['rule', 'resource_type'] as const],
    [['framework'] as const],
    [['framework', 'severity'] as const],
  ])(
    'posture_summarize_findings by %j: nothing sorts the findings by id to count each once',
    async (groupBy) => {
      const plans = await groupingPlans(() => backend.summarizeFindings('acme', null, {}, [...groupBy]));
      expect(plans.length).toBe(1);
      expect(plans[0]).not.toMatch(sortsById);
      expect(plans[0]).toMatch(/Aggregate/);
    },
  );

  it.each([[['framework'] as const], [['framework', 'status', 'account'] as const]])(
    'posture_summarize_findings by %j, unfiltered: the mappings alone, one marked per finding and framework',
    async (groupBy) => {
      const plans = await groupingPlans(() => backend.summarizeFindings('acme', null, {}, [...groupBy]));
      expect(plans.length).toBe(1);
      expect(plans[0]).not.toMatch(/posture_findings/);
      // The marked mappings: tested, or read through the index of those alone.
      expect(plans[0]).toMatch(/framework_first|posture_compliance_framework_page/);
    },
  );

  it.each(['a rule', 'an account scope'])(
    'posture_summarize_findings by framework with %s: each match’s frameworks from the key, not the whole table',
    async (what) => {
      const rule = (
        await store.query<{ v: string }>("SELECT min(rule) AS v FROM posture_findings WHERE tenant = 'acme'")
      ).rows[0]!.v;
      const plans = await groupingPlans(() =>
        what === 'a rule'
          ? backend.summarizeFindings('acme', null, { rule }, ['framework'])
          : backend.summarizeFindings('acme', ['111111111111'], {}, ['framework']),
      );
      expect(plans.length).toBe(1);
      expect(plans[0]).not.toMatch(/Seq Scan on posture_compliance/);
      expect(plans[0]).toMatch(/Index (Only )?Scan using posture_compliance_pkey on posture_compliance/);
      expect(plans[0]).toMatch(/finding_id = f\.id/);
      expect(plans[0]).not.toMatch(sortsById);
    },
  );

  it.each([[{}], [{ framework: 'CIS-3.0' }], [{ account: '111111111111' }]])(
    'posture_compliance_summary %j: the mappings alone, nothing sorted by id',
    async (query) => {
      const plans = await groupingPlans(() => backend.complianceSummary('acme', null, query));
      expect(plans.length).toBe(1);
      expect(plans[0]).not.toMatch(sortsById);
      expect(plans[0]).toMatch(/Aggregate/);
      // Each mapping's copies of its finding's status and account (0010, 0011): no finding read.
      expect(plans[0]).not.toMatch(/posture_findings/);
    },
  );
});

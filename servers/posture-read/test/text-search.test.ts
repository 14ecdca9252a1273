/**
 * posture_search_findings with a text, against the answer worked out in JavaScript from every
 * finding (not a timing test). A text reads its candidates, the findings holding a few of its
 * trigrams, through the trigram index, at most TEXT_CANDIDATES (1,000) of them; with more, or with
 * no trigram to look up, it tests findings in page order, at most SCAN_WINDOW a call. Each way is
 * taken here and must give every page, in order, exactly as the fields say: a text matches when the
 * title, description, resource id or rule holds it (case-insensitive), never across two fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CursorCodec } from '@portcullis/core/cursor';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { Store } from '@portcullis/core/store';
import type { FindingRecord, IncomingFinding, Severity } from '../src/domain.js';
import { SCAN_WINDOW, type FindingQuery, type Page } from '../src/backend.js';
import { likeEscape, probeTrigrams, type EmbeddedBackend } from '../src/embedded.js';
import { READ_COLUMNS, SCAN_TEXT_BYTES } from '../src/migrations.js';
import { cteOfPlan, planAtScale, planRunWithout, type Recorded } from './recording.js';
import {
  CANDIDATE_READ,
  holdsText,
  inPageOrder,
  openSearchStore,
  readsAmong,
  WALK_READ,
  type SearchStore,
} from './search-fixture.js';

const TENANT = 'texts';
const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];

/**
 * 4,600 findings. "Spread" is in 1 title of 3 across every severity (more than TEXT_CANDIDATES, a
 * page near the top of the order); "Huddled" in 1,200 informational ones, all ranked below the
 * 3,400 others (more than TEXT_CANDIDATES, none in the first SCAN_WINDOW); "lone wolf" in 4
 * descriptions (a handful); "marmot" in 200 (fewer than TEXT_CANDIDATES, eight pages of 25). Every
 * title ends "... alpha" and every description starts "beta". Two titles hold "ΣΑΣ" and "İSTANBUL",
 * whose lower case JavaScript and PostgreSQL spell differently. Every fourth huddled one is mapped
 * to control H.1 (300, all ranked below the first SCAN_WINDOW).
 */
function finding(i: number): IncomingFinding {
  const huddled = i >= 3_400;
  const severity: Severity = huddled ? 'informational' : SEVERITIES[i % 4]!;
  const words = [huddled ? 'Huddled' : 'Plain', i % 3 === 0 ? 'Spread' : 'Other'];
  return {
    source: 'text-test',
    source_id: `t-${i}`,
    rule: `rule_${i % 9}`,
    title: `${words.join(' ')} check ${i}${i === 11 ? ' ΣΑΣ' : i === 12 ? ' İSTANBUL' : ''} alpha`,
    description: `beta ${i % 1_150 === 7 ? 'Lone WOLF' : 'nothing'} here${i % 23 === 5 ? ' Marmot' : ''}`,
    severity,
    status: 'open',
    observed_at: new Date(Date.UTC(2026, 0, 1) + (i % 97) * 60_000).toISOString(),
    first_observed_at: new Date(Date.UTC(2025, 0, 1) + (i % 89) * 3_600_000).toISOString(),
    asset: {
      account: '111111111111',
      region: 'us-east-1',
      type: 'AwsS3Bucket',
      resource_id: `arn:aws:s3:::text-${i % 500}`,
      name: `text-${i % 500}`,
      tags: {},
      public: false,
      internet_facing: false,
    },
    evidence: null,
    remediation_text: '',
    remediation_url: null,
    compliance: huddled && i % 4 === 0 ? [{ framework: 'test-framework', control: 'H.1' }] : [],
    raw: { i },
  };
}

let fixture: SearchStore;
let store: Store;
let backend: EmbeddedBackend;
let seen: Recorded[];
let cursors: CursorCodec;

beforeAll(async () => {
  fixture = await openSearchStore({ [TENANT]: 4_600 }, (_, i) => finding(i), 'posture_findings');
  ({ store, backend, seen, cursors } = fixture);
}, 120_000);
afterAll(() => fixture?.close());

/** The ids a text matches, in page order, from every finding of the tenant. */
async function expected(text: string): Promise<string[]> {
  return (await inPageOrder(store, TENANT)).filter((r) => holdsText(r, text)).map((r) => r.id);
}

/** One call of a search, its statements recorded afresh in `seen`. */
function search(
  query: FindingQuery,
  page: { limit?: number; cursor?: string | null; scope?: string[] | null } = {},
) {
  seen.length = 0;
  return backend.searchFindings(TENANT, page.scope ?? null, query, {
    limit: page.limit ?? 25,
    cursor: page.cursor ?? null,
    principal: 'p',
  });
}

/**
 * Every page of a search (at most `pages` calls), each call's result and reads handed to `check`;
 * the ids in the order the pages gave them.
 */
async function everyPage(
  query: FindingQuery,
  limit: number,
  check: (res: Page<FindingRecord>, reads: string[]) => void,
  scope: string[] | null = null,
  pages = 300,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < pages; n++) {
    const res = await search(query, { limit, cursor, scope });
    check(res, readsAmong(seen.map((q) => q.sql)));
    ids.push(...res.items.map((f) => f.id));
    cursor = res.next_cursor;
    if (cursor === null) break;
  }
  return ids;
}

/** Every page of a text search (up to `pages`), with the first one's total and reads. */
async function allPages(text: string, pages = 100) {
  const firsts: { total: number; lowerBound: boolean; statements: string[] }[] = [];
  const ids = await everyPage(
    { text },
    25,
    (res, read) => {
      if (firsts.length === 0)
        firsts.push({ total: res.total, lowerBound: res.total_is_lower_bound === true, statements: read });
    },
    null,
    pages,
  );
  return { ids, ...firsts[0]! };
}

describe('posture_search_findings with a text', () => {
  /** The plans, as the planner would choose them, of the statements a search ran. */
  async function plansOf(text: string): Promise<string[]> {
    await search({ text });
    const plans: string[] = [];
    for (const q of seen.filter((s) => /^(SELECT|WITH)/.test(s.sql.trimStart()))) {
      const res = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
      plans.push(res.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    return plans;
  }

  it('a text few hold: counts and reads the page in one pass over the trigram index', async () => {
    const plans = await plansOf('lone wolf');
    expect(plans.length).toBe(1); // the count and the page at once
    expect(plans[0]).toMatch(/Bitmap Index Scan on posture_findings_text/);
    expect(plans[0]).not.toMatch(/Seq Scan on posture_findings /);
    expect(plans[0]!.match(/posture_findings_text/g)?.length).toBe(1);
  });

  it('more candidates than TEXT_CANDIDATES: walks the page order through its index', async () => {
    const plans = await plansOf('spread');
    expect(plans.length).toBe(2);
    expect(cteOfPlan(plans[1]!, 'h')).toMatch(
      /Index Only Scan using posture_findings_order on posture_findings/,
    );
    expect(plans[1]).not.toMatch(/Seq Scan on posture_findings /);
  });

  it("the walk in page order, with a filter, reads the order index alone: no finding's row", async () => {
    // Every finding is open, in one account, source, region and type: the filters pass all of them.
    // Each of those filters has an index too, which the planner may take for a store this small
    // (its rows are in page order; at 100,000 findings it takes the order index): they are put
    // aside, in a transaction rolled back. The planner's own choice is the test above.
    const aside = [
      'posture_findings_status_rank',
      'posture_findings_account',
      'posture_findings_source',
      'posture_findings_region',
      'posture_findings_resource_type',
    ];
    for (const query of [
      { text: 'spread' },
      { text: 'spread', status: ['open' as const], account: '111111111111' },
      { text: 'spread', source: 'text-test', region: 'us-east-1', resource_type: 'AwsS3Bucket' },
      { text: 'zq', status: ['open' as const, 'resolved' as const] }, // no trigram: the walk alone
    ] as FindingQuery[]) {
      await search(query);
      const walk = seen.find((q) => WALK_READ.test(q.sql.trimStart()));
      expect(walk, JSON.stringify(query)).toBeDefined();
      // As run (the store was vacuumed after its import): the index's own copies of the text and
      // the filtered columns, no row of the table (the table's key is read only for the 25 + 1
      // matches the page returns, by posture_findings_pkey).
      const plan = cteOfPlan(await planRunWithout(store, walk!, aside), 'h');
      expect(plan, JSON.stringify(query)).toMatch(
        /Index Only Scan using posture_findings_order on posture_findings f(_\d+)? /,
      );
      expect(plan, JSON.stringify(query)).toMatch(/Heap Fetches: 0\b/);
      // Every text here fits the index: the row's own text is never read.
      expect(plan, JSON.stringify(query)).toMatch(
        /Index Scan using posture_findings_pkey on posture_findings g \(never executed\)/,
      );
    }
    const indexes = await store.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_indexes WHERE indexname = ANY($1::text[])',
      [aside],
    );
    expect(Number(indexes.rows[0]!.n)).toBe(aside.length); // rolled back
  });

  it('a handful of matches: read from the index and sorted, every page as the fields say', async () => {
    const want = await expected('lone wolf');
    expect(want.length).toBe(4);
    const got = await allPages('lone wolf');
    expect(got.ids).toEqual(want);
    expect(got.total).toBe(4);
    expect(got.lowerBound).toBe(false);
    expect(readsAmong(got.statements)).toEqual([expect.stringMatching(CANDIDATE_READ)]);
  });

  it('more than TEXT_CANDIDATES candidates, the matches near the top: full pages in page order', async () => {
    const want = await expected('spread');
    expect(want.length).toBeGreaterThan(COUNT_CAP);
    const got = await allPages('spread');
    expect(got.ids).toEqual(want);
    // The candidates tested are matches: past COUNT_CAP.
    expect(got.total).toBe(COUNT_CAP);
    expect(got.lowerBound).toBe(true);
    expect(readsAmong(got.statements)).toEqual([
      expect.stringMatching(CANDIDATE_READ),
      expect.stringMatching(WALK_READ),
    ]);
  });

  it('more than TEXT_CANDIDATES candidates, all ranked low: a first call with none, then every page', async () => {
    const want = await expected('huddled');
    expect(want.length).toBe(1_200);
    const first = await search({ text: 'huddled' });
    // The first SCAN_WINDOW findings in page order hold none: an empty page that says so.
    expect(first.items).toEqual([]);
    expect(first.scan_incomplete).toBe(true);
    expect(first.next_cursor).not.toBeNull();
    expect(first.total).toBe(COUNT_CAP);
    expect(first.total_is_lower_bound).toBe(true);
    const got = await allPages('huddled');
    expect(got.ids).toEqual(want);
  });

  it('words every finding holds, the text none: at most TEXT_CANDIDATES, then SCAN_WINDOW a call', async () => {
    // Every title holds "check" and "alpha", never side by side.
    const text = 'check alpha';
    expect(await expected(text)).toEqual([]);
    expect(probeTrigrams(text)).toEqual(['che', 'alp', 'eck']);
    const calls: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await search({ text }, { cursor });
      expect(res.items).toEqual([]);
      expect(res.total).toBe(0);
      expect(res.total_is_lower_bound).toBe(true);
      calls.push(readsAmong(seen.map((q) => q.sql)));
      // The candidates through the trigram index, never every finding.
      const plan = await planAtScale(
        store,
        seen.find((q) => CANDIDATE_READ.test(q.sql.trimStart()))!,
      );
      expect(plan).toMatch(/Bitmap Index Scan on posture_findings_text/);
      cursor = res.next_cursor;
    } while (cursor !== null && calls.length < 10);
    expect(calls.length).toBe(Math.ceil(4_600 / SCAN_WINDOW));
    for (const c of calls)
      expect(c).toEqual([expect.stringMatching(CANDIDATE_READ), expect.stringMatching(WALK_READ)]);
  });

  it('a control with a text: tested with the text, SCAN_WINDOW findings a call, not a walk to its findings', async () => {
    // Every title holds "check" (more than TEXT_CANDIDATES candidates); H.1's findings rank last.
    const mapped = await store.query<{ finding_id: string }>(
      `SELECT finding_id FROM posture_compliance WHERE tenant = $1 AND control = 'H.1'`,
      [TENANT],
    );
    const isMapped = new Set(mapped.rows.map((r) => r.finding_id));
    const want = (await expected('check')).filter((id) => isMapped.has(id));
    expect(want.length).toBe(300);
    for (const query of [
      { text: 'check', control: 'H.1' },
      { text: 'check', framework: 'test-framework' },
    ]) {
      const first = await search(query);
      // As a filter, the walk tested findings until SCAN_WINDOW were mapped: all 4,600 in one call.
      expect(first.items).toEqual([]);
      expect(first.scan_incomplete).toBe(true);
      expect(readsAmong(seen.map((q) => q.sql))).toEqual([
        expect.stringMatching(CANDIDATE_READ),
        expect.stringMatching(WALK_READ),
      ]);
      const ids = await everyPage(query, 25, (_res, read) => {
        expect(read[read.length - 1]).toMatch(WALK_READ);
        // The mapping is tested with the text, on the findings the walk reads.
        expect(read[read.length - 1]).toMatch(
          /LIKE lower\(\$\d+\) FROM posture_findings g [^)]*\)\) AND EXISTS \(SELECT 1 FROM posture_compliance c/,
        );
      });
      expect(ids).toEqual(want);
    }
  });

  it('a control with a text few candidates hold: the walk looks each one holding it up by key', async () => {
    // Every title holds "check" (more than TEXT_CANDIDATES candidates); "check 34" only 111 of
    // them (check 34, 340-349, 3400-3499), 25 of those mapped to H.1 (3400-3499, every fourth).
    const mapped = await store.query<{ finding_id: string }>(
      `SELECT finding_id FROM posture_compliance WHERE tenant = $1 AND control = 'H.1'`,
      [TENANT],
    );
    const isMapped = new Set(mapped.rows.map((r) => r.finding_id));
    const holding = await expected('check 34');
    expect(holding.length).toBe(111);
    const want = holding.filter((id) => isMapped.has(id));
    expect(want.length).toBe(25);
    // The findings holding the text among the first SCAN_WINDOW, which the first call walks to the
    // end (H.1's findings rank below them).
    const inFirstWindow = (await inPageOrder(store, TENANT))
      .slice(0, SCAN_WINDOW)
      .filter((r) => holdsText(r, 'check 34')).length;
    expect(inFirstWindow).toBeGreaterThan(0);
    // A lookup of a finding's mappings by key, and how many there were; a pass over H.1's 300.
    const lookups =
      /Index (?:Only )?Scan using \w+ on posture_compliance c \(actual rows=[\d.]+ loops=(\d+)\)/;
    const hashed = /on posture_compliance c \(actual rows=300(?:\.00)? loops=1\)/;
    for (const query of [
      { text: 'check 34', control: 'H.1' },
      { text: 'check 34', framework: 'test-framework' },
      { text: 'check 34', framework: 'test-framework', control: 'H.1' },
    ]) {
      const walks: string[] = [];
      const ids = await everyPage(query, 25, (_res, read) => {
        expect(read).toEqual([expect.stringMatching(CANDIDATE_READ), expect.stringMatching(WALK_READ)]);
        walks.push(seen.find((q) => WALK_READ.test(q.sql.trimStart()))!.sql);
      });
      expect(ids, JSON.stringify(query)).toEqual(want);
      // As run: no hash of H.1's mappings; a lookup for each finding the walk found holding the
      // text, not one for each of the SCAN_WINDOW it tested.
      await search(query);
      const plan = cteOfPlan(
        await planRunWithout(
          store,
          seen.find((q) => WALK_READ.test(q.sql.trimStart()))!,
          [],
        ),
        'h',
      );
      expect(plan).not.toMatch(hashed);
      expect(Number(lookups.exec(plan)?.[1])).toBe(inFirstWindow);
      for (const walk of walks) expect(walk).toMatch(/ AND c\.(?:framework|control) = \$\d+ OFFSET 0\)/);
    }
    // "check", which every candidate holds: one hash of the mappings, not a lookup for each of
    // the SCAN_WINDOW findings the walk tests.
    await search({ text: 'check', control: 'H.1' });
    const walk = seen.find((q) => WALK_READ.test(q.sql.trimStart()))!;
    expect(walk.sql).not.toMatch(/OFFSET 0\)/);
    expect(cteOfPlan(await planRunWithout(store, walk, []), 'h')).toMatch(hashed);
  });

  it('a control with a text of fewer candidates, or of no trigram: every page as fields and mappings say', async () => {
    const mapped = await store.query<{ finding_id: string }>(
      `SELECT finding_id FROM posture_compliance WHERE tenant = $1 AND control = 'H.1'`,
      [TENANT],
    );
    const isMapped = new Set(mapped.rows.map((r) => r.finding_id));
    // "marmot": 200 candidates, read at once; "77": no trigram, walked from the first call.
    for (const [text, read] of [
      ['marmot', [CANDIDATE_READ]],
      ['77', [WALK_READ]],
    ] as const) {
      const holding = await expected(text);
      const want = holding.filter((id) => isMapped.has(id));
      expect(want.length, text).toBeGreaterThan(0);
      expect(want.length, text).toBeLessThan(holding.length);
      for (const query of [
        { text, control: 'H.1' },
        { text, framework: 'test-framework' },
      ]) {
        const ids = await everyPage(query, 25, (res, reads) => {
          // The candidates hold every match: each page's total is exact.
          if (text === 'marmot') expect(res.total).toBe(want.length);
          expect(reads).toEqual(read.map((r) => expect.stringMatching(r)));
        });
        expect(ids, JSON.stringify(query)).toEqual(want);
      }
    }
  });

  it('fewer than TEXT_CANDIDATES candidates, many pages: every page from the candidates, in order', async () => {
    const want = await expected('marmot');
    expect(want.length).toBe(200);
    for (const limit of [25, 7]) {
      const ids = await everyPage({ text: 'marmot' }, limit, (res, read) => {
        expect(res.total).toBe(200);
        expect(res.total_is_lower_bound).toBeUndefined();
        expect(read).toEqual([expect.stringMatching(CANDIDATE_READ)]);
      });
      expect(ids).toEqual(want);
    }
  });

  it('a filter few candidates pass is tested with the text, after the candidates are read', async () => {
    // 200 candidates, 37 of them critical (every fourth finding, but none of the informational
    // ones from 3,400 on): the filter does not decide how many rows the statement reads.
    const all = await expected('marmot');
    const critical = await store.query<{ id: string }>(
      `SELECT id FROM posture_findings WHERE tenant = $1 AND severity = 'critical'`,
      [TENANT],
    );
    const isCritical = new Set(critical.rows.map((r) => r.id));
    const want = all.filter((id) => isCritical.has(id));
    expect(want.length).toBeGreaterThan(25);
    const ids = await everyPage({ text: 'marmot', severity_at_least: 'critical' }, 25, (res, read) => {
      expect(res.total).toBe(want.length);
      expect(read).toEqual([expect.stringMatching(CANDIDATE_READ)]);
      // The severity is tested with the text, not in the candidates' WHERE.
      expect(read[0]).toMatch(
        /\(f\.severity_rank >= \$\d+\) AND coalesce\(f\.scan_text, f\.long_text\) LIKE[^]*WHERE f\.tenant = \$1 AND coalesce\(f\.scan_text, f\.long_text\) LIKE/,
      );
    });
    expect(ids).toEqual(want);
  });

  it('the account scope decides the candidates: the way a search goes depends on what the caller sees', async () => {
    // Every finding is in account 111111111111. Scoped to another account, "spread" (1,534 of the
    // tenant's findings) has no candidate the caller may see: an exact empty answer from the
    // candidates, never a walk whose incomplete pages would tell of findings in other accounts.
    const res = await search({ text: 'spread' }, { scope: ['999999999999'] });
    expect(res.items).toEqual([]);
    expect(res.total).toBe(0);
    expect(res.total_is_lower_bound).toBeUndefined();
    expect(res.scan_incomplete).toBeUndefined();
    const read = readsAmong(seen.map((q) => q.sql));
    expect(read).toEqual([expect.stringMatching(CANDIDATE_READ)]);
    expect(read[0]).toMatch(
      /WHERE f\.tenant = \$1 AND f\.account = ANY\(\$2::text\[\]\) AND coalesce\(f\.scan_text, f\.long_text\) LIKE/,
    );
    // Scoped to the account that holds them: the same pages as unscoped.
    const got = await everyPage({ text: 'marmot' }, 25, () => {}, ['111111111111']);
    expect(got).toEqual(await expected('marmot'));
  });

  it('a cursor past the last match: an empty page, the same total', async () => {
    // What the backend signs for a page ending below the lowest severity: nothing comes after it.
    const cursor = cursors.encode(
      { tenant: TENANT, principal: 'p', kind: 'findings', query: { text: 'lone wolf' } },
      [-1, new Date(0).toISOString(), ''],
    );
    const res = await search({ text: 'lone wolf' }, { cursor });
    expect(res.items).toEqual([]);
    expect(res.total).toBe(4);
    expect(res.next_cursor).toBeNull();
  });

  it('never matches across two fields', async () => {
    for (const text of ['alpha beta', 'alphabeta']) {
      expect(await expected(text)).toEqual([]);
      const got = await allPages(text);
      expect(got.ids).toEqual([]);
      expect(got.total).toBe(0);
    }
    // Each field alone still matches.
    expect((await allPages('3 alpha')).ids).toEqual(await expected('3 alpha'));
  });

  it('a text holding U+0001 (the joined fields’ separator) is tested field by field', async () => {
    const got = await allPages('alpha\u0001beta');
    expect(got.ids).toEqual([]);
    expect(got.statements.join('\n')).toMatch(/lower\(f\.title\) LIKE/);
  });

  it('LIKE wildcards in a text are literal', async () => {
    expect((await allPages('lone%wolf')).ids).toEqual([]);
    expect((await allPages('lone_wolf')).ids).toEqual([]);
    const want = await expected('rule_1');
    expect(want.length).toBeGreaterThan(0);
    expect((await allPages('rule_1')).ids).toEqual(want);
  });

  it('a text with no trigram to look up (too short, or no letters or digits) still finds its matches', async () => {
    for (const text of ['s3', '::', 'e']) {
      const want = await expected(text);
      expect(want.length).toBeGreaterThan(75);
      const got = await allPages(text, 3);
      expect(got.ids).toEqual(want.slice(0, 75));
      // The first call stopped once its page was full: the matches it found, a lower bound.
      expect(got.total).toBe(26);
      expect(got.lowerBound).toBe(true);
    }
  });

  it('a text with no trigram few findings hold: tested finding by finding, SCAN_WINDOW per call', async () => {
    const want = await expected('σα'); // two letters: no trigram; in one title ("ΣΑΣ")
    expect(want.length).toBe(1);
    const ids: string[] = [];
    const calls: { items: number; scanIncomplete: boolean; lowerBound: boolean; plan: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await search({ text: 'σα' }, { cursor });
      const read = seen.find((q) => /^WITH h AS MATERIALIZED/.test(q.sql.trimStart()));
      expect(read).toBeDefined();
      const plan = await planAtScale(store, read!);
      calls.push({
        items: res.items.length,
        scanIncomplete: res.scan_incomplete === true,
        lowerBound: res.total_is_lower_bound === true,
        plan,
      });
      ids.push(...res.items.map((f) => f.id));
      cursor = res.next_cursor;
    } while (cursor !== null && calls.length < 10);
    expect(ids).toEqual(want);
    // 4,600 findings, SCAN_WINDOW a call: every call but the last stops with findings left.
    expect(calls.length).toBe(Math.ceil(4_600 / SCAN_WINDOW));
    expect(calls.map((c) => c.scanIncomplete)).toEqual(calls.map((_, i) => i < calls.length - 1));
    expect(calls.every((c) => c.lowerBound)).toBe(true);
    for (const [k, { plan }] of calls.entries()) {
      const walk = cteOfPlan(plan, 'h');
      expect(walk).toMatch(/Index Only Scan using posture_findings_order on posture_findings/);
      expect(plan).not.toMatch(/Seq Scan on posture_findings|posture_findings_text/);
      // A later call's walk starts at the cursor's finding, not at the top of its severity.
      if (k > 0) expect(walk).toMatch(/Index Cond: \(.*ROW\(severity_rank, first_seen\) <= ROW\(/);
    }
  });

  it('a text with no trigram many findings hold, a few in each window: every page as the fields say', async () => {
    // "77" in the check number (77, 177, ... 1770-1779, ...) or the bucket (i % 500): 82 of 4,600,
    // spread over the windows.
    const want = await expected('77');
    expect(want.length).toBe(82);
    const got = await allPages('77');
    expect(got.ids).toEqual(want);
    expect(got.statements.join('\n')).toMatch(/^WITH h AS MATERIALIZED/m);
  });

  it('a text with no trigram every finding holds: the walk stops once the page is full', async () => {
    const res = await search({ text: 's3' });
    // Tested finding by finding, in one statement: not through the trigram index.
    expect(readsAmong(seen.map((q) => q.sql))).toEqual([expect.stringMatching(WALK_READ)]);
    // As run: the walk stopped at the 26th finding, and the window's last row, where a short page's
    // next call resumes, was not read.
    const plan = await planRunWithout(
      store,
      seen.find((q) => WALK_READ.test(q.sql.trimStart()))!,
      [],
    );
    expect(plan).toMatch(/CTE h\n\s+-> {2}Limit \(actual rows=26(?:\.00)? loops=1\)/);
    expect(plan).toMatch(
      /One-Time Filter: \(\(InitPlan \d+\)\.col1 <= 25\)\n\s+-> {2}Limit \(never executed\)/,
    );
    expect(res.items.length).toBe(25);
    expect(res.next_cursor).not.toBeNull();
    expect(res.scan_incomplete).toBeUndefined(); // the page is full: nothing to warn of
    // The 26 findings it read: the page and one more.
    expect(res.total).toBe(26);
    expect(res.total_is_lower_bound).toBe(true);
  });

  it('is case-insensitive as PostgreSQL lower-cases the fields, beyond ASCII too', async () => {
    const ids = async (text: string) => (await allPages(text)).ids;
    const sas = await ids('ΣΑΣ');
    expect(sas.length).toBe(1);
    expect(await ids('σασ')).toEqual(sas);
    const ist = await ids('İstanbul');
    expect(ist.length).toBe(1);
    expect(await ids('İSTANBUL')).toEqual(ist);
    expect(ist).not.toEqual(sas);
  });
});

describe('a text longer than the page order index holds (migration 0012)', () => {
  const LONG = 'long';
  const WIDE = '\u{1d518}'; // four bytes in UTF-8, and no lower case of its own
  /** `n` ideographs (no case), a different run for each seed, in no order PostgreSQL compresses. */
  const noise = (n: number, seed: number) => {
    let x = seed + 1;
    return Array.from({ length: n }, () => {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      return String.fromCodePoint(0x4e00 + (x % 20_000));
    }).join('');
  };
  /**
   * 60 findings whose descriptions grow by 60 bytes each (20 ideographs of three bytes), up to
   * 3,483 bytes (#58), more than an index entry holds: the first ones' texts fit the page order's
   * index, the last ones' do not. Every third ends "qx wolfram" ("qx" has no trigram: a walk; the
   * index hands back 20 candidates for "wolfram"). #57 holds the columns the index holds beside the
   * text at their longest (normalize.ts: account and region 64 characters, type 128, rule 256), in
   * four-byte characters, and is mapped to a control of 64 of them; its description is "qx wolfram"
   * alone, so its text (1,084 bytes, the rule's among them) would fit the index alone, but not with
   * those columns (the account, region and type are 1,024 of the 2,153 bytes; the tenant, id,
   * status and source 45). #59's description is 20,000 characters.
   */
  function long(_tenant: string, i: number): IncomingFinding {
    const f = finding(i);
    const ends = i % 3 === 0 ? 'qx wolfram' : 'no';
    const description = `${noise(i === 59 ? 20_000 : i * 20, i)} ${ends}`;
    if (i !== 57) return { ...f, description, compliance: [] };
    return {
      ...f,
      description: 'qx wolfram',
      rule: WIDE.repeat(256),
      asset: { ...f.asset, account: WIDE.repeat(64), region: WIDE.repeat(64), type: WIDE.repeat(128) },
      compliance: [{ framework: 'test-framework', control: WIDE.repeat(64) }],
    };
  }
  let wide: SearchStore;
  // The same findings, written before migration 0012 and then migrated.
  let migrated: SearchStore;
  beforeAll(async () => {
    wide = await openSearchStore({ [LONG]: 60 }, long, 'posture_findings');
    migrated = await openSearchStore(
      { [LONG]: 60 },
      long,
      'posture_findings',
      '0012_posture_findings_scan_text',
    );
  }, 60_000);
  afterAll(async () => {
    await wide?.close();
    await migrated?.close();
  });

  /** Each store: its findings imported, or written before migration 0012 and then migrated. */
  const BOTH: [string, () => SearchStore][] = [
    ['imported', () => wide],
    ['written before 0012', () => migrated],
  ];
  const qx = async (at: SearchStore) =>
    (await inPageOrder(at.store, LONG)).filter((r) => holdsText(r, 'qx')).map((r) => r.id);

  it.each(BOTH)(
    '%s: the index holds the text where it fits SCAN_TEXT_BYTES, the table alone otherwise',
    async (_label, which) => {
      const res = await which().store.query<{ held: string; long: string; wrong: string; over: string }>(
        `SELECT count(*) FILTER (WHERE scan_text IS NOT NULL) AS held, count(*) FILTER (WHERE long_text IS NOT NULL) AS long,
              count(*) FILTER (WHERE coalesce(scan_text, long_text) IS DISTINCT FROM
                                     lower(title || E'\\x01' || description || E'\\x01' || resource_id || E'\\x01' || rule)) AS wrong,
              count(*) FILTER (WHERE octet_length(scan_text) > $2) AS over
         FROM posture_findings WHERE tenant = $1`,
        [LONG, SCAN_TEXT_BYTES],
      );
      const counts = res.rows[0]!;
      // One of the two holds each finding's text, the other is NULL.
      expect(Number(counts.held) + Number(counts.long)).toBe(60);
      expect(Number(counts.held)).toBeGreaterThan(10);
      expect(Number(counts.long)).toBeGreaterThan(10);
      expect([Number(counts.wrong), Number(counts.over)]).toEqual([0, 0]);
      // #57's text fits alone, not with its widest columns: the table alone holds it.
      const widest = await which().store.query<{ scan: string | null; long: number | null }>(
        'SELECT scan_text AS scan, octet_length(long_text) AS long FROM posture_findings WHERE tenant = $1 AND rule = $2',
        [LONG, WIDE.repeat(256)],
      );
      expect(widest.rows.length).toBe(1);
      expect(widest.rows[0]!.scan).toBeNull();
      expect(widest.rows[0]!.long).toBeLessThan(SCAN_TEXT_BYTES);
    },
  );

  it.each(BOTH)(
    '%s: a walk in page order finds the matches the index holds the text of and the others, as the fields say',
    async (_label, which) => {
      const at = which();
      const want = await qx(at);
      expect(want.length).toBe(20);
      for (const query of [{ text: 'qx' }, { text: 'qx', status: ['open' as const] }]) {
        const ids: string[] = [];
        let cursor: string | null = null;
        for (let n = 0; n < 10; n++) {
          at.seen.length = 0;
          const res: Page<FindingRecord> = await at.backend.searchFindings(LONG, null, query, {
            limit: 7,
            cursor,
            principal: 'p',
          });
          expect(readsAmong(at.seen.map((q) => q.sql))).toEqual([
            expect.stringMatching(/^WITH h AS MATERIALIZED/),
          ]);
          ids.push(...res.items.map((f) => f.id));
          cursor = res.next_cursor;
          if (cursor === null) break;
        }
        expect(ids, JSON.stringify(query)).toEqual(want);
      }
      // The finding with the widest columns, by its account.
      const widest = await at.backend.searchFindings(
        LONG,
        null,
        { text: 'qx', account: WIDE.repeat(64) },
        { limit: 25, cursor: null, principal: 'p' },
      );
      expect(widest.items.map((f) => f.rule)).toEqual([WIDE.repeat(256)]);
    },
  );

  it.each(BOTH)(
    '%s: the candidates of a text the index narrows, and a summary, as the fields say',
    async (_label, which) => {
      const at = which();
      const want = (await inPageOrder(at.store, LONG))
        .filter((r) => holdsText(r, 'wolfram'))
        .map((r) => r.id);
      expect(want.length).toBe(20);
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 10; n++) {
        at.seen.length = 0;
        const res: Page<FindingRecord> = await at.backend.searchFindings(
          LONG,
          null,
          { text: 'wolfram' },
          { limit: 7, cursor, principal: 'p' },
        );
        expect(res.total).toBe(20);
        expect(readsAmong(at.seen.map((q) => q.sql))).toEqual([expect.stringMatching(CANDIDATE_READ)]);
        ids.push(...res.items.map((f) => f.id));
        cursor = res.next_cursor;
        if (cursor === null) break;
      }
      expect(ids).toEqual(want);
      const summary = await at.backend.summarizeFindings(LONG, null, { text: 'wolfram' }, ['severity']);
      expect(summary.total).toBe(20);
    },
  );

  it("reads a finding's text from the table only where the index does not hold it", async () => {
    wide.seen.length = 0;
    await wide.backend.searchFindings(
      LONG,
      null,
      { text: 'qx' },
      { limit: 100, cursor: null, principal: 'p' },
    );
    const walk = wide.seen.find((q) => /^WITH h AS MATERIALIZED/.test(q.sql.trimStart()))!;
    const res = await wide.store.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${walk.sql}`,
      walk.params,
    );
    const plan = res.rows.map((r) => r['QUERY PLAN']).join('\n');
    const uncopied = await wide.store.query<{ n: string }>(
      'SELECT count(*) AS n FROM posture_findings WHERE tenant = $1 AND long_text IS NOT NULL',
      [LONG],
    );
    expect(Number(uncopied.rows[0]!.n)).toBeGreaterThan(10);
    // The subquery reading a finding's text from the table ran once for each long one.
    const loops = new RegExp(
      `on posture_findings g \\(actual rows=1(?:\\.00)? loops=${uncopied.rows[0]!.n}\\)`,
    );
    expect(plan).toMatch(loops);
  });
});

describe('the columns a read selects', () => {
  const TEXT_COLUMNS = ['search_text', 'scan_text', 'long_text'];
  it('every column of each table but its searchable text', async () => {
    for (const [table, columns] of Object.entries(READ_COLUMNS)) {
      const res = await store.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const all = res.rows.map((r) => r.column_name);
      const texts = table === 'posture_findings' ? ['scan_text', 'long_text'] : ['search_text'];
      for (const t of texts) expect(all, table).toContain(t);
      expect(columns, table).toEqual(all.filter((c) => !TEXT_COLUMNS.includes(c)));
    }
  });

  it('no row a read hands back carries its searchable text, on any path', async () => {
    const statements: Recorded[] = [];
    const run = async (read: () => Promise<unknown>) => {
      seen.length = 0;
      await read();
      statements.push(...seen.filter((q) => /^(SELECT|WITH)/.test(q.sql.trimStart())));
    };
    const first = (await search({ text: 'marmot' })).items[0]!;
    statements.push(...seen.filter((q) => /^(SELECT|WITH)/.test(q.sql.trimStart())));
    await run(() => search({ text: 'spread' })); // the candidates, then the walk
    await run(() => search({ text: 'zq' })); // the walk alone
    await run(() => search({ severity_at_least: 'high' })); // no text
    await run(() => backend.getFinding(TENANT, null, first.id)); // the finding, its asset
    await run(() => backend.getAsset(TENANT, null, first.asset_id));
    await run(() => backend.assetFindings(TENANT, null, first.asset_id, 10));
    await run(() =>
      backend.searchAssets(TENANT, null, { text: 'text-1' }, { limit: 25, cursor: null, principal: 'p' }),
    );
    // No asset here is exposed, so this one hands back no row: its statement is checked by its text.
    await run(() => backend.listExposures(TENANT, null, {}, { limit: 25, cursor: null, principal: 'p' }));
    for (const q of statements)
      expect(q.sql, 'every column of a table').not.toMatch(
        /\b[af]\.\*|SELECT \* FROM posture_(findings|assets)/,
      );
    expect(statements.some((q) => /JOIN \(SELECT f\.asset_id/.test(q.sql))).toBe(true);
    let rows = 0;
    for (const q of statements) {
      const res = await store.query<Record<string, unknown>>(q.sql, q.params);
      for (const r of res.rows) {
        for (const t of TEXT_COLUMNS) expect(Object.keys(r), q.sql).not.toContain(t);
        rows += 1;
      }
    }
    // The statements did hand back rows, a finding's and an asset's among them.
    expect(rows).toBeGreaterThan(25);
    expect(
      statements.some((q) => /FROM posture_assets a WHERE a\.tenant = \$1 AND a\.id = \$2/.test(q.sql)),
    ).toBe(true);
  });
});

describe('probeTrigrams', () => {
  const TEXTS = [
    's3',
    '42',
    'ab',
    'e',
    '::',
    '--',
    'ab cd',
    'a b',
    'a-b',
    '-a',
    'a-',
    'zx!',
    '!zx',
    's3 ',
    ' s3',
    'abc',
    'x y z',
    '1-2',
    'ΣΑ',
    'σασ',
    'é1',
    'éé1',
    '日本',
    '日本語',
    'x_y',
    'a%b',
    'a\\b',
    'İs',
    'İst',
    'arn:aws:s3',
    'x1y',
    '٣٤٥',
    'ab²',
    'ǅab',
  ];

  /**
   * How many of `rows` a trigram index (over the probe table's single row set to `rows`) hands back
   * for LIKE %text%: a row lacking one of the trigrams pg_trgm looks up is not handed back; with no
   * trigram to look up, every row is.
   */
  async function handedBack(text: string, rows: string[]): Promise<number> {
    return store.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE trgm_probe (s text) ON COMMIT DROP');
      for (const r of rows) await tx.query('INSERT INTO trgm_probe VALUES ($1)', [r]);
      await tx.query('CREATE INDEX ON trgm_probe USING gin (lower(s) gin_trgm_ops)');
      await tx.query('SET LOCAL enable_seqscan = off');
      const plan = await tx.query<{ 'QUERY PLAN': string }>(
        'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT 1 FROM trgm_probe WHERE lower(s) LIKE lower($1)',
        [`%${likeEscape(text)}%`],
      );
      const line = plan.rows.map((r) => r['QUERY PLAN']).find((l) => l.includes('Bitmap Index Scan'));
      return Number(/actual rows=([\d.]+)/.exec(line ?? '')?.[1]);
    });
  }

  it('takes only trigrams pg_trgm looks up alone: the index hands back exactly the rows holding them', async () => {
    // A row holding each character of the trigram and each pair of neighbours as words of their
    // own: every trigram pg_trgm pads from a short word ("  b", " ab", "ab "), not the trigram. The
    // index hands it back only if pg_trgm looked up something else than the trigram itself.
    const taken = TEXTS.flatMap((t) => probeTrigrams(t));
    expect(taken).toEqual(expect.arrayContaining(['abc', 'σασ', '日本語', 'arn', 'aws', 'x1y', 'İst']));
    for (const t of new Set(taken)) {
      const chars = [...t.toLowerCase()];
      const words = [...chars, ...chars.slice(1).map((c, k) => chars[k]! + c)].join(' ');
      expect(await handedBack(t, [words]), t).toBe(0);
      expect(await handedBack(t, [`x${t}y`]), t).toBe(1);
    }
  });

  it('the first and last three of each run, at most three; none it cannot take safely', () => {
    expect(probeTrigrams('lone wolf')).toEqual(['lon', 'wol', 'one']);
    expect(probeTrigrams('bucket')).toEqual(['buc', 'ket']);
    expect(probeTrigrams('arn:aws:s3')).toEqual(['arn', 'aws']);
    expect(probeTrigrams('a-b-cd-42')).toEqual([]);
    // A capital sigma may lower-case by its neighbours; a combining mark may change the letter
    // before it: a trigram lower-cased alone could then miss the matches.
    expect(probeTrigrams('ΣΑΣ')).toEqual([]);
    expect(probeTrigrams('ΑΣΑΣΑ')).toEqual([]);
    expect(probeTrigrams('σασ')).toEqual(['σασ']);
    expect(probeTrigrams('cafe\u0301 abc')).toEqual([]);
  });

  it('the texts that read every row before, as PostgreSQL answers them', async () => {
    // Rows holding none of the texts' trigrams (no text has a "q"): with a trigram to look up the
    // index hands back none of them, with none all of them.
    const qs = Array.from({ length: 50 }, () => 'qqqq');
    for (const text of ['s3', '42', 'ab', 'ΣΑ', '::']) {
      expect(probeTrigrams(text)).toEqual([]);
      expect(await handedBack(text, qs), text).toBe(50);
    }
    // pg_trgm takes a trigram from a short word with a non-letter beside it ("  b" from "a-b"),
    // but one every word starting with that letter holds: tested row by row too.
    expect(await handedBack('a-b', qs)).toBe(0);
    expect(probeTrigrams('a-b')).toEqual([]);
  });
});

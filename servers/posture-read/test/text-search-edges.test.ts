/**
 * posture_search_findings with a text at the edges of the embedded store's bounds, against the
 * answer worked out in JavaScript from every finding (not a timing test). A text's candidates (the
 * rows holding a few of its trigrams) are its answer when there are TEXT_CANDIDATES (1,000) or
 * fewer; with one more, rows are tested in page order instead, at most SCAN_WINDOW (2,000) a call,
 * and the count is exact only when one call tested every row from the first. Each side of both
 * bounds is taken here: exactly 1,000 and 1,001 candidates, and a walk over 1,500, exactly 2,000
 * and 2,001 rows, and a window holding exactly a page of matches with the next one past it. Every
 * page must give the matches in page order, none twice and none missing, and a total flagged exact
 * must be the number of matches. With a control too, one in LOOKUP_SHARE (10) of the candidates
 * passing the filters holding the text (1,001 passing, and exactly 1,000 with a filter), and one
 * more: the walk looks the control up by key, then leaves it to PostgreSQL (a hash).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { FindingRecord, IncomingFinding, Severity } from '../src/domain.js';
import { LOOKUP_SHARE, SCAN_WINDOW, TEXT_CANDIDATES, type FindingQuery, type Page } from '../src/backend.js';
import { probeTrigrams } from '../src/embedded.js';
import { cteOfPlan, planRunWithout } from './recording.js';
import {
  CANDIDATE_READ,
  holdsText,
  inPageOrder,
  openSearchStore,
  readsAmong,
  searchedFields,
  WALK_READ,
  type SearchStore,
} from './search-fixture.js';

/** 1,500 findings: "Quokka" in exactly 1,000 titles, "Wombat" in exactly 1,001 descriptions. */
const CANDIDATES = 'edge-candidates';
/** Exactly SCAN_WINDOW findings. */
const WINDOW = 'edge-window';
/** SCAN_WINDOW + 1 findings. */
const PAST_WINDOW = 'edge-past-window';
/**
 * TEXT_CANDIDATES + 1 findings, each titled "Koala" (all of them candidates of a text with only
 * that trigram run, read to one too many), the first 100 of them (one in LOOKUP_SHARE) "Koala gq";
 * the first 100 critical, the others high; the even-numbered ones mapped to control K.1; the last
 * (which holds "Koala" alone) in region eu-west-1, every other in us-east-1.
 */
const LOOKUPS = 'edge-lookups';
/** The same with the first 101 titled "Koala gq". */
const PAST_LOOKUPS = 'edge-past-lookups';
const GQ: Record<string, number> = { [LOOKUPS]: 100, [PAST_LOOKUPS]: 101 };
const SIZES: Record<string, number> = {
  [CANDIDATES]: 1_500,
  [WINDOW]: 2_000,
  [PAST_WINDOW]: 2_001,
  [LOOKUPS]: TEXT_CANDIDATES + 1,
  [PAST_LOOKUPS]: TEXT_CANDIDATES + 1,
};

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];

/**
 * The rows of the two-letter texts "zq" and "jx" (no trigram to look up), by tenant. In page order
 * every tenant's rows come as they are numbered: the first fifth critical, the next high and so on
 * (in the lookups tenants the first 100 critical, the others high), each newer than the rows after
 * it. In the candidates tenant three rows in a row share their first
 * observation (their ids decide their order), and "zq" is in the last three, so the last row in page
 * order holds it whatever the ids. The window tenant's last row holds "zq", and "jx" is in none of its
 * rows; the tenant past the window holds "zq" in its last row alone (the first past the window),
 * "jx" in the window's last row alone, and "vk" in exactly a page of the window's rows (25, every
 * 80th from the first) and in the first past it.
 */
const PLACED: Record<string, Record<string, number[]>> = {
  [CANDIDATES]: { zq: [3, 400, 1_100, 1_497, 1_498, 1_499] },
  [WINDOW]: { zq: [0, 501, 1_234, 1_999], jx: [] },
  [PAST_WINDOW]: { zq: [2_000], jx: [1_999], vk: [...Array.from({ length: 25 }, (_, k) => k * 80), 2_000] },
  [LOOKUPS]: {},
  [PAST_LOOKUPS]: {},
};

/**
 * Row `i` of `tenant`. In the candidates tenant "Quokka" starts the titles of rows whose number is
 * not a multiple of 3 (1,000 of them) and "Wombat" the descriptions of rows whose number does not
 * leave 1 (1,000) and row 7 (one more). No other field holds their trigrams. A two-letter text is
 * placed in the title, the description, the rule or the resource id, by turns. The lookups tenants'
 * rows are as LOOKUPS says.
 */
function finding(tenant: string, i: number): IncomingFinding {
  const n = SIZES[tenant]!;
  const candidates = tenant === CANDIDATES;
  const texts = Object.entries(PLACED[tenant]!)
    .filter(([, rows]) => rows.includes(i))
    .map(([text]) => text);
  const field = (k: number) =>
    texts
      .filter((_, j) => (i + j) % 4 === k)
      .map((t) => ` ${t}`)
      .join('');
  const koala = tenant in GQ;
  const elsewhere = koala && i === TEXT_CANDIDATES;
  const title = koala
    ? `Koala${i < GQ[tenant]! ? ' gq' : ''}`
    : candidates && i % 3 !== 0
      ? 'Quokka'
      : 'Plain';
  const description = candidates && (i % 3 !== 1 || i === 7) ? 'Wombat' : 'Nothing';
  return {
    source: 'edge-test',
    source_id: `e-${i}`,
    rule: `rule_${i % 7}${field(2)}`,
    title: `${title} ${i}${field(0)}`,
    description: `${description} ${i}${field(1)}`,
    severity: koala ? (i < 100 ? 'critical' : 'high') : SEVERITIES[Math.floor((i * SEVERITIES.length) / n)]!,
    status: 'open',
    observed_at: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    first_observed_at: new Date(
      Date.UTC(2025, 6, 1) - Math.floor(i / (candidates ? 3 : 1)) * 60_000,
    ).toISOString(),
    asset: {
      account: '111111111111',
      region: elsewhere ? 'eu-west-1' : 'us-east-1',
      type: 'AwsS3Bucket',
      // An asset is one per resource id: the finding in another region has its own.
      resource_id:
        field(3) === '' && !elsewhere ? `arn:aws:s3:::edge-${i % 100}` : `arn:aws:s3:::edge-${i}${field(3)}`,
      name: `edge-${i % 100}`,
      tags: {},
      public: false,
      internet_facing: false,
    },
    evidence: null,
    remediation_text: '',
    remediation_url: null,
    compliance: koala && i % 2 === 0 ? [{ framework: 'edge-framework', control: 'K.1' }] : [],
    raw: { i },
  };
}

let fixture: SearchStore;
beforeAll(async () => {
  fixture = await openSearchStore(SIZES, finding, 'posture_findings');
}, 120_000);
afterAll(() => fixture?.close());

/** Every finding of a tenant, in page order. */
const pageOrder = (tenant: string) => inPageOrder(fixture.store, tenant);

/** The ids a text matches (one field holds it, case-insensitive), in page order. */
async function expected(tenant: string, text: string): Promise<string[]> {
  return (await pageOrder(tenant)).filter((r) => holdsText(r, text)).map((r) => r.id);
}

/** How many findings of a tenant hold every trigram the text's candidates are looked up by. */
async function candidates(tenant: string, text: string): Promise<number> {
  const trigrams = probeTrigrams(text);
  return (await pageOrder(tenant)).filter((r) => {
    const joined = searchedFields(r).join('\u0001');
    return trigrams.every((t) => joined.includes(t));
  }).length;
}

/** One call of a search, its statements recorded afresh in `seen`. */
function search(tenant: string, query: FindingQuery, cursor: string | null = null) {
  fixture.seen.length = 0;
  return fixture.backend.searchFindings(tenant, null, query, { limit: 25, cursor, principal: 'p' });
}

/** The reads of the last call: its SELECT and WITH statements. */
const reads = () => readsAmong(fixture.seen.map((q) => q.sql));

/**
 * One call of a text search that tested every row it could match (the candidates, or a walk to the
 * end): `ids` are its matches, and its total is exact with nothing left to read.
 */
async function expectWhole(tenant: string, text: string, ids: readonly string[], statements: RegExp[]) {
  const res = await search(tenant, { text });
  expect(reads()).toEqual(statements.map((r) => expect.stringMatching(r)));
  expect(res.items.map((f) => f.id)).toEqual(ids);
  expect(res.total).toBe(ids.length);
  expect(res.total_is_lower_bound).toBeUndefined();
  expect(res.scan_incomplete).toBeUndefined();
  expect(res.next_cursor).toBeNull();
}

/**
 * A page of a walk whose window ended with rows after it: `ids` are its matches (the page not full),
 * it says the scan is incomplete, gives a cursor, and counts its matches as a lower bound.
 */
function expectCut(res: Page<FindingRecord>, ids: readonly string[]) {
  expect(res.items.map((f) => f.id)).toEqual(ids);
  expect(res.scan_incomplete).toBe(true);
  expect(res.next_cursor).not.toBeNull();
  expect(res.total).toBe(ids.length);
  expect(res.total_is_lower_bound).toBe(true);
}

/**
 * The last page of a walk, after a cursor: `ids` are its matches, nothing follows, and its count is
 * a lower bound (it tested no row before its cursor).
 */
function expectLast(res: Page<FindingRecord>, ids: readonly string[]) {
  expect(res.items.map((f) => f.id)).toEqual(ids);
  expect(res.next_cursor).toBeNull();
  expect(res.scan_incomplete).toBeUndefined();
  expect(res.total).toBe(ids.length);
  expect(res.total_is_lower_bound).toBe(true);
}

/**
 * Every page of a text search, following next_cursor until null (at most `pages` calls): each call's
 * result and reads, and the ids in the order the pages gave them. Each call's total is checked
 * against the matches: the number of them when it is exact, never more when it is a lower bound.
 */
async function everyPage(tenant: string, text: string, pages = 100) {
  const want = await expected(tenant, text);
  const calls: { res: Page<FindingRecord>; reads: string[] }[] = [];
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await search(tenant, { text }, cursor);
    calls.push({ res, reads: reads() });
    ids.push(...res.items.map((f) => f.id));
    if (res.total_is_lower_bound === true) expect(res.total).toBeLessThanOrEqual(want.length);
    else expect(res.total, `${text}: an exact total`).toBe(want.length);
    cursor = res.next_cursor;
  } while (cursor !== null && calls.length < pages);
  expect(cursor, `${text}: the last page has no next cursor`).toBeNull();
  return { want, ids, calls };
}

describe('posture_search_findings with a text, at its bounds', () => {
  it('the tenants are as the tests need them', async () => {
    for (const [tenant, n] of Object.entries(SIZES)) {
      const order = await pageOrder(tenant);
      expect(order.length).toBe(n);
      // Page order is the order the rows were made in, bar the ties of three.
      const numbers = order.map((r) => Number(/ (\d+)/.exec(r.title)![1]));
      const tie = tenant === CANDIDATES ? 3 : 1;
      expect(numbers.map((k) => Math.floor(k / tie))).toEqual(numbers.map((_, k) => Math.floor(k / tie)));
    }
    expect(probeTrigrams('quokka')).toEqual(['quo', 'kka']);
    expect(probeTrigrams('wombat 77')).toEqual(['wom', 'bat']);
    expect(probeTrigrams('zq')).toEqual([]);
    expect(probeTrigrams('jx')).toEqual([]);
    expect(probeTrigrams('vk')).toEqual([]);
  });

  it('exactly TEXT_CANDIDATES candidates: every page from the candidates alone, the total exact', async () => {
    for (const text of ['quokka', 'quokka 7', 'quokka 77']) {
      expect(await candidates(CANDIDATES, text)).toBe(TEXT_CANDIDATES);
      const { want, ids, calls } = await everyPage(CANDIDATES, text);
      // The text itself is tested: only "quokka" is in every candidate.
      if (text === 'quokka') expect(want.length).toBe(TEXT_CANDIDATES);
      else expect(want.length).toBeLessThan(TEXT_CANDIDATES);
      expect(want.length).toBeGreaterThan(0);
      expect(ids).toEqual(want);
      expect(new Set(ids).size).toBe(ids.length);
      expect(calls.length).toBe(Math.max(1, Math.ceil(want.length / 25)));
      for (const { res, reads } of calls) {
        // One read of the candidates, no walk: the count is exact, on every page.
        expect(reads).toEqual([expect.stringMatching(CANDIDATE_READ)]);
        expect(res.total).toBe(want.length);
        expect(res.total_is_lower_bound).toBeUndefined();
        expect(res.scan_incomplete).toBeUndefined();
      }
    }
  });

  it('TEXT_CANDIDATES + 1 candidates: the walk after the candidates, every match in page order', async () => {
    for (const text of ['wombat', 'wombat 7']) {
      expect(await candidates(CANDIDATES, text)).toBe(TEXT_CANDIDATES + 1);
      const { want, ids, calls } = await everyPage(CANDIDATES, text);
      // "wombat 7" is in fewer than a tenth of the 1,001 candidates, among them row 7, the 1,001st
      // row "Wombat" is in (by construction; below).
      if (text === 'wombat') expect(want.length).toBe(TEXT_CANDIDATES + 1);
      else expect(want.length).toBeLessThan(TEXT_CANDIDATES);
      expect(want.length).toBeGreaterThan(25);
      expect(ids).toEqual(want);
      expect(new Set(ids).size).toBe(ids.length);
      for (const { reads } of calls)
        expect(reads).toEqual([expect.stringMatching(CANDIDATE_READ), expect.stringMatching(WALK_READ)]);
      // The first page is full and rows follow it: its total is a lower bound, past COUNT_CAP
      // for "wombat".
      expect(calls[0]!.res.total_is_lower_bound).toBe(true);
      if (text === 'wombat') expect(calls[0]!.res.total).toBe(COUNT_CAP);
    }
    const seven = await expected(CANDIDATES, 'wombat 7');
    const row7 = (await pageOrder(CANDIDATES)).find((r) => r.title === 'Quokka 7')!;
    expect(row7.description).toBe('Wombat 7');
    expect(seven).toContain(row7.id);
  });

  it('TEXT_CANDIDATES + 1 candidates, fewer matches than a page: one walk over every row, the total exact', async () => {
    const text = 'wombat 77';
    expect(await candidates(CANDIDATES, text)).toBe(TEXT_CANDIDATES + 1);
    const want = await expected(CANDIDATES, text);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(25);
    await expectWhole(CANDIDATES, text, want, [CANDIDATE_READ, WALK_READ]);
  });

  it('no trigram, 1,500 findings, a few matches down to the last: one call tests all, the total exact', async () => {
    const order = await pageOrder(CANDIDATES);
    const want = await expected(CANDIDATES, 'zq');
    expect(want.length).toBe(PLACED[CANDIDATES]!.zq!.length);
    // The last finding in page order matches: the walk must reach it.
    expect(want.at(-1)).toBe(order.at(-1)!.id);
    // Each field holds it in one row or more (case-insensitive: "ZQ" finds the same).
    for (const f of ['title', 'description', 'rule', 'resource_id'] as const)
      expect(
        order.some((r) => r[f].includes('zq')),
        f,
      ).toBe(true);
    for (const text of ['zq', 'ZQ']) await expectWhole(CANDIDATES, text, want, [WALK_READ]);
  });

  it('no trigram, exactly SCAN_WINDOW findings: one call tests all, the total exact', async () => {
    const order = await pageOrder(WINDOW);
    expect(order.length).toBe(SCAN_WINDOW);
    const want = await expected(WINDOW, 'zq');
    expect(want.length).toBe(4);
    expect(want.at(-1)).toBe(order.at(-1)!.id);
    expect(await expected(WINDOW, 'jx')).toEqual([]);
    // The window ended with the rows: nothing is left to test.
    await expectWhole(WINDOW, 'zq', want, [WALK_READ]);
    await expectWhole(WINDOW, 'jx', [], [WALK_READ]);
  });

  it('no trigram, SCAN_WINDOW + 1 findings, the only match the last: an empty first call, then the match', async () => {
    const order = await pageOrder(PAST_WINDOW);
    expect(order.length).toBe(SCAN_WINDOW + 1);
    const want = await expected(PAST_WINDOW, 'zq');
    expect(want).toEqual([order[SCAN_WINDOW]!.id]);
    const first = await search(PAST_WINDOW, { text: 'zq' });
    expect(reads()).toEqual([expect.stringMatching(WALK_READ)]);
    // The window held no match and a row follows it: an empty page that says so.
    expectCut(first, []);
    const second = await search(PAST_WINDOW, { text: 'zq' }, first.next_cursor);
    expect(reads()).toEqual([expect.stringMatching(WALK_READ)]);
    expectLast(second, want);
  });

  it('no trigram, SCAN_WINDOW + 1 findings, the only match the window’s last: found, then one row more tested', async () => {
    const order = await pageOrder(PAST_WINDOW);
    const want = await expected(PAST_WINDOW, 'jx');
    expect(want).toEqual([order[SCAN_WINDOW - 1]!.id]);
    const first = await search(PAST_WINDOW, { text: 'jx' });
    // The page is not full and a row follows the window: more may match after it.
    expectCut(first, want);
    const second = await search(PAST_WINDOW, { text: 'jx' }, first.next_cursor);
    expectLast(second, []);
    const { ids } = await everyPage(PAST_WINDOW, 'jx');
    expect(ids).toEqual(want);
  });

  it('no trigram, SCAN_WINDOW + 1 findings, exactly a page of matches in the window: that page, then the one past it', async () => {
    const order = await pageOrder(PAST_WINDOW);
    const want = await expected(PAST_WINDOW, 'vk');
    expect(want).toEqual([
      ...Array.from({ length: 25 }, (_, k) => order[k * 80]!.id),
      order[SCAN_WINDOW]!.id,
    ]);
    const first = await search(PAST_WINDOW, { text: 'vk' });
    expect(reads()).toEqual([expect.stringMatching(WALK_READ)]);
    // 25 matches and no 26th in the window (a full page is 25 and one more, which says a page
    // follows), and a row follows the window: more may match after it.
    expectCut(first, want.slice(0, 25));
    const second = await search(PAST_WINDOW, { text: 'vk' }, first.next_cursor);
    expect(reads()).toEqual([expect.stringMatching(WALK_READ)]);
    expectLast(second, want.slice(25));
  });

  it('a text with a control, held by one in LOOKUP_SHARE candidates and one more: by key, then a hash', async () => {
    // Every finding is a candidate of "koala gq" (its only trigram run is "koala"); 100 or 101 of
    // the TEXT_CANDIDATES + 1 hold the text. With no other filter all of them pass the filters; in
    // us-east-1, all but the last (which does not hold the text): exactly LOOKUP_SHARE times 100.
    const region = { region: 'us-east-1' };
    for (const [tenant, filter, passing, byKey] of [
      [LOOKUPS, {}, TEXT_CANDIDATES + 1, true],
      [PAST_LOOKUPS, {}, TEXT_CANDIDATES + 1, false],
      [LOOKUPS, region, TEXT_CANDIDATES, true],
      [PAST_LOOKUPS, region, TEXT_CANDIDATES, false],
    ] as const) {
      const label = `${tenant} ${JSON.stringify(filter)}`;
      expect(await candidates(tenant, 'koala gq'), label).toBe(TEXT_CANDIDATES + 1);
      // The findings passing the filter, and those of them holding the text (all in us-east-1).
      const regions = await fixture.store.query<{ id: string; region: string }>(
        'SELECT id, region FROM posture_findings WHERE tenant = $1',
        [tenant],
      );
      const inRegion = new Set(
        regions.rows.filter((r) => !('region' in filter) || r.region === filter.region).map((r) => r.id),
      );
      expect(inRegion.size, label).toBe(passing);
      const holding = (await expected(tenant, 'koala gq')).filter((id) => inRegion.has(id));
      expect(holding.length, label).toBe(GQ[tenant]);
      expect(holding.length * LOOKUP_SHARE <= passing, label).toBe(byKey);
      const mapped = await fixture.store.query<{ finding_id: string }>(
        `SELECT finding_id FROM posture_compliance WHERE tenant = $1 AND control = 'K.1'`,
        [tenant],
      );
      const isMapped = new Set(mapped.rows.map((r) => r.finding_id));
      // A hash of K.1's mappings reads every tenant's: the tenant is one of its keys.
      const everyK1 = await fixture.store.query<{ n: string }>(
        `SELECT count(*) AS n FROM posture_compliance WHERE control = 'K.1'`,
      );
      const want = holding.filter((id) => isMapped.has(id));
      expect(want.length, label).toBeGreaterThan(25);
      const query: FindingQuery = { text: 'koala gq', control: 'K.1', ...filter };
      const ids: string[] = [];
      let cursor: string | null = null;
      let calls = 0;
      do {
        const res = await search(tenant, query, cursor);
        calls += 1;
        expect(reads(), label).toEqual([
          expect.stringMatching(CANDIDATE_READ),
          expect.stringMatching(WALK_READ),
        ]);
        const walk = fixture.seen.find((q) => WALK_READ.test(q.sql.trimStart()))!;
        if (calls === 1) {
          // As run: a lookup for each finding holding the text up to the page's 26th match, or
          // one pass over K.1's mappings, built into a hash.
          const plan = cteOfPlan(await planRunWithout(fixture.store, walk, []), 'h');
          const lookups =
            /Index (?:Only )?Scan using \w+ on posture_compliance c \(actual rows=[\d.]+ loops=(\d+)\)/;
          const pass = new RegExp(
            `on posture_compliance c \\(actual rows=${everyK1.rows[0]!.n}(?:\\.00)? loops=1\\)`,
          );
          if (byKey) {
            expect(Number(lookups.exec(plan)?.[1]), label).toBe(holding.indexOf(want[25]!) + 1);
            expect(plan, label).not.toMatch(pass);
          } else expect(plan, label).toMatch(pass);
        }
        if (byKey) expect(walk.sql, label).toMatch(/c\.control = \$\d+ OFFSET 0\)/);
        else expect(walk.sql, label).not.toMatch(/OFFSET 0\)/);
        ids.push(...res.items.map((f) => f.id));
        cursor = res.next_cursor;
      } while (cursor !== null && calls < 5);
      expect(cursor, label).toBeNull();
      expect(ids, label).toEqual(want);
    }
    // A filter one in ten candidates pass, each of them holding the text: the walk tests only
    // findings passing the filter, each holding the text, so the mapping is left to PostgreSQL. A
    // filter no candidate passes says nothing of how often the findings it walks hold the text:
    // left to PostgreSQL too.
    const k1 = await fixture.store.query<{ finding_id: string }>(
      `SELECT finding_id FROM posture_compliance WHERE tenant = $1 AND control = 'K.1'`,
      [LOOKUPS],
    );
    const onK1 = new Set(k1.rows.map((r) => r.finding_id));
    // The critical ones are the first 100 in page order; no finding is suppressed.
    const critical = (await pageOrder(LOOKUPS)).slice(0, 100).map((r) => r.id);
    for (const [query, want] of [
      [
        { text: 'koala', control: 'K.1', severity_at_least: 'critical' },
        critical.filter((id) => onK1.has(id)),
      ],
      [{ text: 'koala gq', control: 'K.1', status: ['suppressed'] }, []],
    ] as [FindingQuery, string[]][]) {
      const res = await search(LOOKUPS, query);
      expect(reads()).toEqual([expect.stringMatching(CANDIDATE_READ), expect.stringMatching(WALK_READ)]);
      const walk = fixture.seen.find((q) => WALK_READ.test(q.sql.trimStart()))!.sql;
      expect(walk, JSON.stringify(query)).not.toMatch(/OFFSET 0\)/);
      expect(walk, JSON.stringify(query)).toMatch(
        / AND EXISTS \(SELECT 1 FROM posture_compliance c WHERE [^()]*c\.control = \$\d+\)/,
      );
      // The first page: the first 25 of them.
      expect(
        res.items.map((f) => f.id),
        JSON.stringify(query),
      ).toEqual(want.slice(0, 25));
    }
  });
});

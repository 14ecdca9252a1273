/**
 * posture_search_findings with a text at the edges of the embedded store's bounds, against the
 * answer worked out in JavaScript from every finding (not a timing test). A text's candidates (the
 * rows holding a few of its trigrams) are its answer when there are TEXT_CANDIDATES (1,000) or
 * fewer; with one more, rows are tested in page order instead, at most SCAN_WINDOW (2,000) a call,
 * and the count is exact only when one call tested every row from the first. Each side of both
 * bounds is taken here: exactly 1,000 and 1,001 candidates, and a walk over 1,500, exactly 2,000
 * and 2,001 rows, and a window holding exactly a page of matches with the next one past it. Every
 * page must give the matches in page order, none twice and none missing, and a total flagged exact
 * must be the number of matches. With a control too, MAPPING_LOOKUPS (100) and 101 candidates
 * holding the text and passing the filters: the walk looks the control up by key, then by a hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { FindingRecord, IncomingFinding, Severity } from '../src/domain.js';
import { SCAN_WINDOW, TEXT_CANDIDATES, type FindingQuery, type Page } from '../src/backend.js';
import { MAPPING_LOOKUPS, probeTrigrams } from '../src/embedded.js';
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
 * TEXT_CANDIDATES + 1 findings, each holding "Koala" (all of them read as candidates, one too
 * many), MAPPING_LOOKUPS of them critical; every other one mapped to control K.1.
 */
const LOOKUPS = 'edge-lookups';
/** The same with MAPPING_LOOKUPS + 1 critical. */
const PAST_LOOKUPS = 'edge-past-lookups';
const CRITICAL: Record<string, number> = { [LOOKUPS]: MAPPING_LOOKUPS, [PAST_LOOKUPS]: MAPPING_LOOKUPS + 1 };
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
 * every tenant's rows come as they are numbered: the first fifth critical, the next high and so on,
 * each newer than the rows after it. In the candidates tenant three rows in a row share their first
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
 * placed in the title, the description, the rule or the resource id, by turns.
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
  const koala = tenant in CRITICAL;
  const title = koala ? 'Koala' : candidates && i % 3 !== 0 ? 'Quokka' : 'Plain';
  const description = candidates && (i % 3 !== 1 || i === 7) ? 'Wombat' : 'Nothing';
  return {
    source: 'edge-test',
    source_id: `e-${i}`,
    rule: `rule_${i % 7}${field(2)}`,
    title: `${title} ${i}${field(0)}`,
    description: `${description} ${i}${field(1)}`,
    severity: koala
      ? i < CRITICAL[tenant]!
        ? 'critical'
        : 'high'
      : SEVERITIES[Math.floor((i * SEVERITIES.length) / n)]!,
    status: 'open',
    observed_at: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    first_observed_at: new Date(
      Date.UTC(2025, 6, 1) - Math.floor(i / (candidates ? 3 : 1)) * 60_000,
    ).toISOString(),
    asset: {
      account: '111111111111',
      region: 'us-east-1',
      type: 'AwsS3Bucket',
      resource_id: field(3) === '' ? `arn:aws:s3:::edge-${i % 100}` : `arn:aws:s3:::edge-${i}${field(3)}`,
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

  it('MAPPING_LOOKUPS candidates holding a text with a control, and one more: by key, then a hash', async () => {
    for (const [tenant, byKey] of [
      [LOOKUPS, true],
      [PAST_LOOKUPS, false],
    ] as const) {
      // Every finding holds "koala": TEXT_CANDIDATES + 1 candidates, all read, the critical ones
      // passing the filter (MAPPING_LOOKUPS, or one more), every other one mapped to K.1.
      const query: FindingQuery = { text: 'koala', control: 'K.1', severity_at_least: 'critical' };
      expect(await candidates(tenant, 'koala')).toBe(TEXT_CANDIDATES + 1);
      const want = (await pageOrder(tenant))
        .map((r) => ({ id: r.id, i: Number(/ (\d+)/.exec(r.title)![1]) }))
        .filter((r) => r.i < CRITICAL[tenant]! && r.i % 2 === 0)
        .map((r) => r.id);
      expect(want.length).toBe(Math.ceil(CRITICAL[tenant]! / 2));
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await search(tenant, query, cursor);
        expect(reads()).toEqual([expect.stringMatching(CANDIDATE_READ), expect.stringMatching(WALK_READ)]);
        // The walk's test of K.1: a lookup by key (OFFSET 0 keeps it whole) or PostgreSQL's own.
        const walk = fixture.seen.find((q) => WALK_READ.test(q.sql.trimStart()))!.sql;
        if (byKey) expect(walk, tenant).toMatch(/c\.control = \$\d+ OFFSET 0\)/);
        else expect(walk, tenant).not.toMatch(/OFFSET 0\)/);
        ids.push(...res.items.map((f) => f.id));
        cursor = res.next_cursor;
      } while (cursor !== null && ids.length <= want.length);
      expect(ids, tenant).toEqual(want);
    }
  });
});

/**
 * posture_search_assets at a size where reading every asset shows (not a timing test): 6,000
 * assets in one tenant, each search's every page against the answer worked out in JavaScript from
 * every asset, and the plans: each filter reads its own index in page order, a count stops at the
 * cap, and a text few assets hold reads the trigram index, never the whole table. At 100,000
 * findings (21,000 assets) searches read every asset of the tenant: 3.1-27x their time at 1,000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { Store } from '@portcullis/core/store';
import type { IncomingFinding } from '../src/domain.js';
import { SCAN_WINDOW, type AssetQuery } from '../src/backend.js';
import type { EmbeddedBackend } from '../src/embedded.js';
import { ingestRecords } from '../src/importers/importer.js';
import type { Recorded } from './recording.js';
import { openSearchStore, type SearchStore } from './search-fixture.js';

const TENANT = 'assets';
const N = 6_000;
const TYPES = ['AwsS3Bucket', 'AwsEc2Instance', 'AwsIamUser', 'AwsRdsDbInstance'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];

interface Asset {
  account: string;
  region: string;
  type: string;
  resource_id: string;
  name: string;
  public: boolean;
  internet_facing: boolean;
}

/**
 * One asset per finding. "Spread" is in 1 name of 3 (more than COUNT_CAP); "Lone Wolf" in the
 * resource id of 5; ap-south-1 and exposure are rare (1 in 300 and 1 in 500).
 */
function asset(i: number, tenant = TENANT): Asset {
  return {
    account: ['111111111111', '222222222222'][i % 2]!,
    region: i % 300 === 0 ? 'ap-south-1' : REGIONS[i % 2]!,
    type: TYPES[i % 4]!,
    resource_id: `arn:aws:s3:::${tenant}-${i}${i % 1_200 === 7 ? '-lone-wolf' : ''}`,
    name: `${i % 3 === 0 ? 'Spread' : 'Other'} asset ${i}`,
    public: i % 500 === 1,
    internet_facing: i % 500 === 2,
  };
}

function finding(i: number, tenant = TENANT): IncomingFinding {
  return {
    source: 'asset-test',
    source_id: `a-${i}`,
    rule: 'rule',
    title: 'A check',
    description: '',
    severity: 'low',
    status: 'open',
    observed_at: '2026-01-01T00:00:00.000Z',
    first_observed_at: '2025-01-01T00:00:00.000Z',
    asset: { ...asset(i, tenant), tags: {} },
    evidence: null,
    remediation_text: '',
    remediation_url: null,
    compliance: [],
    raw: { i },
  };
}

let fixture: SearchStore;
let store: Store;
let backend: EmbeddedBackend;
let seen: Recorded[];

beforeAll(async () => {
  // Another tenant's assets hold the same texts: a search never shows them.
  fixture = await openSearchStore(
    { [TENANT]: N, other: 50 },
    (tenant, i) => finding(i, tenant),
    'posture_assets',
  );
  ({ store, backend, seen } = fixture);
}, 120_000);
afterAll(() => fixture?.close());

/** The resource ids a query should find, from every asset, in page order (id, byte order). */
async function expected(test: (a: Asset) => boolean): Promise<string[]> {
  const ids = await store.query<{ id: string; resource_id: string }>(
    'SELECT id, resource_id FROM posture_assets WHERE tenant = $1',
    [TENANT],
  );
  const byResource = new Map(Array.from({ length: N }, (_, i) => [asset(i).resource_id, asset(i)]));
  return ids.rows
    .filter((r) => test(byResource.get(r.resource_id)!))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.resource_id);
}

async function allPages(query: AssetQuery) {
  const got: string[] = [];
  let cursor: string | null = null;
  let first: { total: number; lowerBound: boolean; scanIncomplete: boolean } | null = null;
  let calls = 0;
  for (; calls < 300;) {
    const res = await backend.searchAssets(TENANT, null, query, { limit: 25, cursor, principal: 'p' });
    calls++;
    first ??= {
      total: res.total,
      lowerBound: res.total_is_lower_bound === true,
      scanIncomplete: res.scan_incomplete === true,
    };
    got.push(...res.items.map((a) => a.resource_id));
    cursor = res.next_cursor;
    if (cursor === null) break;
  }
  return { got, calls, ...first! };
}

const lower = (s: string) => s.toLowerCase();

describe('posture_search_assets', () => {
  it.each<[string, AssetQuery, (a: Asset) => boolean]>([
    ['no filter', {}, () => true],
    ['one account', { account: '222222222222' }, (a) => a.account === '222222222222'],
    ['a rare region', { region: 'ap-south-1' }, (a) => a.region === 'ap-south-1'],
    ['one type', { type: 'AwsIamUser' }, (a) => a.type === 'AwsIamUser'],
    ['exposed', { exposed: true }, (a) => a.public || a.internet_facing],
    [
      'not exposed, one type',
      { exposed: false, type: 'AwsS3Bucket' },
      (a) => !(a.public || a.internet_facing) && a.type === 'AwsS3Bucket',
    ],
    ['a text many hold', { text: 'spread' }, (a) => lower(a.name).includes('spread')],
    ['a text few hold', { text: 'LONE-wolf' }, (a) => lower(a.resource_id).includes('lone-wolf')],
    [
      'a text across name and resource id',
      { text: '1-lone' },
      (a) => lower(a.resource_id).includes('1-lone'),
    ],
  ])('%s: every page, in order, as the assets say', async (_label, query, test) => {
    const want = await expected(test);
    const res = await allPages(query);
    expect(res.got).toEqual(want);
    expect(res.total).toBe(Math.min(want.length, COUNT_CAP));
    expect(res.lowerBound).toBe(want.length > COUNT_CAP);
  });

  // A text the trigram index cannot narrow to TEXT_CANDIDATES candidates is tested asset by asset,
  // SCAN_WINDOW per call: pages may be short, and the first one's total is what it found. The name
  // and the resource id are joined by U+0001 in the index: "...asset 10" and "arn:..." would match
  // the first text, were it not tested field by field; "59" has no trigram (two digits, nothing
  // around them).
  it.each<[string, AssetQuery, (a: Asset) => boolean]>([
    ['a text with U+0001', { text: '0\u0001arn' }, () => false],
    [
      'a text with no trigram',
      { text: '59' },
      (a) => lower(a.name).includes('59') || a.resource_id.includes('59'),
    ],
    // In 2 names of 3 here and in the other tenant's: none of those may show.
    ['a text with no trigram many hold', { text: 'er' }, (a) => lower(a.name).includes('er')],
    // Every asset's name holds "asset": more than TEXT_CANDIDATES candidates, so tested asset by asset
    // too. LIKE's wildcards are taken literally: none matches.
    ['a text whose words every asset holds', { text: 'asset_1%' }, () => false],
  ])('%s: tested asset by asset, every page in order as the assets say', async (_label, query, test) => {
    const want = await expected(test);
    const res = await allPages(query);
    expect(res.got).toEqual(want);
    expect(res.scanIncomplete).toBe(want.length <= 25);
    expect(res.lowerBound).toBe(true);
    // No call tests more than SCAN_WINDOW assets: N of them take at least N / SCAN_WINDOW calls.
    expect(res.calls).toBeGreaterThanOrEqual(Math.ceil(N / SCAN_WINDOW));
    if (want.length === 0) expect(res.calls).toBe(Math.ceil(N / SCAN_WINDOW));
  });

  it('a text with no trigram keeps to the caller’s accounts, page after page', async () => {
    const want = await expected((a) => a.account === '111111111111' && a.resource_id.includes('59'));
    expect(want.length).toBeGreaterThan(25);
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await backend.searchAssets(
        TENANT,
        ['111111111111'],
        { text: '59' },
        { limit: 25, cursor, principal: 'p' },
      );
      got.push(...res.items.map((a) => a.resource_id));
      cursor = res.next_cursor;
    } while (cursor !== null);
    expect(got).toEqual(want);
  });

  /** The plans, as the planner would choose them, of the statements one page ran. */
  async function plansOf(query: AssetQuery): Promise<string[]> {
    const first = await backend.searchAssets(TENANT, null, query, {
      limit: 25,
      cursor: null,
      principal: 'p',
    });
    seen.length = 0;
    await backend.searchAssets(TENANT, null, query, { limit: 25, cursor: first.next_cursor, principal: 'p' });
    const plans: string[] = [];
    for (const q of seen.filter((s) => /^(SELECT|WITH)\b/.test(s.sql.trimStart())))
      plans.push(
        (await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n'),
      );
    return plans;
  }

  it.each<[string, AssetQuery, string]>([
    ['a rare region', { region: 'ap-south-1' }, 'posture_assets_region'],
    ['exposed', { exposed: true }, 'posture_assets_exposed'],
    ['one type', { type: 'AwsIamUser' }, 'posture_assets_type'],
    ['no filter', {}, 'posture_assets_order'],
  ])(
    '%s: the count and the page read its index, the count stops at the cap',
    async (_label, query, index) => {
      const plans = await plansOf(query);
      expect(plans.length).toBe(2);
      const [count, page] = plans as [string, string];
      expect(page).toContain(index);
      expect(page).not.toMatch(/Seq Scan on posture_assets|\bSort\b/);
      expect(count).toMatch(/Limit/);
      // The count reads the filter's index; with no filter, whatever stops soonest (here the
      // table itself: the tenant's first 1,001 rows).
      if (Object.keys(query).length > 0) expect(count).toContain(index);
    },
  );

  it('a text few assets hold: one pass over the trigram index, never every asset', async () => {
    const plans = await plansOf({ text: 'lone-wolf' });
    expect(plans.length).toBe(1); // the count and the page at once
    expect(plans[0]).toMatch(/Bitmap Index Scan on posture_assets_text/);
    expect(plans[0]).not.toMatch(/Seq Scan on posture_assets/);
  });

  it('a cursor from another query, or a forged one, is refused', async () => {
    const first = await backend.searchAssets(TENANT, null, {}, { limit: 5, cursor: null, principal: 'p' });
    await expect(
      backend.searchAssets(
        TENANT,
        null,
        { type: 'AwsIamUser' },
        { limit: 5, cursor: first.next_cursor, principal: 'p' },
      ),
    ).rejects.toThrow();
    await expect(
      backend.searchAssets(TENANT, null, {}, { limit: 5, cursor: 'not-a-cursor', principal: 'p' }),
    ).rejects.toThrow();
  });
});

describe('an import writes each asset once', () => {
  it('an asset in several chunks of one import: the latest description, exposed if any chunk says so, first to last seen', async () => {
    const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();
    const one = (i: number, over: Partial<Asset>, seen: string, first: string): IncomingFinding => {
      const f = finding(i, 'staged');
      return {
        ...f,
        observed_at: seen,
        first_observed_at: first,
        asset: { ...f.asset, resource_id: 'arn:aws:s3:::shared', account: '111111111111', ...over },
      };
    };
    async function* records() {
      // 2,500 findings: three chunks. The shared asset is in the first and the third.
      for (let i = 0; i < 2_500; i++) {
        if (i === 10) yield one(i, { name: 'old name', public: true }, at(5), at(2));
        else if (i === 2_400) yield one(i, { name: 'new name', public: false }, at(9), at(3));
        else yield finding(i, 'staged');
      }
    }
    const r = await ingestRecords(store, records(), {
      tenant: 'staged',
      format: 'ocsf',
      sourceName: 'staged',
    });
    expect(r.counts.new).toBe(2_500);
    const rows = await store.query<{ name: string; public: boolean; first: string; last: string }>(
      `SELECT name, public, first_seen AS first, last_seen AS last FROM posture_assets
        WHERE tenant = 'staged' AND resource_id = 'arn:aws:s3:::shared'`,
    );
    expect(
      rows.rows.map((a) => ({
        ...a,
        first: new Date(a.first).toISOString(),
        last: new Date(a.last).toISOString(),
      })),
    ).toEqual([{ name: 'new name', public: true, first: at(2), last: at(9) }]);
    const n = await store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM posture_assets WHERE tenant = 'staged'",
    );
    expect(n.rows[0]!.n).toBe(2_499); // one per finding but the shared one's two
    // A later import describes it afresh (its exposure is the latest import's), and keeps the span.
    async function* again() {
      yield one(10, { name: 'renamed', public: false }, at(4), at(4));
    }
    await ingestRecords(store, again(), { tenant: 'staged', format: 'ocsf', sourceName: 'again' });
    const after = await store.query<{ name: string; public: boolean; first: string; last: string }>(
      `SELECT name, public, first_seen AS first, last_seen AS last FROM posture_assets
        WHERE tenant = 'staged' AND resource_id = 'arn:aws:s3:::shared'`,
    );
    expect(after.rows[0]).toMatchObject({ name: 'renamed', public: false });
    expect(new Date(after.rows[0]!.first).toISOString()).toBe(at(2));
    expect(new Date(after.rows[0]!.last).toISOString()).toBe(at(9));
  });
});

/**
 * The CRM searches' cost does not grow with the tenant (not a timing test): every query a search
 * runs is replayed under EXPLAIN, with the settings the backend itself ran it with. Without name
 * words, sequential scans and sorts are priced out of the planner's reach and the page must be read
 * through an index in its own order; with name words the backend reads through the trigram indexes
 * (bitmap scans only), so the plan must use them and never scan the table. Every count is bounded
 * (a Limit under the Aggregate). A missing index, or an ORDER BY collation an index does not carry,
 * shows up here as a Seq Scan or a Sort. Opportunities by owner must walk the owner's own index
 * and count from it alone, and a minimum amount must count from the amount index: the close-date
 * index also avoids a Sort, but it reads every deal of the tenant to count a narrow filter.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store, type StoreTransaction } from '@portcullis/core/store';
import { CursorCodec } from '@portcullis/core/cursor';
import { COUNT_CAP } from '@portcullis/core/paging';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations, storeExtensions } from '../src/migrations.js';

let store: Store;
let backend: EmbeddedBackend;
/** What the backend ran: one group per plain query, one per transaction (its SETs included). */
const groups: { sql: string; params: unknown[] }[][] = [];

function recording(s: Store): Store {
  const rec = (group: { sql: string; params: unknown[] }[], sql: string, params?: unknown[]) =>
    group.push({ sql, params: [...(params ?? [])] }); // a copy: the backend reuses its array
  return {
    kind: s.kind,
    exec: (sql) => s.exec(sql),
    ping: () => s.ping(),
    stopped: () => s.stopped(),
    close: () => s.close(),
    query: (sql, params) => {
      const g: { sql: string; params: unknown[] }[] = [];
      rec(g, sql, params);
      groups.push(g);
      return s.query(sql, params);
    },
    transaction: (fn) =>
      s.transaction((tx) => {
        const g: { sql: string; params: unknown[] }[] = [];
        groups.push(g);
        const wrapped: StoreTransaction = {
          exec: (sql) => tx.exec(sql),
          query: (sql, params) => {
            rec(g, sql, params);
            return tx.query(sql, params);
          },
        };
        return fn(wrapped);
      }),
  };
}

beforeAll(async () => {
  store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'crm', migrations);
  // 20,000 accounts and contacts in one tenant, names spread as real ones are.
  await store.exec(`
    CREATE TEMP TABLE w AS
      SELECT n, initcap(translate(substr(md5('word' || n), 1, 4 + n % 5), '0123456789', 'ghijklmnop')) AS word
      FROM generate_series(0, 1499) n;
    INSERT INTO crm_owners (tenant, id, name, email, team)
      SELECT 'plan', 'own_' || i, 'Owner ' || i, 'o' || i || '@plan.example', 'team-' || (i % 4)
      FROM generate_series(1, 16) i;
    INSERT INTO crm_accounts (id, tenant, name, industry, region, owner_id, team, created_at, updated_at)
      SELECT 'acc_' || lpad(i::text, 6, '0'), 'plan',
             (SELECT word FROM w WHERE n = hashint4(i) & 1023) || ' '
               || (SELECT word FROM w WHERE n = 1024 + (hashint4(i + 7) & 475)) || ' Holdings',
             (ARRAY['software','finance','retail','energy'])[1 + (hashint4(i + 2) & 3)],
             (ARRAY['na','emea','apac','latam'])[1 + (hashint4(i + 3) & 3)],
             'own_' || (1 + (hashint4(i + 4) & 15)), 'team-1', now(), now()
      FROM generate_series(1, 20000) i;
    INSERT INTO crm_contacts (id, tenant, account_id, first_name, last_name, owner_id, team, created_at, updated_at)
      SELECT 'con_' || lpad(i::text, 6, '0'), 'plan', 'acc_' || lpad(i::text, 6, '0'),
             (SELECT word FROM w WHERE n = hashint4(i + 5) & 255),
             (SELECT word FROM w WHERE n = 256 + (hashint4(i + 6) & 1023)),
             'own_' || (1 + (hashint4(i + 4) & 15)), 'team-1', now(), now()
      FROM generate_series(1, 20000) i;
    INSERT INTO crm_opportunities (id, tenant, account_id, name, stage, amount, currency, close_date, owner_id, team, created_at, updated_at)
      SELECT 'opp_' || lpad(i::text, 6, '0'), 'plan', 'acc_' || lpad(i::text, 6, '0'), 'Deal ' || i,
             (ARRAY['prospecting','qualification','proposal','negotiation','closed_won','closed_lost'])[1 + abs(hashint4(i + 10)) % 6],
             1000 + abs(hashint4(i + 11)) % 10000000, 'USD',
             to_char(date '2025-01-01' + (abs(hashint4(i + 12)) % 1095), 'YYYY-MM-DD'),
             'own_' || (1 + (hashint4(i + 13) & 15)), 'team-1', now(), now()
      FROM generate_series(1, 20000) i;
  `);
  await store.exec('VACUUM ANALYZE');
  backend = await EmbeddedBackend.open(recording(store), {
    seed: false,
    cursors: new CursorCodec(randomBytes(32)),
  });
}, 120_000);
afterAll(async () => {
  await store?.close();
});

/** The plans of every query `run` makes on `table`, replayed as the backend ran them. */
async function plansOf(table: string, run: () => Promise<unknown>): Promise<string[]> {
  groups.length = 0;
  await run();
  const ran = groups.map((g) => [...g]);
  const plans: string[] = [];
  for (const group of ran) {
    await store.transaction(async (tx) => {
      if (!group.some((q) => q.sql.startsWith('SET LOCAL'))) {
        await tx.query('SET LOCAL enable_seqscan = off');
        await tx.query('SET LOCAL enable_sort = off');
      }
      for (const q of group) {
        if (q.sql.startsWith('SET LOCAL')) {
          await tx.query(q.sql, q.params);
          continue;
        }
        if (!q.sql.includes(table)) continue;
        const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
        plans.push(res.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
    });
  }
  return plans;
}

const page = (cursor: string | null) => ({ limit: 25, cursor, principal: 'sam' });
const word = async () => {
  const r = await store.query<{ name: string }>("SELECT name FROM crm_accounts WHERE id = 'acc_000001'");
  return r.rows[0]!.name.split(' ')[0]!.toLowerCase();
};

function expectBoundedCount(plans: string[]): void {
  const count = plans.find((p) => p.includes('Aggregate'));
  expect(count, plans.join('\n\n')).toBeDefined();
  expect(count).toMatch(/Limit/);
}

describe('crm_search_accounts and crm_search_contacts plans', () => {
  it.each([
    ['no filter', {}, 'crm_accounts_name'],
    ['industry and region', { industry: 'finance', region: 'emea' }, 'crm_accounts_industry_region'],
  ])('%s: read through %s in page order, the count bounded, no sort', async (_label, query, index) => {
    const first = await backend.searchAccounts('plan', query, page(null));
    expect(first.items.length).toBe(25);
    const plans = await plansOf('crm_accounts', () =>
      backend.searchAccounts('plan', query, page(first.next_cursor)),
    );
    expect(plans.length).toBe(2); // the count and the page
    for (const plan of plans) {
      expect(plan).not.toMatch(/Seq Scan on crm_accounts/);
      expect(plan).not.toMatch(/\bSort\b/);
    }
    expect(plans.find((p) => !p.includes('Aggregate'))).toMatch(new RegExp(`Index Scan using ${index} `));
    expectBoundedCount(plans);
  });

  it('a name word: both queries find the matches through the trigram index, never scanning the table', async () => {
    const w = await word();
    const res = await backend.searchAccounts('plan', { query: w }, page(null));
    expect(res.items.length).toBeGreaterThan(0);
    expect(
      res.items.every((a) =>
        a.name
          .toLowerCase()
          .split(' ')
          .some((x) => x.startsWith(w)),
      ),
    ).toBe(true);
    const plans = await plansOf('crm_accounts', () =>
      backend.searchAccounts('plan', { query: w }, page(null)),
    );
    expect(plans.length).toBe(2);
    for (const plan of plans) {
      expect(plan).toMatch(/Bitmap Index Scan on crm_accounts_name_trgm/);
      expect(plan).not.toMatch(/Seq Scan/);
    }
    expectBoundedCount(plans);
  });

  it('a contact name word: the first- and last-name trigram indexes, never the table', async () => {
    const r = await store.query<{ last_name: string }>(
      "SELECT last_name FROM crm_contacts WHERE id = 'con_000001'",
    );
    const w = r.rows[0]!.last_name.toLowerCase();
    const plans = await plansOf('crm_contacts', () =>
      backend.searchContacts('plan', { query: w }, page(null)),
    );
    expect(plans.length).toBe(2);
    for (const plan of plans) {
      expect(plan).toMatch(/crm_contacts_last_name_trgm/);
      expect(plan).toMatch(/crm_contacts_first_name_trgm/);
      expect(plan).not.toMatch(/Seq Scan/);
    }
  });

  it(`a broad word counts to ${COUNT_CAP} and says the total is a lower bound`, async () => {
    const res = await backend.searchAccounts('plan', { query: 'holdings' }, page(null));
    expect(res.total).toBe(COUNT_CAP);
    expect(res.total_is_lower_bound).toBe(true);
    expect(res.items.length).toBe(25);
    const narrow = await backend.searchAccounts('plan', { query: await word() }, page(null));
    expect(narrow.total).toBeLessThan(COUNT_CAP);
    expect(narrow.total_is_lower_bound).toBeUndefined();
  });
});

describe('crm_search_opportunities plans', () => {
  const open = ['negotiation', 'proposal', 'prospecting', 'qualification'] as const;
  const plansFor = async (query: Parameters<EmbeddedBackend['searchOpportunities']>[1]) => {
    const first = await backend.searchOpportunities('plan', query, page(null));
    expect(first.items.length).toBe(25);
    return plansOf('crm_opportunities', () =>
      backend.searchOpportunities('plan', query, page(first.next_cursor)),
    );
  };
  /**
   * The page's ids come from `index` alone (no row read to test a filter), in its order; only the
   * top node may sort, and only the page's rows.
   */
  const expectKeyedPage = (plans: string[], index: string) => {
    const pagePlan = plans.find((p) => !p.includes('Aggregate'))!;
    expect(pagePlan).toMatch(new RegExp(`Index Only Scan using ${index} `));
    expect(pagePlan.split('\n').slice(1).join('\n')).not.toMatch(/\bSort\b/);
    for (const plan of plans) expect(plan).not.toMatch(/Seq Scan/);
  };

  it.each([
    ['an owner', { owner_id: 'own_3' }],
    ['an owner and the open stages', { owner_id: 'own_3', stages: [...open] }],
    ['an owner and one stage', { owner_id: 'own_3', stages: ['closed_won' as const] }],
  ])('%s: the page and the count walk that owner’s deals in the owner index alone', async (_l, query) => {
    const plans = await plansFor(query);
    expect(plans.length).toBe(2);
    expectKeyedPage(plans, 'crm_opportunities_owner');
    expect(plans.find((p) => p.includes('Aggregate'))).toMatch(
      /Index Only Scan using crm_opportunities_owner /,
    );
    expectBoundedCount(plans);
  });

  it.each([
    ['no filter', {}],
    ['one stage', { stages: ['negotiation' as const] }],
    ['a minimum amount', { min_amount: 9_900_000 }],
  ])('%s: the page’s ids come from the close-date index alone', async (_l, query) => {
    const plans = await plansFor(query);
    expect(plans.length).toBe(2);
    expectKeyedPage(plans, 'crm_opportunities_close');
    expectBoundedCount(plans);
  });

  it('a minimum amount: the count reads the amount index alone, up to the cap', async () => {
    const plans = await plansFor({ min_amount: 9_900_000 });
    expect(plans.find((p) => p.includes('Aggregate'))).toMatch(
      /Index Only Scan using crm_opportunities_amount /,
    );
  });

  it('a name word: the trigram index, never the table, and the page in close-date order', async () => {
    const plans = await plansFor({ query: '123' }); // Deal 123, 1230-1239, 12300-12399
    expect(plans.length).toBe(2);
    for (const plan of plans) {
      expect(plan).toMatch(/crm_opportunities_name_trgm/);
      expect(plan).not.toMatch(/Seq Scan/);
    }
    const res = await backend.searchOpportunities('plan', { query: '123' }, page(null));
    const dates = res.items.map((o) => `${o.close_date} ${o.id}`);
    expect(dates).toEqual([...dates].sort());
  });
});

/**
 * The CRM's cost as data grows (a measurement, not a test): crm_search_accounts, crm_search_contacts,
 * crm_search_opportunities and crm_get_account latency on a tenant of 1,000 accounts (and as many
 * contacts and opportunities) against one of N (default 100,000; BENCH_CRM_N, 0 skips), over the
 * in-process client with every control on.
 * Goal (issue "Footprint and speed"): search at N within 2x of its latency at 1,000.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcess } from '@portcullis/core/testing';
import { openStore, type PGliteStore } from '@portcullis/core/store';
import { server } from '@portcullis/crm';
import { timeAlternating, withBoth } from './timing.js';

const CALLS = 15;
const PRINCIPAL = { id: 'bench', roles: ['manager'], tenant: 'bench' };

/** The schema comes from the server itself (its migrations run at start); rows from SQL. */
export async function crmScaleFill(dataDir: string, n: number): Promise<void> {
  const h = await startInProcess(server, { dataDir, env: { CRM_SEED: 'none' }, principal: PRINCIPAL });
  await h.close();
  const store = await openStore({ dataDir, extensions: server.storeExtensions ?? [] });
  try {
    await store.exec(`
      INSERT INTO crm_owners (tenant, id, name, email, team)
        SELECT 'bench', 'own_' || i, 'Owner ' || i, 'owner' || i || '@bench.example', 'team-' || (i % 4)
        FROM generate_series(1, 16) i;
      -- Names as real ones spread: two words from a vocabulary of 1,500 pseudo-words and a legal
      -- suffix; industry, region and owner independent of the name (hashes, not i modulo k).
      CREATE TEMP TABLE w AS
        SELECT n, initcap(translate(substr(md5('word' || n), 1, 4 + n % 5), '0123456789', 'ghijklmnop')) AS word
        FROM generate_series(0, 1499) n;
      INSERT INTO crm_accounts (id, tenant, name, domain, industry, region, owner_id, team, created_at, updated_at)
        SELECT 'acc_' || lpad(i::text, 7, '0'), 'bench',
               (SELECT word FROM w WHERE n = hashint4(i) & 1023) || ' '
                 || (SELECT word FROM w WHERE n = 1024 + (hashint4(i + 7) & 475)) || ' '
                 || (ARRAY['Inc','Ltd','GmbH','Group','Partners','Holdings','LLC','SA'])[1 + (hashint4(i + 1) & 7)],
               'a' || i || '.example', (ARRAY['software','finance','retail','energy'])[1 + (hashint4(i + 2) & 3)],
               (ARRAY['na','emea','apac','latam'])[1 + (hashint4(i + 3) & 3)], 'own_' || (1 + (hashint4(i + 4) & 15)),
               'team-' || (hashint4(i + 4) & 3), now(), now()
        FROM generate_series(1, ${n}) i;
      INSERT INTO crm_contacts (id, tenant, account_id, first_name, last_name, email, owner_id, team, created_at, updated_at)
        SELECT 'con_' || lpad(i::text, 7, '0'), 'bench', 'acc_' || lpad(i::text, 7, '0'),
               (SELECT word FROM w WHERE n = hashint4(i + 5) & 255),
               (SELECT word FROM w WHERE n = 256 + (hashint4(i + 6) & 1023)),
               'c' || i || '@bench.example', 'own_' || (1 + (hashint4(i + 4) & 15)), 'team-' || (hashint4(i + 4) & 3),
               now(), now()
        FROM generate_series(1, ${n}) i;
      -- One deal per account: stage, amount, close date (three years) and owner independent.
      INSERT INTO crm_opportunities (id, tenant, account_id, name, stage, amount, currency, close_date, owner_id, team, created_at, updated_at)
        SELECT 'opp_' || lpad(i::text, 7, '0'), 'bench', 'acc_' || lpad(i::text, 7, '0'),
               'Deal ' || i || ' ' || (ARRAY['Renewal','Expansion','Pilot','Migration'])[1 + (hashint4(i + 9) & 3)],
               (ARRAY['prospecting','qualification','proposal','negotiation','closed_won','closed_lost'])[1 + abs(hashint4(i + 10)) % 6],
               1000 + abs(hashint4(i + 11)) % 10000000, 'USD',
               to_char(date '2025-01-01' + (abs(hashint4(i + 12)) % 1095), 'YYYY-MM-DD'),
               'own_' || (1 + (hashint4(i + 13) & 15)), 'team-' || (hashint4(i + 13) & 3), now(), now()
        FROM generate_series(1, ${n}) i;
    `);
    // The tables as the embedded store leaves them a moment after such a load: its own upkeep
    // (autovacuum's rules) analyzes them and, past 1,000 + 20% new rows, vacuums them, which marks
    // their pages all-visible (without that, three searches at 100,000 took 2.1-3.8x their time at
    // 1,000: docs/architecture.md).
    await (store as PGliteStore).refreshStatistics();
  } finally {
    await store.close();
  }
}

type Case = [label: string, tool: string, args: Record<string, unknown>];

/** The searches timed: the same on both stores (record 1 is the same record in both). */
async function cases(dataDir: string): Promise<Case[]> {
  const store = await openStore({ dataDir, extensions: server.storeExtensions ?? [] });
  try {
    const acc = await store.query<{ name: string }>("SELECT name FROM crm_accounts WHERE id = 'acc_0000001'");
    const con = await store.query<{ last_name: string }>(
      "SELECT last_name FROM crm_contacts WHERE id = 'con_0000001'",
    );
    const name = acc.rows[0]!.name;
    const word = name.split(' ')[0]!.toLowerCase();
    const last = con.rows[0]!.last_name.toLowerCase();
    return [
      ['accounts, no filter', 'crm_search_accounts', { limit: 25 }],
      [`accounts, name word "${word}"`, 'crm_search_accounts', { query: word, limit: 25 }],
      [`accounts, whole name`, 'crm_search_accounts', { query: name, limit: 25 }],
      [
        'accounts, industry + region',
        'crm_search_accounts',
        { industry: 'finance', region: 'emea', limit: 25 },
      ],
      ['accounts, owner', 'crm_search_accounts', { owner_id: 'own_3', limit: 25 }],
      ['accounts, broad word "holdings" (1 in 8)', 'crm_search_accounts', { query: 'holdings', limit: 25 }],
      [`contacts, name word "${last}"`, 'crm_search_contacts', { query: last, limit: 25 }],
      ['opportunities, no filter', 'crm_search_opportunities', { limit: 25 }],
      [
        'opportunities, owner + open stages',
        'crm_search_opportunities',
        { owner_id: 'own_3', stages: ['prospecting', 'qualification', 'proposal', 'negotiation'], limit: 25 },
      ],
      [
        'opportunities, owner + one stage',
        'crm_search_opportunities',
        { owner_id: 'own_5', stages: ['closed_won'], limit: 25 },
      ],
      ['opportunities, amount (1 in 10)', 'crm_search_opportunities', { min_amount: 9_000_000, limit: 25 }],
      ['opportunities, amount (1 in 100)', 'crm_search_opportunities', { min_amount: 9_900_000, limit: 25 }],
      // Not a search: one record with its contacts, pipeline and activities (crm_account_related).
      ['account and related (crm_get_account)', 'crm_get_account', { id: 'acc_0000001' }],
    ];
  } finally {
    await store.close();
  }
}

/** Each case's median latency on both stores, both servers up at once and their calls alternating. */
async function latencies(dirs: readonly [string, string], list: Case[]): Promise<[number[], number[]]> {
  const open = (dataDir: string) =>
    startInProcess(server, { dataDir, env: { CRM_SEED: 'none' }, principal: PRINCIPAL });
  return withBoth(dirs, open, async (hs) => {
    const out: [number[], number[]] = [[], []];
    for (const [, name, args] of list) {
      const [small, big] = await timeAlternating(hs, CALLS, name, () => args);
      out[0].push(small);
      out[1].push(big);
    }
    return out;
  });
}

export async function crmScaleBench(log: (s?: string) => void, n: number): Promise<void> {
  if (n <= 0) return;
  const f1 = (x: number) => x.toFixed(1);
  const base = mkdtempSync(join(tmpdir(), 'portcullis-bench-crm-scale-'));
  try {
    log();
    log(
      `CRM search as data grows: 1,000 vs ${n.toLocaleString('en')} accounts, contacts and opportunities (embedded store)`,
    );
    await crmScaleFill(join(base, 'small'), 1000);
    await crmScaleFill(join(base, 'big'), n);
    const list = await cases(join(base, 'small'));
    const [small, big] = await latencies([join(base, 'small'), join(base, 'big')], list);
    log(`  latency (median of ${CALLS}, in-process client, the two stores' calls alternating)`);
    log(`  ${''.padEnd(42)}   1,000        ${n.toLocaleString('en').padStart(7)}    ratio  goal <= 2x`);
    list.forEach(([label], i) => {
      const ratio = big[i]! / small[i]!;
      log(
        `    ${label.padEnd(42)} ${f1(small[i]!).padStart(7)} ms ${f1(big[i]!).padStart(7)} ms ${f1(ratio).padStart(6)}x  ${ratio <= 2 ? 'MET' : 'NOT MET'}`,
      );
    });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

// Run alone: node test/bench/dist/crm-scale.js [N]
if (process.argv[1]?.endsWith('crm-scale.js')) {
  await crmScaleBench((s) => console.log(s ?? ''), Number(process.argv[2] ?? 100_000));
}

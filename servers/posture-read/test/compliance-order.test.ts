/**
 * Each compliance mapping carries its finding's page order (severity rank and first seen), and one
 * mapping per finding and framework is marked `framework_first` (migration 0009), and its finding's
 * account (0010), status, source, region, resource type and rule (0011): a search by framework or
 * control reads the mappings in page order, testing the filters on them (the plans:
 * search-plan.test.ts). This holds after an import, after re-imports that change a finding's
 * severity, account, status or region or report it first seen earlier or later, and after
 * migrations 0009 to 0011 on stores that held mappings before them; and the searches return each
 * matching finding once, in the same pages as the findings' own order.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CursorCodec } from '@portcullis/core/cursor';
import { migrate, openStore, type Store } from '@portcullis/core/store';
import type { FindingQuery } from '../src/backend.js';
import type { Status } from '../src/domain.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { importFindings } from '../src/importers/importer.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { ocsfFinding, postureDatabase, postureDatabaseUrl } from './import-helpers.js';
import { planAtScale, recordingReads, type Recorded } from './recording.js';

const CIS = 'cis-aws-foundations-3.0';
const PCI = 'pci-dss-4.0';

/**
 * A finding mapped to two CIS controls and, every third one, a PCI DSS control too; every sixth
 * also to PCI DSS 1.1, a control id CIS has too (every twelfth is mapped to 1.1 in both).
 */
function mapped(
  i: number,
  over: {
    severity_id?: number;
    created_time?: number;
    account?: string;
    status_code?: string;
    region?: string;
  } = {},
) {
  const f = ocsfFinding(i, {
    ...(over.account === undefined ? {} : { account: over.account }),
    ...(over.status_code === undefined ? {} : { status_code: over.status_code }),
  });
  const info = f.finding_info as Record<string, unknown>;
  const resources = f.resources as Record<string, unknown>[];
  return {
    ...f,
    ...(over.severity_id === undefined ? {} : { severity_id: over.severity_id }),
    ...(over.region === undefined
      ? {}
      : { resources: resources.map((r) => ({ ...r, region: over.region })) }),
    finding_info: { ...info, created_time: over.created_time ?? info.created_time },
    unmapped: {
      compliance: {
        'CIS-3.0': [`${1 + (i % 4)}.1`, `${1 + (i % 4)}.2`],
        ...(i % 3 === 0 ? { 'PCI-4.0': i % 6 === 0 ? ['3.4', '1.1'] : ['3.4'] } : {}),
      },
    },
  };
}

async function importAll(store: Store, findings: unknown[]): Promise<void> {
  await importFindings(store, Readable.from([JSON.stringify(findings)]), {
    tenant: 'a',
    format: 'ocsf',
    sourceName: 'test',
  });
}

/**
 * What would break the searches: a mapping out of its finding's order, or a copy of its finding's
 * column not the finding's, a finding and framework not marked exactly once, a mapping without its
 * finding.
 */
async function faults(store: Store) {
  const order = await store.query(
    `SELECT c.finding_id, c.control FROM posture_compliance c
       JOIN posture_findings f ON f.tenant = c.tenant AND f.id = c.finding_id
      WHERE c.severity_rank IS DISTINCT FROM f.severity_rank OR c.first_seen IS DISTINCT FROM f.first_seen
         OR c.account IS DISTINCT FROM f.account OR c.status IS DISTINCT FROM f.status
         OR c.source IS DISTINCT FROM f.source OR c.region IS DISTINCT FROM f.region
         OR c.resource_type IS DISTINCT FROM f.resource_type OR c.rule IS DISTINCT FROM f.rule`,
  );
  const marks = await store.query(
    `SELECT finding_id, framework FROM posture_compliance GROUP BY 1, 2
     HAVING count(*) FILTER (WHERE framework_first) <> 1`,
  );
  const orphans = await store.query(
    `SELECT finding_id FROM posture_compliance c
      WHERE NOT EXISTS (SELECT 1 FROM posture_findings f WHERE f.tenant = c.tenant AND f.id = c.finding_id)`,
  );
  return { order: order.rows, marks: marks.rows, orphans: orphans.rows };
}

const NONE = { order: [], marks: [], orphans: [] };

/** A page read through the mappings (mappedPage): their walk, then each finding by key. */
const MAPPED_PAGE =
  /\(SELECT c\.severity_rank, c\.first_seen, c\.finding_id FROM posture_compliance c\s.*\bLEFT JOIN LATERAL \(SELECT \* FROM posture_findings f WHERE /s;

async function embedded(list = migrations): Promise<Store> {
  const store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'posture-read', list);
  return store;
}

/** The search's first page (7 a page). */
function firstPage(backend: EmbeddedBackend, query: FindingQuery, scope: string[] | null = null) {
  return backend.searchFindings('a', scope, query, { limit: 7, cursor: null, principal: 'p' });
}

/** Every page of the search (7 a page), as finding ids. */
async function allPages(
  backend: EmbeddedBackend,
  query: FindingQuery,
  scope: string[] | null = null,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const page = await backend.searchFindings('a', scope, query, { limit: 7, cursor, principal: 'p' });
    ids.push(...page.items.map((f) => f.id));
    cursor = page.next_cursor;
    if (cursor === null) return ids;
  }
  throw new Error('more than 100 pages');
}

/**
 * The same search through the findings' own order, testing each one's mappings; `columns`: more
 * of the finding's columns and the value each must hold.
 */
async function reference(
  store: Store,
  framework: string | undefined,
  control?: string,
  account?: string,
  minRank?: number,
  columns: Record<string, string> = {},
): Promise<string[]> {
  const more = Object.keys(columns).map((c, k) => ` AND f.${c} = $${5 + k}`);
  const res = await store.query<{ id: string }>(
    `SELECT f.id FROM posture_findings f
      WHERE f.tenant = 'a' AND EXISTS (SELECT 1 FROM posture_compliance c WHERE c.tenant = f.tenant
        AND c.finding_id = f.id AND ($1::text IS NULL OR c.framework = $1)
        AND ($2::text IS NULL OR c.control = $2))
        AND ($3::text IS NULL OR f.account = $3) AND ($4::int IS NULL OR f.severity_rank >= $4)${more.join('')}
      ORDER BY f.severity_rank DESC, f.first_seen DESC, f.id COLLATE "C"`,
    [framework ?? null, control ?? null, account ?? null, minRank ?? null, ...Object.values(columns)],
  );
  return res.rows.map((r) => r.id);
}

async function searches(store: Store): Promise<void> {
  const backend = await backendOf(store);
  const controls = await store.query<{ framework: string; control: string }>(
    'SELECT DISTINCT framework, control FROM posture_compliance ORDER BY 1, 2',
  );
  expect(controls.rows.length).toBeGreaterThan(2);
  for (const { framework, control } of controls.rows) {
    expect(await allPages(backend, { framework, control })).toEqual(
      await reference(store, framework, control),
    );
    const whole = await allPages(backend, { framework });
    expect(whole).toEqual(await reference(store, framework));
    // Once each, however many of the framework's controls it maps to.
    expect(new Set(whole).size).toBe(whole.length);
  }
  // A control without its framework: its findings in any framework, each once, counted once.
  const ids = [...new Set(controls.rows.map((r) => r.control))];
  for (const control of ids) {
    const expected = await reference(store, undefined, control);
    expect(await allPages(backend, { control })).toEqual(expected);
    const first = await firstPage(backend, { control });
    expect(first.total).toBe(expected.length);
    const scopedControl = await allPages(backend, { control }, ['111111111111']);
    expect(scopedControl).toEqual(await reference(store, undefined, control, '111111111111'));
  }
  expect(await allPages(backend, { control: '1.1', status: ['suppressed'] })).toEqual([]);
  const none = await firstPage(backend, { control: '9.9' });
  expect([none.items, none.total, none.next_cursor]).toEqual([[], 0, null]);
  // With another filter, and with one no finding passes.
  const some = await allPages(backend, { framework: CIS, severity_at_least: 'high' });
  expect(some.length).toBeGreaterThan(0);
  expect(await allPages(backend, { framework: CIS, status: ['suppressed'] })).toEqual([]);
  // A principal limited to some accounts (ABAC) sees only their findings, in the same order.
  const scoped = await allPages(backend, { framework: CIS }, ['222222222222']);
  expect(scoped).toEqual(await reference(store, CIS, undefined, '222222222222'));
  // An account asked for, alone and with a scope holding it: the same findings, counted exactly.
  for (const [query, framework, control] of [
    [{ framework: CIS, account: '222222222222' }, CIS, undefined],
    [{ control: '1.1', account: '111111111111' }, undefined, '1.1'],
  ] as const) {
    const want = await reference(store, framework, control, query.account);
    expect(want.length).toBeGreaterThan(0);
    expect(await allPages(backend, query)).toEqual(want);
    expect(await allPages(backend, query, [query.account, '333333333333'])).toEqual(want);
    const first = await firstPage(backend, query);
    expect(first.total).toBe(want.length);
  }
  expect(await allPages(backend, { framework: CIS }, [])).toEqual([]);
  // Each value of each column the mappings carry a copy of (0011), with a framework, a control,
  // and a control alone: the same findings, counted exactly.
  for (const column of ['status', 'source', 'region', 'resource_type', 'rule'] as const) {
    const values = await store.query<{ v: string }>(
      `SELECT DISTINCT ${column} AS v FROM posture_findings WHERE tenant = 'a' ORDER BY 1 LIMIT 3`,
    );
    for (const { v } of values.rows)
      for (const [framework, control] of [
        [CIS, undefined],
        [CIS, '2.1'],
        [undefined, '1.1'],
      ] as const) {
        const query: FindingQuery = {
          ...(framework === undefined ? {} : { framework }),
          ...(control === undefined ? {} : { control }),
          ...(column === 'status' ? { status: [v as Status] } : { [column]: v }),
        };
        const want = await reference(store, framework, control, undefined, undefined, { [column]: v });
        expect(await allPages(backend, query)).toEqual(want);
        const first = await firstPage(backend, query);
        expect(first.total).toBe(want.length);
      }
  }
  // Two statuses, two copies together, with a scope, with a control two frameworks hold.
  const { region, rule } = (
    await store.query<{ region: string; rule: string }>(
      `SELECT min(region) AS region, min(rule) AS rule FROM posture_findings WHERE tenant = 'a'`,
    )
  ).rows[0]!;
  const A = '111111111111';
  for (const [query, scope, want] of [
    [{ control: '1.1', status: ['open', 'resolved'] }, null, reference(store, undefined, '1.1')],
    [
      { framework: CIS, status: ['resolved'], region },
      [A],
      reference(store, CIS, undefined, A, undefined, { status: 'resolved', region }),
    ],
    [
      { control: '1.1', region, rule },
      [A, '333333333333'],
      reference(store, undefined, '1.1', A, undefined, { region, rule }),
    ],
  ] as [FindingQuery, string[] | null, Promise<string[]>][]) {
    const expected = await want;
    expect(await allPages(backend, query, scope)).toEqual(expected);
    const first = await firstPage(backend, query, scope);
    expect(first.total).toBe(expected.length);
  }
  // A resource, which the mappings do not carry: its findings are walked.
  const resource = (await store.query<{ r: string }>(`SELECT min(resource_id) AS r FROM posture_findings`))
    .rows[0]!.r;
  const held = await reference(store, undefined, '1.1', undefined, undefined, { resource_id: resource });
  expect(await allPages(backend, { control: '1.1', resource_id: resource })).toEqual(held);
}

/** Runs `fn` on a new embedded store, migrated by `list`, and closes it. */
async function withStore(fn: (store: Store) => Promise<void>, list = migrations): Promise<void> {
  const store = await embedded(list);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** Runs `fn` on an embedded store into which 60 mapped findings were imported. */
async function withMapped(fn: (store: Store) => Promise<void>): Promise<void> {
  await withStore(async (store) => {
    await importAll(
      store,
      Array.from({ length: 60 }, (_, i) => mapped(i)),
    );
    await fn(store);
  });
}

/** The backend on `store` (no demo seed); with `seen`, every read it runs is recorded there. */
function backendOf(store: Store, seen?: Recorded[]): Promise<EmbeddedBackend> {
  return EmbeddedBackend.open(store, {
    seed: false,
    cursors: new CursorCodec(randomBytes(32)),
    ...(seen === undefined ? {} : { reads: recordingReads(store, seen) }),
  });
}

/**
 * 40 findings (f1 to f40) written as a store before 0009, 0010 or 0011 holds them, in three
 * accounts, two regions, two statuses, two sources, two resource types and four rules.
 */
const FORTY_FINDINGS = `
INSERT INTO posture_findings (tenant, id, asset_id, account, region, resource_type, resource_id, rule, title,
  description, severity, severity_rank, status, source, source_id, import_batch, first_seen, last_seen,
  updated_at, record_hash)
SELECT 'a', 'f' || i, 'asset', (ARRAY['111111111111', '222222222222', '333333333333'])[i % 3 + 1],
       (ARRAY['us-east-1', 'eu-west-1'])[i % 2 + 1], (ARRAY['AwsS3Bucket', 'AwsEc2Instance'])[i / 7 % 2 + 1],
       'r' || i, 'rule' || i % 4, 't', 'd', 'low', i % 5, (ARRAY['open', 'resolved'])[i / 3 % 2 + 1],
       (ARRAY['prowler', 'securityhub'])[i / 11 % 2 + 1], 's' || i, 'b',
       timestamptz '2025-01-01' + i * interval '1 minute', now(), now(), 'h'
  FROM generate_series(1, 40) i;`;

/**
 * A store migrated up to migration `id` (not with it) holding FORTY_FINDINGS and the mappings `sql`
 * writes as that store would have; then every migration: the mappings must be as an import writes
 * them (faults), `check` holds, and the searches answer as the findings say.
 */
async function migratedFrom(id: string, sql: string, check?: (store: Store) => Promise<void>): Promise<void> {
  const upTo = migrations.findIndex((m) => m.id === id);
  expect(upTo).toBeGreaterThan(0);
  await withStore(
    async (store) => {
      await store.exec(`${FORTY_FINDINGS}\n${sql}`);
      await migrate(store, 'posture-read', migrations);
      expect(await faults(store)).toEqual(NONE);
      await check?.(store);
      await searches(store);
    },
    migrations.slice(0, upTo),
  );
}

describe('compliance mappings in page order', () => {
  it("an import writes each mapping with its finding's order and marks one per framework", async () => {
    await withMapped(async (store) => {
      expect(await faults(store)).toEqual(NONE);
      const marked = await store.query<{ n: string }>(
        'SELECT count(*) AS n FROM posture_compliance WHERE framework_first',
      );
      expect(Number(marked.rows[0]!.n)).toBe(60 + 20); // CIS for each, PCI DSS for every third
      await searches(store);
    });
  }, 60_000);

  it("the accounts tested on the mappings' side: pages and totals as the findings say", async () => {
    // 60 findings in one account (more than any control's mappings, so the mappings are walked)
    // and 10 in another.
    await withStore(async (store) => {
      await importAll(store, [
        ...Array.from({ length: 60 }, (_, i) => mapped(i, { account: '111111111111' })),
        ...Array.from({ length: 10 }, (_, i) => mapped(60 + i, { account: '222222222222' })),
      ]);
      expect(await faults(store)).toEqual(NONE);
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      const A = '111111111111';
      const cases: [FindingQuery, string[] | null, Promise<string[]>][] = [
        // Two frameworks hold 1.1: the merged walks, the account tested on each mapping.
        [{ control: '1.1', account: A }, null, reference(store, undefined, '1.1', A)],
        [{ control: '1.1' }, [A], reference(store, undefined, '1.1', A)],
        // One control, one framework, a scope: the count from the mappings alone.
        [{ framework: CIS, control: '2.1' }, [A, '333333333333'], reference(store, CIS, '2.1', A)],
        [
          { framework: CIS, control: '2.1', severity_at_least: 'high' },
          [A],
          reference(store, CIS, '2.1', A, 3),
        ],
        // A whole framework (PCI DSS: every third finding).
        [{ framework: PCI, account: A }, null, reference(store, PCI, undefined, A)],
        // A region (every finding is in us-east-1), on the mapping's copy too (0011).
        [{ framework: CIS, control: '2.1', region: 'us-east-1' }, [A], reference(store, CIS, '2.1', A)],
      ];
      for (const [query, scope, want] of cases) {
        const expected = await want;
        expect(expected.length).toBeGreaterThan(0);
        seen.length = 0;
        const first = await firstPage(backend, query, scope);
        expect(first.total).toBe(expected.length);
        // The page read through the mappings.
        expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
        expect(await allPages(backend, query, scope)).toEqual(expected);
      }
    });
  }, 60_000);

  it("a mapping's copy that is not its finding's never shows the finding: each row is tested again", async () => {
    await withMapped(async (store) => {
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      // #24: account 111111111111, critical (first in page order), rule generated_check_24, mapped
      // to CIS 1.1 and PCI DSS 1.1; its mappings say account 222222222222 and rule
      // generated_check_4 (#4 and #54 hold it), as no import writes them.
      const B = '222222222222';
      const found = await store.query<{ id: string; account: string }>(
        `SELECT id, account FROM posture_findings WHERE tenant = 'a' AND source_id = 'gen-24'`,
      );
      const { id, account } = found.rows[0]!;
      expect(account).toBe('111111111111');
      await store.query(
        `UPDATE posture_compliance SET account = $2, rule = 'generated_check_4' WHERE tenant = 'a' AND finding_id = $1`,
        [id, B],
      );
      const rule = { rule: 'generated_check_4' };
      // A control two frameworks hold, in two accounts (neither #24's).
      const two = [B, '333333333333'];
      const accounts = await store.query<{ id: string; account: string }>(
        `SELECT id, account FROM posture_findings WHERE tenant = 'a'`,
      );
      const accountOf = new Map(accounts.rows.map((r) => [r.id, r.account]));
      const inTwo = (await reference(store, undefined, '1.1')).filter((f) => two.includes(accountOf.get(f)!));
      for (const [query, scope, want] of [
        [{ framework: CIS, control: '1.1' }, [B], await reference(store, CIS, '1.1', B)],
        [{ framework: PCI, control: '1.1' }, [B], await reference(store, PCI, '1.1', B)],
        [{ framework: PCI }, [B], await reference(store, PCI, undefined, B)],
        [{ control: '1.1' }, two, inTwo],
        [
          { framework: CIS, control: '1.1', ...rule },
          null,
          await reference(store, CIS, '1.1', undefined, undefined, rule),
        ],
      ] as [FindingQuery, string[] | null, string[]][]) {
        // Two a page: a page whose walk reads #24 holds the others it read, and the next page goes
        // on after the last of them (the PCI cases hold none but #24's mappings in account B).
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          seen.length = 0;
          const page = await backend.searchFindings('a', scope, query, { limit: 2, cursor, principal: 'p' });
          expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
          expect(page.scan_incomplete).toBeUndefined(); // no text: nothing left untested
          ids.push(...page.items.map((f) => f.id));
          cursor = page.next_cursor;
        } while (cursor !== null && ids.length <= want.length);
        expect(cursor).toBeNull();
        expect(ids).not.toContain(id);
        expect(ids).toEqual(want);
      }
      // #4 (critical, account B) with mappings that say it is low (with #16; #40 is below both):
      // the pages follow the walk's order, one a page, and list each finding once (a cursor made
      // at #4's own rank went back to the top).
      const four = await store.query<{ id: string }>(
        `SELECT id FROM posture_findings WHERE tenant = 'a' AND source_id = 'gen-4'`,
      );
      await store.query(
        `UPDATE posture_compliance SET severity_rank = 1 WHERE tenant = 'a' AND finding_id = $1`,
        [four.rows[0]!.id],
      );
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 20; n++) {
        const page = await backend.searchFindings(
          'a',
          [B],
          { framework: CIS, control: '1.1' },
          {
            limit: 1,
            cursor,
            principal: 'p',
          },
        );
        ids.push(...page.items.map((f) => f.id));
        cursor = page.next_cursor;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect([...ids].sort()).toEqual([...(await reference(store, CIS, '1.1', B))].sort());
      expect(ids.indexOf(four.rows[0]!.id)).toBeGreaterThan(1); // after #28 and #52
    });
  }, 60_000);

  it('a filter past 2,000 findings, a framework with more: counted again to tell, the findings walked', async () => {
    // 4,600 findings, all mapped to CIS; every other one in account BULK and of rule bulk_rule
    // (2,300: past WALK_PROBE), informational, so ranked below every other (critical) one: none in
    // the first mappings.
    // And 10 more of rule bulk_rule, informational, in account FEW.
    const BULK = '999999999999';
    const FEW = '444444444444';
    await withStore(async (store) => {
      await importAll(
        store,
        Array.from({ length: 4_610 }, (_, i) => {
          const ruled = i % 2 === 0 || i >= 4_600;
          const account = i >= 4_600 ? FEW : i % 2 === 0 ? BULK : '111111111111';
          const f = mapped(i, { severity_id: ruled ? 1 : 5, account });
          const meta = (f as Record<string, unknown>).metadata as Record<string, unknown>;
          return ruled ? { ...f, metadata: { ...meta, event_code: 'bulk_rule' } } : f;
        }),
      );
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      const res = await firstPage(backend, { framework: CIS, account: BULK });
      expect(res.items.length).toBe(7);
      // Both counted to 2,000; no page among the first mappings; then the findings to 16,000
      // (2,300) and the mappings to one more.
      const limits = seen
        .map((q) =>
          /^SELECT count\(\*\) AS n FROM \(SELECT 1 FROM posture_\w+ [cf] WHERE [^()]*(?:\([^()]*\)[^()]*)* LIMIT (\d+)\) m$/.exec(
            q.sql,
          ),
        )
        .filter((m) => m !== null)
        .map((m) => Number(m[1]));
      expect(limits.slice(0, 4)).toEqual([2_000, 2_000, 16_000, 2_301]);
      expect(seen.filter((q) => /LIMIT 64\) c\s+WHERE/.test(q.sql)).length).toBe(1);
      expect(seen.at(-1)!.sql).toMatch(
        /^SELECT .* FROM posture_findings f WHERE .*EXISTS \(SELECT 1 FROM posture_compliance c/,
      );
      // The other 2,300 (critical, ranked first) fill the framework's first mappings: the first
      // test settles it, no second count, and the mappings are walked.
      seen.length = 0;
      const top = await firstPage(backend, { framework: CIS, severity_at_least: 'critical' });
      expect(top.items.length).toBe(7);
      const peeks = seen.filter((q) => /LIMIT 64\) c\s+WHERE/.test(q.sql));
      expect(peeks.length).toBe(1);
      // The first mappings in the index's order, no sort of the framework's.
      const peekPlan = await planAtScale(store, peeks[0]!);
      expect(peekPlan).toMatch(/Index (Only )?Scan using posture_compliance_framework_page/);
      expect(peekPlan).not.toMatch(/\bSort\b/);
      expect(seen.filter((q) => /LIMIT (16000|2301)\) m$/.test(q.sql))).toEqual([]);
      expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
      // A control of CIS with fewer than 2,000 mappings (1.1: 1,153, 1,150 in account BULK): they
      // are walked, without the first test, and counted from the mappings alone (each carries its
      // finding's account: 0010).
      seen.length = 0;
      const few = await firstPage(backend, { framework: CIS, control: '1.1', account: BULK });
      expect([few.items.length, few.total, few.total_is_lower_bound]).toEqual([7, 1_000, true]);
      expect(seen.filter((q) => /LIMIT 64\) c\s+WHERE/.test(q.sql))).toEqual([]);
      expect(
        seen.filter((q) =>
          /^SELECT count\(\*\) AS n FROM \(SELECT 1 FROM posture_compliance c WHERE .* LIMIT 1001\) m$/.test(
            q.sql,
          ),
        ),
      ).toHaveLength(1);
      expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
      // A rule with another filter (a status every finding holds): its mappings are counted as the
      // rule's (through their own index, 0013), and as many as its findings or fewer, they are
      // walked, with the same pages and totals. The whole framework's (2,310, as many as the
      // findings): both counted to 2,000, the first mappings hold a page. 1.1's (1,153): fewer than
      // 2,000, walked at once. A rule alone: walked without counting.
      const open = { status: ['open' as const] };
      for (const [query, control, peeks, choices] of [
        [{ framework: CIS, rule: 'bulk_rule', ...open }, undefined, 1, 1],
        [{ framework: CIS, control: '1.1', rule: 'bulk_rule', ...open }, '1.1', 0, 1],
        [{ framework: CIS, rule: 'bulk_rule' }, undefined, 0, 0],
        [{ framework: CIS, control: '1.1', rule: 'bulk_rule' }, '1.1', 0, 0],
      ] as const) {
        seen.length = 0;
        const page = await firstPage(backend, query);
        const want = await reference(store, CIS, control, undefined, undefined, { rule: 'bulk_rule' });
        expect(page.items.map((f) => f.id)).toEqual(want.slice(0, 7));
        expect([page.total, page.total_is_lower_bound]).toEqual([1_000, true]);
        const choice = seen.filter((q) =>
          /^SELECT count\(\*\) AS n FROM \(SELECT 1 FROM posture_compliance c WHERE .* LIMIT 2000\) m$/.test(
            q.sql,
          ),
        );
        expect(choice).toHaveLength(choices);
        for (const q of choice) expect(q.sql).toMatch(/ AND c\.rule = \$\d+/);
        if (choices === 0) expect(seen.filter((q) => /^SELECT count/.test(q.sql))).toHaveLength(1);
        expect(seen.filter((q) => /LIMIT 64\) c\s+WHERE/.test(q.sql))).toHaveLength(peeks);
        expect(seen.filter((q) => /LIMIT (16000|2301)\) m$/.test(q.sql))).toEqual([]);
        expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
        const next = await backend.searchFindings('a', null, query, {
          limit: 7,
          cursor: page.next_cursor,
          principal: 'p',
        });
        expect(next.items.map((f) => f.id)).toEqual(want.slice(7, 14));
      }
      // A rule and an account few of its findings are in: those 10 are walked, each one's mappings
      // tested, not the rule's 2,310 mappings.
      seen.length = 0;
      const inFew = await firstPage(backend, { framework: CIS, rule: 'bulk_rule', account: FEW });
      const fewWant = await reference(store, CIS, undefined, FEW, undefined, { rule: 'bulk_rule' });
      expect(fewWant).toHaveLength(10);
      expect([inFew.items.map((f) => f.id), inFew.total]).toEqual([fewWant.slice(0, 7), 10]);
      expect(seen.at(-1)!.sql).toMatch(
        /^SELECT .* FROM posture_findings f WHERE .*EXISTS \(SELECT 1 FROM posture_compliance c/,
      );
    });
  }, 120_000);

  it('refuses a bad cursor before any statement, on every way a framework or control is read', async () => {
    await withMapped(async (store) => {
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      for (const query of [
        { control: '1.1' },
        { framework: CIS, region: 'us-east-1' },
        { control: '1.1', resource_id: 'r' },
        { control: '9.9' },
      ]) {
        seen.length = 0;
        await expect(
          backend.searchFindings('a', null, query, { limit: 7, cursor: 'not-a-cursor', principal: 'p' }),
        ).rejects.toMatchObject({ code: 'invalid_cursor' });
        expect(seen.filter((q) => /^(SELECT|WITH)\b/.test(q.sql.trimStart()))).toEqual([]);
      }
    });
  }, 60_000);

  it('a control two frameworks hold, asked for alone: each framework walked in page order, merged', async () => {
    await withMapped(async (store) => {
      await store.exec('ANALYZE');
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      const both = await backend.searchFindings(
        'a',
        null,
        { control: '1.1' },
        { limit: 2, cursor: null, principal: 'p' },
      );
      expect(both.total).toBe((await reference(store, undefined, '1.1')).length);
      for (const cursor of [null, both.next_cursor]) {
        seen.length = 0;
        await backend.searchFindings('a', null, { control: '1.1' }, { limit: 2, cursor, principal: 'p' });
        const plans: string[] = [];
        for (const q of seen.filter((r) => /^(SELECT|WITH)\b/.test(r.sql.trimStart())))
          plans.push(await planAtScale(store, q));
        // The frameworks holding the control, the count, the page.
        expect(plans.length).toBe(3);
        const [lookup, countPlan, pagePlan] = plans as [string, string, string];
        // A probe for the control in each framework, not a read of every mapping for it.
        expect(lookup).toMatch(
          /Index Cond: \(\(tenant = 'a'::text\) AND \(framework = fw\.framework\) AND \(control = '1\.1'::text\)\)/,
        );
        expect(lookup).not.toMatch(/Index Cond: \(\(tenant = 'a'::text\) AND \(control/);
        expect(countPlan).not.toMatch(/posture_findings/);
        // Two walks of the control's mappings in page order (one per framework), each to a page.
        expect(
          pagePlan.match(/Index (Only )?Scan using posture_compliance_page on posture_compliance c(_\d+)? /g)
            ?.length,
        ).toBe(2);
        expect(pagePlan.match(/Limit/g)?.length).toBeGreaterThanOrEqual(3);
        // Each finding of the page read by its key (the walks read the mappings alone).
        const reads = pagePlan.split('\n').filter((l) => / on posture_findings /.test(l));
        expect(reads.length).toBeGreaterThan(0);
        for (const line of reads) expect(line).toMatch(/Index (Only )?Scan using posture_findings_pkey/);
        for (const plan of plans) expect(plan).not.toMatch(/Seq Scan/);
      }
      // With a rule one finding holds (#12, mapped to 1.1 in both): its two mappings, one in each
      // framework, are no more than its findings in each, and are walked.
      seen.length = 0;
      const rule = { rule: 'generated_check_12' };
      const one = await backend.searchFindings(
        'a',
        null,
        { control: '1.1', ...rule },
        {
          limit: 2,
          cursor: null,
          principal: 'p',
        },
      );
      expect(one.items.map((f) => f.id)).toEqual(
        await reference(store, undefined, '1.1', undefined, undefined, rule),
      );
      expect(one.items).toHaveLength(1);
      expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
      // Each framework's walk to a page, without the count's test of the earlier frameworks (a
      // probe per mapping walked): the UNION lists a finding once.
      expect(seen.at(-1)!.sql).not.toMatch(/NOT EXISTS/);
    });
  }, 60_000);

  it('a rule past 2,000 findings, each mapped to a control in two frameworks: its mappings walked', async () => {
    await withStore(async (store) => {
      await importAll(
        store,
        Array.from({ length: 2_100 }, (_, i) => {
          const f = mapped(i);
          const meta = (f as Record<string, unknown>).metadata as Record<string, unknown>;
          const compliance = { 'CIS-3.0': ['1.1'], 'PCI-4.0': ['1.1'] };
          return { ...f, metadata: { ...meta, event_code: 'both_rule' }, unmapped: { compliance } };
        }),
      );
      const seen: Recorded[] = [];
      const backend = await backendOf(store, seen);
      const want = await reference(store, undefined, '1.1', undefined, undefined, { rule: 'both_rule' });
      expect(want).toHaveLength(2_100);
      // The rule alone: walked without counting. With a status too (every finding is open): both
      // past 2,000, counted again, the rule's 4,200 mappings against twice its 2,100 findings.
      for (const [query, counts] of [
        [{ control: '1.1', rule: 'both_rule' }, 0],
        [{ control: '1.1', rule: 'both_rule', status: ['open'] }, 1],
      ] as [FindingQuery, number][]) {
        seen.length = 0;
        const page = await firstPage(backend, query);
        expect([page.items.map((f) => f.id), page.total]).toEqual([want.slice(0, 7), 1_000]);
        expect(seen.filter((q) => /LIMIT 2000\) m$/.test(q.sql))).toHaveLength(2 * counts);
        expect(seen.filter((q) => /LIMIT 4202\) m$/.test(q.sql))).toHaveLength(counts);
        expect(seen.at(-1)!.sql).toMatch(MAPPED_PAGE);
      }
    });
  }, 120_000);

  it('follows its finding through re-imports: a new severity, an earlier first sighting, a later one', async () => {
    await withMapped(async (store) => {
      const base = 1764460800;
      // Every finding changes severity; the even ones say they were first seen a day earlier (the
      // finding keeps the earlier time), the odd ones a day later (it keeps the one it had); every
      // fifth one moves to another account, every fourth is resolved, every seventh is in another
      // region.
      await importAll(
        store,
        Array.from({ length: 60 }, (_, i) =>
          mapped(i, {
            severity_id: 1 + ((i + 1) % 5),
            created_time: base + (i % 2 === 0 ? -86_400 : 86_400),
            ...(i % 5 === 0 ? { account: '444444444444' } : {}),
            ...(i % 4 === 0 ? { status_code: 'PASS' } : {}),
            ...(i % 7 === 0 ? { region: 'eu-west-1' } : {}),
          }),
        ),
      );
      expect(await faults(store)).toEqual(NONE);
      const moved = await store.query<{ account: number; status: number; region: number }>(
        `SELECT count(DISTINCT finding_id) FILTER (WHERE account = '444444444444')::int AS account,
                count(DISTINCT finding_id) FILTER (WHERE status = 'resolved')::int AS status,
                count(DISTINCT finding_id) FILTER (WHERE region = 'eu-west-1')::int AS region
           FROM posture_compliance`,
      );
      expect(moved.rows[0]).toEqual({ account: 12, status: 15, region: 9 });
      const firsts = await store.query<{ source_id: string; first: string }>(
        `SELECT source_id, min(c.first_seen)::text AS first FROM posture_findings f
           JOIN posture_compliance c ON c.tenant = f.tenant AND c.finding_id = f.id
          WHERE source_id IN ('gen-0', 'gen-1') GROUP BY 1 ORDER BY 1`,
      );
      expect(firsts.rows.map((r) => new Date(r.first).getTime() / 1000)).toEqual([base - 86_400, base]);
      await searches(store);
    });
  }, 60_000);

  it('migration 0009 gives mappings written before it their order and marks, and drops those without a finding', async () => {
    await migratedFrom(
      '0009_posture_compliance_page_order',
      `
INSERT INTO posture_compliance (tenant, finding_id, framework, control)
SELECT 'a', 'f' || i, '${CIS}', c FROM generate_series(1, 40) i, unnest(ARRAY['1.2', '1.1']) c;
INSERT INTO posture_compliance (tenant, finding_id, framework, control)
SELECT 'a', 'f' || i, 'pci-dss-4.0', '3.4' FROM generate_series(1, 40, 4) i;
INSERT INTO posture_compliance (tenant, finding_id, framework, control) VALUES ('a', 'gone', '${CIS}', '1.1');
`,
      async (store) => {
        const marked = await store.query<{ framework: string; control: string; n: string }>(
          `SELECT framework, control, count(*) AS n FROM posture_compliance WHERE framework_first
          GROUP BY 1, 2 ORDER BY 1, 2`,
        );
        expect(marked.rows.map((r) => [r.framework, r.control, Number(r.n)])).toEqual([
          [CIS, '1.1', 40],
          ['pci-dss-4.0', '3.4', 10],
        ]);
      },
    );
  }, 60_000);

  it("migration 0010 gives mappings written before it their finding's account", async () => {
    await migratedFrom(
      '0010_posture_compliance_account',
      `
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first)
SELECT 'a', f.id, c.framework, c.control, f.severity_rank, f.first_seen, c.control = '1.1'
  FROM posture_findings f,
       (VALUES ('${CIS}', '1.1'), ('${CIS}', '1.2')) c(framework, control);
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first)
SELECT 'a', id, 'pci-dss-4.0', '1.1', severity_rank, first_seen, true FROM posture_findings WHERE id LIKE '%3';
`,
    );
  }, 60_000);

  it("migration 0011 gives mappings written before it their finding's status, source, region, type and rule", async () => {
    await migratedFrom(
      '0011_posture_compliance_filters',
      `
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account)
SELECT 'a', f.id, c.framework, c.control, f.severity_rank, f.first_seen, c.control = '1.1', f.account
  FROM posture_findings f,
       (VALUES ('${CIS}', '1.1'), ('${CIS}', '2.1')) c(framework, control);
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account)
SELECT 'a', id, 'pci-dss-4.0', '1.1', severity_rank, first_seen, true, account FROM posture_findings WHERE id LIKE '%3';
`,
      async (store) => {
        const copies = await store.query<{ n: number }>(
          `SELECT count(DISTINCT (status, source, region, resource_type, rule))::int AS n FROM posture_compliance`,
        );
        expect(copies.rows[0]!.n).toBeGreaterThan(8);
      },
    );
  }, 60_000);
});

withPostgres('PostgreSQL', (pg) => {
  it('answers every search through the mappings as the findings say, as the embedded store does', async () => {
    const store = await postureDatabase(pg().url, 'compliance_order_searches');
    try {
      await importAll(
        store,
        Array.from({ length: 60 }, (_, i) => mapped(i)),
      );
      expect(await faults(store)).toEqual(NONE);
      await searches(store);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('imports of one tenant take turns: the second waits for the first to commit', async () => {
    const store = await postureDatabase(pg().url, 'compliance_order_turns');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* held(): AsyncGenerator<string> {
      yield `[${JSON.stringify(mapped(0))}`;
      await gate; // the first import is inside its transaction, reading its file
      yield `,${JSON.stringify(mapped(1))}]`;
    }
    const first = importFindings(store, Readable.from(held()), {
      tenant: 'a',
      format: 'ocsf',
      sourceName: 'first',
    });
    let secondDone = false;
    const second = importAll(store, [mapped(0, { severity_id: 5 }), mapped(2)]).then(() => {
      secondDone = true;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(secondDone).toBe(false);
      release();
      await first;
      await second;
      expect(secondDone).toBe(true);
      expect(await faults(store)).toEqual(NONE);
      const n = await store.query<{ n: string }>('SELECT count(*) AS n FROM posture_findings');
      expect(Number(n.rows[0]!.n)).toBe(3);
    } finally {
      release();
      await Promise.allSettled([first, second]);
      await store.close();
    }
  }, 60_000);

  it('migration 0011 waits for an import that has written findings, and does not deadlock with it', async () => {
    const upTo = migrations.findIndex((m) => m.id === '0011_posture_compliance_filters');
    expect(upTo).toBeGreaterThan(0);
    const db = 'compliance_order_0011_locks';
    const store = await postureDatabase(pg().url, db, migrations.slice(0, upTo));
    const importer = await openStore({ databaseUrl: postureDatabaseUrl(pg().url, db) });
    try {
      await store.exec(`${FORTY_FINDINGS}
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account)
SELECT 'a', id, '${CIS}', '1.1', severity_rank, first_seen, true, account FROM posture_findings;`);
      let migrating: Promise<void> | undefined;
      try {
        // An import as an earlier version writes it: a finding, then (the migration started
        // meanwhile and waiting on a lock of the findings, whichever order it takes them in) that
        // finding's mappings.
        await importer.transaction(async (tx) => {
          await tx.query(
            `UPDATE posture_findings SET status = 'resolved', severity_rank = 4 WHERE id = 'f1'`,
          );
          migrating = migrate(store, 'posture-read', migrations);
          const deadline = Date.now() + 20_000;
          for (;;) {
            const waiting = await tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = 'posture_findings' AND NOT l.granted`,
            );
            if (waiting.rows[0]!.n > 0) break;
            if (Date.now() > deadline) throw new Error('the migration never waited on the findings');
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await tx.query(`DELETE FROM posture_compliance WHERE finding_id = 'f1'`);
          await tx.query(
            `INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account)
             SELECT tenant, id, '${CIS}', '1.1', severity_rank, first_seen, true, account FROM posture_findings WHERE id = 'f1'`,
          );
        });
        await migrating;
      } finally {
        await Promise.allSettled([migrating]);
      }
      expect(await faults(store)).toEqual(NONE);
      const f1 = await store.query<{ status: string }>(
        `SELECT status FROM posture_compliance WHERE finding_id = 'f1'`,
      );
      expect(f1.rows).toEqual([{ status: 'resolved' }]);
    } finally {
      await importer.close();
      await store.close();
    }
  }, 60_000);
});

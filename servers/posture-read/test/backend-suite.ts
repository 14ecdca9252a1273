/**
 * The one posture backend contract suite: the findings store and the live Security Hub backend
 * (against the local Security Hub fake) both run it over the same ASFF data set, so the tools can
 * rely on the same answers from either. Both give a finding its history (the store from its
 * imports, live mode from GetFindingHistory); a fixture may say it has none (`history`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisError } from '@portcullis/core';
import type { PostureBackend, Page } from '../src/backend.js';
import { SEVERITIES, severityRank, type FindingRecord } from '../src/domain.js';
import {
  ACME_ACCOUNTS,
  CIS,
  DEV,
  GLOBEX,
  PCI,
  PROD,
  QUERIES,
  STAGING,
  countBy,
  dataset,
  expected,
  oracle,
  type Expected,
} from './backend-fixture.js';

export interface PostureFixture {
  backend: PostureBackend;
  /** Whether getFinding returns the finding's state history (the store and live mode both do). */
  history: boolean;
  close(): Promise<void>;
}

async function failure(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  }
  throw new Error('expected the call to fail');
}

/** Every page of a search, bounded so a paging bug cannot loop forever. */
async function allPages<T>(
  fetch: (cursor: string | null) => Promise<Page<T>>,
  maxPages = 100,
): Promise<{ items: T[]; pages: Page<T>[] }> {
  const pages: Page<T>[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(cursor);
    pages.push(page);
    if (page.next_cursor === null) return { items: pages.flatMap((p) => p.items), pages };
    cursor = page.next_cursor;
  }
  throw new Error(`more than ${maxPages} pages`);
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

export function postureBackendSuite(name: string, setup: () => Promise<PostureFixture>): void {
  describe(`posture backend contract: ${name}`, () => {
    let f: PostureFixture;
    let b: PostureBackend;
    const data = dataset();
    const acme = expected('acme', data.acme);
    const globex = expected('globex', data.globex);

    beforeAll(async () => {
      f = await setup();
      b = f.backend;
    });

    afterAll(async () => {
      await f?.close();
    });

    const search = (scope: readonly string[] | null, q: object, limit = 37, tenant = 'acme') =>
      allPages((cursor) => b.searchFindings(tenant, scope, q, { cursor, limit, principal: 'sam' }));

    it('pages through every finding of the tenant once, most severe and then newest first', async () => {
      const { items, pages } = await search(null, {});
      expect(pages.length).toBeGreaterThan(3);
      expect(items).toHaveLength(acme.length);
      expect(new Set(items.map((i) => i.id)).size).toBe(acme.length);
      expect(sorted(items.map((i) => i.id))).toEqual(sorted(acme.map((e) => e.id)));
      for (const p of pages) expect(p.total).toBe(acme.length);
      for (let i = 1; i < items.length; i++) {
        const [x, y] = [items[i - 1]!, items[i]!];
        const d = severityRank(x.severity) - severityRank(y.severity);
        expect(d).toBeGreaterThanOrEqual(0);
        if (d === 0) expect(x.first_seen >= y.first_seen).toBe(true);
      }
    });

    it.each(QUERIES)('filters like the store: %s', async (_name, q) => {
      const want = oracle(acme, null, q);
      const { items, pages } = await search(null, q, 25);
      expect(sorted(items.map((i) => i.id))).toEqual(sorted(want.map((e) => e.id)));
      expect(pages[0]!.total).toBe(want.length);
    });

    it('maps a finding as the store keeps it', async () => {
      const e = acme.find((x) => x.inc.status === 'open' && x.inc.severity === 'critical')!;
      const { items } = await search(null, { resource_id: e.inc.asset.resource_id }, 100);
      const got = items.find((i) => i.id === e.id)!;
      expect(got).toMatchObject({
        id: e.id,
        asset_id: e.asset_id,
        account: e.inc.asset.account,
        region: e.inc.asset.region,
        resource_type: e.inc.asset.type,
        resource_id: e.inc.asset.resource_id,
        rule: e.inc.rule,
        title: e.inc.title,
        severity: e.inc.severity,
        status: e.inc.status,
        source: 'securityhub',
        source_id: e.inc.source_id,
        first_seen: e.first_seen,
        remediation_text: e.inc.remediation_text,
        remediation_url: e.inc.remediation_url,
      } satisfies Partial<FindingRecord>);
    });

    it('applies the account scope (ABAC) in searches, counts and records alike', async () => {
      const dev = await search([DEV], {});
      expect(sorted(dev.items.map((i) => i.id))).toEqual(sorted(oracle(acme, [DEV], {}).map((e) => e.id)));
      expect(dev.items.every((i) => i.account === DEV)).toBe(true);
      // An account outside the scope, asked for by name: nothing.
      const asked = await b.searchFindings('acme', [DEV], { account: PROD }, { cursor: null, limit: 10 });
      expect(asked).toMatchObject({ items: [], total: 0, next_cursor: null });
      const none = await b.searchFindings('acme', [], {}, { cursor: null, limit: 10 });
      expect(none).toMatchObject({ items: [], total: 0 });
      const prodFinding = acme.find((e) => e.inc.asset.account === PROD)!;
      expect(await b.getFinding('acme', [DEV], prodFinding.id)).toBeNull();
      const summary = await b.summarizeFindings('acme', [DEV], {}, ['account']);
      expect(summary.groups).toEqual([{ keys: { account: DEV }, count: oracle(acme, [DEV], {}).length }]);
      const assets = await allPages((cursor) => b.searchAssets('acme', [DEV], {}, { cursor, limit: 50 }));
      expect(assets.items.every((a) => a.account === DEV)).toBe(true);
      expect(await b.getAsset('acme', [DEV], prodFinding.asset_id)).toBeNull();
    });

    it('keeps tenants apart', async () => {
      const g = await search(null, {}, 50, 'globex');
      expect(sorted(g.items.map((i) => i.id))).toEqual(sorted(globex.map((e) => e.id)));
      expect(g.items.every((i) => i.account === GLOBEX)).toBe(true);
      expect(await b.getFinding('globex', null, acme[0]!.id)).toBeNull();
      expect(await b.getFinding('acme', null, globex[0]!.id)).toBeNull();
      const nobody = await b.searchFindings('initech', null, {}, { cursor: null, limit: 10 });
      expect(nobody).toMatchObject({ items: [], total: 0 });
    });

    it('reads one finding with its asset, compliance mappings and history', async () => {
      const e = acme.find((x) => x.compliance.length === 2)!;
      const d = await b.getFinding('acme', null, e.id);
      expect(d).not.toBeNull();
      expect(d!.finding.id).toBe(e.id);
      expect(d!.finding.evidence).toMatchObject({ resource_details: null });
      expect(d!.asset?.id).toBe(e.asset_id);
      expect(d!.compliance).toEqual([...e.compliance].sort((x, y) => x.framework.localeCompare(y.framework)));
      if (f.history) expect(d!.history.length).toBeGreaterThan(0);
      else expect(d!.history).toEqual([]);
      expect(await b.getFinding('acme', null, 'fnd_000000000000000000000000')).toBeNull();
    });

    it('summarises by one or two fields, and by framework', async () => {
      const bySeverity = await b.summarizeFindings('acme', null, {}, ['severity']);
      expect(bySeverity.total).toBe(acme.length);
      const want = countBy(acme, (e) => e.inc.severity);
      expect(new Map(bySeverity.groups.map((g) => [g.keys.severity!, g.count]))).toEqual(want);
      expect(bySeverity.groups.map((g) => g.count)).toEqual(
        [...bySeverity.groups.map((g) => g.count)].sort((x, y) => y - x),
      );
      const two = await b.summarizeFindings('acme', null, { severity_at_least: 'high' }, [
        'account',
        'status',
      ]);
      const want2 = countBy(
        oracle(acme, null, { severity_at_least: 'high' }),
        (e) => `${e.inc.asset.account}/${e.inc.status}`,
      );
      expect(new Map(two.groups.map((g) => [`${g.keys.account}/${g.keys.status}`, g.count]))).toEqual(want2);
      // With a filter and a scope too (each finding's frameworks read one by one).
      const fwHigh = await b.summarizeFindings('acme', [DEV, PROD], { severity_at_least: 'high' }, [
        'framework',
      ]);
      const high = oracle(acme, [DEV, PROD], { severity_at_least: 'high' });
      expect(new Map(fwHigh.groups.map((g) => [g.keys.framework!, g.count]))).toEqual(
        new Map(
          [CIS, PCI]
            .map(
              (fw) => [fw, high.filter((e) => e.compliance.some((c) => c.framework === fw)).length] as const,
            )
            .filter(([, n]) => n > 0),
        ),
      );
      const fw = await b.summarizeFindings('acme', null, {}, ['framework']);
      expect(new Map(fw.groups.map((g) => [g.keys.framework!, g.count]))).toEqual(
        new Map([
          [CIS, acme.filter((e) => e.compliance.some((c) => c.framework === CIS)).length],
          [PCI, acme.filter((e) => e.compliance.some((c) => c.framework === PCI)).length],
        ]),
      );
      // By framework and status (from the mappings alone), and by framework and severity (joined
      // to the findings): each finding once per framework, under its own status or severity.
      for (const field of ['status', 'severity'] as const) {
        const grouped = await b.summarizeFindings('acme', null, {}, ['framework', field]);
        const perFramework = new Map<string, number>();
        for (const e of acme)
          for (const f of new Set(e.compliance.map((c) => c.framework)))
            perFramework.set(`${f} ${e.inc[field]}`, (perFramework.get(`${f} ${e.inc[field]}`) ?? 0) + 1);
        expect(new Map(grouped.groups.map((g) => [`${g.keys.framework} ${g.keys[field]}`, g.count]))).toEqual(
          perFramework,
        );
      }
      // A principal limited to no account sees no group; to one, its findings' frameworks only.
      expect(await b.summarizeFindings('acme', [], {}, ['framework'])).toEqual({ total: 0, groups: [] });
      const devFw = await b.summarizeFindings('acme', [DEV], {}, ['framework']);
      const devFindings = acme.filter((e) => e.inc.asset.account === DEV);
      expect(new Map(devFw.groups.map((g) => [g.keys.framework!, g.count]))).toEqual(
        new Map(
          [CIS, PCI]
            .map(
              (fw) =>
                [fw, devFindings.filter((e) => e.compliance.some((c) => c.framework === fw)).length] as const,
            )
            .filter(([, n]) => n > 0),
        ),
      );
    });

    it('lists the assets findings are about, paged by id, with the exposure filter', async () => {
      const want = new Map<string, Expected[]>();
      for (const e of acme) want.set(e.asset_id, [...(want.get(e.asset_id) ?? []), e]);
      const { items, pages } = await allPages((cursor) =>
        b.searchAssets('acme', null, {}, { cursor, limit: 20, principal: 'sam' }),
      );
      expect(pages.length).toBeGreaterThan(1);
      expect(items.map((a) => a.id)).toEqual(sorted(want.keys()));
      expect(pages[0]!.total).toBe(want.size);
      const exposed = await allPages((cursor) =>
        b.searchAssets('acme', null, { exposed: true }, { cursor, limit: 50 }),
      );
      const exposedWant = [...want.entries()]
        .filter(([, es]) => es.some((e) => e.inc.asset.public || e.inc.asset.internet_facing))
        .map(([id]) => id);
      expect(exposed.items.map((a) => a.id)).toEqual(sorted(exposedWant));
      const typed = await b.searchAssets(
        'acme',
        null,
        { type: 'AwsIamAccessKey', account: STAGING },
        {
          cursor: null,
          limit: 100,
        },
      );
      expect(typed.items.length).toBeGreaterThan(0);
      expect(typed.items.every((a) => a.type === 'AwsIamAccessKey' && a.account === STAGING)).toBe(true);
    });

    it('reads one asset and its open findings by severity', async () => {
      const e = acme.find((x) => x.inc.status === 'open' && x.inc.asset.type === 'AwsS3Bucket')!;
      const asset = await b.getAsset('acme', null, e.asset_id);
      expect(asset).toMatchObject({
        id: e.asset_id,
        resource_id: e.inc.asset.resource_id,
        type: 'AwsS3Bucket',
      });
      const open = await b.assetFindings('acme', null, e.asset_id, 100);
      const want = acme.filter((x) => x.asset_id === e.asset_id && x.inc.status === 'open');
      expect(sorted(open.items.map((i) => i.id))).toEqual(sorted(want.map((x) => x.id)));
      for (const s of SEVERITIES)
        expect(open.by_severity[s]).toBe(want.filter((x) => x.inc.severity === s).length);
    });

    it('ranks internet exposures by open critical, then high findings', async () => {
      const { items } = await allPages((cursor) =>
        b.listExposures('acme', null, {}, { cursor, limit: 4, principal: 'sam' }),
      );
      const perAsset = new Map<string, { c: number; h: number; exposed: boolean }>();
      for (const e of acme) {
        const r = perAsset.get(e.asset_id) ?? { c: 0, h: 0, exposed: false };
        r.exposed ||= e.inc.asset.public || e.inc.asset.internet_facing;
        if (e.inc.status === 'open' && e.inc.severity === 'critical') r.c++;
        if (e.inc.status === 'open' && e.inc.severity === 'high') r.h++;
        perAsset.set(e.asset_id, r);
      }
      const want = [...perAsset.entries()].filter(([, r]) => r.exposed && r.c + r.h > 0);
      expect(sorted(items.map((i) => i.asset.id))).toEqual(sorted(want.map(([id]) => id)));
      expect(items.map((i) => i.rank)).toEqual(items.map((_, i) => i + 1));
      for (const i of items) {
        const r = perAsset.get(i.asset.id)!;
        expect([i.open_critical, i.open_high]).toEqual([r.c, r.h]);
      }
      for (let i = 1; i < items.length; i++) {
        const [x, y] = [items[i - 1]!, items[i]!];
        expect(
          x.open_critical > y.open_critical ||
            (x.open_critical === y.open_critical && x.open_high >= y.open_high),
        ).toBe(true);
      }
    });

    it('reports compliance per framework and control: failed, passed, not evaluated', async () => {
      const rows = await b.complianceSummary('acme', null, { framework: CIS });
      expect(rows.every((r) => r.framework === CIS)).toBe(true);
      for (const control of ['2.1.4', '5.2', '1.14']) {
        const mapped = acme.filter((e) =>
          e.compliance.some((c) => c.framework === CIS && c.control === control),
        );
        const row = rows.find((r) => r.control === control)!;
        expect(row.failed_findings).toBe(mapped.filter((e) => e.inc.status === 'open').length);
        expect(row.passed_findings).toBe(mapped.filter((e) => e.inc.status !== 'open').length);
        expect(row.status).toBe(row.failed_findings > 0 ? 'failed' : 'passed');
      }
      expect(rows.find((r) => r.control === '1.4')?.status).toBe('not_evaluated');
      const scoped = await b.complianceSummary('acme', [DEV], { framework: CIS, account: PROD });
      expect(scoped.every((r) => r.status === 'not_evaluated')).toBe(true);
      // Limited to one account: each control's counts are that account's findings only.
      const dev = await b.complianceSummary('acme', [DEV], { framework: CIS });
      for (const r of dev) {
        const mapped = acme.filter(
          (e) =>
            e.inc.asset.account === DEV &&
            e.compliance.some((c) => c.framework === CIS && c.control === r.control),
        );
        expect([r.failed_findings, r.passed_findings]).toEqual([
          mapped.filter((e) => e.inc.status === 'open').length,
          mapped.filter((e) => e.inc.status !== 'open').length,
        ]);
      }
      expect(dev.some((r) => r.failed_findings > 0)).toBe(true);
    });

    it('refuses an edited cursor and a cursor of another search', async () => {
      const first = await b.searchFindings('acme', null, {}, { cursor: null, limit: 5, principal: 'sam' });
      const cursor = first.next_cursor!;
      const edited = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}A`;
      expect(
        (await failure(b.searchFindings('acme', null, {}, { cursor: edited, limit: 5, principal: 'sam' })))
          .code,
      ).toBe('invalid_cursor');
      const other = await failure(
        b.searchFindings('acme', null, { status: ['open'] }, { cursor, limit: 5, principal: 'sam' }),
      );
      expect(other.code).toBe('invalid_cursor');
      const foreign = await failure(
        b.searchFindings('acme', null, {}, { cursor, limit: 5, principal: 'dana' }),
      );
      expect(foreign.code).toBe('invalid_cursor');
    });

    it('covers every account of the data set', () => {
      expect(new Set(acme.map((e) => e.inc.asset.account))).toEqual(new Set(ACME_ACCOUNTS));
    });
  });
}

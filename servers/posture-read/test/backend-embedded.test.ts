import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { EmbeddedBackend } from '../src/embedded.js';
import { ingestRecords } from '../src/importers/importer.js';
import { fromAsff } from '../src/importers/normalize.js';
import { severityRank } from '../src/domain.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { DEV, PROD, dataset } from './backend-fixture.js';
import { postureBackendSuite } from './backend-suite.js';

/** The suite's data set, imported as the importer maps it, into a new embedded store. */
async function suiteStore(): Promise<{ store: Store; backend: EmbeddedBackend }> {
  const store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'posture-read', migrations);
  const data = dataset();
  for (const [tenant, records] of [
    ['acme', data.acme],
    ['globex', data.globex],
  ] as const) {
    // The same ASFF records the Security Hub fake serves, through the importer's mapping.
    async function* incoming() {
      let i = 0;
      for (const r of records) yield fromAsff(r, i++);
    }
    await ingestRecords(store, incoming(), { tenant, format: 'asff', sourceName: 'suite' });
  }
  const backend = await EmbeddedBackend.open(store, {
    seed: false,
    cursors: new CursorCodec(randomBytes(32)),
  });
  return { store, backend };
}

postureBackendSuite('findings store (PGlite)', async () => {
  const { store, backend } = await suiteStore();
  return {
    backend,
    history: true,
    async close() {
      await backend.close();
      await store.close();
    },
  };
});

describe('findings store (PGlite): an asset is read in its own account only', () => {
  // An asset id names one account's resource (assetId hashes the account in), so a finding and its
  // asset share an account, and the store reads an asset through its findings trusting that. Here
  // a row says otherwise: a DEV finding names a PROD asset, and a PROD finding (open, critical) an
  // exposed DEV asset. A principal who sees DEV alone must see neither PROD row.
  let store: Store;
  let backend: EmbeddedBackend;
  let devFinding: string;
  let prodAsset: string;
  let devAsset: string;
  let prodFinding: string;
  beforeAll(async () => {
    ({ store, backend } = await suiteStore());
    /** The first row (by id) of `table` in `account`. */
    const first = async (table: 'posture_findings' | 'posture_assets', account: string) => {
      const res = await store.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE tenant = 'acme' AND account = $1 ORDER BY id LIMIT 1`,
        [account],
      );
      expect(res.rows.length, `${table} ${account}`).toBe(1);
      return res.rows[0]!.id;
    };
    devFinding = await first('posture_findings', DEV);
    prodAsset = await first('posture_assets', PROD);
    devAsset = await first('posture_assets', DEV);
    prodFinding = await first('posture_findings', PROD);
    await store.query(`UPDATE posture_findings SET asset_id = $2 WHERE tenant = 'acme' AND id = $1`, [
      devFinding,
      prodAsset,
    ]);
    await store.query(
      `UPDATE posture_findings SET asset_id = $2, status = 'open', severity = 'critical', severity_rank = $3
        WHERE tenant = 'acme' AND id = $1`,
      [prodFinding, devAsset, severityRank('critical')],
    );
    await store.query(`UPDATE posture_assets SET public = true WHERE tenant = 'acme' AND id = $1`, [
      devAsset,
    ]);
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await store?.close();
  });

  it("a finding's asset from another account is not shown", async () => {
    const d = await backend.getFinding('acme', [DEV], devFinding);
    expect(d?.finding.id).toBe(devFinding);
    expect(d?.finding.asset_id).toBe(prodAsset);
    expect(d?.asset).toBeNull();
    // The whole tenant sees the PROD asset, but not as this finding's: it is in another account.
    expect((await backend.getFinding('acme', null, devFinding))?.asset).toBeNull();
  });

  it("an asset's open findings from another account are not listed", async () => {
    const own = await store.query<{ id: string }>(
      `SELECT id FROM posture_findings WHERE tenant = 'acme' AND asset_id = $1 AND account = $2 AND status = 'open'`,
      [devAsset, DEV],
    );
    for (const scope of [[DEV], null]) {
      const open = await backend.assetFindings('acme', scope, devAsset, 100);
      const ids = open.items.map((f) => f.id);
      expect(ids, JSON.stringify(scope)).not.toContain(prodFinding);
      expect(ids.sort(), JSON.stringify(scope)).toEqual(own.rows.map((r) => r.id).sort());
      expect(open.by_severity.critical, JSON.stringify(scope)).toBe(
        (await backend.assetFindings('acme', [DEV], devAsset, 100)).by_severity.critical,
      );
    }
  });

  it("an exposed asset's findings from another account are not counted", async () => {
    const own = await store.query<{ n: string }>(
      `SELECT count(*) AS n FROM posture_findings
        WHERE tenant = 'acme' AND asset_id = $1 AND account = $2 AND status = 'open' AND severity = 'critical'`,
      [devAsset, DEV],
    );
    for (const scope of [[DEV], null]) {
      const page = await backend.listExposures(
        'acme',
        scope,
        {},
        { cursor: null, limit: 100, principal: 'p' },
      );
      // Listed once, with its own account's findings (not at all if it has none open).
      const rows = page.items.filter((i) => i.asset.id === devAsset);
      expect(rows.length, JSON.stringify(scope)).toBeLessThanOrEqual(1);
      expect(rows[0]?.open_critical ?? 0, JSON.stringify(scope)).toBe(Number(own.rows[0]!.n));
    }
  });
});

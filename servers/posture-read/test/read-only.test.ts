/**
 * Read-only by construction, layers 2 and 3: every read the server makes runs where a write is
 * refused (a READ ONLY transaction on PGlite; sessions with default_transaction_read_only on
 * PostgreSQL), and calling every tool, resource and prompt changes nothing in the store, on either
 * driver. (Layer 1, the kit refusing a read-only server with a non-read tool, is
 * packages/core/test/read-only.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness } from '@portcullis/core/testing';
import type { Store } from '@portcullis/core/store';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import type { EmbeddedBackend, PostureBackend } from '../src/index.js';
import { DEMO_STORY, server } from '../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const TABLES = [
  'posture_assets',
  'posture_findings',
  'posture_compliance',
  'posture_history',
  'posture_import_batches',
  'posture_controls',
  'posture_settings',
];

/** A digest of every posture table's rows: equal digests, equal data. */
async function digest(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const r = await store.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM ${t} x`,
    );
    out[t] = `${r.rows[0]?.n}:${r.rows[0]?.h}`;
  }
  return out;
}

/** Every tool with a spread of arguments, every resource and the prompt. */
async function exerciseEverything(c: InProcessClient): Promise<number> {
  let calls = 0;
  const call = async (name: string, args: Row): Promise<Row> => {
    const r = await c.callTool(name, args);
    calls++;
    expect(r.isError, `${name} ${JSON.stringify(r.envelope)}`).toBe(false);
    return r.structured as Row;
  };
  const page = await call('posture_search_findings', { limit: 10 });
  await call('posture_search_findings', { cursor: page.next_cursor, limit: 10 });
  await call('posture_search_findings', { severity_at_least: 'high', status: ['open'], text: 'bucket' });
  await call('posture_search_findings', { framework: 'pci-dss-4.0', control: '1.3.1' });
  for (const f of (page.findings as Row[]).slice(0, 5)) {
    await call('posture_get_finding', { id: f.id });
    await call('posture_get_asset', { id: f.asset_id });
    await c.client.readResource({ uri: `posture://findings/${f.id}` });
  }
  await call('posture_summarize_findings', { group_by: ['severity', 'framework'] });
  await call('posture_summarize_findings', { group_by: ['rule'], account: DEMO_STORY.account });
  await call('posture_search_assets', { exposed: true });
  await call('posture_list_exposures', { limit: 3 });
  await call('posture_compliance_summary', {});
  await c.client.readResource({ uri: 'posture://frameworks' });
  await c.client.getPrompt({ name: 'posture_triage', arguments: { account: DEMO_STORY.account } });
  return calls;
}

function suite(name: string, env: () => Record<string, string>) {
  describe(name, () => {
    let h: InProcessHarness<PostureBackend>;

    beforeAll(async () => {
      h = await startInProcess(server, {
        principal: { id: 'sam', roles: ['analyst'], tenant: 'acme' },
        env: env(),
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('refuses a write on the connection every read uses', async () => {
      const backend = h.runtime.kitBackend as EmbeddedBackend;
      await expect(
        backend.reads((q) => q.query("INSERT INTO posture_settings (key, value) VALUES ('x', 'y')")),
      ).rejects.toThrow(/read-only transaction/);
      await expect(backend.reads((q) => q.query('DELETE FROM posture_findings'))).rejects.toThrow(
        /read-only transaction/,
      );
      const ro = await backend.reads((q) =>
        q.query<{ transaction_read_only: string }>('SHOW transaction_read_only'),
      );
      expect(ro.rows[0]?.transaction_read_only).toBe('on');
    });

    it('changes nothing in the store, whatever is called', async () => {
      const store = h.runtime.host.store;
      const before = await digest(store);
      expect(before.posture_findings).not.toMatch(/^0:/);
      const admin = await h.as({ id: 'root', roles: ['admin'], tenant: 'acme' });
      expect(await exerciseEverything(h)).toBeGreaterThan(15);
      await exerciseEverything(admin);
      expect(await digest(store)).toEqual(before);
    });
  });
}

suite('read-only on the embedded store (PGlite)', () => ({}));

withPostgres('read-only on PostgreSQL', (pg) => {
  // DATABASE_URL as a credential reference, as production gives it: the read-only sessions open
  // with the URL it holds.
  suite('read-only on PostgreSQL (default_transaction_read_only sessions)', () => ({
    DATABASE_URL: 'env:POSTURE_TEST_DATABASE_URL',
    POSTURE_TEST_DATABASE_URL: pg().url,
  }));
});

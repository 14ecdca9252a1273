import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { migrate, openStore, type Store } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { generateSeed } from '../src/seed.js';
import { checkAccountRelated, embeddedFixture } from './embedded-store.js';
import { backendSuite } from './backend-suite.js';

backendSuite('embedded (PGlite)', () => embeddedFixture(() => openStore({ extensions: storeExtensions })));

describe('embedded accountRelated', () => {
  it('answers as the three searches do, for every account, over one snapshot', async () => {
    await checkAccountRelated(() => openStore({ extensions: storeExtensions }));
  });
});

describe('embedded seed', () => {
  it('is deterministic and large enough for the demo', () => {
    const a = generateSeed('acme');
    const g = generateSeed('globex');
    expect(generateSeed('acme')).toEqual(a);
    const accounts = a.accounts.length + g.accounts.length;
    const contacts = a.contacts.length + g.contacts.length;
    const opportunities = a.opportunities.length + g.opportunities.length;
    expect(accounts).toBeGreaterThanOrEqual(200);
    expect(contacts).toBeGreaterThanOrEqual(1000);
    expect(opportunities).toBeGreaterThanOrEqual(300);
    expect(a.activities.length + g.activities.length).toBeGreaterThanOrEqual(opportunities * 2);
    // Ids never collide across tenants, so a cross-tenant lookup can only miss.
    const ids = new Set([...a.accounts, ...g.accounts].map((x) => x.id));
    expect(ids.size).toBe(accounts);
    for (const owner of a.owners) expect(a.accounts.some((x) => x.owner_id === owner.id)).toBe(true);
  });

  /** A migrated in-memory store, opened once with the demo seed; `reopen` opens it again. */
  async function withSeededStore(fn: (store: Store, reopen: () => Promise<unknown>) => Promise<void>) {
    const store = await openStore({ extensions: storeExtensions });
    try {
      await migrate(store, 'crm', migrations);
      const cursors = new CursorCodec(randomBytes(32));
      const reopen = () => EmbeddedBackend.open(store, { seed: true, cursors });
      await reopen();
      await fn(store, reopen);
    } finally {
      await store.close();
    }
  }

  it('seeds once: a second open of the same store adds nothing', async () => {
    await withSeededStore(async (store, reopen) => {
      await reopen();
      const n = await store.query<{ n: string }>('SELECT count(*) AS n FROM crm_accounts');
      expect(Number(n.rows[0]!.n)).toBe(
        generateSeed('acme').accounts.length + generateSeed('globex').accounts.length,
      );
    });
  });

  it('gives a store seeded before the billing links the links it lacks, touching nothing else', async () => {
    await withSeededStore(async (store, reopen) => {
      const contacts = async () =>
        (
          await store.query<Record<string, unknown>>(
            'SELECT tenant, id, billing_customer_id, version, updated_at::text FROM crm_contacts ORDER BY tenant, id',
          )
        ).rows;
      const seeded = await contacts();
      const linked = seeded.filter((c) => c.billing_customer_id !== null);
      expect(linked).toHaveLength(12 + 8);
      // As an older seed left it, except one link somebody has since changed by hand.
      await store.query('UPDATE crm_contacts SET billing_customer_id = NULL');
      await store.query("DELETE FROM crm_settings WHERE key = 'seed-billing-links'");
      const changed = linked[3]!;
      await store.query(
        "UPDATE crm_contacts SET billing_customer_id = 'cus_by_hand' WHERE tenant = $1 AND id = $2",
        [changed.tenant, changed.id],
      );
      await reopen();
      const repaired = seeded.map((c) => (c === changed ? { ...c, billing_customer_id: 'cus_by_hand' } : c));
      expect(await contacts()).toEqual(repaired);
      // Once: a link removed by hand afterwards stays removed at every later start.
      const removed = linked[5]!;
      await store.query('UPDATE crm_contacts SET billing_customer_id = NULL WHERE tenant = $1 AND id = $2', [
        removed.tenant,
        removed.id,
      ]);
      await reopen();
      expect(await contacts()).toEqual(
        repaired.map((c) => (c === removed ? { ...c, billing_customer_id: null } : c)),
      );
    });
  });

  it('a new seed is marked as having its billing links: a later start repairs nothing', async () => {
    await withSeededStore(async (store, reopen) => {
      const marker = await store.query("SELECT value FROM crm_settings WHERE key = 'seed-billing-links'");
      expect(marker.rows).toHaveLength(1);
      await store.query('UPDATE crm_contacts SET billing_customer_id = NULL');
      await reopen();
      const n = await store.query<{ n: string }>(
        'SELECT count(*) AS n FROM crm_contacts WHERE billing_customer_id IS NOT NULL',
      );
      expect(Number(n.rows[0]!.n)).toBe(0);
    });
  });
});

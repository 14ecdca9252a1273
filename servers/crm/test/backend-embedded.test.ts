import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { migrate, openStore } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations } from '../src/migrations.js';
import { generateSeed } from '../src/seed.js';
import { checkAccountRelated, embeddedFixture } from './embedded-store.js';
import { backendSuite } from './backend-suite.js';

backendSuite('embedded (PGlite)', () => embeddedFixture(() => openStore({})));

describe('embedded accountRelated', () => {
  it('answers as the three searches do, for every account, over one snapshot', async () => {
    await checkAccountRelated(() => openStore({}));
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

  it('seeds once: a second open of the same store adds nothing', async () => {
    const store = await openStore({});
    try {
      await migrate(store, 'crm', migrations);
      const cursors = new CursorCodec(randomBytes(32));
      await EmbeddedBackend.open(store, { seed: true, cursors });
      await EmbeddedBackend.open(store, { seed: true, cursors });
      const n = await store.query<{ n: string }>('SELECT count(*) AS n FROM crm_accounts');
      expect(Number(n.rows[0]!.n)).toBe(
        generateSeed('acme').accounts.length + generateSeed('globex').accounts.length,
      );
    } finally {
      await store.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { migrate, openStore } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { OPEN_STAGES } from '../src/domain.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations } from '../src/migrations.js';
import { generateSeed } from '../src/seed.js';
import { backendSuite } from './backend-suite.js';

backendSuite('embedded (PGlite)', async () => {
  const store = await openStore({});
  await migrate(store, 'crm', migrations);
  const backend = await EmbeddedBackend.open(store, {
    seed: true,
    cursors: new CursorCodec(randomBytes(32)),
  });
  return {
    backend,
    tenant: 'acme',
    otherTenant: 'globex',
    otherTenantOwner: 'grace',
    owner: 'alice',
    ownerTeam: 'east',
    otherOwner: 'bob',
    pageSize: 40,
    close: () => store.close(),
  };
});

describe('embedded accountRelated', () => {
  it('answers as the three searches do, for every account, over one snapshot', async () => {
    const store = await openStore({});
    try {
      await migrate(store, 'crm', migrations);
      const backend = await EmbeddedBackend.open(store, {
        seed: true,
        cursors: new CursorCodec(randomBytes(32)),
      });
      // An account with more contacts than the summary shows (the count is all of them, the
      // items the first by name, ties broken by id) and an opportunity in each closed stage.
      const { rows } = await store.query<{ id: string; owner_id: string; team: string }>(
        "SELECT id, owner_id, team FROM crm_accounts WHERE tenant = 'acme' ORDER BY id LIMIT 1",
      );
      const acc = rows[0]!;
      for (let i = 0; i < 13; i++) {
        await store.query(
          `INSERT INTO crm_contacts (id, tenant, account_id, first_name, last_name, owner_id, team, created_at, updated_at)
           VALUES ($1, 'acme', $2, $3, $4, $5, $6, now(), now())`,
          [
            `con_rel${String(i).padStart(4, '0')}`,
            acc.id,
            i % 2 ? 'Ann' : 'ann',
            i % 3 ? 'Able' : 'ABLE',
            acc.owner_id,
            acc.team,
          ],
        );
      }
      for (const stage of ['closed_won', 'closed_lost']) {
        await store.query(
          `INSERT INTO crm_opportunities (id, tenant, account_id, name, stage, amount, currency, close_date, owner_id, team, created_at, updated_at)
           VALUES ($1, 'acme', $2, 'Closed deal', $3, 100, 'USD', '2020-01-01', $4, $5, now(), now())`,
          [`opp_rel_${stage}`, acc.id, stage, acc.owner_id, acc.team],
        );
      }
      // The latest activities at one instant: the order between them is the id's.
      for (let i = 0; i < 4; i++) {
        await store.query(
          `INSERT INTO crm_activities (id, tenant, type, subject, occurred_at, account_id, owner_id, created_at)
           VALUES ($1, 'acme', 'call', 'Same minute', '2099-01-01T00:00:00Z', $2, $3, now())`,
          [`act_rel${i}`, acc.id, acc.owner_id],
        );
      }
      const all = await store.query<{ id: string; tenant: string }>('SELECT id, tenant FROM crm_accounts');
      expect(all.rows.length).toBeGreaterThan(100);
      for (const { id, tenant } of [...all.rows, { id: 'acc_0000000000000000', tenant: 'acme' }]) {
        const page = { cursor: null, limit: 10 };
        const [contacts, opps, activities] = await Promise.all([
          backend.searchContacts(tenant, { account_id: id }, page),
          backend.searchOpportunities(tenant, { account_id: id, stages: [...OPEN_STAGES] }, page),
          backend.listActivities(tenant, { account_id: id }, 5),
        ]);
        expect(await backend.accountRelated(tenant, id, { size: 10, recent: 5 })).toEqual({
          contacts: { items: contacts.items, total: contacts.total },
          openOpportunities: { items: opps.items, total: opps.total },
          activities,
        });
      }
      // A session not on UTC (a PostgreSQL server's, say): JSON then writes a zone's local mean
      // time for old dates, with seconds in the offset (-04:56:02 in New York before 1883).
      await store.query(
        `INSERT INTO crm_activities (id, tenant, type, subject, occurred_at, account_id, owner_id, created_at)
         VALUES ('act_rel_1800', 'acme', 'note', 'Founded', '1800-06-01T12:00:00Z', $1, $2, now())`,
        [acc.id, acc.owner_id],
      );
      await store.exec("SET TimeZone = 'America/New_York'");
      try {
        const old = await backend.accountRelated('acme', acc.id, { size: 10, recent: 100 });
        // (PGlite's own timestamptz parser gives an Invalid Date for these: the embedded store is on UTC.)
        expect(old.activities.length).toBeGreaterThan(4);
        expect(old.activities.find((a) => a.id === 'act_rel_1800')?.occurred_at).toBe(
          '1800-06-01T12:00:00.000Z',
        );
      } finally {
        await store.exec('RESET TimeZone');
      }
      const mine = await backend.accountRelated('acme', acc.id, { size: 10, recent: 5 });
      expect(mine.contacts.items).toHaveLength(10);
      expect(mine.contacts.total).toBeGreaterThanOrEqual(13);
      expect(mine.openOpportunities.items.every((o) => !o.stage.startsWith('closed'))).toBe(true);
      // Another tenant's account is empty, not someone else's records.
      expect(await backend.accountRelated('globex', acc.id, { size: 10, recent: 5 })).toEqual({
        contacts: { items: [], total: 0 },
        openOpportunities: { items: [], total: 0 },
        activities: [],
      });
    } finally {
      await store.close();
    }
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

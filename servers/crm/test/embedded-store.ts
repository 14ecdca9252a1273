/**
 * The embedded backend on a store `open` gives (PGlite in backend-embedded.test.ts, a PostgreSQL
 * server in backend-postgres.test.ts): the contract suite's fixture, and accountRelated against the
 * searches it stands in for.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { migrate, type Store } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { OPEN_STAGES } from '../src/domain.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations } from '../src/migrations.js';
import type { BackendFixture } from './backend-suite.js';

/** The contract suite's fixture: the CRM migrations and the demo data on the store `open` gives. */
export async function embeddedFixture(open: () => Promise<Store>): Promise<BackendFixture> {
  const store = await open();
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
}

/**
 * accountRelated (the PL/pgSQL function crm_account_related, migration 0005) answers as the three
 * searches do, for every demo account and the edge cases below, over one snapshot. It runs well
 * over five times per connection, so the plans PostgreSQL keeps for the function (generic ones
 * from the sixth call on, when they cost no more) are among those compared.
 */
export async function checkAccountRelated(open: () => Promise<Store>): Promise<void> {
  const store = await open();
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
}

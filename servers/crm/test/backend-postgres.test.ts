/**
 * The embedded backend on a PostgreSQL server (a deployment's DATABASE_URL): the CRM migrations
 * apply, the backend contract suite passes, and accountRelated (a PL/pgSQL function) answers as the
 * searches do on a pool of connections. Skipped, with the reason, when no PostgreSQL binaries are
 * installed; CI installs them.
 */
import { describe, it } from 'vitest';
import { openStore } from '@portcullis/core';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { checkAccountRelated, embeddedFixture } from './embedded-store.js';
import { backendSuite } from './backend-suite.js';

withPostgres('CRM embedded backend on PostgreSQL', (pg) => {
  backendSuite('embedded on PostgreSQL', () => embeddedFixture(() => openStore({ databaseUrl: pg().url })));

  describe('CRM accountRelated on PostgreSQL', () => {
    it('answers as the three searches do, for every account, over one snapshot', async () => {
      // Its own database: the contract suite above writes to the first.
      const url = new URL(pg().url);
      const admin = await openStore({ databaseUrl: pg().url });
      try {
        await admin.exec('CREATE DATABASE crm_related');
        // Every connection of the pool off UTC, not only the one a SET would reach.
        await admin.exec("ALTER DATABASE crm_related SET TimeZone = 'America/New_York'");
      } finally {
        await admin.close();
      }
      url.pathname = '/crm_related';
      await checkAccountRelated(() => openStore({ databaseUrl: url.toString() }));
    });
  });
});

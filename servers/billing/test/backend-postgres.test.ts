/**
 * The shared backend suite on a PostgreSQL server, where concurrent refunds really run in
 * parallel transactions (PGlite is one connection and serialises them). Skipped, with the reason,
 * when no PostgreSQL binaries are installed; CI installs them.
 */
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { backendSuite } from './backend-suite.js';
import { embeddedHarness } from './harness.js';

withPostgres('billing backend on PostgreSQL', (pg) => {
  backendSuite('embedded ledger on PostgreSQL', () => embeddedHarness({ databaseUrl: pg().url }), {
    parallel: true,
  });
});

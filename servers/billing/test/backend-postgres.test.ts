/**
 * The shared backend suite on a PostgreSQL server, where concurrent refunds really run in
 * parallel transactions (PGlite is one connection and serialises them). Skipped, with the reason,
 * when no PostgreSQL binaries are installed; CI installs them.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { postgresUnavailableReason, startPostgres } from '@portcullis/test-support/postgres';
import type { PgServer } from '@portcullis/test-support/postgres';
import { backendSuite } from './backend-suite.js';
import { embeddedHarness } from './harness.js';

const reason = postgresUnavailableReason();

if (reason !== null) {
  describe.skip(`billing backend on PostgreSQL (skipped: ${reason})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  let pg: PgServer | null = null;
  beforeAll(async () => {
    pg = await startPostgres();
    if (pg === null)
      throw new Error(`PostgreSQL did not start: ${postgresUnavailableReason() ?? 'unknown reason'}`);
  });
  afterAll(async () => {
    await pg?.stop();
  });
  backendSuite('embedded ledger on PostgreSQL', () => embeddedHarness({ databaseUrl: pg!.url }), {
    parallel: true,
  });
}

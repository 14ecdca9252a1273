import { afterAll, beforeAll, describe, it } from 'vitest';
import { postgresUnavailableReason, startPostgres } from './postgres.js';
import type { PgServer } from './postgres.js';

/**
 * The tests of a file that need a PostgreSQL server: `withPostgres(title, (server) => { ... })`
 * starts one before the file's tests (hooks the body adds run after it, their afterAll before it
 * stops) and hands the body a getter for it. Without PostgreSQL binaries the file shows one
 * skipped test whose title says why; CI installs them.
 */
export function withPostgres(title: string, body: (server: () => PgServer) => void): void {
  const reason = postgresUnavailableReason();
  if (reason !== null) {
    describe.skip(`${title} (skipped: ${reason})`, () => {
      it('needs PostgreSQL', () => undefined);
    });
    return;
  }
  let pg: PgServer | null = null;
  beforeAll(async () => {
    pg = await startPostgres();
    if (pg === null)
      throw new Error(`PostgreSQL did not start: ${postgresUnavailableReason() ?? 'unknown reason'}`);
  });
  afterAll(async () => {
    await pg?.stop();
  });
  body(() => {
    if (pg === null) throw new Error('PostgreSQL is not running (withPostgres starts it in beforeAll).');
    return pg;
  });
}

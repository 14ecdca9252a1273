import type { Queryable } from '@portcullis/core/store';
import type { ReadRunner } from './embedded.js';

/**
 * On PostgreSQL the server reads through a pool of its own whose sessions start with
 * `default_transaction_read_only = on`: every transaction on them is read-only, so no query the
 * server runs can write, whatever the code does. (The kit's store stays writable for the audit
 * trail; the import and sync commands open their own writable connection.) Grant the role in
 * DATABASE_URL SELECT only, too: see the README.
 */
export async function openReadOnlyPool(
  databaseUrl: string,
): Promise<{ reads: ReadRunner; close: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 5,
    connectionTimeoutMillis: 10_000,
    application_name: 'portcullis-posture-read',
    options: '-c default_transaction_read_only=on',
  });
  // Without a listener an idle client's network error would crash the process.
  pool.on('error', () => undefined);
  const reads: ReadRunner = async (fn) => {
    const client = await pool.connect();
    let broken = false;
    try {
      // One snapshot for the count and the page of a search.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // One client runs one query at a time: callers that issue several at once are queued.
      let tail: Promise<unknown> = Promise.resolve();
      const q: Queryable = {
        query: <T>(sql: string, params?: unknown[]) => {
          const run = tail.then(async () => {
            const res = await client.query(sql, params);
            return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
          });
          tail = run.catch(() => undefined);
          return run;
        },
      };
      const out = await fn(q);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  };
  // Fail closed at start-up: the setting must hold on a fresh session.
  const check = await pool.query<{ default_transaction_read_only: string }>(
    'SHOW default_transaction_read_only',
  );
  if (check.rows[0]?.default_transaction_read_only !== 'on') {
    await pool.end();
    throw new Error('the PostgreSQL read-only session setting did not take effect');
  }
  return { reads, close: () => pool.end() };
}

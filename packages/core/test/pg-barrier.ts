/**
 * A barrier that makes a PostgreSQL race deterministic: one connection of its own takes a lock
 * (e.g. `SELECT ... FOR SHARE` on the contested row), the contenders start, and `waitForWaiters`
 * resolves once that many other backends wait on a lock, i.e. every contender has reached the
 * contested statement inside its own transaction. `release` lets them all go at once. Without the
 * barrier the "race" depends on scheduling and may run the contenders one after the other.
 */
import pg from 'pg';

export interface LockBarrier {
  waitForWaiters(n: number, deadlineMs?: number): Promise<void>;
  release(): Promise<void>;
}

export async function lockBarrier(
  url: string,
  lockSql: string,
  params: unknown[] = [],
): Promise<LockBarrier> {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  await holder.query('BEGIN');
  await holder.query(lockSql, params);
  const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  let released = false;
  return {
    async waitForWaiters(n, deadlineMs = 30_000) {
      const deadline = Date.now() + deadlineMs;
      let waiting = 0;
      while (Date.now() < deadline) {
        const r = await watcher.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND pid <> $1`,
          [holderPid],
        );
        waiting = Number(r.rows[0]!.n);
        if (waiting >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`only ${waiting} of ${n} contenders reached the lock within ${deadlineMs} ms`);
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await holder.query('COMMIT');
      } finally {
        await holder.end();
        await watcher.end();
      }
    },
  };
}

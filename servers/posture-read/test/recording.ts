import type { Queryable, Store } from '@portcullis/core/store';

/** A statement the backend ran, with a copy of its parameters (the backend reuses its array). */
export interface Recorded {
  sql: string;
  params: unknown[];
}

/**
 * The backend's reads (EmbeddedBackend.open's `reads`), each statement recorded in `seen`, still
 * run read-only in a transaction of their own, as the server runs them.
 */
export function recordingReads(store: Store, seen: Recorded[]) {
  return <T>(fn: (q: Queryable) => Promise<T>): Promise<T> =>
    store.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      return fn({
        query: (sql, params) => {
          seen.push({ sql, params: [...(params ?? [])] });
          return tx.query(sql, params);
        },
      });
    });
}

/**
 * The plan of a recorded statement as the planner chooses it at 100,000 rows, where a sequential
 * scan or a sort of every row would cost far more than walking an index: both priced out of reach
 * (each still taken where nothing else can answer).
 */
export async function planAtScale(store: Store, q: Recorded): Promise<string> {
  return store.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    await tx.query('SET LOCAL enable_sort = off');
    const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params);
    return res.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

/** A plan, thrown to roll back the transaction that read it (planRunWithout). */
class Plan extends Error {}

/**
 * The plan of a recorded statement as run (`EXPLAIN (ANALYZE)`, no costs or timings), with the
 * indexes `aside` dropped first, in a transaction rolled back: the store keeps them.
 */
export async function planRunWithout(store: Store, q: Recorded, aside: string[]): Promise<string> {
  return store
    .transaction(async (tx) => {
      for (const index of aside) await tx.query(`DROP INDEX ${index}`);
      const res = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${q.sql}`,
        q.params,
      );
      throw new Plan(res.rows.map((r) => r['QUERY PLAN']).join('\n'));
    })
    .catch((err: unknown) => {
      if (err instanceof Plan) return err.message;
      throw err;
    });
}

/**
 * The part of a plan under one of its statement's WITH queries (`CTE name` and the lines indented
 * below it): a text's walk in page order is CTE h, which other scans of the same index follow.
 */
export function cteOfPlan(plan: string, name: string): string {
  const lines = plan.split('\n');
  const at = lines.findIndex((l) => l.trim() === `CTE ${name}`);
  if (at < 0) throw new Error(`no CTE ${name} in the plan:\n${plan}`);
  const depth = lines[at]!.search(/\S/);
  const end = lines.findIndex((l, i) => i > at && l.search(/\S/) <= depth);
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

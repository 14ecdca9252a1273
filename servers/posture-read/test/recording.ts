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

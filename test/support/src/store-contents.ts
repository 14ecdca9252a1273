/**
 * What a database holds, as sorted text, for tests that compare two stores (a prepared store
 * against one a first start wrote): every relation outside PostgreSQL's own schemas, the
 * extensions, the applied migrations (without their times), and the rows of a table.
 */

/** The part of a store (the kit's Store) these read through. */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const texts = async (store: Queryable, sql: string, params?: unknown[]): Promise<string[]> =>
  (await store.query<{ r: string }>(sql, params)).rows.map((x) => x.r);

/** Relations, extensions and migrations, each as sorted lines. */
export async function storeShape(store: Queryable): Promise<Record<string, string[]>> {
  return {
    relations: await texts(
      store,
      `SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text AS r FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1`,
    ),
    extensions: await texts(store, "SELECT extname || ' ' || extversion AS r FROM pg_extension ORDER BY 1"),
    migrations: await texts(
      store,
      "SELECT component || ' ' || id || ' ' || checksum AS r FROM portcullis_migrations ORDER BY 1",
    ),
  };
}

/** Every row of a public table as text, sorted; `leaveOut` names columns not compared. */
export async function tableRows(store: Queryable, table: string, leaveOut: string[] = []): Promise<string[]> {
  const cols = (
    await store.query<{ c: string }>(
      `SELECT column_name AS c FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 AND NOT (column_name = ANY($2::text[]))
        ORDER BY ordinal_position`,
      [table, leaveOut],
    )
  ).rows.map((x) => `"${x.c}"`);
  return texts(store, `SELECT row(${cols.join(', ')})::text AS r FROM "${table}" ORDER BY 1`);
}

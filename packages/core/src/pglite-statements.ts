/**
 * Prepared statements for the embedded store. PGlite's `query()` sends each statement as six
 * protocol messages, each its own call into the WebAssembly PostgreSQL (parse, describe, bind,
 * describe, execute, sync), and PostgreSQL parses and plans the text every time; planning alone
 * asks the file system for the size of every index of every table the statement reads. Here a
 * statement text seen before is parsed once per connection as a named statement, and each later
 * call is one call into PostgreSQL (bind, execute, sync), with PostgreSQL's own plan cache
 * deciding, as for any client that prepares statements, when a generic plan may replace planning
 * per call. A text's first run is two calls (parse, describe, sync; bind, execute, sync) on the
 * unnamed statement. Results are built by PGlite's own parser from the described row shape, so
 * rows, types and counts are those `query()` gives. The caller holds PGlite's query lock.
 */
import type * as PgliteModule from '@electric-sql/pglite';
import type { PGlite } from '@electric-sql/pglite';

type Results<T> = Awaited<ReturnType<PGlite['query']>> & { rows: T[] };
type BackendMessage = Awaited<ReturnType<PGlite['execProtocol']>>['messages'][number];

interface Prepared {
  name: string;
  /** The parameter types PostgreSQL inferred (serializers are chosen by them, as `query()` does). */
  paramTypes: number[];
  /** The statement's row description, or its "no data" answer: what the execution's rows are read with. */
  shape: BackendMessage[];
}

/** Statements kept per connection. The CRM's and posture-read's hot paths use a few dozen texts. */
export const MAX_PREPARED_STATEMENTS = 128;
/**
 * Longer texts (a seed's multi-row INSERT with thousands of placeholders) run as PostgreSQL's
 * unnamed statement, kept by nobody: a kept parse tree and plan that size would hold memory in
 * PGlite's WebAssembly heap, which never shrinks, for statements that run once.
 */
export const MAX_PREPARED_TEXT = 8_192;

/**
 * Only plain queries and writes are kept. Their row shape changes only with the schema, which
 * clears the kept statements (below); others (FETCH, SHOW, SET, CALL...) take their shape when
 * they run, so they always run as the unnamed statement, described right before they run.
 */
const KEEPABLE =
  /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:select|insert|update|delete|with|values|merge)\b/i;

/**
 * Commands after which kept statements stay valid: they change rows or settings, not the schema.
 * After any other (CREATE, ALTER, DROP, DO, CALL, DEALLOCATE, DISCARD...) and after every `exec`,
 * the connection's statements are closed and prepared again when next used: a kept statement
 * holds the parameter types and row shape PostgreSQL inferred when it was prepared.
 */
const SCHEMA_SAFE = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'FETCH',
  'MOVE',
  'COPY',
  'BEGIN',
  'START',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'SET',
  'RESET',
  'SHOW',
  'ANALYZE',
  'VACUUM',
  'EXPLAIN',
  'LOCK',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
]);

interface DbError {
  code?: unknown;
  message?: unknown;
}

/**
 * Raised when a kept statement is bound, before it runs (nothing to undo): its row shape changed
 * under it ("cached plan must not change result type"), or it is gone (DEALLOCATE, DISCARD).
 */
function staleAtBind(err: DbError): boolean {
  return (
    (err.code === '0A000' && err.message === 'cached plan must not change result type') ||
    err.code === '26000'
  );
}

/** Errors a kept statement's stale types or shape can cause (feature, statement name, syntax or access classes). */
function maybeStale(err: DbError): boolean {
  return typeof err.code === 'string' && /^(0A|26|42)/.test(err.code);
}

export class PreparedStatements {
  /** Statement text -> its prepared statement; Map order is recency (least recent first). */
  private readonly cache = new Map<string, Prepared>();
  /** Texts run once, unprepared: a text is kept from its second run (Set order is age). */
  private readonly seen = new Set<string>();
  /** Statements dropped from the cache and not yet closed in PostgreSQL (closed by the next call). */
  private doomed: string[] = [];
  private counter = 0;

  constructor(
    private readonly db: PGlite,
    private readonly pglite: Pick<typeof PgliteModule, 'protocol' | 'parse'>,
    private readonly max = MAX_PREPARED_STATEMENTS,
  ) {}

  /** How many statements this connection holds prepared (tests). */
  get size(): number {
    return this.cache.size;
  }

  /** The schema may have changed (an `exec`, DDL): every kept statement is prepared again when next used. */
  invalidate(): void {
    for (const st of this.cache.values()) this.doomed.push(st.name);
    this.cache.clear();
  }

  /**
   * One statement with `$n` parameters, as `PGlite.query` runs it. Inside a transaction an error
   * has already aborted the transaction, so it is the caller's; outside one, a kept statement
   * refused at bind for being stale is prepared again and run once more.
   */
  async run<T>(sql: string, params: readonly unknown[], inTransaction: boolean): Promise<Results<T>> {
    let st = await this.statement(sql);
    let out: { res: Results<T>; command: string };
    try {
      out = await this.execute<T>(st, params);
    } catch (err) {
      if (st.name === '' || !maybeStale(err as DbError)) throw err;
      // A kept statement may have gone stale (DDL inside a function, say): the next run prepares it afresh.
      this.drop(sql);
      this.remember(sql);
      if (inTransaction || !staleAtBind(err as DbError)) throw err;
      st = await this.statement(sql);
      out = await this.execute<T>(st, params);
    }
    if (!SCHEMA_SAFE.has(out.command)) this.invalidate();
    if (!inTransaction) await this.db.syncToFs();
    return out.res;
  }

  private remember(sql: string): void {
    if (sql.length > MAX_PREPARED_TEXT || !KEEPABLE.test(sql)) return;
    this.seen.delete(sql);
    this.seen.add(sql);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value as string);
  }

  private drop(sql: string): void {
    const st = this.cache.get(sql);
    if (!st) return;
    this.cache.delete(sql);
    this.doomed.push(st.name);
  }

  private async statement(sql: string): Promise<Prepared> {
    const { serialize } = this.pglite.protocol;
    if (this.doomed.length > 0) {
      const names = this.doomed;
      this.doomed = [];
      // Closing a statement that no longer exists is not an error.
      await this.db.execProtocol(
        Buffer.concat([...names.map((name) => serialize.close({ type: 'S', name })), serialize.sync()]),
        { syncToFs: false },
      );
    }
    const known = this.cache.get(sql);
    if (known) {
      this.cache.delete(sql);
      this.cache.set(sql, known);
      return known;
    }
    // A statement run once (a migration, a seed, start-up's checks) runs as the unnamed statement:
    // keeping it would cost PostgreSQL a copy of its plan and a close later, for nothing.
    const keep = this.seen.delete(sql);
    if (!keep) this.remember(sql);
    const name = keep ? `portcullis_${++this.counter}` : '';
    // One call: on an error PostgreSQL skips to the sync, and no statement is left behind.
    const { messages } = await this.db.execProtocol(
      Buffer.concat([
        serialize.parse({ name, text: sql, types: [] }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    let paramTypes: number[] = [];
    const shape: BackendMessage[] = [];
    for (const m of messages) {
      if (m.name === 'parameterDescription' && 'dataTypeIDs' in m && Array.isArray(m.dataTypeIDs))
        paramTypes = m.dataTypeIDs as number[];
      else if (m.name === 'rowDescription' || m.name === 'noData') shape.push(m);
    }
    const st: Prepared = { name, paramTypes, shape };
    if (!keep) return st;
    this.cache.set(sql, st);
    if (this.cache.size > this.max) {
      const [oldest] = this.cache.keys();
      if (oldest !== undefined) this.drop(oldest);
    }
    return st;
  }

  private async execute<T>(
    st: Prepared,
    params: readonly unknown[],
  ): Promise<{ res: Results<T>; command: string }> {
    const { serialize } = this.pglite.protocol;
    const serializers = this.db.serializers;
    const values = params.map((p, i) => {
      if (p === null || p === undefined) return null;
      const s = serializers[st.paramTypes[i] ?? -1];
      // As PGlite's query(): a value with no serializer for its type is sent as its toString().
      return s ? s(p) : (p as { toString(): string }).toString();
    });
    const { messages } = await this.db.execProtocol(
      Buffer.concat([
        serialize.bind({ statement: st.name, values }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    let command = '';
    for (const m of messages)
      if (m.name === 'commandComplete' && 'text' in m && typeof m.text === 'string')
        command = m.text.split(' ', 1)[0] ?? '';
    const res = this.pglite.parse.parseResults([...st.shape, ...messages], this.db.parsers)[0];
    return { res: (res ?? { rows: [], fields: [] }) as Results<T>, command };
  }
}

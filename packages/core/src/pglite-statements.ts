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

/** PostgreSQL: "cached plan must not change result type" (a table a `SELECT *` reads was altered). */
const RESULT_TYPE_CHANGED = '0A000';

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class PreparedStatements {
  /** Statement text -> its prepared statement; Map order is recency (least recent first). */
  private readonly cache = new Map<string, Prepared>();
  /** Texts run once, unprepared: a text is kept from its second run (Set order is age). */
  private readonly seen = new Set<string>();
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

  /**
   * One statement with `$n` parameters, as `PGlite.query` runs it. `retry` is false inside a
   * transaction: there an error has already aborted the transaction, so it is the caller's.
   */
  async run<T>(sql: string, params: readonly unknown[], retry: boolean): Promise<Results<T>> {
    const st = await this.statement(sql);
    try {
      return await this.execute<T>(st, params);
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== RESULT_TYPE_CHANGED) throw err;
      // Prepared before a migration altered what it reads: prepare it afresh (PostgreSQL
      // re-plans on its own; only a changed row shape needs this).
      await this.forget(sql);
      this.seen.add(sql); // still a statement that runs again: its next run prepares it
      if (!retry) throw err;
      return this.execute<T>(await this.statement(sql), params);
    }
  }

  private async statement(sql: string): Promise<Prepared> {
    const known = this.cache.get(sql);
    if (known) {
      this.cache.delete(sql);
      this.cache.set(sql, known);
      return known;
    }
    const { serialize } = this.pglite.protocol;
    // A statement run once (a migration, a seed, start-up's checks) runs as the unnamed statement:
    // keeping it would cost PostgreSQL a copy of its plan and a close later, for nothing.
    const keep = sql.length <= MAX_PREPARED_TEXT && this.seen.delete(sql);
    if (!keep && sql.length <= MAX_PREPARED_TEXT) {
      this.seen.add(sql);
      if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value as string);
    }
    const name = keep ? `portcullis_${++this.counter}` : '';
    // One call: on an error PostgreSQL skips to the sync, and no statement is left behind.
    const { messages } = await this.db.execProtocol(
      concat([
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
      if (oldest !== undefined) await this.forget(oldest);
    }
    return st;
  }

  private async execute<T>(st: Prepared, params: readonly unknown[]): Promise<Results<T>> {
    const { serialize } = this.pglite.protocol;
    const serializers = this.db.serializers;
    const values = params.map((p, i) => {
      if (p === null || p === undefined) return null;
      const s = serializers[st.paramTypes[i] ?? -1];
      // As PGlite's query(): a value with no serializer for its type is sent as its toString().
      return s ? s(p) : (p as { toString(): string }).toString();
    });
    const { messages } = await this.db.execProtocol(
      concat([serialize.bind({ statement: st.name, values }), serialize.execute({}), serialize.sync()]),
    );
    const res = this.pglite.parse.parseResults([...st.shape, ...messages], this.db.parsers)[0];
    return (res ?? { rows: [], fields: [] }) as Results<T>;
  }

  private async forget(sql: string): Promise<void> {
    const st = this.cache.get(sql);
    if (!st) return;
    this.cache.delete(sql);
    const { serialize } = this.pglite.protocol;
    await this.db.execProtocol(concat([serialize.close({ type: 'S', name: st.name }), serialize.sync()]), {
      syncToFs: false,
    });
  }
}

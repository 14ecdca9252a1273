/**
 * What the search suites share: an in-memory store holding each tenant's findings, with the
 * embedded backend reading it and every statement it runs recorded; a tenant's findings in page
 * order, worked out in JavaScript; and the two statements a text search runs.
 */
import { randomBytes } from 'node:crypto';
import { CursorCodec } from '@portcullis/core/cursor';
import { migrate, openStore, type Store } from '@portcullis/core/store';
import { SCAN_WINDOW, TEXT_CANDIDATES } from '../src/backend.js';
import { severityRank, type IncomingFinding, type Severity } from '../src/domain.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { ingestRecords } from '../src/importers/importer.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { recordingReads, type Recorded } from './recording.js';

export interface SearchStore {
  store: Store;
  backend: EmbeddedBackend;
  /** The codec the backend signs its cursors with. */
  cursors: CursorCodec;
  /** The statements of the backend's reads, in order (a test empties it before a call). */
  seen: Recorded[];
  close(): Promise<void>;
}

/**
 * A new store holding `count` findings per tenant (`make(tenant, i)`), the tables named in
 * `analyze` analyzed, and the backend over it, its reads recorded. With `writtenBefore` (a
 * migration's id), the findings are written by a store migrated up to that migration, not with it,
 * and the store is then migrated.
 */
export async function openSearchStore(
  tenants: Record<string, number>,
  make: (tenant: string, i: number) => IncomingFinding,
  analyze: string,
  writtenBefore?: string,
): Promise<SearchStore> {
  const store = await openStore({ extensions: storeExtensions });
  const upTo =
    writtenBefore === undefined ? migrations.length : migrations.findIndex((m) => m.id === writtenBefore);
  if (upTo < 0) throw new Error(`no migration ${writtenBefore}`);
  await migrate(store, 'posture-read', migrations.slice(0, upTo));
  for (const [tenant, count] of Object.entries(tenants)) {
    async function* records() {
      for (let i = 0; i < count; i++) yield make(tenant, i);
    }
    await ingestRecords(store, records(), { tenant, format: 'ocsf', sourceName: 'search-test' });
  }
  await migrate(store, 'posture-read', migrations);
  await store.exec(`ANALYZE ${analyze}`);
  const seen: Recorded[] = [];
  const cursors = new CursorCodec(randomBytes(32));
  const backend = await EmbeddedBackend.open(store, {
    seed: false,
    cursors,
    reads: recordingReads(store, seen),
  });
  return {
    store,
    backend,
    cursors,
    seen,
    async close() {
      await backend.close();
      await store.close();
    },
  };
}

/** A finding's fields a text search reads, and those that order a page. */
export interface FindingFields {
  id: string;
  severity: string;
  first_seen: number;
  title: string;
  description: string;
  resource_id: string;
  rule: string;
}

/** Every finding of a tenant, in page order (severity, first seen, id in code points). */
export async function inPageOrder(store: Store, tenant: string): Promise<FindingFields[]> {
  const all = await store.query<FindingFields>(
    `SELECT id, severity, extract(epoch FROM first_seen)::float8 AS first_seen, title, description, resource_id, rule
       FROM posture_findings WHERE tenant = $1`,
    [tenant],
  );
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0); // COLLATE "C": code points
  return all.rows.sort(
    (a, b) =>
      severityRank(b.severity as Severity) - severityRank(a.severity as Severity) ||
      b.first_seen - a.first_seen ||
      cmp(a.id, b.id),
  );
}

/** The four fields a text is looked for in, lower-cased. */
export const searchedFields = (r: FindingFields): string[] =>
  [r.title, r.description, r.resource_id, r.rule].map((f) => f.toLowerCase());

/** Whether one of the fields holds the text (case-insensitive, never across two fields). */
export const holdsText = (r: FindingFields, text: string): boolean =>
  searchedFields(r).some((f) => f.includes(text.toLowerCase()));

/** The reads among recorded statements: the SELECT and WITH ones. */
export const readsAmong = (statements: string[]): string[] =>
  statements.map((s) => s.trimStart()).filter((s) => /^(SELECT|WITH)/.test(s));

/** The statement that reads a text's candidates through the trigram index, at most TEXT_CANDIDATES + 1. */
export const CANDIDATE_READ = new RegExp(
  `^WITH c AS MATERIALIZED \\(SELECT[^]*LIMIT ${TEXT_CANDIDATES + 1}\\)`,
);

/**
 * The statement that tests findings in page order, at most SCAN_WINDOW, stopping at 26 matches (a
 * page of 25 and one more).
 */
export const WALK_READ = new RegExp(
  `^WITH h AS MATERIALIZED \\([^]*LIMIT ${SCAN_WINDOW}\\) h\\s+WHERE hit LIMIT 26\\)`,
);

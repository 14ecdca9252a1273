import { canonicalHash, sha256Hex } from '@portcullis/core/canonical';
import type { Queryable } from '@portcullis/core/store';
import { severityRank, type IncomingFinding, type Status } from './domain.js';

/** What one import changed (or, on a dry run, would change). */
export interface IngestCounts {
  new: number;
  updated: number;
  unchanged: number;
  resolved: number;
}

export const emptyCounts = (): IngestCounts => ({ new: 0, updated: 0, unchanged: 0, resolved: 0 });

export function assetId(tenant: string, account: string, resourceId: string): string {
  return `ast_${sha256Hex(`${tenant}\u0000${account}\u0000${resourceId}`).slice(0, 24)}`;
}

export function findingId(tenant: string, source: string, sourceId: string): string {
  return `fnd_${sha256Hex(`${tenant}\u0000${source}\u0000${sourceId}`).slice(0, 24)}`;
}

/**
 * Findings per chunk (one statement per table, each column one array parameter). Measured on 100k
 * findings into the embedded store: 1,000 takes a fifth less CPU than 500 at no higher peak memory;
 * 2,000 is faster still but grows PGlite's WebAssembly memory (never handed back) by ~25 MB.
 */
export const INGEST_CHUNK = 1000;

const ASSET_COLUMNS =
  'id, account, region, type, resource_id, name, tags, public, internet_facing, first_seen, last_seen';
const ASSET_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'jsonb',
  'boolean',
  'boolean',
  'timestamptz',
  'timestamptz',
];
const ASSET_UPSERT = `ON CONFLICT (tenant, id) DO UPDATE SET region = EXCLUDED.region, type = EXCLUDED.type, name = EXCLUDED.name,
  tags = EXCLUDED.tags, public = EXCLUDED.public, internet_facing = EXCLUDED.internet_facing,
  first_seen = LEAST(posture_assets.first_seen, EXCLUDED.first_seen),
  last_seen = GREATEST(posture_assets.last_seen, EXCLUDED.last_seen)`;

/**
 * An import's assets, staged: each chunk adds its assets to a temporary table of the transaction
 * (no index, and no WAL for a temporary table; named in `pg_temp` so that no table of that name
 * elsewhere on the search path is used instead, and dropped at commit or rollback), and
 * writeStagedAssets writes each asset to posture_assets once at the end (the demo seed stages its
 * assets too). On a PostgreSQL server the role that imports, syncs or seeds needs the TEMPORARY
 * privilege on the database (PUBLIC has it by default).
 * Written chunk by chunk, an asset a scanner reports in many chunks (one per check that looked at
 * it) was updated once per chunk, and each update wrote every index of posture_assets again.
 */
export const STAGED_ASSETS = 'pg_temp.posture_import_assets';

export async function stageAssets(q: Queryable): Promise<void> {
  await q.query(
    `CREATE TEMPORARY TABLE ${STAGED_ASSETS} (seq bigint NOT NULL, id text NOT NULL, account text NOT NULL,
       region text NOT NULL, type text NOT NULL, resource_id text NOT NULL, name text NOT NULL, tags text NOT NULL,
       public boolean NOT NULL, internet_facing boolean NOT NULL, first_seen timestamptz NOT NULL,
       last_seen timestamptz NOT NULL) ON COMMIT DROP`,
  );
}

/**
 * Writes the staged assets to the tenant's: per asset, the description its latest chunk gave (the
 * highest `seq`), exposed if any chunk said so, from the earliest first-seen to the latest
 * last-seen. Then empties the stage, so that a later write (the demo seed's next tenant) never
 * writes them again.
 */
export async function writeStagedAssets(q: Queryable, tenant: string): Promise<void> {
  await q.query(
    `INSERT INTO posture_assets (tenant, ${ASSET_COLUMNS})
     SELECT $1, l.id, l.account, l.region, l.type, l.resource_id, l.name, l.tags::jsonb, s.public, s.internet_facing,
            s.first_seen, s.last_seen
       FROM (SELECT id, max(seq) AS seq, bool_or(public) AS public, bool_or(internet_facing) AS internet_facing,
                    min(first_seen) AS first_seen, max(last_seen) AS last_seen
               FROM ${STAGED_ASSETS} GROUP BY id) s
       JOIN ${STAGED_ASSETS} l ON l.id = s.id AND l.seq = s.seq
     ${ASSET_UPSERT}`,
    [tenant],
  );
  await q.query(`DELETE FROM ${STAGED_ASSETS}`);
}

interface Prepared {
  rec: IncomingFinding;
  id: string;
  asset: string;
  hash: string;
  seen: string;
  first: string;
}

/**
 * Writes one chunk of findings for a tenant inside the caller's transaction: upserts their assets
 * (or, with `stage`, adds them to the staged assets as that chunk's), inserts new findings, updates
 * changed ones (last seen, status, content) and appends history for every state change. A finding is identified by (tenant, source, source id), so re-importing never
 * duplicates. (A dry run is an import rolled back: importers/importer.ts.)
 */
export async function ingestChunk(
  q: Queryable,
  tenant: string,
  batch: string,
  records: IncomingFinding[],
  opts: { now: string; stage?: number },
  counts: IngestCounts,
): Promise<void> {
  // The same finding twice in one chunk: the later one wins, as it would in two chunks.
  const byId = new Map<string, Prepared>();
  for (const rec of records) {
    const id = findingId(tenant, rec.source, rec.source_id);
    // Millisecond ISO strings, so stored times compare exactly with the ones cursors carry.
    const seen = new Date(rec.observed_at ?? opts.now).toISOString();
    byId.set(id, {
      rec,
      id,
      asset: assetId(tenant, rec.asset.account, rec.asset.resource_id),
      hash: canonicalHash(rec.raw),
      seen,
      first: rec.first_observed_at === null ? seen : new Date(rec.first_observed_at).toISOString(),
    });
  }
  const items = [...byId.values()];
  if (items.length === 0) return;
  const existing = await q.query<{ id: string; status: Status; record_hash: string }>(
    'SELECT id, status, record_hash FROM posture_findings WHERE tenant = $1 AND id = ANY($2::text[])',
    [tenant, items.map((p) => p.id)],
  );
  const prior = new Map(existing.rows.map((r) => [r.id, r]));
  const changed: Prepared[] = [];
  const unchanged: Prepared[] = [];
  const history: { p: Prepared; from: Status | null; note: string }[] = [];
  for (const p of items) {
    const old = prior.get(p.id);
    if (old === undefined) {
      counts.new++;
      changed.push(p);
      history.push({ p, from: null, note: 'first seen' });
    } else if (old.record_hash === p.hash && old.status === p.rec.status) {
      counts.unchanged++;
      unchanged.push(p);
    } else {
      counts.updated++;
      changed.push(p);
      if (old.status !== p.rec.status) {
        if (p.rec.status === 'resolved') counts.resolved++;
        history.push({ p, from: old.status, note: `status ${old.status} -> ${p.rec.status}` });
      }
    }
  }

  // Assets: one row per asset, the latest record's description of it, seen from the earliest
  // first-seen to the latest last-seen of its records. Exposed if any record says so (scanners each
  // see part of it).
  const assets = new Map<string, Prepared>();
  for (const p of items) {
    const before = assets.get(p.asset);
    if (before === undefined) {
      assets.set(p.asset, p);
      continue;
    }
    const asset = {
      ...p.rec.asset,
      public: p.rec.asset.public || before.rec.asset.public,
      internet_facing: p.rec.asset.internet_facing || before.rec.asset.internet_facing,
    };
    assets.set(p.asset, {
      ...p,
      rec: { ...p.rec, asset },
      first: before.first < p.first ? before.first : p.first,
      seen: before.seen > p.seen ? before.seen : p.seen,
    });
  }
  const assetRows = [...assets.values()].map((p) => [
    p.asset,
    p.rec.asset.account,
    p.rec.asset.region,
    p.rec.asset.type,
    p.rec.asset.resource_id,
    p.rec.asset.name,
    JSON.stringify(p.rec.asset.tags),
    p.rec.asset.public,
    p.rec.asset.internet_facing,
    p.first,
    p.seen,
  ]);
  if (opts.stage === undefined)
    await insertValues(
      q,
      `INSERT INTO posture_assets (tenant, ${ASSET_COLUMNS})`,
      ['text', ...ASSET_TYPES],
      assetRows.map((r) => [tenant, ...r]),
      ASSET_UPSERT,
    );
  else
    await insertValues(
      q,
      `INSERT INTO ${STAGED_ASSETS} (seq, ${ASSET_COLUMNS})`,
      ['bigint', ...ASSET_TYPES.map((t) => (t === 'jsonb' ? 'text' : t))],
      assetRows.map((r) => [opts.stage, ...r]),
    );

  if (changed.length > 0) {
    const written = await insertValues<{ id: string; severity_rank: number; first_seen: string }>(
      q,
      `INSERT INTO posture_findings (tenant, id, asset_id, account, region, resource_type, resource_id, rule, title, description,
         severity, severity_rank, status, source, source_id, import_batch, first_seen, last_seen, updated_at, record_hash,
         evidence, remediation_text, remediation_url)`,
      [
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'text',
        'smallint',
        'text',
        'text',
        'text',
        'text',
        'timestamptz',
        'timestamptz',
        'timestamptz',
        'text',
        'jsonb',
        'text',
        'text',
      ],
      changed.map((p) => [
        tenant,
        p.id,
        p.asset,
        p.rec.asset.account,
        p.rec.asset.region,
        p.rec.asset.type,
        p.rec.asset.resource_id,
        p.rec.rule,
        p.rec.title,
        p.rec.description,
        p.rec.severity,
        severityRank(p.rec.severity),
        p.rec.status,
        p.rec.source,
        p.rec.source_id,
        batch,
        p.first,
        p.seen,
        opts.now,
        p.hash,
        p.rec.evidence === undefined ? null : JSON.stringify(p.rec.evidence),
        p.rec.remediation_text,
        p.rec.remediation_url,
      ]),
      `ON CONFLICT (tenant, id) DO UPDATE SET asset_id = EXCLUDED.asset_id, account = EXCLUDED.account, region = EXCLUDED.region,
         resource_type = EXCLUDED.resource_type, resource_id = EXCLUDED.resource_id, rule = EXCLUDED.rule, title = EXCLUDED.title,
         description = EXCLUDED.description, severity = EXCLUDED.severity, severity_rank = EXCLUDED.severity_rank,
         status = EXCLUDED.status, import_batch = EXCLUDED.import_batch,
         first_seen = LEAST(posture_findings.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(posture_findings.last_seen, EXCLUDED.last_seen), updated_at = EXCLUDED.updated_at,
         record_hash = EXCLUDED.record_hash, evidence = EXCLUDED.evidence, remediation_text = EXCLUDED.remediation_text,
         remediation_url = EXCLUDED.remediation_url
       RETURNING id, severity_rank,
                 to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen`,
    );
    // Each mapping carries its finding's columns the searches filter on, and its page order as
    // stored (first seen is the earlier of the stored and the new one), to the microsecond in ISO
    // 8601 (read the same whatever the session's DateStyle and time zone), so the two compare equal
    // exactly.
    const order = new Map(written.map((r) => [r.id, r]));
    // A changed finding's mappings are replaced; a new one has none to replace (no index probes for it).
    const replaced = changed.filter((p) => prior.has(p.id)).map((p) => p.id);
    if (replaced.length > 0)
      await q.query('DELETE FROM posture_compliance WHERE tenant = $1 AND finding_id = ANY($2::text[])', [
        tenant,
        replaced,
      ]);
    const mappings = new Map<string, unknown[]>();
    // One mapping per finding and framework is marked: a search by framework reads only those.
    const marked = new Set<string>();
    for (const p of changed) {
      const at = order.get(p.id);
      if (at === undefined) throw new Error(`finding ${p.id} was written but not returned`);
      for (const m of p.rec.compliance) {
        const key = `${p.id}\u0000${m.framework}\u0000${m.control}`;
        if (mappings.has(key)) continue;
        const first = !marked.has(`${p.id}\u0000${m.framework}`);
        marked.add(`${p.id}\u0000${m.framework}`);
        mappings.set(key, [
          tenant,
          p.id,
          m.framework,
          m.control,
          at.severity_rank,
          at.first_seen,
          first,
          p.rec.asset.account,
          p.rec.status,
          p.rec.source,
          p.rec.asset.region,
          p.rec.asset.type,
          p.rec.rule,
        ]);
      }
    }
    await insertValues(
      q,
      'INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account, status, source, region, resource_type, rule) ',
      [
        'text',
        'text',
        'text',
        'text',
        'smallint',
        'timestamptz',
        'boolean',
        ...Array<string>(6).fill('text'),
      ],
      [...mappings.values()],
    );
  }
  if (unchanged.length > 0) {
    await q.query(
      `UPDATE posture_findings f SET last_seen = GREATEST(f.last_seen, v.seen), import_batch = $2
         FROM unnest($3::text[], $4::timestamptz[]) AS v(id, seen)
        WHERE f.tenant = $1 AND f.id = v.id`,
      [tenant, batch, unchanged.map((p) => p.id), unchanged.map((p) => p.seen)],
    );
  }
  await insertValues(
    q,
    'INSERT INTO posture_history (tenant, finding_id, at, from_status, to_status, import_batch, note) ',
    ['text', 'text', 'timestamptz', 'text', 'text', 'text', 'text'],
    history.map((h) => [
      tenant,
      h.p.id,
      h.from === null ? h.p.first : h.p.seen,
      h.from,
      h.p.rec.status,
      batch,
      h.note,
    ]),
  );
}

/**
 * Multi-row INSERT with one array parameter per column (`SELECT ... FROM unnest($1::text[], ...)`):
 * a chunk is one statement with as many parameters as columns, whatever its row count, so neither
 * side builds, sends or parses a parameter per value. jsonb travels as text and is cast in the
 * SELECT, so both drivers serialise plain string arrays.
 */
async function insertValues<T = Record<string, unknown>>(
  q: Queryable,
  head: string,
  types: string[],
  rows: unknown[][],
  tail = '',
): Promise<T[]> {
  if (rows.length === 0) return [];
  const params = types.map((_, j) => rows.map((row) => row[j]));
  const arrays = types.map((t, j) => `$${j + 1}::${t === 'jsonb' ? 'text' : t}[]`).join(', ');
  const cols = types.map((t, j) => (t === 'jsonb' ? `c${j}::jsonb` : `c${j}`)).join(', ');
  const names = types.map((_, j) => `c${j}`).join(', ');
  return (await q.query<T>(`${head} SELECT ${cols} FROM unnest(${arrays}) AS v(${names}) ${tail}`, params))
    .rows;
}

/** Records the batch itself (who imported what, when, with which result). */
export async function recordBatch(
  q: Queryable,
  tenant: string,
  batch: { id: string; format: string; source_name: string; started_at: string; finished_at: string },
  counts: IngestCounts,
): Promise<void> {
  await q.query(
    `INSERT INTO posture_import_batches (tenant, id, format, source_name, started_at, finished_at, counts)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [
      tenant,
      batch.id,
      batch.format,
      batch.source_name,
      batch.started_at,
      batch.finished_at,
      JSON.stringify(counts),
    ],
  );
}

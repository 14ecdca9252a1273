import type { Migration, StoreExtension } from '@portcullis/core/store';

/** The extensions the migrations create (0004: pg_trgm); the embedded store loads them. */
export const storeExtensions: readonly StoreExtension[] = ['pg_trgm'];

/**
 * A finding's searchable text: the four fields a text search reads, lower-cased and joined by
 * U+0001 (JOINED), stored by 0006 as search_text, since 0012 in scan_text or long_text, whichever
 * holds it (the other is NULL); the trigram index reads this expression. A search text without
 * that character matches the joined text exactly when it matches one of the fields.
 */
export const FINDING_TEXT = 'coalesce(f.scan_text, f.long_text)';

/**
 * Whether a finding (alias f) holds the pattern `p` (a LIKE pattern's SQL), as a walk in page order
 * tests it (textMatch): on the text the page order's index holds (scan_text, migration 0012), or
 * where that is NULL (the text would not fit there), on long_text, read from the table by key.
 */
export const findingScanText = (p: string): string =>
  `coalesce(f.scan_text LIKE ${p}, (SELECT g.long_text LIKE ${p} FROM posture_findings g WHERE g.tenant = f.tenant AND g.id = f.id))`;

/**
 * The most bytes of a finding's text and the page order index's other columns of varying size
 * together, for the index to hold the text (0012's scan_text): an entry then stays well below
 * PostgreSQL's limit for one (about 2,700 bytes). When the text is not held, the entry's other
 * columns are bounded by the import's limits on the fields (normalize.ts), as in 0011's index of
 * the mappings. Part of 0012's statement, and so of its checksum: never changed, only replaced by a
 * later migration.
 */
export const SCAN_TEXT_BYTES = 2_000;

// Parts of migration 0012's statement, and so of its checksum: never changed, only replaced by a
// later migration. The four fields as 0006 joined them and lower-cased (FINDING_TEXT), and whether
// they fit the page order's index (SCAN_TEXT_BYTES).
const JOINED = String.raw`lower(title || E'\x01' || description || E'\x01' || resource_id || E'\x01' || rule)`;
const FITS = `octet_length(${JOINED}) + octet_length(tenant) + octet_length(id) + octet_length(account)
              + octet_length(status) + octet_length(source) + octet_length(region) + octet_length(resource_type)
              <= ${SCAN_TEXT_BYTES}`;

/** An asset's name and resource id, lower-cased and joined (as FINDING_TEXT; 0005, then 0006). */
export const ASSET_TEXT = 'a.search_text';

/**
 * The columns a read of a row selects: every column but the searchable text (an asset's
 * search_text, a finding's scan_text and long_text), which repeats the fields it is made of (the
 * whole description, for a finding) and which only a text's condition reads. A test checks each
 * list against its table, so a column a later migration adds is not left out.
 */
export const READ_COLUMNS = {
  posture_findings: [
    'tenant',
    'id',
    'asset_id',
    'account',
    'region',
    'resource_type',
    'resource_id',
    'rule',
    'title',
    'description',
    'severity',
    'severity_rank',
    'status',
    'source',
    'source_id',
    'import_batch',
    'first_seen',
    'last_seen',
    'updated_at',
    'record_hash',
    'evidence',
    'remediation_text',
    'remediation_url',
  ],
  posture_assets: [
    'tenant',
    'id',
    'account',
    'region',
    'type',
    'resource_id',
    'name',
    'tags',
    'public',
    'internet_facing',
    'first_seen',
    'last_seen',
  ],
} as const satisfies Record<string, readonly string[]>;

/** READ_COLUMNS of `table`, each named through `alias`, for a select list. */
export function readColumns(table: keyof typeof READ_COLUMNS, alias: string): string {
  return READ_COLUMNS[table].map((c) => `${alias}.${c}`).join(', ');
}

/**
 * The posture tables in the kit store. Every row carries its tenant. Findings keep their
 * provenance (source, the source's own id, import batch, first and last seen, hash of the source
 * record) and every state change appends to posture_history. Applied migrations are never edited.
 */
export const migrations: Migration[] = [
  {
    id: '0001_posture_core',
    sql: `
CREATE TABLE posture_settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE posture_assets (
  tenant text NOT NULL,
  id text NOT NULL,
  account text NOT NULL,
  region text NOT NULL,
  type text NOT NULL,
  resource_id text NOT NULL,
  name text NOT NULL,
  tags jsonb NOT NULL DEFAULT '{}',
  public boolean NOT NULL DEFAULT false,
  internet_facing boolean NOT NULL DEFAULT false,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, account, resource_id)
);
CREATE INDEX posture_assets_account ON posture_assets (tenant, account, id);

CREATE TABLE posture_import_batches (
  tenant text NOT NULL,
  id text NOT NULL,
  format text NOT NULL,
  source_name text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  counts jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant, id)
);

CREATE TABLE posture_findings (
  tenant text NOT NULL,
  id text NOT NULL,
  asset_id text NOT NULL,
  account text NOT NULL,
  region text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  rule text NOT NULL,
  title text NOT NULL,
  description text NOT NULL,
  severity text NOT NULL,
  severity_rank smallint NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved', 'suppressed')),
  source text NOT NULL,
  source_id text NOT NULL,
  import_batch text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  record_hash text NOT NULL,
  evidence jsonb,
  remediation_text text NOT NULL DEFAULT '',
  remediation_url text,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, source, source_id)
);
CREATE INDEX posture_findings_order ON posture_findings (tenant, severity_rank DESC, first_seen DESC, id);
CREATE INDEX posture_findings_account ON posture_findings (tenant, account, status);
CREATE INDEX posture_findings_asset ON posture_findings (tenant, asset_id, status);
CREATE INDEX posture_findings_rule ON posture_findings (tenant, rule);

CREATE TABLE posture_compliance (
  tenant text NOT NULL,
  finding_id text NOT NULL,
  framework text NOT NULL,
  control text NOT NULL,
  PRIMARY KEY (tenant, finding_id, framework, control)
);
CREATE INDEX posture_compliance_control ON posture_compliance (tenant, framework, control);

CREATE TABLE posture_history (
  tenant text NOT NULL,
  finding_id text NOT NULL,
  seq bigserial,
  at timestamptz NOT NULL,
  from_status text,
  to_status text NOT NULL,
  import_batch text NOT NULL,
  note text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, finding_id, seq)
);

-- The control catalogue of the frameworks the server knows: controls no finding maps to are
-- "not evaluated" in the compliance summary.
CREATE TABLE posture_controls (
  framework text NOT NULL,
  control text NOT NULL,
  title text NOT NULL,
  PRIMARY KEY (framework, control)
);
`,
  },
  {
    // Search at 100k findings costs what it costs at 1k: the page query walks an index in its own
    // order (id COLLATE "C", as the ORDER BY and the cursor compare it) and stops after one page,
    // and the count walks a narrow index instead of the table (see searchFindings).
    id: '0002_posture_search_indexes',
    sql: `
DROP INDEX posture_findings_order;
CREATE INDEX posture_findings_order ON posture_findings (tenant, severity_rank DESC, first_seen DESC, id COLLATE "C");
CREATE INDEX posture_findings_status_rank ON posture_findings (tenant, status, severity_rank DESC, first_seen DESC, id COLLATE "C");
`,
  },
  {
    // Searches by one rule or one resource read only their matches. By rule the page walked the
    // order index and tested each finding (1 rule in 60: 40,000 findings passed for one page at
    // 100,000, 135 ms against 8.7 at 1,000); a resource had no index at all (a scan of the table
    // for its handful of findings: 119 ms against 7.6). The rule index now keeps the page order.
    id: '0003_posture_rule_and_resource_indexes',
    sql: `
DROP INDEX posture_findings_rule;
CREATE INDEX posture_findings_rule ON posture_findings (tenant, rule, severity_rank DESC, first_seen DESC, id COLLATE "C");
CREATE INDEX posture_findings_resource ON posture_findings (tenant, resource_id);
`,
  },
  {
    // A text search reads its candidates from a trigram index instead of testing every finding: at
    // 100,000 findings it read all of them (413 ms against 10.7 at 1,000). The expression is the
    // one FINDING_TEXT spelled until 0006 stored it; ANALYZE gives the planner its statistics (how
    // many findings a text matches) before the next import would. pg_trgm is trusted since
    // PostgreSQL 13: a database owner may create it.
    id: '0004_posture_text_index',
    sql: String.raw`
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX posture_findings_text ON posture_findings
  USING gin (lower(title || E'\x01' || description || E'\x01' || resource_id || E'\x01' || rule) gin_trgm_ops);
ANALYZE posture_findings;
`,
  },
  {
    // An asset search read every asset of the tenant: the count had no cap, the page's order (id
    // COLLATE "C") had no index, no filter had one, and a text tested every name. At 100,000
    // findings (21,000 assets) searches took 3.1-27x their time at 1,000. Each filter now has an
    // index in the page's order (the account's replaces 0001's; exposure two partial ones: PostgreSQL rewrites NOT (a OR b) as
    // NOT a AND NOT b, which no index on the expression matches), and a text reads ASSET_TEXT's
    // trigram index.
    id: '0005_posture_asset_indexes',
    sql: String.raw`
DROP INDEX posture_assets_account;
CREATE INDEX posture_assets_order ON posture_assets (tenant, id COLLATE "C");
CREATE INDEX posture_assets_account_order ON posture_assets (tenant, account, id COLLATE "C");
CREATE INDEX posture_assets_region ON posture_assets (tenant, region, id COLLATE "C");
CREATE INDEX posture_assets_type ON posture_assets (tenant, type, id COLLATE "C");
CREATE INDEX posture_assets_exposed ON posture_assets (tenant, id COLLATE "C") WHERE public OR internet_facing;
CREATE INDEX posture_assets_unexposed ON posture_assets (tenant, id COLLATE "C") WHERE NOT (public OR internet_facing);
CREATE INDEX posture_assets_text ON posture_assets USING gin (lower(name || E'\x01' || resource_id) gin_trgm_ops);
ANALYZE posture_assets;
`,
  },
  {
    // Each searchable text is stored lower-cased, once per write, and the trigram indexes read the
    // column. A text search tests rows: 0004's expression lower-cased the joined fields again for
    // every row tested and every condition (a LIKE over 100,000 findings took 185 ms on the
    // expression, 68 on the column and 34 to read them without a test), and a search that bounds
    // its work tests its candidates for a few of the text's trigrams as well (searchPage). The
    // indexes are dropped before the rewrite, which would otherwise rebuild them only to be
    // dropped. The tables grow by the column (the bench's 100,000 findings: ~11 MB).
    id: '0006_posture_search_text',
    sql: String.raw`
DROP INDEX posture_findings_text;
ALTER TABLE posture_findings ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(title || E'\x01' || description || E'\x01' || resource_id || E'\x01' || rule)) STORED;
CREATE INDEX posture_findings_text ON posture_findings USING gin (search_text gin_trgm_ops);
DROP INDEX posture_assets_text;
ALTER TABLE posture_assets ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(name || E'\x01' || resource_id)) STORED;
CREATE INDEX posture_assets_text ON posture_assets USING gin (search_text gin_trgm_ops);
ANALYZE posture_findings;
ANALYZE posture_assets;
`,
  },
  {
    // A finding's id is a hash of (tenant, source, source id) and an asset's of (tenant, account,
    // resource id) (ingest.ts), so the primary key (tenant, id) already holds each of these unique.
    // The assets' UNIQUE index served no read; every write maintained it. The findings' one served a
    // search by source, out of page order (the planner read a source's findings through it, then
    // sorted them): an index in page order, as the rule's, replaces it. Built before the drops: on a
    // PostgreSQL server the build lets readers on (writes wait), and the drops' exclusive locks are
    // then held only until the commit that follows.
    id: '0007_posture_source_index',
    sql: `
CREATE INDEX posture_findings_source ON posture_findings (tenant, source, severity_rank DESC, first_seen DESC, id COLLATE "C");
ALTER TABLE posture_findings DROP CONSTRAINT IF EXISTS posture_findings_tenant_source_source_id_key;
ALTER TABLE posture_assets DROP CONSTRAINT IF EXISTS posture_assets_tenant_account_resource_id_key;
`,
  },
  {
    // A region or resource type filter had no index: its page walked the order index testing every
    // finding until it had a page, and its count read every finding of the tenant. At 100,000
    // findings a region or type no finding holds took 82 and 74 ms a search (6 ms for an account
    // none holds, which has an index). Both in page order, as the rule's and the source's, so a
    // common value's page is a walk of its own findings and a rare value's count reads only them.
    id: '0008_posture_region_type_indexes',
    sql: `
CREATE INDEX posture_findings_region ON posture_findings (tenant, region, severity_rank DESC, first_seen DESC, id COLLATE "C");
CREATE INDEX posture_findings_resource_type ON posture_findings (tenant, resource_type, severity_rank DESC, first_seen DESC, id COLLATE "C");
`,
  },
  {
    // A framework or control filter tested each finding against the compliance table while walking
    // the findings in page order, and where its findings sort last (a control only informational
    // findings map to) the walk read most of the table first: at 100,000 findings one CIS control
    // held by 2,857 findings, all informational, took 1.6 s a search. Each mapping now carries its
    // finding's page order (rank and first seen, which the import writes with the finding) and
    // `framework_first` marks one mapping per finding and framework, so the search reads a
    // control's, or a framework's, mappings in page order and stops after a page. The rows are
    // written again rather than updated (an UPDATE of the 200,000 mappings of 100,000 findings took
    // 16 s and left as many dead rows); the table itself stays, with its grants. Both tables are
    // locked first (on a PostgreSQL server, a write between the copy and the TRUNCATE would be
    // lost; readers of the mappings wait for the commit). A mapping whose finding is gone (none is
    // written that way) would have no order: it is not kept.
    id: '0009_posture_compliance_page_order',
    sql: `
LOCK TABLE posture_compliance IN ACCESS EXCLUSIVE MODE;
LOCK TABLE posture_findings IN SHARE MODE;
CREATE TEMPORARY TABLE posture_compliance_0009 ON COMMIT DROP AS
SELECT c.tenant, c.finding_id, c.framework, c.control, f.severity_rank, f.first_seen,
       row_number() OVER (PARTITION BY c.tenant, c.finding_id, c.framework ORDER BY c.control) = 1 AS framework_first
  FROM posture_compliance c JOIN posture_findings f ON f.tenant = c.tenant AND f.id = c.finding_id;
TRUNCATE posture_compliance;
DROP INDEX posture_compliance_control;
ALTER TABLE posture_compliance DROP CONSTRAINT posture_compliance_pkey,
  ADD COLUMN severity_rank smallint NOT NULL, ADD COLUMN first_seen timestamptz NOT NULL,
  ADD COLUMN framework_first boolean NOT NULL;
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first)
SELECT tenant, finding_id, framework, control, severity_rank, first_seen, framework_first
  FROM pg_temp.posture_compliance_0009;
ALTER TABLE posture_compliance ADD CONSTRAINT posture_compliance_pkey PRIMARY KEY (tenant, finding_id, framework, control);
CREATE INDEX posture_compliance_page ON posture_compliance
  (tenant, framework, control, severity_rank DESC, first_seen DESC, finding_id COLLATE "C");
CREATE INDEX posture_compliance_framework_page ON posture_compliance
  (tenant, framework, severity_rank DESC, first_seen DESC, finding_id COLLATE "C") WHERE framework_first;
ANALYZE posture_compliance;
`,
  },
  {
    // A framework or control search by a principal limited to some accounts (ABAC), or with an
    // account filter, counted its matches by testing the findings: those of the account, or the
    // control's, each read from the findings table (at 100,000 findings, one control in one account
    // took 47-54 ms a search against 6-7 at 1,000). Each mapping now carries its finding's account
    // too (the import writes it with the finding), and both page indexes hold it (INCLUDE), so such
    // a count reads the mappings' index alone and the walk of the mappings skips another account's
    // without reading its finding. Written again as 0009 did, for the same reasons.
    id: '0010_posture_compliance_account',
    sql: `
LOCK TABLE posture_compliance IN ACCESS EXCLUSIVE MODE;
LOCK TABLE posture_findings IN SHARE MODE;
CREATE TEMPORARY TABLE posture_compliance_0010 ON COMMIT DROP AS
SELECT c.tenant, c.finding_id, c.framework, c.control, c.severity_rank, c.first_seen, c.framework_first, f.account
  FROM posture_compliance c JOIN posture_findings f ON f.tenant = c.tenant AND f.id = c.finding_id;
TRUNCATE posture_compliance;
DROP INDEX posture_compliance_page;
DROP INDEX posture_compliance_framework_page;
ALTER TABLE posture_compliance DROP CONSTRAINT posture_compliance_pkey, ADD COLUMN account text NOT NULL;
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account)
SELECT tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account
  FROM pg_temp.posture_compliance_0010;
ALTER TABLE posture_compliance ADD CONSTRAINT posture_compliance_pkey PRIMARY KEY (tenant, finding_id, framework, control);
CREATE INDEX posture_compliance_page ON posture_compliance
  (tenant, framework, control, severity_rank DESC, first_seen DESC, finding_id COLLATE "C") INCLUDE (account);
CREATE INDEX posture_compliance_framework_page ON posture_compliance
  (tenant, framework, severity_rank DESC, first_seen DESC, finding_id COLLATE "C") INCLUDE (account)
  WHERE framework_first;
ANALYZE posture_compliance;
`,
  },
  {
    // A framework or control search with a status, a source, a region, a resource type or a rule
    // counted its matches from the findings' side: one control with a region most findings are in
    // tested 87,000 findings at 100,000 to find 1,001 of the control's (23-31 ms a search against
    // 7-8 at 1,000). Each mapping now carries these columns of its finding too (the import writes
    // them with the finding, and writes the mappings again whenever the finding changes, its status
    // included), the controls' page index holds them, and every filter but a resource id is tested
    // on the mapping: a control's count reads the mappings' index alone. The frameworks' page index
    // holds only the account, as before: a whole framework's filters are common enough that a count
    // reads few mappings (as fast either way at 100,000 findings), and held there too they made
    // that index half as large again (21 to 31 MB at 100,000 findings), enough that on a small
    // store the planner counted a framework through the primary key instead. Written again as 0009
    // did, for the same reasons, but the findings locked first, as an import takes them (0009 and
    // 0010 lock the mappings first): on a PostgreSQL server an import that has written findings
    // finishes before the migration goes on, where the other order deadlocked and PostgreSQL
    // cancelled one of the two.
    id: '0011_posture_compliance_filters',
    sql: `
LOCK TABLE posture_findings IN SHARE MODE;
LOCK TABLE posture_compliance IN ACCESS EXCLUSIVE MODE;
CREATE TEMPORARY TABLE posture_compliance_0011 ON COMMIT DROP AS
SELECT c.tenant, c.finding_id, c.framework, c.control, c.severity_rank, c.first_seen, c.framework_first, c.account,
       f.status, f.source, f.region, f.resource_type, f.rule
  FROM posture_compliance c JOIN posture_findings f ON f.tenant = c.tenant AND f.id = c.finding_id;
TRUNCATE posture_compliance;
DROP INDEX posture_compliance_page;
DROP INDEX posture_compliance_framework_page;
ALTER TABLE posture_compliance DROP CONSTRAINT posture_compliance_pkey, ADD COLUMN status text NOT NULL,
  ADD COLUMN source text NOT NULL, ADD COLUMN region text NOT NULL, ADD COLUMN resource_type text NOT NULL,
  ADD COLUMN rule text NOT NULL;
INSERT INTO posture_compliance (tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account,
                                status, source, region, resource_type, rule)
SELECT tenant, finding_id, framework, control, severity_rank, first_seen, framework_first, account,
       status, source, region, resource_type, rule
  FROM pg_temp.posture_compliance_0011;
ALTER TABLE posture_compliance ADD CONSTRAINT posture_compliance_pkey PRIMARY KEY (tenant, finding_id, framework, control);
CREATE INDEX posture_compliance_page ON posture_compliance
  (tenant, framework, control, severity_rank DESC, first_seen DESC, finding_id COLLATE "C")
  INCLUDE (account, status, source, region, resource_type, rule);
CREATE INDEX posture_compliance_framework_page ON posture_compliance
  (tenant, framework, severity_rank DESC, first_seen DESC, finding_id COLLATE "C") INCLUDE (account)
  WHERE framework_first;
ANALYZE posture_compliance;
`,
  },
  {
    // A text tested finding by finding in page order (scanPage: a text the trigram index cannot
    // narrow) read each finding's row to test it and its filters: the table is in import order, not
    // page order, so up to SCAN_WINDOW (2,000) rows a call on as many pages, which at 100,000
    // findings are mostly not in the page cache. One account with "bucket 42" read 1,860 pages for
    // 5,153 findings (1,718 of the account's). The page order's index now holds what such a walk
    // tests, the text and the columns the walk's filters test, and the walk reads that index alone
    // (an index-only scan: 165 pages for the same walk). A rule or a resource id, or a source,
    // region or type few findings hold, may be walked through an index of its own (0003, 0007,
    // 0008), which reads each row as before. A B-tree entry holds at most about 2,700 bytes and a
    // description up to 20,000 characters, so the text is held in one of two columns: scan_text, in
    // the index, when it and the entry's other columns of varying size fit in SCAN_TEXT_BYTES, else
    // long_text, which the walk reads from the table by key. The trigram index reads whichever is
    // set (FINDING_TEXT), so the table holds each text once, as before. search_text goes: it held
    // every text, which is now in one of the two. The two indexes 0012 replaces are dropped first
    // (the rewrite would otherwise build them, to be dropped). An index-only scan reads the row of
    // a page VACUUM has not marked all-visible since it was written: the rewritten table is read as
    // before until it is vacuumed (by the next import or sync on the embedded store, by autovacuum
    // on a PostgreSQL server). One table is locked, as an import locks it first; run with 0011 (a
    // store not yet at 0011), 0011's locks come first, and the README says to stop the earlier
    // version's servers for the upgrade: they read search_text, which goes here.
    id: '0012_posture_findings_scan_text',
    sql: String.raw`
DROP INDEX posture_findings_order;
DROP INDEX posture_findings_text;
ALTER TABLE posture_findings DROP COLUMN search_text,
  ADD COLUMN scan_text text GENERATED ALWAYS AS (CASE WHEN ${FITS} THEN ${JOINED} END) STORED,
  ADD COLUMN long_text text GENERATED ALWAYS AS (CASE WHEN NOT (${FITS}) THEN ${JOINED} END) STORED;
CREATE INDEX posture_findings_text ON posture_findings USING gin ((coalesce(scan_text, long_text)) gin_trgm_ops);
CREATE INDEX posture_findings_order ON posture_findings (tenant, severity_rank DESC, first_seen DESC, id COLLATE "C")
  INCLUDE (account, status, source, region, resource_type, scan_text);
ANALYZE posture_findings;
`,
  },
  {
    // A rule with a framework or a control walked the rule's findings in page order, testing each
    // one's mappings: its count probed the mappings once per finding (1,001 probes for a rule with
    // a whole framework at 100,000 findings, about 5 ms), or joined the control's mappings (9,091)
    // to the rule's findings, and its page read every finding it passed from the table. Each
    // mapping carries its finding's rule since 0011: this index holds a rule's mappings by
    // framework in page order, so such a search counts them as the rule's (walkMappings) and walks
    // them, testing the control or the framework's mark on each entry, and reads only the page's
    // findings. The control is last: a finding's mappings in one framework share its order, so the
    // walk is in page order for a control and for a whole framework alike.
    id: '0013_posture_compliance_rule',
    sql: `
CREATE INDEX posture_compliance_rule ON posture_compliance
  (tenant, rule, framework, severity_rank DESC, first_seen DESC, finding_id COLLATE "C", control)
  INCLUDE (framework_first);
`,
  },
];

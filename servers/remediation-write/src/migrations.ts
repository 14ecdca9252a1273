import type { Migration } from '@portcullis/core/store';

/**
 * The engine's records (plans with their before → after, applies for the hourly budget, tickets,
 * the kill switch) and the simulated backend's demo cloud. The kit's approvals tables hold the
 * approval side of plans that need one (same plan id).
 */
export const remediationMigrations: Migration[] = [
  {
    id: '001_engine',
    sql: `
CREATE TABLE IF NOT EXISTS remediation_accounts (
  account text PRIMARY KEY,
  tenant text NOT NULL,
  name text NOT NULL,
  environment text NOT NULL CHECK (environment IN ('production', 'staging', 'development')),
  change_mode text NOT NULL DEFAULT 'automate' CHECK (change_mode IN ('automate', 'ticket'))
);
CREATE INDEX IF NOT EXISTS remediation_accounts_tenant_idx ON remediation_accounts (tenant);

CREATE TABLE IF NOT EXISTS remediation_plans (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  requester text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('change', 'rollback')),
  rolls_back text,
  action text NOT NULL,
  account text NOT NULL,
  region text NOT NULL,
  resource text NOT NULL,
  params jsonb NOT NULL,
  finding_id text,
  reason text,
  before_state jsonb NOT NULL,
  after_state jsonb NOT NULL,
  before_hash text NOT NULL,
  after_hash text NOT NULL,
  blast_radius jsonb NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('direct', 'approval_required', 'ticket', 'denied')),
  policies jsonb NOT NULL,
  reasons jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('ready', 'pending', 'approved', 'applying', 'applied', 'failed', 'rolled_back', 'ticketed', 'denied')),
  content_hash text NOT NULL,
  approval_id text,
  approver text,
  ticket_key text,
  rollback_plan text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  applied_by text,
  applied_at timestamptz,
  outcome jsonb
);
CREATE INDEX IF NOT EXISTS remediation_plans_tenant_idx ON remediation_plans (tenant, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS remediation_applies (
  plan_id text PRIMARY KEY,
  tenant text NOT NULL,
  principal text NOT NULL,
  applied_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS remediation_applies_principal_idx ON remediation_applies (tenant, principal, applied_at);

CREATE TABLE IF NOT EXISTS remediation_tickets (
  key text PRIMARY KEY,
  tenant text NOT NULL,
  seq integer NOT NULL,
  summary text NOT NULL,
  description text NOT NULL,
  severity text,
  account text,
  resource text,
  finding_id text,
  plan_id text,
  labels jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (tenant, seq)
);
CREATE INDEX IF NOT EXISTS remediation_tickets_tenant_idx ON remediation_tickets (tenant, created_at DESC);

-- The engine's ledger of tickets it opened, whatever the sink: one per tenant and finding
-- (claimed before the sink is called, so two concurrent requests cannot open two).
CREATE TABLE IF NOT EXISTS remediation_ticket_refs (
  tenant text NOT NULL,
  finding_id text NOT NULL,
  ticket_key text,
  ticket_url text,
  sink text NOT NULL,
  plan_id text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, finding_id)
);

CREATE TABLE IF NOT EXISTS remediation_kill_switch (
  id smallint PRIMARY KEY CHECK (id = 1),
  engaged boolean NOT NULL,
  reason text NOT NULL,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS remediation_sim_resources (
  account text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('bucket', 'security_group', 'access_key', 'instance')),
  id text NOT NULL,
  region text NOT NULL,
  state jsonb NOT NULL,
  PRIMARY KEY (account, kind, id)
);

CREATE TABLE IF NOT EXISTS remediation_sim_faults (
  account text NOT NULL,
  resource text NOT NULL,
  remaining integer NOT NULL CHECK (remaining >= 0),
  PRIMARY KEY (account, resource)
);

CREATE TABLE IF NOT EXISTS remediation_seed (
  version text PRIMARY KEY,
  seeded_at timestamptz NOT NULL
);
`,
  },
  {
    // Which accounts REMEDIATION_ACCOUNTS registered: configuration is authoritative for those, so
    // one dropped from the setting is removed at start; the demo seed's stay. Additive: existing
    // rows count as configured, except the demo seed's own (exactly as seeded, in a seeded store).
    id: '002_account_origin',
    sql: `
ALTER TABLE remediation_accounts ADD COLUMN IF NOT EXISTS origin text NOT NULL DEFAULT 'config'
  CHECK (origin IN ('config', 'demo'));
UPDATE remediation_accounts SET origin = 'demo'
 WHERE EXISTS (SELECT 1 FROM remediation_seed)
   AND (account, tenant, name, environment, change_mode) IN (
     ('111111111111', 'acme', 'acme-prod', 'production', 'automate'),
     ('222222222222', 'acme', 'acme-staging', 'staging', 'automate'),
     ('333333333333', 'acme', 'acme-dev', 'development', 'automate'),
     ('444444444444', 'globex', 'globex-prod', 'production', 'ticket'));
`,
  },
  {
    // Claims that can be taken over once stale (a process that died holding one): the ticket
    // ledger's claim gets an id, so only its holder records or releases it; a plan's apply claim
    // gets its time (plans claimed before this migration fall back to their remediation_applies
    // row's time).
    id: '003_stale_claims',
    sql: `
ALTER TABLE remediation_ticket_refs ADD COLUMN IF NOT EXISTS claim_id text;
ALTER TABLE remediation_plans ADD COLUMN IF NOT EXISTS claimed_at timestamptz;
`,
  },
];

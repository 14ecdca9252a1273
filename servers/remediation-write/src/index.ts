import { ConfigError, defineServer, packageFile } from '@portcullis/core';
import { awsAccountCredentialsFromEnv } from '@portcullis/core/aws-accounts';
import type { KitServices } from '@portcullis/core';
import { openCursorCodec } from '@portcullis/core/cursor';
import type { RemediationBackend, TicketSink } from './backend.js';
import {
  parseAccounts,
  parseChangeWindow,
  remediationConfigSchema,
  remediationSeedFor,
  type RemediationConfig,
} from './config.js';
import { RemediationEngine } from './engine.js';
import { remediationMigrations } from './migrations.js';
import { SimulatedBackend } from './simulated.js';
import { EmbeddedTicketSink } from './tickets.js';
import { remediationTools } from './tools/index.js';

export * from './backend.js';
export { CATALOG, ACTIONS } from './catalog.js';
export type { ActionSpec, BlastRadius, Risk } from './catalog.js';
export { remediationConfigSchema, parseChangeWindow, inChangeWindow } from './config.js';
export type { RemediationConfig, ChangeWindow } from './config.js';
export { RemediationEngine } from './engine.js';
export type { RemediationPlan, ApplyOutcome, KillSwitchState, Verdict } from './engine.js';
export { remediationMigrations } from './migrations.js';
export { SimulatedBackend } from './simulated.js';
export { EmbeddedTicketSink } from './tickets.js';
export { DEMO_ACCOUNTS, DEMO_STORY, demoResources } from './seed.js';
export { remediationTools } from './tools/index.js';
export { replaceToolsTable, toolsTable, TABLE_END, TABLE_START } from '@portcullis/core';

/** The system the kill switch gauge is labelled with. */
export const SYSTEM = 'remediation-write';

/** The backend REMEDIATION_BACKEND names (one branch per backend). */
async function createChangeBackend(
  services: KitServices<RemediationConfig>,
  seed: boolean,
): Promise<RemediationBackend> {
  const config = services.config;
  switch (config.REMEDIATION_BACKEND) {
    case 'simulated':
      return SimulatedBackend.create(services.store, { seed });
    case 'aws': {
      // Loaded only here, so the simulated backend never loads the AWS SDK.
      const { createAwsBackend } = await import('./aws-backend.js');
      return createAwsBackend({
        accounts: awsAccountCredentialsFromEnv(services.env, {
          system: SYSTEM,
          credentials: services.credentials,
          // An account with no role is changed with the server's own credentials only if they are
          // that account's: never on a same-named resource of the server's account.
          ownAccountOnly: true,
        }),
        ...(config.REMEDIATION_AWS_ENDPOINT !== undefined
          ? { endpoint: config.REMEDIATION_AWS_ENDPOINT }
          : {}),
      });
    }
  }
}

/** The setting a Jira option comes from, or a start-up refusal naming it. */
function required<T>(value: T | undefined, setting: string): T {
  if (value === undefined) throw new ConfigError(`${setting} is required with REMEDIATION_TICKETS=jira.`);
  return value;
}

/** The ticket sink REMEDIATION_TICKETS names (one branch per sink). */
async function createTicketSink(
  services: KitServices<RemediationConfig>,
  now: () => number,
): Promise<TicketSink> {
  const config = services.config;
  switch (config.REMEDIATION_TICKETS) {
    case 'embedded':
      return new EmbeddedTicketSink(services.store, undefined, now);
    case 'jira': {
      const { createJiraSink } = await import('./jira.js');
      return createJiraSink({
        baseUrl: required(config.REMEDIATION_JIRA_URL, 'REMEDIATION_JIRA_URL'),
        email: required(config.REMEDIATION_JIRA_EMAIL, 'REMEDIATION_JIRA_EMAIL'),
        apiTokenRef: required(config.REMEDIATION_JIRA_API_TOKEN, 'REMEDIATION_JIRA_API_TOKEN'),
        apiTokenSetting: 'REMEDIATION_JIRA_API_TOKEN',
        credentials: services.credentials,
        projectKey: required(config.REMEDIATION_JIRA_PROJECT, 'REMEDIATION_JIRA_PROJECT'),
        issueType: config.REMEDIATION_JIRA_ISSUE_TYPE,
      });
    }
  }
}

/**
 * REMEDIATION_ACCOUNTS into the store's account registry. Configuration is authoritative: an
 * account it registered and no longer lists (an offboarded tenant's) is removed in the same
 * transaction, so nothing can be planned or applied there any more. Only the registration row
 * goes: plans, tickets and audit records name the account by id and keep it. The demo seed's
 * accounts (origin demo) are not the setting's to remove until it lists one (it then owns it).
 */
async function registerAccounts(services: KitServices<RemediationConfig>): Promise<void> {
  const accounts = parseAccounts(services.config.REMEDIATION_ACCOUNTS);
  const removed = await services.store.transaction(async (tx) => {
    for (const a of accounts)
      await tx.query(
        `INSERT INTO remediation_accounts (account, tenant, name, environment, change_mode, origin)
         VALUES ($1, $2, $3, $4, $5, 'config')
         ON CONFLICT (account) DO UPDATE SET tenant = EXCLUDED.tenant, name = EXCLUDED.name,
           environment = EXCLUDED.environment, change_mode = EXCLUDED.change_mode, origin = 'config'`,
        [a.account, a.tenant, a.name, a.environment, a.change_mode],
      );
    const res = await tx.query<{ account: string; tenant: string }>(
      `DELETE FROM remediation_accounts WHERE origin = 'config' AND NOT (account = ANY($1::text[]))
       RETURNING account, tenant`,
      [accounts.map((a) => a.account)],
    );
    return res.rows;
  });
  if (removed.length > 0)
    services.logger.warn(
      { accounts: removed },
      'REMEDIATION_ACCOUNTS no longer lists these accounts: removed, no change can target them',
    );
}

async function createEngine(
  services: KitServices<RemediationConfig>,
  opts: RemediationServerOptions,
): Promise<RemediationEngine> {
  const config = services.config;
  const now = opts.now ?? (() => Date.now());
  const seed = remediationSeedFor(config, services.env) === 'demo';
  services.logger.info(
    { backend: config.REMEDIATION_BACKEND, tickets: config.REMEDIATION_TICKETS, seed },
    'remediation-write: backend and ticket sink',
  );
  const ttl = Number(services.env.PORTCULLIS_PLAN_TTL_SECONDS ?? '') || 86_400;
  const engine = new RemediationEngine({
    store: services.store,
    backend: await createChangeBackend(services, seed),
    tickets: await createTicketSink(services, now),
    cursors: await openCursorCodec(services),
    window: parseChangeWindow(config.REMEDIATION_CHANGE_WINDOW),
    appliesPerHour: config.REMEDIATION_APPLIES_PER_HOUR,
    maxChangesPerPlan: config.REMEDIATION_MAX_RESOURCES_PER_PLAN,
    planTtlMs: ttl * 1000,
    now,
  });
  await registerAccounts(services);
  if (config.PORTCULLIS_KILL_SWITCH === 'on') {
    await engine.setKillSwitch(true, 'PORTCULLIS_KILL_SWITCH=on at start', 'PORTCULLIS_KILL_SWITCH');
    services.logger.warn(
      'kill switch engaged at start (PORTCULLIS_KILL_SWITCH=on): no change will be applied',
    );
  }
  services.gauge({
    name: 'portcullis_kill_switch_engaged',
    help: 'Whether the remediation kill switch is engaged (1) or not (0), as the shared store says',
    labelNames: ['system'],
    collect: async () => [{ labels: { system: SYSTEM }, value: (await engine.killSwitch()).engaged ? 1 : 0 }],
  });
  return engine;
}

export interface RemediationServerOptions {
  /** The clock plans, budgets and change windows use (tests inject one). */
  now?: () => number;
}

/** The remediation-write server definition; `server` is the one the CLI runs. */
export function createRemediationServer(opts: RemediationServerOptions = {}) {
  return defineServer<RemediationEngine, typeof remediationConfigSchema>({
    name: 'remediation-write',
    version: '0.1.0',
    title: 'Portcullis Remediation',
    description:
      'Security fixes behind plan, approval, apply, verify and rollback: a catalog of AWS remediations, each planned as an exact before → after with its blast radius and policy verdict, applied only as approved against the state that was approved, read back and verified, rolled back when it does not verify; tickets where policy says not to automate; a kill switch.',
    instructions:
      'Plan first: remediation_plan reads the target and returns before → after, the blast radius and a verdict. direct: apply it with remediation_apply. approval_required: give the plan id to an approver (remediation_approve or POST /approvals/{plan_id}) and apply it yourself with the approval token they return. ticket: a ticket was opened instead; report its key. denied: stop and report the deciding policies. ' +
      'Never retry an apply that answered target_drifted, verification_failed, verification_unavailable or kill_switch_engaged: tell a human, citing the audit ids. Use remediation_open_ticket when you should report rather than fix.',
    defaultPort: 7304,
    toolPrefix: 'remediation_',
    toolsets: [
      { id: 'plans', description: 'The catalog; plan changes and rollbacks; read plans.', default: true },
      { id: 'approvals', description: 'Approve plans (approvers).', default: true },
      { id: 'apply', description: 'Apply plans (direct, or with an approval token).', default: true },
      { id: 'tickets', description: 'Open security tickets with evidence.', default: true },
      { id: 'admin', description: 'The kill switch (admins; also POST /admin/kill-switch).', default: true },
    ],
    tools: remediationTools,
    policyDir: packageFile('@portcullis/remediation-write', import.meta.url, 'policies'),
    extraActions: [
      { name: 'remediation_change', resourceTypes: ['Change'] },
      { name: 'remediation_automate', resourceTypes: ['Change'] },
    ],
    approvalTool: 'remediation_approve',
    httpActions: [{ path: '/admin/kill-switch', tool: 'remediation_set_kill_switch' }],
    configSchema: remediationConfigSchema,
    migrations: remediationMigrations,
    createBackend: (services) => createEngine(services, opts),
  });
}

export const server = createRemediationServer();
export { actionsTable, policiesTable, replaceActionsTable, replacePoliciesTable } from './readme-tables.js';

import { parseArgs } from 'node:util';
import { ConfigError, createLogger, migrate, PortcullisError, Redactor } from '@portcullis/core';
import {
  AssumeRoleError,
  awsAccountCredentialsFromEnv,
  type AwsCredentialsProvider,
} from '@portcullis/core/aws-accounts';
import { CredentialResolver } from '@portcullis/core/credentials';
import type { IncomingFinding } from './domain.js';
import { openWritableStore } from './import-cli.js';
import { ingestRecords, UPKEEP_WARNING } from './importers/importer.js';
import { fromAsff, RecordError } from './importers/normalize.js';
import { migrations } from './migrations.js';
import { SecurityHubSource, syncFilters } from './securityhub.js';

const NAME = 'portcullis-posture-read sync';

export const SYNC_USAGE = `Usage: portcullis-posture-read sync securityhub --tenant T --region R [--account ID] [--since ISO] [--dry-run]

Pages through AWS Security Hub's GetFindings for one region (the findings of every account the
credentials see there: the administrator account's aggregated view) into the store, in one
transaction: the same mapping, idempotency, history and counts as "import --format asff".

  --tenant   the tenant the findings belong to (required)
  --region   the AWS region to read (required), e.g. eu-west-1
  --account  read through this (administrator) account: its role in AWS_ACCOUNT_ROLES is assumed
  --since    only findings updated at or after this time (ISO 8601), e.g. the last sync's start
  --dry-run  report what would change, change nothing

Credentials: the AWS SDK's default chain (AWS_PROFILE, SSO, environment, web identity, container
or instance role), or with --account the role AWS_ACCOUNT_ROLES names for that account, assumed
with them; it needs securityhub:GetFindings. POSTURE_SECURITYHUB_ENDPOINT overrides the
endpoint (tests). Uses PORTCULLIS_DATA_DIR (refused while a server holds it) or DATABASE_URL.`;

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** `portcullis-posture-read sync securityhub ...`: the exit code (0 ok, 1 refused or failed, 64 usage). */
export async function runSyncCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const fail = (msg: string, code = 1): number => {
    io.stderr.write(`${NAME}: ${msg}\n`);
    return code;
  };
  let values: {
    tenant?: string;
    region?: string;
    account?: string;
    since?: string;
    'dry-run'?: boolean;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        region: { type: 'string' },
        account: { type: 'string' },
        since: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${SYNC_USAGE}`, 64);
  }
  if (values.help) {
    io.stdout.write(`${SYNC_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'securityhub')
    return fail(`the only source is securityhub\n${SYNC_USAGE}`, 64);
  const tenant = values.tenant ?? '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant))
    return fail('--tenant is required (letters, digits, . _ -)', 64);
  const region = values.region ?? '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    return fail('--region is required: an AWS region such as eu-west-1', 64);
  let since: string | undefined;
  if (values.since !== undefined) {
    const t = Date.parse(values.since);
    if (!/^\d{4}-\d\d-\d\d/.test(values.since) || !Number.isFinite(t))
      return fail(`--since must be an ISO 8601 time, not '${values.since.slice(0, 40)}'`, 64);
    since = new Date(t).toISOString();
  }
  const endpoint = env.POSTURE_SECURITYHUB_ENDPOINT || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint))
    return fail('POSTURE_SECURITYHUB_ENDPOINT must be an http(s) URL', 64);

  // --account: assume that account's role now, so a refused role is one clear line before any work.
  let credentials: AwsCredentialsProvider | undefined;
  let resolver: CredentialResolver | undefined;
  if (values.account !== undefined) {
    const account = values.account;
    if (!/^\d{12}$/.test(account)) return fail('--account must be a 12-digit AWS account id', 64);
    const redactor = new Redactor();
    resolver = new CredentialResolver({
      redactor,
      logger: createLogger({ name: 'posture-read-sync', level: 'silent', redactor }),
      env,
    });
    try {
      const accounts = awsAccountCredentialsFromEnv(env, {
        system: 'posture-read',
        credentials: resolver,
        region,
      });
      if (accounts.roleFor(account) === undefined) {
        resolver.close();
        return fail(`--account ${account}: AWS_ACCOUNT_ROLES names no role for this account`, 64);
      }
      credentials = accounts.provider(account);
      await credentials();
    } catch (err) {
      resolver.close();
      if (err instanceof AssumeRoleError || err instanceof ConfigError) return fail(err.message);
      return fail(`could not assume the role of account ${account}`);
    }
  }

  let store;
  try {
    store = await openWritableStore(env);
  } catch (err) {
    resolver?.close();
    return fail(err instanceof Error ? err.message : 'could not open the store');
  }
  const hub = new SecurityHubSource({
    region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
  });
  const sourceName = `securityhub:${region}${since !== undefined ? ` since ${since}` : ''}`;
  async function* records(): AsyncGenerator<IncomingFinding> {
    let index = 0;
    for await (const raw of hub.findings(syncFilters(region, since))) yield fromAsff(raw, index++);
  }
  try {
    await migrate(store, 'posture-read', migrations);
    const res = await ingestRecords(store, records(), {
      tenant,
      format: 'securityhub',
      sourceName,
      dryRun: values['dry-run'] === true,
    });
    const c = res.counts;
    io.stdout.write(
      `${res.dryRun ? 'dry run (nothing changed): would sync' : 'synced'} ${res.records} Security Hub findings from ${region} into tenant ${tenant}${res.dryRun ? '' : ` (batch ${res.batch})`}: new ${c.new}, updated ${c.updated}, unchanged ${c.unchanged}, resolved ${c.resolved}\n`,
    );
    if (res.upkeepError !== undefined) io.stderr.write(`${NAME}: ${UPKEEP_WARNING} (${res.upkeepError})\n`);
    return 0;
  } catch (err) {
    if (err instanceof RecordError) return fail(`finding ${err.message}; nothing from this sync was kept`);
    if (err instanceof PortcullisError)
      return fail(
        `${err.message}${err.remediation ? ` ${err.remediation}` : ''} Nothing from this sync was kept.`,
      );
    return fail(
      `the sync failed and nothing from it was kept (${err instanceof Error ? err.message.slice(0, 200) : 'error'})`,
    );
  } finally {
    hub.close();
    resolver?.close();
    await store.close();
  }
}

import { z } from 'zod';
import { isProduction } from '@portcullis/core';

/** A change window: days and UTC hours, e.g. `mon-fri 08:00-18:00`; `always` (the default) never closes. */
export interface ChangeWindow {
  /** 0 = Sunday ... 6 = Saturday. */
  days: Set<number>;
  /** Minutes after UTC midnight: start inclusive, end exclusive. */
  start: number;
  end: number;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Parses REMEDIATION_CHANGE_WINDOW; null for `always`. Throws a message naming the format. */
export function parseChangeWindow(text: string): ChangeWindow | null {
  const t = text.trim().toLowerCase();
  if (t === 'always') return null;
  const m = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(t);
  const from = m ? DAYS.indexOf(m[1]!) : -1;
  const to = m ? DAYS.indexOf(m[2] ?? m[1]!) : -1;
  if (!m || from < 0 || to < 0) throw new Error('bad window');
  const start = Number(m[3]) * 60 + Number(m[4]);
  const end = Number(m[5]) * 60 + Number(m[6]);
  if (Number(m[3]) > 23 || Number(m[4]) > 59 || Number(m[5]) > 24 || Number(m[6]) > 59 || end > 1440)
    throw new Error('bad window');
  if (end <= start) throw new Error('bad window');
  const days = new Set<number>();
  for (let d = from; ; d = (d + 1) % 7) {
    days.add(d);
    if (d === to) break;
  }
  return { days, start, end };
}

/** Whether `now` (ms) falls inside the window (null: always). */
export function inChangeWindow(window: ChangeWindow | null, now: number): boolean {
  if (window === null) return true;
  const d = new Date(now);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  return window.days.has(d.getUTCDay()) && minute >= window.start && minute < window.end;
}

export interface ConfiguredAccount {
  account: string;
  tenant: string;
  name: string;
  environment: 'production' | 'staging' | 'development';
  change_mode: 'automate' | 'ticket';
}

const accountEntry = z
  .object({
    tenant: z.string().min(1).max(128),
    name: z.string().min(1).max(128),
    environment: z.enum(['production', 'staging', 'development']),
    change_mode: z.enum(['automate', 'ticket']).default('automate'),
  })
  .strict();

/** REMEDIATION_ACCOUNTS: the accounts (and their tenant, environment, change mode) changes may target. */
export function parseAccounts(raw: string | undefined): ConfiguredAccount[] {
  if (raw === undefined || raw.trim() === '') return [];
  const parsed = z.record(z.string().regex(/^\d{12}$/), accountEntry).parse(JSON.parse(raw));
  return Object.entries(parsed).map(([account, a]) => ({ account, ...a }));
}

/** remediation-write's own settings (validated at start; a bad value stops start-up naming the variable). */
export const remediationConfigSchema = z.object({
  /** Where changes are made: `simulated` (a model of the accounts in the store) or `aws` (the AWS APIs, one role per account from AWS_ACCOUNT_ROLES). */
  REMEDIATION_BACKEND: z.enum(['simulated', 'aws']).default('simulated'),
  /** The accounts changes may target, per tenant: `{"<12 digits>": {"tenant", "name", "environment", "change_mode"}}`, upserted at start. */
  REMEDIATION_ACCOUNTS: z
    .string()
    .max(65_536)
    .optional()
    .refine((v) => {
      try {
        parseAccounts(v);
        return true;
      } catch {
        return false;
      }
    }, 'JSON {"<12-digit account>": {"tenant": "...", "name": "...", "environment": "production|staging|development", "change_mode": "automate|ticket"}}'),
  /** With `aws`: one endpoint for S3, EC2 and IAM (a VPC endpoint, or a local fake in tests); default the regions' public endpoints. */
  REMEDIATION_AWS_ENDPOINT: z.string().url().optional(),
  /** Where tickets go: `embedded` (a queue in the store) or `jira` (Jira Cloud, REST API v3). */
  REMEDIATION_TICKETS: z.enum(['embedded', 'jira']).default('embedded'),
  /** With `jira`: the site, e.g. https://your-domain.atlassian.net. */
  REMEDIATION_JIRA_URL: z.string().url().optional(),
  /** With `jira`: the Atlassian account's email (basic auth user). */
  REMEDIATION_JIRA_EMAIL: z.string().email().optional(),
  /** With `jira`: a credential reference (aws-sm:, file:, env:) to the API token; never the token itself. */
  REMEDIATION_JIRA_API_TOKEN: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^(aws-sm|file|env):./.test(v),
      'a credential reference: aws-sm:..., file:... or env:...',
    ),
  /** With `jira`: the project key issues are created in, e.g. SEC. */
  REMEDIATION_JIRA_PROJECT: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,9}$/)
    .optional(),
  /** With `jira`: the issue type (default Task). */
  REMEDIATION_JIRA_ISSUE_TYPE: z.string().min(1).max(64).default('Task'),
  /** When production changes may be applied (UTC): `always`, or `DAY[-DAY] HH:MM-HH:MM`, e.g. `mon-fri 08:00-18:00`. */
  REMEDIATION_CHANGE_WINDOW: z
    .string()
    .default('always')
    .refine((v) => {
      try {
        parseChangeWindow(v);
        return true;
      } catch {
        return false;
      }
    }, 'always, or DAY[-DAY] HH:MM-HH:MM in UTC, e.g. mon-fri 08:00-18:00'),
  /** Applies (rollbacks included) each principal may make per rolling hour. */
  REMEDIATION_APPLIES_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(20),
  /** The most individual changes (rules, groups, settings) one plan may make. */
  REMEDIATION_MAX_RESOURCES_PER_PLAN: z.coerce.number().int().min(1).max(1000).default(10),
  /** `on` engages the kill switch at start (in the store, so every replica stops applying). */
  PORTCULLIS_KILL_SWITCH: z.enum(['on', 'off']).optional(),
  /** demo seeds the demo cloud and accounts once into an empty store; none starts empty. Default: none when NODE_ENV=production, else demo. */
  REMEDIATION_SEED: z.enum(['demo', 'none']).optional(),
});

export type RemediationConfig = z.output<typeof remediationConfigSchema>;

/** Whether the store gets the demo cloud: REMEDIATION_SEED, else none in production, demo elsewhere. */
export function remediationSeedFor(config: RemediationConfig, env: NodeJS.ProcessEnv): 'demo' | 'none' {
  return config.REMEDIATION_SEED ?? (isProduction(env.NODE_ENV) ? 'none' : 'demo');
}

import { z } from 'zod';
import { ConfigError, isProduction, parseServerConfig } from '@portcullis/core';

/**
 * The posture server's own settings (docs/architecture.md section 6), validated at start: a bad
 * value stops the server with a message naming the variable. No setting holds a secret.
 */
export const configSchema = z.object({
  POSTURE_BACKEND: z.enum(['embedded', 'securityhub']).default('embedded'),
  // Live mode (POSTURE_BACKEND=securityhub): the aggregation region, the tenants' accounts, and a
  // local endpoint in tests. Checked in createBackend (parseLiveTenants), where the mode is known.
  POSTURE_SECURITYHUB_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
    .optional(),
  POSTURE_SECURITYHUB_TENANTS: z.string().max(65_536).optional(),
  POSTURE_SECURITYHUB_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL')
    .optional(),
  // No default here: postureSeedFor picks one from NODE_ENV (demo data never in production).
  POSTURE_SEED: z.enum(['demo', 'none']).optional(),
});

export type PostureConfig = z.output<typeof configSchema>;

/** The settings as the server uses them, with POSTURE_SEED's environment-dependent default applied. */
export function readConfig(env: NodeJS.ProcessEnv): PostureConfig {
  const cfg = parseServerConfig(configSchema, env);
  return { ...cfg, POSTURE_SEED: postureSeedFor(cfg, env) };
}

/** Whether an empty store gets the demo data: POSTURE_SEED, else none in production, demo elsewhere. */
export function postureSeedFor(
  config: { POSTURE_SEED?: 'demo' | 'none' },
  env: NodeJS.ProcessEnv,
): 'demo' | 'none' {
  return config.POSTURE_SEED ?? (isProduction(env.NODE_ENV) ? 'none' : 'demo');
}

/** One tenant in live mode: the Security Hub administrator account it is read through, and its accounts. */
export interface LiveTenant {
  /** The (delegated) administrator account whose GetFindings aggregates the member accounts. */
  administratorAccount: string;
  /** The tenant's AWS accounts: the only ones its principals can ever see. */
  accounts: string[];
}

/** POSTURE_SECURITYHUB_TENANTS: `{"acme": {"administrator_account": "111111111111", "accounts": [...]}}`. */
export function parseLiveTenants(raw: string | undefined, setting: string): Map<string, LiveTenant> {
  const fail = (why: string): never => {
    throw new ConfigError(`${setting} ${why}`);
  };
  if (raw === undefined || raw.trim() === '')
    fail(
      'is required with POSTURE_BACKEND=securityhub: {"<tenant>": {"administrator_account": "<12 digits>", "accounts": ["<12 digits>", ...]}}.',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw!);
  } catch {
    fail('must be JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('must be a JSON object keyed by tenant.');
  const out = new Map<string, LiveTenant>();
  const owner = new Map<string, string>();
  for (const [tenant, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) fail('has a tenant name that is not letters, digits, . _ -.');
    const t = (v ?? {}) as { administrator_account?: unknown; accounts?: unknown };
    if (typeof t.administrator_account !== 'string' || !/^\d{12}$/.test(t.administrator_account))
      fail(`["${tenant}"].administrator_account must be a 12-digit AWS account id.`);
    if (
      !Array.isArray(t.accounts) ||
      t.accounts.length === 0 ||
      t.accounts.length > 20 ||
      !t.accounts.every((a) => typeof a === 'string' && /^\d{12}$/.test(a))
    )
      fail(
        `["${tenant}"].accounts must list 1 to 20 12-digit AWS account ids (one GetFindings filter holds 20).`,
      );
    for (const a of t.accounts as string[]) {
      // One account, one tenant: otherwise two tenants would see each other's findings.
      if (owner.has(a) && owner.get(a) !== tenant) fail(`lists account ${a} under two tenants.`);
      owner.set(a, tenant);
    }
    out.set(tenant, {
      administratorAccount: t.administrator_account as string,
      accounts: [...new Set(t.accounts as string[])],
    });
  }
  return out;
}

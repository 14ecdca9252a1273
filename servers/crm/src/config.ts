import { z } from 'zod';
import { ConfigError } from '@portcullis/core';
import { STAGES, type Stage } from './domain.js';

/** `a=1,b=2` → { a: '1', b: '2' }; used by the HubSpot id mappings. */
const mapping = (what: string) =>
  z
    .string()
    .regex(
      /^\s*[^=,\s]+\s*=\s*[^=,\s]+\s*(,\s*[^=,\s]+\s*=\s*[^=,\s]+\s*)*$/,
      `a comma-separated list of ${what}, e.g. alice=12345,bob=67890`,
    )
    .transform((s) =>
      Object.fromEntries(
        s.split(',').map((pair) => pair.split('=').map((x) => x.trim()) as [string, string]),
      ),
    );

const stageMapping = mapping('crm_stage=hubspot_stage_id pairs').refine(
  (m) => Object.keys(m).every((k) => (STAGES as readonly string[]).includes(k)),
  `keys must be CRM stages (${STAGES.join(', ')})`,
);

/**
 * The CRM server's own settings (docs/architecture.md section 6), validated at start: a bad value stops the
 * server with a message naming the variable.
 */
export const configSchema = z
  .object({
    CRM_BACKEND: z.enum(['embedded', 'hubspot']).default('embedded'),
    // No default here: readConfig picks one from NODE_ENV (demo data never in production).
    CRM_SEED: z.enum(['demo', 'none']).optional(),
    CRM_HUBSPOT_TOKEN: z
      .string()
      .regex(
        /^(env:|file:|aws-sm:)\S+$/,
        'a credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key]',
      )
      .optional(),
    CRM_HUBSPOT_BASE_URL: z
      .url()
      .default('https://api.hubapi.com')
      .refine((u) => {
        const url = new URL(u);
        // A token must never cross the network in clear text; plain http is for a local fake only.
        return (
          url.protocol === 'https:' ||
          (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
        );
      }, 'must be https (http only for 127.0.0.1 or localhost)'),
    CRM_HUBSPOT_TENANT: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a tenant id')
      .optional(),
    CRM_HUBSPOT_OWNER_MAP: mapping('owner_id=hubspot_owner_id pairs').optional(),
    CRM_HUBSPOT_TEAM_MAP: mapping('team=hubspot_team_id pairs').optional(),
    CRM_HUBSPOT_STAGE_MAP: stageMapping.optional(),
    CRM_HUBSPOT_PIPELINE: z.string().min(1).max(100).default('default'),
    CRM_HUBSPOT_REGION_PROPERTY: z
      .string()
      .regex(/^[a-z0-9_]{1,100}$/, 'a HubSpot property name')
      .default('portcullis_region'),
  })
  .superRefine((c, ctx) => {
    if (c.CRM_BACKEND !== 'hubspot') return;
    if (c.CRM_HUBSPOT_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CRM_HUBSPOT_TOKEN'],
        message:
          'is required when CRM_BACKEND=hubspot (a credential reference such as aws-sm:crm/hubspot#token)',
      });
    }
    if (c.CRM_HUBSPOT_TENANT === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CRM_HUBSPOT_TENANT'],
        message: 'is required when CRM_BACKEND=hubspot (the tenant whose HubSpot portal this is)',
      });
    }
  });

export type CrmConfig = z.output<typeof configSchema>;

/** Reads the settings from an environment (empty values count as unset, as the kit does). */
export function readConfig(env: NodeJS.ProcessEnv): CrmConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  // Demo data never reaches a production store unless asked for by name.
  picked.CRM_SEED ??= env.NODE_ENV === 'production' ? 'none' : 'demo';
  const r = configSchema.safeParse(picked);
  if (!r.success)
    throw new ConfigError(
      r.error.issues.map((i) => `${i.path.join('.') || 'configuration'}: ${i.message}`).join('; '),
    );
  return r.data;
}

export function stageMap(c: CrmConfig): Partial<Record<Stage, string>> {
  return c.CRM_HUBSPOT_STAGE_MAP ?? {};
}

import { z } from 'zod';
import { isProduction, parseServerConfig } from '@portcullis/core';
import { minorUnitExponent, moneyTableSetting } from '@portcullis/core/money';
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

const credentialRef = z
  .string()
  .regex(
    /^(env:|file:|aws-sm:)\S+$/,
    'a credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key]',
  );

const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '::1'];

/** `Name <address>` or a bare address, on one line: it becomes the From header. */
const fromAddress = z
  .string()
  .max(200)
  .regex(
    /^(?:[^\r\n<>"]{1,100} <[^\s<>@]+@[A-Za-z0-9.-]+>|[^\s<>@]+@[A-Za-z0-9.-]+)$/,
    'an address, optionally with a display name: "Acme Support <support@acme.example>"',
  );

const positiveInt = (max: number) => z.coerce.number().int().min(0).max(max);

const stageMapping = mapping('crm_stage=hubspot_stage_id pairs').refine(
  (m) => Object.keys(m).every((k) => (STAGES as readonly string[]).includes(k)),
  `keys must be CRM stages (${STAGES.join(', ')})`,
);

/** 100,000.00 in USD, EUR and GBP: the large-deal rule's default. */
export const DEFAULT_LARGE_DEAL_THRESHOLD = 'USD:10000000,EUR:10000000,GBP:10000000';

/**
 * The CRM server's own settings (docs/architecture.md section 6), validated at start: a bad value stops the
 * server with a message naming the variable.
 */
export const configSchema = z
  .object({
    CRM_BACKEND: z.enum(['embedded', 'hubspot']).default('embedded'),
    /**
     * Per currency, minor units (CODE:MINOR_UNITS,...): closing a deal of at least this much as won
     * needs a manager or admin. A currency without an entry is refused for opportunity writes.
     */
    CRM_LARGE_DEAL_THRESHOLD: moneyTableSetting(DEFAULT_LARGE_DEAL_THRESHOLD),
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
    CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY: z
      .string()
      .regex(/^[a-z0-9_]{1,100}$/, 'a HubSpot property name')
      .default('billing_customer_id'),
    /**
     * The portal's company currency, for deals HubSpot gives no `deal_currency_code` (a portal
     * without multi-currency). Unset: read from HubSpot's account details on first need.
     */
    CRM_HUBSPOT_CURRENCY: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 currency code such as EUR')
      .transform((s) => s.toUpperCase())
      .refine((code) => minorUnitExponent(code) !== null, 'a known ISO 4217 currency code, e.g. EUR')
      .optional(),
    CRM_HUBSPOT_EMAIL_SUBSCRIPTION_ID: z
      .string()
      .regex(/^[0-9]{1,20}$/, 'a HubSpot subscription type id (digits)')
      .optional(),
    // ---- customer e-mail (src/email/)
    CRM_EMAIL_TRANSPORT: z.enum(['file', 'smtp', 'ses']).default('file'),
    CRM_EMAIL_FROM: fromAddress.default('Portcullis CRM <crm@portcullis.localhost>'),
    CRM_EMAIL_TEMPLATE_DIR: z.string().min(1).optional(),
    CRM_EMAIL_DAILY_SEND_BUDGET: positiveInt(100_000).default(50),
    CRM_EMAIL_CONTACT_DAILY_LIMIT: positiveInt(1000).default(2),
    CRM_SMTP_HOST: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:.]+\]?$/, 'a host name or IP address')
      .optional(),
    CRM_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    CRM_SMTP_SECURITY: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    CRM_SMTP_USER: z.string().min(1).max(200).optional(),
    CRM_SMTP_PASSWORD: credentialRef.optional(),
    CRM_SMTP_CA_FILE: z.string().min(1).optional(),
    CRM_SES_REGION: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1')
      .optional(),
    CRM_SES_ENDPOINT: z
      .url()
      .refine((u) => {
        const url = new URL(u);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.includes(url.hostname));
      }, 'must be https (http only for 127.0.0.1 or localhost)')
      .optional(),
    CRM_SES_CONFIGURATION_SET: z.string().min(1).max(64).optional(),
    CRM_SES_ACCESS_KEY_ID: credentialRef.optional(),
    CRM_SES_SECRET_ACCESS_KEY: credentialRef.optional(),
  })
  .superRefine((c, ctx) => {
    const need = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (c.CRM_EMAIL_TRANSPORT === 'smtp') {
      if (c.CRM_SMTP_HOST === undefined) need('CRM_SMTP_HOST', 'is required when CRM_EMAIL_TRANSPORT=smtp');
      else if (c.CRM_SMTP_SECURITY === 'none' && !LOCAL_HOSTS.includes(c.CRM_SMTP_HOST))
        need('CRM_SMTP_SECURITY', 'none (no TLS) is allowed only for a relay on 127.0.0.1 or localhost');
      if ((c.CRM_SMTP_USER === undefined) !== (c.CRM_SMTP_PASSWORD === undefined))
        need('CRM_SMTP_PASSWORD', 'CRM_SMTP_USER and CRM_SMTP_PASSWORD go together (or neither)');
    }
    if (c.CRM_EMAIL_TRANSPORT === 'ses') {
      if (c.CRM_SES_REGION === undefined) need('CRM_SES_REGION', 'is required when CRM_EMAIL_TRANSPORT=ses');
      if ((c.CRM_SES_ACCESS_KEY_ID === undefined) !== (c.CRM_SES_SECRET_ACCESS_KEY === undefined))
        need(
          'CRM_SES_SECRET_ACCESS_KEY',
          'CRM_SES_ACCESS_KEY_ID and CRM_SES_SECRET_ACCESS_KEY go together (or neither, for the default AWS credential chain)',
        );
    }
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

/**
 * Reads the settings from an environment exactly as the kit does at start (the server itself gets
 * them parsed, as `services.config`); for scripts and tests.
 */
/** The settings as the server uses them, with CRM_SEED's environment-dependent default applied. */
export function readConfig(env: NodeJS.ProcessEnv): CrmConfig {
  const cfg = parseServerConfig(configSchema, env);
  return { ...cfg, CRM_SEED: crmSeedFor(cfg, env) };
}

export function stageMap(c: CrmConfig): Partial<Record<Stage, string>> {
  return c.CRM_HUBSPOT_STAGE_MAP ?? {};
}

/** Whether the embedded store gets the demo data: CRM_SEED, else none in production, demo elsewhere. */
export function crmSeedFor(config: { CRM_SEED?: 'demo' | 'none' }, env: NodeJS.ProcessEnv): 'demo' | 'none' {
  return config.CRM_SEED ?? (isProduction(env.NODE_ENV) ? 'none' : 'demo');
}

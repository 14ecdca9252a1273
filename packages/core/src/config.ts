import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { isLoopbackHost, splitList } from './identity.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A connection URL, or a credential reference to one (resolved when the host opens). */
const connectionSetting = (url: z.ZodType<string>) =>
  z
    .string()
    .refine((v) => /^(env|file|aws-sm):/.test(v) || url.safeParse(v).success, {
      message: 'a URL of the right scheme, or a credential reference (env:, file:, aws-sm:)',
    })
    .optional();

const commonSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORTCULLIS_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: connectionSetting(z.url({ protocol: /^postgres(ql)?$/ })),
  REDIS_URL: connectionSetting(z.url({ protocol: /^rediss?$/ })),
  PORTCULLIS_AUDIT: z
    .string()
    .regex(/^(file:.+|stderr|postgres)$/, 'file:PATH, stderr or postgres')
    .optional(),
  PORTCULLIS_AUDIT_KEY: z.string().min(1).optional(),
  PORTCULLIS_AUDIT_ANCHOR: z
    .string()
    .regex(/^(file:.+|postgres)$/, 'file:PATH or postgres')
    .optional(),
  PORTCULLIS_AUTH: z.enum(['jwt', 'apikey', 'none']).optional(),
  PORTCULLIS_API_KEYS_FILE: z.string().min(1).optional(),
  PORTCULLIS_POLICY_DIR: z.string().min(1).optional(),
  PORTCULLIS_READ_ONLY: bool.optional(),
  PORTCULLIS_TOOLS: z.string().optional(),
  PORTCULLIS_TOOLSETS: z.string().optional(),
  PORTCULLIS_HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 512kb or 1mb')
    .optional(),
  PORTCULLIS_HTTP_MODE: z.enum(['stateless', 'stateful']).optional(),
  PORTCULLIS_HTTP_PATHS: z.enum(['shared', 'per-system', 'both']).optional(),
  PORTCULLIS_ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PORTCULLIS_READY_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).optional(),
  /** Read by v8-tuning.ts before the command line is parsed; here so that another value stops start-up. */
  PORTCULLIS_WASM_TIERING: z.enum(['baseline', 'optimizing']).optional(),
  PORTCULLIS_SESSION_IDLE_MS: z.coerce.number().int().min(1000).max(86_400_000).optional(),
  PORTCULLIS_SESSIONS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(1000).optional(),
  PORTCULLIS_ALLOWED_HOSTS: z.string().optional(),
  PORTCULLIS_ALLOWED_ORIGINS: z.string().optional(),
  PORTCULLIS_PUBLIC_URL: z.url().optional(),
  PORTCULLIS_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  PORTCULLIS_APPROVAL_KEY: z.string().min(1).optional(),
  /** How long an approval plan waits to be approved and applied (seconds; default 86400). */
  PORTCULLIS_PLAN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .optional(),
  /** How long an approval token is valid, capped by its plan's expiry (seconds; default 900). */
  PORTCULLIS_APPROVAL_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).optional(),
  PORTCULLIS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export interface CommonConfig {
  production: boolean;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  audit?: string;
  /** Credential reference of the audit key (MACs and checkpoint signatures). */
  auditKey?: string;
  /** Where checkpoints of the audit head go: file:PATH or postgres. */
  auditAnchor?: string;
  auth: 'jwt' | 'apikey' | 'none';
  apiKeysFile: string;
  policyDir?: string;
  readOnly: boolean;
  tools: string[] | null;
  toolsets: string[] | null;
  bodyLimit: string;
  httpMode: 'stateless' | 'stateful';
  /**
   * On a multi-system host: one endpoint for all systems (`/mcp`), one per system
   * (`/mcp/<system>`), or both (default). A one-system server always serves `/mcp`.
   */
  httpPaths: 'shared' | 'per-system' | 'both';
  /** When set, /metrics, /healthz and /readyz move to this port (0: any free one) on the same host. */
  adminPort?: number;
  /** How often /readyz's dependency checks run in the background (default 10 s). */
  readyIntervalMs: number;
  /** A stateful or SSE session unused this long is closed (default 15 minutes). */
  sessionIdleMs: number;
  /** Open stateful + SSE sessions one principal (tenant + id) may hold (default 10). */
  sessionsPerPrincipal: number;
  allowedHosts: string[] | null;
  allowedOrigins: string[] | null;
  publicUrl?: string;
  shutdownTimeoutMs: number;
  approvalKey?: string;
  /** Plan lifetime (PORTCULLIS_PLAN_TTL_SECONDS), ms. */
  planTtlMs: number;
  /** Approval token lifetime (PORTCULLIS_APPROVAL_TOKEN_TTL_SECONDS), ms. */
  approvalTokenTtlMs: number;
  logLevel: string;
}

/**
 * Whether NODE_ENV names production. "Production" or " PRODUCTION" is still production: a typo in
 * case or a stray blank must not drop a production guard here and keep it there (the kit's
 * refusals, a server's demo data), so every check of it is this one.
 */
export function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv?.trim().toLowerCase() === 'production';
}

/**
 * A server's data directory: PORTCULLIS_DATA_DIR, else `$XDG_DATA_HOME/portcullis/<server>`, else
 * `~/.local/share/portcullis/<server>`, absolute. An empty or relative XDG_DATA_HOME is ignored,
 * as the XDG specification says (a store must not land in whatever folder the client started in).
 * The servers, the broker and the import and kill-switch commands all find it here.
 */
export function dataDirOf(env: NodeJS.ProcessEnv, serverName: string): string {
  // Set but empty is refused, as parseCommonConfig refuses it: not the current folder, not a guess.
  if (env.PORTCULLIS_DATA_DIR === '')
    throw new ConfigError('PORTCULLIS_DATA_DIR: must not be empty (unset it for the default folder).');
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share');
  return resolve(env.PORTCULLIS_DATA_DIR ?? join(base, 'portcullis', serverName));
}

/** Validates the common settings; a bad value stops start-up with a message naming the variable. */
export function parseCommonConfig(
  env: NodeJS.ProcessEnv,
  serverName: string,
  transport: 'stdio' | 'http',
): CommonConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(commonSchema.shape)) {
    const v = env[key];
    if (v !== undefined) picked[key] = v;
  }
  const r = commonSchema.safeParse(picked);
  if (!r.success) throw new ConfigError(describeIssues(r.error));
  const c = r.data;
  const production = isProduction(c.NODE_ENV);
  const auth = c.PORTCULLIS_AUTH ?? (transport === 'http' ? 'apikey' : 'none');
  if (production && auth === 'none' && transport === 'http') {
    throw new ConfigError('PORTCULLIS_AUTH=none is refused when NODE_ENV=production; use jwt or apikey.');
  }
  const dataDir = dataDirOf({ ...env, PORTCULLIS_DATA_DIR: c.PORTCULLIS_DATA_DIR }, serverName);
  return {
    production,
    dataDir,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    audit: c.PORTCULLIS_AUDIT,
    auditKey: c.PORTCULLIS_AUDIT_KEY,
    auditAnchor: c.PORTCULLIS_AUDIT_ANCHOR,
    auth,
    apiKeysFile: c.PORTCULLIS_API_KEYS_FILE ?? join(dataDir, 'api-keys.json'),
    policyDir: c.PORTCULLIS_POLICY_DIR,
    readOnly: c.PORTCULLIS_READ_ONLY ?? false,
    tools: c.PORTCULLIS_TOOLS ? splitList(c.PORTCULLIS_TOOLS) : null,
    toolsets: c.PORTCULLIS_TOOLSETS ? splitList(c.PORTCULLIS_TOOLSETS) : null,
    bodyLimit: c.PORTCULLIS_HTTP_BODY_LIMIT ?? '1mb',
    httpMode: c.PORTCULLIS_HTTP_MODE ?? 'stateless',
    httpPaths: c.PORTCULLIS_HTTP_PATHS ?? 'both',
    adminPort: c.PORTCULLIS_ADMIN_PORT,
    readyIntervalMs: c.PORTCULLIS_READY_INTERVAL_MS ?? 10_000,
    sessionIdleMs: c.PORTCULLIS_SESSION_IDLE_MS ?? 15 * 60_000,
    sessionsPerPrincipal: c.PORTCULLIS_SESSIONS_PER_PRINCIPAL ?? 10,
    allowedHosts: c.PORTCULLIS_ALLOWED_HOSTS ? splitList(c.PORTCULLIS_ALLOWED_HOSTS) : null,
    allowedOrigins: c.PORTCULLIS_ALLOWED_ORIGINS ? splitList(c.PORTCULLIS_ALLOWED_ORIGINS) : null,
    publicUrl: c.PORTCULLIS_PUBLIC_URL,
    shutdownTimeoutMs: c.PORTCULLIS_SHUTDOWN_TIMEOUT_MS ?? 10_000,
    approvalKey: c.PORTCULLIS_APPROVAL_KEY,
    planTtlMs: (c.PORTCULLIS_PLAN_TTL_SECONDS ?? 86_400) * 1000,
    approvalTokenTtlMs: (c.PORTCULLIS_APPROVAL_TOKEN_TTL_SECONDS ?? 900) * 1000,
    logLevel: c.PORTCULLIS_LOG_LEVEL ?? 'info',
  };
}

/**
 * PORTCULLIS_AUTH=none makes every caller the local principal: acceptable only when nobody but this
 * machine can reach the listener. Throws a ConfigError for any other bind address.
 */
export function assertAuthAllowedOnHost(auth: CommonConfig['auth'], host: string): void {
  if (auth !== 'none' || isLoopbackHost(host)) return;
  throw new ConfigError(
    `PORTCULLIS_AUTH=none is refused on --host ${host || '(all interfaces)'}: without authentication the listener must be loopback (127.0.0.1, ::1); use jwt or apikey.`,
  );
}

/** Validates a server's own settings (CRM_BACKEND ...) the same way. */
export function parseServerConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const r = schema.safeParse(picked);
  if (!r.success) throw new ConfigError(describeIssues(r.error));
  return r.data;
}

function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'configuration'}: ${i.message}`).join('; ');
}

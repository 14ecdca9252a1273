import type { z } from 'zod';
import type { CredentialResolver } from './credentials.js';
import type { Logger } from './log.js';
import type { Redactor } from './redact.js';
import type { Migration, Store } from './store.js';
import type { StageExtension } from './stages.js';
import type { AnyObjectSchema, AnyToolDefinition, ResolveContext } from './tool.js';

/** Cross-cutting services a backend adapter may use; created once per process by the kit. */
export interface KitServices {
  serverName: string;
  env: NodeJS.ProcessEnv;
  /** The server's own settings, validated by its configSchema at start. */
  config: Record<string, unknown>;
  dataDir: string;
  store: Store;
  credentials: CredentialResolver;
  redactor: Redactor;
  logger: Logger;
  /**
   * Calls an upstream system through its rate limiter and the retry policy (transient failures
   * only, Retry-After honoured, bounded), cancelled when `signal` fires.
   */
  callUpstream<T>(system: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface BackendLifecycle {
  /** For /readyz. */
  ping?(): Promise<void>;
  close?(): Promise<void>;
}

export interface ResourceDefinition<B> {
  /** A fixed URI (`crm://schema`) or an RFC 6570 template (`crm://accounts/{id}`). */
  uri: string;
  name: string;
  title?: string;
  description: string;
  mimeType?: string;
  /** Tool whose policy guards this read (visibility and authorization follow that tool). */
  guardTool?: string;
  read: (uri: URL, vars: Record<string, string>, ctx: ResolveContext<B>) => Promise<string>;
}

export interface PromptDefinition<B, A extends AnyObjectSchema = AnyObjectSchema> {
  name: string;
  title?: string;
  description: string;
  /** String-valued arguments only (MCP prompt arguments are strings). */
  arguments: A;
  get: (
    args: z.output<A>,
    ctx: ResolveContext<B>,
  ) => Promise<{ description?: string; messages: { role: 'user' | 'assistant'; text: string }[] }>;
}

/** Everything that makes one server: data, not wiring. */
export interface ServerDefinition<B = unknown> {
  /** System name: `crm` → server `portcullis-crm`, tool prefix `crm_`. */
  name: string;
  version: string;
  title: string;
  description: string;
  instructions?: string;
  defaultPort: number;
  /** Tools of a server are heterogeneous in their schemas: zod tools, or JSON-Schema tools (proxied). */
  tools: AnyToolDefinition<B>[];
  resources?: ResourceDefinition<B>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prompts?: PromptDefinition<B, any>[];
  /** Absolute path of the shipped Cedar files (`*.cedar` and `schema.cedarschema`). */
  policyDir: string;
  /** Secondary Cedar actions tools ask about through ctx.isPermitted (e.g. `crm_read_pii`). */
  extraActions?: { name: string; resourceTypes: string[] }[];
  /** Server-specific configuration variables, validated at start (a bad value stops start-up naming it). */
  configSchema?: z.ZodObject;
  createBackend: (services: KitServices) => Promise<B & BackendLifecycle>;
  /** The tool the out-of-band approval endpoint `POST /approvals/{plan_id}` calls (its policy decides who may). */
  approvalTool?: string;
  /** Field names masked in audit records wherever they appear. */
  sensitiveKeys?: string[];
  migrations?: Migration[];
  /** Stages of this server's own, each placed before or after a named stage of the kit's pipeline. */
  stages?: StageExtension[];
  /**
   * Tools known only once the backend is up (an upstream server's, listed at start): added to
   * `tools`, then the policies are loaded for all of them.
   */
  discoverTools?: (backend: B) => Promise<AnyToolDefinition<B>[]>;
  /** The prefix every tool name carries; defaults to `<name>_`. */
  toolPrefix?: string;
}

export function defineServer<B>(def: ServerDefinition<B>): ServerDefinition<B> {
  const prefix = `${def.name.replace(/-/g, '_')}_`;
  const seen = new Set<string>();
  for (const t of def.tools) {
    if (!t.name.startsWith(prefix)) throw new Error(`Tool ${t.name} must start with ${prefix}`);
    if (seen.has(t.name)) throw new Error(`Tool ${t.name} is defined twice`);
    seen.add(t.name);
  }
  return def;
}

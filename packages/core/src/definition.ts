import type { z } from 'zod';
import { ConfigError } from './errors.js';
import type { ReadCache } from './cache.js';
import type { CredentialResolver } from './credentials.js';
import type { Host } from './host.js';
import type { Logger } from './log.js';
import type { Redactor } from './redact.js';
import type { Migration, Store, StoreExtension } from './store.js';
import type { StageExtension } from './stages.js';
import type { AuditOutcome } from './audit.js';
import type { ErrorEnvelope } from './errors.js';
import type { Decision } from './policy.js';
import type {
  AnyObjectSchema,
  AnyToolDefinition,
  PolicyResource,
  Principal,
  ResolveContext,
} from './tool.js';

/**
 * Cross-cutting services a backend adapter may use; created once per process by the kit. `C` is
 * the parsed output of the server's configSchema, so a server never parses its settings again.
 */
export interface KitServices<C = Record<string, unknown>> {
  serverName: string;
  env: NodeJS.ProcessEnv;
  /** The server's own settings, validated by its configSchema at start (defaults applied). */
  config: C;
  dataDir: string;
  /**
   * This start only readies the data directory and exits (`--prepare`, also a first start run
   * apart): a backend creates what it keeps there and skips what only serving needs (the broker
   * contacts no upstream).
   */
  preparing: boolean;
  store: Store;
  credentials: CredentialResolver;
  redactor: Redactor;
  logger: Logger;
  /**
   * Calls an upstream system through its rate limiter and the retry policy (transient failures
   * only, Retry-After honoured, bounded), cancelled when `signal` fires.
   */
  callUpstream<T>(system: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * The read-through cache for upstream records (`cache.forUpstream(system, identity)`); TTLs per
   * record type from PORTCULLIS_CACHE_TTL, off by default. Never holds decisions.
   */
  cache: ReadCache;
  /**
   * Registers a gauge in the kit's metrics registry (served at /metrics) whose samples are read
   * at scrape time, so it shows state kept elsewhere (e.g. in the store shared by replicas).
   */
  gauge(def: {
    name: string;
    help: string;
    labelNames: string[];
    collect: () => Promise<{ labels: Record<string, string>; value: number }[]>;
  }): void;
  /**
   * The host this system is mounted on, for a backend that mounts further systems on it
   * (`new ServerRuntime(defs, { host })`: the broker's in-process upstreams share its store,
   * audit chain and limiter).
   */
  host: Host;
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
  read: (uri: URL, vars: Record<string, string>, ctx: ResourceContext<B>) => Promise<string>;
}

export interface ResourceContext<B> extends ResolveContext<B> {
  /**
   * A guarded read: what the guard tool's resolver loaded, the resource policy decided on (a record
   * attached with `withRecord` is there for `loadedRecord`, so the read need not load it again).
   * Null when the guard tool has no resolver; absent on a read without a guard tool.
   */
  resource?: PolicyResource | null;
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

/** One resources/prompts request to a federating system: the caller, and the system's own policy and audit. */
export interface FederationRequest {
  principal: Principal;
  signal: AbortSignal;
  traceId: string;
  /** Decides an action of this system's policy (an `extraActions` one); deny wins. */
  decide(action: string, resource: PolicyResource): Decision;
  /** Appends one record to this system's audit chain (server, principal and tenant filled in); returns its id. */
  record(event: {
    kind: string;
    tool: string;
    arguments: unknown;
    decision: Decision | null;
    outcome: AuditOutcome;
    error_code: string | null;
    duration_ms: number;
    refs?: Record<string, string>;
  }): Promise<string>;
}

export interface FederatedResource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface FederatedResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface FederatedPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

/** A refusal (`error`, already audited) or nothing served under that URI or name (null). */
export type Federated<T> = Promise<T | { error: ErrorEnvelope } | null>;

/**
 * Resources and prompts a system serves from elsewhere (the broker's upstreams), decided per
 * request: served beside the system's own, by every endpoint that serves the system.
 */
export interface FederatedContent {
  listResources(req: FederationRequest): Promise<FederatedResource[]>;
  listResourceTemplates(req: FederationRequest): Promise<FederatedResourceTemplate[]>;
  readResource(
    req: FederationRequest,
    uri: string,
  ): Federated<{ contents: { uri: string; mimeType?: string; text?: string; blob?: string }[] }>;
  listPrompts(req: FederationRequest): Promise<FederatedPrompt[]>;
  getPrompt(
    req: FederationRequest,
    name: string,
    args: Record<string, string>,
  ): Federated<{ description?: string; messages: { role: 'user' | 'assistant'; content: unknown }[] }>;
}

/** A group of tools an operator can switch on or off as one (PORTCULLIS_TOOLSETS). */
export interface ToolsetDefinition {
  /** snake_case id that tools name in their `toolset` (and operators in PORTCULLIS_TOOLSETS). */
  id: string;
  description: string;
  /** Served when PORTCULLIS_TOOLSETS is unset (or names `default`); others must be named. */
  default: boolean;
}

/** Everything that makes one server: data, not wiring. `S` is its configSchema. */
export interface ServerDefinition<B = unknown, S extends z.ZodObject = z.ZodObject> {
  /** System name: `crm` → server `portcullis-crm`, tool prefix `crm_`. */
  name: string;
  version: string;
  title: string;
  description: string;
  instructions?: string;
  defaultPort: number;
  /** Every toolset the tools use, declared once; a tool naming an undeclared one fails defineServer. */
  toolsets: ToolsetDefinition[];
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
  configSchema?: S;
  // Method syntax on purpose: a definition typed with its own schema stays assignable to the
  // runtime's ServerDefinition<B> (parameters of methods are checked bivariantly).
  createBackend(services: KitServices<z.output<S>>): Promise<B & BackendLifecycle>;
  /** The tool the out-of-band approval endpoint `POST /approvals/{plan_id}` calls (its policy decides who may). */
  approvalTool?: string;
  /**
   * HTTP endpoints outside the agent (`POST <path>`, e.g. an operator's `/admin/kill-switch`): each
   * calls one tool with the JSON body as its arguments, as the authenticated caller, through every
   * stage (policy, audit); a caller the tool is hidden from gets 403, like POST /approvals/{plan_id}.
   */
  httpActions?: { path: string; tool: string }[];
  /** Field names masked in audit records wherever they appear. */
  sensitiveKeys?: string[];
  migrations?: Migration[];
  /**
   * PostgreSQL extensions the migrations create (`CREATE EXTENSION`): the embedded store loads
   * these and no others. A host serving several systems loads the union; a system mounted on a host
   * opened without one of them is refused at construction.
   */
  storeExtensions?: readonly StoreExtension[];
  /**
   * The store the server's build prepares (`pglite-setup.js prepared-store`: migrated, holding the
   * demo data): a first start on an empty embedded store unpacks it instead of writing its data
   * again, when `matches` says these settings make the store the build made with none (the demo
   * data on, say) and its stamp matches the installed PGlite and the migrations the start applies:
   * this system's, or `migrations()` by component when its store holds others' (the broker's local
   * systems and the kit's). One-system runtimes only; on PostgreSQL the store is written as before.
   */
  preparedStore?: {
    dir: string;
    matches(config: z.output<S>, env: NodeJS.ProcessEnv): boolean;
    migrations?(): Readonly<Record<string, readonly Migration[]>>;
  };
  /** Stages of this server's own, each placed before or after a named stage of the kit's pipeline. */
  stages?: StageExtension[];
  /**
   * Tools known only once the backend is up (an upstream server's, listed at start): added to
   * `tools`, then the policies are loaded for all of them.
   */
  discoverTools?: (backend: B) => Promise<AnyToolDefinition<B>[]>;
  /**
   * Discovered tools that can change while the server runs (an upstream's listChanged): the kit
   * hands the backend a `changed` callback; each call discovers the tools again and tells connected
   * clients (`notifications/tools/list_changed`; the server then declares `tools.listChanged`).
   */
  watchTools?: (backend: B, changed: () => void) => void;
  /**
   * Resources and prompts known only per request (an upstream's, under this system's own policy
   * and audit): served beside `resources` and `prompts`; the server then declares both capabilities.
   */
  federation?: (backend: B) => FederatedContent;
  /** The prefix every tool name carries; defaults to `<name>_`. */
  toolPrefix?: string;
  /**
   * The system only reads, by construction: defineServer, and start-up again (discovered tools
   * included), refuse any tool whose access is not `read`.
   */
  readOnly?: boolean;
}

/** Fails when a read-only system carries a tool that is not a read. */
export function assertReadOnly(
  def: { name: string; readOnly?: boolean },
  tools: readonly { name: string; access: string }[],
): void {
  if (def.readOnly !== true) return;
  const offending = tools.filter((t) => t.access !== 'read');
  if (offending.length > 0)
    throw new ConfigError(
      `${def.name} is declared read-only, but ${offending.map((t) => `${t.name} (${t.access})`).join(', ')} ${offending.length === 1 ? 'is not a read' : 'are not reads'}; a read-only server may only have tools with access 'read'.`,
    );
}

export function defineServer<B, S extends z.ZodObject = z.ZodObject>(
  def: ServerDefinition<B, S>,
): ServerDefinition<B, S> {
  const prefix = def.toolPrefix ?? `${def.name.replace(/-/g, '_')}_`;
  const toolsets = new Set<string>();
  for (const ts of def.toolsets) {
    if (!/^[a-z][a-z0-9_]*$/.test(ts.id)) throw new Error(`Toolset id ${ts.id} must be snake_case`);
    if (ts.id === 'all' || ts.id === 'default') throw new Error(`Toolset id ${ts.id} is reserved`);
    if (toolsets.has(ts.id)) throw new Error(`Toolset ${ts.id} is declared twice`);
    toolsets.add(ts.id);
  }
  const seen = new Set<string>();
  const used = new Set<string>();
  for (const t of def.tools) {
    if (!t.name.startsWith(prefix)) throw new Error(`Tool ${t.name} must start with ${prefix}`);
    if (seen.has(t.name)) throw new Error(`Tool ${t.name} is defined twice`);
    if (!toolsets.has(t.toolset))
      throw new Error(
        `Tool ${t.name} names toolset ${t.toolset}, which ${def.name} does not declare (declared: ${[...toolsets].join(', ')})`,
      );
    seen.add(t.name);
    used.add(t.toolset);
  }
  for (const id of toolsets) if (!used.has(id)) throw new Error(`Toolset ${id} has no tools`);
  assertReadOnly(def, def.tools);
  return def;
}

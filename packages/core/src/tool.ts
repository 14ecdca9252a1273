import type { z } from 'zod';
import type { ApprovalService, Plan } from './approvals.js';
import type { Logger } from './log.js';
import type { Decision } from './policy.js';

/** What a tool does to the world; MCP annotations are derived from it, never typed twice. */
export type Access = 'read' | 'write' | 'destructive';

export type CedarValue =
  | string
  | number
  | boolean
  | CedarValue[]
  | { [key: string]: CedarValue }
  | { __entity: { type: string; id: string } };

/** Who is calling: from the stdio environment, a verified JWT, or an API key. */
export interface Principal {
  id: string;
  roles: string[];
  tenant: string;
  /** Extra attributes policies may read (team, region ...), from config or token claims. */
  attributes: Record<string, CedarValue>;
  /** The end user an agent acts for, when the token says so (RFC 8693: the token's `sub` when it carries `act`). */
  onBehalfOf: string | null;
  /** The party acting for that user (RFC 8693 `act.sub`, e.g. the agent); absent when the user acts directly. */
  actor?: string | null;
  via: 'stdio' | 'jwt' | 'apikey' | 'none';
}

/** The record a call acts on, as policy sees it. `attributes.tenant` is required for tenant isolation. */
export interface PolicyResource {
  type: string;
  id: string;
  attributes: Record<string, CedarValue> & { tenant: string };
}

/** Where withRecord keeps the loaded record: a symbol key, so no entries walk, JSON or Cedar entity sees it. */
const LOADED_RECORD = Symbol('portcullis.loadedRecord');

/**
 * The policy view of a record, carrying the record the resolver read to build it, so the handler
 * answers from the very record policy decided on (one read per call, no window between the
 * decision and the read). Policy sees `type`, `id` and `attributes` only; the record is never
 * sent to Cedar, audited or serialised.
 */
export function withRecord<T>(resource: PolicyResource, record: T): PolicyResource {
  return Object.defineProperty({ ...resource }, LOADED_RECORD, { value: record, enumerable: false });
}

/** The record withRecord attached to this resource, or undefined (none attached, or no resource). */
export function loadedRecord<T>(resource: PolicyResource | null | undefined): T | undefined {
  return resource
    ? ((resource as unknown as Record<symbol, T | undefined>)[LOADED_RECORD] ?? undefined)
    : undefined;
}

export interface ResolveContext<B> {
  principal: Principal;
  backend: B;
  signal: AbortSignal;
  logger: Logger;
  /**
   * The approved plan this call executes (inside an apply), else null: whose request it was
   * (`requester`) decides whose budgets it counts against, whoever applies it.
   */
  plan?: Plan | null;
}

export interface ToolContext<B> extends ResolveContext<B> {
  traceId: string;
  /** What the resolver loaded (null for tools without one). */
  resource: PolicyResource | null;
  /** The caller's idempotency key for writes (from the `idempotency_key` argument or `_meta`). */
  idempotencyKey: string | null;
  /** Asks policy about a secondary action (e.g. reading PII fields) on a resource; deny wins. */
  isPermitted: (action: string, resource?: PolicyResource) => boolean;
  /**
   * The decision (effect and deciding policies) for another record this call reads or links,
   * under the call's own context (`args`, `now`): a write touching several records authorizes each.
   */
  decide: (action: string, resource: PolicyResource) => Decision;
  /** Runs an upstream call through the system's rate limiter and the retry policy, cancelled with the request. */
  upstream: <T>(system: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;
  /** Audit references to attach to this call's record (plan ids, approval ids ...). */
  addAuditRefs: (refs: Record<string, string>) => void;
  /** Approval plans (docs/architecture.md section 4); usable on servers that have an `approval: 'plan'` tool. */
  approvals: ApprovalsApi;
  /** A policy dry run of another tool for these arguments: resolves its resource, decides, executes nothing. */
  evaluate: EvaluateFn;
  /**
   * Appends an audit record of its own beside this call's (same trace, principal and tool), for a
   * step inside the call that deserves one (a verification, an automatic rollback); returns its id.
   */
  recordEvent: (event: {
    kind: string;
    outcome: 'ok' | 'error';
    error_code?: string | null;
    arguments?: unknown;
    refs?: Record<string, string>;
    result_hash?: string | null;
  }) => Promise<string>;
}

export interface ApprovalsApi {
  get(planId: string): Promise<Plan | null>;
  /** As the calling principal (never the requester): a single-use token bound to the plan's arguments. */
  approve(planId: string): Promise<{ plan: Plan; approval_token: string; expires_at: string }>;
  /**
   * Verifies and consumes the token, re-checks policy, runs the planned tool with idempotency key
   * `plan:<id>`. Only the plan's requester may apply, unless `override` (an administrator's
   * separate, audited action; the tool offering it must be restricted by policy).
   */
  apply(
    planId: string,
    token: string,
    opts?: { override?: boolean },
  ): Promise<{ plan: Plan; result: unknown }>;
  /**
   * Records a plan for `tool` (default: the calling tool) with these arguments, as the requester,
   * without going through the approval gate: for a server whose planning tool always answers with
   * a plan and asks for an approval only for some. Approving and applying it work as for any plan.
   */
  create(input: {
    id?: string;
    tool?: string;
    args: unknown;
    targetVersion?: string | null;
    policies: string[];
  }): Promise<Plan>;
  /** The tenant's plans, newest first (an approver's queue); see ApprovalService.list. */
  list(opts?: Parameters<ApprovalService['list']>[1]): Promise<Plan[]>;
  cancel(planId: string): Promise<Plan>;
}

export type EvaluateFn = (tool: string, args: unknown) => Promise<Decision>;

// The schemas are deliberately loose zod objects: each tool narrows them with its own shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyObjectSchema = z.ZodObject<any>;

export interface ToolDefinition<
  I extends AnyObjectSchema = AnyObjectSchema,
  O extends AnyObjectSchema = AnyObjectSchema,
  B = unknown,
> {
  name: string;
  title: string;
  description: string;
  toolset: string;
  access: Access;
  input: I;
  output: O;
  /** Argument and result fields always masked in audit records (e.g. email, phone). */
  sensitiveFields?: readonly string[];
  /** Cedar entity type of the resource; defaults to `Tenant` (the caller's own tenant). */
  resourceType?: string;
  /** Loads the record's policy attributes before authorization; null means not found. */
  resource?: (args: z.output<I>, ctx: ResolveContext<B>) => Promise<PolicyResource | null>;
  /** Extra Cedar context (beyond `args` and `now`) computed before authorization, e.g. today's refund total. */
  policyContext?: (args: z.output<I>, ctx: ResolveContext<B>) => Promise<Record<string, CedarValue>>;
  handler: (args: z.output<I>, ctx: ToolContext<B>) => Promise<z.input<O>>;
  /** Text rendering that accompanies structuredContent; defaults to pretty JSON. */
  render?: (out: z.output<O>) => string;
  /** Writes that are safe to repeat (with the same idempotency key) set this. */
  idempotent?: boolean;
  /** Talks to systems outside the operator's control. */
  openWorld?: boolean;
  /**
   * When policy answers "approval required", the kit records a plan for these arguments and
   * answers approval_required with its id instead of executing (docs/architecture.md section 4).
   */
  approval?: 'plan';
}

/** Identity helper that keeps the input/output types attached to the handler. */
export function defineTool<I extends AnyObjectSchema, O extends AnyObjectSchema, B>(
  def: ToolDefinition<I, O, B>,
): ToolDefinition<I, O, B> {
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(def.name)) {
    throw new Error(`Tool name ${def.name} must be snake_case <system>_<verb>_<noun>.`);
  }
  return def;
}

/** What `toolsFor` returns: defineTool with the backend type bound. */
export type ToolFactory<B> = <I extends AnyObjectSchema, O extends AnyObjectSchema>(
  def: ToolDefinition<I, O, B>,
) => ToolDefinition<I, O, B>;

/**
 * The one way a server defines its tools: binds the backend type once, so handlers and resolvers
 * are typed without annotations or casts: `const tool = toolsFor<CrmBackend>();`.
 */
export function toolsFor<B>(): ToolFactory<B> {
  return (def) => defineTool(def);
}

export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export function deriveAnnotations(
  def: Pick<ToolDefinition, 'title' | 'access' | 'idempotent' | 'openWorld'>,
): ToolAnnotations {
  return {
    title: def.title,
    readOnlyHint: def.access === 'read',
    destructiveHint: def.access === 'destructive',
    idempotentHint: def.access === 'read' || def.idempotent === true,
    openWorldHint: def.openWorld === true,
  };
}

/** A JSON Schema object schema, as MCP carries tool schemas on the wire. */
export type JsonObjectSchema = { type: 'object'; [k: string]: unknown };

/** What a JSON-Schema tool returns: MCP content, with structured content when it has an output schema. */
export interface ToolOutput {
  content: { type: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown>;
}

/**
 * A tool whose contract is JSON Schema rather than zod: tools proxied from another MCP server
 * arrive this way. It passes through the same stages; its arguments are validated against the
 * input schema by the kit's JSON Schema validator, and Cedar sees them as it sees zod tools'.
 */
export interface JsonSchemaToolDefinition<B = unknown> {
  name: string;
  title: string;
  description: string;
  toolset: string;
  access: Access;
  inputSchema: JsonObjectSchema;
  outputSchema?: JsonObjectSchema;
  sensitiveFields?: readonly string[];
  resourceType?: string;
  resource?: (args: Record<string, unknown>, ctx: ResolveContext<B>) => Promise<PolicyResource | null>;
  policyContext?: (
    args: Record<string, unknown>,
    ctx: ResolveContext<B>,
  ) => Promise<Record<string, CedarValue>>;
  handler: (args: Record<string, unknown>, ctx: ToolContext<B>) => Promise<ToolOutput>;
  idempotent?: boolean;
  openWorld?: boolean;
  approval?: 'plan';
  /**
   * The resource when it is known without the call's arguments (a proxied tool described by its
   * upstream and annotations): visibility (tools/list, unknown-tool answers) is decided against it.
   */
  visibilityResource?: (principal: Principal) => PolicyResource;
  /**
   * True while the tool is withheld from this principal's tools/list (its upstream is down, its
   * definition drifted, the upstream itself hides it): a call still runs through the stages, where
   * the handler says why it is refused.
   */
  withheld?: (principal: Principal) => boolean;
}

/** Either kind of tool a server may define. */
export type AnyToolDefinition<B = unknown> =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ToolDefinition<any, any, B> | JsonSchemaToolDefinition<B>;

export function isJsonSchemaTool<B>(def: AnyToolDefinition<B>): def is JsonSchemaToolDefinition<B> {
  return 'inputSchema' in def && !('input' in def);
}

/**
 * Checks a JSON-Schema tool's name against what MCP allows. Proxied tools keep their upstream
 * name behind a prefix, so the kit's snake_case rule for its own tools does not apply.
 */
export function defineJsonSchemaTool<B>(def: JsonSchemaToolDefinition<B>): JsonSchemaToolDefinition<B> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
    throw new Error(`Tool name ${def.name} must be 1 to 128 of A-Z a-z 0-9 _ . -`);
  }
  return def;
}

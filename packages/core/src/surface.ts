/**
 * A surface: one system mounted on a host (its tools, resources, prompts, Cedar policy set,
 * backend and settings). Every call runs through the named stages of stages.ts; the kit's own
 * stages are defined here, in the order docs/architecture.md section 3 lists them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ApprovalService, type Plan } from './approvals.js';
import { startSpan } from './telemetry.js';
import { canonicalJson, sha256Hex, type AuditOutcome } from './audit.js';
import { toCedarValue } from './cedar-values.js';
import { parseServerConfig } from './config.js';
import {
  assertReadOnly,
  type BackendLifecycle,
  type FederatedContent,
  type FederationRequest,
  type KitServices,
  type ResourceDefinition,
  type ServerDefinition,
} from './definition.js';
import { ConfigError, PortcullisError, errors, toPortcullisError } from './errors.js';
import type { Host } from './host.js';
import type { Decision, PolicyEngine } from './policy.js';
import { runStages, withExtensions, type CallMode, type Stage, type ToolCall } from './stages.js';
import { toolEntry, type ToolEntry, type ToolListing } from './tool-entry.js';
import { isJsonSchemaTool } from './tool.js';
import type {
  AnyToolDefinition,
  ApprovalsApi,
  CedarValue,
  PolicyResource,
  Principal,
  ResolveContext,
  ToolContext,
} from './tool.js';

export const AUDIT_META_KEY = 'portcullis/audit_id';
export const TRACE_META_KEY = 'portcullis/trace_id';
export const ERROR_META_KEY = 'portcullis/error';
export const IDEMPOTENCY_META_KEY = 'portcullis/idempotency_key';
/** Idempotency keys the kit itself uses; a caller may not send one (it could squat on a plan's key). */
export const RESERVED_KEY_PREFIXES = ['plan:', 'portcullis:'] as const;

export interface CallResult {
  [key: string]: unknown;
  content: { type: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta: Record<string, unknown>;
}

export interface CallOptions {
  signal?: AbortSignal;
  meta?: Record<string, unknown>;
  /** The HTTP request's W3C `traceparent` header (a `_meta.traceparent` wins). */
  traceparent?: string;
  /** The HTTP request's `X-Request-Id` (accepted or minted), for the call's log line. */
  requestId?: string;
}

/** Computes a call's output in place of the tool's handler, from what the resolver loaded. */
export type Executor = (resource: PolicyResource | null) => Promise<unknown>;

/** The kit's view of one call: the public ToolCall plus what only the kit's stages use. */
interface KitCall extends ToolCall {
  readonly entry: ToolEntry;
  readonly started: number;
  /**
   * Replaces the handler (a guarded resource read computes the resource's content instead), given
   * what the resolver loaded, as a handler is.
   */
  readonly executor?: Executor;
  context: Record<string, CedarValue>;
}

/** Which tools a process offers: settings applied to every surface it hosts. */
export interface ToolSelection {
  tools: string[] | null;
  /** The toolsets served (PORTCULLIS_TOOLSETS, or the declared defaults). */
  toolsets: ReadonlySet<string>;
  readOnly: boolean;
}

export class Surface<B = unknown> {
  readonly serverName: string;
  readonly config: Record<string, unknown>;
  readonly tools = new Map<string, ToolEntry<B>>();
  policy!: PolicyEngine;
  backend!: B & BackendLifecycle;
  services!: KitServices;
  approvals: ApprovalService | null = null;
  private stages: Stage[] = [];
  /** The stages an approved plan runs through inside the apply call (no second audit record or charge). */
  private applyStages: Stage[] = [];

  private allTools: AnyToolDefinition<B>[];

  constructor(
    readonly host: Host,
    readonly def: ServerDefinition<B>,
    private readonly selection: ToolSelection,
    private readonly policyDir: string,
    /**
     * Mounted behind another system of the same host (the broker's in-process upstreams): that
     * system's door already charged the caller's tenant, so this one counts only its own
     * principal x tool bucket, under its system's name.
     */
    private readonly nested = false,
  ) {
    this.serverName = `portcullis-${def.name}`;
    this.config = def.configSchema ? parseServerConfig(def.configSchema, host.env) : {};
    // Checked again here: a definition need not have passed through defineServer.
    assertReadOnly(def, def.tools);
    this.allTools = [...def.tools];
    this.select(this.allTools);
  }

  private select(defs: AnyToolDefinition<B>[]): void {
    const { tools, toolsets, readOnly } = this.selection;
    for (const d of defs) {
      if (tools && !tools.includes(d.name)) continue;
      if (!toolsets.has(d.toolset)) continue;
      if (readOnly && d.access !== 'read') continue;
      this.tools.set(d.name, toolEntry(d));
    }
  }

  /** Policies first (an invalid policy stops the server before anything else opens), then the backend. */
  async init(): Promise<void> {
    this.stages = withExtensions(this.kitStages(), this.def.stages);
    this.applyStages = this.stages.filter((s) => s.name !== 'audit' && s.name !== 'rate_limit');
    // Discovered tools are known only once the backend is up; their policies load then.
    if (!this.def.discoverTools) await this.loadPolicies();
  }

  private async loadPolicies(): Promise<void> {
    this.policy = await this.policyFor(this.allTools);
  }

  private async policyFor(tools: AnyToolDefinition<B>[]): Promise<PolicyEngine> {
    const { PolicyEngine } = await import('./policy.js');
    const engine = new PolicyEngine({
      serverName: this.serverName,
      policyDir: this.policyDir,
      tools,
      extraActions: this.def.extraActions,
      cacheDir: join(this.host.config.dataDir, 'policy-cache'),
    });
    this.host.logger.debug(
      {
        system: this.def.name,
        policies: engine.policyIds.length,
        validated: engine.fromCache ? 'earlier' : 'now',
      },
      'policies loaded',
    );
    return engine;
  }

  /** Keeps this start's policy validation for the next start (called once the data directory exists). */
  savePolicyCache(): void {
    // Discovered tools load their policies after the backend is up: not yet loaded is not an error.
    (this.policy as PolicyEngine | undefined)?.saveCache();
  }

  /**
   * Discovers the tools again (the backend said they changed) and swaps them in with policies
   * loaded for them; on any failure the tools served so far stay in force.
   */
  async rediscover(): Promise<void> {
    if (!this.def.discoverTools) return;
    const found = await this.discovered();
    const all = [...this.def.tools, ...found];
    const policy = await this.policyFor(all);
    policy.saveCache();
    this.tools.clear();
    this.allTools = all;
    this.select(all);
    this.policy = policy;
  }

  private async discovered(): Promise<AnyToolDefinition<B>[]> {
    const found = await this.def.discoverTools!(this.backend);
    const prefix = this.def.toolPrefix ?? `${this.def.name.replace(/-/g, '_')}_`;
    for (const t of found) {
      if (!t.name.startsWith(prefix)) throw new ConfigError(`Tool ${t.name} must start with ${prefix}`);
    }
    assertReadOnly(this.def, found);
    return found;
  }

  /** Runs once the host is open: approvals, migrations, backend. */
  async start(): Promise<void> {
    const host = this.host;
    if (this.def.tools.some((t) => t.approval === 'plan')) {
      await host.migrateApprovals();
      this.approvals = new ApprovalService({
        store: host.store,
        serverName: this.serverName,
        signingKey: await host.approvalKey(),
        planTtlMs: host.config.planTtlMs,
        tokenTtlMs: host.config.approvalTokenTtlMs,
      });
    }
    if (this.def.migrations?.length) {
      const { migrate } = await import('./store.js');
      await migrate(host.store, this.def.name, this.def.migrations);
    }
    this.services = {
      serverName: this.serverName,
      env: host.env,
      config: this.config,
      dataDir: host.config.dataDir,
      preparing: host.preparing,
      store: host.store,
      credentials: host.credentials,
      redactor: host.redactor,
      logger: host.logger,
      callUpstream: (system, fn, signal) => host.callUpstream(system, fn, signal),
      cache: host.cache,
      gauge: (g) => {
        host.metrics?.gauge({
          name: g.name,
          help: g.help,
          labelNames: g.labelNames,
          async collect() {
            // A failing read (the store unreachable) must not fail the whole scrape: the gauge
            // keeps its last samples and the failure is logged.
            try {
              const samples = await g.collect();
              this.reset();
              for (const s of samples) this.set(s.labels, s.value);
            } catch (err) {
              host.logger.warn({ err, metric: g.name }, 'gauge could not be read; kept its last value');
            }
          },
        });
      },
      host,
    };
    this.backend = await this.def.createBackend(this.services);
    if (this.def.discoverTools) {
      const found = await this.discovered();
      this.allTools = [...this.def.tools, ...found];
      this.select(found);
      await this.loadPolicies();
      this.policy.saveCache();
    }
  }

  /** Tool names this system defines, including discovered ones (once started). */
  get definedTools(): readonly AnyToolDefinition<B>[] {
    return this.allTools;
  }

  async closeBackend(): Promise<void> {
    try {
      await this.backend?.close?.();
    } catch (err) {
      this.host.logger.warn({ err, system: this.def.name }, 'backend close failed');
    }
  }

  listTools(principal: Principal): ToolListing[] {
    const out: ToolListing[] = [];
    for (const entry of this.tools.values()) {
      const def = entry.def;
      if (isJsonSchemaTool(def) && def.withheld?.(principal)) continue;
      if (this.mayEverPermit(principal, def.name)) out.push(entry.listing);
    }
    return out;
  }

  isVisible(principal: Principal, name: string): boolean {
    return this.tools.has(name) && this.mayEverPermit(principal, name);
  }

  /** Could policy ever permit this principal the tool (against its resource when that is known up front)? */
  mayEverPermit(principal: Principal, name: string): boolean {
    const def = this.tools.get(name)?.def;
    const resource = def && isJsonSchemaTool(def) ? def.visibilityResource?.(principal) : undefined;
    return this.policy.mayEverPermit(principal, name, resource);
  }

  /** The whole request path for one visible tool: the stages, then the result or the error envelope. */
  async callTool(
    principal: Principal,
    entry: ToolEntry<B>,
    rawArgs: unknown,
    opts: CallOptions,
    mode: CallMode = 'call',
    executor?: Executor,
  ): Promise<{ call: KitCall; error: PortcullisError | null }> {
    const call = this.newCall(principal, entry, rawArgs, opts, mode, executor);
    try {
      await runStages(this.stages, call);
      return { call, error: null };
    } catch (err) {
      return { call, error: toPortcullisError(err) };
    }
  }

  /** Builds the MCP result of a finished call. */
  resultOf(call: KitCall): CallResult {
    const mask = <T>(v: T): T => this.host.redactor.maskSecrets(v);
    const structured = call.entry.structuredOf(call.output);
    return {
      content: call.entry.contentOf(call.output, mask),
      ...(structured !== undefined ? { structuredContent: mask(structured) } : {}),
      _meta: { [AUDIT_META_KEY]: call.auditId, [TRACE_META_KEY]: call.traceId },
    };
  }

  newCall(
    principal: Principal,
    entry: ToolEntry<B>,
    rawArgs: unknown,
    opts: CallOptions,
    mode: CallMode,
    executor?: Executor,
  ): KitCall {
    return {
      system: this.def.name,
      tool: { name: entry.def.name, access: entry.def.access, toolset: entry.def.toolset },
      principal,
      mode,
      traceId: traceIdOf(opts.meta, opts.traceparent),
      signal: opts.signal ?? new AbortController().signal,
      meta: opts.meta,
      logger: this.host.logger,
      args: rawArgs,
      resource: null,
      decision: null,
      plan: null,
      idempotencyKey: null,
      output: undefined,
      refs: {},
      auditId: null,
      entry: entry as ToolEntry,
      started: performance.now(),
      executor,
      context: {},
    };
  }

  /** A dry run of another tool's policy for these arguments: nothing is executed or written. */
  async evaluate(
    principal: Principal,
    tool: string,
    rawArgs: unknown,
    signal?: AbortSignal,
  ): Promise<Decision> {
    const entry = this.tools.get(tool);
    // Not offered here (read-only mode, allowlist): the caller says so; never permitted: a plain deny.
    if (!entry) throw errors.validation(`${tool} is not enabled on this server.`);
    if (!this.mayEverPermit(principal, tool)) return { effect: 'deny', policies: [], errors: [] };
    const call = this.newCall(principal, entry, rawArgs, { signal }, 'call');
    validateArgs(call);
    await this.resolve(call);
    return this.decide(call);
  }

  /** Writes one audit record for a call of this system. */
  async writeAudit(
    principal: Principal,
    tool: string,
    sensitive: string[],
    fields: {
      traceId: string;
      args: unknown;
      decision: Decision | null;
      refs: Record<string, string>;
      started: number;
    },
    outcome: AuditOutcome,
    errorCode: string | null,
    resultHash: string | null,
  ): Promise<string> {
    return this.host.appendAudit({
      kind: 'tool_call',
      trace_id: fields.traceId,
      server: this.serverName,
      tool,
      principal: principal.actor ?? principal.id,
      on_behalf_of: principal.onBehalfOf,
      tenant: principal.tenant,
      arguments: this.host.auditArguments(fields.args, sensitive),
      decision: fields.decision
        ? { effect: fields.decision.effect, policies: fields.decision.policies }
        : null,
      outcome,
      error_code: errorCode,
      result_hash: resultHash,
      duration_ms: Math.round((performance.now() - fields.started) * 1000) / 1000,
      ...(Object.keys(fields.refs).length > 0 ? { refs: { ...fields.refs } } : {}),
    });
  }

  // -------------------------------------------------------------------------------------------
  // The kit's stages

  private kitStages(): Stage[] {
    const host = this.host;
    return [
      {
        // Outermost: records whatever happened inside, success or failure, exactly once.
        name: 'audit',
        run: async (c, next) => {
          const call = c as KitCall;
          let failure: PortcullisError | null = null;
          if (!host.auditWritable) {
            // The last append failed: a call run now might leave no record of what it did. Any
            // append that succeeds ends it: this refusal's record, or /readyz's check.
            failure = errors.auditUnavailable();
          } else {
            try {
              await next();
            } catch (err) {
              failure = toPortcullisError(err);
            }
          }
          if (!failure) {
            try {
              const out = call.mode === 'resource' ? call.output : call.entry.structuredOf(call.output);
              const hash = sha256Hex(canonicalJson(host.redactor.maskSecrets(out ?? call.output ?? null)));
              call.auditId = await this.auditCall(call, 'ok', null, hash);
              return;
            } catch (err) {
              host.logger.error({ err }, 'audit append failed');
              failure = toPortcullisError(err);
            }
          }
          if (failure.category === 'internal' || failure.category === 'upstream') {
            host.logger.error(
              {
                tool: call.tool.name,
                trace_id: call.traceId,
                code: failure.code,
                err: failure.internal ?? failure,
              },
              'tool call failed',
            );
          }
          try {
            call.auditId = await this.auditCall(call, outcomeOf(failure), failure.code, null);
          } catch (auditErr) {
            host.logger.error({ err: auditErr }, 'audit append failed');
          }
          throw failure;
        },
      },
      {
        // Before anything is parsed or loaded: invalid and oversized calls count against the caller too.
        name: 'rate_limit',
        run: async (call, next) => {
          if (this.nested)
            await host.limiter.acquire(
              call.principal.id,
              call.principal.tenant,
              `${call.system}/${call.tool.name}`,
              { tenantBucket: false },
            );
          else await host.limiter.acquire(call.principal.id, call.principal.tenant, call.tool.name);
          await next();
        },
      },
      {
        name: 'validate',
        run: async (c, next) => {
          validateArgs(c as KitCall);
          await next();
        },
      },
      {
        name: 'resolve',
        run: async (c, next) => {
          await this.resolve(c as KitCall);
          await next();
        },
      },
      {
        name: 'authorize',
        run: async (c, next) => {
          const decision = this.decide(c as KitCall);
          if (decision.effect === 'deny') throw errors.denied(decision.policies);
          await next();
        },
      },
      {
        name: 'approval',
        run: async (c, next) => {
          await this.approvalGate(c as KitCall);
          await next();
        },
      },
      {
        name: 'output',
        run: async (c, next) => {
          const call = c as KitCall;
          await next();
          if (call.mode === 'resource') return;
          const checked = call.entry.checkOutput(call.output);
          if (!checked.ok) throw checked.error;
          call.output = checked.data;
        },
      },
      {
        name: 'execute',
        run: async (c, next) => {
          const call = c as KitCall;
          call.output = call.executor
            ? await call.executor(call.resource)
            : await call.entry.def.handler(call.args as never, this.toolContext(call));
          await next();
        },
      },
    ];
  }

  private async resolve(call: KitCall): Promise<void> {
    const def = call.entry.def;
    const args = call.args as Record<string, unknown>;
    const rctx = this.resolveContext(call.principal, call.signal, call.plan);
    if (def.resource) {
      call.resource = await def.resource(args, rctx);
      if (!call.resource)
        throw errors.notFound(
          `The ${(def.resourceType ?? 'record').toLowerCase()} you named`,
          'Check the id; search tools list what exists.',
        );
    }
    call.context = { args: toCedarValue(args) ?? {}, now: Math.floor(Date.now() / 1000) };
    if (def.policyContext) Object.assign(call.context, await def.policyContext(args as never, rctx));
  }

  private decide(call: KitCall): Decision {
    const span = startSpan('policy.authorize', { attributes: { 'mcp.tool.name': call.tool.name } });
    try {
      call.decision = this.policy.authorize({
        principal: call.principal,
        action: call.tool.name,
        resource: call.resource ?? tenantResource(call.principal),
        context: call.context,
        approved: call.plan !== null,
      });
      span.setAttribute('portcullis.decision', call.decision.effect);
      return call.decision;
    } finally {
      span.end();
    }
  }

  /** Policy asked for an approval: record a plan (a call) or check the approved plan still fits (an apply). */
  private async approvalGate(call: KitCall): Promise<void> {
    const decision = call.decision;
    if (call.plan) {
      if (call.plan.target_version !== null && versionOf(call.resource) !== call.plan.target_version) {
        throw errors.conflict(
          'plan_target_changed',
          'The record changed after the plan was approved.',
          'Create a new plan from the current record.',
        );
      }
      return;
    }
    if (decision?.effect !== 'approval_required') return;
    if (call.entry.def.approval !== 'plan' || !this.approvals) {
      throw new PortcullisError({
        code: 'approval_required',
        category: 'approval_required',
        message: 'This action needs an approval.',
        details: { policies: decision.policies },
      });
    }
    const plan = await this.approvals.createPlan({
      tool: call.tool.name,
      tenant: call.principal.tenant,
      requester: call.principal.id,
      args: call.args,
      targetVersion: versionOf(call.resource),
      policies: decision.policies,
    });
    call.refs.plan_id = plan.id;
    throw new PortcullisError({
      code: 'approval_required',
      category: 'approval_required',
      message: `This action needs an approval from a different person holding the approver role. Plan ${plan.id} records it; it expires at ${plan.expires_at}.`,
      retryable: false,
      remediation:
        'Ask an approver to approve the plan (approve tool or POST /approvals/{plan_id}), then apply it with the approval token.',
      details: { plan_id: plan.id, expires_at: plan.expires_at, policies: decision.policies },
    });
  }

  private auditCall(
    call: KitCall,
    outcome: AuditOutcome,
    errorCode: string | null,
    resultHash: string | null,
  ): Promise<string> {
    return this.writeAudit(
      call.principal,
      call.tool.name,
      call.entry.sensitive,
      {
        traceId: call.traceId,
        args: call.args,
        decision: call.decision,
        refs: call.refs,
        started: call.started,
      },
      outcome,
      errorCode,
      resultHash,
    );
  }

  private federatedContent: FederatedContent | null = null;

  /** The system's federated resources and prompts (its `federation` hook, once the backend is up), or null. */
  get federated(): FederatedContent | null {
    if (!this.def.federation) return null;
    this.federatedContent ??= this.def.federation(this.backend);
    return this.federatedContent;
  }

  /** One federated request as `principal`: this system's policy decides, its audit chain records. */
  federationRequest(
    principal: Principal,
    signal: AbortSignal,
    meta?: Record<string, unknown>,
  ): FederationRequest {
    const traceId = traceIdOf(meta);
    return {
      principal,
      signal,
      traceId,
      decide: (action, resource) =>
        this.policy.authorize({
          principal,
          action,
          resource,
          context: { args: {}, now: Math.floor(Date.now() / 1000) },
        }),
      record: (event) =>
        this.host.appendAudit({
          kind: event.kind,
          trace_id: traceId,
          server: this.serverName,
          tool: event.tool,
          principal: principal.actor ?? principal.id,
          on_behalf_of: principal.onBehalfOf,
          tenant: principal.tenant,
          arguments: this.host.auditArguments(event.arguments, this.def.sensitiveKeys ?? []),
          decision: event.decision
            ? { effect: event.decision.effect, policies: event.decision.policies }
            : null,
          outcome: event.outcome,
          error_code: event.error_code,
          result_hash: null,
          duration_ms: event.duration_ms,
          ...(event.refs && Object.keys(event.refs).length > 0 ? { refs: { ...event.refs } } : {}),
        }),
    };
  }

  resolveContext(principal: Principal, signal: AbortSignal, plan: Plan | null = null): ResolveContext<B> {
    return { principal, backend: this.backend, signal, logger: this.host.logger, plan };
  }

  private toolContext(call: KitCall): ToolContext<B> {
    const { principal, signal } = call;
    return {
      principal,
      backend: this.backend,
      logger: this.host.logger,
      signal,
      plan: call.plan,
      traceId: call.traceId,
      resource: call.resource,
      idempotencyKey: call.idempotencyKey,
      isPermitted: (action, res) =>
        this.policy.authorize({
          principal,
          action,
          resource: res ?? call.resource ?? tenantResource(principal),
          context: { args: {}, now: Math.floor(Date.now() / 1000) },
        }).effect === 'allow',
      decide: (action, res) =>
        this.policy.authorize({ principal, action, resource: res, context: call.context }),
      upstream: (system, fn) => this.host.callUpstream(system, fn, signal),
      addAuditRefs: (refs) => Object.assign(call.refs, refs),
      approvals: this.approvalsApi(call),
      evaluate: (tool, args) => this.evaluate(principal, tool, args, signal),
      recordEvent: (event) =>
        this.host.appendAudit({
          kind: event.kind,
          trace_id: call.traceId,
          server: this.serverName,
          tool: call.tool.name,
          principal: principal.actor ?? principal.id,
          on_behalf_of: principal.onBehalfOf,
          tenant: principal.tenant,
          arguments: this.host.auditArguments(event.arguments ?? {}, call.entry.sensitive),
          decision: null,
          outcome: event.outcome,
          error_code: event.error_code ?? null,
          result_hash: event.result_hash ?? null,
          duration_ms: 0,
          ...(event.refs && Object.keys(event.refs).length > 0 ? { refs: { ...event.refs } } : {}),
        }),
    };
  }

  private approvalsApi(outer: KitCall): ApprovalsApi {
    const { principal } = outer;
    const need = (): ApprovalService => {
      if (!this.approvals) throw errors.internal(new Error('approvals are not enabled on this server'));
      return this.approvals;
    };
    const actor = { id: principal.id, tenant: principal.tenant };
    return {
      get: async (planId) => need().get(planId, principal.tenant),
      create: async (input) => {
        const tool = input.tool ?? outer.tool.name;
        if (!this.tools.has(tool)) throw errors.internal(new Error(`a plan names unknown tool ${tool}`));
        const plan = await need().createPlan({
          ...(input.id !== undefined ? { id: input.id } : {}),
          tool,
          tenant: principal.tenant,
          requester: principal.id,
          args: input.args,
          targetVersion: input.targetVersion ?? null,
          policies: input.policies,
        });
        outer.refs.plan_id = plan.id;
        return plan;
      },
      approve: async (planId) => {
        const res = await need().approve(planId, actor);
        Object.assign(outer.refs, { plan_id: planId, approval_id: res.plan.approval_id ?? '' });
        return res;
      },
      cancel: async (planId) => {
        outer.refs.plan_id = planId;
        return need().cancel(planId, actor);
      },
      list: async (opts) => need().list(principal.tenant, opts),
      apply: async (planId, token, opts = {}) => {
        outer.refs.plan_id = planId;
        const plan = await need().consume(planId, token, actor, { override: opts.override === true });
        if (plan.approval_id) outer.refs.approval_id = plan.approval_id;
        if (plan.requester !== principal.id) outer.refs.requester = plan.requester;
        try {
          const entry = this.tools.get(plan.tool);
          if (!entry) throw errors.internal(new Error(`plan ${planId} names unknown tool ${plan.tool}`));
          // The planned tool runs through the same stages (policy re-checked, target version compared)
          // inside this call: its record is the apply call's record.
          const inner = this.newCall(principal, entry, plan.arguments, { signal: outer.signal }, 'apply');
          inner.plan = plan;
          inner.refs = outer.refs;
          try {
            await runStages(this.applyStages, inner);
          } finally {
            outer.decision = inner.decision;
          }
          await need().recordResult(planId, inner.output);
          return { plan, result: inner.output };
        } catch (err) {
          // Nothing was recorded as done: reopen the plan so the same approval can be applied again
          // (execution carries idempotency key plan:<id>, so a retry never acts twice).
          await need()
            .release(planId)
            .catch((releaseErr: unknown) =>
              this.host.logger.error(
                { err: releaseErr, plan_id: planId },
                'could not reopen plan after a failed apply',
              ),
            );
          throw err;
        }
      },
    };
  }

  /** Plans whose approval tool lives here: the one POST /approvals/{plan_id} should call. */
  async ownsPlan(planId: string, tenant: string): Promise<boolean> {
    if (!this.approvals || !this.def.approvalTool) return false;
    const plan = await this.approvals.get(planId, tenant).catch(() => null);
    return plan !== null && this.tools.has(plan.tool);
  }

  resources(): ResourceDefinition<B>[] {
    return this.def.resources ?? [];
  }
}

/** Validates arguments (either schema kind) and refuses what the store or the kit cannot accept. */
function validateArgs(call: KitCall): void {
  const checked = call.entry.validateInput(call.args);
  if (!checked.ok) throw checked.error;
  const args = checked.data;
  call.args = args;
  const nul = findNul(args, '');
  if (nul !== null) {
    // PostgreSQL text cannot hold NUL: refuse it here as bad input, not later as a store failure.
    throw errors.validation(
      `Invalid arguments: ${nul || '(arguments)'}: contains a NUL character.`,
      'Remove the NUL (\\u0000) character.',
      { issues: [{ path: nul || '(arguments)', message: 'contains a NUL character' }] },
    );
  }
  if (call.mode === 'apply') {
    call.idempotencyKey = `plan:${call.plan?.id ?? ''}`;
    return;
  }
  const key = idempotencyKeyOf(args, call.meta);
  if (key !== null && RESERVED_KEY_PREFIXES.some((p) => key.startsWith(p))) {
    throw errors.validation(
      `Invalid arguments: idempotency_key: keys starting with ${RESERVED_KEY_PREFIXES.join(' or ')} are reserved for the server.`,
      'Use a key of your own (a UUID is a good choice).',
      { issues: [{ path: 'idempotency_key', message: 'reserved prefix' }] },
    );
  }
  call.idempotencyKey = key;
}

function outcomeOf(pe: PortcullisError): AuditOutcome {
  return pe.category === 'forbidden'
    ? 'denied'
    : pe.category === 'rate_limited'
      ? 'rate_limited'
      : pe.category === 'approval_required'
        ? 'approval_required'
        : 'error';
}

/** Path of the first string (or key) holding a NUL character, or null. */
function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}${path ? '.' : ''}${i}`);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}${path ? '.' : ''}${k}`;
      if (k.includes('\u0000')) return p;
      const hit = findNul(v, p);
      if (hit !== null) return hit;
    }
  }
  return null;
}

export function tenantResource(p: Principal): PolicyResource {
  return { type: 'Tenant', id: p.tenant, attributes: { tenant: p.tenant } };
}

function versionOf(resource: PolicyResource | null): string | null {
  const v = resource?.attributes.version;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

export function traceIdOf(meta: Record<string, unknown> | undefined, traceparent?: string): string {
  const explicit = meta?.[TRACE_META_KEY];
  if (typeof explicit === 'string' && /^[\w.:-]{1,128}$/.test(explicit)) return explicit;
  const tp = typeof meta?.traceparent === 'string' ? meta.traceparent : traceparent;
  if (typeof tp === 'string') {
    const m = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(tp);
    if (m?.[1]) return m[1];
  }
  return randomUUID();
}

function idempotencyKeyOf(
  args: Record<string, unknown>,
  meta: Record<string, unknown> | undefined,
): string | null {
  const fromArgs = args.idempotency_key;
  if (typeof fromArgs === 'string' && fromArgs) return fromArgs;
  const fromMeta = meta?.[IDEMPOTENCY_META_KEY];
  return typeof fromMeta === 'string' && fromMeta ? fromMeta : null;
}

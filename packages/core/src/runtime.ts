import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApprovalService, approvalMigrations } from './approvals.js';
import {
  canonicalJson,
  createAuditSink,
  sha256Hex,
  type AuditEvent,
  type AuditOutcome,
  type AuditSink,
} from './audit.js';
import { parseCommonConfig, parseServerConfig, type CommonConfig } from './config.js';
import { selectToolsets } from './toolsets.js';
import { CredentialResolver } from './credentials.js';
import type { BackendLifecycle, KitServices, ServerDefinition } from './definition.js';
import { ConfigError, PortcullisError, errors, toPortcullisError, type ErrorEnvelope } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { toCedarValue } from './cedar-values.js';
import type { Decision, PolicyEngine } from './policy.js';
import { RateLimiter, rateLimitConfigFromEnv } from './ratelimit.js';
import { Redactor } from './redact.js';
import { withRetry } from './retry.js';
import { migrate, openStore, type Store } from './store.js';
import {
  deriveAnnotations,
  type AnyObjectSchema,
  type CedarValue,
  type PolicyResource,
  type Principal,
  type ResolveContext,
  type ToolAnnotations,
  type ToolContext,
  type ToolDefinition,
  type ApprovalsApi,
} from './tool.js';

export const AUDIT_META_KEY = 'portcullis/audit_id';
export const TRACE_META_KEY = 'portcullis/trace_id';
export const ERROR_META_KEY = 'portcullis/error';

/** What tools/list shows for one tool: computed once at start. */
export interface ToolListing {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema: { type: 'object'; [k: string]: unknown };
  annotations: ToolAnnotations;
  _meta: { 'portcullis/toolset': string; 'portcullis/access': string };
}

export interface CallResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta: Record<string, unknown>;
}

/** Thrown for tools that are unknown, disabled or never permitted: all three answer identically. */
export class UnknownToolError extends Error {
  constructor(
    readonly toolName: string,
    /** The audit record of the refused attempt (never shown over MCP, where it must look like any unknown tool). */
    readonly auditId?: string,
  ) {
    super(`Unknown tool: ${toolName}`);
    this.name = 'UnknownToolError';
  }
}

/** Tools of one server differ in their schemas; inside the runtime they are handled uniformly. */
type AnyTool = ToolDefinition<AnyObjectSchema, AnyObjectSchema, unknown>;

interface ToolEntry {
  def: AnyTool;
  listing: ToolListing;
  sensitive: string[];
}

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  transport: 'stdio' | 'http';
  logger?: Logger;
}

export interface CallOptions {
  signal?: AbortSignal;
  meta?: Record<string, unknown>;
}

interface PipelineState {
  traceId: string;
  decision: Decision | null;
  refs: Record<string, string>;
  args: unknown;
}

/**
 * One server process: the definition plus every cross-cutting service. Transports hand it a
 * principal and a request; it applies the same controls whichever transport asked.
 */
export class ServerRuntime<B = unknown> {
  readonly config: CommonConfig;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly metrics: Metrics;
  /** Built in init (the Cedar WebAssembly loads after start-up answers); tool calls wait for `ready`. */
  policy!: PolicyEngine;
  readonly serverName: string;
  readonly serverConfig: Record<string, unknown>;
  /** Resolves when the store, audit sink, limiter and backend are up (tool calls wait for it). */
  readonly ready: Promise<void>;
  private readonly tools = new Map<string, ToolEntry>();
  private readonly env: NodeJS.ProcessEnv;
  private services!: KitServices;
  private store!: Store;
  private audit!: AuditSink;
  private limiter!: RateLimiter;
  private credentials!: CredentialResolver;
  private backend!: B & BackendLifecycle;
  private approvals: ApprovalService | null = null;
  private inFlight = 0;
  private closed = false;

  constructor(
    readonly def: ServerDefinition<B>,
    opts: RuntimeOptions,
  ) {
    this.env = opts.env ?? process.env;
    this.serverName = `portcullis-${def.name}`;
    this.config = parseCommonConfig(this.env, def.name, opts.transport);
    this.serverConfig = def.configSchema ? parseServerConfig(def.configSchema, this.env) : {};
    this.redactor = new Redactor(def.sensitiveKeys ?? []);
    this.logger =
      opts.logger ??
      createLogger({ name: this.serverName, level: this.config.logLevel, redactor: this.redactor });
    this.metrics = new Metrics(this.serverName);
    this.selectTools();
    this.ready = this.init();
    // Start-up failures are reported by whoever awaits `ready`; keep Node from flagging them early.
    this.ready.catch(() => undefined);
  }

  /** Toolsets, read-only mode and the PORTCULLIS_TOOLS allowlist; an unknown name stops start-up. */
  private selectTools(): void {
    const known = new Set(this.def.tools.map((t) => t.name));
    for (const name of this.config.tools ?? []) {
      if (!known.has(name))
        throw new ConfigError(`PORTCULLIS_TOOLS: unknown tool ${name} (known: ${[...known].join(', ')}).`);
    }
    const toolsets = selectToolsets(this.def.toolsets, this.config.toolsets);
    for (const def of this.def.tools as AnyTool[]) {
      if (this.config.tools && !this.config.tools.includes(def.name)) continue;
      if (!toolsets.has(def.toolset)) continue;
      if (this.config.readOnly && def.access !== 'read') continue;
      this.tools.set(def.name, {
        def,
        sensitive: [...(def.sensitiveFields ?? [])],
        listing: {
          name: def.name,
          title: def.title,
          description: def.description,
          inputSchema: jsonSchemaOf(def.input, 'input'),
          outputSchema: jsonSchemaOf(def.output, 'output'),
          annotations: deriveAnnotations(def),
          _meta: { 'portcullis/toolset': def.toolset, 'portcullis/access': def.access },
        },
      });
    }
  }

  private async init(): Promise<void> {
    const cfg = this.config;
    // Policies first: an invalid policy stops the server before anything else opens.
    const { PolicyEngine } = await import('./policy.js');
    this.policy = new PolicyEngine({
      serverName: this.serverName,
      policyDir: cfg.policyDir ?? this.def.policyDir,
      tools: this.def.tools,
      extraActions: this.def.extraActions,
    });
    mkdirSync(cfg.dataDir, { recursive: true });
    this.credentials = new CredentialResolver({
      redactor: this.redactor,
      logger: this.logger,
      env: this.env,
    });
    this.store = await openStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, logger: this.logger });
    this.audit = await createAuditSink(cfg.audit, {
      dataDir: cfg.dataDir,
      serverName: this.serverName,
      store: this.store,
      logger: this.logger,
    });
    this.limiter = await RateLimiter.create({
      config: rateLimitConfigFromEnv(this.env),
      redisUrl: cfg.redisUrl,
      prefix: this.serverName,
      logger: this.logger,
      onLimited: (scope) => this.metrics.rateLimited.inc({ scope }),
    });
    if (this.def.tools.some((t) => t.approval === 'plan')) {
      await migrate(this.store, 'core-approvals', approvalMigrations);
      this.approvals = new ApprovalService({
        store: this.store,
        serverName: this.serverName,
        signingKey: await this.approvalKey(),
      });
    }
    if (this.def.migrations?.length) await migrate(this.store, this.def.name, this.def.migrations);
    this.services = {
      serverName: this.serverName,
      env: this.env,
      config: this.serverConfig,
      dataDir: cfg.dataDir,
      store: this.store,
      credentials: this.credentials,
      redactor: this.redactor,
      logger: this.logger,
      callUpstream: (system, fn, signal) => this.callUpstream(system, fn, signal),
    };
    this.backend = await this.def.createBackend(this.services);
  }

  /** The key that signs approval tokens: a credential reference in production, else generated once per data dir. */
  private async approvalKey(): Promise<Uint8Array> {
    if (this.config.approvalKey) {
      const secret = await this.credentials.get(this.config.approvalKey, 'PORTCULLIS_APPROVAL_KEY');
      if (secret.length < 32)
        throw new ConfigError('PORTCULLIS_APPROVAL_KEY must resolve to at least 32 characters.');
      return new TextEncoder().encode(secret);
    }
    if (this.config.production)
      throw new ConfigError(
        'PORTCULLIS_APPROVAL_KEY is required when NODE_ENV=production (replicas must share it).',
      );
    const path = join(this.config.dataDir, 'approval-signing.key');
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600 });
    const key = readFileSync(path, 'utf8').trim();
    this.redactor.addSecret(key);
    return new TextEncoder().encode(key);
  }

  private callUpstream<T>(
    system: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return withRetry(
      ({ signal: attemptSignal }) => this.limiter.upstream(system, () => fn(attemptSignal), attemptSignal),
      {
        system,
        signal,
        onRetry: () => this.metrics.upstreamRetries.inc({ system }),
      },
    );
  }

  /** tools/list for this principal: only tools its policy could ever permit. */
  async listTools(principal: Principal): Promise<ToolListing[]> {
    await this.ready;
    const out: ToolListing[] = [];
    for (const entry of this.tools.values()) {
      if (this.policy.mayEverPermit(principal, entry.def.name)) out.push(entry.listing);
    }
    return out;
  }

  /** Is this tool callable at all by this principal (enabled and not hidden by policy)? */
  async isVisible(principal: Principal, name: string): Promise<boolean> {
    await this.ready;
    const entry = this.tools.get(name);
    return entry !== undefined && this.policy.mayEverPermit(principal, name);
  }

  /** The whole request path for one tool call. Never throws except UnknownToolError. */
  async callTool(
    principal: Principal,
    name: string,
    rawArgs: unknown,
    opts: CallOptions = {},
  ): Promise<CallResult> {
    const started = performance.now();
    const state: PipelineState = { traceId: traceIdOf(opts.meta), decision: null, refs: {}, args: rawArgs };
    await this.ready;
    const entry = this.tools.get(name);
    if (!entry || !this.policy.mayEverPermit(principal, name)) {
      // Audited as a denial, answered exactly like a tool that does not exist.
      const auditId = await this.writeAudit(
        principal,
        name,
        entry?.sensitive ?? [],
        state,
        'denied',
        'unknown_tool',
        null,
        started,
      );
      this.metrics.calls.inc({ tool: 'unknown', outcome: 'denied' });
      throw new UnknownToolError(name, auditId);
    }
    this.inFlight++;
    try {
      const out = await this.runPipeline(entry, principal, rawArgs, opts, state);
      const structured = this.redactor.maskSecrets(out) as Record<string, unknown>;
      const resultHash = sha256Hex(canonicalJson(structured));
      const record = await this.writeAudit(
        principal,
        name,
        entry.sensitive,
        state,
        'ok',
        null,
        resultHash,
        started,
      );
      this.metrics.calls.inc({ tool: name, outcome: 'ok' });
      this.metrics.latency.observe({ tool: name }, (performance.now() - started) / 1000);
      const text = entry.def.render
        ? this.redactor.maskSecrets(entry.def.render(out as Record<string, unknown>))
        : JSON.stringify(structured);
      return {
        content: [{ type: 'text', text }],
        structuredContent: structured,
        _meta: { [AUDIT_META_KEY]: record, [TRACE_META_KEY]: state.traceId },
      };
    } catch (err) {
      return await this.failure(err, entry, principal, state, started);
    } finally {
      this.inFlight--;
    }
  }

  private async failure(
    err: unknown,
    entry: ToolEntry,
    principal: Principal,
    state: PipelineState,
    started: number,
  ): Promise<CallResult> {
    const pe = toPortcullisError(err);
    const outcome: AuditOutcome =
      pe.category === 'forbidden'
        ? 'denied'
        : pe.category === 'rate_limited'
          ? 'rate_limited'
          : pe.category === 'approval_required'
            ? 'approval_required'
            : 'error';
    if (pe.category === 'internal' || pe.category === 'upstream') {
      this.logger.error(
        { tool: entry.def.name, trace_id: state.traceId, code: pe.code, err: pe.internal ?? pe },
        'tool call failed',
      );
    }
    let auditId = 'unrecorded';
    try {
      auditId = await this.writeAudit(
        principal,
        entry.def.name,
        entry.sensitive,
        state,
        outcome,
        pe.code,
        null,
        started,
      );
    } catch (auditErr) {
      this.logger.error({ err: auditErr }, 'audit append failed');
    }
    if (outcome === 'denied') this.metrics.denials.inc({ tool: entry.def.name });
    this.metrics.calls.inc({ tool: entry.def.name, outcome });
    this.metrics.latency.observe({ tool: entry.def.name }, (performance.now() - started) / 1000);
    const envelope = this.redactor.maskSecrets(pe.toEnvelope(auditId));
    return errorResult(envelope, state.traceId);
  }

  private async runPipeline(
    entry: ToolEntry,
    principal: Principal,
    rawArgs: unknown,
    opts: CallOptions,
    state: PipelineState,
  ): Promise<unknown> {
    const def = entry.def;
    const parsed = def.input.safeParse(rawArgs ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const args = parsed.data;
    state.args = args;
    const nul = findNul(args, '');
    if (nul !== null) {
      // PostgreSQL text cannot hold NUL: refuse it here as bad input, not later as a store failure.
      throw errors.validation(
        `Invalid arguments: ${nul || '(arguments)'}: contains a NUL character.`,
        'Remove the NUL (\\u0000) character.',
        {
          issues: [{ path: nul || '(arguments)', message: 'contains a NUL character' }],
        },
      );
    }
    await this.limiter.acquire(principal.id, principal.tenant, def.name);
    const signal = opts.signal ?? new AbortController().signal;
    const rctx: ResolveContext<B> = { principal, backend: this.backend, signal, logger: this.logger };
    const { resource, decision } = await this.authorizeCall(entry, principal, args, rctx);
    state.decision = decision;
    if (decision.effect === 'deny') throw denied(decision);
    if (decision.effect === 'approval_required') {
      if (def.approval !== 'plan' || !this.approvals) {
        throw new PortcullisError({
          code: 'approval_required',
          category: 'approval_required',
          message: 'This action needs an approval.',
          details: { policies: decision.policies },
        });
      }
      const plan = await this.approvals.createPlan({
        tool: def.name,
        tenant: principal.tenant,
        requester: principal.id,
        args,
        targetVersion: versionOf(resource),
        policies: decision.policies,
      });
      state.refs.plan_id = plan.id;
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
    return this.execute(
      entry,
      principal,
      args,
      resource,
      decision,
      signal,
      state,
      idempotencyKeyOf(args, opts.meta),
    );
  }

  private async execute(
    entry: ToolEntry,
    principal: Principal,
    args: Record<string, unknown>,
    resource: PolicyResource | null,
    decision: Decision,
    signal: AbortSignal,
    state: PipelineState,
    idempotencyKey: string | null,
  ): Promise<unknown> {
    const ctx = this.toolContext(principal, resource, signal, state, idempotencyKey);
    const out = await entry.def.handler(args, ctx);
    const checked = entry.def.output.safeParse(out);
    if (!checked.success) {
      throw errors.internal(
        new Error(
          `${entry.def.name} returned output that does not match its schema: ${checked.error.message}`,
        ),
      );
    }
    void decision;
    return checked.data;
  }

  private async authorizeCall(
    entry: ToolEntry,
    principal: Principal,
    args: Record<string, unknown>,
    rctx: ResolveContext<B>,
    approved = false,
  ) {
    const def = entry.def;
    let resource: PolicyResource | null = null;
    if (def.resource) {
      resource = await def.resource(args, rctx);
      if (!resource)
        throw errors.notFound(
          `The ${(def.resourceType ?? 'record').toLowerCase()} you named`,
          'Check the id; search tools list what exists.',
        );
    }
    const context: Record<string, CedarValue> = {
      args: toCedarValue(args) ?? {},
      now: Math.floor(Date.now() / 1000),
    };
    if (def.policyContext) Object.assign(context, await def.policyContext(args, rctx));
    const decision = this.policy.authorize({
      principal,
      action: def.name,
      resource: resource ?? tenantResource(principal),
      context,
      approved,
    });
    return { resource, decision };
  }

  private toolContext(
    principal: Principal,
    resource: PolicyResource | null,
    signal: AbortSignal,
    state: PipelineState,
    idempotencyKey: string | null,
  ): ToolContext<B> {
    return {
      principal,
      backend: this.backend,
      logger: this.logger,
      signal,
      traceId: state.traceId,
      resource,
      idempotencyKey,
      isPermitted: (action, res) =>
        this.policy.authorize({
          principal,
          action,
          resource: res ?? resource ?? tenantResource(principal),
          context: { args: {}, now: Math.floor(Date.now() / 1000) },
        }).effect === 'allow',
      upstream: (system, fn) => this.callUpstream(system, fn, signal),
      addAuditRefs: (refs) => Object.assign(state.refs, refs),
      approvals: this.approvalsApi(principal, signal, state),
      evaluate: (tool, args) => this.evaluate(principal, tool, args, signal),
    };
  }

  /** A dry run of another tool's policy for these arguments: nothing is executed or written. */
  async evaluate(
    principal: Principal,
    tool: string,
    rawArgs: unknown,
    signal?: AbortSignal,
  ): Promise<Decision> {
    await this.ready;
    const entry = this.tools.get(tool);
    // Not offered here (read-only mode, allowlist): the caller says so; never permitted: a plain deny.
    if (!entry) throw errors.validation(`${tool} is not enabled on this server.`);
    if (!this.policy.mayEverPermit(principal, tool)) return { effect: 'deny', policies: [], errors: [] };
    const parsed = entry.def.input.safeParse(rawArgs);
    if (!parsed.success) throw validationError(parsed.error);
    const rctx: ResolveContext<B> = {
      principal,
      backend: this.backend,
      signal: signal ?? new AbortController().signal,
      logger: this.logger,
    };
    return (await this.authorizeCall(entry, principal, parsed.data, rctx)).decision;
  }

  private approvalsApi(principal: Principal, signal: AbortSignal, state: PipelineState): ApprovalsApi {
    const need = (): ApprovalService => {
      if (!this.approvals) throw errors.internal(new Error('approvals are not enabled on this server'));
      return this.approvals;
    };
    return {
      get: async (planId) => need().get(planId, principal.tenant),
      approve: async (planId) => {
        const res = await need().approve(planId, { id: principal.id, tenant: principal.tenant });
        Object.assign(state.refs, { plan_id: planId, approval_id: res.plan.approval_id ?? '' });
        return res;
      },
      cancel: async (planId) => {
        state.refs.plan_id = planId;
        return need().cancel(planId, { id: principal.id, tenant: principal.tenant });
      },
      apply: async (planId, token) => {
        state.refs.plan_id = planId;
        const plan = await need().consume(planId, token, { id: principal.id, tenant: principal.tenant });
        if (plan.approval_id) state.refs.approval_id = plan.approval_id;
        try {
          const entry = this.tools.get(plan.tool);
          if (!entry) throw errors.internal(new Error(`plan ${planId} names unknown tool ${plan.tool}`));
          const args = plan.arguments as Record<string, unknown>;
          // Policy is checked again at apply time; the approval satisfies only the approval annotation.
          const rctx: ResolveContext<B> = { principal, backend: this.backend, signal, logger: this.logger };
          const { resource, decision } = await this.authorizeCall(entry, principal, args, rctx, true);
          state.decision = decision;
          if (decision.effect !== 'allow') throw denied(decision);
          if (plan.target_version !== null && versionOf(resource) !== plan.target_version) {
            throw errors.conflict(
              'plan_target_changed',
              'The record changed after the plan was approved.',
              'Create a new plan from the current record.',
            );
          }
          const out = await this.execute(
            entry,
            principal,
            args,
            resource,
            decision,
            signal,
            state,
            `plan:${plan.id}`,
          );
          await need().recordResult(planId, out);
          return { plan, result: out };
        } catch (err) {
          // Nothing was recorded as done: reopen the plan so the same approval can be applied again
          // (execution carries idempotency key plan:<id>, so a retry never acts twice).
          await need()
            .release(planId)
            .catch((releaseErr: unknown) =>
              this.logger.error(
                { err: releaseErr, plan_id: planId },
                'could not reopen plan after a failed apply',
              ),
            );
          throw err;
        }
      },
    };
  }

  private async writeAudit(
    principal: Principal,
    tool: string,
    sensitive: string[],
    state: PipelineState,
    outcome: AuditOutcome,
    errorCode: string | null,
    resultHash: string | null,
    started: number,
  ): Promise<string> {
    const event: AuditEvent = {
      kind: 'tool_call',
      trace_id: state.traceId,
      server: this.serverName,
      tool,
      principal: principal.id,
      on_behalf_of: principal.onBehalfOf,
      tenant: principal.tenant,
      arguments: this.redactor.redact(state.args ?? {}, sensitive),
      decision: state.decision ? { effect: state.decision.effect, policies: state.decision.policies } : null,
      outcome,
      error_code: errorCode,
      result_hash: resultHash,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (Object.keys(state.refs).length > 0) event.refs = { ...state.refs };
    return (await this.audit.append(event)).id;
  }

  /** Appends a record for something that is not a tool call (approvals via HTTP, recoveries). */
  async recordEvent(event: AuditEvent): Promise<string> {
    await this.ready;
    return (await this.audit.append(event)).id;
  }

  /** For /readyz. */
  async readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    try {
      await withTimeout(this.ready, 2_000);
    } catch {
      return { ok: false, checks: { startup: 'not ready' } };
    }
    const probe = async (name: string, fn: () => Promise<void>) => {
      try {
        await withTimeout(fn(), 2_000);
        checks[name] = 'ok';
      } catch {
        checks[name] = 'failing';
      }
    };
    await Promise.all([
      probe('store', () => this.store.ping()),
      probe('rate_limits', () => this.limiter.ping()),
      ...(this.backend.ping ? [probe('backend', () => this.backend.ping!())] : []),
    ]);
    return { ok: Object.values(checks).every((v) => v === 'ok') && !this.closed, checks };
  }

  get activeCalls(): number {
    return this.inFlight;
  }

  get auditSink(): AuditSink {
    return this.audit;
  }

  get kitEnv(): NodeJS.ProcessEnv {
    return this.env;
  }

  get kitBackend(): B {
    return this.backend;
  }

  get kitServices(): KitServices {
    return this.services;
  }

  /** Flushes the audit sink and closes everything; in-flight calls are the transport's to drain first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Init may have failed part-way: close whatever it had opened, in reverse order.
    await this.ready.catch(() => undefined);
    const step = async (what: string, fn: (() => Promise<void> | void) | undefined) => {
      try {
        await fn?.();
      } catch (err) {
        this.logger.warn({ err }, `${what} close failed`);
      }
    };
    await step('backend', this.backend?.close?.bind(this.backend));
    await step(
      'audit',
      this.audit ? async () => (await this.audit.flush(), await this.audit.close()) : undefined,
    );
    await step('rate limiter', this.limiter ? () => this.limiter.close() : undefined);
    await step('credentials', this.credentials ? () => this.credentials.close() : undefined);
    await step('store', this.store ? () => this.store.close() : undefined);
  }
}

export type { ApprovalsApi, EvaluateFn } from './tool.js';

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

function tenantResource(p: Principal): PolicyResource {
  return { type: 'Tenant', id: p.tenant, attributes: { tenant: p.tenant } };
}

function versionOf(resource: PolicyResource | null): string | null {
  const v = resource?.attributes.version;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

function denied(decision: Decision): PortcullisError {
  const byPolicy = decision.policies.length > 0;
  return new PortcullisError({
    code: byPolicy ? 'denied_by_policy' : 'not_permitted',
    category: 'forbidden',
    message: byPolicy
      ? `Policy ${decision.policies.join(', ')} does not allow this call.`
      : 'No policy permits this call for you.',
    retryable: false,
    remediation: 'Ask an administrator for the role or ownership this needs; do not retry.',
    details: { policies: decision.policies },
  });
}

function validationError(err: z.ZodError): PortcullisError {
  const issues = err.issues
    .slice(0, 10)
    .map((i) => ({ path: i.path.join('.') || '(arguments)', message: i.message }));
  return errors.validation(
    `Invalid arguments: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    'Fix the named fields and call again; the tool input schema lists what is valid.',
    { issues },
  );
}

export function errorResult(envelope: ErrorEnvelope, traceId: string): CallResult {
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify({ error: envelope }) }],
    _meta: { [AUDIT_META_KEY]: envelope.audit_id, [TRACE_META_KEY]: traceId, [ERROR_META_KEY]: envelope },
  };
}

function traceIdOf(meta: Record<string, unknown> | undefined): string {
  const explicit = meta?.[TRACE_META_KEY];
  if (typeof explicit === 'string' && /^[\w.:-]{1,128}$/.test(explicit)) return explicit;
  const tp = meta?.traceparent;
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
  const fromMeta = meta?.['portcullis/idempotency_key'];
  return typeof fromMeta === 'string' && fromMeta ? fromMeta : null;
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): { type: 'object'; [k: string]: unknown } {
  const js = z.toJSONSchema(schema, { io, target: 'draft-7', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete js.$schema;
  return { ...js, type: 'object' };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A server process: one host and the surfaces mounted on it. `new ServerRuntime(def)` is the
 * one-system server every `portcullis-<name>` CLI runs; `new ServerRuntime([crm, billing])`
 * mounts several systems on one host (one store, one audit chain, one limiter) behind one MCP
 * endpoint. Transports hand it a principal and a request; the same stages run whichever asked.
 */
import type { AuditEvent, AuditOutcome, AuditSink } from './audit.js';
import type { CommonConfig } from './config.js';
import type {
  FederatedContent,
  KitServices,
  PromptDefinition,
  ResourceDefinition,
  ServerDefinition,
} from './definition.js';
import { ConfigError, PortcullisError as PortcullisErrorClass, errors } from './errors.js';
import { CALLER_ASSERTION_META_KEY, CallerAssertionVerifier } from './assertion.js';
import { withFreshReads } from './cache.js';
import { Host } from './host.js';
import { embeddedStoreIn, unpackPreparedStore } from './store.js';
import { selectToolsets } from './toolsets.js';
import { failSpan, parentContext, startSpan, telemetryActive, withSpan } from './telemetry.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Decision } from './policy.js';
import type { Redactor } from './redact.js';
import {
  AUDIT_META_KEY,
  ERROR_META_KEY,
  Surface,
  TRACE_META_KEY,
  traceIdOf,
  type CallOptions,
  type CallResult,
} from './surface.js';
import type { ToolListing } from './tool-entry.js';
import type { Principal } from './tool.js';
import type { ErrorEnvelope, PortcullisError } from './errors.js';

export { AUDIT_META_KEY, ERROR_META_KEY, TRACE_META_KEY, IDEMPOTENCY_META_KEY } from './surface.js';
export type { CallOptions, CallResult } from './surface.js';
export type { ToolListing } from './tool-entry.js';

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

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  transport: 'stdio' | 'http';
  logger?: Logger;
  /** Names a multi-system host (`portcullis-<name>`); defaults to `host`. One system is named after itself. */
  name?: string;
  /** Title and instructions a multi-system host announces at initialize. */
  title?: string;
  instructions?: string;
  /**
   * Mount these systems on an existing host (another runtime's: one store, one audit chain, one
   * limiter) instead of opening one. The runtime that made the host opens and closes it; this one
   * closes only its systems' backends. Its systems sit behind that runtime's door: their policy
   * folders are PORTCULLIS_POLICY_DIR_<SYSTEM> only, and they do not charge the tenant bucket again.
   */
  host?: Host;
  /**
   * Called before anything opens when this start would create the embedded store (no
   * DATABASE_URL, no database in the data directory yet): the CLI's first start in a separate
   * process (first-start.ts). Start-up goes on when it settles, whatever it did (a failure is logged),
   * unless the runtime was closed meanwhile.
   */
  beforeFirstStart?: (signal: AbortSignal) => Promise<unknown>;
  /** This start only readies the data directory (`--prepare`): KitServices.preparing. */
  preparing?: boolean;
  /** Keep Prometheus metrics; by default only over HTTP (HostOptions.metrics). */
  metrics?: boolean;
}

// Definitions of different systems differ in their backend types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyServerDefinition = ServerDefinition<any>;

/** What a resource or prompt needs to run: the definition and the surface that owns it. */
export interface Mounted<T> {
  item: T;
  surface: Surface;
}

/**
 * What an MCP endpoint serves: every mounted system (the runtime itself) or one of them
 * (`runtime.scope(system)`, the per-system HTTP paths of a multi-system host).
 */
export interface McpScope {
  readonly info: { name: string; version: string; title: string; instructions?: string };
  readonly ready: Promise<void>;
  readonly redactor: Redactor;
  /** Where a request's failure is told in full (the client is told only that it failed). */
  readonly logger: Logger;
  listTools(principal: Principal): Promise<ToolListing[]>;
  isVisible(principal: Principal, name: string): Promise<boolean>;
  callTool(principal: Principal, name: string, rawArgs: unknown, opts?: CallOptions): Promise<CallResult>;
  readGuardedResource(
    principal: Principal,
    mounted: Mounted<ResourceDefinition<unknown>>,
    uri: URL,
    vars: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ text: string } | { error: ErrorEnvelope }>;
  resources(): Mounted<ResourceDefinition<unknown>>[];
  prompts(): Mounted<PromptDefinition<unknown>>[];
  /** Some system serves federated resources and prompts (known before start, for the capabilities). */
  readonly federates: boolean;
  /** The federating systems (once up), each with its per-request context. */
  federated(): Promise<{ content: FederatedContent; request: Surface['federationRequest'] }[]>;
  /** Whom a call acts as: the authenticated principal, or the caller a trusted broker asserts in `_meta`. */
  callerOf(
    principal: Principal,
    meta: Record<string, unknown> | undefined,
    request?: AssertedRequest,
  ): Promise<Principal>;
  /** The tool list can change while running (a system watches its discovered tools). */
  readonly toolsListChanged: boolean;
  /** Called after the tool list changed; returns an unsubscribe function. */
  onToolsChanged(listener: () => void): () => void;
}

/** What a request carrying a caller assertion asks for: recorded when the assertion is refused. */
export interface AssertedRequest {
  /** The tool called, or the method (`resources/read`, `prompts/get`). */
  name: string;
  args?: unknown;
  traceparent?: string;
  requestId?: string;
}

export class ServerRuntime<B = unknown> implements McpScope {
  readonly host: Host;
  readonly surfaces: Surface[];
  readonly serverName: string;
  readonly config: CommonConfig;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** What initialize announces. */
  readonly info: { name: string; version: string; title: string; instructions?: string };
  /** Resolves when the store, audit sink, limiter, policies and backends are up (tool calls wait for it). */
  readonly ready: Promise<void>;
  private readonly bySystemTool = new Map<string, Surface>();
  private inFlight = 0;

  /** The host's metrics (loaded as the host opens), or null over stdio; see `Host.metrics`. */
  get metrics(): Metrics | null {
    return this.host.metrics;
  }

  private closed = false;
  private readonly borrowedHost: boolean;
  private readonly beforeFirstStart: ((signal: AbortSignal) => Promise<unknown>) | undefined;
  /** Aborted by close(): stops the step before a first start (the child) if it is still running. */
  private readonly closing = new AbortController();

  constructor(defs: ServerDefinition<B> | readonly AnyServerDefinition[], opts: RuntimeOptions) {
    const list: AnyServerDefinition[] = isList(defs) ? [...defs] : [defs];
    const first = list[0];
    if (!first) throw new ConfigError('A server needs at least one system.');
    const single = list.length === 1;
    const names = new Set<string>();
    for (const d of list) {
      if (names.has(d.name)) throw new ConfigError(`System ${d.name} is mounted twice.`);
      names.add(d.name);
    }
    this.borrowedHost = opts.host !== undefined;
    this.beforeFirstStart = opts.beforeFirstStart;
    this.host =
      opts.host ??
      new Host({
        name: single ? first.name : (opts.name ?? 'host'),
        env: opts.env,
        transport: opts.transport,
        logger: opts.logger,
        sensitiveKeys: [...new Set(list.flatMap((d) => d.sensitiveKeys ?? []))],
        preparing: opts.preparing,
        metrics: opts.metrics,
        storeExtensions: list.flatMap((d) => d.storeExtensions ?? []),
      });
    // A borrowed host opened its store already, or will, with the extensions it was given.
    for (const d of list)
      for (const ext of d.storeExtensions ?? [])
        if (!this.host.storeExtensions.includes(ext))
          throw new ConfigError(
            `System ${d.name} needs the store extension ${ext}, which the host's store does not load (HostOptions.storeExtensions).`,
          );
    for (const k of opts.host ? list.flatMap((d) => d.sensitiveKeys ?? []) : [])
      this.host.redactor.addSensitiveKey(k);
    const host = this.host;
    this.serverName = host.serverName;
    this.config = host.config;
    this.logger = host.logger;
    this.redactor = host.redactor;
    this.info = single
      ? {
          name: host.serverName,
          version: first.version,
          title: first.title,
          instructions: first.instructions,
        }
      : {
          name: host.serverName,
          version: first.version,
          title: opts.title ?? `Portcullis (${list.map((d) => d.name).join(', ')})`,
          instructions:
            opts.instructions ??
            list
              .map((d) => d.instructions)
              .filter(Boolean)
              .join('\n\n'),
        };
    const selection = {
      tools: this.config.tools,
      toolsets: this.checkSelection(list),
      readOnly: this.config.readOnly,
    };
    this.surfaces = list.map(
      (d) => new Surface(host, d, selection, this.policyDirOf(d, single), this.borrowedHost),
    );
    // A one-system server with its own store may start a new embedded store from its build's.
    const prepared = first.preparedStore;
    if (single && !this.borrowedHost && prepared !== undefined) {
      try {
        if (prepared.matches(this.surfaces[0]!.config, host.env))
          host.preparedStore = {
            dir: prepared.dir,
            migrations: prepared.migrations?.() ?? { [first.name]: first.migrations ?? [] },
          };
      } catch (err) {
        // Not a reason to stop: the store is written as without one.
        this.logger.warn({ err }, "could not tell whether the server's prepared store matches its settings");
      }
    }
    this.indexTools();
    this.ready = this.init();
    // Start-up failures are reported by whoever awaits `ready`; keep Node from flagging them early.
    this.ready.catch(() => undefined);
  }

  private indexTools(): void {
    this.bySystemTool.clear();
    for (const s of this.surfaces) {
      for (const name of s.tools.keys()) {
        if (this.bySystemTool.has(name)) throw new ConfigError(`Tool ${name} is defined by two systems.`);
        this.bySystemTool.set(name, s);
      }
    }
  }

  /**
   * The PORTCULLIS_TOOLS allowlist and the toolsets to serve (declared by every mounted system);
   * an unknown name stops start-up.
   */
  private checkSelection(list: AnyServerDefinition[]): Set<string> {
    const known = new Set(list.flatMap((d) => d.tools.map((t) => t.name)));
    for (const name of this.config.tools ?? []) {
      if (!known.has(name))
        throw new ConfigError(`PORTCULLIS_TOOLS: unknown tool ${name} (known: ${[...known].join(', ')}).`);
    }
    return selectToolsets(
      list.flatMap((d) => d.toolsets),
      this.config.toolsets,
    );
  }

  /** One system honours PORTCULLIS_POLICY_DIR; on a multi-system host each has PORTCULLIS_POLICY_DIR_<SYSTEM>. */
  private policyDirOf(def: AnyServerDefinition, single: boolean): string {
    const key = `PORTCULLIS_POLICY_DIR_${def.name.toUpperCase().replace(/-/g, '_')}`;
    // PORTCULLIS_POLICY_DIR belongs to the runtime that made the host.
    if (this.borrowedHost) return this.host.env[key] ?? def.policyDir;
    if (single) return this.config.policyDir ?? def.policyDir;
    if (this.config.policyDir)
      throw new ConfigError(
        'PORTCULLIS_POLICY_DIR applies to a one-system server; on a multi-system host set PORTCULLIS_POLICY_DIR_<SYSTEM> per system.',
      );
    return this.host.env[key] ?? def.policyDir;
  }

  private async init(): Promise<void> {
    // Two turns of the event loop first: stdin starts reading in the first (the transport connects
    // after this constructor), so a client's initialize already waiting in the pipe is read and
    // answered in the second, before the policies and the store load (~1 s of CPU).
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    // The embedded store's engine compiles in the background meanwhile (Host.warmStore): behind a
    // prepared store's unpacking or a first start apart too.
    this.host.warmStore();
    if (
      this.beforeFirstStart &&
      !this.borrowedHost &&
      !this.config.databaseUrl &&
      !embeddedStoreIn(this.config.dataDir)
    ) {
      // A prepared store leaves a first start nothing heavy to do apart: unpacked here, the step
      // before it runs only if that could not be done.
      const prepared = this.host.preparedStore;
      const unpacked =
        prepared !== undefined && (await unpackPreparedStore(this.config.dataDir, prepared, this.logger));
      if (!unpacked) {
        await this.beforeFirstStart(this.closing.signal).catch((err: unknown) =>
          this.logger.warn({ err }, 'first start: the step before it failed; starting anyway'),
        );
        // Closed meanwhile (a signal, the client gone): nothing is open yet, and nothing opens now.
        if (this.closed) return;
      }
    }
    // Policies first: an invalid policy stops the server before anything else opens.
    for (const s of this.surfaces) await s.init();
    await this.host.open();
    for (const s of this.surfaces) s.savePolicyCache();
    const brokerKey = this.borrowedHost ? undefined : this.host.env.PORTCULLIS_BROKER_PUBLIC_KEY;
    if (brokerKey) {
      try {
        const pem = await this.host.credentials.get(brokerKey, 'PORTCULLIS_BROKER_PUBLIC_KEY');
        this.assertions = await CallerAssertionVerifier.fromPem(pem);
      } catch (err) {
        throw new ConfigError(
          `PORTCULLIS_BROKER_PUBLIC_KEY: not an Ed25519 public key in PEM (SPKI) form (${(err as Error).message}).`,
        );
      }
    }
    for (const s of this.surfaces) await s.start();
    // Systems that discover their tools (upstreams) know them only now.
    if (this.surfaces.some((s) => s.def.discoverTools)) this.indexTools();
    for (const s of this.surfaces)
      s.def.watchTools?.(s.backend, () => {
        this.toolsChanged(s);
      });
  }

  private readonly toolListeners = new Set<{ surface: Surface | null; listener: () => void }>();
  private rediscovering: Promise<void> = Promise.resolve();

  /** Some system's tool list can change while running. */
  get toolsListChanged(): boolean {
    return this.surfaces.some((s) => s.def.watchTools);
  }

  onToolsChanged(listener: () => void, surface?: Surface): () => void {
    const entry = { surface: surface ?? null, listener };
    this.toolListeners.add(entry);
    return () => this.toolListeners.delete(entry);
  }

  /** A system's tools changed: discover them again (one at a time), then tell every subscriber. */
  private toolsChanged(surface: Surface): void {
    this.rediscovering = this.rediscovering.then(async () => {
      if (this.closed) return;
      try {
        await surface.rediscover();
        this.indexTools();
      } catch (err) {
        this.logger.warn(
          { err, system: surface.def.name },
          'could not discover the changed tools; the tools served so far stay in force',
        );
      }
      for (const { surface: only, listener } of [...this.toolListeners]) {
        if (only && only !== surface) continue;
        try {
          listener();
        } catch (err) {
          this.logger.warn({ err }, 'a tool-list listener failed');
        }
      }
    });
  }

  /** The definition of a one-system server (the first system of a host). */
  get def(): ServerDefinition<B> {
    return this.surfaces[0]!.def as ServerDefinition<B>;
  }

  /** The mounted system of that name. */
  surface(system: string): Surface | undefined {
    return this.surfaces.find((s) => s.def.name === system);
  }

  /**
   * One mounted system seen on its own: its tools, resources and prompts only, on the same host
   * (store, audit chain, limiter). A tool of another system is answered as unknown, exactly as a
   * tool that does not exist, and audited under this system.
   */
  scope(system: string): McpScope {
    const surface = this.surface(system);
    if (!surface) throw new ConfigError(`No system ${system} is mounted on this host.`);
    const def = surface.def;
    const owns = (name: string) => this.bySystemTool.get(name) === surface;
    return {
      info: {
        name: `portcullis-${def.name}`,
        version: def.version,
        title: def.title,
        instructions: def.instructions,
      },
      ready: this.ready,
      redactor: this.redactor,
      logger: this.logger,
      listTools: async (p) => {
        await this.ready;
        return surface.listTools(p);
      },
      isVisible: async (p, name) => owns(name) && (await this.isVisible(p, name)),
      callTool: async (p, name, rawArgs, opts = {}) => {
        await this.ready;
        return owns(name)
          ? this.callTool(p, name, rawArgs, opts)
          : this.unknownTool(p, name, rawArgs, opts, surface);
      },
      readGuardedResource: (p, mounted, uri, vars, signal) =>
        this.readGuardedResource(p, mounted, uri, vars, signal),
      resources: () => this.resources().filter((m) => m.surface === surface),
      prompts: () => this.prompts().filter((m) => m.surface === surface),
      federates: surface.def.federation !== undefined,
      federated: async () => (await this.federated()).filter((f) => f.surface === surface),
      callerOf: (p, meta, request) => this.callerOf(p, meta, request),
      toolsListChanged: surface.def.watchTools !== undefined,
      onToolsChanged: (listener) => this.onToolsChanged(listener, surface),
    };
  }

  private assertions: CallerAssertionVerifier | null = null;

  async callerOf(
    principal: Principal,
    meta: Record<string, unknown> | undefined,
    request?: AssertedRequest,
  ): Promise<Principal> {
    const assertion = meta?.[CALLER_ASSERTION_META_KEY];
    if (assertion === undefined) return principal;
    await this.ready;
    try {
      if (!this.assertions)
        throw new PortcullisErrorClass({
          code: 'invalid_caller_assertion',
          category: 'unauthenticated',
          message: 'This server does not accept caller assertions (PORTCULLIS_BROKER_PUBLIC_KEY is not set).',
          retryable: false,
        });
      return await this.assertions.callerOf(principal, assertion);
    } catch (err) {
      if (!(err instanceof PortcullisErrorClass)) throw err;
      throw await this.refusedAssertion(principal, err, meta, request);
    }
  }

  /**
   * A refused caller assertion (forged, expired, another tenant's, or from a principal without the
   * broker role) is on the trail like any other refusal, as the authenticated principal, and is
   * rate limited under one shared bucket: only then is it answered. Returns what to answer.
   */
  private async refusedAssertion(
    principal: Principal,
    refusal: PortcullisError,
    meta: Record<string, unknown> | undefined,
    request: AssertedRequest | undefined,
  ): Promise<PortcullisError> {
    const started = performance.now();
    const name = request?.name ?? '(caller assertion)';
    const traceId = traceIdOf(meta, request?.traceparent);
    const surface = this.bySystemTool.get(name);
    const sensitive = surface?.tools.get(name)?.sensitive ?? [];
    const fields = { traceId, args: request?.args ?? {}, decision: null, refs: {}, started };
    let answer = refusal;
    let outcome: AuditOutcome = 'denied';
    try {
      await this.host.limiter.acquire(principal.id, principal.tenant, '(caller assertion)');
    } catch (err) {
      answer = err as PortcullisError;
      outcome = 'rate_limited';
    }
    const auditId = await (surface ?? this.surfaces[0]!)
      .writeAudit(principal, name, sensitive, fields, outcome, answer.code, null)
      .catch((err: unknown) => {
        this.logger.error({ err }, 'could not record a refused caller assertion');
        return 'unrecorded';
      });
    this.metrics?.unauthenticated.inc({ reason: 'invalid_caller_assertion' });
    this.logger.info(
      {
        tool: name,
        outcome,
        code: answer.code,
        reason: refusal.message,
        principal: principal.id,
        tenant: principal.tenant,
        trace_id: traceId,
        audit_id: auditId,
        ...(request?.requestId ? { request_id: request.requestId } : {}),
      },
      'caller assertion refused',
    );
    return answer;
  }

  /** tools/list for this principal: only tools its policy could ever permit. */
  async listTools(principal: Principal): Promise<ToolListing[]> {
    await this.ready;
    return this.surfaces.flatMap((s) => s.listTools(principal));
  }

  /** Is this tool callable at all by this principal (enabled and not hidden by policy)? */
  async isVisible(principal: Principal, name: string): Promise<boolean> {
    await this.ready;
    return this.bySystemTool.get(name)?.isVisible(principal, name) ?? false;
  }

  /** The whole request path for one tool call. Never throws except UnknownToolError. */
  async callTool(
    principal: Principal,
    name: string,
    rawArgs: unknown,
    opts: CallOptions = {},
  ): Promise<CallResult> {
    const started = performance.now();
    await this.ready;
    const surface = this.bySystemTool.get(name);
    const entry = surface?.tools.get(name);
    if (!surface || !entry || !surface.mayEverPermit(principal, name)) {
      return this.unknownTool(principal, name, rawArgs, opts, surface);
    }
    this.inFlight++;
    this.metrics?.inFlight.inc();
    const parent = parentContext(traceparentOf(opts));
    const span = startSpan(`tools/call ${name}`, {
      role: 'server',
      attributes: { 'mcp.tool.name': name, 'portcullis.system': surface.def.name },
      parent,
    });
    // The kit's trace id is the span's when spans are exported and the caller sent none.
    if (telemetryActive() && !traceparentOf(opts)) {
      const sc = span.spanContext();
      opts = { ...opts, meta: { ...opts.meta, traceparent: `00-${sc.traceId}-${sc.spanId}-01` } };
    }
    try {
      // A write decides and version-checks against the upstream's current record, never a cached
      // copy: budgets, owners and versions must not be seconds old when something changes.
      const run = () => surface.callTool(principal, entry, rawArgs, opts);
      const { call, error } = await withSpan(
        span,
        () => (entry.def.access === 'read' ? run() : withFreshReads(run)),
        parent,
      );
      const outcome = error ? outcomeLabel(error) : 'ok';
      const category = error ? error.category : 'none';
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.calls.inc({ tool: name, outcome, category });
      if (outcome === 'denied') this.metrics?.denials.inc({ tool: name });
      this.metrics?.latency.observe({ tool: name }, seconds);
      span.setAttributes({
        'portcullis.outcome': outcome,
        'portcullis.audit_id': call.auditId ?? 'unrecorded',
      });
      if (outcome === 'error') failSpan(span, error!.code);
      this.logCall(
        surface.def.name,
        name,
        principal,
        outcome,
        error,
        seconds,
        call.traceId,
        call.auditId,
        opts,
      );
      if (error) return this.errorResult(error, call.auditId ?? 'unrecorded', call.traceId);
      return surface.resultOf(call);
    } finally {
      span.end();
      this.inFlight--;
      this.metrics?.inFlight.dec();
    }
  }

  /** The one info line per call: who, what, how it ended, how long; never arguments or results. */
  private logCall(
    system: string,
    tool: string,
    principal: Principal,
    outcome: string,
    error: PortcullisError | null,
    seconds: number,
    traceId: string,
    auditId: string | null,
    opts: CallOptions,
  ): void {
    this.logger.info(
      {
        system,
        tool,
        outcome,
        category: error?.category ?? null,
        code: error?.code ?? null,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        principal: principal.id,
        tenant: principal.tenant,
        trace_id: traceId,
        audit_id: auditId ?? 'unrecorded',
        ...(opts.requestId ? { request_id: opts.requestId } : {}),
      },
      'tool call',
    );
  }

  /**
   * Unknown, disabled and never-permitted tools: rate-limited under one shared bucket (names are
   * the caller's to choose), audited as a denial, answered exactly like a tool that does not exist.
   */
  private async unknownTool(
    principal: Principal,
    name: string,
    rawArgs: unknown,
    opts: CallOptions,
    surface: Surface | undefined,
  ): Promise<CallResult> {
    const started = performance.now();
    const traceId = traceIdOf(opts.meta, opts.traceparent);
    const record = surface ?? this.surfaces[0]!;
    const sensitive = surface?.tools.get(name)?.sensitive ?? [];
    const fields = { traceId, args: rawArgs, decision: null, refs: {}, started };
    try {
      await this.host.limiter.acquire(principal.id, principal.tenant, '(unknown tool)');
    } catch (err) {
      const pe = err as PortcullisError;
      const auditId = await record
        .writeAudit(principal, name, sensitive, fields, 'rate_limited', pe.code, null)
        .catch(() => 'unrecorded');
      this.metrics?.calls.inc({ tool: 'unknown', outcome: 'rate_limited', category: 'rate_limited' });
      return this.errorResult(pe, auditId, traceId);
    }
    const auditId = await record.writeAudit(
      principal,
      name,
      sensitive,
      fields,
      'denied',
      'unknown_tool',
      null,
    );
    this.metrics?.calls.inc({ tool: 'unknown', outcome: 'denied', category: 'forbidden' });
    // A tool that exists but this principal's policy never permits is a policy denial too.
    if (surface?.tools.has(name)) this.metrics?.denials.inc({ tool: name });
    this.logger.info(
      {
        system: record.def.name,
        tool: name,
        outcome: 'denied',
        category: 'forbidden',
        code: 'unknown_tool',
        principal: principal.id,
        tenant: principal.tenant,
        trace_id: traceId,
        audit_id: auditId,
        ...(opts.requestId ? { request_id: opts.requestId } : {}),
      },
      'tool call',
    );
    throw new UnknownToolError(name, auditId);
  }

  private errorResult(error: PortcullisError, auditId: string, traceId: string): CallResult {
    return errorResult(this.redactor.maskSecrets(error.toEnvelope(auditId)), traceId);
  }

  /**
   * A guarded resource read: the guard tool's stages (identity, limits, policy, one audit record),
   * with the resource's own read in place of the tool's handler, so the content is computed once.
   */
  async readGuardedResource(
    principal: Principal,
    mounted: Mounted<ResourceDefinition<unknown>>,
    uri: URL,
    vars: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ text: string } | { error: ErrorEnvelope }> {
    await this.ready;
    const { item, surface } = mounted;
    const entry = item.guardTool ? surface.tools.get(item.guardTool) : undefined;
    if (!entry) throw errors.internal(new Error(`resource ${item.uri} has no enabled guard tool`));
    const rctx = surface.resolveContext(principal, signal);
    const { call, error } = await surface.callTool(
      principal,
      entry,
      vars,
      { signal },
      'resource',
      async (resource) => this.redactor.maskSecrets(await item.read(uri, vars, { ...rctx, resource })),
    );
    call.refs.resource = uri.toString();
    if (error) return { error: this.redactor.maskSecrets(error.toEnvelope(call.auditId ?? 'unrecorded')) };
    return { text: call.output as string };
  }

  /** Every resource of every mounted system. */
  resources(): Mounted<ResourceDefinition<unknown>>[] {
    return this.surfaces.flatMap((surface) => surface.resources().map((item) => ({ item: item, surface })));
  }

  get federates(): boolean {
    return this.surfaces.some((s) => s.def.federation);
  }

  /** Every system's federated resources and prompts. */
  async federated(): Promise<
    { content: FederatedContent; request: Surface['federationRequest']; surface: Surface }[]
  > {
    await this.ready;
    return this.surfaces.flatMap((surface) => {
      const content = surface.federated;
      return content
        ? [
            {
              content,
              surface,
              request: surface.federationRequest.bind(surface),
            },
          ]
        : [];
    });
  }

  /** Every prompt of every mounted system. */
  prompts(): Mounted<PromptDefinition<unknown>>[] {
    return this.surfaces.flatMap((surface) =>
      (surface.def.prompts ?? []).map((item) => ({ item: item as PromptDefinition<unknown>, surface })),
    );
  }

  /** The approval tool `POST /approvals/{plan_id}` calls for this plan (the system that owns it). */
  async approvalToolFor(planId: string, tenant: string): Promise<string | null> {
    await this.ready;
    const candidates = this.surfaces.filter((s) => s.def.approvalTool);
    // One system with approvals: its tool decides (and looks the plan up after the rate limit).
    if (candidates.length === 1) return candidates[0]!.def.approvalTool!;
    for (const s of candidates) if (await s.ownsPlan(planId, tenant)) return s.def.approvalTool!;
    // Unknown plan: let the first approval tool answer not_found through its own stages.
    return candidates[0]?.def.approvalTool ?? null;
  }

  /** Whether any mounted system has an out-of-band approval endpoint. */
  get hasApprovals(): boolean {
    return this.surfaces.some((s) => s.def.approvalTool);
  }

  /** A dry run of a tool's policy for these arguments (the tool's own system decides). */
  async evaluate(
    principal: Principal,
    tool: string,
    rawArgs: unknown,
    signal?: AbortSignal,
  ): Promise<Decision> {
    await this.ready;
    const s = this.bySystemTool.get(tool);
    if (!s) throw errors.validation(`${tool} is not enabled on this server.`);
    return s.evaluate(principal, tool, rawArgs, signal);
  }

  /** Appends a record for something that is not a tool call (approvals via HTTP, recoveries). */
  async recordEvent(event: AuditEvent): Promise<string> {
    await this.ready;
    return this.host.appendAudit(event);
  }

  private lastReadiness: { ok: boolean; checks: Record<string, string> } | null = null;
  private readinessTimer: NodeJS.Timeout | null = null;

  /**
   * Runs the dependency checks now and then every `intervalMs` (each bounded by a timeout), so
   * /readyz answers from the last result and a burst of probes never reaches the dependencies.
   * Returns the stopper.
   */
  startReadinessChecks(intervalMs: number): () => void {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        this.lastReadiness = await this.checkReadiness();
      } finally {
        running = false;
      }
    };
    void run();
    this.readinessTimer = setInterval(() => void run(), intervalMs);
    this.readinessTimer.unref();
    return () => {
      if (this.readinessTimer) clearInterval(this.readinessTimer);
      this.readinessTimer = null;
    };
  }

  /** For /readyz: the last background check when they run, otherwise one now. */
  async readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    if (this.readinessTimer && this.lastReadiness)
      return this.closed ? { ...this.lastReadiness, ok: false } : this.lastReadiness;
    return this.checkReadiness();
  }

  /**
   * Each dependency's state. Not ready only for what no call can do without (the store, the
   * audit sink, the rate limiter); a backend's upstream API is reported but does not take the
   * server out of rotation (its calls answer with a retryable upstream error meanwhile).
   */
  private async checkReadiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    try {
      await withTimeout(this.ready, 2_000);
    } catch {
      return { ok: false, checks: { startup: 'not ready' } };
    }
    const required = Object.entries(this.host.probes());
    const optional: [string, () => Promise<void>][] = [];
    for (const s of this.surfaces) {
      const b = s.backend;
      if (b.ping)
        optional.push([this.surfaces.length === 1 ? 'backend' : `backend_${s.def.name}`, () => b.ping!()]);
    }
    let ok = !this.closed;
    await Promise.all(
      [...required.map((p) => [...p, true] as const), ...optional.map((p) => [...p, false] as const)].map(
        async ([name, fn, needed]) => {
          try {
            await withTimeout(fn(), 2_000);
            checks[name] = 'ok';
          } catch {
            checks[name] = 'failing';
            if (needed) ok = false;
          }
        },
      ),
    );
    return { ok, checks };
  }

  get activeCalls(): number {
    return this.inFlight;
  }

  get auditSink(): AuditSink {
    return this.host.audit;
  }

  get kitEnv(): NodeJS.ProcessEnv {
    return this.host.env;
  }

  /** The backend of a one-system server. */
  get kitBackend(): B {
    return this.surfaces[0]!.backend as B;
  }

  get kitServices(): KitServices {
    return this.surfaces[0]!.services;
  }

  /** Flushes the audit sink and closes everything; in-flight calls are the transport's to drain first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    // Init may have failed part-way: close whatever it had opened, in reverse order.
    await this.ready.catch(() => undefined);
    for (const s of [...this.surfaces].reverse()) await s.closeBackend();
    if (!this.borrowedHost) await this.host.close();
  }
}

export type { ApprovalsApi, EvaluateFn } from './tool.js';

function isList<T>(x: T | readonly AnyServerDefinition[]): x is readonly AnyServerDefinition[] {
  return Array.isArray(x);
}

function traceparentOf(opts: CallOptions): string | undefined {
  const fromMeta = opts.meta?.traceparent;
  return typeof fromMeta === 'string' ? fromMeta : opts.traceparent;
}

function outcomeLabel(pe: PortcullisError): string {
  switch (pe.category) {
    case 'forbidden':
      return 'denied';
    case 'rate_limited':
      return 'rate_limited';
    case 'approval_required':
      return 'approval_required';
    case 'validation':
    case 'not_found':
    case 'conflict':
    case 'unauthenticated':
      // The caller's to fix: not a server error (an error-rate alert must not fire on typos).
      return 'client_error';
    default:
      return 'error';
  }
}

export function errorResult(envelope: ErrorEnvelope, traceId: string): CallResult {
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify({ error: envelope }) }],
    _meta: { [AUDIT_META_KEY]: envelope.audit_id, [TRACE_META_KEY]: traceId, [ERROR_META_KEY]: envelope },
  };
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

/**
 * The broker: one system, `broker`, whose tools are its upstreams' tools, discovered at start.
 * Every call passes the broker's door first (the kit's identity, rate limits, validation against
 * the upstream's own schema, the broker's Cedar policy over upstream and tool, one audit record),
 * then the per-upstream gate (pinning, circuit breaker, concurrency and rate, timeout), then the
 * upstream applies its own controls: a local system its own stages as the same principal, a remote
 * one whatever it enforces for the broker's credential.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  AUDIT_META_KEY,
  CALLER_ASSERTION_META_KEY,
  CallerAssertionSigner,
  ConfigError,
  ERROR_META_KEY,
  PortcullisError,
  STORE_EXTENSIONS,
  TRACE_META_KEY,
  accessOf,
  errors,
  templateRegExp,
  isProduction,
  packageFile,
  type ErrorEnvelope,
  type FederatedContent,
  type FederatedPrompt,
  type FederatedResource,
  type FederatedResourceTemplate,
  type FederationRequest,
  type Host,
  type JsonSchemaToolDefinition,
  type KitServices,
  type PolicyResource,
  type Principal,
  type ServerDefinition,
  type ToolContext,
  type ToolOutput,
  type UpstreamCallResult,
  type UpstreamTool,
} from '@portcullis/core';
import { approvalMigrations } from '@portcullis/core/approvals';
import { idempotencyMigrations } from '@portcullis/core/idempotency';
import type { Migration } from '@portcullis/core/store';
import type { Counter } from 'prom-client';
import { parseBrokerConfig, type BrokerConfig, type ResolvedUpstream } from './config.js';
import { LOCAL_SYSTEMS } from './locals.js';
import { CircuitBreaker, UpstreamGate, parseRate, type Probe } from './gate.js';
import { Lock, toolHash, type PinState } from './pinning.js';
import {
  LocalConnection,
  LocalSystems,
  RemoteConnection,
  UpstreamHidesTool,
  UpstreamRefused,
  type CallInput,
  type UpstreamConnection,
  type UpstreamContent,
} from './upstreams.js';

export const BROKER_POLICY_DIR = packageFile('@portcullis/broker', import.meta.url, 'policies');
export const DEFAULT_PORT = 7300;
/** Connecting to and listing an upstream (at start, after listChanged). */
const LIST_TIMEOUT_MS = 30_000;
/** Re-probing a down fail-open upstream: first after this long, doubling up to the cap. */
const PROBE_FIRST_MS = 500;
const PROBE_MAX_MS = 30_000;
/** How often the running broker looks for a new tools lock (after `lock --accept`). */
const LOCK_POLL_MS = 1000;

/** One upstream as the running broker tracks it. */
export class UpstreamState {
  /** The upstream's current definitions (by its own tool name) and their hashes. */
  current = new Map<string, { tool: UpstreamTool; hash: string }>();
  /**
   * What the broker serves now (the definitions its clients were last given): a live change is
   * refused until the broker has re-listed it and told its clients.
   */
  served = new Map<string, string>();
  /** Reachable at start and not since found dead. */
  connected = false;
  readonly breaker: CircuitBreaker;
  readonly gate: UpstreamGate;
  /** What a remote upstream last listed besides tools (the same for every caller: the broker's credential). */
  content: UpstreamContent | null = null;
  /** The pending re-probe of a down fail-open upstream. */
  probeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly cfg: ResolvedUpstream,
    readonly conn: UpstreamConnection,
  ) {
    this.breaker = new CircuitBreaker(cfg.breaker.failures, cfg.breaker.cooldown_ms);
    this.gate = new UpstreamGate(
      cfg.name,
      cfg.concurrency,
      cfg.rate_limit ? parseRate(cfg.rate_limit) : null,
    );
  }

  /** Down: never reached, or its circuit is open. */
  get down(): boolean {
    return !this.connected || this.breaker.isOpen;
  }

  offers(tool: string): boolean {
    const { allow, deny } = this.cfg.tools ?? {};
    return (!allow || allow.includes(tool)) && !deny?.includes(tool);
  }
}

/** The broker's backend: its upstreams, the tools lock, and the local systems it hosts. */
export class Federation {
  readonly states = new Map<string, UpstreamState>();
  readonly lock: Lock;
  private readonly locals: LocalSystems;
  /** Absent over stdio, where the process keeps no metrics. */
  private readonly drift: Counter<'upstream' | 'tool'> | undefined;
  private readonly host: Host;
  /** Tells the kit the served tools changed (it re-lists them and notifies clients). */
  private changed: () => void = () => undefined;
  private lockTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    readonly config: BrokerConfig,
    private readonly services: KitServices,
  ) {
    this.host = services.host;
    this.lock = new Lock(config.lock);
    this.locals = new LocalSystems(services);
    this.drift = this.host.metrics?.counter({
      name: 'portcullis_broker_tool_definition_changes_total',
      help: 'Upstream tools whose definition no longer matches tools.lock.json (withheld and refused).',
      labelNames: ['upstream', 'tool'],
    });
  }

  /** Connects every upstream; one that cannot be reached stops start-up unless it fails open. */
  private signer: CallerAssertionSigner | null = null;

  async open(): Promise<void> {
    // `--prepare` readies the data directory: the local systems' stores are in it; no upstream
    // is contacted (no key or token fetched, no process spawned, nothing audited about their tools).
    const preparing = this.services.preparing;
    if (!preparing && this.config.upstreams.some((u) => u.caller_assertion || u.auth?.token_exchange)) {
      const ref = this.services.env.PORTCULLIS_BROKER_SIGNING_KEY;
      if (!ref)
        throw new ConfigError(
          'PORTCULLIS_BROKER_SIGNING_KEY: required when an upstream sets caller_assertion or auth.token_exchange (a credential reference to an Ed25519 private key, PKCS#8 PEM).',
        );
      try {
        this.signer = await CallerAssertionSigner.fromPem(
          await this.services.credentials.get(ref, 'PORTCULLIS_BROKER_SIGNING_KEY'),
        );
      } catch (err) {
        throw new ConfigError(
          `PORTCULLIS_BROKER_SIGNING_KEY: not an Ed25519 private key in PEM (PKCS#8) form (${this.host.redactor.redactString((err as Error).message)}).`,
        );
      }
    }
    const localNames = this.config.upstreams.filter((u) => u.local).map((u) => u.local!);
    const runtime = localNames.length > 0 ? this.locals.mount(localNames) : null;
    if (runtime) await runtime.ready;
    if (preparing) return;
    if (this.config.builtIn)
      this.services.logger.info(
        { systems: localNames },
        'no configuration given: serving every local system (pass --config broker.yaml for others)',
      );
    else if (!this.lock.present)
      this.services.logger.warn(
        { lock: this.config.lock },
        'no tools lock: upstream tools are served unpinned (write one with portcullis-broker lock)',
      );
    await Promise.all(
      this.config.upstreams.map(async (cfg) => {
        const conn: UpstreamConnection = cfg.local
          ? new LocalConnection(runtime!, cfg.local)
          : new RemoteConnection(cfg, this.services, this.signer);
        const state = new UpstreamState(cfg, conn);
        this.states.set(cfg.name, state);
        try {
          await this.refresh(state, 'start');
          state.connected = true;
        } catch (err) {
          if (cfg.on_failure === 'closed')
            throw new ConfigError(
              `upstream ${cfg.name} (${where(cfg)}) cannot be reached: ${this.host.redactor.redactString((err as Error).message)} (set on_failure: open to start without it).`,
            );
          state.breaker.trip();
          this.services.logger.warn(
            { upstream: cfg.name, err: this.host.redactor.redactString((err as Error).message) },
            'upstream unreachable at start: its tools are not served until it answers (on_failure: open)',
          );
          this.probe(state);
        }
        conn.onToolsChanged(() => {
          this.refresh(state, 'list_changed')
            .then(() => this.changed())
            .catch((err: unknown) =>
              this.services.logger.warn({ err, upstream: cfg.name }, 'could not re-list a changed upstream'),
            );
        });
      }),
    );
  }

  /**
   * The kit's hook (watchTools): `changed` re-lists the broker's tools and notifies its clients.
   * A new tools lock (`lock --accept`) changes what is served, so it is watched too.
   */
  watch(changed: () => void): void {
    this.changed = changed;
    let seen = this.lock.poll();
    this.lockTimer = setInterval(() => {
      const now = this.lock.poll();
      if (now === seen) return;
      seen = now;
      this.changed();
    }, LOCK_POLL_MS);
    this.lockTimer.unref();
  }

  /**
   * A fail-open upstream that is down (unreachable at start, or its circuit opened) is listed again
   * with backoff until it answers; then it joins, and clients hear the tool list changed.
   */
  private probe(state: UpstreamState, delay = PROBE_FIRST_MS): void {
    if (this.closing || state.probeTimer || state.cfg.on_failure !== 'open') return;
    state.probeTimer = setTimeout(() => {
      void (async () => {
        try {
          await state.conn.reset().catch(() => undefined);
          await this.refresh(state, 'probe');
        } catch {
          state.probeTimer = null;
          this.probe(state, Math.min(delay * 2, PROBE_MAX_MS));
          return;
        }
        state.probeTimer = null;
        if (this.closing) return;
        state.connected = true;
        state.breaker.success();
        this.services.logger.info(
          { upstream: state.cfg.name },
          'upstream answers again: its tools are served',
        );
        this.changed();
      })();
    }, delay);
    state.probeTimer.unref();
  }

  /** Lists the upstream's tools again and raises (metric, audit record) any that drifted from the lock. */
  async refresh(state: UpstreamState, why: 'start' | 'list_changed' | 'probe'): Promise<void> {
    // Listing includes connecting (spawning a command): bounded, but never tighter than a call's own timeout.
    const listed = await withTimeout(
      state.conn.listTools(),
      Math.max(state.cfg.timeout_ms, LIST_TIMEOUT_MS),
      state.cfg.name,
    );
    const next = new Map<string, { tool: UpstreamTool; hash: string }>();
    for (const tool of listed)
      if (state.offers(tool.name)) next.set(tool.name, { tool, hash: toolHash(tool) });
    state.current = next;
    for (const [name, { hash }] of next) {
      const pin = this.lock.check(state.cfg.name, name, hash);
      if (pin.state === 'changed') await this.raiseDrift(state, name, pin, why);
    }
  }

  private async raiseDrift(
    state: UpstreamState,
    tool: string,
    pin: Extract<PinState, { state: 'changed' }>,
    why: string,
  ): Promise<void> {
    this.drift?.inc({ upstream: state.cfg.name, tool });
    this.services.logger.warn(
      { upstream: state.cfg.name, tool, pinned: pin.pinned, current: pin.current },
      'upstream tool definition changed since it was pinned: withheld until lock --accept',
    );
    await this.host.appendAudit({
      kind: 'tool_definition_changed',
      trace_id: randomBytes(16).toString('hex'),
      server: this.host.serverName,
      tool: `${state.cfg.prefix}${tool}`,
      principal: this.host.serverName,
      on_behalf_of: null,
      tenant: null,
      arguments: { upstream: state.cfg.name, detected: why },
      decision: null,
      outcome: 'error',
      error_code: 'tool_definition_changed',
      result_hash: null,
      duration_ms: 0,
      refs: { upstream: state.cfg.name, pinned_hash: pin.pinned, current_hash: pin.current },
    });
  }

  /**
   * Why a tool may not be served now (no longer listed, drifted, unpinned), or null. Checked
   * whether or not the upstream is down: a probe of a down upstream runs only a definition its
   * clients were shown and the lock accepts.
   */
  refusal(state: UpstreamState, tool: string): PortcullisError | null {
    const current = state.current.get(tool);
    const served = state.served.get(tool);
    const name = `${state.cfg.prefix}${tool}`;
    if (!current || !served)
      return new PortcullisError({
        code: 'upstream_tool_gone',
        category: 'upstream',
        message: `Upstream ${state.cfg.name} no longer lists ${name}.`,
        retryable: false,
        details: { upstream: state.cfg.name },
      });
    const pin = this.lock.check(state.cfg.name, tool, current.hash);
    if (pin.state === 'changed' || (pin.state !== 'not_pinned' && served !== current.hash))
      return changed(state.cfg.name, name, pin.state === 'changed' ? pin.pinned : served, current.hash);
    if (pin.state === 'not_pinned')
      return new PortcullisError({
        code: 'tool_not_pinned',
        category: 'forbidden',
        message: `${name} is not in the tools lock, so the broker does not serve it.`,
        retryable: false,
        remediation: `An operator reviews the tool and runs portcullis-broker lock --accept ${state.cfg.name}.`,
        details: { upstream: state.cfg.name, current_hash: current.hash },
      });
    return null;
  }

  /**
   * The circuit breaker's word on one call: null while the upstream is up, the probe while it is
   * down and the cool-down is over (the caller hands it back with `breaker.release` once done, in
   * a `finally`), else `upstream_unavailable`.
   */
  private admit(state: UpstreamState): Probe | null {
    if (!state.down) return null;
    const admitted = state.breaker.admit();
    if (typeof admitted === 'number') throw unavailable(state.cfg.name, admitted);
    if (!state.connected) {
      // Never reached: its own re-probe (probe()) brings it back, not a call.
      if (admitted) state.breaker.release(admitted);
      throw unavailable(state.cfg.name, state.cfg.breaker.cooldown_ms);
    }
    return admitted;
  }

  /** Withheld from this principal's tools/list: down (fail-open), drifted, unpinned, or hidden by the upstream itself. */
  withheld(state: UpstreamState, tool: string, principal: Principal): boolean {
    if (state.down && state.cfg.on_failure === 'open') return true;
    // Down and fail-closed, it stays listed (its calls fail fast), but never a definition the
    // broker would refuse to run.
    const current = state.current.get(tool);
    if (!current) return true;
    const pin = this.lock.check(state.cfg.name, tool, current.hash);
    if (pin.state === 'changed' || pin.state === 'not_pinned') return true;
    if (state.served.get(tool) !== current.hash) return true;
    return state.conn.visibleTo ? !state.conn.visibleTo(principal, tool) : false;
  }

  /** The gate, then the upstream: failures become the error envelope, naming the upstream. */
  async call(
    state: UpstreamState,
    tool: string,
    args: Record<string, unknown>,
    ctx: ToolContext<Federation>,
  ): Promise<ToolOutput> {
    const refused = this.refusal(state, tool);
    if (refused) throw refused;
    const probe = this.admit(state);
    try {
      return await this.forward(state, tool, args, ctx);
    } finally {
      // A probe that ended without a verdict (the caller cancelled, the gate or the token
      // endpoint refused it) frees the slot for the next call; success()/failure() already did.
      if (probe) state.breaker.release(probe);
    }
  }

  private async forward(
    state: UpstreamState,
    tool: string,
    args: Record<string, unknown>,
    ctx: ToolContext<Federation>,
  ): Promise<ToolOutput> {
    const name = state.cfg.name;
    ctx.addAuditRefs({ upstream: name });
    const timeout = AbortSignal.timeout(state.cfg.timeout_ms);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const started = performance.now();
    let outcome = 'error';
    let res: UpstreamCallResult;
    const meta: Record<string, unknown> = {
      // One trace id across the hop: the W3C context, and the id itself for a Portcullis upstream.
      traceparent: `00-${traceHex(ctx.traceId)}-${randomBytes(8).toString('hex')}-01`,
      [TRACE_META_KEY]: ctx.traceId,
    };
    // A remote Portcullis upstream decides and audits as the real caller, signed for by the broker.
    if (state.cfg.caller_assertion && this.signer)
      meta[CALLER_ASSERTION_META_KEY] = await this.signer.sign(ctx.principal);
    try {
      res = await state.gate.run(
        () =>
          state.conn.call(tool, args, {
            principal: ctx.principal,
            signal,
            meta,
          }),
        signal,
      );
      state.breaker.success();
      outcome = 'ok';
    } catch (err) {
      if (err instanceof PortcullisError) throw err; // the gate's own refusal
      if (err instanceof UpstreamHidesTool) {
        state.breaker.success();
        if (err.upstreamAuditId) ctx.addAuditRefs({ upstream_audit_id: err.upstreamAuditId });
        throw new PortcullisError({
          code: 'not_permitted',
          category: 'forbidden',
          message: `Upstream ${name} does not permit you ${tool}.`,
          retryable: false,
          remediation: `Ask an administrator of ${name} for the role this needs; do not retry.`,
          details: { upstream: name },
        });
      }
      if (isAnswer(err)) {
        // The upstream answered with a JSON-RPC error (it refused this caller's assertion, or hides
        // the tool from them): it is up and the connection is sound. Counting it, or dropping the
        // connection every other caller shares, would let one refused caller open the circuit.
        // So does its Internal error (-32603): a caller's own input (an id the upstream's handler
        // throws on) can draw one, so counting it would let any caller open the circuit for all.
        state.breaker.success();
        throw answered(name, err);
      }
      if (ctx.signal.aborted) throw err;
      this.failed(state);
      // A slow upstream keeps its connection; a broken one is dropped so the next call reconnects.
      if (!timeout.aborted) await state.conn.reset().catch(() => undefined);
      if (timeout.aborted)
        throw new PortcullisError({
          code: 'upstream_timeout',
          category: 'upstream',
          message: `Upstream ${name} did not answer within ${state.cfg.timeout_ms} ms.`,
          retryable: true,
          remediation: 'Try again shortly; if it keeps timing out, ask an operator to check the upstream.',
          details: { upstream: name, timeout_ms: state.cfg.timeout_ms },
          internal: err,
        });
      throw unavailable(name, undefined, err);
    } finally {
      this.host.metrics?.upstreamLatency.observe(
        { system: name, outcome },
        (performance.now() - started) / 1000,
      );
    }
    const upstreamAudit = res._meta?.[AUDIT_META_KEY];
    if (typeof upstreamAudit === 'string') ctx.addAuditRefs({ upstream_audit_id: upstreamAudit });
    if (res.isError) throw upstreamError(name, res);
    return {
      content: res.content,
      ...(res.structuredContent ? { structuredContent: res.structuredContent } : {}),
    };
  }

  /** Every served tool, as the broker's JSON-Schema tools. */
  tools(): JsonSchemaToolDefinition<Federation>[] {
    const out: JsonSchemaToolDefinition<Federation>[] = [];
    const owners = this.toolOwners();
    const served = new Map<UpstreamState, Map<string, string>>();
    for (const state of this.states.values()) {
      const hashes = new Map<string, string>();
      served.set(state, hashes);
      for (const [upstreamName, { tool, hash }] of state.current) {
        const name = `${state.cfg.prefix}${upstreamName}`;
        if (owners.get(name) !== state.cfg.name) continue;
        hashes.set(upstreamName, hash);
        if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) {
          this.services.logger.warn(
            { upstream: state.cfg.name, tool: name },
            'tool name not allowed by MCP: not served',
          );
          continue;
        }
        const access = accessOf(tool.annotations);
        const resourceOf = (p: Principal): PolicyResource => ({
          type: 'Tool',
          id: name,
          attributes: {
            tenant: p.tenant,
            upstream: state.cfg.name,
            kind: state.cfg.kind,
            tool: upstreamName,
            read_only: access === 'read',
            destructive: access === 'destructive',
            idempotent: tool.annotations?.idempotentHint === true,
            open_world: tool.annotations?.openWorldHint !== false,
          },
        });
        out.push({
          name,
          title: tool.title ?? tool.annotations?.title ?? upstreamName,
          description: tool.description ?? '',
          toolset: 'upstreams',
          access,
          idempotent: tool.annotations?.idempotentHint === true,
          openWorld: tool.annotations?.openWorldHint !== false,
          inputSchema: { ...tool.inputSchema, type: 'object' },
          ...(tool.outputSchema ? { outputSchema: { ...tool.outputSchema, type: 'object' } } : {}),
          resourceType: 'Tool',
          visibilityResource: resourceOf,
          resource: async (_args, ctx) => resourceOf(ctx.principal),
          withheld: (p) => this.withheld(state, upstreamName, p),
          handler: (args, ctx) => this.call(state, upstreamName, args, ctx),
        });
      }
    }
    // What the kit now serves (set only once the whole list is consistent).
    for (const [state, hashes] of served) state.served = hashes;
    this.owners = owners;
    return out;
  }

  /** Which upstream served each tool name in the last list (none before the first). */
  private owners: Map<string, string> | undefined;

  /**
   * The upstream that serves each tool name. At start a name two upstreams offer stops start-up
   * (the operator gives one another prefix). Later, an upstream adding a name another already
   * serves is withheld it, logged once: the tool keeps its upstream, and the rest of the list still
   * changes (a clash must not freeze every upstream's rediscovery).
   */
  private toolOwners(): Map<string, string> {
    const offered = new Map<string, string[]>();
    for (const state of this.states.values())
      for (const upstreamName of state.current.keys()) {
        const name = `${state.cfg.prefix}${upstreamName}`;
        offered.set(name, [...(offered.get(name) ?? []), state.cfg.name]);
      }
    const owners = new Map<string, string>();
    for (const [name, by] of offered) {
      if (by.length > 1 && this.owners === undefined)
        throw new ConfigError(
          `Tool ${name} is offered by upstreams ${by[0]} and ${by[1]}; give one of them another prefix or deny the tool.`,
        );
      const kept = this.owners?.get(name);
      const winner = kept !== undefined && by.includes(kept) ? kept : by[0]!;
      for (const loser of by) if (loser !== winner) this.clash(`tool ${name}`, winner, loser);
      // A name its upstream stopped offering, now another's: the same name reaches another
      // backend from here on, which an operator should hear of.
      if (kept !== undefined && kept !== winner)
        this.services.logger.warn(
          { tool: name, was_served_by: kept, now_served_by: winner },
          'a tool name passed to another upstream',
        );
      owners.set(name, winner);
    }
    return owners;
  }

  // -------------------------------------------------------------------------------------------
  // Resources and prompts: one list over every upstream, under the broker's policy and audit.

  /** Collisions already logged (a resource URI or prompt name offered by two upstreams). */
  private readonly clashes = new Set<string>();

  private clash(what: string, winner: string, loser: string): void {
    const key = `${what} ${loser}`;
    if (this.clashes.has(key)) return;
    this.clashes.add(key);
    this.services.logger.warn(
      { served_by: winner, withheld_from: loser, item: what },
      'offered by two upstreams: one is served (the one serving it, else the first configured), the other withheld',
    );
  }

  /** An upstream's resources, templates and prompts for this principal, or null while it cannot answer. */
  private async contentOf(state: UpstreamState, p: Principal): Promise<UpstreamContent | null> {
    if (state.down) return state.cfg.on_failure === 'open' ? null : state.content;
    if (state.cfg.local) return state.conn.listContent(p);
    try {
      state.content = await withTimeout(state.conn.listContent(p), state.cfg.timeout_ms, state.cfg.name);
      state.breaker.success();
    } catch (err) {
      state.breaker.failure();
      this.services.logger.warn(
        { upstream: state.cfg.name, err: this.host.redactor.redactString((err as Error).message) },
        'could not list the resources and prompts of an upstream: withheld from this list',
      );
      if (state.cfg.on_failure === 'open') return null;
    }
    return state.content;
  }

  private resourceEntity(state: UpstreamState, p: Principal, uri: string): PolicyResource {
    return {
      type: 'UpstreamResource',
      id: uri,
      attributes: { tenant: p.tenant, upstream: state.cfg.name, kind: state.cfg.kind, uri },
    };
  }

  private promptEntity(state: UpstreamState, p: Principal, name: string): PolicyResource {
    return {
      type: 'UpstreamPrompt',
      id: name,
      attributes: { tenant: p.tenant, upstream: state.cfg.name, kind: state.cfg.kind, prompt: name },
    };
  }

  private promptName(state: UpstreamState, name: string): string {
    return state.cfg.local ? name : `${state.cfg.prefix}${name}`;
  }

  /**
   * Every upstream's listing, in configuration order, without collisions: a URI (or template) or
   * prompt name a former upstream serves is withheld from a later one.
   */
  private async listing(req: FederationRequest) {
    const states = [...this.states.values()];
    const contents = await Promise.all(states.map((s) => this.contentOf(s, req.principal)));
    const resources: FederatedResource[] = [];
    const templates: FederatedResourceTemplate[] = [];
    const prompts: FederatedPrompt[] = [];
    const owner = new Map<string, string>();
    const take = (state: UpstreamState, key: string): boolean => {
      const first = owner.get(key);
      if (first === undefined) owner.set(key, state.cfg.name);
      else if (first !== state.cfg.name) this.clash(key, first, state.cfg.name);
      return first === undefined || first === state.cfg.name;
    };
    const allowed = (entity: PolicyResource, action: string) => req.decide(action, entity).effect === 'allow';
    states.forEach((state, i) => {
      const c = contents[i];
      if (!c) return;
      for (const r of c.resources)
        if (take(state, r.uri) && allowed(this.resourceEntity(state, req.principal, r.uri), 'read_resource'))
          resources.push(r);
      for (const t of c.templates)
        if (
          take(state, t.uriTemplate) &&
          allowed(this.resourceEntity(state, req.principal, t.uriTemplate), 'read_resource')
        )
          templates.push(t);
      for (const pr of c.prompts) {
        const name = this.promptName(state, pr.name);
        if (
          take(state, `prompt:${name}`) &&
          allowed(this.promptEntity(state, req.principal, name), 'get_prompt')
        )
          prompts.push({ ...pr, name });
      }
    });
    return { resources, templates, prompts };
  }

  /** The first upstream, in configuration order, that serves this URI. */
  private async ownerOf(uri: string, p: Principal): Promise<UpstreamState | null> {
    for (const state of this.states.values()) {
      if (state.conn.ownsUri) {
        if (state.conn.ownsUri(uri)) return state;
        continue;
      }
      const c = state.content ?? (await this.contentOf(state, p));
      if (!c) continue;
      if (
        c.resources.some((r) => r.uri === uri) ||
        c.templates.some((t) => templateRegExp(t.uriTemplate).test(uri))
      )
        return state;
    }
    return null;
  }

  /** The first upstream, in configuration order, that serves this prompt name. */
  private async promptOwner(name: string, p: Principal): Promise<UpstreamState | null> {
    for (const state of this.states.values()) {
      if (state.conn.ownsPrompt) {
        if (state.conn.ownsPrompt(name)) return state;
        continue;
      }
      if (!name.startsWith(state.cfg.prefix)) continue;
      const c = state.content ?? (await this.contentOf(state, p));
      if (c?.prompts.some((pr) => this.promptName(state, pr.name) === name)) return state;
    }
    return null;
  }

  private async meta(state: UpstreamState, req: FederationRequest): Promise<Record<string, unknown>> {
    const meta: Record<string, unknown> = {
      traceparent: `00-${traceHex(req.traceId)}-${randomBytes(8).toString('hex')}-01`,
      [TRACE_META_KEY]: req.traceId,
    };
    if (state.cfg.caller_assertion && this.signer)
      meta[CALLER_ASSERTION_META_KEY] = await this.signer.sign(req.principal);
    return meta;
  }

  /**
   * One read or get through the door, as the kit's stages take a tool call: nothing while the
   * audit trail cannot be written, the caller's rate limit, the broker's policy on the upstream's
   * item; then the breaker, the gate and the upstream (a local system as the caller, with its own
   * policy and record); one broker record.
   */
  private async through<T>(
    req: FederationRequest,
    state: UpstreamState,
    action: 'read_resource' | 'get_prompt',
    entity: PolicyResource,
    args: Record<string, unknown>,
    run: (input: CallInput) => Promise<T>,
  ): Promise<T | { error: ErrorEnvelope }> {
    const started = performance.now();
    const decision = req.decide(action, entity);
    const refs: Record<string, string> = { upstream: state.cfg.name };
    const record = (outcome: 'ok' | 'error' | 'denied' | 'rate_limited', code: string | null) =>
      req.record({
        kind: action,
        tool: action,
        arguments: args,
        decision,
        outcome,
        error_code: code,
        duration_ms: Math.round(performance.now() - started),
        refs,
      });
    let failure: PortcullisError;
    try {
      // The last append failed: a read run now might leave no record of what it did, so none runs
      // (as the kit's audit stage refuses tool calls). Any append that succeeds ends it: this
      // refusal's record, or /readyz's check.
      if (!this.host.auditWritable) throw errors.auditUnavailable();
      // The limit a tool call of this principal takes (per principal and tenant), the action in
      // the tool's place: a read or get is no way around it.
      await this.host.limiter.acquire(req.principal.id, req.principal.tenant, action);
      if (decision.effect !== 'allow')
        throw new PortcullisError({
          code: 'forbidden',
          category: 'forbidden',
          message: `The broker's policy does not let you ${action === 'read_resource' ? 'read this resource' : 'get this prompt'} of ${state.cfg.name}.`,
          retryable: false,
          remediation: 'Ask an administrator for the role this needs; do not retry.',
          details: { upstream: state.cfg.name, policies: decision.policies },
        });
      const out = await this.reach(state, req, run);
      try {
        await record('ok', null);
      } catch (err) {
        // The trail failed, not the upstream: no breaker failure and no reset of the connection
        // other callers share. What was read is not handed out without its record.
        this.services.logger.error({ err }, 'audit append failed');
        throw errors.internal(err);
      }
      return out;
    } catch (err) {
      if (err instanceof UpstreamRefused) {
        const env = err.envelope;
        failure = new PortcullisError({
          code: env.code,
          category: env.category,
          message: env.message,
          retryable: env.retryable,
          retryAfterMs: env.retry_after_ms,
          remediation: env.remediation,
          details: { ...env.details, upstream: state.cfg.name, upstream_audit_id: env.audit_id },
        });
        refs.upstream_audit_id = env.audit_id;
      } else if (err instanceof PortcullisError) {
        failure = err;
        if (!('upstream' in (failure.details ?? {})))
          failure = new PortcullisError({
            code: err.code,
            category: err.category,
            message: err.message,
            retryable: err.retryable,
            retryAfterMs: err.retryAfterMs,
            remediation: err.remediation,
            details: { ...err.details, upstream: state.cfg.name },
            internal: err.internal,
          });
      } else throw err;
    }
    const outcome =
      failure.category === 'forbidden'
        ? 'denied'
        : failure.category === 'rate_limited'
          ? 'rate_limited'
          : 'error';
    // A refusal is answered even when its record cannot be written (the kit's calls are too).
    const auditId = await record(outcome, failure.code).catch((err: unknown) => {
      this.services.logger.error({ err }, 'audit append failed');
      return 'unrecorded';
    });
    return { error: this.host.redactor.maskSecrets(failure.toEnvelope(auditId)) };
  }

  /** The upstream's own failure: counted; a fail-open upstream's tools are withheld at the open. */
  private failed(state: UpstreamState): void {
    const wasOpen = state.breaker.isOpen;
    state.breaker.failure();
    if (!wasOpen && state.breaker.isOpen && state.cfg.on_failure === 'open') {
      // Its tools are withheld from now on: clients hear it, and the broker probes for its return.
      this.changed();
      this.probe(state);
    }
  }

  /**
   * The breaker, the gate and the upstream for one read or get. Only the upstream's own failure
   * (no answer, a broken connection) counts against it and drops the connection.
   */
  private async reach<T>(
    state: UpstreamState,
    req: FederationRequest,
    run: (input: CallInput) => Promise<T>,
  ): Promise<T> {
    const probe = this.admit(state);
    try {
      const timeout = AbortSignal.timeout(state.cfg.timeout_ms);
      const signal = AbortSignal.any([req.signal, timeout]);
      const meta = await this.meta(state, req);
      try {
        const out = await state.gate.run(() => run({ principal: req.principal, signal, meta }), signal);
        state.breaker.success();
        return out;
      } catch (err) {
        if (err instanceof PortcullisError || err instanceof UpstreamRefused) throw err;
        if (isAnswer(err)) {
          // The upstream answered (an MCP error, its Internal error too): it is up.
          state.breaker.success();
          throw answered(state.cfg.name, err);
        }
        // The caller cancelled: that says nothing about the upstream (as for a tool call), and
        // it is recorded as the kit records a cancelled call.
        if (req.signal.aborted) throw errors.internal(err);
        state.breaker.failure();
        if (!timeout.aborted) await state.conn.reset().catch(() => undefined);
        if (timeout.aborted)
          throw new PortcullisError({
            code: 'upstream_timeout',
            category: 'upstream',
            message: `Upstream ${state.cfg.name} did not answer within ${state.cfg.timeout_ms} ms.`,
            retryable: true,
            details: { upstream: state.cfg.name, timeout_ms: state.cfg.timeout_ms },
            internal: err,
          });
        throw unavailable(state.cfg.name, undefined, err);
      }
    } finally {
      // A probe that ended without a verdict (cancelled, refused on the way) frees the slot.
      if (probe) state.breaker.release(probe);
    }
  }

  /** The kit's federation hook: resources and prompts of every upstream beside the broker's tools. */
  content(): FederatedContent {
    return {
      listResources: async (req) => (await this.listing(req)).resources,
      listResourceTemplates: async (req) => (await this.listing(req)).templates,
      listPrompts: async (req) => (await this.listing(req)).prompts,
      readResource: async (req, uri) => {
        const state = await this.ownerOf(uri, req.principal);
        if (!state) return null;
        return this.through(
          req,
          state,
          'read_resource',
          this.resourceEntity(state, req.principal, uri),
          { uri },
          (input) => state.conn.readResource(uri, input),
        );
      },
      getPrompt: async (req, name, args) => {
        const state = await this.promptOwner(name, req.principal);
        if (!state) return null;
        const own = state.cfg.local ? name : name.slice(state.cfg.prefix.length);
        return this.through(
          req,
          state,
          'get_prompt',
          this.promptEntity(state, req.principal, name),
          { prompt: name, arguments: args },
          (input) => state.conn.getPrompt(own, args, input),
        );
      },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.lockTimer) clearInterval(this.lockTimer);
    for (const s of this.states.values()) if (s.probeTimer) clearTimeout(s.probeTimer);
    for (const s of this.states.values()) await s.conn.close().catch(() => undefined);
    await this.locals.close();
  }
}

/**
 * The local systems, in the order the build's prepared store mounted them (its `--prepare` runs
 * with no configuration file: localSystemsConfig): a configuration mounting these, in this order,
 * with none of their settings and outside production, starts a new store with what that build wrote.
 */
export const PREPARED_LOCALS = ['crm', 'billing', 'posture-read', 'remediation-write'] as const;

/**
 * Whether a start of this configuration with `env` would write the store the build prepared:
 * the same local systems in the same order (each seeds after the ones before it), each with no
 * setting of its own (a seed, a backend, accounts or a kill switch would change what is written),
 * and not in production (no demo data there by default). Remote and stdio upstreams never write
 * to the store.
 */
export function preparedStoreMatches(config: BrokerConfig, env: NodeJS.ProcessEnv): boolean {
  const mounted = config.upstreams.filter((u) => u.local !== undefined).map((u) => u.local);
  if (mounted.length !== PREPARED_LOCALS.length || mounted.some((l, i) => l !== PREPARED_LOCALS[i]))
    return false;
  if (isProduction(env.NODE_ENV)) return false;
  return PREPARED_LOCALS.every((name) =>
    // Empty is unset, as the kit reads settings.
    Object.keys(LOCAL_SYSTEMS[name]!.configSchema?.shape ?? {}).every((key) => !env[key]),
  );
}

/**
 * The configuration of a broker started over stdio with none: every local system, in the order of
 * PREPARED_LOCALS (so a first start unpacks the build's store), the tools lock in the data directory.
 * One desktop entry, one process and one store for all four systems.
 */
export function localSystemsConfig(dataDir: string): BrokerConfig {
  const config = parseBrokerConfig(
    {
      upstreams: PREPARED_LOCALS.map((name) => ({ name, local: name })),
      lock: join(dataDir, 'tools.lock.json'),
    },
    join(dataDir, '(built-in)'),
  );
  return { ...config, builtIn: true };
}

/** The migrations of a store the prepared locals wrote: theirs, and the kit's approvals and idempotency. */
function preparedMigrations(): Record<string, readonly Migration[]> {
  return {
    ...Object.fromEntries(PREPARED_LOCALS.map((n) => [n, LOCAL_SYSTEMS[n]!.migrations ?? []])),
    'core-approvals': approvalMigrations,
    'core-idempotency': idempotencyMigrations,
  };
}

/** The broker as a kit server definition, for one configuration. */
export function defineBroker(config: BrokerConfig): ServerDefinition<Federation> {
  const locals = config.upstreams.filter((u) => u.local).map((u) => u.name);
  return {
    name: 'broker',
    version: '0.1.0',
    title: 'Portcullis broker',
    description:
      'One MCP endpoint over many systems: identity, Cedar policy, rate limits and audit at the door, each system keeping its own rules behind it.',
    instructions: `Tools of ${config.upstreams.length} systems (${config.upstreams.map((u) => u.name).join(', ')}) behind one door. Each tool keeps its system's name prefix; errors name the upstream that raised them.${locals.length ? ` ${locals.join(', ')} run in this process under your own identity.` : ''}`,
    defaultPort: DEFAULT_PORT,
    tools: [],
    toolsets: [{ id: 'upstreams', description: 'Every tool of every configured upstream.', default: true }],
    policyDir: BROKER_POLICY_DIR,
    toolPrefix: '',
    // Every extension, whichever systems this configuration mounts: the store may hold the tables
    // (and indexes) of a system an earlier configuration mounted.
    storeExtensions: STORE_EXTENSIONS,
    // The build's store with the four local systems' demo data (~4 s of a first start).
    preparedStore: {
      dir: packageFile('@portcullis/broker', import.meta.url, 'dist'),
      matches: (_cfg, env) => preparedStoreMatches(config, env),
      migrations: preparedMigrations,
    },
    createBackend: async (services) => {
      const fed = new Federation(config, services);
      try {
        await fed.open();
      } catch (err) {
        await fed.close();
        throw err;
      }
      return fed;
    },
    discoverTools: async (fed) => fed.tools(),
    federation: (fed) => fed.content(),
    extraActions: [
      { name: 'read_resource', resourceTypes: ['UpstreamResource'] },
      { name: 'get_prompt', resourceTypes: ['UpstreamPrompt'] },
    ],
    watchTools: (fed, changed) => fed.watch(changed),
  };
}

/** An MCP error the upstream sent back (it answered), as opposed to a broken or silent connection. */
function isAnswer(err: unknown): boolean {
  // -32000 (connection closed) and -32001 (request timeout) are the SDK's own, not the upstream's.
  const code = (err as { code?: unknown }).code;
  return (
    err instanceof Error &&
    err.name === 'McpError' &&
    typeof code === 'number' &&
    code !== -32000 &&
    code !== -32001
  );
}

/** JSON-RPC's Internal error (-32603): the upstream failed while handling the request. */
function isInternalError(err: unknown): boolean {
  return (err as { code?: unknown }).code === -32603;
}

/** An upstream's JSON-RPC error answer: its text is its own, capped and labelled. */
function answered(upstream: string, err: unknown): PortcullisError {
  // Its own failure (-32603) may pass, and its text, about its insides (a stack, a connection
  // string), is not passed on; a refusal stays one, in its own words.
  const failed = isInternalError(err);
  return new PortcullisError({
    code: 'upstream_error',
    category: 'upstream',
    message: failed
      ? `Upstream ${upstream} failed while handling the call (internal error).`
      : `Upstream ${upstream} refused: ${String((err as Error).message).slice(0, 300)}`,
    retryable: failed,
    details: { upstream },
    ...(failed ? { internal: err } : {}),
  });
}

function where(cfg: ResolvedUpstream): string {
  if (cfg.local) return `local ${cfg.local}`;
  if (cfg.stdio) return `stdio ${cfg.stdio.command}`;
  return cfg.url!;
}

function unavailable(upstream: string, retryAfterMs?: number, internal?: unknown): PortcullisError {
  return new PortcullisError({
    code: 'upstream_unavailable',
    category: 'upstream',
    message: `Upstream ${upstream} is unavailable.`,
    retryable: true,
    retryAfterMs,
    remediation: 'Try again shortly; the broker probes the upstream again after a cool-down.',
    details: { upstream },
    internal,
  });
}

function changed(
  upstream: string,
  tool: string,
  pinned: string | undefined,
  current: string,
): PortcullisError {
  return new PortcullisError({
    code: 'tool_definition_changed',
    category: 'forbidden',
    message: `The definition of ${tool} changed since it was pinned; the broker does not serve it until an operator reviews it.`,
    retryable: false,
    remediation: `An operator reviews the change and runs portcullis-broker lock --accept ${upstream}; the running broker serves it again within seconds.`,
    details: { upstream, pinned_hash: pinned ?? null, current_hash: current },
  });
}

/** The upstream's own error envelope, unchanged, with the upstream named; third-party errors capped and labelled. */
function upstreamError(upstream: string, res: UpstreamCallResult): PortcullisError {
  const env = res._meta?.[ERROR_META_KEY] as Partial<ErrorEnvelope> | undefined;
  if (
    env &&
    typeof env.code === 'string' &&
    typeof env.category === 'string' &&
    typeof env.message === 'string'
  ) {
    return new PortcullisError({
      code: env.code,
      category: env.category,
      message: env.message,
      retryable: env.retryable === true,
      retryAfterMs: env.retry_after_ms,
      remediation: env.remediation,
      details: {
        ...env.details,
        upstream,
        ...(typeof env.audit_id === 'string' ? { upstream_audit_id: env.audit_id } : {}),
      },
    });
  }
  const text = res.content
    .map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : ''))
    .join(' ')
    .slice(0, 500);
  return new PortcullisError({
    code: 'upstream_tool_error',
    category: 'upstream',
    message: `Upstream ${upstream} reported an error${text ? `: ${text}` : '.'}`,
    retryable: false,
    details: { upstream },
  });
}

function traceHex(traceId: string): string {
  const hex = traceId.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (hex + '0'.repeat(32)).slice(0, 32);
}

async function withTimeout<T>(p: Promise<T>, ms: number, upstream: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`${upstream} did not answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

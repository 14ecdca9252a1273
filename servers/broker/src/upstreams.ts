/**
 * The broker's connections to its upstreams, one interface for all three kinds: a Portcullis system
 * mounted in-process on the broker's own host (called as the inbound principal), a remote MCP
 * server over Streamable HTTP (legacy SSE fallback) and a command spawned over stdio. Remote and
 * stdio upstreams get the broker's own credential for them, never the inbound caller's token.
 */
import {
  RemoteUpstream,
  type CallerAssertionSigner,
  errors,
  type ErrorEnvelope,
  type FederatedPrompt,
  type FederatedResource,
  type FederatedResourceTemplate,
  type McpScope,
  ServerRuntime,
  templateRegExp,
  UnknownToolError,
  type CallResult,
  type KitServices,
  type Principal,
  type ServerDefinition,
  type UpstreamCallResult,
  type UpstreamTool,
} from '@portcullis/core';
import type { ResolvedUpstream } from './config.js';
import { LOCAL_SYSTEMS } from './locals.js';
import {
  ClientCredentialsTokens,
  TokenExchangeTokens,
  type OAuthClientSettings,
  type TokenSourceOptions,
} from './upstream-auth.js';

export interface CallInput {
  principal: Principal;
  signal: AbortSignal;
  /** Sent as the request's `_meta` (trace context). */
  meta: Record<string, unknown>;
}

/** What an upstream offers besides tools, by its own names and URIs. */
export interface UpstreamContent {
  resources: FederatedResource[];
  templates: FederatedResourceTemplate[];
  prompts: FederatedPrompt[];
}

export interface ResourceContents {
  contents: { uri: string; mimeType?: string; text?: string; blob?: string }[];
}

export interface PromptResult {
  description?: string;
  messages: { role: 'user' | 'assistant'; content: unknown }[];
}

/** A system's prompt arguments (a zod object), as far as listing and parsing need them. */
interface PromptArgs {
  shape: Record<string, { description?: string; safeParse(v: unknown): { success: boolean } }>;
  safeParse(v: unknown): {
    success: boolean;
    data?: unknown;
    error?: { issues: { path: PropertyKey[]; message: string }[] };
  };
}

/** The upstream refused a read or get with its own error envelope. */
export class UpstreamRefused extends Error {
  constructor(readonly envelope: ErrorEnvelope) {
    super(envelope.message);
  }
}

export interface UpstreamConnection {
  /** Its resources, templates and prompts as this principal may see them there. */
  listContent(principal: Principal): Promise<UpstreamContent>;
  /** A local system serves this URI (remote ones are routed by what they listed). */
  ownsUri?(uri: string): boolean;
  /** A local system serves this prompt (remote ones are routed by what they listed). */
  ownsPrompt?(name: string): boolean;
  readResource(uri: string, input: CallInput): Promise<ResourceContents>;
  getPrompt(name: string, args: Record<string, string>, input: CallInput): Promise<PromptResult>;
  /** Tools by the upstream's own names, as it lists them. */
  listTools(): Promise<UpstreamTool[]>;
  call(tool: string, args: Record<string, unknown>, input: CallInput): Promise<UpstreamCallResult>;
  /** The upstream's own visibility for this principal, when it can be asked in-process. */
  visibleTo?(principal: Principal, tool: string): boolean;
  onToolsChanged(listener: () => void): void;
  /** Drops the connection so the next call reconnects (respawns a stdio upstream). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Every local system of one broker runs on one runtime mounted on the broker's host. */
export class LocalSystems {
  private runtime: ServerRuntime | null = null;

  constructor(private readonly services: KitServices) {}

  /** Mounts the named systems on the broker's host: one store, one audit chain, one limiter. */
  mount(names: string[]): ServerRuntime {
    if (this.runtime) throw new Error('local systems are mounted once');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const defs: ServerDefinition<any>[] = names.map((n) => LOCAL_SYSTEMS[n]!);
    this.runtime = new ServerRuntime(defs, { host: this.services.host, transport: 'stdio' });
    return this.runtime;
  }

  async close(): Promise<void> {
    await this.runtime?.close();
  }
}

export class LocalConnection implements UpstreamConnection {
  constructor(
    private readonly runtime: ServerRuntime,
    private readonly system: string,
  ) {}

  private get surface() {
    return this.runtime.surface(this.system)!;
  }

  async listTools(): Promise<UpstreamTool[]> {
    await this.runtime.ready;
    return [...this.surface.tools.values()].map(({ listing }) => ({
      name: listing.name,
      title: listing.title,
      description: listing.description,
      inputSchema: listing.inputSchema,
      ...(listing.outputSchema ? { outputSchema: listing.outputSchema } : {}),
      annotations: listing.annotations,
    }));
  }

  async call(tool: string, args: Record<string, unknown>, input: CallInput): Promise<CallResult> {
    try {
      // The caller's principal, in-process: the system's own stages decide and audit as for a direct call.
      return await this.runtime
        .scope(this.system)
        .callTool(input.principal, tool, args, { signal: input.signal, meta: input.meta });
    } catch (err) {
      if (err instanceof UnknownToolError) throw new UpstreamHidesTool(tool, err.auditId);
      throw err;
    }
  }

  visibleTo(principal: Principal, tool: string): boolean {
    return this.surface.isVisible(principal, tool);
  }

  private get scope(): McpScope {
    return this.runtime.scope(this.system);
  }

  /** The system's own visibility: a guarded resource is listed where its guard tool is. */
  async listContent(principal: Principal): Promise<UpstreamContent> {
    await this.runtime.ready;
    const scope = this.scope;
    const visible = (guard: string | undefined) => !guard || this.surface.isVisible(principal, guard);
    const mine = scope.resources().filter((m) => visible(m.item.guardTool));
    const entry = (r: (typeof mine)[number]['item']) => ({
      name: r.name,
      ...(r.title ? { title: r.title } : {}),
      description: r.description,
      ...(r.mimeType ? { mimeType: r.mimeType } : {}),
    });
    return {
      resources: mine
        .filter((m) => !m.item.uri.includes('{'))
        .map((m) => ({ uri: m.item.uri, ...entry(m.item) })),
      templates: mine
        .filter((m) => m.item.uri.includes('{'))
        .map((m) => ({ uriTemplate: m.item.uri, ...entry(m.item) })),
      prompts: scope.prompts().map(({ item }) => ({
        name: item.name,
        ...(item.title ? { title: item.title } : {}),
        description: item.description,
        arguments: Object.entries((item.arguments as unknown as PromptArgs).shape).map(([name, sch]) => ({
          name,
          ...(sch.description ? { description: sch.description } : {}),
          required: !sch.safeParse(undefined).success,
        })),
      })),
    };
  }

  private match(uri: string) {
    for (const m of this.scope.resources()) {
      const hit = templateRegExp(m.item.uri).exec(uri);
      if (hit) return { m, vars: { ...(hit.groups ?? {}) } };
    }
    return null;
  }

  ownsUri(uri: string): boolean {
    return this.match(uri) !== null;
  }

  ownsPrompt(name: string): boolean {
    return this.scope.prompts().some((m) => m.item.name === name);
  }

  /** As the caller, in-process: a guarded read is the guard tool's call at the system (its policy, its record). */
  async readResource(uri: string, input: CallInput): Promise<ResourceContents> {
    await this.runtime.ready;
    const found = this.match(uri);
    if (!found) throw errors.notFound(`Resource ${uri}`);
    const { m, vars } = found;
    const url = new URL(uri);
    let text: string;
    if (m.item.guardTool) {
      if (!this.surface.isVisible(input.principal, m.item.guardTool))
        throw errors.notFound(`Resource ${uri}`);
      const res = await this.scope.readGuardedResource(input.principal, m, url, vars, input.signal);
      if ('error' in res) throw new UpstreamRefused(res.error);
      text = res.text;
    } else {
      text = this.runtime.redactor.maskSecrets(
        await m.item.read(url, vars, m.surface.resolveContext(input.principal, input.signal) as never),
      );
    }
    return { contents: [{ uri, mimeType: m.item.mimeType ?? 'application/json', text }] };
  }

  async getPrompt(name: string, args: Record<string, string>, input: CallInput): Promise<PromptResult> {
    await this.runtime.ready;
    const found = this.scope.prompts().find((m) => m.item.name === name);
    if (!found) throw errors.notFound(`Prompt ${name}`);
    const parsed = (found.item.arguments as unknown as PromptArgs).safeParse(args);
    if (!parsed.success)
      throw errors.validation(
        `Invalid prompt arguments: ${parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const res = await found.item.get(
      parsed.data as never,
      found.surface.resolveContext(input.principal, input.signal),
    );
    return {
      ...(res.description ? { description: res.description } : {}),
      messages: res.messages.map((msg) => ({ role: msg.role, content: { type: 'text', text: msg.text } })),
    };
  }

  onToolsChanged(): void {
    // A local system's tools are its code: they change only when the broker is upgraded.
  }

  async reset(): Promise<void> {}

  async close(): Promise<void> {}
}

/** The upstream answered as if the tool did not exist: its own policy never permits this caller. */
export class UpstreamHidesTool extends Error {
  constructor(
    readonly tool: string,
    readonly upstreamAuditId: string | undefined,
  ) {
    super(`upstream does not offer ${tool} to this caller`);
  }
}

export class RemoteConnection implements UpstreamConnection {
  private readonly up: RemoteUpstream;

  /** `signer`: the broker's caller-assertion key, the subject token of a token exchange. */
  constructor(cfg: ResolvedUpstream, services: KitServices, signer?: CallerAssertionSigner | null) {
    const auth = cfg.auth;
    const source = (settings: OAuthClientSettings): TokenSourceOptions => ({
      upstream: cfg.name,
      settings,
      credentials: services.credentials,
      redactor: services.redactor,
      logger: services.logger,
    });
    let tokens: ClientCredentialsTokens | TokenExchangeTokens | null = null;
    if (auth?.oauth) tokens = new ClientCredentialsTokens(source(auth.oauth));
    else if (auth?.token_exchange) {
      if (!signer) throw new Error(`upstream ${cfg.name}: token exchange needs the broker's signing key`);
      tokens = new TokenExchangeTokens(source(auth.token_exchange), signer);
    }
    this.up = new RemoteUpstream({
      name: cfg.name,
      target: cfg.stdio
        ? { kind: 'stdio', ...cfg.stdio }
        : { kind: 'http', url: cfg.url!, protocol: cfg.transport ?? 'auto' },
      bearer: auth?.bearer ?? auth?.api_key?.value,
      apiKeyHeader: auth?.api_key?.header,
      ...(tokens
        ? { authHeaders: (req: { refresh: boolean; caller?: Principal }) => tokens.headers(req) }
        : {}),
      credentials: services.credentials,
      logger: services.logger,
      // Calls are bounded by the broker's own timeout (upstream_timeout); listing by its own.
      timeoutMs: Math.max(cfg.timeout_ms, 30_000),
      ...(cfg.max_message_bytes !== undefined ? { maxMessageBytes: cfg.max_message_bytes } : {}),
    });
  }

  async listTools(): Promise<UpstreamTool[]> {
    return this.up.listTools();
  }

  /** What it declared: resources (and templates, where it answers them) and prompts, as the broker's credential sees them. */
  async listContent(): Promise<UpstreamContent> {
    const caps = await this.up.capabilities();
    const [resources, templates, prompts] = await Promise.all([
      caps.resources ? this.up.listResources() : [],
      caps.resources ? this.up.listResourceTemplates().catch(() => []) : [],
      caps.prompts ? this.up.listPrompts() : [],
    ]);
    return {
      resources: resources as FederatedResource[],
      templates: templates as FederatedResourceTemplate[],
      prompts: prompts as FederatedPrompt[],
    };
  }

  // As a tool call is: made for the caller, so a token exchange names them (not the broker) and
  // the remote decides and audits the read or get as that user.
  async readResource(uri: string, input: CallInput): Promise<ResourceContents> {
    return {
      contents: await this.up.readResource(uri, input.principal, { signal: input.signal, meta: input.meta }),
    };
  }

  async getPrompt(name: string, args: Record<string, string>, input: CallInput): Promise<PromptResult> {
    const res = await this.up.getPrompt(name, args, input.principal, {
      signal: input.signal,
      meta: input.meta,
    });
    return { ...(res.description ? { description: res.description } : {}), messages: res.messages };
  }

  async call(tool: string, args: Record<string, unknown>, input: CallInput): Promise<UpstreamCallResult> {
    // The caller travels as data (`_meta["portcullis/caller"]`), never as a credential.
    return this.up.callTool(tool, args, { signal: input.signal, meta: input.meta, caller: input.principal });
  }

  onToolsChanged(listener: () => void): void {
    this.up.onToolsChanged(listener);
  }

  async reset(): Promise<void> {
    // close() forgets the listeners too; the broker subscribes once, so keep them across resets.
    await this.up.reconnectLater();
  }

  async close(): Promise<void> {
    await this.up.close();
  }
}

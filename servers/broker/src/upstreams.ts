/**
 * The broker's connections to its upstreams, one interface for all three kinds: a Portcullis system
 * mounted in-process on the broker's own host (called as the inbound principal), a remote MCP
 * server over Streamable HTTP (legacy SSE fallback) and a command spawned over stdio. Remote and
 * stdio upstreams get the broker's own credential for them, never the inbound caller's token.
 */
import {
  RemoteUpstream,
  type CallerAssertionSigner,
  ServerRuntime,
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

export interface UpstreamConnection {
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
    });
  }

  async listTools(): Promise<UpstreamTool[]> {
    return this.up.listTools();
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

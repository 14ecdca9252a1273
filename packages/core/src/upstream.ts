/**
 * Upstreams: MCP servers a Portcullis process fronts. One interface for every kind (a surface on
 * the same host, a remote server over Streamable HTTP with legacy SSE fallback, a command spawned
 * over stdio), so a server that forwards calls never cares where the tools live. A remote upstream
 * is reached with its own credential (a credential reference), never the inbound caller's token;
 * who the caller is travels as data in `_meta`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CredentialResolver } from './credentials.js';
import type { BackendLifecycle, ServerDefinition } from './definition.js';
import { ConfigError, PortcullisError, errors } from './errors.js';
import type { Logger } from './log.js';
import type { ServerRuntime } from './runtime.js';
import type { Access, JsonObjectSchema, JsonSchemaToolDefinition, Principal, ToolOutput } from './tool.js';

/** A tool as an upstream lists it. */
export interface UpstreamTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObjectSchema;
  outputSchema?: JsonObjectSchema;
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

export interface UpstreamCallResult {
  content: { type: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export interface UpstreamCallOptions {
  signal?: AbortSignal;
  /** Sent as the request's `_meta` (trace context, the caller's identity as data). */
  meta?: Record<string, unknown>;
  /** The inbound caller: an in-process upstream acts as this principal; a remote one only sees it as data. */
  caller?: Principal;
}

export interface Upstream extends BackendLifecycle {
  readonly name: string;
  listTools(caller?: Principal): Promise<UpstreamTool[]>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    opts?: UpstreamCallOptions,
  ): Promise<UpstreamCallResult>;
  listResources(
    caller?: Principal,
  ): Promise<{ uri: string; name: string; description?: string; mimeType?: string }[]>;
  readResource(uri: string, caller?: Principal): Promise<{ uri: string; mimeType?: string; text?: string }[]>;
  listPrompts(caller?: Principal): Promise<{ name: string; description?: string }[]>;
  getPrompt(
    name: string,
    args: Record<string, string>,
    caller?: Principal,
  ): Promise<{ description?: string; messages: unknown[] }>;
  /** Called when the upstream says its tool list changed; returns an unsubscribe function. */
  onToolsChanged(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Where a caller's identity travels to a remote upstream (data, never a credential). */
export const CALLER_META_KEY = 'portcullis/caller';

// ---------------------------------------------------------------------------------------------
// In-process: a surface on this host, called as the inbound principal.

export class InProcessUpstream implements Upstream {
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly runtime: ServerRuntime,
  ) {}

  private need(caller: Principal | undefined): Principal {
    if (!caller)
      throw errors.internal(new Error(`in-process upstream ${this.name} needs the caller's principal`));
    return caller;
  }

  async listTools(caller?: Principal): Promise<UpstreamTool[]> {
    return (await this.runtime.listTools(this.need(caller))).map((t) => ({ ...t }));
  }

  async callTool(name: string, args: Record<string, unknown>, opts: UpstreamCallOptions = {}) {
    return this.runtime.callTool(this.need(opts.caller), name, args, {
      signal: opts.signal,
      meta: opts.meta,
    });
  }

  async listResources() {
    return this.runtime.resources().map(({ item }) => ({
      uri: item.uri,
      name: item.name,
      description: item.description,
      mimeType: item.mimeType,
    }));
  }

  async readResource(uri: string, caller?: Principal) {
    const p = this.need(caller);
    const url = new URL(uri);
    for (const m of this.runtime.resources()) {
      const re = new RegExp(
        `^${m.item.uri.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_x, n: string) => `(?<${n}>[^/?#]+)`)}$`,
      );
      const match = re.exec(uri);
      if (!match) continue;
      const vars = { ...(match.groups ?? {}) };
      if (m.item.guardTool) {
        const res = await this.runtime.readGuardedResource(p, m, url, vars, new AbortController().signal);
        if ('error' in res) throw new PortcullisError({ ...res.error });
        return [{ uri, mimeType: m.item.mimeType, text: res.text }];
      }
      await this.runtime.ready;
      const text = await m.item.read(url, vars, m.surface.resolveContext(p, new AbortController().signal));
      return [{ uri, mimeType: m.item.mimeType, text }];
    }
    throw errors.notFound(`Resource ${uri}`);
  }

  async listPrompts() {
    return this.runtime.prompts().map(({ item }) => ({ name: item.name, description: item.description }));
  }

  async getPrompt(name: string, args: Record<string, string>, caller?: Principal) {
    const found = this.runtime.prompts().find((m) => m.item.name === name);
    if (!found) throw errors.notFound(`Prompt ${name}`);
    const parsed = found.item.arguments.safeParse(args);
    if (!parsed.success) throw errors.validation(`Invalid prompt arguments: ${parsed.error.message}`);
    const res = await found.item.get(
      parsed.data,
      found.surface.resolveContext(this.need(caller), new AbortController().signal),
    );
    return { description: res.description, messages: res.messages };
  }

  onToolsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ping(): Promise<void> {
    await this.runtime.ready;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Remote: an MCP server over Streamable HTTP (legacy SSE fallback) or a command over stdio.

export type RemoteTarget =
  | {
      kind: 'http';
      url: string;
      /** `streamable` only, `sse` only, or try Streamable HTTP then SSE. */ protocol?:
        'auto' | 'streamable' | 'sse';
    }
  | {
      kind: 'stdio';
      command: string;
      args?: string[];
      /** Values may be credential references (`env:NAME`, `file:/path`, `aws-sm:id`). */
      env?: Record<string, string>;
      cwd?: string;
    };

export interface RemoteUpstreamOptions {
  name: string;
  target: RemoteTarget;
  /** The upstream's own credential: a reference resolved when connecting, sent as a bearer token. */
  bearer?: string;
  /** Header for an API key instead of a bearer token (e.g. `X-API-Key`). */
  apiKeyHeader?: string;
  /**
   * Credential headers asked for on every HTTP request (a short-lived token such as an OAuth access
   * token), instead of `bearer`: after a 401 they are asked for once more with `refresh: true` and the
   * request is sent again. A PortcullisError it throws reaches the caller unchanged. `caller` is the
   * inbound caller of the tool call a request belongs to (none for connecting and listing), for a
   * credential issued per caller (RFC 8693 token exchange).
   */
  authHeaders?: (req: { refresh: boolean; caller?: Principal }) => Promise<Record<string, string>>;
  credentials: CredentialResolver;
  logger: Logger;
  /** Per request. */
  timeoutMs?: number;
  /**
   * The largest message the upstream may send: a JSON body, one SSE event, one stdio line. A larger
   * one drops the connection (its calls in flight fail) rather than grow the process without bound.
   * Default DEFAULT_MAX_MESSAGE_BYTES.
   */
  maxMessageBytes?: number;
}

/** The most one read of a child's stdout pipe brings (libuv's read size). */
const PIPE_READ_BYTES = 64 * 1024;

/** The default cap on one message from an upstream (16 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** An upstream sent a message over the cap; the connection it came on is dropped. */
export class UpstreamMessageTooLarge extends Error {
  constructor(
    readonly upstream: string,
    readonly limit: number,
  ) {
    super(`Upstream ${upstream} sent a message larger than ${limit} bytes; the connection was dropped.`);
    this.name = 'UpstreamMessageTooLarge';
  }
}

export class RemoteUpstream implements Upstream {
  readonly name: string;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: RemoteUpstreamOptions) {
    this.name = opts.name;
  }

  /** Connects (once; again after a failure). */
  connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().then(
      (c) => {
        this.client = c;
        return c;
      },
      (err: unknown) => {
        this.connecting = null;
        throw err;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { ToolListChangedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const make = () => {
      const c = new Client({ name: `portcullis-upstream-${this.name}`, version: '1.0.0' });
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        for (const l of this.listeners) l();
      });
      // A closed connection (the process exited, the session ended) is forgotten: the next call reconnects.
      c.onclose = () => {
        if (this.client === c) {
          this.client = null;
          this.connecting = null;
        }
      };
      return c;
    };
    const t = this.opts.target;
    if (t.kind === 'stdio') {
      const { StdioClientTransport, getDefaultEnvironment } =
        await import('@modelcontextprotocol/sdk/client/stdio.js');
      const env: Record<string, string> = { ...getDefaultEnvironment() };
      for (const [k, ref] of Object.entries(t.env ?? {})) {
        env[k] = /^(env|file|aws-sm):/.test(ref)
          ? await this.opts.credentials.get(ref, `${this.name}.env.${k}`)
          : ref;
      }
      const transport = new StdioClientTransport({
        command: t.command,
        args: t.args,
        env,
        cwd: t.cwd,
        stderr: 'pipe',
        // The SDK buffers a command's output until a line ends: bounded here, so one line (a
        // message) over the cap fails and the connection is closed (the handshake's included).
        // Its buffer holds the line so far and the whole read that ends it (up to a pipe's
        // 64 KiB), so that much is added: a burst of small lines is never one message.
        maxBufferSize: this.maxMessageBytes() + PIPE_READ_BYTES,
      });
      transport.stderr?.on('data', (chunk: Buffer) =>
        this.opts.logger.debug(
          { upstream: this.name, stderr: chunk.toString('utf8').slice(0, 2000) },
          'upstream stderr',
        ),
      );
      const c = make();
      // The SDK reports an overflow as a transport error and closes: said in the log as such
      // (set before connecting, so an oversized answer to initialize is said too).
      c.onerror = (err: Error) => {
        if (/ReadBuffer exceeded/.test(err.message)) this.oversized(c);
      };
      await c.connect(transport);
      return c;
    }
    const headers: Record<string, string> = {};
    if (this.opts.bearer) {
      const secret = await this.opts.credentials.get(this.opts.bearer, `${this.name}.bearer`);
      headers[this.opts.apiKeyHeader ?? 'Authorization'] = this.opts.apiKeyHeader
        ? secret
        : `Bearer ${secret}`;
    }
    const url = new URL(t.url);
    const protocol = t.protocol ?? 'auto';
    const authHeaders = this.opts.authHeaders;
    // The connection an oversized message arrived on is closed: its calls in flight fail now,
    // not at their timeout, and the next call connects again.
    let current: Client | undefined;
    const send = cappedFetch(
      authHeaders ? withAuthHeaders(tracingFetch, authHeaders) : tracingFetch,
      this.name,
      this.maxMessageBytes(),
      () => this.oversized(current),
    );
    if (protocol !== 'sse') {
      const { StreamableHTTPClientTransport } =
        await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      const c = make();
      current = c;
      try {
        await c.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: send }));
        return c;
      } catch (err) {
        await c.close().catch(() => undefined);
        // A credential that cannot be had is not a protocol the server refused: SSE would fail alike.
        if (protocol === 'streamable' || err instanceof PortcullisError) throw err;
        this.opts.logger.info({ upstream: this.name }, 'Streamable HTTP refused; trying legacy SSE');
      }
    }
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    const c = make();
    current = c;
    await c.connect(
      new SSEClientTransport(url, {
        requestInit: { headers },
        fetch: send,
        eventSourceInit: {
          fetch: (input, init) =>
            send(input, { ...init, headers: { ...(init?.headers as object), ...headers } }),
        },
      }),
    );
    return c;
  }

  private maxMessageBytes(): number {
    return this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Logs an oversized message and closes the connection it came on. */
  private oversized(c: Client | undefined): void {
    this.opts.logger.warn(
      { upstream: this.name, limit: this.maxMessageBytes() },
      'upstream message over the size cap: connection dropped',
    );
    void c?.close().catch(() => undefined);
  }

  private requestOptions(signal?: AbortSignal) {
    return { signal, timeout: this.opts.timeoutMs ?? 30_000 };
  }

  async listTools(): Promise<UpstreamTool[]> {
    const c = await this.connect();
    const out: UpstreamTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.listTools(cursor ? { cursor } : {}, this.requestOptions());
      out.push(...(page.tools as UpstreamTool[]));
      cursor = page.nextCursor;
    } while (cursor && out.length < 10_000);
    return out;
  }

  async callTool(name: string, args: Record<string, unknown>, opts: UpstreamCallOptions = {}) {
    const c = await this.connect();
    return (await this.asCaller(opts.caller, opts.meta, (meta) =>
      c.callTool({ name, arguments: args, _meta: meta }, undefined, this.requestOptions(opts.signal)),
    )) as UpstreamCallResult;
  }

  /**
   * One request made for `caller`: the caller as data in `_meta`, and over HTTP the credential
   * headers issued for that caller (a token exchanged for them, not the broker's own) and the
   * trace context as the W3C header too, not only in `_meta`.
   */
  private asCaller<T>(
    caller: Principal | undefined,
    given: Record<string, unknown> | undefined,
    send: (meta: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    const meta: Record<string, unknown> = { ...given };
    if (caller) meta[CALLER_META_KEY] = { id: caller.id, tenant: caller.tenant };
    const traceparent = typeof meta.traceparent === 'string' ? meta.traceparent : undefined;
    return currentCaller.run(caller, () => currentTrace.run(traceparent, () => send(meta)));
  }

  /** Drops the connection (keeping the listeners): the next call connects again, respawning a command. */
  async reconnectLater(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.connecting = null;
    await c?.close().catch(() => undefined);
  }

  /** What the upstream declared at initialize (resources, prompts ...), once connected. */
  async capabilities(): Promise<{ resources?: object; prompts?: object }> {
    return (await this.connect()).getServerCapabilities() ?? {};
  }

  /** Every page of a paged list, bounded. */
  private async pages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>) {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      out.push(...p.items);
      cursor = p.next;
    } while (cursor && out.length < 10_000);
    return out;
  }

  async listResources() {
    const c = await this.connect();
    return this.pages(async (cursor) => {
      const r = await c.listResources(cursor ? { cursor } : {}, this.requestOptions());
      return { items: r.resources, next: r.nextCursor };
    });
  }

  async listResourceTemplates() {
    const c = await this.connect();
    return this.pages(async (cursor) => {
      const r = await c.listResourceTemplates(cursor ? { cursor } : {}, this.requestOptions());
      return { items: r.resourceTemplates, next: r.nextCursor };
    });
  }

  /** Read for `caller` (its credential headers, as for a tool call), or with the upstream's own. */
  async readResource(uri: string, caller?: Principal, opts: UpstreamCallOptions = {}) {
    const c = await this.connect();
    const res = await this.asCaller(caller, opts.meta, (meta) =>
      c.readResource({ uri, _meta: meta }, this.requestOptions(opts.signal)),
    );
    return res.contents as { uri: string; mimeType?: string; text?: string }[];
  }

  async listPrompts() {
    const c = await this.connect();
    return this.pages(async (cursor) => {
      const r = await c.listPrompts(cursor ? { cursor } : {}, this.requestOptions());
      return { items: r.prompts, next: r.nextCursor };
    });
  }

  /** Got for `caller` (its credential headers, as for a tool call), or with the upstream's own. */
  async getPrompt(
    name: string,
    args: Record<string, string>,
    caller?: Principal,
    opts: UpstreamCallOptions = {},
  ) {
    const c = await this.connect();
    return this.asCaller(caller, opts.meta, (meta) =>
      c.getPrompt({ name, arguments: args, _meta: meta }, this.requestOptions(opts.signal)),
    );
  }

  onToolsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ping(): Promise<void> {
    const c = await this.connect();
    await c.ping(this.requestOptions());
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const c = this.client;
    this.client = null;
    this.connecting = null;
    await c?.close();
  }
}

type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch whose response bodies are capped per message: a JSON body as a whole, an event stream
 * per event (the bytes since the last blank line). Over the cap, the body errors and `oversized`
 * runs; a declared length over it is refused before the body is read.
 */
function cappedFetch(inner: FetchLike, upstream: string, limit: number, oversized: () => void): FetchLike {
  return async (input, init) => {
    const res = await inner(input, init);
    if (!res.body) return res;
    const sse = (res.headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (!sse && declared > limit) {
      await res.body.cancel().catch(() => undefined);
      oversized();
      throw new UpstreamMessageTooLarge(upstream, limit);
    }
    let size = 0;
    // Event streams: bytes on the current line, and the byte before the last newline seen.
    let line = 0;
    let before = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        let over = false;
        if (!sse) size += chunk.length;
        else {
          let pos = 0;
          for (;;) {
            const nl = chunk.indexOf(10, pos);
            if (nl === -1) {
              const n = chunk.length - pos;
              if (n > 0) before = chunk[chunk.length - 1]!;
              line += n;
              size += n;
              break;
            }
            const n = nl - pos;
            const last = n > 0 ? chunk[nl - 1]! : before;
            // A blank line (CRLF or LF) ends an event.
            const blank = line + n === 0 || (line + n === 1 && last === 13);
            size = blank ? 0 : size + n + 1;
            // Checked at every line's end too: an event may pass the cap and end in one chunk.
            if (size > limit) {
              over = true;
              break;
            }
            line = 0;
            before = 10;
            pos = nl + 1;
          }
        }
        if (over || size > limit) {
          oversized();
          controller.error(new UpstreamMessageTooLarge(upstream, limit));
          return;
        }
        controller.enqueue(chunk);
      },
    });
    const capped = new Response(res.body.pipeThrough(counter), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
    // What an event source reads to follow a redirect.
    Object.defineProperties(capped, { url: { value: res.url }, redirected: { value: res.redirected } });
    return capped;
  };
}

/** The caller of the upstream call in progress, for credential headers issued per caller. */
const currentCaller = new AsyncLocalStorage<Principal | undefined>();

/** The trace context of the upstream call in progress, for the HTTP transport's requests. */
const currentTrace = new AsyncLocalStorage<string | undefined>();

const tracingFetch = (input: string | URL, init?: RequestInit): Promise<Response> => {
  const traceparent = currentTrace.getStore();
  if (!traceparent) return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set('traceparent', traceparent);
  return fetch(input, { ...init, headers });
};

/** Sets the credential headers on each request; a 401 asks for fresh ones and sends it once more. */
function withAuthHeaders(
  inner: (input: string | URL, init?: RequestInit) => Promise<Response>,
  authHeaders: NonNullable<RemoteUpstreamOptions['authHeaders']>,
) {
  return async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const caller = currentCaller.getStore();
    const attempt = async (refresh: boolean) => {
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(await authHeaders({ refresh, caller }))) headers.set(k, v);
      return inner(input, { ...init, headers });
    };
    const res = await attempt(false);
    // The SDK sends string bodies, so the request can be sent again as it was.
    if (res.status !== 401 || (init?.body != null && typeof init.body !== 'string')) return res;
    await res.body?.cancel().catch(() => undefined);
    return attempt(true);
  };
}

// ---------------------------------------------------------------------------------------------
// A system made of an upstream's tools, passed through the kit's stages.

/** Access as the kit understands it, from the upstream's hints (MCP's defaults: not read-only, destructive). */
export function accessOf(annotations: UpstreamTool['annotations']): Access {
  if (annotations?.readOnlyHint === true) return 'read';
  return annotations?.destructiveHint === false ? 'write' : 'destructive';
}

/** Upstream text in an error is the upstream's, not ours: capped and labelled. */
function upstreamToolError(system: string, res: UpstreamCallResult): PortcullisError {
  const text = res.content
    .map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : ''))
    .join(' ')
    .slice(0, 500);
  return new PortcullisError({
    code: 'upstream_tool_error',
    category: 'upstream',
    message: `Upstream ${system} reported an error${text ? `: ${text}` : '.'}`,
    retryable: false,
  });
}

export interface UpstreamServerOptions {
  /** System name: tools are listed as `<prefix><upstream tool name>`. */
  name: string;
  title?: string;
  description?: string;
  version?: string;
  /** Defaults to `<name>_`. */
  prefix?: string;
  /** Cedar policies for the proxied tools (`*.cedar` + `schema.cedarschema`). */
  policyDir: string;
  /** Opens the upstream once the host is up (credentials are the host's). */
  connect: (services: { credentials: CredentialResolver; logger: Logger }) => Promise<Upstream>;
  /** Only these upstream tools (by upstream name), or all but these. */
  allow?: string[];
  deny?: string[];
  defaultPort?: number;
}

/**
 * A system whose tools are another MCP server's, discovered at start: each is a JSON-Schema tool
 * that runs through every stage (identity, limits, validation against the upstream's own schema,
 * Cedar, audit) before it is forwarded.
 */
export function defineUpstreamServer(opts: UpstreamServerOptions): ServerDefinition<Upstream> {
  const prefix = opts.prefix ?? `${opts.name.replace(/-/g, '_')}_`;
  if (!/^[a-z][a-z0-9_]*_$/.test(prefix))
    throw new ConfigError(`Upstream ${opts.name}: prefix ${prefix} must be snake_case ending in _.`);
  return {
    name: opts.name,
    version: opts.version ?? '1.0.0',
    title: opts.title ?? `Upstream ${opts.name}`,
    description:
      opts.description ?? `Tools of the upstream MCP server ${opts.name}, behind the Portcullis kit.`,
    defaultPort: opts.defaultPort ?? 0,
    tools: [],
    toolsets: [
      { id: opts.name.replace(/-/g, '_'), description: `Tools of the upstream ${opts.name}.`, default: true },
    ],
    policyDir: opts.policyDir,
    toolPrefix: prefix,
    createBackend: (services) => opts.connect({ credentials: services.credentials, logger: services.logger }),
    discoverTools: async (upstream) => {
      const listed = await upstream.listTools();
      return listed
        .filter((t) => (!opts.allow || opts.allow.includes(t.name)) && !opts.deny?.includes(t.name))
        .map((t): JsonSchemaToolDefinition<Upstream> => ({
          name: `${prefix}${t.name}`,
          title: t.title ?? t.annotations?.title ?? t.name,
          description: t.description ?? '',
          toolset: opts.name,
          access: accessOf(t.annotations),
          idempotent: t.annotations?.idempotentHint === true,
          openWorld: t.annotations?.openWorldHint !== false,
          inputSchema: { ...t.inputSchema, type: 'object' },
          ...(t.outputSchema ? { outputSchema: { ...t.outputSchema, type: 'object' } } : {}),
          handler: async (args, ctx): Promise<ToolOutput> => {
            const res = await ctx.upstream(opts.name, (signal) =>
              ctx.backend.callTool(t.name, args, {
                signal,
                caller: ctx.principal,
                meta: { traceparent: `00-${traceHex(ctx.traceId)}-${spanHex()}-01` },
              }),
            );
            if (res.isError) throw upstreamToolError(opts.name, res);
            const auditId = res._meta?.['portcullis/audit_id'];
            if (typeof auditId === 'string') ctx.addAuditRefs({ upstream_audit_id: auditId });
            return {
              content: res.content,
              ...(res.structuredContent ? { structuredContent: res.structuredContent } : {}),
            };
          },
        }));
    },
  };
}

function traceHex(traceId: string): string {
  const hex = traceId.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (hex + '0'.repeat(32)).slice(0, 32);
}

function spanHex(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

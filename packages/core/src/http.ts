import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  ErrorCode,
  isInitializeRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';
import { ConfigError, PortcullisError, errors } from './errors.js';
import { assertAuthAllowedOnHost } from './config.js';
import { AuthError, type Authenticator } from './identity.js';
import { createMcpServer, principalFromAuthInfo } from './mcp.js';
import type { Metrics } from './metrics.js';
import { UnknownToolError, type McpScope, type ServerRuntime } from './runtime.js';
import { SessionLimitError, SessionRegistry, ownerKey } from './sessions.js';
import type { Principal } from './tool.js';

type JsonRpcId = string | number;
type Reply = (msg: JSONRPCMessage) => void;

/**
 * A long-lived transport for stateless Streamable HTTP: one SDK Server serves every request.
 * Each incoming request id is rewritten to a process-unique id so concurrent clients that reuse
 * ids never collide, and the response is routed back to the HTTP exchange that asked.
 * (The SDK's own stateless mode builds a server and transport per request; this avoids that cost.)
 */
export class MultiplexTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly pending = new Map<string, { originalId: JsonRpcId; reply: Reply }>();
  private seq = 0;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.pending.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!('id' in message) || message.id === undefined || 'method' in message) return; // notifications and server requests have no HTTP exchange in stateless mode
    const key = String(message.id);
    const p = this.pending.get(key);
    if (!p) return; // cancelled: the client went away
    this.pending.delete(key);
    p.reply({ ...message, id: p.originalId });
  }

  /** Dispatches one request; resolves with its response. `abort` cancels the handler (client disconnect). */
  dispatch(
    message: JSONRPCMessage & { id: JsonRpcId; method: string },
    extra: MessageExtraInfo,
    abort: AbortSignal,
  ): Promise<JSONRPCMessage> {
    const internal = `m${++this.seq}`;
    return new Promise((resolve) => {
      this.pending.set(internal, { originalId: message.id, reply: resolve });
      abort.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(internal)) return;
          this.onmessage?.({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: internal, reason: 'client disconnected' },
          });
        },
        { once: true },
      );
      this.onmessage?.({ ...message, id: internal }, extra);
    });
  }

  notify(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }
}

interface DirectCall {
  id: JsonRpcId;
  name: string;
  args: Record<string, unknown>;
  meta: Record<string, unknown> | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `_meta` keys the SDK gives a meaning and checks (a progress token, a related task): a call
 * carrying one takes the SDK path, which refuses a malformed one.
 */
const SDK_META_KEYS = ['progressToken', 'io.modelcontextprotocol/related-task'];

/**
 * A well-formed, plain tools/call request (no task augmentation, no progress token), or null for
 * the SDK path. Only what the SDK would accept as it is: an id the SDK's schema refuses (an
 * integer past 2^53, which JSON.parse has already rounded to another) is the SDK's to refuse.
 */
function directToolCall(item: unknown): DirectCall | null {
  if (!isPlainObject(item) || item.jsonrpc !== '2.0' || item.method !== 'tools/call') return null;
  const { id, params } = item;
  if (!((typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isSafeInteger(id))))
    return null;
  if (!isPlainObject(params) || typeof params.name !== 'string' || 'task' in params) return null;
  for (const key of Object.keys(item))
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return null;
  const args = params.arguments;
  const meta = params._meta;
  if (args !== undefined && !isPlainObject(args)) return null;
  if (meta !== undefined && (!isPlainObject(meta) || SDK_META_KEYS.some((k) => k in meta))) return null;
  return { id, name: params.name, args: args ?? {}, meta };
}

export interface HttpOptions {
  host: string;
  port: number;
  authenticator: Authenticator;
}

interface Session<T extends Transport> {
  transport: T;
  server: Server;
  /** The endpoint that opened it: a session is used only where it was opened. */
  endpoint: string;
}

interface Endpoint {
  mcp: string;
  sse: string;
  messages: string;
  scope: McpScope;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function rpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  id: JsonRpcId | null = null,
): void {
  if (res.headersSent) return;
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id });
}

/** Responses smaller than this are sent as they are: compressing them costs more than it saves. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * gzip or br (the client's Accept-Encoding decides) for responses above the threshold: JSON
 * answers (stateless Streamable HTTP, the kit's default), resources, /metrics. SSE is never
 * compressed: a compressing stream holds bytes back until it is flushed, and the SDK marks its
 * streams `Cache-Control: no-transform`, so events leave exactly as written.
 */
function compressResponses() {
  return compression({
    threshold: COMPRESSION_THRESHOLD_BYTES,
    filter: (req, res) =>
      String(res.getHeader('Content-Type') ?? '').startsWith('text/event-stream')
        ? false
        : compression.filter(req, res),
  });
}

/** Builds the express app for one runtime; `listen` starts it and returns a closer with graceful drain. */
export function createHttpApp<B>(runtime: ServerRuntime<B>, opts: HttpOptions) {
  const cfg = runtime.config;
  const log = runtime.logger;
  // Before anything is built: an unauthenticated listener must not be reachable from elsewhere.
  assertAuthAllowedOnHost(opts.authenticator.kind, opts.host);
  // Every response is counted and /metrics serves the registry: a runtime made for stdio keeps none.
  if (!runtime.host.keepsMetrics)
    throw new ConfigError(
      'An HTTP server needs a runtime that keeps metrics: make it with transport "http" (or metrics: true).',
    );
  const metrics = (): Metrics => runtime.metrics!;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // With --port 0 the real port is known only once listening: everything derived from it is
  // recomputed in listen() (else Host checks, metadata URLs and the audience would name port 0).
  let publicBase = '';
  let resourceUri = '';
  let metadataUrl = '';
  let allowedHosts: string[] | null = null;
  let allowedOrigins: string[] = [];
  const derive = (port: number) => {
    publicBase = cfg.publicUrl ?? `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
    resourceUri = cfg.publicUrl ? new URL('/mcp', cfg.publicUrl).toString() : `${publicBase}/mcp`;
    metadataUrl = `${publicBase}/.well-known/oauth-protected-resource/mcp`;
    // DNS-rebinding protection: a loopback-bound server answers only to loopback Host names,
    // and any Origin must be allowed explicitly (browsers send one; agent hosts do not).
    allowedHosts =
      cfg.allowedHosts ??
      (LOOPBACK.has(opts.host) ? [...LOOPBACK].flatMap((h) => [h, `${h}:${port}`]) : null);
    allowedOrigins =
      cfg.allowedOrigins ?? (LOOPBACK.has(opts.host) ? [...LOOPBACK].map((h) => `http://${h}:${port}`) : []);
  };
  derive(opts.port);
  // X-Request-Id: the caller's (if well-formed) or a new one, echoed, and in the call's log line.
  app.use((req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.:@-]{1,128}$/.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => metrics().httpResponses.inc({ status: String(res.statusCode) }));
    next();
  });
  app.use(compressResponses());
  app.use((req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (allowedHosts && !allowedHosts.includes(host)) {
      rpcError(res, 403, -32000, 'Forbidden: Host header not allowed.');
      return;
    }
    const origin = req.headers.origin;
    if (origin && !allowedOrigins.includes(origin.toLowerCase())) {
      rpcError(res, 403, -32000, 'Forbidden: Origin not allowed.');
      return;
    }
    next();
  });

  let draining = false;
  let active = 0;
  app.use((req, res, next) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      rpcError(res, 503, -32000, 'Server is shutting down.');
      return;
    }
    active++;
    res.on('close', () => active--);
    next();
  });

  // Liveness, readiness and metrics: on the MCP port, or on their own admin port when one is set
  // (so they need not be reachable where the MCP endpoint is exposed).
  const admin = cfg.adminPort === undefined ? app : express();
  if (admin !== app) {
    admin.disable('x-powered-by');
    admin.set('etag', false);
  }
  // Liveness fails only for what a restart recovers (the embedded store, stopped by a failed write
  // or flush; an audit file left mid-record), so a liveness probe restarts the process; a
  // dependency that comes back is /readyz's.
  admin.get('/healthz', (_req, res) => {
    const failing = runtime.host.liveness();
    if (Object.keys(failing).length === 0) res.json({ status: 'ok', server: runtime.serverName });
    else res.status(503).json({ status: 'failing', server: runtime.serverName, checks: failing });
  });
  admin.get('/readyz', async (_req, res) => {
    const r = await runtime.readiness();
    const ok = r.ok && !draining;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks: r.checks });
  });
  admin.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics().registry.contentType);
    res.send(await metrics().registry.metrics());
  });
  if (admin !== app) admin.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
  const metadata = (_req: Request, res: Response) => {
    const issuer = runtime.kitEnv.PORTCULLIS_JWT_ISSUER;
    res.json({
      resource: runtime.kitEnv.PORTCULLIS_JWT_AUDIENCE ?? resourceUri,
      authorization_servers: opts.authenticator.kind === 'jwt' && issuer ? [issuer] : [],
      bearer_methods_supported: ['header'],
      resource_name: runtime.info.title,
    });
  };
  app.get('/.well-known/oauth-protected-resource', metadata);
  app.get('/.well-known/oauth-protected-resource/mcp', metadata);

  const jsonBody = express.json({ limit: cfg.bodyLimit, type: ['application/json', 'application/*+json'] });

  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const apiKey = req.headers['x-api-key'];
      req.principal = await opts.authenticator.authenticate(
        req.headers.authorization,
        typeof apiKey === 'string' ? apiKey : undefined,
      );
      next();
    } catch (err) {
      const ae = err instanceof AuthError ? err : new AuthError('invalid_token', 'Authentication failed.');
      log.info({ reason: ae.message, path: req.path }, 'request refused: unauthenticated');
      const presented = Boolean(req.headers.authorization || req.headers['x-api-key']);
      metrics().unauthenticated.inc({ reason: presented ? ae.errorCode : 'invalid_request' });
      const challenge = presented
        ? `Bearer error="${ae.errorCode}", error_description="${ae.message.replace(/"/g, "'")}", resource_metadata="${metadataUrl}"`
        : `Bearer resource_metadata="${metadataUrl}"`;
      res.setHeader('WWW-Authenticate', challenge);
      res
        .status(401)
        .json({ error: presented ? ae.errorCode : 'invalid_request', error_description: ae.message });
    }
  };

  const authInfoOf = (req: Request): AuthInfo => ({
    token: '',
    clientId: req.principal!.id,
    scopes: [],
    extra: { principal: req.principal },
  });

  // Streamable (stateful mode) and SSE sessions live apart: an id of one kind is unknown to the other.
  const sessions = new SessionRegistry<Session<StreamableHTTPServerTransport> | Session<SSEServerTransport>>({
    idleMs: cfg.sessionIdleMs,
    perPrincipal: cfg.sessionsPerPrincipal,
    close: (s, reason) => {
      if (reason !== 'shutdown')
        log.info(
          { session: s.transport.sessionId, reason },
          reason === 'idle'
            ? 'closing an idle session'
            : "closing the principal's least recently used session: it reached its session limit",
        );
      void s.server.close();
    },
  });
  const sessionLimited = (res: Response, err: SessionLimitError) =>
    rpcError(
      res,
      429,
      -32000,
      `Too many sessions: a principal may hold at most ${err.limit} open sessions, and all are still being initialized. Retry once one of them is done.`,
    );

  /**
   * One MCP endpoint (Streamable HTTP at `ep.mcp`, legacy HTTP+SSE at `ep.sse` + `ep.messages`)
   * serving a scope: every system, or one system of a multi-system host. Returns its shared
   * stateless server, for shutdown.
   */
  const mount = (ep: Endpoint): Server => {
    // Stateless Streamable HTTP: one server, one multiplexing transport.
    const mux = new MultiplexTransport();
    const sharedServer = createMcpServer(ep.scope, principalFromAuthInfo);
    const serverReady = sharedServer.connect(mux);

    const handleStateless = async (req: Request, res: Response) => {
      await serverReady;
      const pv = req.headers['mcp-protocol-version'];
      if (typeof pv === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) {
        rpcError(res, 400, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version: ${pv}`);
        return;
      }
      const body: unknown = req.body;
      const batch = Array.isArray(body);
      const items: unknown[] = batch ? body : [body];
      if (items.length === 0 || items.length > 100) {
        rpcError(
          res,
          400,
          ErrorCode.InvalidRequest,
          'Invalid Request: expected one JSON-RPC message (or a batch of at most 100).',
        );
        return;
      }
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const extra: MessageExtraInfo = { authInfo: authInfoOf(req), requestInfo: { headers: req.headers } };
      const replies: Promise<JSONRPCMessage>[] = [];
      for (const item of items) {
        const direct = directToolCall(item);
        if (direct) {
          replies.push(callToolDirect(req, direct, abort.signal));
          continue;
        }
        const parsed = JSONRPCMessageSchema.safeParse(item);
        if (!parsed.success) {
          const id = (item as { id?: unknown } | null)?.id;
          replies.push(
            Promise.resolve({
              jsonrpc: '2.0',
              id: typeof id === 'string' || typeof id === 'number' ? id : null,
              error: {
                code: ErrorCode.InvalidRequest,
                message: 'Invalid Request: not a JSON-RPC 2.0 message.',
              },
            } as unknown as JSONRPCMessage),
          );
          continue;
        }
        const msg = parsed.data;
        if ('method' in msg && 'id' in msg && msg.id !== undefined) {
          replies.push(mux.dispatch(msg, extra, abort.signal));
        } else if ('method' in msg) {
          if (msg.method !== 'notifications/cancelled') mux.notify(msg, extra); // ids are rewritten, so a client's cancel cannot address another's request
        }
      }
      if (replies.length === 0) {
        res.status(202).end();
        return;
      }
      const out = await Promise.all(replies);
      if (res.destroyed) return;
      res.status(200).json(batch ? out : out[0]);
    };

    /**
     * tools/call, the hot path, goes straight to the runtime: the same pipeline the SDK handler
     * calls, without re-parsing the message against every JSON-RPC and MCP schema on the way in and
     * out (those zod unions dominated the per-call cost). Anything unusual takes the SDK path.
     */
    const callToolDirect = async (
      req: Request,
      call: DirectCall,
      signal: AbortSignal,
    ): Promise<JSONRPCMessage> => {
      try {
        const tp = req.headers.traceparent;
        let principal = req.principal!;
        try {
          principal = await ep.scope.callerOf(principal, call.meta, {
            name: call.name,
            args: call.args,
            traceparent: typeof tp === 'string' ? tp : undefined,
            requestId: req.headers['x-request-id'] as string,
          });
        } catch (err) {
          if (!(err instanceof PortcullisError)) throw err;
          // Worded as the SDK path words it (an McpError from the handler).
          return {
            jsonrpc: '2.0',
            id: call.id,
            error: {
              code: ErrorCode.InvalidRequest,
              message: `MCP error ${ErrorCode.InvalidRequest}: ${err.message}`,
            },
          };
        }
        const result = await ep.scope.callTool(principal, call.name, call.args, {
          signal,
          meta: call.meta,
          traceparent: typeof tp === 'string' ? tp : undefined,
          requestId: req.headers['x-request-id'] as string,
        });
        return { jsonrpc: '2.0', id: call.id, result };
      } catch (err) {
        // Worded exactly as the SDK path words it, so a hidden tool still looks like any unknown one.
        if (err instanceof UnknownToolError)
          return {
            jsonrpc: '2.0',
            id: call.id,
            error: {
              code: ErrorCode.InvalidParams,
              message: `MCP error ${ErrorCode.InvalidParams}: ${err.message}`,
            },
          };
        log.error({ err }, 'tools/call failed');
        return {
          jsonrpc: '2.0',
          id: call.id,
          error: { code: ErrorCode.InternalError, message: 'Internal error' },
        };
      }
    };

    // Stateful sessions (opt-in): a server and transport per session, as the SDK documents.
    const handleStateful = async (req: Request, res: Response) => {
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') {
        const s = sessions.get('streamable', sid);
        if (!s || s.value.endpoint !== ep.mcp) {
          // The spec's answer for an unknown or expired session: the client starts a new one.
          rpcError(res, 404, -32001, 'Session not found.');
          return;
        }
        if (s.owner !== ownerKey(req.principal!)) {
          rpcError(res, 403, -32000, 'This session belongs to another principal.');
          return;
        }
        sessions.touch(s);
        await (s.value.transport as StreamableHTTPServerTransport).handleRequest(
          Object.assign(req, { auth: authInfoOf(req) }),
          res,
          req.body,
        );
        return;
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        rpcError(
          res,
          400,
          ErrorCode.InvalidRequest,
          'Bad Request: no valid session id; start with initialize.',
        );
        return;
      }
      let slot: ReturnType<typeof sessions.reserve>;
      try {
        slot = sessions.reserve(req.principal!);
      } catch (err) {
        if (err instanceof SessionLimitError) return sessionLimited(res, err);
        throw err;
      }
      let added = false;
      const server = createMcpServer(ep.scope, principalFromAuthInfo);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.add('streamable', id, slot.key, { transport, server, endpoint: ep.mcp });
          added = true;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete('streamable', transport.sessionId);
      };
      try {
        await server.connect(transport);
        await transport.handleRequest(Object.assign(req, { auth: authInfoOf(req) }), res, req.body);
      } finally {
        if (!added) {
          slot.release();
          void server.close();
        }
      }
    };

    const mcpRoute = async (req: Request, res: Response) => {
      try {
        if (cfg.httpMode === 'stateful') await handleStateful(req, res);
        else if (req.method === 'POST') await handleStateless(req, res);
        else {
          res.setHeader('Allow', 'POST');
          rpcError(res, 405, -32000, 'Method not allowed: this server is stateless; use POST.');
        }
      } catch (err) {
        log.error({ err }, 'MCP HTTP request failed');
        rpcError(res, 500, ErrorCode.InternalError, 'Internal error.');
      }
    };
    app.post(ep.mcp, authenticate, jsonBody, mcpRoute);
    app.get(ep.mcp, authenticate, mcpRoute);
    app.delete(ep.mcp, authenticate, mcpRoute);

    // Legacy HTTP+SSE (protocol 2024-11-05): GET /sse opens the stream, POST /messages?sessionId= sends.
    app.get(ep.sse, authenticate, async (req, res) => {
      let slot: ReturnType<typeof sessions.reserve>;
      try {
        slot = sessions.reserve(req.principal!);
      } catch (err) {
        if (err instanceof SessionLimitError) return sessionLimited(res, err);
        throw err;
      }
      const transport = new SSEServerTransport(ep.messages, res);
      const server = createMcpServer(ep.scope, principalFromAuthInfo);
      sessions.add('sse', transport.sessionId, slot.key, { transport, server, endpoint: ep.mcp });
      res.on('close', () => {
        sessions.delete('sse', transport.sessionId);
        void server.close();
      });
      await server.connect(transport);
    });
    app.post(ep.messages, authenticate, jsonBody, async (req, res) => {
      const sid = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
      const s = sessions.get('sse', sid);
      if (!s || s.value.endpoint !== ep.mcp) {
        rpcError(res, 404, -32001, 'Session not found.');
        return;
      }
      if (s.owner !== ownerKey(req.principal!)) {
        rpcError(res, 403, -32000, 'This session belongs to another principal.');
        return;
      }
      sessions.touch(s);
      await (s.value.transport as SSEServerTransport).handlePostMessage(
        Object.assign(req, { auth: authInfoOf(req) }) as IncomingMessage,
        res,
        req.body,
      );
    });
    return sharedServer;
  };
  const endpoints: Endpoint[] = [];
  const perSystem = runtime.surfaces.length > 1 ? cfg.httpPaths : 'shared';
  if (perSystem !== 'per-system')
    endpoints.push({ mcp: '/mcp', sse: '/sse', messages: '/messages', scope: runtime });
  if (perSystem !== 'shared')
    for (const s of runtime.surfaces) {
      const name = s.def.name;
      endpoints.push({
        mcp: `/mcp/${name}`,
        sse: `/sse/${name}`,
        messages: `/messages/${name}`,
        scope: runtime.scope(name),
      });
      // The per-system paths are parts of the host's one protected resource (same audience).
      app.get(`/.well-known/oauth-protected-resource/mcp/${name}`, metadata);
    }
  const sharedServers = endpoints.map(mount);

  /** A tool called over plain HTTP outside MCP: its result as JSON, or its error envelope with a status. */
  const toolOverHttp = async (
    res: Response,
    call: () => Promise<Awaited<ReturnType<typeof runtime.callTool>>>,
    hidden: { code: string; message: string; remediation: string },
  ): Promise<void> => {
    try {
      const result = await call();
      if (!result.isError) {
        res.status(200).json(result.structuredContent);
        return;
      }
      const env = result._meta['portcullis/error'] as { code: string; category: string };
      // Nothing ran because the audit trail cannot be written: the server is unavailable for the
      // moment (a client or a proxy retries a 503), not broken.
      const status =
        env.code === 'audit_unavailable'
          ? 503
          : ({
              forbidden: 403,
              not_found: 404,
              conflict: 409,
              validation: 400,
              rate_limited: 429,
              approval_required: 409,
              unauthenticated: 401,
            }[env.category] ?? 500);
      res.status(status).json({ error: env });
    } catch (err) {
      if (!(err instanceof UnknownToolError)) {
        // A failure around the call (finding the plan's system, the store): the server's, said
        // as one; calling it a refusal would send an approver looking at their roles.
        log.error({ err }, 'HTTP action failed');
        res.status(500).json({ error: errors.internal(err).toEnvelope('unrecorded') });
        return;
      }
      // The tool is hidden from this principal (policy never permits it). The attempt is audited.
      res.status(403).json({
        error: { ...hidden, category: 'forbidden', retryable: false, audit_id: err.auditId ?? 'unrecorded' },
      });
    }
  };

  // The approval channel outside the agent: the same approve tool, reached with an approver's credentials.
  if (runtime.hasApprovals) {
    app.post('/approvals/:planId', authenticate, async (req, res) => {
      await toolOverHttp(
        res,
        async () => {
          // On a multi-system host the plan names the system whose approve tool decides.
          const tool = (await runtime.approvalToolFor(String(req.params.planId), req.principal!.tenant))!;
          return runtime.callTool(req.principal!, tool, { plan_id: req.params.planId }, {});
        },
        {
          code: 'not_an_approver',
          message: 'You may not approve plans.',
          remediation: 'Ask a person holding the approver role.',
        },
      );
    });
  }

  // Operator endpoints a system declares (ServerDefinition.httpActions): a tool with the JSON body as arguments.
  for (const surface of runtime.surfaces) {
    for (const action of surface.def.httpActions ?? []) {
      app.post(action.path, authenticate, jsonBody, async (req, res) => {
        await toolOverHttp(
          res,
          () => runtime.callTool(req.principal!, action.tool, (req.body as unknown) ?? {}, {}),
          {
            code: 'not_permitted',
            message: `You may not call ${action.path}.`,
            remediation: 'Ask a person holding the role this endpoint needs.',
          },
        );
      });
    }
  }

  // Body-parser and other errors: JSON-RPC error envelopes, never HTML stack traces.
  app.use((err: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large')
      return rpcError(res, 413, ErrorCode.InvalidRequest, `Request body too large (limit ${cfg.bodyLimit}).`);
    if (err.type === 'entity.parse.failed')
      return rpcError(res, 400, ErrorCode.ParseError, 'Parse error: the body is not valid JSON.');
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported')
      return rpcError(res, 415, ErrorCode.InvalidRequest, 'Unsupported content encoding.');
    // Any other client-side body failure (e.g. a gzip/br body that does not decompress): the
    // client's fault, so a JSON-RPC parse error and no error-level log line per bad request.
    if (err.status === 400) {
      log.info({ err }, 'request refused: the body could not be read');
      return rpcError(res, 400, ErrorCode.ParseError, 'Parse error: the body could not be read.');
    }
    log.error({ err }, 'HTTP request failed');
    rpcError(
      res,
      err.status && err.status >= 400 && err.status < 500 ? err.status : 500,
      ErrorCode.InternalError,
      'Internal error.',
    );
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  const listen = async (): Promise<{
    url: string;
    /** Where /healthz, /readyz and /metrics are served when PORTCULLIS_ADMIN_PORT is set. */
    adminUrl?: string;
    port: number;
    close: () => Promise<void>;
    server: HttpServer;
  }> => {
    // Every response is counted and /metrics may be scraped before the store is open.
    await runtime.host.loadMetrics();
    const server = await new Promise<HttpServer>((resolve, reject) => {
      const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    server.requestTimeout = 120_000;
    // Outlive the usual 60 s load-balancer idle timeout, so the balancer closes idle connections
    // first and never sends a request on a socket this side is closing.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port;
    derive(port);
    let adminServer: HttpServer | undefined;
    if (admin !== app) {
      try {
        adminServer = await new Promise<HttpServer>((resolve, reject) => {
          const s = admin.listen(cfg.adminPort!, opts.host, (err?: Error) =>
            err ? reject(err) : resolve(s),
          );
        });
      } catch (err) {
        server.close();
        throw new Error(`admin port ${cfg.adminPort}: ${(err as Error).message}`);
      }
    }
    const adminAddr = adminServer?.address();
    const adminPort = typeof adminAddr === 'object' && adminAddr ? adminAddr.port : undefined;
    sessions.start();
    const stopReadinessChecks = runtime.startReadinessChecks(cfg.readyIntervalMs);
    const close = async () => {
      draining = true;
      stopReadinessChecks();
      server.close();
      adminServer?.close();
      sessions.closeAll();
      const deadline = Date.now() + cfg.shutdownTimeoutMs;
      while ((active > 0 || runtime.activeCalls > 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      adminServer?.closeAllConnections();
      await Promise.all(sharedServers.map((server) => server.close()));
      await runtime.close();
    };
    const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    return {
      url: `http://${hostPart}:${port}`,
      ...(adminPort !== undefined ? { adminUrl: `http://${hostPart}:${adminPort}` } : {}),
      port,
      close,
      server,
    };
  };
  return { app, listen };
}

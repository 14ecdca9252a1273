import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { FederatedContent, FederationRequest } from './definition.js';
import { PortcullisError, toPortcullisError, type ErrorEnvelope } from './errors.js';
import { UnknownToolError, type McpScope } from './runtime.js';
import { sharedJsonSchemaValidator } from './tool-entry.js';
import type { Principal } from './tool.js';
import { templateRegExp } from './uri-template.js';

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;
export type PrincipalOf = (extra: HandlerExtra) => Principal;

/** Reads the principal the HTTP layer attached to the request (authInfo.extra.principal). */
export const principalFromAuthInfo: PrincipalOf = (extra) => {
  const p = extra.authInfo?.extra?.principal as Principal | undefined;
  if (!p) throw new McpError(ErrorCode.InvalidRequest, 'Unauthenticated request.');
  return p;
};

/**
 * Builds an SDK Server whose every handler goes through the runtime (or one system's scope of it).
 * This is the registration seam: server packages never see the SDK.
 */
export function createMcpServer(runtime: McpScope, principalOf: PrincipalOf): Server {
  const info = runtime.info;
  const resources = runtime.resources();
  const prompts = runtime.prompts().map(({ item, surface }) => ({
    surface,
    pr: { ...item, arguments: item.arguments as z.ZodObject<Record<string, z.ZodType>> },
  }));
  const server = new Server(
    { name: info.name, version: info.version, title: info.title },
    {
      capabilities: {
        tools: { listChanged: runtime.toolsListChanged },
        logging: {},
        ...(resources.length || runtime.federates ? { resources: { listChanged: false } } : {}),
        ...(prompts.length || runtime.federates ? { prompts: { listChanged: false } } : {}),
      },
      instructions: info.instructions,
      jsonSchemaValidator: sharedJsonSchemaValidator,
    },
  );
  // The SDK answers a handler's error with the error's own message: a store's, a file system's or
  // an audit sink's words (a path, a driver's detail). Anything but a protocol error (McpError) is
  // logged here and answered as the HTTP direct path answers it: "Internal error", nothing more.
  const setRequestHandler = server.setRequestHandler.bind(server);
  server.setRequestHandler = ((schema: unknown, handler: (...args: unknown[]) => Promise<unknown>) =>
    (setRequestHandler as (s: unknown, h: (...args: unknown[]) => Promise<unknown>) => void)(
      schema,
      async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          if (err instanceof McpError) throw err;
          runtime.logger.error({ err }, 'MCP request failed');
          throw new McpError(ErrorCode.InternalError, 'Internal error');
        }
      },
    )) as typeof server.setRequestHandler;

  if (runtime.toolsListChanged) {
    // Connected clients hear of a changed tool list (stdio, stateful sessions; a stateless
    // exchange has no channel for it, and the multiplexing transport drops it).
    const off = runtime.onToolsChanged(() => {
      if (server.transport) server.sendToolListChanged().catch(() => undefined);
    });
    const prev = server.onclose;
    server.onclose = () => {
      off();
      prev?.();
    };
  }

  server.setRequestHandler(ListToolsRequestSchema, async (_req, extra) => ({
    tools: await runtime.listTools(principalOf(extra)),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    try {
      const headers = extra.requestInfo?.headers;
      let principal: Principal;
      try {
        principal = await runtime.callerOf(principalOf(extra), req.params._meta, {
          name: req.params.name,
          args: req.params.arguments ?? {},
          traceparent: headerOf(headers, 'traceparent'),
          requestId: headerOf(headers, 'x-request-id'),
        });
      } catch (err) {
        if (err instanceof PortcullisError) throw new McpError(ErrorCode.InvalidRequest, err.message);
        throw err;
      }
      return await runtime.callTool(principal, req.params.name, req.params.arguments ?? {}, {
        signal: extra.signal,
        meta: req.params._meta,
        traceparent: headerOf(headers, 'traceparent'),
        requestId: headerOf(headers, 'x-request-id'),
      });
    } catch (err) {
      if (err instanceof UnknownToolError) throw new McpError(ErrorCode.InvalidParams, err.message);
      throw err;
    }
  });

  // A read or get acts, like a call, as the caller a trusted broker asserts in `_meta`.
  const readerOf = async (
    extra: HandlerExtra,
    meta: Record<string, unknown> | undefined,
    request: { name: string; args: unknown },
  ) => {
    try {
      return await runtime.callerOf(principalOf(extra), meta, {
        ...request,
        traceparent: headerOf(extra.requestInfo?.headers, 'traceparent'),
        requestId: headerOf(extra.requestInfo?.headers, 'x-request-id'),
      });
    } catch (err) {
      if (err instanceof PortcullisError) throw new McpError(ErrorCode.InvalidRequest, err.message);
      throw err;
    }
  };

  // Federated resources and prompts (a broker's upstreams), each under its system's policy and audit.
  const federated = async (extra: HandlerExtra, p: Principal, meta?: Record<string, unknown>) => {
    return (await runtime.federated()).map((f) => ({
      content: f.content,
      req: f.request(p, extra.signal, meta),
    }));
  };
  const collect = async <T>(
    extra: HandlerExtra,
    list: (c: FederatedContent, req: FederationRequest) => Promise<T[]>,
  ): Promise<T[]> => {
    if (!runtime.federates) return [];
    return (
      await Promise.all((await federated(extra, principalOf(extra))).map((f) => list(f.content, f.req)))
    ).flat();
  };
  const refused = (error: ErrorEnvelope) => new McpError(ErrorCode.InvalidParams, JSON.stringify({ error }));

  if (resources.length > 0 || runtime.federates) {
    type M = (typeof resources)[number];
    const fixed = resources.filter((m) => !m.item.uri.includes('{'));
    const templates = resources.filter((m) => m.item.uri.includes('{'));
    const visible = async (m: M, p: Principal) =>
      !m.item.guardTool || (await runtime.isVisible(p, m.item.guardTool));
    const visibleOnes = async (list: M[], p: Principal) => {
      const flags = await Promise.all(list.map((m) => visible(m, p)));
      return list.filter((_m, i) => flags[i]).map((m) => m.item);
    };
    server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => {
      const p = principalOf(extra);
      return {
        resources: [
          ...(await visibleOnes(fixed, p)).map((r) => ({
            uri: r.uri,
            name: r.name,
            title: r.title,
            description: r.description,
            mimeType: r.mimeType,
          })),
          ...(await collect(extra, (c, req) => c.listResources(req))),
        ],
      };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async (_req, extra) => {
      const p = principalOf(extra);
      return {
        resourceTemplates: [
          ...(await visibleOnes(templates, p)).map((r) => ({
            uriTemplate: r.uri,
            name: r.name,
            title: r.title,
            description: r.description,
            mimeType: r.mimeType,
          })),
          ...(await collect(extra, (c, req) => c.listResourceTemplates(req))),
        ],
      };
    });
    const matchers = resources.map((m) => ({ m, re: templateRegExp(m.item.uri) }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
      const p = await readerOf(extra, req.params._meta, {
        name: 'resources/read',
        args: { uri: req.params.uri },
      });
      for (const { m, re } of matchers) {
        const match = re.exec(req.params.uri);
        if (!match || !(await visible(m, p))) continue;
        const r = m.item;
        const vars = { ...(match.groups ?? {}) };
        const uri = new URL(req.params.uri);
        let text: string;
        try {
          if (r.guardTool) {
            // A guarded read is the guard tool's call: same policy, same audit, same errors; the
            // content is computed once, by the resource's read.
            const res = await runtime.readGuardedResource(p, m, uri, vars, extra.signal);
            if ('error' in res)
              throw new McpError(ErrorCode.InvalidParams, JSON.stringify({ error: res.error }));
            text = res.text;
          } else {
            await runtime.ready;
            text = runtime.redactor.maskSecrets(
              await r.read(uri, vars, m.surface.resolveContext(p, extra.signal) as never),
            );
          }
        } catch (err) {
          if (err instanceof McpError) throw err;
          const pe = toPortcullisError(err);
          throw new McpError(
            ErrorCode.InvalidParams,
            pe.category === 'internal' ? 'The resource could not be read.' : pe.message,
          );
        }
        return { contents: [{ uri: req.params.uri, mimeType: r.mimeType ?? 'application/json', text }] };
      }
      if (runtime.federates)
        for (const f of await federated(extra, p, req.params._meta)) {
          const res = await f.content.readResource(f.req, req.params.uri);
          if (res === null) continue;
          if ('error' in res) throw refused(res.error);
          return res;
        }
      // -32002 is the code the MCP specification gives for an unknown resource.
      throw new McpError(-32002, `Resource not found: ${req.params.uri}`);
    });
  }

  if (prompts.length > 0 || runtime.federates) {
    server.setRequestHandler(ListPromptsRequestSchema, async (_req, extra) => ({
      prompts: [
        ...prompts.map(({ pr }) => ({
          name: pr.name,
          title: pr.title,
          description: pr.description,
          arguments: Object.entries(pr.arguments.shape).map(([name, s]) => ({
            name,
            description: s.description,
            required: !s.safeParse(undefined).success,
          })),
        })),
        ...(await collect(extra, (c, req) => c.listPrompts(req))),
      ],
    }));
    server.setRequestHandler(GetPromptRequestSchema, async (req, extra) => {
      const found = prompts.find((x) => x.pr.name === req.params.name);
      const p = await readerOf(extra, req.params._meta, {
        name: 'prompts/get',
        args: { name: req.params.name, arguments: req.params.arguments ?? {} },
      });
      if (!found && runtime.federates)
        for (const f of await federated(extra, p, req.params._meta)) {
          const res = await f.content.getPrompt(f.req, req.params.name, req.params.arguments ?? {});
          if (res === null) continue;
          if ('error' in res) throw refused(res.error);
          return res;
        }
      if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${req.params.name}`);
      const { pr, surface } = found;
      const parsed = pr.arguments.safeParse(req.params.arguments ?? {});
      if (!parsed.success)
        throw new McpError(
          ErrorCode.InvalidParams,
          `Invalid prompt arguments: ${parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      await runtime.ready;
      try {
        const res = await pr.get(parsed.data, surface.resolveContext(p, extra.signal));
        return {
          description: res.description,
          messages: res.messages.map((m) => ({
            role: m.role,
            content: { type: 'text' as const, text: m.text },
          })),
        };
      } catch (err) {
        const pe = err instanceof PortcullisError ? err : toPortcullisError(err);
        throw new McpError(
          ErrorCode.InvalidParams,
          pe.category === 'internal' ? 'The prompt could not be built.' : pe.message,
        );
      }
    });
  }
  return server;
}

function headerOf(headers: Record<string, string | string[] | undefined> | undefined, name: string) {
  const v = headers?.[name];
  return typeof v === 'string' ? v : undefined;
}

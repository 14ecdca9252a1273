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
import { PortcullisError, toPortcullisError } from './errors.js';
import type { ResourceDefinition } from './definition.js';
import { UnknownToolError, type ServerRuntime } from './runtime.js';
import type { Principal } from './tool.js';

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;
export type PrincipalOf = (extra: HandlerExtra) => Principal;

/** Reads the principal the HTTP layer attached to the request (authInfo.extra.principal). */
export const principalFromAuthInfo: PrincipalOf = (extra) => {
  const p = extra.authInfo?.extra?.principal as Principal | undefined;
  if (!p) throw new McpError(ErrorCode.InvalidRequest, 'Unauthenticated request.');
  return p;
};

/**
 * Builds an SDK Server whose every handler goes through the runtime. This is the registration seam:
 * server packages never see the SDK.
 */
export function createMcpServer<B>(runtime: ServerRuntime<B>, principalOf: PrincipalOf): Server {
  const def = runtime.def;
  const server = new Server(
    { name: runtime.serverName, version: def.version, title: def.title },
    {
      capabilities: {
        tools: { listChanged: false },
        logging: {},
        ...(def.resources?.length ? { resources: { listChanged: false } } : {}),
        ...(def.prompts?.length ? { prompts: { listChanged: false } } : {}),
      },
      instructions: def.instructions,
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async (_req, extra) => ({
    tools: await runtime.listTools(principalOf(extra)),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    try {
      return await runtime.callTool(principalOf(extra), req.params.name, req.params.arguments ?? {}, {
        signal: extra.signal,
        meta: req.params._meta,
      });
    } catch (err) {
      if (err instanceof UnknownToolError) throw new McpError(ErrorCode.InvalidParams, err.message);
      throw err;
    }
  });

  const resources = def.resources ?? [];
  if (resources.length > 0) {
    const fixed = resources.filter((r) => !r.uri.includes('{'));
    const templates = resources.filter((r) => r.uri.includes('{'));
    const visible = async (r: ResourceDefinition<B>, p: Principal) =>
      !r.guardTool || (await runtime.isVisible(p, r.guardTool));
    const visibleOnes = async (list: ResourceDefinition<B>[], p: Principal) => {
      const flags = await Promise.all(list.map((r) => visible(r, p)));
      return list.filter((_r, i) => flags[i]);
    };
    server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => {
      const p = principalOf(extra);
      return {
        resources: (await visibleOnes(fixed, p)).map((r) => ({
          uri: r.uri,
          name: r.name,
          title: r.title,
          description: r.description,
          mimeType: r.mimeType,
        })),
      };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async (_req, extra) => {
      const p = principalOf(extra);
      return {
        resourceTemplates: (await visibleOnes(templates, p)).map((r) => ({
          uriTemplate: r.uri,
          name: r.name,
          title: r.title,
          description: r.description,
          mimeType: r.mimeType,
        })),
      };
    });
    const matchers = resources.map((r) => ({ r, re: templateRegExp(r.uri) }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
      const p = principalOf(extra);
      for (const { r, re } of matchers) {
        const m = re.exec(req.params.uri);
        if (!m || !(await visible(r, p))) continue;
        const vars = { ...(m.groups ?? {}) };
        if (r.guardTool) {
          // A guarded read is the guard tool's call: same policy, same audit, same errors.
          const res = await runtime.callTool(p, r.guardTool, vars, { signal: extra.signal });
          if (res.isError)
            throw new McpError(ErrorCode.InvalidParams, res.content[0]?.text ?? 'read refused');
        }
        await runtime.ready;
        try {
          const text = await r.read(new URL(req.params.uri), vars, {
            principal: p,
            backend: runtime.kitBackend,
            signal: extra.signal,
            logger: runtime.logger,
          });
          return {
            contents: [
              {
                uri: req.params.uri,
                mimeType: r.mimeType ?? 'application/json',
                text: runtime.redactor.maskSecrets(text),
              },
            ],
          };
        } catch (err) {
          const pe = toPortcullisError(err);
          throw new McpError(
            ErrorCode.InvalidParams,
            pe.category === 'internal' ? 'The resource could not be read.' : pe.message,
          );
        }
      }
      // -32002 is the code the MCP specification gives for an unknown resource.
      throw new McpError(-32002, `Resource not found: ${req.params.uri}`);
    });
  }

  const prompts = (def.prompts ?? []).map((pr) => ({
    ...pr,
    arguments: pr.arguments as z.ZodObject<Record<string, z.ZodType>>,
  }));
  if (prompts.length > 0) {
    server.setRequestHandler(ListPromptsRequestSchema, () => ({
      prompts: prompts.map((pr) => ({
        name: pr.name,
        title: pr.title,
        description: pr.description,
        arguments: Object.entries(pr.arguments.shape).map(([name, s]) => ({
          name,
          description: s.description,
          required: !s.safeParse(undefined).success,
        })),
      })),
    }));
    server.setRequestHandler(GetPromptRequestSchema, async (req, extra) => {
      const pr = prompts.find((x) => x.name === req.params.name);
      if (!pr) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${req.params.name}`);
      const parsed = pr.arguments.safeParse(req.params.arguments ?? {});
      if (!parsed.success)
        throw new McpError(
          ErrorCode.InvalidParams,
          `Invalid prompt arguments: ${parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      await runtime.ready;
      try {
        const res = await pr.get(parsed.data, {
          principal: principalOf(extra),
          backend: runtime.kitBackend,
          signal: extra.signal,
          logger: runtime.logger,
        });
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

function templateRegExp(uri: string): RegExp {
  const escaped = uri.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, (_m, name: string) => `(?<${name}>[^/?#]+)`)}$`);
}

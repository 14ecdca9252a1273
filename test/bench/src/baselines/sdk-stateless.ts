/**
 * Baseline (b): a bare MCP SDK server in stateless mode exactly as the SDK documents it
 * (src/examples/server/simpleStatelessStreamableHttp.ts): createMcpExpressApp, and a NEW McpServer
 * plus a NEW StreamableHTTPServerTransport({ sessionIdGenerator: undefined }) per request, here with
 * JSON responses. One echo tool with the same input/output shape as the kit's.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod/v4';
import { ECHO_TOOL, serve } from './common.js';
import { statelessApp } from './stateless.js';

const getServer = () => {
  const server = new McpServer({ name: 'bench-sdk-stateless', version: '1.0.0' });
  server.registerTool(
    ECHO_TOOL,
    {
      description: 'Returns the message it is given.',
      inputSchema: { message: z.string().max(4096) },
      outputSchema: { message: z.string() },
    },
    async ({ message }) => ({ content: [{ type: 'text', text: message }], structuredContent: { message } }),
  );
  return server;
};

const app = statelessApp(getServer);

serve(app, 'sdk-stateless');

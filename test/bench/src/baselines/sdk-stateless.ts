/**
 * Baseline (b): a bare MCP SDK server in stateless mode exactly as the SDK documents it
 * (src/examples/server/simpleStatelessStreamableHttp.ts): createMcpExpressApp, and a NEW McpServer
 * plus a NEW StreamableHTTPServerTransport({ sessionIdGenerator: undefined }) per request, here with
 * JSON responses. One echo tool with the same input/output shape as the kit's.
 */
import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod/v4';
import { ECHO_TOOL, serve } from './common.js';

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

const app = createMcpExpressApp();

app.post('/mcp', async (req: Request, res: Response) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
  } catch {
    if (!res.headersSent)
      res
        .status(500)
        .json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  }
});

serve(app, 'sdk-stateless');

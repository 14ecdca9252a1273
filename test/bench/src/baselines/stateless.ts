import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/**
 * The SDK's documented stateless pattern (src/examples/server/simpleStatelessStreamableHttp.ts):
 * createMcpExpressApp, and a NEW McpServer from `getServer` plus a NEW
 * StreamableHTTPServerTransport({ sessionIdGenerator: undefined }) per request, here with JSON
 * responses. Shared by the stateless baselines so they differ only in their tools.
 */
export function statelessApp(getServer: () => McpServer): ReturnType<typeof createMcpExpressApp> {
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
  return app;
}

/**
 * Baseline (c): a bare MCP SDK server with sessions, as the SDK documents it (a transport and
 * server per session, keyed by Mcp-Session-Id), with JSON responses. The bench initializes once
 * and then sends every call with the session header.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod/v4';
import { ECHO_TOOL, serve } from './common.js';

const getServer = () => {
  const server = new McpServer({ name: 'bench-sdk-session', version: '1.0.0' });
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

const transports: Record<string, StreamableHTTPServerTransport> = {};
const app = createMcpExpressApp();

app.post('/mcp', async (req: Request, res: Response) => {
  try {
    const sessionId = req.headers['mcp-session-id'];
    let transport: StreamableHTTPServerTransport;
    if (typeof sessionId === 'string' && transports[sessionId]) {
      transport = transports[sessionId];
    } else if (sessionId === undefined && isInitializeRequest(req.body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => {
          transports[id] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await getServer().connect(transport);
    } else {
      res.status(400).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
        id: null,
      });
      return;
    }
    await transport.handleRequest(req, res, req.body);
  } catch {
    if (!res.headersSent)
      res
        .status(500)
        .json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  }
});

serve(app, 'sdk-session');

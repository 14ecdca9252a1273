/**
 * Baseline (d): no MCP SDK at all. An express JSON handler that answers the same JSON-RPC
 * tools/call with a hand-built result: the floor for "HTTP + JSON in Node".
 */
import express, { type Request, type Response } from 'express';
import { ECHO_TOOL, serve } from './common.js';

interface RpcBody {
  id?: string | number;
  method?: string;
  params?: { name?: string; arguments?: { message?: unknown } };
}

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/mcp', (req: Request, res: Response) => {
  const body = req.body as RpcBody | undefined;
  if (
    body?.method !== 'tools/call' ||
    body.params?.name !== ECHO_TOOL ||
    typeof body.params.arguments?.message !== 'string'
  ) {
    res
      .status(400)
      .json({ jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params' }, id: body?.id ?? null });
    return;
  }
  const message = body.params.arguments.message;
  res.json({
    jsonrpc: '2.0',
    id: body.id ?? null,
    result: { content: [{ type: 'text', text: message }], structuredContent: { message } },
  });
});

serve(app, 'raw-express');

/**
 * Baselines for the crm_get_account comparison: the same account read the CRM tool does, with no
 * control around it (no identity, policy, rate limit or audit), on a store of its own.
 *
 *   node account-read.js sdk <dataDir>       (f) SDK stateless, as the SDK documents it: a NEW
 *                                                McpServer + StreamableHTTPServerTransport per request
 *   node account-read.js express <dataDir>   (g) a raw express JSON-RPC handler (no SDK)
 *
 * Both open the kit's embedded store (PGlite, the same settings the CRM gets) on their own data
 * directory, run the CRM migrations and seed the demo data, and answer tools/call
 * `crm_get_account { id }` with what the CRM's handler returns: the account row, then its first 10
 * contacts (names and titles only), its first 10 open opportunities and its 5 most recent
 * activities, through the CRM's own EmbeddedBackend (the same SQL: two statements).
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod/v4';
import { CursorCodec } from '@portcullis/core/cursor';
import { migrate, openStore } from '@portcullis/core/store';
import { EmbeddedBackend, migrations, storeExtensions } from '@portcullis/crm';
import { serve } from './common.js';
import { statelessApp } from './stateless.js';

const TOOL = 'crm_get_account';
/** The tenant every call reads (the bench's token carries the same one for the CRM). */
const TENANT = 'acme';

const mode = process.argv[2];
const dataDir = process.argv[3];
if ((mode !== 'sdk' && mode !== 'express') || !dataDir) {
  process.stderr.write('usage: account-read.js sdk|express <dataDir>\n');
  process.exit(2);
}

const store = await openStore({ dataDir, extensions: storeExtensions });
await migrate(store, 'crm', migrations);
const backend = await EmbeddedBackend.open(store, { seed: true, cursors: new CursorCodec(randomBytes(32)) });

/**
 * The CRM's work for crm_get_account (servers/crm/src/tools/accounts.ts): the account (the CRM
 * reads it once, in the resolver that gives policy its attributes), then its contacts, open
 * opportunities and recent activities in the embedded backend's one statement (accountRelated).
 */
async function readAccount(id: string): Promise<Record<string, unknown> | null> {
  const account = await backend.getAccount(TENANT, id);
  if (account === null) return null;
  const related = await backend.accountRelated(TENANT, id, { size: 10, recent: 5 });
  return {
    account,
    contacts: {
      total: related.contacts.total,
      items: related.contacts.items.map((c) => ({
        id: c.id,
        first_name: c.first_name,
        last_name: c.last_name,
        title: c.title,
      })),
    },
    open_opportunities: related.openOpportunities,
    recent_activities: related.activities,
  };
}

const ID = z.string().min(1).max(64);
const record = z.record(z.string(), z.unknown());
const summaryShape = {
  account: record,
  contacts: z.object({ total: z.number().int(), items: z.array(record) }),
  open_opportunities: z.object({ total: z.number().int(), items: z.array(record) }),
  recent_activities: z.array(record),
};

function sdkApp(): express.Express {
  const getServer = () => {
    const server = new McpServer({ name: 'bench-sdk-stateless-account', version: '1.0.0' });
    server.registerTool(
      TOOL,
      {
        description: 'Get one account with its contacts, open opportunities and recent activities.',
        inputSchema: { id: ID },
        outputSchema: summaryShape,
      },
      async ({ id }) => {
        const summary = await readAccount(id);
        if (summary === null)
          return { content: [{ type: 'text', text: `Account ${id} not found.` }], isError: true };
        return { content: [{ type: 'text', text: JSON.stringify(summary) }], structuredContent: summary };
      },
    );
    return server;
  };
  return statelessApp(getServer);
}

interface RpcBody {
  id?: string | number;
  method?: string;
  params?: { name?: string; arguments?: { id?: unknown } };
}

function expressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.post('/mcp', async (req: Request, res: Response) => {
    const body = req.body as RpcBody | undefined;
    const parsed = ID.safeParse(body?.params?.arguments?.id);
    if (body?.method !== 'tools/call' || body.params?.name !== TOOL || !parsed.success) {
      res
        .status(400)
        .json({ jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params' }, id: body?.id ?? null });
      return;
    }
    try {
      const summary = await readAccount(parsed.data);
      res.json({
        jsonrpc: '2.0',
        id: body.id ?? null,
        result:
          summary === null
            ? { content: [{ type: 'text', text: `Account ${parsed.data} not found.` }], isError: true }
            : { content: [{ type: 'text', text: JSON.stringify(summary) }], structuredContent: summary },
      });
    } catch {
      res
        .status(500)
        .json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  });
  return app;
}

serve(mode === 'sdk' ? sdkApp() : expressApp(), `account-read-${mode}`);

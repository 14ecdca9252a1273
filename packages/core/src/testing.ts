import { readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { AuditRecord } from './audit.js';
import type { ServerDefinition } from './definition.js';
import type { ErrorEnvelope } from './errors.js';
import { createMcpServer } from './mcp.js';
import { AUDIT_META_KEY, ERROR_META_KEY, ServerRuntime } from './runtime.js';
import type { Principal } from './tool.js';

export interface ToolCallOutcome {
  isError: boolean;
  /** structuredContent of a successful call. */
  structured: Record<string, unknown> | undefined;
  /** The error envelope of a failed call. */
  envelope: ErrorEnvelope | undefined;
  auditId: string | undefined;
  text: string;
  raw: Record<string, unknown>;
}

export interface InProcessClient {
  client: Client;
  principal: Principal;
  callTool(
    name: string,
    args?: Record<string, unknown>,
    meta?: Record<string, unknown>,
  ): Promise<ToolCallOutcome>;
  listToolNames(): Promise<string[]>;
  close(): Promise<void>;
}

export interface InProcessHarness<B> extends InProcessClient {
  runtime: ServerRuntime<B>;
  dataDir: string;
  /** Another real client on the same runtime, acting as a different principal. */
  as(principal: Partial<Principal> & { id: string }): Promise<InProcessClient>;
  /** The audit records written so far (file sink). */
  auditRecords(): AuditRecord[];
  auditFile: string;
}

export interface InProcessOptions {
  principal?: Partial<Principal> & { id: string };
  env?: Record<string, string>;
  dataDir?: string;
  /** Keep Prometheus metrics (true, as over HTTP: tests read the counters); false as a stdio process. */
  metrics?: boolean;
}

function fullPrincipal(p: Partial<Principal> & { id: string }): Principal {
  return { roles: [], tenant: 'default', attributes: {}, onBehalfOf: null, via: 'stdio', ...p };
}

/** Starts a server in-process with a real SDK Client over an in-memory transport (never a mocked SDK). */
export async function startInProcess<B>(
  def: ServerDefinition<B>,
  opts: InProcessOptions = {},
): Promise<InProcessHarness<B>> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `portcullis-${def.name}-`));
  const env: NodeJS.ProcessEnv = {
    PORTCULLIS_LOG_LEVEL: 'silent',
    ...opts.env,
    PORTCULLIS_DATA_DIR: dataDir,
  };
  // Metrics kept as over HTTP unless asked: tests read the counters, some serve this runtime over HTTP.
  const runtime = new ServerRuntime(def, { env, transport: 'stdio', metrics: opts.metrics ?? true });
  try {
    await runtime.ready;
  } catch (err) {
    await runtime.close().catch(() => undefined);
    throw err;
  }
  const clients: InProcessClient[] = [];

  const connect = async (p: Principal): Promise<InProcessClient> => {
    const server = createMcpServer(runtime, () => p);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'portcullis-test', version: '1.0.0' });
    await client.connect(clientSide);
    await client.listTools(); // primes the client's output-schema validators, as real clients do
    const c: InProcessClient = {
      client,
      principal: p,
      async callTool(name, args = {}, meta) {
        const raw = (await client.callTool({
          name,
          arguments: args,
          ...(meta ? { _meta: meta } : {}),
        })) as Record<string, unknown>;
        const m = (raw._meta ?? {}) as Record<string, unknown>;
        const content = (raw.content ?? []) as { type: string; text?: string }[];
        return {
          isError: raw.isError === true,
          structured: raw.structuredContent as Record<string, unknown> | undefined,
          envelope: m[ERROR_META_KEY] as ErrorEnvelope | undefined,
          auditId: m[AUDIT_META_KEY] as string | undefined,
          text: content.map((x) => x.text ?? '').join('\n'),
          raw,
        };
      },
      async listToolNames() {
        return (await client.listTools()).tools.map((t) => t.name).sort();
      },
      async close() {
        await client.close();
        await server.close();
      },
    };
    clients.push(c);
    return c;
  };

  const main = await connect(
    fullPrincipal(opts.principal ?? { id: 'test-user', roles: ['admin'], tenant: 'default' }),
  );
  const auditFile = opts.env?.PORTCULLIS_AUDIT?.startsWith('file:')
    ? opts.env.PORTCULLIS_AUDIT.slice(5)
    : join(dataDir, 'audit', `${runtime.serverName}.audit.jsonl`);
  return {
    ...main,
    runtime,
    dataDir,
    auditFile,
    as: (p) => connect(fullPrincipal(p)),
    auditRecords: () =>
      existsSync(auditFile)
        ? readFileSync(auditFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditRecord)
        : [],
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await runtime.close();
    },
  };
}

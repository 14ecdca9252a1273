import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { compileCacheOutcome } from './compile-cache.js';
import type { ServerDefinition } from './definition.js';
import { ConfigError } from './errors.js';
import { prepareApart, stopWithParent } from './first-start.js';
import {
  ApiKeyAuthenticator,
  JwtAuthenticator,
  NoAuthAuthenticator,
  jwtSettingsFromEnv,
  stdioPrincipal,
  type Authenticator,
} from './identity.js';
import { createMcpServer } from './mcp.js';
import { ServerRuntime } from './runtime.js';
import { tuneV8 } from './v8-tuning.js';

const USAGE = (
  name: string,
  port: number,
) => `Usage: portcullis-${name} [--transport stdio|http] [--host 127.0.0.1] [--port ${port}]

  --transport  stdio (default; for Claude Desktop / Claude Code) or http (Streamable HTTP at /mcp,
               legacy SSE at /sse + /messages, /healthz, /readyz, /metrics)
  --host       interface to bind for http (default 127.0.0.1)
  --port       port for http (default ${port}; 0 picks a free one)
  --prepare    prepare the data directory (store, migrations, demo data, policy cache) and exit
Configuration comes from environment variables (see the server README).`;

export function buildAuthenticator<B>(runtime: ServerRuntime<B>, resourceUri: string): Authenticator {
  const cfg = runtime.config;
  switch (cfg.auth) {
    case 'jwt':
      return new JwtAuthenticator(jwtSettingsFromEnv(runtime.kitEnv, resourceUri));
    case 'apikey':
      return ApiKeyAuthenticator.fromFile(cfg.apiKeysFile, cfg.production);
    case 'none':
      runtime.logger.warn(
        'PORTCULLIS_AUTH=none: every HTTP caller acts as the configured local principal (development only).',
      );
      return new NoAuthAuthenticator(stdioPrincipal(runtime.kitEnv));
  }
}

/** How a multi-system host is named and where it listens by default. */
export interface HostCliOptions {
  name: string;
  defaultPort: number;
  title?: string;
  instructions?: string;
}

/** Choices a server's CLI makes for its own start. */
export interface CliOptions {
  /**
   * A data directory's first start runs in a separate process (`--prepare`, first-start.ts), so the
   * memory it leaves behind is not this process's: for the broker, whose local systems' first
   * start together weighs ~40 MiB. Costs that start the child's time (a few seconds, once). The
   * child is this process's own command line (`process.argv`) again with `--prepare`: for a CLI
   * whose main script is the server, as every Portcullis bin is.
   */
  firstStartApart?: boolean;
}

/**
 * The common command line of every server (docs/architecture.md section 6); a server's cli.ts is
 * one call to this. Given several definitions, it mounts them all on one host (one store, one
 * audit chain, one limiter) behind one MCP endpoint.
 */
export async function runServerCli<B>(
  defs: ServerDefinition<B> | readonly ServerDefinition<any>[], // eslint-disable-line @typescript-eslint/no-explicit-any
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  hostOpts?: HostCliOptions,
  cliOpts: CliOptions = {},
): Promise<void> {
  const list = Array.isArray(defs) ? defs : [defs as ServerDefinition<B>];
  const first = list[0] as ServerDefinition<B>;
  const def =
    list.length === 1 || !hostOpts
      ? {
          name: list.length === 1 ? first.name : 'host',
          defaultPort: first.defaultPort,
          version: first.version,
        }
      : { name: hostOpts.name, defaultPort: hostOpts.defaultPort, version: first.version };
  // Everything this process creates (the embedded database writes 0666, the audit trail, keys)
  // is for its own user only (docs/architecture.md section 5).
  process.umask(0o077);
  const fail = (msg: string): never => {
    process.stderr.write(`portcullis-${def.name}: ${msg}\n`);
    process.exit(1);
  };
  let values: {
    transport?: string;
    host?: string;
    port?: string;
    help?: boolean;
    version?: boolean;
    prepare?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        transport: { type: 'string', default: 'stdio' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: String(def.defaultPort) },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        prepare: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE(def.name, def.defaultPort)}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE(def.name, def.defaultPort)}\n`);
    return;
  }
  if (values.version) {
    process.stdout.write(`${def.version}\n`);
    return;
  }
  const transport = values.transport;
  if (transport !== 'stdio' && transport !== 'http')
    return fail(`--transport must be stdio or http, not ${transport}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return fail(`--port must be a port number, not ${values.port}`);
  const host = values.host ?? '127.0.0.1';
  tuneV8({ transport, preparing: values.prepare === true }, env);

  let runtime: ServerRuntime<B>;
  try {
    runtime = new ServerRuntime<B>(list.length === 1 ? first : list, {
      env,
      transport,
      name: def.name,
      title: hostOpts?.title,
      instructions: hostOpts?.instructions,
      preparing: values.prepare === true,
      ...(cliOpts.firstStartApart && !values.prepare
        ? {
            beforeFirstStart: (signal: AbortSignal) =>
              // This very command line (a server's own options included), again with --prepare.
              prepareApart({
                args: process.argv.slice(1),
                env,
                logger: runtime.logger,
                dataDir: runtime.config.dataDir,
                signal,
              }),
          }
        : {}),
    });
  } catch (err) {
    return fail(err instanceof ConfigError ? err.message : `start-up failed: ${(err as Error).message}`);
  }
  // A stray rejection in a dependency must not take down a server other callers rely on: log it loudly.
  process.on('unhandledRejection', (err) =>
    runtime.logger.error({ err }, 'unhandled promise rejection (server kept running)'),
  );
  runtime.ready.catch((err: unknown) => {
    runtime.logger.fatal({ err }, 'start-up failed');
    fail(
      err instanceof ConfigError
        ? err.message
        : `start-up failed: ${runtime.redactor.redactString((err as Error).message)}`,
    );
  });

  if (values.prepare) {
    // Everything a start does before it serves (store, migrations, demo data, policy cache), then exit.
    stopWithParent();
    await runtime.ready.catch(() => new Promise(() => undefined)); // a failure exits above
    try {
      await runtime.close();
    } catch (err) {
      fail(`closing after --prepare failed: ${runtime.redactor.redactString((err as Error).message)}`);
    }
    runtime.logger.info({ dataDir: runtime.config.dataDir }, 'data directory prepared');
    process.exit(0);
  }

  let shuttingDown = false;
  const onSignal = (close: () => Promise<void>) => async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    runtime.logger.info('shutting down');
    try {
      await close();
    } catch (err) {
      runtime.logger.error({ err }, 'shutdown failed');
    }
    process.exit(0);
  };

  if (transport === 'stdio') {
    const principal = stdioPrincipal(env);
    const server = createMcpServer(runtime, () => principal);
    const stdio = new StdioServerTransport();
    const close = async () => {
      const deadline = Date.now() + runtime.config.shutdownTimeoutMs;
      while (runtime.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await server.close();
      await runtime.close();
    };
    process.on('SIGTERM', () => void onSignal(close)());
    process.on('SIGINT', () => void onSignal(close)());
    process.stdin.on('end', () => void onSignal(close)());
    await server.connect(stdio);
    runtime.logger.info(
      { principal: principal.id, tenant: principal.tenant, roles: principal.roles },
      'serving MCP over stdio',
    );
    runtime.logger.debug({ compileCache: compileCacheOutcome() }, 'module compile cache');
    return;
  }

  let authenticator: Authenticator;
  const base = runtime.config.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    authenticator = buildAuthenticator(runtime, new URL('/mcp', base).toString());
  } catch (err) {
    return fail(err instanceof ConfigError ? err.message : `start-up failed: ${(err as Error).message}`);
  }
  // Built above to fail fast on bad settings; with --port 0 it is rebuilt once the real port is
  // known, so the default JWT audience names this server's actual resource URI.
  const auth: Authenticator = {
    kind: authenticator.kind,
    authenticate: (a, k) => authenticator.authenticate(a, k),
  };
  const { createHttpApp } = await import('./http.js');
  let listen: ReturnType<typeof createHttpApp>['listen'];
  try {
    ({ listen } = createHttpApp(runtime, { host, port, authenticator: auth }));
  } catch (err) {
    return fail(err instanceof ConfigError ? err.message : `start-up failed: ${(err as Error).message}`);
  }
  let handle: Awaited<ReturnType<typeof listen>>;
  try {
    handle = await listen();
  } catch (err) {
    return fail(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  if (port === 0 && authenticator.kind === 'jwt' && !runtime.config.publicUrl)
    authenticator = buildAuthenticator(runtime, `${handle.url}/mcp`);
  process.on('SIGTERM', () => void onSignal(handle.close)());
  process.on('SIGINT', () => void onSignal(handle.close)());
  // Announce only once the store, audit sink and policies are up (a failed start-up exits above).
  await runtime.ready.catch(() => new Promise(() => undefined));
  const paths = runtime.surfaces.length > 1 ? runtime.config.httpPaths : 'shared';
  runtime.logger.info(
    {
      ...(paths === 'per-system' ? {} : { url: `${handle.url}/mcp` }),
      ...(paths === 'shared'
        ? {}
        : {
            systems: Object.fromEntries(
              runtime.surfaces.map((s) => [s.def.name, `${handle.url}/mcp/${s.def.name}`]),
            ),
          }),
      ...(handle.adminUrl ? { admin: handle.adminUrl } : {}),
      auth: authenticator.kind,
      mode: runtime.config.httpMode,
    },
    'serving MCP over HTTP',
  );
}

/**
 * Drives a BUILT Portcullis CLI over stdio with the official MCP Inspector CLI
 * (`@modelcontextprotocol/inspector-cli`, bin `mcp-inspector-cli`), as a developer would check a
 * server by hand:
 *
 *   mcp-inspector-cli --cli -e PORTCULLIS_PRINCIPAL=... node servers/<name>/dist/cli.js --method tools/list
 *
 * The server's settings reach it only through the inspector's `-e KEY=VALUE` options: the
 * inspector's own environment is stripped of every PORTCULLIS_* (and the server's own prefix), so
 * an answer that depends on the principal proves the options arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The inspector CLI's entry script, from its package.json `bin`. */
function inspectorBin(): string {
  const pkgPath = require.resolve('@modelcontextprotocol/inspector-cli/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(pkgPath), pkg.bin['mcp-inspector-cli']!);
}

export interface InspectorResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Inspector {
  /** Runs `mcp-inspector-cli --cli ... node <cli> <method...>` and resolves when it exits. */
  run(method: string[]): Promise<InspectorResult>;
  /** Kills every inspector still running (each in its own process group: inspector → CLI → server). */
  close(): void;
}

export interface InspectorOptions {
  /** Absolute path to the server's built CLI (servers/<name>/dist/cli.js). */
  cli: string;
  /** KEY=VALUE settings passed to the server with `-e`. */
  serverEnv: string[];
  /** Environment prefixes of the server's own settings (e.g. `CRM_`), removed from the inspector's environment. */
  stripPrefixes?: string[];
}

export function createInspector(options: InspectorOptions): Inspector {
  const bin = inspectorBin();
  const children = new Set<ChildProcess>();
  const strip = ['PORTCULLIS_', 'VITEST', 'npm_', 'AWS_', ...(options.stripPrefixes ?? [])];

  const cleanEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined) continue;
      if (strip.some((p) => k.startsWith(p))) continue;
      if (['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'TEST'].includes(k)) continue;
      env[k] = v;
    }
    return { ...env, NO_COLOR: '1' };
  };

  return {
    run(method) {
      const args = [
        bin,
        '--cli',
        ...options.serverEnv.flatMap((kv) => ['-e', kv]),
        process.execPath,
        options.cli,
        ...method,
      ];
      return new Promise((resolve) => {
        // cwd: inspector-cli 1.0.3 looks for its package.json at "../package.json" relative to the
        // working directory (then imports it relative to its module), so it must run from its build/ folder.
        const p = spawn(process.execPath, args, {
          cwd: dirname(bin),
          env: cleanEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        children.add(p);
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        p.once('close', (code) => {
          children.delete(p);
          resolve({ code, stdout, stderr });
        });
      });
    },
    close() {
      for (const p of children) {
        if (p.pid === undefined) continue;
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      children.clear();
    },
  };
}

/**
 * Shared by the distribution suites: the repo root, the distribution list, npm runs that see nothing
 * of the workspace, and stdio clients of an installed or unpacked server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { trackPid } from '@portcullis/test-support/servers';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Setting {
  env: string;
  key: string;
  title: string;
  description: string;
  default?: string;
  credential?: boolean;
}
export interface DistEntry {
  system: string;
  dir: string;
  settings: Setting[];
}
export interface Distribution {
  namespace: string;
  repository: string;
  image: string;
  remoteUrlTemplate: string;
  pending: string[];
  servers: DistEntry[];
}
export interface PackageJson {
  name: string;
  version: string;
  description: string;
  private?: boolean;
  license?: string;
  mcpName?: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory: string };
  engines: { node: string };
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  portcullis?: { demoPrincipals: { principal: string; roles: string[]; tenant: string }[] };
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
export const DIST = readJson<Distribution>(join(ROOT, 'scripts', 'distribution.json'));
export const pkgOf = (dir: string): PackageJson => readJson<PackageJson>(join(ROOT, dir, 'package.json'));

/** The environment without npm's npm_* variables: an npm started from `npm test` must not see the workspace. */
export function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return env;
}

export function npm(args: string[], cwd: string, timeoutMs = 300_000): string {
  return execFileSync('npm', args, {
    cwd,
    env: npmEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** `npm pack` of workspace folders into `dest`, as npm publish would pack them. */
export function pack(dirs: string[], dest: string): Packed[] {
  return JSON.parse(
    npm(['pack', '--json', '--pack-destination', dest, ...dirs.flatMap((d) => ['-w', d])], ROOT),
  ) as Packed[];
}

/**
 * Request options for calls to a server that may be seeding its demo store on a busy machine: the
 * SDK's default of 60 s per request is not a bound these suites rely on (the test timeouts are).
 */
export const SLOW = { timeout: 170_000 };

/** An SDK client over stdio to `command args`, its process tracked for cleanup. */
export async function stdioClient(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  stderr: string[],
): Promise<Client> {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
  transport.stderr?.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  const client = new Client({ name: 'portcullis-dist-test', version: '1.0.0' });
  await client.connect(transport, SLOW);
  if (transport.pid !== null) trackPid(transport.pid);
  return client;
}

/**
 * The optimised (TurboFan) WebAssembly compiles in the trace V8 prints with
 * `--trace-wasm-compilation-times` (one line per compiled function, through C's stdout).
 */
export const optimisedCompiles = (trace: string): string[] =>
  trace.split('\n').filter((l) => l.includes('using TurboFan'));

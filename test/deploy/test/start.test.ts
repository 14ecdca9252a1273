/**
 * `npm start` (scripts/start.mjs): the port base option moves every server's contract port by the
 * same amount, 0 lets the OS pick free ports, and a bad value is refused in one line; production
 * refuses it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const START = join(ROOT, 'scripts', 'start.mjs');
const built = ['crm', 'billing', 'posture-read', 'broker'].every((s) =>
  existsSync(join(ROOT, 'servers', s, 'dist', 'cli.js')),
);
const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', ...extra });

describe.skipIf(!built)(`npm start --port-base${built ? '' : ' (skipped: servers are not built)'}`, () => {
  const plan = (...args: string[]) => {
    const r = spawnSync(process.execPath, [START, ...args, '--plan'], {
      cwd: ROOT,
      env: env(),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { portBase: number; ports: Record<string, number> };
  };

  it('keeps the contract ports by default and moves them all by the base', () => {
    expect(plan().ports).toMatchObject({ crm: 7301, billing: 7302, 'posture-read': 7303 });
    expect(plan('--port-base', '8300').ports).toMatchObject({ crm: 8301, billing: 8302 });
    expect(plan('--port-base=9400').ports).toMatchObject({ crm: 9401, billing: 9402 });
    const fromEnv = spawnSync(process.execPath, [START, '--plan'], {
      cwd: ROOT,
      env: env({ PORTCULLIS_PORT_BASE: '10300' }),
      encoding: 'utf8',
    });
    expect(JSON.parse(fromEnv.stdout).ports).toMatchObject({ crm: 10301, billing: 10302 });
  });

  it('refuses a bad base or an unknown option in one line', () => {
    for (const bad of [
      ['--port-base', '80'],
      ['--port-base', 'abc'],
      ['--port-base', '70000'],
      ['--ports', '1'],
    ]) {
      const r = spawnSync(process.execPath, [START, ...bad, '--plan'], {
        cwd: ROOT,
        env: env(),
        encoding: 'utf8',
      });
      expect(r.status, bad.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^npm start: /);
    }
  });

  it('is refused in production, as the servers read NODE_ENV (whatever its case or blanks)', () => {
    for (const value of ['production', ' Production\n']) {
      const r = spawnSync(process.execPath, [START, '--plan'], {
        cwd: ROOT,
        env: env({ NODE_ENV: value }),
        encoding: 'utf8',
      });
      expect(r.status, JSON.stringify(value)).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/refused when NODE_ENV=production/);
    }
  });

  it('with --port-base 0 serves every server on a free port and prints where', async () => {
    const data = mkdtempSync(join(tmpdir(), 'portcullis-start-'));
    const child = spawn(process.execPath, [START, '--port-base', '0'], {
      cwd: ROOT,
      env: env({ PORTCULLIS_DATA_DIR: data }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`not running after 240 s:\n${out}`)), 240_000);
        const poll = setInterval(() => {
          if (out.includes('Ctrl-C stops every server')) {
            clearTimeout(t);
            clearInterval(poll);
            res();
          }
        }, 100);
        void exited.then((code) => {
          clearTimeout(t);
          clearInterval(poll);
          rej(new Error(`exited ${code}:\n${out}`));
        });
      });
      const urls = [
        ...out.matchAll(/^ {2}(broker|crm|billing|posture-read) +(http:\/\/127\.0\.0\.1:(\d+)\/mcp)$/gm),
      ];
      expect(urls.map((m) => m[1]).sort()).toEqual(['billing', 'broker', 'crm', 'posture-read']);
      // The broker prints its configuration: every local system, in its own process.
      expect(out).toMatch(/^ {4}config .*broker\.yaml:$/m);
      expect(out).toMatch(/^ {6}upstreams:$/m);
      expect(out).toMatch(/^ {10}local: billing$/m);
      // posture-read's demo analyst restricted to one cloud account is listed with that restriction.
      expect(out).toMatch(/^ {4}dana +roles=analyst .*accounts=333333333333$/m);
      for (const m of urls) {
        expect(Number(m[3])).not.toBe(
          { broker: 7300, crm: 7301, billing: 7302, 'posture-read': 7303 }[m[1]!],
        );
        expect((await fetch(m[2]!.replace(/\/mcp$/, '/healthz'))).status).toBe(200);
      }
      // Ctrl-C: every server drains and exits, then npm start itself, with status 0.
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }
  }, 300_000);
});

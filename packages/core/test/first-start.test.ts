/**
 * A data directory's first start in a separate process: the runtime asks for it only when this
 * start would create the embedded store, and prepareApart runs the command again with --prepare,
 * its standard output kept off this process's (the MCP stream), and reports how it went.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareApart } from '../src/first-start.js';
import type { Logger } from '../src/log.js';
import { ServerRuntime } from '../src/runtime.js';
import { embeddedStoreIn } from '../src/store.js';
import { thingsServer } from './fixtures/things-server.js';

const def = thingsServer();

/** Starts the runtime on `dir` and returns whether (and when) it asked for a first start apart. */
async function start(dir: string, env: Record<string, string> = {}): Promise<boolean[]> {
  const seen: boolean[] = [];
  const runtime = new ServerRuntime(def, {
    env: { PORTCULLIS_DATA_DIR: dir, PORTCULLIS_LOG_LEVEL: 'silent', ...env },
    transport: 'stdio',
    // What the hook sees: whether the store existed when it was called.
    beforeFirstStart: async () => void seen.push(embeddedStoreIn(dir)),
  });
  try {
    await runtime.ready;
  } finally {
    await runtime.close().catch(() => undefined);
  }
  return seen;
}

describe('the runtime asks for a first start apart', () => {
  it('before the store opens on a new data directory, and never again on that directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-first-start-'));
    expect(await start(dir)).toEqual([false]);
    expect(embeddedStoreIn(dir)).toBe(true);
    expect(await start(dir)).toEqual([]);
  }, 60_000);

  it('not with DATABASE_URL (no embedded store to create)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-first-start-'));
    const seen: boolean[] = [];
    const runtime = new ServerRuntime(def, {
      env: {
        PORTCULLIS_DATA_DIR: dir,
        PORTCULLIS_LOG_LEVEL: 'silent',
        DATABASE_URL: 'postgres://127.0.0.1:1/x',
      },
      transport: 'stdio',
      beforeFirstStart: async () => void seen.push(true),
    });
    // Nothing listens on port 1: start-up fails at the store, after the point the hook would run.
    await expect(runtime.ready).rejects.toThrow();
    await runtime.close().catch(() => undefined);
    expect(seen).toEqual([]);
  }, 60_000);
});

describe('prepareApart', () => {
  const logged: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const logger = {
    info: (obj: Record<string, unknown>, msg: string) => logged.push({ level: 'info', msg, obj }),
    warn: (obj: Record<string, unknown>, msg: string) => logged.push({ level: 'warn', msg, obj }),
  } as unknown as Logger;

  function script(body: string): { path: string; out: string } {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-prepare-apart-'));
    const path = join(dir, 'child.mjs');
    const out = join(dir, 'argv.json');
    writeFileSync(
      path,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)));\nprocess.stdout.write('not for the MCP stream\\n');\n${body}\n`,
    );
    return { path, out };
  }

  it('runs the same command with --prepare and reports success', async () => {
    logged.length = 0;
    const { path, out } = script('process.exitCode = 0;');
    // What a prepared directory holds: the store's database.
    const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-prepared-'));
    mkdirSync(join(dataDir, 'pgdata'));
    writeFileSync(join(dataDir, 'pgdata', 'PG_VERSION'), '17\n');
    const ok = await prepareApart({
      args: [path, '--transport', 'stdio'],
      env: process.env,
      logger,
      dataDir,
      execArgv: ['--inspect-brk=0'], // a debugger's flag is not passed on (the child would wait for one)
    });
    expect(ok).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(['--transport', 'stdio', '--prepare']);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'first start: data directory prepared in a separate process',
      }),
    ]);
  });

  it("keeps the child off this process's standard output (over stdio, the MCP stream)", () => {
    const { path } = script('process.exitCode = 0;');
    // A parent process of its own (the built module), so its whole standard output can be read.
    const dist = new URL('../dist/first-start.js', import.meta.url).href;
    const parent = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { prepareApart } = await import(${JSON.stringify(dist)});
const logger = { info: () => undefined, warn: () => undefined };
const ok = await prepareApart({ args: [${JSON.stringify(path)}], env: process.env, logger, dataDir: '/nonexistent', execArgv: [] });
process.stderr.write('ok=' + ok);`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(parent.stdout).toBe('');
    // Exit 0 but no store in the data directory: not counted as prepared.
    expect(parent.stderr).toContain('ok=false');
  });

  it('reports a failed child, so this process does the first start itself', async () => {
    logged.length = 0;
    const { path } = script('process.exitCode = 3;');
    expect(
      await prepareApart({ args: [path], env: process.env, logger, dataDir: '/nonexistent', execArgv: [] }),
    ).toBe(false);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ exit: 3 }) }),
    ]);
  });
});

describe('prepareApart stops the child', () => {
  const logger = { info: () => undefined, warn: () => undefined } as unknown as Logger;
  it('when this process closes first (the abort signal), and after the time limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-prepare-stop-'));
    const path = join(dir, 'slow.mjs');
    writeFileSync(path, 'setTimeout(() => undefined, 60_000);\n');
    const ctl = new AbortController();
    const started = Date.now();
    const run = prepareApart({
      args: [path],
      env: process.env,
      logger,
      dataDir: dir,
      execArgv: [],
      signal: ctl.signal,
    });
    setTimeout(() => ctl.abort(), 300);
    expect(await run).toBe(false);
    const timed = prepareApart({
      args: [path],
      env: process.env,
      logger,
      dataDir: dir,
      execArgv: [],
      timeoutMs: 300,
    });
    expect(await timed).toBe(false);
    // Both well before the child's own 60 s.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

/**
 * The data directory (security review finding 9, and one process per embedded data directory):
 * it holds contact PII, the ledger, plans, the cursor and audit keys, so it is created owner-only,
 * a directory other users can write is refused, and a second process on it is refused in one line.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, KIT_CLI, killAll, modesUnder, runKitCli, spawnHttp, tempDir } from './helpers.js';

afterAll(async () => {
  await killAll();
});

describe('finding 9: data files are owner-only', () => {
  it('finding 9: a new data directory is 0700 and nothing in it is readable by group or others', async () => {
    const dataDir = join(tempDir('kit-datadir-'), 'data');
    const srv = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      const all = modesUnder(dataDir);
      // The embedded database, the audit trail and the generated keys are all there.
      expect(all.some((m) => m.path.includes('pgdata'))).toBe(true);
      expect(all.some((m) => m.path.endsWith('.audit.jsonl'))).toBe(true);
      expect(all.filter((m) => (m.mode & 0o077) !== 0)).toEqual([]);
    } finally {
      await srv.stop();
    }
  }, 180_000);

  it('finding 9: a data directory other users can write is refused in one line naming the path and the fix', async () => {
    const dataDir = join(tempDir('kit-datadir-'), 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    const r = await runKitCli({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' }, undefined, 45_000);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-kit: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dataDir);
    expect(lines[0]).toContain(`chmod 700 ${dataDir}`);
    expect(r.stderr).not.toContain('serving MCP');
  }, 120_000);
});

describe('issue 14: one process per embedded data directory', () => {
  it('issue 14: a second server on a data directory another process holds is refused in one line', async () => {
    const dataDir = join(tempDir('kit-datadir-'), 'held');
    const first = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' });
    try {
      const r = await runKitCli({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' }, undefined, 45_000);
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-kit: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(dataDir);
      expect(lines[0]).toContain(`pid ${first.proc.pid}`);
      // The holder is untouched and still serves.
      expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    // Once the holder is gone the directory is free again (also after a crash: the pid is dead).
    const again = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' });
    await again.stop('SIGKILL');
    const third = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' });
    await third.stop();
  }, 400_000);
});

describe('issue 13: --prepare readies a data directory and exits', () => {
  it('issue 13: --prepare creates the store and caches, writes nothing to stdout, and the next start serves on it', async () => {
    const dataDir = join(tempDir('kit-datadir-'), 'prepared');
    const env = { PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none', PORTCULLIS_LOG_LEVEL: 'info' };
    const r = await runKitCli(env, ['--prepare'], 90_000);
    expect(r.code).toBe(0);
    // Over stdio the parent's standard output is the MCP stream: the child must never write to it.
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('data directory prepared');
    expect(r.stderr).not.toContain('serving MCP');
    expect(statSync(join(dataDir, 'pgdata', 'PG_VERSION')).isFile()).toBe(true);
    expect(modesUnder(dataDir).filter((m) => (m.mode & 0o077) !== 0)).toEqual([]);
    // Run again on a prepared directory: still exit 0 (nothing left to create).
    expect((await runKitCli(env, ['--prepare'], 90_000)).code).toBe(0);
    const srv = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' });
    try {
      expect((await fetch(`${srv.base}/readyz`)).status).toBe(200);
    } finally {
      await srv.stop();
    }
  }, 300_000);
});

describe('issue 13: a --prepare child stops with its parent', () => {
  it('issue 13: a --prepare run whose parent is gone (its IPC channel closed) stops without finishing', async () => {
    const dataDir = join(tempDir('kit-datadir-'), 'orphan');
    const child = spawn(process.execPath, [KIT_CLI, '--prepare'], {
      env: cleanEnv({ PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_AUTH: 'none' }),
      stdio: ['ignore', 'pipe', 'ignore', 'ipc'],
    });
    let stdout = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The parent going away closes the channel; before the child even loaded, or while it works.
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(stdout).toBe('');
  }, 90_000);
});

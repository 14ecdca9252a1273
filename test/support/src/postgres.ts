import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdir, rm, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from './ports.js';

const run = promisify(execFile);

export interface PgServer {
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

interface Runner {
  /** argv prefix that runs a command as the user owning the cluster. */
  prefix: string[];
  owner: { uid: number; gid: number } | null;
}

let lastReason: string | null = null;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findBinaries(): Binaries | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  try {
    // Highest major version first: the Debian layout keeps one directory per version.
    const versions = readdirSync('/usr/lib/postgresql').sort(
      (a, b) => Number(b) - Number(a) || b.localeCompare(a),
    );
    for (const v of versions) dirs.push(join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // No Debian-style install; PATH is all there is.
  }
  for (const dir of dirs) {
    const initdb = join(dir, 'initdb');
    const pgCtl = join(dir, 'pg_ctl');
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
  }
  return null;
}

/** initdb refuses to run as root, so as root everything runs as the `postgres` user. */
function findRunner(): Runner | string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { prefix: [], owner: null };
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return 'running as root and /etc/passwd is unreadable, so the postgres user cannot be found';
  }
  const entry = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const fields = entry?.split(':');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    return 'running as root but there is no postgres user to run initdb as';
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find(isExecutable);
  if (runuser === undefined)
    return 'running as root but runuser is missing, so initdb cannot run as postgres';
  return { prefix: [runuser, '-u', 'postgres', '--'], owner: { uid, gid } };
}

/** Why PostgreSQL tests are skipped, or null when they can run. */
export function postgresUnavailableReason(): string | null {
  if (lastReason !== null) return lastReason;
  if (findBinaries() === null)
    return 'PostgreSQL binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin';
  const runner = findRunner();
  return typeof runner === 'string' ? runner : null;
}

function commandAs(runner: Runner, argv: string[]): [string, string[]] {
  const [cmd, ...args] = [...runner.prefix, ...argv];
  if (cmd === undefined) throw new Error('empty command');
  return [cmd, args];
}

async function runAs(runner: Runner, argv: string[]): Promise<void> {
  const [cmd, args] = commandAs(runner, argv);
  await run(cmd, args, { timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } });
}

/**
 * Starts a throwaway PostgreSQL on 127.0.0.1 (random free port, temp data dir, fsync off);
 * resolves null and sets the reason (see postgresUnavailableReason) when binaries are absent.
 */
export async function startPostgres(): Promise<PgServer | null> {
  const bins = findBinaries();
  if (bins === null) {
    lastReason =
      'PostgreSQL binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin';
    return null;
  }
  const runner = findRunner();
  if (typeof runner === 'string') {
    lastReason = runner;
    return null;
  }

  const base = await tempDir('portcullis-pg-');
  const data = join(base, 'data');
  const sock = join(base, 'sock');
  const log = join(base, 'postgres.log');
  await mkdir(sock);
  if (runner.owner !== null) {
    await chown(base, runner.owner.uid, runner.owner.gid);
    await chown(sock, runner.owner.uid, runner.owner.gid);
  }

  try {
    await runAs(runner, [
      bins.initdb,
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
  } catch (err) {
    await rm(base, { recursive: true, force: true });
    throw new Error(`initdb failed: ${describe(err)}`, { cause: err });
  }

  const stopSync = (): void => {
    const [cmd, args] = commandAs(runner, [bins.pgCtl, '-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    rmSync(base, { recursive: true, force: true });
  };

  // The port is free when chosen but another process may take it first; try a few.
  let port = 0;
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
    const candidate = await freePort();
    const opts = `-p ${candidate} -c listen_addresses=127.0.0.1 -k ${sock} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await runAs(runner, [bins.pgCtl, '-D', data, '-l', log, '-w', '-t', '60', '-o', opts, 'start']);
      port = candidate;
    } catch (err) {
      lastErr = err;
    }
  }
  if (port === 0) {
    const tail = await readFile(log, 'utf8').catch(() => '');
    stopSync();
    throw new Error(`pg_ctl start failed: ${describe(lastErr)}\n${tail.slice(-2000)}`, { cause: lastErr });
  }

  // A test run that dies before stop() must not leave a server behind.
  const onExit = (): void => stopSync();
  process.once('exit', onExit);
  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      try {
        await runAs(runner, [bins.pgCtl, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const stderr = (err as { stderr?: unknown }).stderr;
    return typeof stderr === 'string' && stderr.trim() !== ''
      ? `${err.message.split('\n')[0]}: ${stderr.trim()}`
      : err.message;
  }
  return String(err);
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { freePort, tempDir } from './ports.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

const BINARY = process.env.PORTCULLIS_REDIS_SERVER ?? 'redis-server';
const START_ATTEMPTS = 3;
const PING_TRIES = 100;
const PING_INTERVAL_MS = 50;
const STOP_GRACE_MS = 5000;

let cachedReason: string | null | undefined;

/** Why Redis tests must be skipped here (null when redis-server can run). */
export function redisUnavailableReason(): string | null {
  if (cachedReason !== undefined) return cachedReason;
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) {
    cachedReason = `${BINARY} is not installed (apt-get install redis-server; CI installs it): ${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}`;
  } else if (probe.status !== 0) {
    cachedReason = `${BINARY} --version exited with ${probe.status ?? probe.signal}`;
  } else {
    cachedReason = null;
  }
  return cachedReason;
}

/** A throwaway redis-server on 127.0.0.1 (no persistence); null when the binary is absent. */
export async function startRedis(): Promise<RedisServer | null> {
  if (redisUnavailableReason() !== null) return null;
  let lastError: unknown;
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const dir = await tempDir('portcullis-redis-');
    const child = spawn(
      BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    try {
      await waitForPing(port, child);
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = new Error(
        `redis-server did not start on port ${port}: ${(err as Error).message}${stderr ? `\n${stderr}` : ''}`,
      );
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < PING_TRIES; i++) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
  }
  throw new Error(`no PONG after ${PING_TRIES} tries`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

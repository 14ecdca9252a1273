/**
 * A data directory's first start in a separate process (`firstStartApart` in runServerCli).
 *
 * The start that creates the embedded store also migrates it, writes the demo data and validates
 * and caches the policies. In the serving process that work leaves memory behind for good: PGlite's
 * WebAssembly memory only grows, and the allocator keeps what the churn touched. A broker hosting
 * four systems measured ~40 MiB more after its first start than after any later one. Done by the
 * same command with `--prepare` in a child process that exits, the serving process then starts as
 * it would on every later start. The child's standard input and output are discarded (the
 * parent's are the MCP stream); its log lines go to the same standard error. An IPC channel ties it
 * to the parent: when the parent goes, however it goes, the channel closes and the child stops.
 */
import type { Logger } from './log.js';
import { embeddedStoreIn } from './store.js';

/** How long a first start apart may take before it is stopped and done in-process instead. */
export const PREPARE_TIMEOUT_MS = 5 * 60_000;

export interface PrepareApartOptions {
  /** The script and its arguments (`--prepare` is added). */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The data directory the child prepares: checked for the store once it exits 0. */
  dataDir: string;
  /** Node's own flags for the child; this process's by default, without a debugger's. */
  execArgv?: readonly string[];
  /** Aborted when this process closes before the child finished: the child is stopped. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A debugger flag would make the child wait for a debugger (or fight over its port). */
const forChild = (argv: readonly string[]) =>
  argv.filter((a) => !/^--inspect(-brk|-port|-wait)?(=|$)/.test(a));

/**
 * Runs `node [execArgv] args --prepare` and waits for it. True when it prepared the directory;
 * false when it failed, could not start, took too long or was stopped (logged: unless this process
 * is closing, it then does the first start itself).
 */
export async function prepareApart(opts: PrepareApartOptions): Promise<boolean> {
  const started = performance.now();
  // Loaded here, not by importing the kit: child_process brings net and dgram (~5 ms of every start).
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(
    process.execPath,
    [...forChild(opts.execArgv ?? process.execArgv), ...opts.args, '--prepare'],
    { env: opts.env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  opts.signal?.addEventListener('abort', stop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, opts.timeoutMs ?? PREPARE_TIMEOUT_MS);
  const outcome = await new Promise<{ code: number | null; signal: string | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  process.removeListener('exit', stop);
  opts.signal?.removeEventListener('abort', stop);
  const ms = Math.round(performance.now() - started);
  if (outcome.code === 0 && embeddedStoreIn(opts.dataDir)) {
    opts.logger.info({ ms }, 'first start: data directory prepared in a separate process');
    return true;
  }
  if (opts.signal?.aborted) return false;
  opts.logger.warn(
    {
      ms,
      exit: timedOut
        ? `no answer within ${Math.round((opts.timeoutMs ?? PREPARE_TIMEOUT_MS) / 1000)} s`
        : outcome.code === 0
          ? 'exited 0 without creating the store'
          : (outcome.code ?? outcome.signal ?? outcome.error?.message),
    },
    'first start: preparing the data directory in a separate process failed; preparing it in this one',
  );
  return false;
}

/**
 * In the `--prepare` child of a first start apart: stop when the parent is gone (its IPC channel
 * closed), so a parent killed mid-way leaves no process behind holding the data directory. A
 * `--prepare` run from a shell has no channel and is not affected.
 */
export function stopWithParent(): void {
  if (!process.send) return;
  const leave = () => process.exit(1);
  if (!process.connected) leave();
  process.once('disconnect', leave);
  process.channel?.unref();
}

/**
 * A data directory's first start in a separate process (`firstStartApart` in runServerCli).
 *
 * The start that creates the embedded store also migrates it, writes the demo data and validates
 * and caches the policies. In the serving process that work leaves memory behind for good: PGlite's
 * WebAssembly memory only grows, and the allocator keeps what the churn touched. A broker hosting
 * four systems measured ~40 MiB more after its first start than after any later one. Done by the
 * same command with `--prepare` in a child process that exits, the serving process then starts as
 * it would on every later start. The child's standard output goes nowhere (the parent's is the MCP
 * stream); its log lines go to the same standard error.
 */
import { spawn } from 'node:child_process';
import type { Logger } from './log.js';

export interface PrepareApartOptions {
  /** The script and its arguments (`--prepare` is added). */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Node's own flags for the child; this process's by default. */
  execArgv?: readonly string[];
}

/**
 * Runs `node [execArgv] args --prepare` and waits for it. True when it prepared the directory;
 * false when it failed or could not start (logged: this process then does the first start itself).
 * If this process exits first, the child is stopped with it.
 */
export async function prepareApart(opts: PrepareApartOptions): Promise<boolean> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.execArgv ?? process.execArgv), ...opts.args, '--prepare'], {
    env: opts.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  const outcome = await new Promise<{ code: number | null; signal: string | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  process.removeListener('exit', stop);
  const ms = Math.round(performance.now() - started);
  if (outcome.code === 0) {
    opts.logger.info({ ms }, 'first start: data directory prepared in a separate process');
    return true;
  }
  opts.logger.warn(
    { ms, exit: outcome.code ?? outcome.signal ?? outcome.error?.message },
    'first start: preparing the data directory in a separate process failed; preparing it in this one',
  );
  return false;
}

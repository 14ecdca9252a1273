/**
 * The `import` command's entry in the main thread: it starts the import (import-cli.ts) in a worker
 * thread with a bounded heap and forwards the standard streams. Only Node built-ins load here: the
 * kit, the store and the importers load in the worker alone, so the main thread stays small.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const NAME = 'portcullis-posture-read import';

// The worker's script in the package's build output, found by the package's name: the CLI that
// runs this is one bundle, whose own URL is not beside it (the kit's packageFile, without the kit).
const WORKER_SCRIPT = join(
  dirname(createRequire(import.meta.url).resolve('@portcullis/posture-read/package.json')),
  'dist',
  'import-worker.js',
);

/**
 * Heap limits of the import's worker thread. A streaming import keeps little alive, but with
 * Node's defaults the young generation grows to 48 MB and the old one is collected late, which
 * alone put a 100k-finding import over 300 MB peak; with these it stays near 255 MiB (bench:
 * "posture-read: import"). The old-generation cap is far above what the import holds (one chunk
 * of records); reaching it stops the import with nothing kept, as any failure does.
 */
export const IMPORT_HEAP_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

/**
 * Runs `import` in a worker thread with IMPORT_HEAP_LIMITS, forwarding stdin (for `-`), stdout and
 * stderr; resolves to the exit code. A worker that dies (out of memory included) is one line on
 * stderr and exit code 1: the file's transaction never committed, so nothing from it is kept.
 */
export async function runImportInWorker(argv: string[]): Promise<number> {
  const fromStdin = argv.includes('-');
  process.umask(0o077); // process-wide: the files the worker creates are owner-only
  const worker = new Worker(WORKER_SCRIPT, {
    workerData: { argv, stderrIsTTY: process.stderr.isTTY === true },
    resourceLimits: IMPORT_HEAP_LIMITS,
    stdin: fromStdin,
  });
  if (fromStdin && worker.stdin) process.stdin.pipe(worker.stdin);
  let code: number | null = null;
  let failure: Error | null = null;
  worker.on('message', (m: { code: number }) => (code = m.code));
  worker.on('error', (err) => (failure = err));
  await new Promise<void>((done) => worker.once('exit', () => done()));
  if (fromStdin) process.stdin.unpipe();
  if (code !== null) return code;
  const why =
    (failure as (Error & { code?: string }) | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `ran out of memory (limit ${IMPORT_HEAP_LIMITS.maxOldGenerationSizeMb} MB)`
      : 'stopped unexpectedly';
  // Before its commit nothing from the file is kept; after it (the upkeep that follows) all of it
  // is. Either way the same file can be imported again: findings are matched by their ids.
  process.stderr.write(
    `${NAME}: the import ${why}; unless it had already committed, nothing from the file was kept (importing the file again is safe: findings are matched by their ids).\n`,
  );
  return 1;
}

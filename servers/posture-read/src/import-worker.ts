/**
 * The import command's body, run in a worker thread by cli.ts: the same `runImportCli`, with the
 * process's standard streams forwarded by the parent. The worker's heap limits (set by the parent)
 * keep a 100k-finding import's peak memory down; see runImportInWorker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runImportCli } from './import-cli.js';

const { argv, stderrIsTTY } = workerData as { argv: string[]; stderrIsTTY: boolean };
const code = await runImportCli(argv, process.env, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: { write: (s: string) => process.stderr.write(s), isTTY: stderrIsTTY },
});
parentPort?.postMessage({ code });

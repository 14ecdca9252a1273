#!/usr/bin/env node
/**
 * Runs turbo, the workspace's task runner, with its anonymous usage telemetry and its update check
 * off: every npm script that builds goes through here, so `npm start`, `npm test` and `npm run
 * bench` on a user's machine neither report usage nor ask turbo's site for a newer version (turbo
 * does both by default, and prints a notice about the first).
 * Arguments pass through: `node scripts/turbo.mjs run build --output-logs=errors-only`. The exit
 * status is turbo's; when turbo is ended by a signal this process ends by the same signal, so
 * `&&` in a script never goes on after an interrupted build.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const bin = createRequire(import.meta.url).resolve('turbo/bin/turbo');
const child = spawn(process.execPath, [bin, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
});
// Ctrl-C reaches turbo from the terminal (same process group), which shuts down gracefully; a
// SIGTERM sent to this process alone is passed on.
const onSigint = () => undefined;
const onSigterm = () => child.kill('SIGTERM');
process.on('SIGINT', onSigint);
process.on('SIGTERM', onSigterm);
child.on('exit', (code, signal) => {
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});

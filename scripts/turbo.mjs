#!/usr/bin/env node
/**
 * Runs turbo, the workspace's task runner, with its anonymous usage telemetry off: every npm script
 * that builds goes through here, so `npm start`, `npm test` and `npm run bench` on a user's machine
 * send nothing anywhere (turbo's default is to report usage and to print a notice saying so).
 * Arguments pass through: `node scripts/turbo.mjs run build --output-logs=errors-only`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const bin = createRequire(import.meta.url).resolve('turbo/bin/turbo');
const child = spawn(process.execPath, [bin, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});

#!/usr/bin/env node
// First: the V8 settings must hold before the kit and the server load.
import '@portcullis/core/tune-v8';
import { runServerCli } from '@portcullis/core';
import { server } from './index.js';

// `kill-switch` is an operator command, not an MCP tool call: it works while no server runs.
if (process.argv[2] === 'kill-switch') {
  const { runKillSwitchCli } = await import('./kill-switch-cli.js');
  process.exitCode = await runKillSwitchCli(process.argv.slice(3), process.env);
} else {
  await runServerCli(server);
}

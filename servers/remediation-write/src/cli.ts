#!/usr/bin/env node
import { runServerCli } from '@portcullis/core';
import { server } from './index.js';

// `kill-switch` is an operator command, not an MCP tool call: it works while no server runs.
if (process.argv[2] === 'kill-switch') {
  const { runKillSwitchCli } = await import('./kill-switch-cli.js');
  process.exitCode = await runKillSwitchCli(process.argv.slice(3), process.env);
} else {
  await runServerCli(server);
}

#!/usr/bin/env node
import { runServerCli } from '@portcullis/core';
import { server } from './index.js';

// `import` and `sync` are operator commands, not an MCP tool: the server itself never writes findings.
if (process.argv[2] === 'import') {
  const { runImportCli } = await import('./import-cli.js');
  process.exitCode = await runImportCli(process.argv.slice(3), process.env);
} else if (process.argv[2] === 'sync') {
  const { runSyncCli } = await import('./sync-cli.js');
  process.exitCode = await runSyncCli(process.argv.slice(3), process.env);
} else {
  await runServerCli(server);
}

#!/usr/bin/env node
// First the V8 settings, then the kit and the server: ES modules load their whole static import
// graph before any of it runs, so the rest is imported only once the settings hold.
import '@portcullis/core/tune-v8';

// `kill-switch` is an operator command, not an MCP tool call: it works while no server runs.
if (process.argv[2] === 'kill-switch') {
  const { runKillSwitchCli } = await import('./kill-switch-cli.js');
  process.exitCode = await runKillSwitchCli(process.argv.slice(3), process.env);
} else {
  const [{ runServerCli }, { server }] = await Promise.all([
    import('@portcullis/core'),
    import('./index.js'),
  ]);
  await runServerCli(server);
}

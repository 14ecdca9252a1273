#!/usr/bin/env node
// First the V8 settings: ES modules load their whole static import graph before any of it runs,
// so everything else is imported (below) only once they hold.
import '@portcullis/core/tune-v8';
// `import` and `sync` are operator commands, not an MCP tool: the server itself never writes findings.
// The server (the MCP stack and every tool) loads only to serve: an import or a sync needs the
// store and the importers, not the protocol.
if (process.argv[2] === 'import') {
  // In a worker thread with a bounded heap (import-runner.ts): the peak memory.
  const { runImportInWorker } = await import('./import-runner.js');
  process.exitCode = await runImportInWorker(process.argv.slice(3));
} else if (process.argv[2] === 'sync') {
  const { runSyncCli } = await import('./sync-cli.js');
  process.exitCode = await runSyncCli(process.argv.slice(3), process.env);
} else {
  const [{ runServerCli }, { server }] = await Promise.all([
    import('@portcullis/core'),
    import('./index.js'),
  ]);
  await runServerCli(server);
}

#!/usr/bin/env node
// First the V8 settings, then the kit and the server: ES modules load their whole static import
// graph before any of it runs, so the rest is imported only once the settings hold.
import '@portcullis/core/tune-v8';

const [{ runServerCli }, { server }] = await Promise.all([import('@portcullis/core'), import('./index.js')]);
await runServerCli(server);

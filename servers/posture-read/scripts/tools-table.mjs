#!/usr/bin/env node
// Rewrites the tools table in README.md from the built tool definitions (run `npm run build` first).
// test/readme.test.ts fails when the README and the definitions drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceToolsTable, server, toolsTable } from '../dist/index.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = replaceToolsTable(before, toolsTable(server.tools));
if (after !== before) writeFileSync(path, after);
process.stdout.write(
  after === before ? 'README tools table is up to date.\n' : 'README tools table updated.\n',
);

#!/usr/bin/env node
// Rewrites the tools table in README.md from the built tool definitions (run `npm run build` first).
// test/readme.test.ts fails when the README and the definitions drift apart.
// The money and record rules table comes from the default settings and the policies.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import {
  configSchema,
  crmMoneyTable,
  replaceMoneyTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../dist/index.js';

const path = new URL('../README.md', import.meta.url);
const dir = new URL('../policies/', import.meta.url);
const policies = readdirSync(dir)
  .filter((f) => f.endsWith('.cedar'))
  .sort()
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');
const before = readFileSync(path, 'utf8');
const after = replaceMoneyTable(
  replaceToolsTable(before, toolsTable(server.tools)),
  crmMoneyTable(configSchema.parse({}), policies),
);
if (after !== before) writeFileSync(path, after);
process.stdout.write(
  after === before ? 'README tools table is up to date.\n' : 'README tools table updated.\n',
);

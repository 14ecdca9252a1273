#!/usr/bin/env node
// Rewrites the tools table and the money rules table in README.md from the built tool definitions,
// the default settings and the policies (run `npm run build` first).
// test/readme.test.ts fails when the README and the definitions drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  billingConfigSchema,
  billingMoneyTable,
  replaceMoneyTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../dist/index.js';

const path = new URL('../README.md', import.meta.url);
const policies = readFileSync(new URL('../policies/billing.cedar', import.meta.url), 'utf8');
const before = readFileSync(path, 'utf8');
const after = replaceMoneyTable(
  replaceToolsTable(before, toolsTable(server.tools)),
  billingMoneyTable(billingConfigSchema.parse({}), policies),
);
if (after !== before) writeFileSync(path, after);
process.stdout.write(
  after === before ? 'README tools table is up to date.\n' : 'README tools table updated.\n',
);

#!/usr/bin/env node
// Rewrites the tools, action catalog and policy tables in README.md from the built definitions and
// policies/remediation.cedar (run `npm run build` first). test/readme.test.ts fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  replaceActionsTable,
  replacePoliciesTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../dist/index.js';

const path = new URL('../README.md', import.meta.url);
const policies = readFileSync(new URL('../policies/remediation.cedar', import.meta.url), 'utf8');
const before = readFileSync(path, 'utf8');
const after = replacePoliciesTable(
  replaceActionsTable(replaceToolsTable(before, toolsTable(server.tools))),
  policies,
);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README tables are up to date.\n' : 'README tables updated.\n');

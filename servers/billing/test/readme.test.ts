import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  billingConfigSchema,
  billingMoneyTable,
  replaceMoneyTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const policies = readFileSync(new URL('../policies/billing.cedar', import.meta.url), 'utf8');

describe('README', () => {
  it('holds the tools table generated from the definitions (npm run tools-table regenerates it)', () => {
    expect(replaceToolsTable(readme, toolsTable(server.tools))).toBe(readme);
  });

  it('states the money rules as the table generated from the default settings and the policies', () => {
    const table = billingMoneyTable(billingConfigSchema.parse({}), policies);
    expect(table).toMatch(/^\| support, admin +\| refund directly/m);
    expect(table).toContain('$200.00');
    expect(replaceMoneyTable(readme, table)).toBe(readme);
  });

  it('documents every setting, tool and policy', () => {
    for (const key of Object.keys(server.configSchema!.shape)) expect(readme).toContain(key);
    for (const t of server.tools) expect(readme).toContain(t.name);
    for (const [, id] of policies.matchAll(/@id\("([^"]+)"\)/g)) expect(readme).toContain(`\`${id}\``);
    expect(readme).toContain('claude mcp add billing');
    expect(readme).toContain('POST /approvals/{plan_id}');
  });
});

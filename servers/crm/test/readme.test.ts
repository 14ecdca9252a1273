import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  configSchema,
  crmMoneyTable,
  replaceMoneyTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const dir = new URL('../policies/', import.meta.url);
const policies = readdirSync(dir)
  .filter((f) => f.endsWith('.cedar'))
  .sort()
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');

describe('README', () => {
  it('holds the tools table generated from the definitions (npm run tools-table regenerates it)', () => {
    expect(replaceToolsTable(readme, toolsTable(server.tools))).toBe(readme);
  });

  it('states the money and record rules as the table generated from the default settings and the policies', () => {
    const table = crmMoneyTable(configSchema.parse({}), policies);
    expect(table).toMatch(/^\| manager, admin +\| close a deal as won at or above it/m);
    expect(table).toContain('$100,000.00');
    expect(replaceMoneyTable(readme, table)).toBe(readme);
  });

  it('documents every setting and every tool', () => {
    for (const key of Object.keys(server.configSchema!.shape)) expect(readme).toContain(key);
    for (const t of server.tools) expect(readme).toContain(t.name);
    expect(readme).toContain('claude mcp add crm');
  });
});

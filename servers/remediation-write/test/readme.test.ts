import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  replaceActionsTable,
  replacePoliciesTable,
  replaceToolsTable,
  server,
  toolsTable,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const policies = readFileSync(new URL('../policies/remediation.cedar', import.meta.url), 'utf8');

describe('README', () => {
  it('holds the tools, action catalog and policy tables generated from the definitions (npm run tools-table)', () => {
    expect(replaceToolsTable(readme, toolsTable(server.tools))).toBe(readme);
    expect(replaceActionsTable(readme)).toBe(readme);
    expect(replacePoliciesTable(readme, policies)).toBe(readme);
  });

  it('documents every setting, tool, action with its IAM permissions, and policy', () => {
    for (const key of Object.keys(server.configSchema!.shape)) expect(readme).toContain(key);
    for (const t of server.tools) expect(readme).toContain(t.name);
    for (const a of Object.values(CATALOG))
      for (const p of [...a.permissions.read, ...a.permissions.write]) expect(readme).toContain(p);
    for (const [, id] of policies.matchAll(/@id\("([^"]+)"\)/g)) expect(readme).toContain(`\`${id}\``);
    expect(readme).toContain('claude mcp add remediation-write');
    expect(readme).toContain('POST /approvals/{plan_id}');
    expect(readme).toContain('POST /admin/kill-switch');
    expect(readme).toContain('.claude/skills');
  });
});

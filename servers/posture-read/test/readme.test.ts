import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replaceToolsTable, server, toolsTable } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('holds the tools table generated from the definitions (npm run tools-table regenerates it)', () => {
    expect(replaceToolsTable(readme, toolsTable(server.tools))).toBe(readme);
  });

  it('documents every setting, tool, resource and the prompt', () => {
    for (const key of Object.keys(server.configSchema!.shape)) expect(readme).toContain(key);
    for (const t of server.tools) expect(readme).toContain(t.name);
    for (const r of server.resources ?? []) expect(readme).toContain(r.uri);
    for (const p of server.prompts ?? []) expect(readme).toContain(p.name);
    expect(readme).toContain('claude mcp add posture-read');
  });
});

/**
 * The tool surface: the committed tools/list snapshot, what each role sees, annotations derived from
 * the tool data, and every skill naming only tools that exist (here or in posture-read).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { server as postureServer } from '@portcullis/posture-read';
import { server } from '../src/index.js';
import { startRemediation, type Remediation } from './harness.js';

let r: Remediation;
beforeAll(async () => {
  r = await startRemediation();
});
afterAll(async () => {
  await r?.close();
});

describe('tools', () => {
  it('matches the committed snapshot (names, descriptions, schemas, annotations)', async () => {
    const { tools } = await r.h.client.listTools();
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    await expect(`${JSON.stringify(sorted, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tools-list.json',
    );
  });

  it('each role sees its tools', async () => {
    expect(await r.responder.listToolNames()).toEqual([
      'remediation_apply',
      'remediation_get_plan',
      'remediation_list_actions',
      'remediation_list_plans',
      'remediation_open_ticket',
      'remediation_plan',
      'remediation_rollback',
    ]);
    expect(await r.approver.listToolNames()).toEqual([
      'remediation_approve',
      'remediation_get_plan',
      'remediation_list_actions',
      'remediation_list_plans',
      'remediation_open_ticket',
    ]);
    expect(await r.h.listToolNames()).toHaveLength(server.tools.length);
  });

  it('apply is destructive and idempotent; plan changes nothing outside the server', async () => {
    const { tools } = await r.h.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('remediation_apply')!.annotations).toMatchObject({
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(byName.get('remediation_plan')!.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
    });
    expect(byName.get('remediation_list_actions')!.annotations).toMatchObject({ readOnlyHint: true });
    for (const t of tools) expect(t.outputSchema).toBeDefined();
  });
});

describe('skills', () => {
  const skillsDir = fileURLToPath(new URL('../../../skills/', import.meta.url));
  const FIELDS = new Set(['remediation_action']);
  const known = new Set([...server.tools, ...postureServer.tools].map((t) => t.name));
  const skills = readdirSync(skillsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it('ships security-triage and remediate-with-approval', () => {
    expect(skills).toEqual(expect.arrayContaining(['security-triage', 'remediate-with-approval']));
  });

  it.each(skills)('%s: Agent Skills front matter, and every tool it names exists', (name) => {
    const text = readFileSync(join(skillsDir, name, 'SKILL.md'), 'utf8');
    const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
    expect(front, 'front matter').not.toBeNull();
    expect(front![1]).toMatch(new RegExp(`^name: ${name}$`, 'm'));
    expect(front![1]).toMatch(/^description: .{20,1024}$/m);
    // Tools are written in backticks; remediation_action is a field of posture_get_finding's result.
    const named = new Set(
      [...text.matchAll(/`((?:posture|remediation)_[a-z_]+)/g)]
        .map((m) => m[1]!)
        .filter((n) => !FIELDS.has(n)),
    );
    expect(named.size).toBeGreaterThan(2);
    for (const tool of named) expect(known, `${name} names ${tool}`).toContain(tool);
  });
});

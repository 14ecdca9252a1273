import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineServer, type ServerDefinition } from '../src/definition.js';
import { ConfigError } from '../src/errors.js';
import { defineTool } from '../src/tool.js';
import { selectToolsets } from '../src/toolsets.js';

const toolIn = (name: string, toolset: string) =>
  defineTool({
    name,
    title: name,
    description: name,
    toolset,
    access: 'read',
    input: z.object({}),
    output: z.object({}),
    handler: async () => ({}),
  });

const base = (over: Partial<ServerDefinition>): ServerDefinition => ({
  name: 'sys',
  version: '0',
  title: 'sys',
  description: 'sys',
  defaultPort: 1,
  policyDir: '/nonexistent',
  toolsets: [
    { id: 'things', description: 'Things.', default: true },
    { id: 'admin', description: 'Dangerous things.', default: false },
  ],
  tools: [toolIn('sys_get_thing', 'things'), toolIn('sys_purge_things', 'admin')],
  createBackend: async () => ({}),
  ...over,
});

describe('toolsets are declared metadata', () => {
  it('accepts tools whose toolset is declared', () => {
    expect(defineServer(base({})).toolsets.map((t) => t.id)).toEqual(['things', 'admin']);
  });

  it('refuses, at definition time, a tool naming an undeclared toolset, naming the declared ones', () => {
    expect(() => defineServer(base({ tools: [toolIn('sys_get_thing', 'thingz')] }))).toThrow(
      /sys_get_thing names toolset thingz, which sys does not declare \(declared: things, admin\)/,
    );
  });

  it('refuses duplicate, reserved, badly named or empty toolsets', () => {
    const ts = (id: string) => ({ id, description: id, default: true });
    const tools = [toolIn('sys_get_thing', 'things')];
    expect(() => defineServer(base({ toolsets: [ts('things'), ts('things')], tools }))).toThrow(/twice/);
    expect(() => defineServer(base({ toolsets: [ts('things'), ts('all')], tools }))).toThrow(/reserved/);
    expect(() =>
      defineServer(base({ toolsets: [ts('Things')], tools: [toolIn('sys_a_b', 'Things')] })),
    ).toThrow(/snake_case/);
    expect(() => defineServer(base({ toolsets: [ts('things'), ts('unused')], tools }))).toThrow(
      /unused has no tools/,
    );
  });
});

describe('PORTCULLIS_TOOLSETS selection', () => {
  const declared = base({}).toolsets;

  it('serves the default toolsets when unset', () => {
    expect([...selectToolsets(declared, null)]).toEqual(['things']);
  });

  it('serves exactly the named ones, with `default` and `all` as shorthands', () => {
    expect([...selectToolsets(declared, ['admin'])]).toEqual(['admin']);
    expect([...selectToolsets(declared, ['default', 'admin'])].sort()).toEqual(['admin', 'things']);
    expect([...selectToolsets(declared, ['all'])].sort()).toEqual(['admin', 'things']);
  });

  it('stops start-up on an unknown toolset, naming the known ones', () => {
    expect(() => selectToolsets(declared, ['things', 'bogus'])).toThrow(ConfigError);
    expect(() => selectToolsets(declared, ['bogus'])).toThrow(
      'PORTCULLIS_TOOLSETS: unknown toolset bogus (known: things, admin, or all, default).',
    );
  });
});

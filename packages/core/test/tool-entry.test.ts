/**
 * A JSON-Schema tool (a proxied or discovered tool: the broker's) validates its arguments and its
 * output with Ajv, compiled on the tool's first call rather than when the tool is listed: a broker
 * discovering four local systems' tools compiled every schema before its first answer. A schema Ajv
 * cannot compile fails that tool's calls closed, with an internal error, not the process's start.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JsonSchemaToolDefinition } from '../src/tool.js';
import { toolEntry } from '../src/tool-entry.js';

afterEach(() => vi.restoreAllMocks());

const tool = (over: Partial<JsonSchemaToolDefinition> = {}): JsonSchemaToolDefinition => ({
  name: 'up_get_thing',
  title: 'Get a thing',
  description: 'Reads one thing from the upstream.',
  toolset: 'things',
  access: 'read',
  inputSchema: {
    type: 'object',
    properties: { id: { type: 'string', minLength: 1 } },
    required: ['id'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { id: { type: 'string' }, size: { type: 'integer' } },
    required: ['id', 'size'],
  },
  handler: async () => ({ content: [{ type: 'text', text: 'unused' }] }),
  ...over,
});

const output = (structuredContent: unknown) => ({
  content: [{ type: 'text', text: JSON.stringify(structuredContent) }],
  structuredContent,
});

describe('a JSON-Schema tool entry', () => {
  it('compiles each schema on first use, once, and validates with it', () => {
    const compile = vi.spyOn(AjvJsonSchemaValidator.prototype, 'getValidator');
    const entry = toolEntry(tool());
    expect(entry.listing.inputSchema).toEqual(tool().inputSchema); // listed without a compile
    expect(compile).not.toHaveBeenCalled();

    expect(entry.validateInput({ id: 'th_1' })).toEqual({ ok: true, data: { id: 'th_1' } });
    expect(compile).toHaveBeenCalledTimes(1);
    const bad = entry.validateInput({ id: '' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid_arguments');
    expect(entry.validateInput({ id: 'x', extra: 1 }).ok).toBe(false);
    expect(compile).toHaveBeenCalledTimes(1); // the input schema, compiled once

    expect(entry.checkOutput(output({ id: 'th_1', size: 3 })).ok).toBe(true);
    expect(compile).toHaveBeenCalledTimes(2);
    const wrong = entry.checkOutput(output({ id: 'th_1', size: 'big' }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.code).toBe('internal_error');
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('a schema Ajv cannot compile fails that tool closed, naming it only to the operator', () => {
    const entry = toolEntry(
      tool({
        inputSchema: { type: 'object', properties: { id: { $ref: '#/$defs/missing' } } },
        outputSchema: { type: 'object', properties: { id: { $ref: '#/$defs/gone' } } },
      }),
    );
    expect(entry.listing.name).toBe('up_get_thing'); // listed: nothing compiled yet
    for (const checked of [
      entry.validateInput({ id: 'th_1' }),
      entry.validateInput({}),
      entry.checkOutput(output({ id: 'th_1' })),
    ]) {
      expect(checked.ok).toBe(false);
      if (checked.ok) continue;
      expect(checked.error.code).toBe('internal_error');
      expect(checked.error.message).not.toContain('missing');
      expect(checked.error.message).not.toContain('up_get_thing');
      expect(String(checked.error.internal)).toMatch(
        /up_get_thing: its (input|output) schema cannot be compiled/,
      );
    }
    // an output with no structured part has nothing to check against the schema
    expect(entry.checkOutput({ content: [{ type: 'text', text: 'ok' }] }).ok).toBe(true);
  });
});

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';

// Parsed JSON results: each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

/** A successful tool result: it carries an audit id; returns its structuredContent. */
export function ok(r: CallToolResult): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.content)}`);
  expect((r._meta as Row)['portcullis/audit_id']).toMatch(/^aud_/);
  return r.structuredContent as Row;
}

/** The error envelope, checked in both places it travels: the JSON text content and _meta. */
export function envelope(r: CallToolResult): Row {
  expect(r.isError).toBe(true);
  const text = (r.content as { type: string; text: string }[]).find((c) => c.type === 'text')!.text;
  const parsed = JSON.parse(text) as { error: Row };
  expect(parsed.error).toMatchObject({
    code: expect.any(String),
    category: expect.any(String),
    message: expect.any(String),
    retryable: expect.any(Boolean),
    audit_id: expect.stringMatching(/^aud_/),
  });
  expect((r._meta as Row)['portcullis/error']).toEqual(parsed.error);
  return parsed.error;
}

export const call = async (c: Client, name: string, args: Row): Promise<CallToolResult> =>
  (await c.callTool({ name, arguments: args })) as CallToolResult;

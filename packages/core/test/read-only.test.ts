/**
 * A server declared read-only (`readOnly: true`) cannot carry a tool that is not a read: defineServer
 * refuses it, and so does start-up (for a definition built without defineServer, and for tools
 * discovered at start).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineServer, type ServerDefinition } from '../src/definition.js';
import { ConfigError } from '../src/errors.js';
import { ServerRuntime } from '../src/runtime.js';
import { thingsServer, toolOf } from './fixtures/things-server.js';

const base = (over: Partial<ServerDefinition>): ServerDefinition => thingsServer({ readOnly: true, ...over });

async function start(def: ServerDefinition): Promise<ServerRuntime<unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-read-only-'));
  const runtime = new ServerRuntime(def, {
    env: { PORTCULLIS_DATA_DIR: dir, PORTCULLIS_LOG_LEVEL: 'silent' },
    transport: 'stdio',
  });
  try {
    await runtime.ready;
  } catch (err) {
    await runtime.close().catch(() => undefined);
    throw err;
  }
  return runtime;
}

describe('a read-only server', () => {
  it('accepts only reads', () => {
    expect(defineServer(base({})).readOnly).toBe(true);
  });

  it('is refused by defineServer with a write or destructive tool, naming it', () => {
    expect(() =>
      defineServer(base({ tools: [toolOf('sys_get_thing', 'read'), toolOf('sys_set_thing', 'write')] })),
    ).toThrow(/sys is declared read-only, but sys_set_thing \(write\) is not a read/);
    expect(() => defineServer(base({ tools: [toolOf('sys_drop_thing', 'destructive')] }))).toThrow(
      ConfigError,
    );
  });

  it('refuses to start with a write tool even without defineServer', async () => {
    const def = base({ tools: [toolOf('sys_get_thing', 'read'), toolOf('sys_set_thing', 'write')] });
    await expect(start(def)).rejects.toThrow(/declared read-only, but sys_set_thing \(write\)/);
  });

  it('refuses to start when a discovered tool is not a read', async () => {
    const def = base({ discoverTools: async () => [toolOf('sys_set_thing', 'write')] });
    await expect(start(def)).rejects.toThrow(/declared read-only, but sys_set_thing \(write\)/);
  });

  it('starts with reads only, and a server not declared read-only may still have writes', async () => {
    const runtime = await start(base({}));
    await runtime.close();
    expect(
      defineServer(base({ readOnly: false, tools: [toolOf('sys_set_thing', 'write')] })).tools,
    ).toHaveLength(1);
  });
});

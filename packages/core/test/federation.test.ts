/**
 * The `federation` hook: a system serves per-request resources and prompts beside its own, under
 * its own policy (`decide`) and audit chain (`record`), through the kit's MCP server.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { z } from 'zod';
import { defineServer, type FederatedContent } from '../src/definition.js';
import { errors } from '../src/errors.js';
import { defineTool } from '../src/tool.js';
import { startInProcess, type InProcessHarness } from '../src/testing.js';

/** The text of a read's first content. */
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text?: string }).text;

const POLICY_DIR = fileURLToPath(new URL('./fixtures/federation-policies/', import.meta.url));

const federated: FederatedContent = {
  listResources: async (req) => [{ uri: `fed://things/${req.principal.id}`, name: 'my-thing' }],
  listResourceTemplates: async () => [{ uriTemplate: 'fed://things/{owner}', name: 'things' }],
  readResource: async (req, uri) => {
    if (!uri.startsWith('fed://things/')) return null;
    const decision = req.decide('read_thing', {
      type: 'Tenant',
      id: req.principal.tenant,
      attributes: { tenant: req.principal.tenant },
    });
    const allowed = decision.effect === 'allow';
    const id = await req.record({
      kind: 'read_thing',
      tool: 'read_thing',
      arguments: { uri },
      decision,
      outcome: allowed ? 'ok' : 'denied',
      error_code: allowed ? null : 'forbidden',
      duration_ms: 0,
    });
    if (!allowed) return { error: errors.forbidden('Not your thing.').toEnvelope(id) };
    return { contents: [{ uri, mimeType: 'text/plain', text: `thing for ${req.principal.id}` }] };
  },
  listPrompts: async () => [{ name: 'fed_hello', arguments: [{ name: 'who', required: true }] }],
  getPrompt: async (_req, name, args) =>
    name === 'fed_hello'
      ? { messages: [{ role: 'user', content: { type: 'text', text: `hello ${args.who ?? ''}` } }] }
      : null,
};

const server = defineServer({
  name: 'fed',
  version: '0',
  title: 'fed',
  description: 'fed',
  defaultPort: 1,
  policyDir: POLICY_DIR,
  toolsets: [{ id: 'things', description: 'Things.', default: true }],
  tools: [
    defineTool({
      name: 'fed_get_thing',
      title: 'thing',
      description: 'thing',
      toolset: 'things',
      access: 'read',
      input: z.object({}),
      output: z.object({}),
      handler: async () => ({}),
    }),
  ],
  resources: [
    {
      uri: 'fed://own',
      name: 'own',
      description: 'The system its own.',
      read: async () => 'own',
    },
  ],
  extraActions: [{ name: 'read_thing', resourceTypes: ['Tenant'] }],
  createBackend: async () => ({}),
  federation: () => federated,
});

describe('the federation hook', () => {
  let h: InProcessHarness<unknown>;
  beforeAll(async () => {
    h = await startInProcess(server, { principal: { id: 'ann', roles: [], tenant: 'acme' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('declares both capabilities and lists federated items per principal beside the own ones', async () => {
    expect(h.client.getServerCapabilities()).toMatchObject({ resources: {}, prompts: {} });
    expect((await h.client.listResources()).resources.map((r) => r.uri)).toEqual([
      'fed://own',
      'fed://things/ann',
    ]);
    const bob = await h.as({ id: 'bob', roles: [], tenant: 'acme' });
    expect((await bob.client.listResources()).resources.map((r) => r.uri)).toContain('fed://things/bob');
    expect((await h.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'fed://things/{owner}',
    ]);
    expect((await h.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['fed_hello']);
  });

  it('reads own and federated resources; a refusal carries the envelope and is in the chain', async () => {
    expect(textOf(await h.client.readResource({ uri: 'fed://own' }))).toBe('own');
    expect(textOf(await h.client.readResource({ uri: 'fed://things/x' }))).toBe('thing for ann');
    const blocked = await h.as({ id: 'eve', roles: ['blocked'], tenant: 'acme' });
    const msg = await blocked.client.readResource({ uri: 'fed://things/x' }).then(
      () => '',
      (e: Error) => e.message,
    );
    const env = (JSON.parse(/\{"error":.*\}/.exec(msg)![0]) as { error: Record<string, unknown> }).error;
    expect(env).toMatchObject({ code: 'forbidden', category: 'forbidden' });
    const rec = h.auditRecords().find((r) => r.id === env.audit_id)!;
    expect(rec).toMatchObject({
      server: 'portcullis-fed',
      kind: 'read_thing',
      principal: 'eve',
      tenant: 'acme',
      outcome: 'denied',
      decision: { effect: 'deny', policies: ['federation-fixture-blocked'] },
    });
    await expect(h.client.readResource({ uri: 'nope://x' })).rejects.toThrow(/not found/i);
  });

  it('gets a federated prompt with its arguments', async () => {
    const p = await h.client.getPrompt({ name: 'fed_hello', arguments: { who: 'world' } });
    expect(p.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'hello world' } }]);
    await expect(h.client.getPrompt({ name: 'other' })).rejects.toThrow(/Unknown prompt/);
  });
});

/**
 * A read or get of a remote or stdio upstream passes the door as a tool call does: nothing is
 * sent upstream while the broker's audit trail cannot be written (`audit_unavailable`), the
 * caller's rate limit applies, and a record that fails after the read is the trail's failure,
 * never the upstream's (its circuit and the connection other callers share are left alone).
 */
import type { AuditSink } from '@portcullis/core/audit';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { configFile, envelopeOf, everythingEntry } from './helpers.js';

describe('remote reads and gets at the door', () => {
  let h: InProcessHarness<Federation>;
  let failing = false;
  /** What reached the upstream. */
  const sent = { reads: 0, prompts: 0 };
  let uri = '';
  let prompt = '';

  beforeAll(async () => {
    const config = loadBrokerConfig(
      configFile(
        [
          'upstreams:',
          '  - name: everything',
          `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everythingEntry())}, stdio] }`,
          '    prefix: everything_',
          '',
        ].join('\n'),
      ),
    );
    h = await startInProcess(defineBroker(config), {
      principal: { id: 'sam', roles: ['analyst'], tenant: 'acme' },
      // Per principal and tool (here: action), as for the broker's tool calls.
      env: { PORTCULLIS_RATE_PRINCIPAL_TOOL: '4/60s' },
    });
    const sink = (h.runtime.host as unknown as { audit: AuditSink }).audit;
    const append = sink.append.bind(sink);
    sink.append = async (event) => {
      if (failing) throw new Error('ENOSPC: no space left on device, write');
      return append(event);
    };
    const conn = h.runtime.kitBackend.states.get('everything')!.conn;
    const read = conn.readResource.bind(conn);
    conn.readResource = (u, input) => {
      sent.reads += 1;
      return read(u, input);
    };
    const get = conn.getPrompt.bind(conn);
    conn.getPrompt = (name, args, input) => {
      sent.prompts += 1;
      return get(name, args, input);
    };
    uri = (await h.client.listResources()).resources[0]!.uri;
    prompt = (await h.client.listPrompts()).prompts.find((p) => !p.arguments?.some((a) => a.required))!.name;
  }, 300_000);
  afterEach(() => {
    failing = false;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends nothing upstream while the audit trail cannot be written; a failed record is not the upstream failing', async () => {
    const state = h.runtime.kitBackend.states.get('everything')!;
    const up = (state.conn as unknown as { up: { client: unknown } }).up;
    expect((await h.client.readResource({ uri })).contents.length).toBeGreaterThan(0);
    const shared = up.client;
    const before = { ...sent };
    failing = true;
    // The read ran before its record failed: an internal error, in no words of the sink's.
    const first = await h.client.readResource({ uri }).then(() => null, envelopeOf);
    expect(first).toMatchObject({ code: 'internal_error', category: 'internal', audit_id: 'unrecorded' });
    expect(JSON.stringify(first)).not.toMatch(/ENOSPC/);
    expect(sent.reads).toBe(before.reads + 1);
    // The upstream answered: its circuit counts no failure, and its connection was kept.
    expect((state.breaker as unknown as { consecutive: number }).consecutive).toBe(0);
    expect(up.client).toBe(shared);

    // From now on nothing is sent upstream until a record is written again.
    const refusedRead = await h.client.readResource({ uri }).then(() => null, envelopeOf);
    const refusedGet = await h.client.getPrompt({ name: prompt }).then(() => null, envelopeOf);
    for (const refused of [refusedRead, refusedGet])
      expect(refused).toMatchObject({
        code: 'audit_unavailable',
        category: 'internal',
        retryable: true,
        details: { upstream: 'everything' },
      });
    expect(sent).toEqual({ reads: before.reads + 1, prompts: before.prompts });

    failing = false;
    // The trail can be written again: this refusal is recorded, and that lets the next read run.
    const recorded = await h.client.readResource({ uri }).then(() => null, envelopeOf);
    expect(recorded).toMatchObject({ code: 'audit_unavailable' });
    expect(h.auditRecords().find((r) => r.id === recorded!.audit_id)).toMatchObject({
      kind: 'read_resource',
      outcome: 'error',
      error_code: 'audit_unavailable',
    });
    expect((await h.client.readResource({ uri })).contents.length).toBeGreaterThan(0);
    expect(sent.reads).toBe(before.reads + 2);
  });

  it("takes the caller's rate limit, per principal and action, before anything is sent upstream", async () => {
    const rita = await h.as({ id: 'rita', roles: ['analyst'], tenant: 'acme' });
    const before = sent.reads;
    for (let i = 0; i < 4; i++) expect((await rita.client.readResource({ uri })).contents.length).toBe(1);
    const limited = await rita.client.readResource({ uri }).then(() => null, envelopeOf);
    expect(limited).toMatchObject({
      code: 'rate_limited',
      category: 'rate_limited',
      retry_after_ms: expect.any(Number),
      details: { scope: 'principal_tool', upstream: 'everything' },
    });
    expect(sent.reads).toBe(before + 4);
    expect(h.auditRecords().find((r) => r.id === limited!.audit_id)).toMatchObject({
      kind: 'read_resource',
      principal: 'rita',
      outcome: 'rate_limited',
    });
    // Another action is another bucket, as another tool is.
    expect((await rita.client.getPrompt({ name: prompt })).messages.length).toBeGreaterThan(0);
  });
});

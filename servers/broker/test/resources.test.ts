/**
 * Resources and prompts federated by the broker: local systems (crm, posture-read) in-process as
 * the caller, with each system's own visibility and ABAC (posture-read's `accounts` restriction),
 * server-everything spawned over stdio (resources, templates, prompts under its prefix), the
 * broker's own policy over `read_resource`, and a broker audit record for every read and get.
 */
import { fileURLToPath } from 'node:url';
import { startInProcess, type InProcessClient, type InProcessHarness } from '@portcullis/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { configFile, envelopeOf, everythingEntry } from './helpers.js';

/** The text of a read's first content. */
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text?: string }).text;

const DOOR = fileURLToPath(new URL('./fixtures/door-policies/', import.meta.url));
const DEV = '333333333333';
type Row = Record<string, unknown>;

describe('broker resources and prompts', () => {
  let h: InProcessHarness<Federation>;
  let dana: InProcessClient; // an analyst restricted to the dev account
  let mine: Row;
  let other: Row;

  beforeAll(async () => {
    const config = loadBrokerConfig(
      configFile(
        [
          'upstreams:',
          '  - name: crm',
          '    local: crm',
          '  - name: posture',
          '    local: posture-read',
          '  - name: everything',
          `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everythingEntry())}, stdio] }`,
          '    prefix: everything_',
          '',
        ].join('\n'),
      ),
    );
    h = await startInProcess(defineBroker(config), {
      principal: { id: 'sam', roles: ['analyst', 'rep'], tenant: 'acme' },
      env: { PORTCULLIS_POLICY_DIR: DOOR },
    });
    dana = await h.as({ id: 'dana', roles: ['analyst'], tenant: 'acme', attributes: { accounts: [DEV] } });
    const found = await h.callTool('posture_search_findings', { limit: 100 });
    expect(found.isError, found.text).toBe(false);
    const findings = (found.structured as { findings: Row[] }).findings;
    mine = findings.find((f) => f.account === DEV)!;
    other = findings.find((f) => f.account !== DEV)!;
    expect(mine && other).toBeTruthy();
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  it('lists every upstream: local resources and templates as they are, third-party ones beside them', async () => {
    const fixed = (await h.client.listResources()).resources.map((r) => r.uri);
    expect(fixed).toEqual(expect.arrayContaining(['posture://frameworks']));
    expect(fixed.some((u) => !u.includes('://') || u.startsWith('demo://') || u.startsWith('test://'))).toBe(
      true,
    );
    const templates = (await h.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('posture://findings/{id}');
    const prompts = (await h.client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toContain('posture_triage');
    expect(prompts.filter((p) => p.startsWith('everything_')).length).toBeGreaterThan(0);
    // No name from server-everything is served without the upstream's prefix.
    expect(prompts.every((p) => p.startsWith('everything_') || /^(crm|posture)_/.test(p))).toBe(true);
  });

  it("reads a local finding as the caller: the system's ABAC holds, and both chains record it", async () => {
    const ok = await dana.client.readResource({ uri: `posture://findings/${mine.id as string}` });
    expect(textOf(ok)).toContain(DEV);
    const door = h.auditRecords().filter((r) => r.kind === 'read_resource' && r.principal === 'dana');
    expect(door.at(-1)).toMatchObject({
      server: 'portcullis-broker',
      outcome: 'ok',
      refs: { upstream: 'posture' },
    });

    const refused = await dana.client
      .readResource({ uri: `posture://findings/${other.id as string}` })
      .then(() => null, envelopeOf);
    expect(refused).toMatchObject({ category: 'forbidden', details: { upstream: 'posture' } });
    const record = h.auditRecords().find((r) => r.id === refused!.audit_id)!;
    expect(record).toMatchObject({ kind: 'read_resource', outcome: 'denied', principal: 'dana' });
    // posture-read audited its own refusal as the same principal, and the broker's record names it.
    const inner = h.auditRecords().find((r) => r.id === record.refs!.upstream_audit_id)!;
    expect(inner).toMatchObject({ server: 'portcullis-posture-read', principal: 'dana', outcome: 'denied' });
  });

  it("gets the triage prompt only for the caller's own accounts", async () => {
    const p = await dana.client.getPrompt({ name: 'posture_triage', arguments: { account: DEV } });
    expect(JSON.stringify(p.messages)).toContain(DEV);
    const refused = await dana.client
      .getPrompt({ name: 'posture_triage', arguments: { account: other.account as string } })
      .then(() => null, envelopeOf);
    expect(refused).toMatchObject({ code: 'not_found', details: { upstream: 'posture' } });
    const kinds = h.auditRecords().filter((r) => r.kind === 'get_prompt' && r.principal === 'dana');
    expect(kinds.map((r) => r.outcome)).toEqual(['ok', 'error']);
  });

  it('reads a resource, fills a template and gets a prompt with an argument of server-everything over stdio', async () => {
    const listed = (await h.client.listResources()).resources.filter(
      (r) => !r.uri.startsWith('posture://') && !r.uri.startsWith('crm://'),
    );
    expect(listed.length).toBeGreaterThan(0);
    const read = await h.client.readResource({ uri: listed[0]!.uri });
    expect(read.contents[0]!.uri).toBe(listed[0]!.uri);
    const rec = h
      .auditRecords()
      .filter((r) => r.kind === 'read_resource')
      .at(-1)!;
    expect(rec).toMatchObject({ outcome: 'ok', refs: { upstream: 'everything' } });

    const template = (await h.client.listResourceTemplates()).resourceTemplates.find(
      (t) => !t.uriTemplate.startsWith('posture://') && !t.uriTemplate.startsWith('crm://'),
    )!;
    expect(template).toBeTruthy();
    const filled = template.uriTemplate.replace(/\{[^}]+\}/g, '1');
    const viaTemplate = await h.client.readResource({ uri: filled });
    expect(viaTemplate.contents.length).toBeGreaterThan(0);

    const prompts = (await h.client.listPrompts()).prompts.filter((p) => p.name.startsWith('everything_'));
    const withArg = prompts.find((p) => p.arguments?.some((a) => a.required))!;
    expect(withArg).toBeTruthy();
    const args = Object.fromEntries(
      withArg.arguments!.filter((a) => a.required).map((a) => [a.name, 'portcullis-arg']),
    );
    const got = await h.client.getPrompt({ name: withArg.name, arguments: args });
    expect(JSON.stringify(got.messages)).toContain('portcullis-arg');
    expect(
      h
        .auditRecords()
        .filter((r) => r.kind === 'get_prompt')
        .at(-1),
    ).toMatchObject({
      outcome: 'ok',
      refs: { upstream: 'everything' },
    });
  });

  it("a down upstream's items fail fast (on_failure: closed) or are withheld (open), the others unaffected", async () => {
    const state = h.runtime.kitBackend.states.get('everything')!;
    const uri = (await h.client.listResources()).resources.find(
      (r) => !/^(posture|crm):\/\//.test(r.uri),
    )!.uri;
    const cfg = state.cfg as { on_failure: string };
    state.breaker.trip();
    try {
      // closed (the default): still listed, and a read or get fails fast naming the upstream.
      expect((await h.client.listResources()).resources.map((r) => r.uri)).toContain(uri);
      const refused = await h.client.readResource({ uri }).then(() => null, envelopeOf);
      expect(refused).toMatchObject({
        code: 'upstream_unavailable',
        retryable: true,
        details: { upstream: 'everything' },
      });
      const prompt = (await h.client.listPrompts()).prompts.find((p) => p.name.startsWith('everything_'))!;
      const got = await h.client.getPrompt({ name: prompt.name, arguments: {} }).then(() => null, envelopeOf);
      expect(got).toMatchObject({ code: 'upstream_unavailable' });
      // open: withheld from every list while down.
      cfg.on_failure = 'open';
      expect((await h.client.listResources()).resources.map((r) => r.uri)).not.toContain(uri);
      expect((await h.client.listPrompts()).prompts.some((p) => p.name.startsWith('everything_'))).toBe(
        false,
      );
      // The local systems keep answering.
      expect(
        (await dana.client.readResource({ uri: `posture://findings/${mine.id as string}` })).contents,
      ).toHaveLength(1);
    } finally {
      cfg.on_failure = 'closed';
      state.breaker.success();
    }
    expect((await h.client.readResource({ uri })).contents.length).toBeGreaterThan(0);
  });

  it("the broker's policy can deny a resource read the system itself would allow", async () => {
    const carol = await h.as({ id: 'carol', roles: ['analyst', 'contractor'], tenant: 'acme' });
    const uri = `posture://findings/${mine.id as string}`;
    // The system allows an unrestricted analyst; the door does not, so it is not listed either.
    expect(textOf(await h.client.readResource({ uri }))).toContain(DEV);
    const templates = (await carol.client.listResourceTemplates()).resourceTemplates.map(
      (t) => t.uriTemplate,
    );
    expect(templates).not.toContain('posture://findings/{id}');
    const refused = await carol.client.readResource({ uri }).then(() => null, envelopeOf);
    expect(refused).toMatchObject({ category: 'forbidden', details: { upstream: 'posture' } });
    const record = h.auditRecords().find((r) => r.id === refused!.audit_id)!;
    expect(record).toMatchObject({
      kind: 'read_resource',
      principal: 'carol',
      outcome: 'denied',
      decision: { effect: 'deny', policies: ['door-no-posture-resources-for-contractors'] },
    });
  });
});

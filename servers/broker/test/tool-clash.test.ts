/**
 * Two upstreams offering one tool name: at start the broker refuses to run (the operator gives one
 * another prefix). Later, an upstream that adds a name another already serves is withheld it: the
 * tool keeps its upstream, the clash is logged, and every other upstream's changes still reach the
 * list (a clash must not freeze rediscovery).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configFile, stdioBroker, until } from './helpers.js';

const CHANGING = fileURLToPath(new URL('./fixtures/changing-server.mjs', import.meta.url));
const FAILING = fileURLToPath(new URL('./fixtures/failing-server.mjs', import.meta.url));
const TIMEOUT = 120_000;
const node = JSON.stringify(process.execPath);

/** The broker CLI over stdio on `cfg`, and the sorted names it lists. */
async function broker(cfg: string) {
  const started = await stdioBroker(['--config', cfg], {
    PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-clash-data-')),
    PORTCULLIS_PRINCIPAL: 'agent-7',
    PORTCULLIS_ROLES: 'support',
    PORTCULLIS_TENANT: 'acme',
  });
  const names = async () => (await started.client.listTools()).tools.map((t) => t.name).sort();
  return { ...started, names };
}

describe('a tool name two upstreams offer', () => {
  it(
    'added later: withheld from the newcomer, logged, and the other upstreams still change',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-clash-'));
      const addB = join(dir, 'add-b');
      const addC = join(dir, 'add-c');
      const cfg = configFile(
        [
          'upstreams:',
          '  - name: a',
          `    stdio: { command: ${node}, args: [${JSON.stringify(FAILING)}] }`,
          '    prefix: p_',
          '  - name: b',
          `    stdio: { command: ${node}, args: [${JSON.stringify(CHANGING)}], env: { ADD_FILE: ${JSON.stringify(addB)}, ADD_NAME: boom } }`,
          '    prefix: p_',
          '  - name: c',
          `    stdio: { command: ${node}, args: [${JSON.stringify(CHANGING)}], env: { ADD_FILE: ${JSON.stringify(addC)} } }`,
          '    prefix: q_',
          '',
        ].join('\n'),
        dir,
      );
      const { client, stderr, names } = await broker(cfg);
      try {
        expect(await names()).toEqual(['p_boom', 'p_first', 'p_hidden', 'q_first']);
        // b adds `boom`, which a serves as p_boom.
        writeFileSync(addB, '');
        await until(() => /offered by two upstreams/.test(stderr()), 'the clash logged');
        expect(stderr()).toMatch(/"served_by":"a","withheld_from":"b","item":"tool p_boom"/);
        // p_boom is still a's (its Internal error), not b's.
        const r = (await client.callTool({ name: 'p_boom', arguments: {} })) as { content?: unknown };
        expect(JSON.stringify(r.content)).toContain('Upstream a failed');
        // c's new tool still reaches the list.
        writeFileSync(addC, '');
        await until(async () => (await names()).includes('q_second'), 'q_second listed');
        expect(await names()).toEqual(['p_boom', 'p_first', 'p_hidden', 'q_first', 'q_second']);
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );

  it(
    'its upstream stops offering it: the other upstream gets the name, and that is logged',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-clash-'));
      const dropA = join(dir, 'drop-a');
      const addB = join(dir, 'add-b');
      const cfg = configFile(
        [
          'upstreams:',
          '  - name: a',
          `    stdio: { command: ${node}, args: [${JSON.stringify(CHANGING)}], env: { DROP_FILE: ${JSON.stringify(dropA)} } }`,
          '    prefix: p_',
          '  - name: b',
          `    stdio: { command: ${node}, args: [${JSON.stringify(CHANGING)}], env: { BASE_NAME: other, ADD_FILE: ${JSON.stringify(addB)}, ADD_NAME: first } }`,
          '    prefix: p_',
          '',
        ].join('\n'),
        dir,
      );
      const { client, stderr, names } = await broker(cfg);
      try {
        expect(await names()).toEqual(['p_first', 'p_other']);
        writeFileSync(addB, '');
        await until(() => /"withheld_from":"b","item":"tool p_first"/.test(stderr()), 'the clash logged');
        writeFileSync(dropA, '');
        await until(() => /a tool name passed to another upstream/.test(stderr()), 'the handover logged');
        expect(stderr()).toMatch(/"tool":"p_first","was_served_by":"a","now_served_by":"b"/);
        // Now b's: its `first` takes n.
        const r = (await client.callTool({ name: 'p_first', arguments: { n: 3 } })) as { content?: unknown };
        expect(JSON.stringify(r.content)).toContain('two 3');
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );
});

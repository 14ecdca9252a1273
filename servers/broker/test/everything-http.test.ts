/**
 * server-everything as a third party over Streamable HTTP (it is also spawned over stdio in the
 * e2e and remote suites): started in its `streamableHttp` mode on a loopback port, configured as
 * a `remote` upstream, listed and called through the broker's door.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { freePort } from '@portcullis/test-support/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { configFile, everythingEntry } from './helpers.js';

const TIMEOUT = 300_000;

/** Starts server-everything over HTTP on a port it cannot choose itself (retrying a clash). */
async function startEverythingHttp(): Promise<{ url: string; proc: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = spawn(process.execPath, [everythingEntry(), 'streamableHttp'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const up = await new Promise<boolean>((resolve) => {
      let err = '';
      proc.stderr.on('data', (c: Buffer) => {
        err += c.toString('utf8');
        if (err.includes(`listening on port ${port}`)) resolve(true);
      });
      proc.once('exit', () => resolve(false));
    });
    if (up) return { url: `http://127.0.0.1:${port}/mcp`, proc };
  }
  throw new Error('server-everything did not start over HTTP');
}

describe('server-everything over Streamable HTTP as a remote upstream', () => {
  let everything: { url: string; proc: ChildProcess };
  let h: InProcessHarness<Federation>;

  beforeAll(async () => {
    everything = await startEverythingHttp();
    const path = configFile(
      [
        'upstreams:',
        '  - name: crm',
        '    local: crm',
        '  - name: everything-http',
        `    url: ${everything.url}`,
        '    transport: streamable',
        '    prefix: evh_',
        '    tools: { allow: [echo, get-sum] }',
        '    timeout_ms: 10000',
        '',
      ].join('\n'),
    );
    h = await startInProcess(defineBroker(loadBrokerConfig(path)), {
      principal: { id: 'alice', roles: ['rep'], tenant: 'acme' },
    });
  }, TIMEOUT);

  afterAll(async () => {
    await h?.close();
    everything?.proc.kill('SIGTERM');
  });

  it(
    'lists its allowed tools under the prefix beside the local system, and calls them through the door',
    async () => {
      const names = await h.listToolNames();
      expect(names).toEqual(expect.arrayContaining(['evh_echo', 'evh_get-sum', 'crm_get_contact']));
      expect(names.filter((n) => n.startsWith('evh_')).sort()).toEqual(['evh_echo', 'evh_get-sum']);

      const sum = await h.callTool('evh_get-sum', { a: 19, b: 23 });
      expect(sum.envelope, JSON.stringify(sum)).toBeUndefined();
      expect(sum.text).toContain('42');
      const echo = await h.callTool('evh_echo', { message: 'over http' });
      expect(echo.text).toContain('over http');

      // The broker's own record names the upstream; a bad argument is refused at the door.
      expect(h.auditRecords().find((r) => r.id === sum.auditId)).toMatchObject({
        server: 'portcullis-broker',
        tool: 'evh_get-sum',
        outcome: 'ok',
        refs: { upstream: 'everything-http' },
      });
      const bad = await h.callTool('evh_get-sum', { a: 'nineteen', b: 23 });
      expect(bad.envelope).toMatchObject({ category: 'validation' });
    },
    TIMEOUT,
  );
});

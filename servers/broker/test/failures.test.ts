/**
 * Upstreams that are down or slow: fail-closed stops start-up naming the upstream, fail-open starts
 * without it; an upstream that dies mid-run with on_failure: open has its tools withheld while the
 * others keep working; a slow upstream times out with a clear error.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { configFile, until } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/drifting-server.mjs', import.meta.url));
const PRINCIPAL = { id: 'uma', roles: ['user'], tenant: 'acme' };

/** A loopback port that refuses connections: bound, then closed (a refusal needs a closed port). */
async function refusingUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}/mcp`;
}

function stdioUpstream(name: string, dir: string, extra: string[] = []): string[] {
  const desc = join(dir, `${name}.txt`);
  writeFileSync(desc, 'Looks up a record.');
  return [
    `  - name: ${name}`,
    `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FIXTURE)}], env: { DESCRIPTION_FILE: ${JSON.stringify(desc)}, DEAD_FILE: ${JSON.stringify(join(dir, `${name}.dead`))} } }`,
    ...extra,
  ];
}

describe('an unreachable upstream at start', () => {
  it('on_failure: closed (the default) stops start-up with one line naming the upstream', async () => {
    const url = await refusingUrl();
    const path = configFile(
      ['upstreams:', '  - name: crm', '    local: crm', '  - name: gone', `    url: ${url}`, ''].join('\n'),
    );
    await expect(
      startInProcess(defineBroker(loadBrokerConfig(path)), { principal: PRINCIPAL }),
    ).rejects.toThrow(
      new RegExp(
        `^upstream gone \\(${url.replace(/[./]/g, '\\$&')}\\) cannot be reached: .*set on_failure: open`,
      ),
    );
  }, 240_000);

  it('on_failure: open starts without it; the others are served', async () => {
    const url = await refusingUrl();
    const path = configFile(
      [
        'upstreams:',
        '  - name: crm',
        '    local: crm',
        '  - name: gone',
        `    url: ${url}`,
        '    on_failure: open',
        '',
      ].join('\n'),
    );
    const h = await startInProcess(defineBroker(loadBrokerConfig(path)), {
      principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    });
    try {
      const names = await h.listToolNames();
      expect(names).toContain('crm_search_accounts');
      expect(names.some((n) => n.startsWith('gone_'))).toBe(false);
      expect((await h.callTool('crm_search_accounts', {})).isError).toBe(false);
    } finally {
      await h.close();
    }
  }, 240_000);
});

describe('an upstream dying or slowing down mid-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-fail-'));
  let h: InProcessHarness<Federation>;

  beforeAll(async () => {
    const path = configFile(
      [
        'upstreams:',
        ...stdioUpstream('flaky', dir, [
          '    on_failure: open',
          '    breaker: { failures: 1, cooldown_ms: 600000 }',
        ]),
        ...stdioUpstream('steady', dir, ['    timeout_ms: 2000']),
        '',
      ].join('\n'),
    );
    h = await startInProcess(defineBroker(loadBrokerConfig(path)), { principal: PRINCIPAL });
  }, 240_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a slow call times out with a clear error naming the upstream, and the upstream keeps answering', async () => {
    const r = await h.callTool('steady_sleep', { ms: 60_000 });
    expect(r.envelope).toMatchObject({
      code: 'upstream_timeout',
      category: 'upstream',
      retryable: true,
      message: 'Upstream steady did not answer within 2000 ms.',
      details: { upstream: 'steady', timeout_ms: 2000 },
    });
    expect((await h.callTool('steady_stable', {})).text).toContain('ok');
  }, 240_000);

  it('killed mid-run with on_failure: open: its tools are withheld and its calls fail fast, the others keep working', async () => {
    expect(await h.listToolNames()).toContain('flaky_stable');
    const state = h.runtime.kitBackend.states.get('flaky')!;
    const conn = state.conn as unknown as { up: { client: { transport: { pid: number | null } } | null } };
    // It stays dead: the respawn the broker attempts is refused.
    writeFileSync(join(dir, 'flaky.dead'), '');
    expect(existsSync(join(dir, 'flaky.dead'))).toBe(true);
    process.kill(conn.up.client!.transport.pid!, 'SIGKILL');
    await until(() => conn.up.client === null, 'the broker to notice the exit');
    const r = await h.callTool('flaky_stable', {});
    expect(r.envelope).toMatchObject({ code: 'upstream_unavailable', details: { upstream: 'flaky' } });
    const names = await h.listToolNames();
    expect(names.some((n) => n.startsWith('flaky_'))).toBe(false);
    expect(names).toContain('steady_stable');
    expect((await h.callTool('flaky_stable', {})).envelope).toMatchObject({ code: 'upstream_unavailable' });
    expect((await h.callTool('steady_stable', {})).text).toContain('ok');
  }, 240_000);
});

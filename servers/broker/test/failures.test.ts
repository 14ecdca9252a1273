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

describe('the half-open probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-probe-'));
  let h: InProcessHarness<Federation>;

  beforeAll(async () => {
    const path = configFile(
      [
        'upstreams:',
        ...stdioUpstream('probed', dir, ['    breaker: { failures: 1, cooldown_ms: 200 }']),
        ...stdioUpstream('metered', dir, [
          '    breaker: { failures: 1, cooldown_ms: 200 }',
          '    rate_limit: 1/3s',
        ]),
        '',
      ].join('\n'),
    );
    h = await startInProcess(defineBroker(loadBrokerConfig(path)), { principal: PRINCIPAL });
  }, 240_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Opens the upstream's circuit and waits out its cool-down: the next call is the probe. */
  async function halfOpen(name: string) {
    const state = h.runtime.kitBackend.states.get(name)!;
    state.breaker.trip();
    const tripped = Date.now();
    await until(() => Date.now() > tripped + 250, 'the cool-down');
    return state;
  }

  it('a probe its caller cancels frees the probe: the next call reaches the upstream and closes the circuit', async () => {
    const state = await halfOpen('probed');
    const holder = state.breaker as unknown as { probing: unknown };
    const cancel = new AbortController();
    const probe = h.client
      .callTool({ name: 'probed_sleep', arguments: { ms: 60_000 } }, undefined, { signal: cancel.signal })
      .then(
        () => null,
        (err: unknown) => err,
      );
    // The call was let through as the probe (and is waiting on the upstream): cancel it there.
    await until(() => Boolean(holder.probing), 'the probe to be admitted');
    cancel.abort();
    expect(await probe).toBeTruthy();
    await until(
      () => h.auditRecords().some((r) => r.tool === 'probed_sleep'),
      'the cancelled call to end at the broker',
    );
    const next = await h.callTool('probed_stable', {});
    expect(next.envelope).toBeUndefined();
    expect(next.text).toContain('ok');
    expect(state.breaker.isOpen).toBe(false);
  }, 120_000);

  it("a probe the upstream's own rate refuses frees the probe: once the window turns, a call reaches it", async () => {
    expect((await h.callTool('metered_stable', {})).text).toContain('ok');
    const windowFrom = Date.now();
    const state = await halfOpen('metered');
    // The probe is let through the breaker, then refused by the gate: no verdict on the upstream.
    expect((await h.callTool('metered_stable', {})).envelope).toMatchObject({
      code: 'rate_limited',
      details: { scope: 'upstream', upstream: 'metered' },
    });
    await until(() => Date.now() > windowFrom + 3_100, 'the rate window to turn');
    const next = await h.callTool('metered_stable', {});
    expect(next.envelope).toBeUndefined();
    expect(state.breaker.isOpen).toBe(false);
  }, 120_000);
});

/**
 * Prometheus metrics are kept where they are served. An HTTP runtime keeps prom-client's registry
 * (`/metrics`); a stdio one keeps none by default: nothing can read it there, and prom-client
 * would cost the first call its load and an idle process a wake-up every 10 ms. Without them a
 * call is answered and audited the same, and an HTTP app refuses such a runtime.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { createHttpApp } from '../src/http-lazy.js';
import { ApiKeyAuthenticator } from '../src/identity.js';
import { ServerRuntime } from '../src/runtime.js';
import { startInProcess } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

const env = () => ({
  PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'portcullis-metrics-')),
  PORTCULLIS_LOG_LEVEL: 'silent',
});

describe('metrics', () => {
  it('are kept by default over HTTP only', async () => {
    for (const [transport, metrics, kept] of [
      ['http', undefined, true],
      ['stdio', undefined, false],
      ['stdio', true, true],
    ] as const) {
      const runtime = new ServerRuntime(thingsServer(), { env: env(), transport, metrics });
      try {
        await runtime.ready;
        expect(runtime.host.keepsMetrics, transport).toBe(kept);
        expect(runtime.metrics === null, transport).toBe(!kept);
        if (kept) expect(await runtime.metrics!.registry.metrics()).toContain('portcullis_tool_calls_total');
      } finally {
        await runtime.close();
      }
    }
  });

  it('without them a call is answered and audited the same, and an unknown tool refused', async () => {
    const h = await startInProcess(thingsServer(), { principal: { id: 'p', tenant: 't' }, metrics: false });
    try {
      expect(h.runtime.metrics).toBeNull();
      const ok = await h.callTool('sys_get_thing');
      expect(ok.isError).toBe(false);
      expect(ok.structured).toEqual({ ok: true });
      expect(h.auditRecords().find((r) => r.id === ok.auditId)?.outcome).toBe('ok');
      await expect(h.callTool('sys_drop_thing')).rejects.toThrow(/Unknown tool: sys_drop_thing/);
    } finally {
      await h.close();
    }
  });

  it('counts every call when kept', async () => {
    const h = await startInProcess(thingsServer(), { principal: { id: 'p', tenant: 't' } });
    try {
      await h.callTool('sys_get_thing');
      await h.callTool('sys_get_thing');
      const calls = await h.runtime.metrics!.registry.getSingleMetric('portcullis_tool_calls_total')!.get();
      expect(
        calls.values.find((v) => v.labels.tool === 'sys_get_thing' && v.labels.outcome === 'ok')?.value,
      ).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('an HTTP app refuses a runtime that keeps none', async () => {
    const h = await startInProcess(thingsServer(), { principal: { id: 'p' }, metrics: false });
    try {
      await expect(
        createHttpApp(h.runtime, {
          host: '127.0.0.1',
          port: 0,
          authenticator: new ApiKeyAuthenticator([], false),
        }),
      ).rejects.toThrow(ConfigError);
    } finally {
      await h.close();
    }
  });
});

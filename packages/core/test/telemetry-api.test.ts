/**
 * The OpenTelemetry API is loaded when a span can reach anything: this process exports them (the
 * OTEL_* variables), or an SDK was registered in the process by someone else (an auto-instrumentation
 * loaded with `--require`, an application embedding the kit), whose spans must then include the
 * kit's. Otherwise every API call would be its no-op and a stdio server's first call skips its load
 * (`test/distribution/test/lazy-modules.test.ts` checks the built CLI loads none of it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryApiNeeded } from '../src/telemetry.js';
import { startInProcess } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const registered = () => (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] !== undefined;

afterEach(async () => {
  const api = await import('@opentelemetry/api');
  api.trace.disable();
  api.context.disable();
  api.propagation.disable();
  delete (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL];
});

describe('the OpenTelemetry API', () => {
  it('is needed when spans are exported or an SDK is registered in the process, not otherwise', async () => {
    expect(registered()).toBe(false);
    expect(telemetryApiNeeded({})).toBe(false);
    expect(telemetryApiNeeded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(
      telemetryApiNeeded({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }),
    ).toBe(true);
    expect(
      telemetryApiNeeded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    new NodeTracerProvider().register();
    expect(telemetryApiNeeded({})).toBe(true);
  });

  it('an SDK registered by someone else before the server starts records the kit’s spans', async () => {
    const { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } =
      await import('@opentelemetry/sdk-trace-node');
    const exporter = new InMemorySpanExporter();
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    const h = await startInProcess(thingsServer(), { principal: { id: 'p', tenant: 't' } });
    try {
      expect((await h.callTool('sys_get_thing')).isError).toBe(false);
    } finally {
      await h.close();
    }
    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === 'tools/call sys_get_thing');
    expect(call, spans.map((s) => s.name).join(', ')).toBeDefined();
    const policy = spans.find((s) => s.name === 'policy.authorize');
    expect(policy?.spanContext().traceId).toBe(call!.spanContext().traceId);
  });
});

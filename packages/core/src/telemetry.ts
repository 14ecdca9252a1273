/**
 * OpenTelemetry tracing. The kit creates spans through `@opentelemetry/api` only (the call, the
 * policy decision, upstream calls, store queries); without an SDK that API is a no-op costing a
 * function call. The SDK and the OTLP/HTTP exporter are loaded, and spans exported, only when the
 * standard variables ask for it (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * turn it off). Spans carry names, systems, outcomes and ids, never arguments or results.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Queryable, Store, StoreTransaction } from './store.js';

export { SpanKind, SpanStatusCode, type Span };

export const tracer = () => trace.getTracer('@portcullis/core');

/** Whether the environment asks for spans to be exported. */
export function telemetryWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

export interface Telemetry {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let started: Promise<Telemetry> | null = null;
let active = false;

/** Whether an SDK is exporting spans in this process (store queries are traced only then). */
export function telemetryActive(): boolean {
  return active;
}

/**
 * Starts the SDK once per process (a multi-system host shares it) when the environment asks for
 * it; null otherwise. The OTLP endpoint comes from the standard variables; headers
 * (`OTEL_EXPORTER_OTLP_HEADERS`) and batching (`OTEL_BSP_*`) are read by the SDK itself.
 */
export function startTelemetry(env: NodeJS.ProcessEnv, serviceName: string): Promise<Telemetry> | null {
  if (!telemetryWanted(env)) return null;
  started ??= (async () => {
    const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
      await Promise.all([
        import('@opentelemetry/sdk-trace-node'),
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/resources'),
      ]);
    const url =
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
    });
    // Global tracer provider, AsyncLocalStorage context and the W3C trace-context propagator.
    provider.register();
    active = true;
    return {
      shutdown: async () => {
        active = false;
        started = null;
        await provider.shutdown();
      },
    };
  })();
  return started;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** The parent context a W3C `traceparent` names (HTTP header or `_meta`), or the root. */
export function parentContext(traceparent: string | undefined): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** Runs `fn` in a span that ends when it settles, recording an exception as the span's error. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  opts: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  const span = tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, opts.parent);
  try {
    return await context.with(trace.setSpan(opts.parent ?? context.active(), span), () => fn(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.name ?? 'error' });
    throw err;
  } finally {
    span.end();
  }
}

/** The operation of a SQL statement (its first keyword), never its text or parameters. */
function operationOf(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
}

function tracedQueryable<Q extends Queryable>(q: Q, system: string): Q['query'] {
  return (sql, params) =>
    inSpan(
      `db ${operationOf(sql)}`,
      { 'db.system.name': system, 'db.operation.name': operationOf(sql) },
      () => q.query(sql, params),
      { kind: SpanKind.CLIENT },
    ) as never;
}

/** The store with a span per query and transaction (used only while spans are exported). */
export function tracedStore(store: Store): Store {
  const system = store.kind === 'postgres' ? 'postgresql' : 'pglite';
  return {
    get kind() {
      return store.kind;
    },
    query: tracedQueryable(store, system),
    exec: (sql) => store.exec(sql),
    transaction: <T>(fn: (tx: StoreTransaction) => Promise<T>) =>
      inSpan(
        'db transaction',
        { 'db.system.name': system },
        () => store.transaction((tx) => fn({ query: tracedQueryable(tx, system), exec: (s) => tx.exec(s) })),
        { kind: SpanKind.CLIENT },
      ),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

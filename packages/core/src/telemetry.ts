/**
 * OpenTelemetry tracing. The kit creates spans through `@opentelemetry/api` only (the call, the
 * policy decision, upstream calls, store queries); without an SDK that API is a no-op costing a
 * function call. The SDK and the OTLP/HTTP exporter are loaded, and spans exported, only when the
 * standard variables ask for it (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * turn it off). Spans carry names, systems, outcomes and ids, never arguments or results.
 *
 * The API itself (49 modules, ~15 ms) is loaded once the server is up, not before it answers
 * initialize, and only when a span can reach anything (`telemetryApiNeeded`): `Host.open()` awaits
 * `loadTelemetryApi()` then, before any call is served, and `startTelemetry` loads it before
 * registering an SDK. Without it (no SDK here or registered by anyone else, or a kit used without
 * a host) spans are the no-op the API's own would be.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import type { Queryable, Store, StoreTransaction } from './store.js';

export type { Span };
export type SpanRole = 'server' | 'client' | 'internal';

type Api = typeof OtelApi;
let api: Api | undefined;
let apiLoading: Promise<Api> | undefined;

/** Loads `@opentelemetry/api` (once); spans before it are no-ops. */
export function loadTelemetryApi(): Promise<Api> {
  return (apiLoading ??= import('@opentelemetry/api').then((m) => (api = m)));
}

const INVALID_SPAN_CONTEXT = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 };

/** The span before the API is loaded: what the API's own no-op tracer hands out. */
const NOOP_SPAN: Span = {
  spanContext: () => INVALID_SPAN_CONTEXT,
  setAttribute: () => NOOP_SPAN,
  setAttributes: () => NOOP_SPAN,
  addEvent: () => NOOP_SPAN,
  addLink: () => NOOP_SPAN,
  addLinks: () => NOOP_SPAN,
  setStatus: () => NOOP_SPAN,
  updateName: () => NOOP_SPAN,
  end: () => undefined,
  isRecording: () => false,
  recordException: () => undefined,
};

function kindOf(a: Api, role: SpanRole): OtelApi.SpanKind {
  if (role === 'server') return a.SpanKind.SERVER;
  if (role === 'client') return a.SpanKind.CLIENT;
  return a.SpanKind.INTERNAL;
}

/** Starts a span under `parent` (the active context when not given); end it with `span.end()`. */
export function startSpan(
  name: string,
  opts: { role?: SpanRole; attributes?: Record<string, string | number | boolean>; parent?: Context } = {},
): Span {
  if (!api) return NOOP_SPAN;
  return api.trace
    .getTracer('@portcullis/core')
    .startSpan(
      name,
      { kind: kindOf(api, opts.role ?? 'internal'), attributes: opts.attributes },
      opts.parent,
    );
}

/** Runs `fn` with `span` as the active span (under `parent`, or the active context). */
export function withSpan<T>(span: Span, fn: () => T, parent?: Context): T {
  if (!api) return fn();
  return api.context.with(api.trace.setSpan(parent ?? api.context.active(), span), fn);
}

/** Marks a span failed, with a short reason (an error code or name, never a message with data). */
export function failSpan(span: Span, reason: string): void {
  if (api) span.setStatus({ code: api.SpanStatusCode.ERROR, message: reason });
}

/** Where the OpenTelemetry API (major version 1) keeps what was registered with it, process-wide. */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/**
 * Whether a span can reach anything: this process exports them (telemetryWanted), or something
 * registered with the OpenTelemetry API before the host opened (an auto-instrumentation loaded with
 * `--require`, an application embedding the kit). Otherwise every API call would be its no-op, and
 * the host does not load the API (~15 ms of a stdio server's first call).
 */
export function telemetryApiNeeded(env: NodeJS.ProcessEnv): boolean {
  return telemetryWanted(env) || (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] !== undefined;
}

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
    await loadTelemetryApi();
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
export function parentContext(traceparent: string | undefined): Context | undefined {
  if (!api) return undefined;
  if (!traceparent || !TRACEPARENT.test(traceparent)) return api.ROOT_CONTEXT;
  return api.propagation.extract(api.ROOT_CONTEXT, { traceparent });
}

/** Runs `fn` in a span that ends when it settles, recording an exception as the span's error. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  opts: { role?: SpanRole; parent?: Context } = {},
): Promise<T> {
  const span = startSpan(name, { role: opts.role, attributes, parent: opts.parent });
  try {
    return await withSpan(span, () => fn(span), opts.parent);
  } catch (err) {
    failSpan(span, (err as Error)?.name ?? 'error');
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
      { role: 'client' },
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
        { role: 'client' },
      ),
    ping: () => store.ping(),
    stopped: () => store.stopped(),
    close: () => store.close(),
  };
}

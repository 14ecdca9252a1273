import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  Registry,
} from 'prom-client';
import type { PromClientModule as PromClient } from './lazy.js';

/**
 * Prometheus metrics for one server process (a registry per runtime, so tests can run several).
 * Built with prom-client once it is loaded (`Host.loadMetrics`, see lazy.ts).
 */
export class Metrics {
  readonly registry: Registry;
  /** outcome: ok, denied, rate_limited, approval_required, client_error (the caller's), error (the server's or an upstream's). */
  readonly calls: Counter<'tool' | 'outcome' | 'category'>;
  readonly inFlight: Gauge;
  readonly httpResponses: Counter<'status'>;
  readonly unauthenticated: Counter<'reason'>;
  readonly auditFailures: Counter;
  readonly upstreamLatency: Histogram<'system' | 'outcome'>;
  readonly latency: Histogram<'tool'>;
  readonly denials: Counter<'tool'>;
  readonly rateLimited: Counter<'scope'>;
  readonly upstreamRetries: Counter<'system'>;
  /** result: hit, miss, bypass (a write reads fresh), error (Redis failed; the upstream answered), invalidate_error. */
  readonly cacheRequests: Counter<'system' | 'type' | 'result'>;

  constructor(
    private readonly prom: PromClient,
    serverName: string,
    collectDefaults = true,
  ) {
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = prom;
    this.registry = new Registry();
    this.registry.setDefaultLabels({ server: serverName });
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({
      name: 'portcullis_tool_calls_total',
      help: 'Tool calls by outcome and error category (none when the call succeeded)',
      labelNames: ['tool', 'outcome', 'category'],
      registers: [this.registry],
    });
    this.inFlight = new Gauge({
      name: 'portcullis_tool_calls_in_flight',
      help: 'Tool calls being answered now',
      registers: [this.registry],
    });
    this.httpResponses = new Counter({
      name: 'portcullis_http_responses_total',
      help: 'HTTP responses by status code',
      labelNames: ['status'],
      registers: [this.registry],
    });
    this.unauthenticated = new Counter({
      name: 'portcullis_http_unauthenticated_total',
      help: 'HTTP requests refused with 401, by reason (invalid_request: no credential; invalid_token: a bad one)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.auditFailures = new Counter({
      name: 'portcullis_audit_write_failures_total',
      help: 'Audit records that could not be written (the call was refused or failed)',
      registers: [this.registry],
    });
    this.upstreamLatency = new Histogram({
      name: 'portcullis_upstream_call_duration_seconds',
      help: 'Upstream (backend API) call latency, retries included',
      labelNames: ['system', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'portcullis_tool_call_duration_seconds',
      help: 'Tool call latency',
      labelNames: ['tool'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.denials = new Counter({
      name: 'portcullis_policy_denials_total',
      help: 'Calls denied by policy (hidden tools called by name included)',
      labelNames: ['tool'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'portcullis_rate_limited_total',
      help: 'Calls refused by a rate limit',
      labelNames: ['scope'],
      registers: [this.registry],
    });
    this.upstreamRetries = new Counter({
      name: 'portcullis_upstream_retries_total',
      help: 'Upstream call retries',
      labelNames: ['system'],
      registers: [this.registry],
    });
    this.cacheRequests = new Counter({
      name: 'portcullis_cache_requests_total',
      help: 'Read-cache lookups of upstream records by result (hit, miss, bypass: inside a write, which reads fresh; error: Redis failed and the upstream answered; invalidate_error)',
      labelNames: ['system', 'type', 'result'],
      registers: [this.registry],
    });
  }

  /** A counter of a server's own, in this registry. */
  counter<T extends string>(config: Omit<CounterConfiguration<T>, 'registers'>): Counter<T> {
    return new this.prom.Counter<T>({ ...config, registers: [this.registry] });
  }

  /** A gauge of a server's own, in this registry. */
  gauge<T extends string>(config: Omit<GaugeConfiguration<T>, 'registers'>): Gauge<T> {
    return new this.prom.Gauge<T>({ ...config, registers: [this.registry] });
  }
}

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one server process (a registry per runtime, so tests can run several). */
export class Metrics {
  readonly registry = new Registry();
  readonly calls: Counter<'tool' | 'outcome'>;
  readonly latency: Histogram<'tool'>;
  readonly denials: Counter<'tool'>;
  readonly rateLimited: Counter<'scope'>;
  readonly upstreamRetries: Counter<'system'>;

  constructor(serverName: string, collectDefaults = true) {
    this.registry.setDefaultLabels({ server: serverName });
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({
      name: 'portcullis_tool_calls_total',
      help: 'Tool calls by outcome',
      labelNames: ['tool', 'outcome'],
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
      help: 'Calls denied by policy',
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
  }
}

/**
 * Libraries loaded on first use rather than when the kit is imported. Each took ~0.1 s of CPU to
 * load on the machines the bench runs on, before a stdio server could answer initialize, and a
 * stdio server on the embedded store needs neither to answer a read: jose signs and verifies
 * tokens (HTTP JWTs, approval tokens, broker assertions), prom-client keeps the metrics /metrics
 * serves (loaded once the server is up: `Host.loadMetrics`). Smaller ones (10-15 ms each) for the
 * same reason: p-retry runs upstream calls (never a read of the embedded store), Bottleneck the
 * rate limits (loaded when the limiter is made, in `Host.open()`), and the OpenTelemetry API is
 * telemetry.ts's own. The start-up guard (test/distribution/test/lazy-modules.test.ts) fails if
 * any is loaded by importing a server.
 */
import type * as Bottleneck from 'bottleneck';
import type * as Jose from 'jose';
import type * as PRetry from 'p-retry';
import type * as PromClient from 'prom-client';

export type BottleneckModule = typeof Bottleneck;
export type JoseModule = typeof Jose;
export type PRetryModule = typeof PRetry;
export type PromClientModule = typeof PromClient;

let bottleneck: Promise<BottleneckModule> | undefined;
let bottleneckLight: Promise<BottleneckModule> | undefined;
let jose: Promise<JoseModule> | undefined;
let pRetry: Promise<PRetryModule> | undefined;
let promClient: Promise<PromClientModule> | undefined;

/**
 * Bottleneck, for rate limits shared through Redis (`clustering`); otherwise its build without
 * clustering (`bottleneck/light.js`: the same classes without the Redis datastore), which spares an
 * in-process limiter reading the Redis scripts and modules on import (~10 ms of a first call).
 */
export function loadBottleneck(clustering: boolean): Promise<BottleneckModule> {
  if (clustering) return (bottleneck ??= import('bottleneck'));
  return (bottleneckLight ??= import('bottleneck/light.js'));
}

export function loadPRetry(): Promise<PRetryModule> {
  return (pRetry ??= import('p-retry'));
}

export function loadJose(): Promise<JoseModule> {
  return (jose ??= import('jose'));
}

export function loadPromClient(): Promise<PromClientModule> {
  return (promClient ??= import('prom-client'));
}

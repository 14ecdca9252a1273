/**
 * Libraries loaded on first use rather than when the kit is imported. Each took ~0.1 s of CPU to
 * load on the machines the bench runs on, before a stdio server could answer initialize, and a
 * stdio server on the embedded store needs neither to answer a read: jose signs and verifies
 * tokens (HTTP JWTs, approval tokens, broker assertions), prom-client keeps the metrics /metrics
 * serves (loaded once the server is up: `Host.loadMetrics`). The start-up guard
 * (test/distribution/test/lazy-modules.test.ts) fails if either is loaded by importing a server.
 */
import type * as Jose from 'jose';
import type * as PromClient from 'prom-client';

export type JoseModule = typeof Jose;
export type PromClientModule = typeof PromClient;

let jose: Promise<JoseModule> | undefined;
let promClient: Promise<PromClientModule> | undefined;

export function loadJose(): Promise<JoseModule> {
  return (jose ??= import('jose'));
}

export function loadPromClient(): Promise<PromClientModule> {
  return (promClient ??= import('prom-client'));
}

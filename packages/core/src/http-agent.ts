/**
 * Keep-alive agents for upstream SDKs: a connector makes one for its base URL and destroys it on
 * close, so consecutive calls reuse a TCP (and TLS) connection instead of paying a handshake each.
 */
// Type-only: node:http and node:https (with tls, ~10 ms) load when a connector makes its agent, so a
// server on the embedded store, which reaches no upstream, never loads them over stdio.
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** The kit's agent settings: connections kept open between calls, bounded per upstream host. */
export const KEEP_ALIVE_AGENT_OPTIONS = {
  keepAlive: true,
  // TCP keep-alive probes on idle sockets, so a silently dropped connection is noticed.
  keepAliveMsecs: 1000,
  maxSockets: 50,
  maxFreeSockets: 10,
  // Most recently used first: idle sockets beyond the busy set age out instead of rotating.
  scheduling: 'lifo',
} as const;

/** An http or https keep-alive agent for `url`'s protocol. */
export function keepAliveAgent(url: string | URL): HttpAgent | HttpsAgent {
  const protocol = new URL(url).protocol;
  return protocol === 'http:'
    ? new (process.getBuiltinModule('node:http').Agent)(KEEP_ALIVE_AGENT_OPTIONS)
    : new (process.getBuiltinModule('node:https').Agent)(KEEP_ALIVE_AGENT_OPTIONS);
}

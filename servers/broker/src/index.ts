export { defineBroker, Federation, UpstreamState, BROKER_POLICY_DIR, DEFAULT_PORT } from './server.js';
export {
  BROKER_CONFIG_SCHEMA,
  loadBrokerConfig,
  parseBrokerConfig,
  type BrokerConfig,
  type ResolvedUpstream,
  type UpstreamConfig,
  type UpstreamKind,
} from './config.js';
export { LOCAL_SYSTEMS } from './locals.js';
export { Lock, readLock, toolHash, writeLock, type LockFile, type PinState } from './pinning.js';
export { runLock, listUpstream, type LockResult } from './lock-cli.js';
export { CircuitBreaker, UpstreamGate } from './gate.js';

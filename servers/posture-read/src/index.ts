export { server, tools } from './server.js';
export type {
  AccountScope,
  AssetQuery,
  ControlStatus,
  ExposureRow,
  FindingDetail,
  FindingQuery,
  Page,
  PageRequest,
  PostureBackend,
  SummaryGroup,
} from './backend.js';
export * from './domain.js';
export { EmbeddedBackend, readOnlyReads } from './embedded.js';
export { migrations, storeExtensions } from './migrations.js';
export { CONTROLS, FRAMEWORKS, CIS, PCI } from './frameworks.js';
export { DEMO_STORY, DEMO_TENANTS, SEED_NOW, generateSeed } from './seed.js';
export { assetId, emptyCounts, findingId, ingestChunk, INGEST_CHUNK, type IngestCounts } from './ingest.js';
export { cleanExternal, fence, redactDeep, redactSecrets, UNTRUSTED_NOTICE } from './text-safety.js';
export { configSchema, readConfig, type PostureConfig } from './config.js';
export { toolsTable, replaceToolsTable } from '@portcullis/core';

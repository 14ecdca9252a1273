export { server, tools } from './server.js';
export type {
  AccountQuery,
  AccountRelated,
  ActivityTarget,
  ContactChanges,
  ContactQuery,
  CrmBackend,
  FirstItems,
  NewActivity,
  NewContact,
  NewOpportunity,
  OpportunityQuery,
  Page,
  PageRequest,
  ReadOptions,
  WriteOptions,
  WriteResult,
} from './backend.js';
export { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './backend.js';
export type { Account, Activity, ActivityType, Contact, Opportunity, Owner, Stage } from './domain.js';
export { STAGES, OPEN_STAGES, STAGE_TRANSITIONS, ACTIVITY_TYPES } from './domain.js';
export { EmbeddedBackend } from './embedded.js';
export { HubSpotBackend, DEFAULT_STAGE_MAP, type HubSpotConnectorOptions } from './hubspot.js';
export { migrations, storeExtensions } from './migrations.js';
export { DEMO_TENANTS, generateSeed, type SeedData, type SeedOwner, type SeedTeam } from './seed.js';
export { configSchema, readConfig, type CrmConfig } from './config.js';
export { toolsTable, replaceToolsTable } from '@portcullis/core';
export { replaceMoneyTable } from '@portcullis/core/money';
export { crmMoneyRules, crmMoneyTable } from './money-table.js';

export {
  defineJsonSchemaTool,
  defineTool,
  deriveAnnotations,
  isJsonSchemaTool,
  loadedRecord,
  toolsFor,
  withRecord,
} from './tool.js';
export type {
  Access,
  AnyObjectSchema,
  ToolFactory,
  CedarValue,
  Principal,
  PolicyResource,
  ResolveContext,
  ToolContext,
  ToolDefinition,
  ToolAnnotations,
  AnyToolDefinition,
  JsonObjectSchema,
  JsonSchemaToolDefinition,
  ToolOutput,
} from './tool.js';
export { defineServer } from './definition.js';
export { replaceToolsTable, toolsTable, TABLE_END, TABLE_START } from './tools-table.js';
export { packageFile } from './package-root.js';
export type {
  BackendLifecycle,
  FederatedContent,
  FederatedPrompt,
  FederatedResource,
  FederatedResourceTemplate,
  FederationRequest,
  KitServices,
  PromptDefinition,
  ResourceDefinition,
  ResourceContext,
  ServerDefinition,
  ToolsetDefinition,
} from './definition.js';
export { ConfigError, PortcullisError, errors, toPortcullisError, ERROR_CATEGORIES } from './errors.js';
export type { ErrorCategory, ErrorEnvelope } from './errors.js';
export { Redactor, REDACTED, setData } from './redact.js';
export { templateRegExp } from './uri-template.js';
export { createLogger } from './log.js';
export type { Logger } from './log.js';
export {
  ServerRuntime,
  UnknownToolError,
  AUDIT_META_KEY,
  ERROR_META_KEY,
  TRACE_META_KEY,
} from './runtime.js';
export type { ApprovalsApi, CallResult, EvaluateFn, McpScope, Mounted, ToolListing } from './runtime.js';
export { toolEntry } from './tool-entry.js';
export {
  BROKER_ROLE,
  CALLER_ASSERTION_META_KEY,
  CallerAssertionSigner,
  CallerAssertionVerifier,
} from './assertion.js';
export type { Decision, Effect } from './policy.js';
export { runServerCli, buildAuthenticator, type CliOptions, type HostCliOptions } from './cli.js';
export { createHttpApp } from './http-lazy.js';
export { generateApiKey, hashSecret, stdioPrincipal } from './identity.js';
export type { ApiKeyRecord } from './identity.js';
export { openStore, migrate, STORE_EXTENSIONS } from './store.js';
export type { Migration, Queryable, Store, StoreExtension } from './store.js';
export { connectionString, databaseUrlOf, parseCredentialRef } from './credentials.js';
export { Host } from './host.js';
export { Surface } from './surface.js';
export { STAGE_ORDER } from './stages.js';
export type { CallMode, KitStageName, Next, Stage, StageExtension, ToolCall } from './stages.js';
export {
  accessOf,
  CALLER_META_KEY,
  defineUpstreamServer,
  InProcessUpstream,
  RemoteUpstream,
} from './upstream.js';
export type {
  RemoteTarget,
  RemoteUpstreamOptions,
  Upstream,
  UpstreamCallOptions,
  UpstreamCallResult,
  UpstreamServerOptions,
  UpstreamTool,
} from './upstream.js';
export { dataDirOf, isProduction, parseServerConfig } from './config.js';

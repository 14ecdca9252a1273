/**
 * The broker's configuration file (`--config broker.yaml`): YAML or JSON with the same keys, a
 * public contract validated against one JSON Schema (the kit's validator, Ajv) before anything
 * starts. An invalid file stops start-up with one line naming the key.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@portcullis/core';
// BROKER_CONFIG_SCHEMA compiled by Ajv ahead of time (generated; its test proves it current):
// compiling the schema at start took ~50 ms of CPU, and the garbage it left as much again, before
// the broker could start anything else.
import { validate as validateConfig } from '../generated/config-validator.js';
import { LOCAL_SYSTEMS } from './locals.js';
import type { OAuthClientSettings } from './upstream-auth.js';

const credentialRef = {
  type: 'string',
  pattern: '^(env|file|aws-sm):.+',
  description: 'A credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key].',
};

/** An OAuth client of a token endpoint: `auth.oauth` (client credentials) and `auth.token_exchange` (RFC 8693). */
const oauthClient = {
  type: 'object',
  additionalProperties: false,
  required: ['token_url', 'client_id', 'client_secret'],
  properties: {
    token_url: { type: 'string', pattern: '^https?://' },
    client_id: { type: 'string', minLength: 1, maxLength: 256 },
    client_secret: credentialRef,
    scope: {
      type: 'string',
      pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+( [\\x21\\x23-\\x5b\\x5d-\\x7e]+)*$',
    },
    audience: { type: 'string', minLength: 1, maxLength: 2048 },
    auth_method: { type: 'string', enum: ['client_secret_basic', 'client_secret_post'] },
  },
};

/** The file's JSON Schema (draft 2020-12 subset that Ajv's default draft-07 mode accepts). */
export const BROKER_CONFIG_SCHEMA = {
  $id: 'https://portcullis.dev/schemas/broker.json',
  type: 'object',
  additionalProperties: false,
  required: ['upstreams'],
  properties: {
    upstreams: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
          local: { type: 'string', enum: Object.keys(LOCAL_SYSTEMS) },
          stdio: {
            type: 'object',
            additionalProperties: false,
            required: ['command'],
            properties: {
              command: { type: 'string', minLength: 1 },
              args: { type: 'array', items: { type: 'string' } },
              env: { type: 'object', additionalProperties: { type: 'string' } },
              cwd: { type: 'string', minLength: 1 },
            },
          },
          url: { type: 'string', pattern: '^https?://' },
          transport: { type: 'string', enum: ['auto', 'streamable', 'sse'] },
          auth: {
            type: 'object',
            additionalProperties: false,
            properties: {
              bearer: credentialRef,
              api_key: {
                type: 'object',
                additionalProperties: false,
                required: ['header', 'value'],
                properties: {
                  header: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
                  value: credentialRef,
                },
              },
              oauth: oauthClient,
              token_exchange: oauthClient,
            },
          },
          prefix: { type: 'string', pattern: '^[a-z][a-z0-9_]*_$' },
          tools: {
            type: 'object',
            additionalProperties: false,
            properties: {
              allow: { type: 'array', items: { type: 'string', minLength: 1 } },
              deny: { type: 'array', items: { type: 'string', minLength: 1 } },
            },
          },
          timeout_ms: { type: 'integer', minimum: 1, maximum: 600000 },
          max_message_bytes: { type: 'integer', minimum: 1024, maximum: 268435456 },
          concurrency: { type: 'integer', minimum: 1, maximum: 1000 },
          rate_limit: { type: 'string', pattern: '^\\s*\\d+\\s*/\\s*\\d+\\s*(ms|s|m|h)\\s*$' },
          on_failure: { type: 'string', enum: ['closed', 'open'] },
          caller_assertion: { type: 'boolean' },
          breaker: {
            type: 'object',
            additionalProperties: false,
            properties: {
              failures: { type: 'integer', minimum: 1, maximum: 1000 },
              cooldown_ms: { type: 'integer', minimum: 1, maximum: 3600000 },
            },
          },
        },
      },
    },
    lock: { type: 'string', minLength: 1 },
  },
};

export interface UpstreamConfig {
  name: string;
  /** A key of LOCAL_SYSTEMS. */
  local?: string;
  stdio?: { command: string; args?: string[]; env?: Record<string, string>; cwd?: string };
  url?: string;
  transport?: 'auto' | 'streamable' | 'sse';
  auth?: {
    bearer?: string;
    api_key?: { header: string; value: string };
    oauth?: OAuthClientSettings;
    /** RFC 8693: a token per caller, exchanged for the broker's signed caller assertion. */
    token_exchange?: OAuthClientSettings;
  };
  prefix?: string;
  tools?: { allow?: string[]; deny?: string[] };
  timeout_ms?: number;
  /** The largest message a remote or stdio upstream may send; default 16 MiB. */
  max_message_bytes?: number;
  concurrency?: number;
  rate_limit?: string;
  on_failure?: 'closed' | 'open';
  /** A remote Portcullis upstream: send the caller as a signed assertion (PORTCULLIS_BROKER_SIGNING_KEY). */
  caller_assertion?: boolean;
  breaker?: { failures?: number; cooldown_ms?: number };
}

export type UpstreamKind = 'local' | 'remote' | 'stdio';

/** One upstream with every default applied. */
export interface ResolvedUpstream extends UpstreamConfig {
  kind: UpstreamKind;
  /** '' for local systems: they keep their own crm_/billing_ names. */
  prefix: string;
  timeout_ms: number;
  concurrency: number;
  on_failure: 'closed' | 'open';
  breaker: { failures: number; cooldown_ms: number };
}

export interface BrokerConfig {
  /** Absolute path of the file it was read from (the built-in one: `(built-in)` in the data directory). */
  path: string;
  upstreams: ResolvedUpstream[];
  /** Absolute path of tools.lock.json (default: beside the config file; the built-in one's: the data directory). */
  lock: string;
  /** No file was given: every local system over stdio (localSystemsConfig). */
  builtIn?: true;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_BREAKER = { failures: 3, cooldown_ms: 30_000 };

/** Reads, validates and resolves a config file; any problem is a ConfigError naming the key. */
export function loadBrokerConfig(file: string): BrokerConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the broker configuration (${(err as Error).message}).`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `${file}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return parseBrokerConfig(raw, path);
}

/** Validates an already parsed document (YAML and JSON give the same shape). */
export function parseBrokerConfig(raw: unknown, path: string): BrokerConfig {
  if (!validateConfig(raw)) throw new ConfigError(`${path}: ${describe(validateConfig.errors?.[0])}`);
  const doc = raw as { upstreams: UpstreamConfig[]; lock?: string };
  const names = new Set<string>();
  const upstreams = doc.upstreams.map((u, i): ResolvedUpstream => {
    const at = `upstreams[${i}]`;
    const kinds = (['local', 'stdio', 'url'] as const).filter((k) => u[k] !== undefined);
    if (kinds.length !== 1)
      throw new ConfigError(
        `${path}: ${at}: give exactly one of local, stdio or url (${kinds.length === 0 ? 'none given' : kinds.join(' and ')}).`,
      );
    if (names.has(u.name)) throw new ConfigError(`${path}: ${at}.name: upstream ${u.name} is named twice.`);
    names.add(u.name);
    const kind: UpstreamKind = u.local ? 'local' : u.stdio ? 'stdio' : 'remote';
    if (kind === 'local') {
      for (const key of ['prefix', 'auth', 'transport', 'caller_assertion', 'max_message_bytes'] as const)
        if (u[key] !== undefined)
          throw new ConfigError(
            `${path}: ${at}.${key}: does not apply to a local system (it keeps its own tool names and runs in this process).`,
          );
    }
    if (u.url !== undefined) {
      let url: URL;
      try {
        url = new URL(u.url);
      } catch {
        throw new ConfigError(`${path}: ${at}.url: not a URL.`);
      }
      // A secret in the URL would be in every message that names the upstream (start-up errors,
      // logs); credentials go by reference in auth, where they are resolved and masked.
      if (url.username !== '' || url.password !== '')
        throw new ConfigError(
          `${path}: ${at}.url: holds a user name or password; give the credential by reference in auth instead.`,
        );
      // So would a credential in the query (…?api_key=…): named, never its value.
      const secret = [...url.searchParams.keys()].find(namesCredential);
      if (secret !== undefined)
        throw new ConfigError(
          `${path}: ${at}.url: its query parameter '${secret.slice(0, 40)}' looks like a credential; give it by reference in auth (api_key with a header, or bearer) instead.`,
        );
    }
    if (kind === 'stdio' && u.caller_assertion !== undefined)
      throw new ConfigError(
        `${path}: ${at}.caller_assertion: applies to remote Portcullis upstreams over HTTP only.`,
      );
    if (kind === 'stdio' && (u.auth !== undefined || u.transport !== undefined))
      throw new ConfigError(
        `${path}: ${at}.${u.auth !== undefined ? 'auth' : 'transport'}: does not apply to a stdio upstream (pass its credential in stdio.env by reference).`,
      );
    const given = (['bearer', 'api_key', 'oauth', 'token_exchange'] as const).filter(
      (k) => u.auth?.[k] !== undefined,
    );
    if (given.length > 1)
      throw new ConfigError(
        `${path}: ${at}.auth: give one of bearer, api_key, oauth or token_exchange (got ${given.join(' and ')}).`,
      );
    if (u.auth?.token_exchange && u.caller_assertion !== undefined)
      throw new ConfigError(
        `${path}: ${at}.caller_assertion: not with auth.token_exchange (the exchanged token already names the caller).`,
      );
    const grant = u.auth?.oauth ? 'oauth' : 'token_exchange';
    const tokenUrl = u.auth?.[grant]?.token_url;
    if (tokenUrl !== undefined) {
      let url: URL;
      try {
        url = new URL(tokenUrl);
      } catch {
        throw new ConfigError(`${path}: ${at}.auth.${grant}.token_url: not a URL.`);
      }
      // The client secret travels to it: plain http only where nothing leaves the machine.
      if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
        throw new ConfigError(
          `${path}: ${at}.auth.${grant}.token_url: must use https (plain http is accepted only on loopback).`,
        );
    }
    return {
      ...u,
      kind,
      prefix: kind === 'local' ? '' : (u.prefix ?? `${u.name.replace(/-/g, '_')}_`),
      timeout_ms: u.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      concurrency: u.concurrency ?? DEFAULT_CONCURRENCY,
      on_failure: u.on_failure ?? 'closed',
      breaker: { ...DEFAULT_BREAKER, ...u.breaker },
    };
  });
  const dir = dirname(path);
  const lock = doc.lock ?? 'tools.lock.json';
  return { path, upstreams, lock: isAbsolute(lock) ? lock : resolve(dir, lock) };
}

/**
 * Whether a query parameter's name says it carries a credential, by its words (`access_token`,
 * `X-Amz-Signature`, `apiKey`, `client_secret`), not by substrings: `keyword`, `author`,
 * `max_tokens` or `project_key` are not credentials.
 */
function namesCredential(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  if (SECRET_WORDS.has(words.join(''))) return true;
  // `key` alone, or a key of a kind that is a secret (api_key, access-key, sas_key ...).
  return words.includes('key') && (words.length === 1 || words.some((w) => KEY_KINDS.has(w)));
}

const SECRET_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'sig',
  'signature',
  'credential',
  'credentials',
  'jwt',
  'bearer',
  'auth',
  'authorization',
  'apikey',
  'accesstoken',
  'sessionid',
]);
const KEY_KINDS = new Set(['api', 'access', 'secret', 'private', 'auth', 'subscription', 'sas', 'shared']);

/** One line naming the key: `upstreams[1].timeout_ms: must be integer`. */
function describe(e: ErrorObject | undefined): string {
  if (!e) return 'invalid configuration.';
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = '';
  for (const p of parts) key += /^\d+$/.test(p) ? `[${p}]` : `${key ? '.' : ''}${p}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties')
    return `${key ? `${key}.` : ''}${String(params.additionalProperty)}: unknown key.`;
  if (e.keyword === 'required')
    return `${key ? `${key}.` : ''}${String(params.missingProperty)}: is required.`;
  if (e.keyword === 'enum')
    return `${key || '(document)'}: must be one of ${(params.allowedValues as unknown[]).join(', ')}.`;
  if (
    e.keyword === 'pattern' &&
    (key.endsWith('.bearer') || key.endsWith('api_key.value') || key.endsWith('.client_secret'))
  )
    return `${key}: must be a credential reference (env:NAME, file:/path or aws-sm:secret-id).`;
  return `${key || '(document)'}: ${e.message ?? 'is invalid'}.`;
}

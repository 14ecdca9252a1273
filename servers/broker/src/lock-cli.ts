/**
 * `portcullis-broker lock [--accept UPSTREAM]...`: pins every upstream tool's definition in
 * tools.lock.json. Without --accept it pins what is not pinned yet and refuses to re-pin a changed
 * definition (it names each, with both hashes); --accept re-pins one upstream after review.
 */
import { existsSync } from 'node:fs';
import { RemoteUpstream, createLogger, toolEntry, Redactor, type UpstreamTool } from '@portcullis/core';
import { CredentialResolver } from '@portcullis/core/credentials';
import type { BrokerConfig, ResolvedUpstream } from './config.js';
import { LOCAL_SYSTEMS } from './locals.js';
import { readLock, toolHash, writeLock, type LockFile } from './pinning.js';

export interface LockResult {
  written: boolean;
  /** upstream → tools newly pinned */
  added: Record<string, string[]>;
  /** Changed definitions not accepted: the lock keeps the old hash. */
  refused: { upstream: string; tool: string; pinned: string; current: string }[];
  /** Re-pinned by --accept. */
  accepted: Record<string, string[]>;
}

/** The tools an upstream lists now, by its own names (allow/deny applied). */
export async function listUpstream(cfg: ResolvedUpstream, env: NodeJS.ProcessEnv): Promise<UpstreamTool[]> {
  const offers = (t: { name: string }) =>
    (!cfg.tools?.allow || cfg.tools.allow.includes(t.name)) && !cfg.tools?.deny?.includes(t.name);
  if (cfg.local) {
    // A local system's tools are its code: read from its definition, nothing started.
    return LOCAL_SYSTEMS[cfg.local]!.tools.map((d) => {
      const l = toolEntry(d).listing;
      return {
        name: l.name,
        title: l.title,
        description: l.description,
        inputSchema: l.inputSchema,
        ...(l.outputSchema ? { outputSchema: l.outputSchema } : {}),
        annotations: l.annotations,
      };
    }).filter(offers);
  }
  const redactor = new Redactor();
  const logger = createLogger({ name: 'portcullis-broker', level: 'silent', redactor });
  const credentials = new CredentialResolver({ redactor, logger, env });
  const up = new RemoteUpstream({
    name: cfg.name,
    target: cfg.stdio
      ? { kind: 'stdio', ...cfg.stdio }
      : { kind: 'http', url: cfg.url!, protocol: cfg.transport ?? 'auto' },
    bearer: cfg.auth?.bearer ?? cfg.auth?.api_key?.value,
    apiKeyHeader: cfg.auth?.api_key?.header,
    credentials,
    logger,
    timeoutMs: cfg.timeout_ms,
    ...(cfg.max_message_bytes !== undefined ? { maxMessageBytes: cfg.max_message_bytes } : {}),
  });
  try {
    return (await up.listTools()).filter(offers);
  } finally {
    await up.close().catch(() => undefined);
    credentials.close();
  }
}

export async function runLock(
  config: BrokerConfig,
  accept: string[],
  env: NodeJS.ProcessEnv,
): Promise<LockResult> {
  for (const name of accept)
    if (!config.upstreams.some((u) => u.name === name))
      throw new Error(`--accept ${name}: no upstream of that name in ${config.path}.`);
  const lock: LockFile = existsSync(config.lock) ? readLock(config.lock) : { version: 1, upstreams: {} };
  const result: LockResult = { written: false, added: {}, refused: [], accepted: {} };
  const now = new Date().toISOString();
  for (const cfg of config.upstreams) {
    let tools: UpstreamTool[];
    try {
      tools = await listUpstream(cfg, env);
    } catch (err) {
      throw new Error(`upstream ${cfg.name} cannot be listed: ${(err as Error).message}`);
    }
    const hashes = Object.fromEntries(tools.map((t) => [t.name, toolHash(t)]));
    const old = lock.upstreams[cfg.name];
    if (accept.includes(cfg.name) || !old) {
      if (old) result.accepted[cfg.name] = Object.keys(hashes).filter((t) => old.tools[t] !== hashes[t]);
      else result.added[cfg.name] = Object.keys(hashes);
      lock.upstreams[cfg.name] = { pinned_at: now, tools: hashes };
      continue;
    }
    for (const [tool, hash] of Object.entries(hashes)) {
      const pinned = old.tools[tool];
      if (pinned === undefined) continue; // a new tool is pinned only by --accept, after review
      if (pinned !== hash) result.refused.push({ upstream: cfg.name, tool, pinned, current: hash });
    }
  }
  writeLock(config.lock, lock);
  result.written = true;
  return result;
}

/**
 * Tool pinning: tools.lock.json holds a hash of every upstream tool's definition (name,
 * description, input and output schema, annotations). A tool whose definition no longer matches
 * is withheld and refused (`tool_definition_changed`) until an operator reviews it and runs
 * `portcullis-broker lock --accept <upstream>`. A description rewritten to smuggle instructions
 * to the model is exactly what this stops.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { canonicalJson } from '@portcullis/core/canonical';
import { ConfigError } from '@portcullis/core';
import { createHash } from 'node:crypto';

/** What is hashed of a tool: exactly what a client shows the model and validates against. */
export interface PinnableTool {
  name: string;
  description?: string;
  inputSchema: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

export function toolHash(t: PinnableTool): string {
  const body = canonicalJson({
    name: t.name,
    description: t.description ?? '',
    inputSchema: t.inputSchema ?? null,
    outputSchema: t.outputSchema ?? null,
    annotations: t.annotations ?? null,
  });
  return `sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;
}

export interface LockFile {
  version: 1;
  /** Upstream name → its tools (by the upstream's own tool name) → hash. */
  upstreams: Record<string, { pinned_at: string; tools: Record<string, string> }>;
}

export type PinState =
  | { state: 'pinned' }
  | { state: 'unpinned' } // no lock file: pinning is off
  | { state: 'changed'; pinned: string; current: string }
  | { state: 'not_pinned'; current: string };

/** The lock as the running broker sees it: re-read when the file changes (after `lock --accept`). */
export class Lock {
  private data: LockFile | null = null;
  private mtimeMs = -1;
  /** Bumped whenever a different lock is read (or the file goes away). */
  generation = 0;

  constructor(readonly path: string) {
    this.reload();
  }

  private reload(): void {
    if (!existsSync(this.path)) {
      if (this.data) this.generation++;
      this.data = null;
      this.mtimeMs = -1;
      return;
    }
    const mtime = statSync(this.path).mtimeMs;
    if (mtime === this.mtimeMs && this.data) return;
    this.data = readLock(this.path);
    this.mtimeMs = mtime;
    this.generation++;
  }

  /** False when there is no lock file (tools are then served unpinned). */
  get present(): boolean {
    this.refresh();
    return this.data !== null;
  }

  /** Re-reads the file if it changed; returns the generation of the lock in force. */
  poll(): number {
    this.refresh();
    return this.generation;
  }

  private lastCheck = 0;
  private refresh(): void {
    // A stat at most every 250 ms keeps list and call paths off the disk.
    const now = Date.now();
    if (now - this.lastCheck < 250) return;
    this.lastCheck = now;
    try {
      this.reload();
    } catch {
      // A half-written or broken lock keeps the last good one in force.
    }
  }

  check(upstream: string, tool: string, current: string): PinState {
    this.refresh();
    if (!this.data) return { state: 'unpinned' };
    const pinned = this.data.upstreams[upstream]?.tools[tool];
    if (pinned === undefined) return { state: 'not_pinned', current };
    return pinned === current ? { state: 'pinned' } : { state: 'changed', pinned, current };
  }
}

export function readLock(path: string): LockFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not a valid tools lock (${(err as Error).message}).`);
  }
  const d = doc as Partial<LockFile>;
  if (d?.version !== 1 || typeof d.upstreams !== 'object' || d.upstreams === null)
    throw new ConfigError(`${path}: not a tools lock of version 1; write it with portcullis-broker lock.`);
  return d as LockFile;
}

/** Writes atomically (temp file, rename), owner-readable only. */
export function writeLock(path: string, lock: LockFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(lock, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

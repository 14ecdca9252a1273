import { mkdirSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ownedPrivately } from './private-path.js';

/**
 * V8's compiled code for the modules a stdio server loads, kept between starts by Node's module
 * compile cache (Node >= 22.10; on Node 20 there is none and nothing changes). A start that finds
 * its modules' code there skips compiling them: 15-50 ms off a stdio server's first answer on
 * Node 24 in most series of paired starts (once 3 ms, billing). Node keys each entry by the
 * module's path and checks the source's hash, so an upgraded module is compiled again; its
 * entries are 0600 in a folder per Node version and user.
 *
 * The cache is code this process runs, so it is used only from a folder this user alone can write:
 * `$XDG_CACHE_HOME/portcullis/compile-cache` (`~/.cache/portcullis/compile-cache` by default),
 * created owner-only; a folder another user could write (or a link in its place) is not used.
 * Node's own settings win: `NODE_COMPILE_CACHE` (Node enabled the cache there before any module
 * loaded) and `NODE_DISABLE_COMPILE_CACHE=1` (off). Deleting the folder is always safe.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG base directory rules: a relative path is invalid and ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'portcullis', 'compile-cache');
}

/** What `enableCompileCache` did, for the start's debug log. */
export type CompileCacheOutcome =
  | { state: 'enabled'; dir: string }
  | { state: 'unavailable' } // Node without the cache (or without its atomic writes: before 22.10)
  | { state: 'left-to-node' } // NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE decides
  | { state: 'not-private'; dir: string } // another user could write the folder: not used
  | { state: 'failed'; dir: string; reason: string };

interface NodeCompileCache {
  enableCompileCache?: (dir: string) => { status: number; message?: string };
  flushCompileCache?: () => void;
  constants?: { compileCacheStatus?: { ENABLED?: number } };
}

let last: CompileCacheOutcome = { state: 'unavailable' };

/** The outcome of this process's `enableCompileCache` (`unavailable` if it never ran). */
export function compileCacheOutcome(): CompileCacheOutcome {
  return last;
}

/**
 * Turns Node's module compile cache on for this process, in the folder above, before the kit and
 * the server load (`@portcullis/core/tune-v8` calls it for stdio). Never throws: a cache that
 * cannot be used costs the start its compile time, nothing else.
 */
export function enableCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  node: NodeCompileCache = module as unknown as NodeCompileCache,
): CompileCacheOutcome {
  last = enable(env, node);
  return last;
}

function enable(env: NodeJS.ProcessEnv, node: NodeCompileCache): CompileCacheOutcome {
  // flushCompileCache came with the temporary-file-and-rename writes (Node 22.10): before it,
  // two servers ending at once could leave each other a torn entry.
  if (typeof node.enableCompileCache !== 'function' || typeof node.flushCompileCache !== 'function')
    return { state: 'unavailable' };
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return { state: 'left-to-node' };
  let dir = '';
  try {
    dir = compileCacheDir(env); // throws only without a home directory
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const parent = dirname(dir);
    // The cache base may be a link its owner made; portcullis/ and compile-cache/ may not.
    if (
      !ownedPrivately(dirname(parent), false, true) ||
      !ownedPrivately(parent, false) ||
      !ownedPrivately(dir, false)
    )
      return { state: 'not-private', dir };
    const r = node.enableCompileCache(dir);
    const enabled = node.constants?.compileCacheStatus?.ENABLED ?? 1;
    if (r.status !== enabled) return { state: 'failed', dir, reason: r.message ?? `status ${r.status}` };
    return { state: 'enabled', dir };
  } catch (err) {
    return { state: 'failed', dir, reason: (err as Error).message };
  }
}

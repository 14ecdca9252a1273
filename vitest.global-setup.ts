import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary directory per test run, removed at the end: every test (and every server or CLI a
 * test spawns) that asks `os.tmpdir()` writes under it, so data directories, audit files and
 * generated imports never accumulate in /tmp across runs, whatever a test forgets to clean.
 * Workers are started after this runs, so they inherit TMPDIR.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-run-'));
  // Traversable (not listable) by others: a test PostgreSQL runs as the postgres user inside it.
  chmodSync(dir, 0o711);
  process.env.TMPDIR = dir;
  // Stdio servers keep Node's module compile cache under XDG_CACHE_HOME (Node >= 22.10): the run's
  // own, so no test writes to the home directory's ~/.cache.
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  return () => rmSync(dir, { recursive: true, force: true });
}

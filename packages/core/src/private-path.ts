import { lstatSync, statSync } from 'node:fs';

/**
 * Whether a path is this user's alone: owned by this process's user and writable by nobody else
 * (a file readable by nobody else either), and not a symbolic link unless `follow` (a folder its
 * owner reached through a link they made). What a start loads from a cache (the policy cache, V8's
 * compiled code) comes from such paths only: a file another user could have written is never read.
 */
export function ownedPrivately(path: string, isFile: boolean, follow = false): boolean {
  const st = follow ? statSync(path) : lstatSync(path);
  if (st.isSymbolicLink() || (isFile ? !st.isFile() : !st.isDirectory())) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return false;
  return (st.mode & (isFile ? 0o077 : 0o022)) === 0;
}

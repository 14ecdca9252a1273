import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A file shipped in an installed package (policies, templates, a worker script, the embedded
 * store's template), found through the package's own name rather than relative to the calling
 * module: a server's CLI is one bundle (scripts/bundle-cli.mjs), so `import.meta.url` there names
 * the bundle, not the module the code was written in. `from` is the caller's `import.meta.url`;
 * the package must export `./package.json` (every Portcullis package does).
 */
export function packageFile(name: string, from: string | URL, ...path: string[]): string {
  return join(dirname(createRequire(from).resolve(`${name}/package.json`)), ...path);
}

/**
 * Imported first by every server's CLI (`import '@portcullis/core/tune-v8';`), which imports the kit
 * and the server only after it, dynamically: ES modules load their whole static import graph before
 * any of it runs. So the V8 settings in v8-tuning.ts hold from the process's first allocations:
 * the young generation otherwise grows while the modules load (to 16 MB semi-spaces for the
 * broker's four systems) and stays that size. The CLI applies them again once its command line
 * is parsed, for a program that runs the kit without this module.
 *
 * Over stdio it also turns on Node's module compile cache (compile-cache.ts) before the rest loads,
 * so a desktop client's restart finds the kit's and the server's compiled code (Node >= 22.10).
 */
import { enableCompileCache } from './compile-cache.js';
import { processKindIn, tuneV8 } from './v8-tuning.js';

const kind = processKindIn(process.argv.slice(2));
tuneV8(kind);
if (kind.transport === 'stdio') enableCompileCache();

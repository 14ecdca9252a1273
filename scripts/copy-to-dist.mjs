#!/usr/bin/env node
// Copies files tsc does not emit from a package's src/ to its dist/, unchanged: generated
// JavaScript with its hand-written types beside it (tsc type-checks against the .d.ts).
//
//   node ../../scripts/copy-to-dist.mjs config-validator.js config-validator.d.ts   (from a package's folder)
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

for (const file of process.argv.slice(2)) copyFileSync(join('src', file), join('dist', file));

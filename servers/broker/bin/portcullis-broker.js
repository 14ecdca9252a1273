#!/usr/bin/env node
// The committed entry behind `portcullis-broker`. npm links a workspace's bin at install time only if its
// target exists, and dist/ appears only after a build, so the bin points here instead of at
// dist/cli.js: `npx portcullis-broker` then resolves locally after `npm install` (never to the registry).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `portcullis-broker: not built yet (${fileURLToPath(entry)} is missing). From the repository root run: npm run build\n`,
  );
  process.exit(1);
}
await import(entry.href);

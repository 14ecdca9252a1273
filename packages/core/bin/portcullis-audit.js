#!/usr/bin/env node
// The committed entry behind `portcullis-audit`. npm links a workspace's bin at install time only if its
// target exists, and dist/ appears only after a build, so the bin points here instead of at
// dist/audit-cli.js: `npx portcullis-audit` then resolves locally after `npm install` (never to the registry).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/audit-cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `portcullis-audit: not built yet (${fileURLToPath(entry)} is missing). From the repository root run: npm run build\n`,
  );
  process.exit(1);
}
// audit-cli.js runs itself only when it is the script node started, so call its main here.
const { main } = await import(entry.href);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`portcullis-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);

#!/usr/bin/env node
// Rewrites README code blocks marked <!-- example:NAME:start --> ... <!-- example:NAME:end --> from
// the type-checked example files they show (packages/*/examples/NAME.ts), so docs cannot drift.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let changed = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  const readme = join(root, 'packages', pkg, 'README.md');
  if (!existsSync(readme)) continue;
  const text = readFileSync(readme, 'utf8');
  const next = text.replace(
    /<!-- example:([\w-]+):start -->\n+```ts\n[\s\S]*?```\n+<!-- example:\1:end -->/g,
    (_m, name) => {
      const file = join(root, 'packages', pkg, 'examples', `${name}.ts`);
      const code = readFileSync(file, 'utf8');
      return `<!-- example:${name}:start -->\n\n\`\`\`ts\n${code}\`\`\`\n\n<!-- example:${name}:end -->`;
    },
  );
  if (next !== text) {
    writeFileSync(readme, next);
    changed++;
  }
}
process.stdout.write(`docs-sync: ${changed} README(s) updated\n`);

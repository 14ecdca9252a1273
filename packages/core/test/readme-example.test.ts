/** The core README's "Writing a server" block is the type-checked example file, verbatim. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../examples/writing-a-server.ts', import.meta.url), 'utf8');

describe('README examples', () => {
  it('the Writing a server block matches examples/writing-a-server.ts (npm run docs:sync fixes drift)', () => {
    const m =
      /<!-- example:writing-a-server:start -->\n+```ts\n([\s\S]*?)```\n+<!-- example:writing-a-server:end -->/.exec(
        readme,
      );
    expect(m, 'README marker block').not.toBeNull();
    expect(m![1]).toBe(example);
  });
});

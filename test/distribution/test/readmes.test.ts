/**
 * The READMEs lead with the npx client entry, and the entries they show are the tested snippet of
 * docs/clients/claude-desktop-npx.json; the release steps name every distributed server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST, pkgOf, readJson, ROOT } from './helpers.js';

interface StdioEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}
const desktop = readJson<{ mcpServers: Record<string, StdioEntry> }>(
  join(ROOT, 'docs', 'clients', 'claude-desktop-npx.json'),
).mcpServers;
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
/** The fenced code blocks of a Markdown text, in order, with their language. */
const blocks = (md: string): { lang: string; body: string; at: number }[] =>
  [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!, at: m.index }));

describe.each(DIST.servers)('$dir/README.md', (entry) => {
  const readme = read(`${entry.dir}/README.md`);

  it('leads with the npx entry of its own package, the one docs/clients.md tests', () => {
    const first = blocks(readme)[0]!;
    expect(first.lang).toBe('json');
    expect(first.at).toBeLessThan(readme.indexOf('## Tools'));
    const name = `portcullis-${entry.system}`;
    const shown = (JSON.parse(first.body) as { mcpServers: Record<string, StdioEntry> }).mcpServers;
    expect(shown).toEqual({ [name]: desktop[name] });
    expect(shown[name]!.args).toEqual(['-y', pkgOf(entry.dir).name]);
  });

  it('keeps the from-source path for contributors, after it', () => {
    const fromSource = readme.indexOf('## Running it from source');
    expect(fromSource).toBeGreaterThan(readme.indexOf('## Add it to your client'));
    expect(readme.slice(fromSource)).toContain(`servers/${entry.system}/dist/cli.js`);
  });
});

it('the root README shows the npx entry and links the client and release pages', () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Add Portcullis to your client'));
  expect(section.length).toBeLessThan(readme.length);
  const json = blocks(section).find((b) => b.lang === 'json')!;
  for (const [name, e] of Object.entries(
    (JSON.parse(json.body) as { mcpServers: Record<string, StdioEntry> }).mcpServers,
  )) {
    expect(e.command).toBe('npx');
    expect(e.args).toEqual(desktop[name]!.args);
    for (const [k, v] of Object.entries(e.env)) expect(desktop[name]!.env[k], k).toBe(v);
  }
  for (const link of ['docs/clients.md', 'docs/release.md']) {
    expect(section).toContain(`(${link})`);
    expect(existsSync(join(ROOT, link))).toBe(true);
  }
});

it('the core README leads with installing the kit and the portcullis-audit command', () => {
  const readme = read('packages/core/README.md');
  const first = blocks(readme)[0]!;
  expect(first.body).toContain('npm install @portcullis/core');
  expect(first.body).toContain(
    `npx -p @portcullis/core ${Object.keys(pkgOf('packages/core').bin)[0]} verify`,
  );
});

it('docs/release.md publishes every distributed server', () => {
  const loop = /for s in ([a-z -]+); do/.exec(read('docs/release.md'));
  expect(loop?.[1]?.trim().split(/\s+/).sort()).toEqual(DIST.servers.map((s) => s.system).sort());
  const publish = read('docs/release.md')
    .match(/npm publish .*/g)!
    .join(' ');
  for (const d of ['packages/core', ...DIST.servers.map((s) => s.dir)]) expect(publish).toContain(`-w ${d}`);
});

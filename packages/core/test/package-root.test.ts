import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageFile } from '../src/package-root.js';

const work = mkdtempSync(join(tmpdir(), 'portcullis-package-root-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('packageFile', () => {
  it("names a file in the package found by its name, from the package's own modules", () => {
    const file = packageFile('@portcullis/core', import.meta.url, 'package.json');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name).toBe('@portcullis/core');
  });

  it('finds the package from a module elsewhere (a bundle in another package), not beside the caller', () => {
    // An installed layout: app/dist/cli.js (the bundle) and app/node_modules/@acme/shipped.
    const app = join(work, 'app');
    const pkg = join(app, 'node_modules', '@acme', 'shipped');
    mkdirSync(join(pkg, 'policies'), { recursive: true });
    mkdirSync(join(app, 'dist'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@acme/shipped', exports: { './package.json': './package.json' } }),
    );
    const from = pathToFileURL(join(app, 'dist', 'cli.js')).href;
    expect(packageFile('@acme/shipped', from, 'policies')).toBe(join(pkg, 'policies'));
    // A workspace links its packages into node_modules: the link's target is the package's folder.
    const linked = join(work, 'linked');
    mkdirSync(join(linked, 'node_modules', '@acme'), { recursive: true });
    symlinkSync(pkg, join(linked, 'node_modules', '@acme', 'shipped'));
    const fromLinked = pathToFileURL(join(linked, 'cli.js')).href;
    expect(packageFile('@acme/shipped', fromLinked, 'policies')).toBe(join(pkg, 'policies'));
  });

  it('refuses a package that cannot be found (a missing install), naming it', () => {
    expect(() => packageFile('@acme/absent', import.meta.url)).toThrow(/@acme\/absent/);
  });
});

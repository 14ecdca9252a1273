/**
 * After `npm install` the documented commands exist (`npx portcullis-crm`, `npx portcullis-audit`, ...).
 * npm links a workspace's bin only if its target exists at install time, and dist/ appears only after
 * a build, so every bin is a committed entry file that imports the built CLI and says how to build it
 * when it is missing.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmEnv, pkgOf, ROOT } from './helpers.js';

const PUBLISHED = ['packages/core', ...readdirSync(join(ROOT, 'servers')).map((d) => `servers/${d}`)].filter(
  (d) => existsSync(join(ROOT, d, 'package.json')),
);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe.each(PUBLISHED)('%s bin', (dir) => {
  const pkg = pkgOf(dir);
  const bins = Object.entries(pkg.bin);

  it('is a committed, executable entry outside dist/ that imports the built CLI', () => {
    expect(bins.length).toBeGreaterThan(0);
    for (const [name, target] of bins) {
      expect(target, name).toMatch(/^bin\/[a-z0-9-]+\.js$/);
      const file = join(ROOT, dir, target);
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).mode & 0o111, `${file} is not executable`).not.toBe(0);
      const tracked = spawnSync('git', ['ls-files', '--error-unmatch', target], { cwd: join(ROOT, dir) });
      if (tracked.error === undefined && existsSync(join(ROOT, '.git')))
        expect(tracked.status, `${target} is not committed`).toBe(0);
    }
  });

  it('is linked into node_modules/.bin by npm install and runs through npx', () => {
    for (const [name, target] of bins) {
      const link = join(ROOT, 'node_modules', '.bin', name);
      expect(existsSync(link), `${link} missing: npm install links bins whose target exists`).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(join(ROOT, dir, target)));
      // --no-install: the command must resolve in the workspace, never fall through to the registry.
      const probe = name === 'portcullis-audit' ? ['verify', '--help'] : ['--version'];
      const r = spawnSync('npx', ['--no-install', name, ...probe], {
        cwd: ROOT,
        env: npmEnv(),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      if (name === 'portcullis-audit')
        expect(`${r.stdout}${r.stderr}`).toContain('usage: portcullis-audit verify');
      else expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('names the missing build instead of crashing when dist/ is absent', () => {
    for (const [name, target] of bins) {
      const copy = mkdtempSync(join(tmpdir(), 'portcullis-bin-'));
      temps.push(copy);
      mkdirSync(join(copy, 'bin'));
      copyFileSync(join(ROOT, dir, target), join(copy, target));
      const r = spawnSync(process.execPath, [join(copy, target), '--version'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${name}: not built yet`);
      expect(r.stderr).toContain('npm run build');
      expect(r.stdout).toBe('');
    }
  });
});

/**
 * The npm scripts run turbo through scripts/turbo.mjs, which turns turbo's anonymous usage
 * telemetry off: `npm install && npm start` on a user's machine reports nothing to anyone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('turbo from the npm scripts', () => {
  it('every root script that runs turbo goes through scripts/turbo.mjs', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const direct = Object.entries(scripts).filter(([, cmd]) =>
      cmd.split('&&').some((part) => /^\s*(npx\s+)?turbo\b/.test(part)),
    );
    expect(direct).toEqual([]);
    for (const name of ['build', 'start', 'test', 'bench'])
      expect(scripts[name]).toMatch(/^node scripts\/turbo\.mjs run build/);
  });

  it('runs turbo with telemetry off, for a user who never opted out, and passes its exit status on', () => {
    // A home with no turbo settings: what a fresh machine has.
    const home = mkdtempSync(join(tmpdir(), 'portcullis-turbo-home-'));
    try {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
      };
      const status = spawnSync(
        process.execPath,
        [join(ROOT, 'scripts', 'turbo.mjs'), 'telemetry', 'status'],
        {
          cwd: ROOT,
          env,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(status.status, status.stderr).toBe(0);
      expect(status.stdout + status.stderr).toMatch(/opted-out/);
      const bad = spawnSync(process.execPath, [join(ROOT, 'scripts', 'turbo.mjs'), 'run', 'no-such-task'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(bad.status).not.toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheDir, compileCacheOutcome, enableCompileCache } from '../src/compile-cache.js';

/** Node's module API as enableCompileCache sees it, recording the folder it was given. */
function fakeNode(status = 1) {
  const calls: string[] = [];
  return {
    calls,
    node: {
      enableCompileCache: (dir: string) => {
        calls.push(dir);
        return status === 1 ? { status } : { status, message: 'cannot write there' };
      },
      flushCompileCache: () => undefined,
      constants: { compileCacheStatus: { ENABLED: 1 } },
    },
  };
}

const home = () => mkdtempSync(join(tmpdir(), 'compile-cache-'));

describe('compileCacheDir', () => {
  it('is under XDG_CACHE_HOME when it is absolute, else ~/.cache', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/portcullis/compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(
      join(homedir(), '.cache', 'portcullis', 'compile-cache'),
    );
    expect(compileCacheDir({})).toBe(join(homedir(), '.cache', 'portcullis', 'compile-cache'));
  });
});

describe('enableCompileCache', () => {
  it('creates the folder owner-only and hands it to Node', () => {
    const base = home();
    const { node, calls } = fakeNode();
    const dir = join(base, 'portcullis', 'compile-cache');
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, node)).toEqual({ state: 'enabled', dir });
    expect(compileCacheOutcome()).toEqual({ state: 'enabled', dir });
    expect(calls).toEqual([dir]);
    expect(lstatSync(join(base, 'portcullis')).mode & 0o777).toBe(0o700);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it('does nothing on a Node without the cache or without its atomic writes (before 22.10)', () => {
    const base = home();
    const { node, calls } = fakeNode();
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, {})).toEqual({ state: 'unavailable' });
    expect(
      enableCompileCache({ XDG_CACHE_HOME: base }, { enableCompileCache: node.enableCompileCache }),
    ).toEqual({ state: 'unavailable' });
    expect(calls).toEqual([]);
  });

  it("leaves it to Node's own settings", () => {
    const base = home();
    for (const env of [{ NODE_COMPILE_CACHE: '/elsewhere' }, { NODE_DISABLE_COMPILE_CACHE: '1' }]) {
      const { node, calls } = fakeNode();
      expect(enableCompileCache({ ...env, XDG_CACHE_HOME: base }, node)).toEqual({ state: 'left-to-node' });
      expect(calls).toEqual([]);
    }
  });

  it('never uses a folder another user could write, or a link in its place', () => {
    // compile-cache/ writable by others
    let base = home();
    let dir = join(base, 'portcullis', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o777);
    let fake = fakeNode();
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, fake.node)).toEqual({ state: 'not-private', dir });
    expect(fake.calls).toEqual([]);

    // portcullis/ writable by its group (anyone in it could swap compile-cache/)
    base = home();
    dir = join(base, 'portcullis', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(join(base, 'portcullis'), 0o770);
    fake = fakeNode();
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, fake.node)).toEqual({ state: 'not-private', dir });
    expect(fake.calls).toEqual([]);

    // compile-cache/ is a link (to a folder that is itself private)
    base = home();
    dir = join(base, 'portcullis', 'compile-cache');
    mkdirSync(join(base, 'portcullis'), { mode: 0o700 });
    const target = join(base, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, dir);
    fake = fakeNode();
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, fake.node)).toEqual({ state: 'not-private', dir });
    expect(fake.calls).toEqual([]);

    // the cache base itself writable by others
    base = home();
    chmodSync(base, 0o777);
    fake = fakeNode();
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, fake.node).state).toBe('not-private');
    expect(fake.calls).toEqual([]);
  });

  it('never throws: a folder that cannot be made, or a cache Node refuses, is reported', () => {
    const base = home();
    const file = join(base, 'not-a-folder');
    writeFileSync(file, '');
    const fake = fakeNode();
    const made = enableCompileCache({ XDG_CACHE_HOME: file }, fake.node);
    expect(made).toMatchObject({ state: 'failed', dir: join(file, 'portcullis', 'compile-cache') });
    expect(fake.calls).toEqual([]);

    const refused = fakeNode(0);
    const dir = join(base, 'portcullis', 'compile-cache');
    expect(enableCompileCache({ XDG_CACHE_HOME: base }, refused.node)).toEqual({
      state: 'failed',
      dir,
      reason: 'cannot write there',
    });
  });
});

/**
 * The files/credentials audit: the data directory holds the embedded database and the keys, so it
 * must be the server's user's own. One another local user made (say in a shared location) could
 * be read or swapped by that user, and a symbolic link puts the data wherever it points: both are
 * refused before anything is written, whoever runs the server (root included).
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { ConfigError } from '../src/errors.js';
import { prepareDataDir } from '../src/store.js';
import { startInProcess } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

const euid = process.geteuid?.();
// Giving a directory to another user (chown) takes root; nobody (65534) is that other user.
const notRoot = euid !== 0;
const NOBODY = 65534;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function base(): Promise<string> {
  const d = await tempDir('portcullis-datadir-owner-');
  dirs.push(d);
  return d;
}

describe('the data directory is the server user’s own', () => {
  it.skipIf(notRoot)(
    'a data directory another user owns is refused naming the path, and nothing is written in it (root only: it chowns)',
    async () => {
      const dir = join(await base(), 'shared');
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      chownSync(dir, NOBODY, NOBODY);

      expect(() => prepareDataDir(dir)).toThrow(ConfigError);
      expect(() => prepareDataDir(dir)).toThrow(
        `PORTCULLIS_DATA_DIR ${dir} is owned by uid ${NOBODY}; it must be owned by the user running the server (uid ${euid})`,
      );
      // The whole start: no lock, store, keys or audit trail in the other user's directory.
      const start = startInProcess(thingsServer(), { dataDir: dir });
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(`PORTCULLIS_DATA_DIR ${dir} is owned by uid ${NOBODY}`);
      expect(readdirSync(dir)).toEqual([]);
      const st = statSync(dir);
      expect([st.uid, st.mode & 0o777]).toEqual([NOBODY, 0o755]);
    },
  );

  it.skipIf(notRoot)(
    "the arbitrary-UID convention's directory (group root, nothing for others) is accepted as it is (root only: it chowns)",
    async () => {
      // OpenShift runs the image as a random UID in group 0: the image's /var/lib/portcullis is
      // 1000:0 0770, and this process (root) is in group 0.
      const dir = join(await base(), 'image-dir');
      mkdirSync(dir);
      chmodSync(dir, 0o770);
      chownSync(dir, NOBODY, 0);
      expect(() => prepareDataDir(dir)).not.toThrow();
      const st = statSync(dir);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([NOBODY, 0, 0o770]);
      // Readable by others, it is another user's directory like any other.
      chmodSync(dir, 0o775);
      expect(() => prepareDataDir(dir)).toThrow(`PORTCULLIS_DATA_DIR ${dir} is owned by uid ${NOBODY}`);
    },
  );

  it('a data directory that is a symbolic link is refused, and its target is left alone', async () => {
    const b = await base();
    const target = join(b, 'real');
    mkdirSync(target, { mode: 0o755 });
    chmodSync(target, 0o755);
    const link = join(b, 'data');
    symlinkSync(target, link);

    expect(() => prepareDataDir(link)).toThrow(ConfigError);
    expect(() => prepareDataDir(link)).toThrow(`PORTCULLIS_DATA_DIR ${link} is a symbolic link`);
    await expect(startInProcess(thingsServer(), { dataDir: link })).rejects.toThrow(
      `PORTCULLIS_DATA_DIR ${link} is a symbolic link`,
    );
    expect(readdirSync(target)).toEqual([]);
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);

    // A link to nowhere too: said as a link, and nothing is made where it points.
    const dangling = join(b, 'dangling');
    symlinkSync(join(b, 'nowhere'), dangling);
    expect(() => prepareDataDir(dangling)).toThrow(`PORTCULLIS_DATA_DIR ${dangling} is a symbolic link`);
    expect(readdirSync(b).sort()).toEqual(['dangling', 'data', 'real']);
  });

  it('a data directory of ours is still created 0700, or tightened to it', async () => {
    const b = await base();
    const fresh = join(b, 'a', 'b');
    prepareDataDir(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const loose = join(b, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o750);
    prepareDataDir(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });
});

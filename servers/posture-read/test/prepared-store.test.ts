/**
 * The build's prepared store (dist/prepared-store.tar, made by the server's own --prepare): a first
 * start with the demo data on unpacks it instead of writing the seed. It must hold exactly what
 * that start would have written, match this build's migrations, and be offered only to a start
 * whose settings would write the demo data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeShape, tableRows } from '@portcullis/test-support/store-contents';
import { parseServerConfig, type Logger } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { migrate, openStore, type Store } from '@portcullis/core/store';
import { configSchema, readConfig } from '../src/config.js';
import { EmbeddedBackend } from '../src/embedded.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { server } from '../src/server.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * Every row of every posture table, as text, sorted (what the demo data is); and every relation
 * outside PostgreSQL's own schemas, the extensions and the applied migrations (nothing else).
 */
async function contents(store: Store): Promise<Record<string, string[]>> {
  const tables = await store.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'posture%' ORDER BY 1",
  );
  const out = await storeShape(store);
  for (const { name } of tables.rows) out[name] = await tableRows(store, name);
  return out;
}

describe('the prepared store', () => {
  it("holds what a first start would write, for this build's migrations", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-posture-prepared-'));
    dirs.push(dir);
    const logged: string[] = [];
    const logger = {
      info: (_o: unknown, msg: string) => logged.push(msg),
      warn: (_o: unknown, msg: string) => logged.push(msg),
      debug: () => undefined,
    } as unknown as Logger;
    const prepared = { dir: server.preparedStore!.dir, migrations: { 'posture-read': migrations } };
    const fromBuild = await openStore({ dataDir: dir, extensions: storeExtensions, logger, prepared });
    const seeded = await openStore({ extensions: storeExtensions });
    try {
      expect(logged).toContain("embedded store created from the server's prepared store");
      // A start on it: no migration to apply, no demo data to write.
      await migrate(fromBuild, 'posture-read', migrations);
      const cursors = new CursorCodec(randomBytes(32));
      await (await EmbeddedBackend.open(fromBuild, { seed: true, cursors })).close();
      await migrate(seeded, 'posture-read', migrations);
      await (await EmbeddedBackend.open(seeded, { seed: true, cursors })).close();
      const [a, b] = [await contents(fromBuild), await contents(seeded)];
      expect(Object.keys(a)).toEqual(Object.keys(b));
      expect(a.posture_findings!.length).toBeGreaterThan(3000);
      expect(a.migrations).toHaveLength(migrations.length);
      for (const table of Object.keys(b)) expect(a[table], table).toEqual(b[table]);
    } finally {
      await fromBuild.close();
      await seeded.close();
    }
  }, 120_000);

  it('is offered only where the start would write the demo data', () => {
    const matches = (env: NodeJS.ProcessEnv) =>
      server.preparedStore!.matches(parseServerConfig(configSchema, env), env);
    expect(matches({})).toBe(true);
    expect(matches({ POSTURE_SEED: 'demo', NODE_ENV: 'production' })).toBe(true);
    expect(matches({ POSTURE_SEED: 'none' })).toBe(false);
    expect(matches({ NODE_ENV: 'production' })).toBe(false);
    expect(matches({ NODE_ENV: ' Production\n' })).toBe(false);
    // Production to the kit's guards is production to the seed too.
    expect(readConfig({ NODE_ENV: ' Production\n' }).POSTURE_SEED).toBe('none');
    expect(matches({ POSTURE_BACKEND: 'securityhub' })).toBe(false);
  });
});

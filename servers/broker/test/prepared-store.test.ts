/**
 * The broker's prepared store (dist/prepared-store.tar: its build's --prepare with no configuration
 * file, every local system): a first start whose configuration mounts those systems, in that
 * order, with none of their settings, unpacks it instead of writing four systems' demo data in a
 * child process. It must hold what that child would have written, and no other start gets it.
 */
import { spawnSync } from 'node:child_process';
import { openStore, STORE_EXTENSIONS, type Store } from '@portcullis/core/store';
import { describe, expect, it } from 'vitest';
import { storeShape, tableRows } from '@portcullis/test-support/store-contents';
import { loadBrokerConfig } from '../src/config.js';
import { PREPARED_LOCALS, preparedStoreMatches } from '../src/server.js';
import { CLI, configFile, scratchDirs, stdioBroker } from './helpers.js';

const scratch = scratchDirs();

const yaml = (locals: readonly string[], extra: string[] = []) =>
  ['upstreams:', ...locals.flatMap((l) => [`  - name: ${l}`, `    local: ${l}`]), ...extra, ''].join('\n');
const configOf = (text: string) => loadBrokerConfig(configFile(text, scratch('broker-prepared-cfg-')));

describe('which starts get the prepared store', () => {
  it('the four local systems in the build’s order, none of their settings, not in production', () => {
    const four = configOf(yaml(PREPARED_LOCALS));
    expect(preparedStoreMatches(four, {})).toBe(true);
    expect(preparedStoreMatches(four, { PORTCULLIS_TENANT: 'acme', HOME: '/x' })).toBe(true);
    expect(preparedStoreMatches(four, { CRM_SEED: '' })).toBe(true); // empty is unset, as the kit reads it
    // A remote upstream beside them never writes to the store.
    const remote = configOf(yaml(PREPARED_LOCALS, ['  - name: far', '    url: http://127.0.0.1:1/mcp']));
    expect(preparedStoreMatches(remote, {})).toBe(true);
  });

  it('not for other systems or another order, any setting of theirs, or production', () => {
    expect(preparedStoreMatches(configOf(yaml(PREPARED_LOCALS.slice(0, 3))), {})).toBe(false);
    expect(preparedStoreMatches(configOf(yaml([...PREPARED_LOCALS].reverse())), {})).toBe(false);
    const four = configOf(yaml(PREPARED_LOCALS));
    for (const env of [
      { CRM_SEED: 'demo' },
      { CRM_LARGE_DEAL_THRESHOLD: '1' },
      { BILLING_BACKEND: 'embedded' },
      { POSTURE_SEED: 'none' },
      { REMEDIATION_ACCOUNTS: '{}' },
      { PORTCULLIS_KILL_SWITCH: 'engaged' },
      { NODE_ENV: 'production' },
      { NODE_ENV: ' Production\n' },
    ])
      expect(preparedStoreMatches(four, env), JSON.stringify(env)).toBe(false);
  });
});

/** `--prepare` of the built CLI on a new directory, with `args` (none: as the build runs it); its standard error. */
function prepare(dataDir: string, args: string[], env: Record<string, string> = {}): string {
  const run = spawnSync(process.execPath, [CLI, ...args, '--prepare'], {
    env: { PATH: process.env.PATH ?? '', PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_LOG_LEVEL: 'info', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  return run.stderr;
}

/**
 * Every row of every table, relations, extensions and migrations; left out, the times that say
 * when the demo data was written (the build's, in the prepared store): the seed markers' and the
 * demo e-mail suppressions' (`created_at`, recorded, never read).
 */
async function contents(store: Store): Promise<Record<string, string[]>> {
  const tables = await store.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'portcullis_migrations' ORDER BY 1",
  );
  const out = await storeShape(store);
  for (const { name } of tables.rows)
    out[name] = await tableRows(store, name, [
      'seeded_at',
      ...(name === 'crm_email_suppressions' ? ['created_at'] : []),
    ]);
  return out;
}

describe('the shipped prepared store', () => {
  it('holds what a first start writing the four systems’ demo data would', async () => {
    // A setting at its default value: the same data, written by this start itself.
    const written = scratch('broker-prepared-written-');
    const slow = prepare(written, [], { CRM_BACKEND: 'embedded' });
    expect(slow).toContain('embedded store created from the PGlite template');
    const unpacked = scratch('broker-prepared-unpacked-');
    // A configuration file naming the same four systems gets the same store.
    const fast = prepare(unpacked, [
      '--config',
      configFile(yaml(PREPARED_LOCALS), scratch('broker-prepared-yaml-')),
    ]);
    expect(fast).toContain("embedded store created from the server's prepared store");

    const a = await openStore({ dataDir: unpacked, extensions: STORE_EXTENSIONS });
    const b = await openStore({ dataDir: written, extensions: STORE_EXTENSIONS });
    try {
      const [x, y] = [await contents(a), await contents(b)];
      expect(Object.keys(x)).toEqual(Object.keys(y));
      expect(x.crm_accounts!.length).toBeGreaterThan(100);
      expect(x.posture_findings!.length).toBeGreaterThan(3000);
      for (const k of Object.keys(y)) expect(x[k], k).toEqual(y[k]);
    } finally {
      await a.close();
      await b.close();
    }
  }, 300_000);

  it('a first start over stdio unpacks it and answers without a first start apart', async () => {
    const { client, stderr } = await stdioBroker([], {
      PORTCULLIS_DATA_DIR: scratch('broker-prepared-stdio-'),
      XDG_CACHE_HOME: scratch('broker-prepared-cache-'),
      PORTCULLIS_PRINCIPAL: 'sam',
      PORTCULLIS_ROLES: 'analyst',
      PORTCULLIS_TENANT: 'acme',
    });
    try {
      const r = await client.callTool({ name: 'posture_search_findings', arguments: { limit: 2 } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      // Unpacked once, by the serving process: no child prepared the directory.
      expect(stderr().match(/embedded store created from/g) ?? []).toHaveLength(1);
      expect(stderr()).toContain("embedded store created from the server's prepared store");
      expect(stderr()).not.toMatch(/"msg":"data directory prepared"/); // a child's last line
      expect(stderr()).not.toContain('first start: data directory prepared in a separate process');
    } finally {
      await client.close();
    }
  }, 120_000);
});

/**
 * A broker started over stdio with no configuration file serves every local system (crm, billing,
 * posture-read, remediation-write) in one process: the desktop entry for all four. Over HTTP, in
 * production, with DATABASE_URL and for `lock`, a file is still required.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSystemsConfig, PREPARED_LOCALS, preparedStoreMatches } from '../src/server.js';
import { CLI, scratchDirs, stdioBroker } from './helpers.js';

const scratch = scratchDirs();

describe('a broker without a configuration file', () => {
  it('is every local system, in the prepared store’s order, its tools lock in the data directory', () => {
    const dir = scratch('broker-builtin-');
    const config = localSystemsConfig(dir);
    expect(config.builtIn).toBe(true);
    expect(config.upstreams.map((u) => [u.name, u.local, u.kind, u.prefix])).toEqual(
      PREPARED_LOCALS.map((n) => [n, n, 'local', '']),
    );
    expect(config.lock).toBe(join(dir, 'tools.lock.json'));
    expect(preparedStoreMatches(config, {})).toBe(true);
  });

  it('over stdio serves all four systems from one process, in the default data directory', async () => {
    const xdg = scratch('broker-builtin-xdg-');
    // No PORTCULLIS_DATA_DIR: the kit's default under XDG_DATA_HOME.
    const { client, stderr } = await stdioBroker([], {
      XDG_DATA_HOME: xdg,
      XDG_CACHE_HOME: scratch('broker-builtin-cache-'),
      PORTCULLIS_PRINCIPAL: 'sam',
      PORTCULLIS_ROLES: 'analyst,rep,support,responder',
      PORTCULLIS_TENANT: 'acme',
    });
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const prefix of ['crm_', 'billing_', 'posture_', 'remediation_'])
        expect(
          names.some((n) => n.startsWith(prefix)),
          `${prefix} in ${names.join(', ')}`,
        ).toBe(true);
      const r = await client.callTool({ name: 'posture_search_findings', arguments: { limit: 2 } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(existsSync(join(xdg, 'portcullis', 'broker', 'pgdata'))).toBe(true);
      // The build's store for these four systems, and no advice to lock a file that is not there.
      expect(stderr()).toContain("embedded store created from the server's prepared store");
      expect(stderr()).toContain('no configuration given: serving every local system');
      expect(stderr()).not.toContain('no tools lock');
    } finally {
      await client.close();
    }
  }, 120_000);

  it('is refused over HTTP, in production, on PostgreSQL and for lock, in one line', () => {
    const refusal = /^portcullis-broker: no configuration: pass --config broker\.yaml/;
    const badTransport = /^portcullis-broker: --transport must be stdio or http, not /;
    for (const [args, env, said] of [
      [['--transport', 'http'], {}, refusal],
      [['--transport=http', '--port', '0'], {}, refusal],
      // The last --transport wins, as in the kit's own reading.
      [['--transport', 'stdio', '--transport', 'http'], {}, refusal],
      [['lock'], {}, refusal],
      [[], { NODE_ENV: 'production' }, refusal],
      [['--transport', 'stdio'], { NODE_ENV: ' Production' }, refusal],
      // The built-in configuration is a desktop's embedded store, never four systems' tables there.
      [[], { DATABASE_URL: 'postgres://u@127.0.0.1:1/x' }, refusal],
      [['--transport'], {}, badTransport],
      [['--transport='], {}, badTransport],
      [['--transport', 'STDIO'], {}, badTransport],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          PORTCULLIS_DATA_DIR: scratch('broker-builtin-refused-'),
          XDG_CACHE_HOME: scratch('broker-builtin-refused-cache-'),
          ...env,
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(said);
    }
  });
});

/**
 * A server's prepared store: its build runs the server's own `--prepare` on a scratch directory and
 * archives the cluster with a stamp (`pglite-setup.js prepared-store`), and a first start on an
 * empty data directory unpacks it when the stamp matches the installed PGlite and the migrations
 * this start applies, else starts from the PGlite template as before.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/log.js';
import type { ServerDefinition } from '../src/definition.js';
import { type PreparedStore, preparePgliteData, preparedStoreUnusable } from '../src/pglite-setup.js';
import { ServerRuntime } from '../src/runtime.js';
import { openStore } from '../src/store.js';
import { thingsServer } from './fixtures/things-server.js';

const CORE = fileURLToPath(new URL('..', import.meta.url));
const POLICIES = join(CORE, 'test', 'fixtures', 'read-only-policies');
const MIGRATIONS = [
  { id: '0001_things', sql: 'CREATE TABLE things (id integer PRIMARY KEY, name text NOT NULL)' },
  { id: '0002_more', sql: 'CREATE INDEX things_name ON things (name)' },
];

const dirs: string[] = [];
const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * A one-system server's command, from the kit's build: migrations, and a backend that writes 2,000
 * things into an empty store (its demo data) and says which store it wrote them in.
 */
function serverScript(dir: string): string {
  const path = join(dir, 'server.mjs');
  writeFileSync(
    path,
    `import { runServerCli } from ${JSON.stringify(pathToFileURL(join(CORE, 'dist', 'index.js')).href)};
const migrations = ${JSON.stringify(MIGRATIONS)};
await runServerCli({
  name: 'sys', version: '0', title: 'sys', description: 'sys', defaultPort: 1,
  policyDir: ${JSON.stringify(POLICIES)},
  toolsets: [{ id: 'things', description: 'Things.', default: true }],
  tools: [],
  migrations,
  createBackend: async ({ store, env }) => {
    await store.query(
      "INSERT INTO things SELECT g, 'thing ' || g || ' of ' || $1 FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING",
      [env.PORTCULLIS_DATA_DIR],
    );
    return {};
  },
});
`,
  );
  return path;
}

const checksums = (list: { id: string; sql: string }[]) =>
  list.map((m) => [m.id, createHash('sha256').update(m.sql, 'utf8').digest('hex')]);

/**
 * Starts a runtime of `defs` on a new data directory and closes it: what it offered its host, and
 * whether its first start ran apart (the broker's `beforeFirstStart`, recorded).
 */
async function startOnce(
  defs: ServerDefinition | ServerDefinition[],
  env: Record<string, string> = {},
): Promise<{ offered: PreparedStore | undefined; apart: boolean }> {
  let apart = false;
  const runtime = new ServerRuntime(defs, {
    env: {
      PORTCULLIS_DATA_DIR: scratch('portcullis-prepared-runtime-'),
      PORTCULLIS_LOG_LEVEL: 'silent',
      ...env,
    },
    transport: 'stdio',
    beforeFirstStart: async () => void (apart = true),
  });
  const offered = runtime.host.preparedStore;
  try {
    await runtime.ready;
  } finally {
    await runtime.close();
  }
  return { offered, apart };
}

describe('a prepared store', () => {
  let out: string;
  let built: string;
  const prepared = (migrations = MIGRATIONS): PreparedStore => ({
    dir: out,
    migrations: { sys: migrations },
  });

  beforeAll(() => {
    const work = scratch('portcullis-prepared-build-');
    out = join(work, 'out');
    built = join(work, 'scratch-was-here');
    mkdirSync(out);
    const run = spawnSync(
      process.execPath,
      [join(CORE, 'dist', 'pglite-setup.js'), 'prepared-store', serverScript(work), out],
      {
        // The builder's own settings never reach the server it prepares: this URL would fail it.
        env: { ...process.env, DATABASE_URL: 'postgres://127.0.0.1:1/x', PORTCULLIS_DATA_DIR: built },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 150_000);

  it('is built from a scratch directory and stamped with the PGlite version and its migrations', () => {
    expect(readdirSync(out).sort()).toEqual(['prepared-store.json', 'prepared-store.tar']);
    expect(existsSync(built)).toBe(false); // not the builder's PORTCULLIS_DATA_DIR
    const stamp = JSON.parse(readFileSync(join(out, 'prepared-store.json'), 'utf8'));
    expect(stamp.format).toBe('prepared-store-1');
    expect(stamp.migrations).toEqual([['sys', checksums(MIGRATIONS)]]);
    expect(preparedStoreUnusable(prepared())).toBeUndefined();
  });

  it('starts a new data directory with the data, analyzed and vacuumed, and one WAL segment', async () => {
    const pgdata = join(scratch('portcullis-prepared-start-'), 'pgdata');
    expect(await preparePgliteData(pgdata, undefined, prepared())).toBe('prepared');
    expect(readdirSync(join(pgdata, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f))).toHaveLength(1);
    const store = await openStore({ dataDir: join(pgdata, '..') });
    try {
      const things = await store.query<{ n: number; name: string }>(
        'SELECT count(*)::int AS n, min(name) AS name FROM things',
      );
      expect(things.rows[0]!.n).toBe(2000);
      // Written by the build's --prepare in its scratch directory, whose files were not archived.
      expect(things.rows[0]!.name).toMatch(/^thing 1 of .*portcullis-prepared-store-/);
      // The builder's VACUUM (ANALYZE): statistics (reltuples) and pages marked all-visible, so
      // this start's upkeep has nothing to catch up on.
      const cls = await store.query<{ reltuples: number; relallvisible: number; relpages: number }>(
        "SELECT reltuples, relallvisible, relpages FROM pg_class WHERE relname = 'things'",
      );
      expect(cls.rows[0]!.reltuples).toBe(2000);
      expect(cls.rows[0]!.relallvisible).toBe(cls.rows[0]!.relpages);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('is not used when its stamp does not match: the PGlite template is, and the reason is logged', async () => {
    const changed = [
      MIGRATIONS[0]!,
      { id: '0002_more', sql: 'CREATE INDEX things_name ON things (name, id)' },
    ];
    expect(preparedStoreUnusable(prepared(changed))).toBe('made with other migrations');
    expect(preparedStoreUnusable(prepared([MIGRATIONS[0]!]))).toBe('made with other migrations');
    expect(preparedStoreUnusable({ dir: out, migrations: { other: MIGRATIONS } })).toBe(
      'made with other migrations',
    );
    expect(preparedStoreUnusable({ dir: scratch('portcullis-prepared-none-'), migrations: {} })).toBe(
      'no stamp',
    );

    const logged: { msg: string; obj: Record<string, unknown> }[] = [];
    const logger = {
      info: (obj: Record<string, unknown>, msg: string) => logged.push({ msg, obj }),
      warn: (obj: Record<string, unknown>, msg: string) => logged.push({ msg, obj }),
    } as unknown as Logger;
    const pgdata = join(scratch('portcullis-prepared-start-'), 'pgdata');
    expect(await preparePgliteData(pgdata, logger, prepared(changed))).toBe('template');
    expect(logged.map((l) => [l.obj.reason, l.msg])).toEqual([
      [
        'made with other migrations',
        "the server's prepared store does not match this build; starting from the PGlite template",
      ],
      [undefined, 'embedded store created from the PGlite template'],
    ]);

    // Another PGlite's archive, or a truncated one: never unpacked into the data directory.
    const stampFile = join(out, 'prepared-store.json');
    const stamp = readFileSync(stampFile, 'utf8');
    try {
      writeFileSync(stampFile, stamp.replace(/"pglite":"[^"]*"/, '"pglite":"0.0.1"'));
      expect(preparedStoreUnusable(prepared())).toBe('made by PGlite 0.0.1');
      writeFileSync(stampFile, stamp.replace('prepared-store-1', 'prepared-store-0'));
      expect(preparedStoreUnusable(prepared())).toBe('an older format');
    } finally {
      writeFileSync(stampFile, stamp);
    }
  }, 60_000);

  /** The offsets of the archive's entry headers, read from their sizes. */
  const headers = (tar: Buffer): number[] => {
    const found: number[] = [];
    for (let off = 0; off + 512 <= tar.length && tar[off] !== 0;) {
      found.push(off);
      const size = parseInt(
        tar
          .subarray(off + 124, off + 136)
          .toString('ascii')
          .replace(/\0.*$/, ''),
        8,
      );
      off += 512 + Math.ceil(size / 512) * 512;
    }
    return found;
  };

  it.each([
    ['cut part-way through a file', (tar: Buffer) => tar.subarray(0, 5 * 1024 * 1024 + 100)],
    ['cut at an entry boundary (no end of archive)', (tar: Buffer) => tar.subarray(0, tar.length - 1024)],
    [
      'cut before its last entry',
      (tar: Buffer) => {
        const h = headers(tar);
        return tar.subarray(0, h[h.length - 1]);
      },
    ],
    [
      'with an entry header zeroed part-way',
      (tar: Buffer) => {
        const h = headers(tar);
        const copy = Buffer.from(tar);
        copy.fill(0, h[h.length >> 1], h[h.length >> 1]! + 512);
        return copy;
      },
    ],
  ])(
    'an archive %s is refused for the PGlite template, nothing half-made left',
    async (_what, damage) => {
      const copy = scratch('portcullis-prepared-damaged-');
      writeFileSync(join(copy, 'prepared-store.json'), readFileSync(join(out, 'prepared-store.json')));
      writeFileSync(join(copy, 'prepared-store.tar'), damage(readFileSync(join(out, 'prepared-store.tar'))));
      const parent = scratch('portcullis-prepared-start-');
      const pgdata = join(parent, 'pgdata');
      // A staging directory a start killed while unpacking left, under another pid: removed.
      mkdirSync(join(parent, 'pgdata.new-999999'));
      writeFileSync(join(parent, 'pgdata.new-999999', 'PG_VERSION'), '17\n');
      expect(await preparePgliteData(pgdata, undefined, { dir: copy, migrations: { sys: MIGRATIONS } })).toBe(
        'template',
      );
      expect(readdirSync(parent)).toEqual(['pgdata']);
    },
    60_000,
  );

  it('a damaged archive behind a good stamp: the first start apart runs after all', async () => {
    const copy = scratch('portcullis-prepared-damaged-');
    writeFileSync(join(copy, 'prepared-store.json'), readFileSync(join(out, 'prepared-store.json')));
    const tar = readFileSync(join(out, 'prepared-store.tar'));
    writeFileSync(join(copy, 'prepared-store.tar'), tar.subarray(0, tar.length - 1024));
    const started = await startOnce(
      thingsServer({ migrations: MIGRATIONS, preparedStore: { dir: copy, matches: () => true } }),
    );
    expect(started.apart).toBe(true);
  }, 60_000);

  it("reaches the store through the runtime: a start's backend finds the data", async () => {
    let found: { n: number; name: string } | undefined;
    const started = await startOnce(
      thingsServer({
        migrations: MIGRATIONS,
        preparedStore: { dir: out, matches: () => true },
        createBackend: async ({ store }) => {
          found = (
            await store.query<{ n: number; name: string }>(
              'SELECT count(*)::int AS n, min(name) AS name FROM things',
            )
          ).rows[0];
          return {};
        },
      }),
    );
    // Nothing heavy is left for a first start apart (the broker's) to do.
    expect(started.apart).toBe(false);
    expect(found?.n).toBe(2000);
    expect(found?.name).toMatch(/portcullis-prepared-store-/);
  }, 60_000);
});

describe('the runtime offers a server its prepared store', () => {
  const dir = '/nonexistent/prepared';
  const def = (matches: (config: Record<string, unknown>, env: NodeJS.ProcessEnv) => boolean) =>
    thingsServer({ migrations: MIGRATIONS, preparedStore: { dir, matches } });
  const offered = async (defs: Parameters<typeof thingsServer>[0][] | ReturnType<typeof def>, env = {}) => {
    // An unusable one (none at `dir`): the PGlite template, and the first start apart still runs.
    const started = await startOnce(Array.isArray(defs) ? defs.map((d) => thingsServer(d)) : defs, env);
    expect(started.apart).toBe(true);
    return started.offered;
  };

  it("when the settings match it, with the system's migrations", async () => {
    const seen: NodeJS.ProcessEnv[] = [];
    expect(
      await offered(
        def((_c, env) => (seen.push(env), true)),
        { X: '1' },
      ),
    ).toEqual({
      dir,
      migrations: { sys: MIGRATIONS },
    });
    expect(seen.map((e) => e.X)).toEqual(['1']);
  }, 60_000);

  it('with the components a definition names (migrations())', async () => {
    const named = { sys: MIGRATIONS, 'core-approvals': [{ id: 'x', sql: 'SELECT 1' }] };
    const d = thingsServer({
      migrations: MIGRATIONS,
      preparedStore: { dir, matches: () => true, migrations: () => named },
    });
    expect(await offered(d)).toEqual({ dir, migrations: named });
  }, 60_000);

  it('not when telling throws (logged; the start goes on)', async () => {
    const throwing = thingsServer({
      migrations: MIGRATIONS,
      preparedStore: {
        dir,
        matches: () => true,
        migrations: () => {
          throw new Error('odd');
        },
      },
    });
    expect(await offered(throwing)).toBe(undefined);
    expect(
      await offered(
        def(() => {
          throw new Error('odd settings');
        }),
      ),
    ).toBe(undefined);
  }, 60_000);

  it('not when they do not, nor on a host of several systems', async () => {
    expect(await offered(def(() => false))).toBe(undefined);
    const matching = { migrations: MIGRATIONS, preparedStore: { dir, matches: () => true } };
    expect(await offered([matching, { name: 'other', tools: [] }])).toBe(undefined);
  }, 60_000);
});

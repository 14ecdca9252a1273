/**
 * After a failed flush the embedded store has stopped for good (PostgreSQL stops rather than trust
 * a later flush; only a restart's recovery brings it back), so the process fails liveness:
 * `/healthz` answers 503 naming the store, and a liveness probe restarts it. `/readyz` fails too,
 * as it does for anything the calls need. Before the failure both answer 200. The flush fails on
 * the kit's own path: fsync(2) fails with EIO for the data directory's files only (the audit
 * file's flushes still work), as a failing disk under `pgdata` would.
 */
import type * as nodeFs from 'node:fs';
import { existsSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { createHttpApp } from '../src/http-lazy.js';
import { ApiKeyAuthenticator } from '../src/identity.js';
import { startInProcess } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

/** fsync(2) fails with EIO for a file under this path while it is set. */
let failingUnder: string | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof nodeFs>();
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      if (failingUnder !== undefined && fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(failingUnder))
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
      fs.fsyncSync(fd);
    },
  };
});

const dirs: string[] = [];
afterEach(async () => {
  failingUnder = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

// Which file a descriptor names (Linux, where CI runs).
const procFds = existsSync('/proc/self/fd');

describe('a store stopped by a failed flush', () => {
  it.skipIf(!procFds)(
    'fails /healthz (503, the store needs a restart) and /readyz; both answer 200 before',
    async () => {
      const dataDir = realpathSync(await tempDir('portcullis-store-stopped-'));
      dirs.push(dataDir);
      const h = await startInProcess(thingsServer(), {
        dataDir,
        principal: { id: 'p', tenant: 't' },
        env: { PORTCULLIS_READY_INTERVAL_MS: '100' }, // /readyz answers from checks this often
      });
      const http = await createHttpApp(h.runtime, {
        host: '127.0.0.1',
        port: 0,
        authenticator: new ApiKeyAuthenticator([], false),
      });
      const srv = await http.listen();
      try {
        const health = await fetch(`${srv.url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok', server: 'portcullis-sys' });
        expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
        expect(h.runtime.host.liveness()).toEqual({});

        // A write's commit flushes the WAL, and that flush fails: the write is answered (it once
        // spun forever here, PGlite entering the stopped PostgreSQL again).
        failingUnder = join(dataDir, 'pgdata');
        await expect(h.runtime.host.store.exec('CREATE TABLE stopped_probe (x int)')).rejects.toMatchObject({
          code: 'store_unavailable',
        });

        const failing = await fetch(`${srv.url}/healthz`);
        expect(failing.status).toBe(503);
        const body = await failing.text();
        expect(JSON.parse(body)).toEqual({
          status: 'failing',
          server: 'portcullis-sys',
          checks: { store: 'needs_restart' },
        });
        expect(body).not.toMatch(/EIO|fsync|pgdata/); // what failed is in the log, not on the wire
        // /readyz answers from its last background check: it fails from the next one on.
        let ready = await fetch(`${srv.url}/readyz`);
        for (let i = 0; i < 50 && ready.status === 200; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          ready = await fetch(`${srv.url}/readyz`);
        }
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { checks: Record<string, string> }).checks.store).toBe('failing');
      } finally {
        await srv.close();
        await h.close();
      }
    },
  );
});

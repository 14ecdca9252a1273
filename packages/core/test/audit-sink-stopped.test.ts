/**
 * A failed write to the audit file is cut off (ftruncate) so the next record follows the last
 * whole one. When that cut fails too, the file ends in part of a record and the sink refuses every
 * append until the process restarts, whose start repairs the torn tail. Until then no call runs
 * (the audit stage) and the process fails liveness: `/healthz` answers 503 naming the audit, and a
 * liveness probe restarts it. Here the audit file's write stops half-way (ENOSPC) and its
 * truncation fails (EIO), on the kit's own path.
 */
import type * as nodeFs from 'node:fs';
import { readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { verifyAuditFile } from '../src/audit.js';
import { createHttpApp } from '../src/http-lazy.js';
import { ApiKeyAuthenticator } from '../src/identity.js';
import { startInProcess } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

/** Writes to this file stop half-way and its truncation fails while it is set. */
let failingFile: string | undefined;
const failsHere = (fd: number) =>
  failingFile !== undefined && readlinkSync(`/proc/self/fd/${fd}`) === failingFile;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof nodeFs>();
  return {
    ...fs,
    writeSync: (fd: number, data: Buffer, ...rest: unknown[]) => {
      if (!failsHere(fd)) return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
      fs.writeSync(fd, data.subarray(0, data.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
    ftruncateSync: (fd: number, len?: number) => {
      if (failsHere(fd)) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
      fs.ftruncateSync(fd, len);
    },
  };
});

const dirs: string[] = [];
afterEach(async () => {
  failingFile = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('an audit file left with part of a record', () => {
  // With an anchor the sink is the anchoring wrapper around the file's: it must say so too.
  it.each(['without', 'with'])(
    'fails /healthz until a restart, which repairs the file; calls are refused meanwhile (%s an anchor)',
    async (anchor) => {
      const dataDir = realpathSync(await tempDir('portcullis-audit-stopped-'));
      dirs.push(dataDir);
      const anchorEnv: Record<string, string> =
        anchor === 'with' ? { PORTCULLIS_AUDIT_ANCHOR: `file:${join(dataDir, 'anchor', 'sys.jsonl')}` } : {};
      const start = () =>
        startInProcess(thingsServer(), {
          dataDir,
          principal: { id: 'p', tenant: 't' },
          env: { PORTCULLIS_LOG_LEVEL: 'silent', ...anchorEnv },
        });
      const h = await start();
      const http = await createHttpApp(h.runtime, {
        host: '127.0.0.1',
        port: 0,
        authenticator: new ApiKeyAuthenticator([], false),
      });
      const srv = await http.listen();
      let closed = false;
      try {
        expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
        expect((await h.callTool('sys_get_thing', {})).isError).toBe(false);
        const whole = h.auditRecords().length;

        failingFile = h.auditFile;
        const failed = await h.callTool('sys_get_thing', {});
        expect(failed.envelope).toMatchObject({ code: 'internal_error' });
        failingFile = undefined; // the disk has room again; the file still ends mid-record

        const health = await fetch(`${srv.url}/healthz`);
        expect(health.status).toBe(503);
        const body = await health.text();
        expect(JSON.parse(body)).toEqual({
          status: 'failing',
          server: 'portcullis-sys',
          checks: { audit: 'needs_restart' },
        });
        expect(body).not.toMatch(/ENOSPC|EIO|audit\.jsonl/);
        // Nothing runs until then, though writes would succeed now.
        const refused = await h.callTool('sys_get_thing', {});
        expect(refused.envelope).toMatchObject({ code: 'audit_unavailable', retryable: true });
        expect((await verifyAuditFile(h.auditFile)).tornTail).toBeDefined();

        await srv.close();
        await h.close();
        closed = true;
        // The restart moves the torn record aside, records that on the chain, and serves again.
        const again = await start();
        try {
          expect(again.runtime.host.liveness()).toEqual({});
          expect((await again.callTool('sys_get_thing', {})).isError).toBe(false);
          const records = again.auditRecords();
          expect(records.slice(whole).map((r) => r.error_code ?? r.outcome)).toEqual([
            'torn_tail_recovered',
            'ok',
          ]);
          const verified = await verifyAuditFile(again.auditFile);
          expect(verified).toMatchObject({ ok: true, records: records.length });
          expect(verified.tornTail).toBeUndefined();
        } finally {
          await again.close();
        }
      } finally {
        if (!closed) {
          await srv.close();
          await h.close();
        }
      }
    },
  );
});

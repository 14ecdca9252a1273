/**
 * The audit trail under load and under crashes, checked with the real verifier CLI
 * (`node packages/core/dist/audit-cli.js verify --file`: 0 intact, 1 tampered, 2 torn tail):
 * 300 calls over HTTP verify; edits, deletions and reorderings are caught and named; a SIGKILL
 * mid-load leaves either an intact file or a reported torn tail, never a silent acceptance; a
 * restart recovers a torn tail (bytes moved aside, a recovery record on the chain).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRecordHash, type AuditRecord } from '@portcullis/core/audit';
import {
  auditFileOf,
  callToolHttp,
  killAll,
  pool,
  readAudit,
  spawnHttp,
  tempDir,
  verifyAudit,
  writeApiKeys,
  type ToolReply,
} from './helpers.js';

afterAll(async () => {
  await killAll();
});

const LOAD_ENV = { PORTCULLIS_RATE_PRINCIPAL_TOOL: '100000/60s', PORTCULLIS_RATE_TENANT: '100000/60s' };

/** One of six call shapes: ok, ok, ok, denied by policy, validation error, unknown tool. */
function mixedCall(url: string, i: number, h: Record<string, string>): Promise<ToolReply> {
  switch (i % 6) {
    case 0:
      return callToolHttp(url, 'kit_echo', { message: `load ${i}` }, h);
    case 1:
      return callToolHttp(url, 'kit_search_notes', { limit: 3 }, h);
    case 2:
      return callToolHttp(url, 'kit_get_note', { id: 'note_0001' }, h);
    case 3:
      return callToolHttp(url, 'kit_get_note', { id: 'note_0002' }, h); // other tenant: denied
    case 4:
      return callToolHttp(url, 'kit_get_note', { id: '' }, h); // validation
    default:
      return callToolHttp(url, 'kit_not_a_tool', {}, h); // unknown: JSON-RPC error, still audited
  }
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

function writeLines(file: string, ls: string[]): void {
  writeFileSync(file, `${ls.join('\n')}\n`);
}

describe('300 calls over HTTP, then tampering', () => {
  let file: string;
  let records: AuditRecord[];
  let work: string;

  beforeAll(async () => {
    const dataDir = tempDir();
    work = tempDir();
    const { keys } = writeApiKeys(dataDir, [{ principal: 'loader', roles: ['admin'], tenant: 'acme' }]);
    const srv = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir, ...LOAD_ENV });
    const h = { authorization: `Bearer ${keys.loader}` };
    const replies = await pool(300, 10, (i) => mixedCall(srv.url, i, h));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect((await srv.stop()).code).toBe(0);
    file = auditFileOf(dataDir);
    records = readAudit(file);
    // every acknowledged audit id is on file
    const ids = new Set(records.map((r) => r.id));
    for (const r of replies) if (r.auditId) expect(ids.has(r.auditId)).toBe(true);
    expect(replies.filter((r) => r.rpcError?.code === -32602)).toHaveLength(50);
  }, 300_000);

  const copy = (name: string): string => {
    const p = join(work, name);
    copyFileSync(file, p);
    return p;
  };

  it('every call left exactly one record, and the file verifies (exit 0)', async () => {
    expect(records).toHaveLength(300);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const outcomes = records.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }),
      {},
    );
    expect(outcomes).toEqual({ ok: 150, denied: 100, error: 50 });
    const v = await verifyAudit(['--file', file]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(`intact: 300 records, head ${records[299]!.hash}`);
  });

  it('editing a field of one record: exit 1 naming that record', async () => {
    const p = copy('edited.jsonl');
    const ls = lines(p);
    const rec = JSON.parse(ls[9]!) as AuditRecord;
    ls[9] = JSON.stringify({ ...rec, principal: 'mallory' });
    writeLines(p, ls);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`TAMPERED at record 10 (${rec.id}): hash mismatch`);
  });

  it('editing a record and recomputing its hash: exit 1 at the next record (broken link)', async () => {
    const p = copy('rehashed.jsonl');
    const ls = lines(p);
    const rec = JSON.parse(ls[9]!) as AuditRecord;
    const { hash: _h, ...rest } = { ...rec, principal: 'mallory' };
    ls[9] = JSON.stringify({ ...rest, hash: computeRecordHash(rest) });
    writeLines(p, ls);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`TAMPERED at record 11 (${records[10]!.id}): broken link`);
  });

  it('deleting a record: exit 1 naming the record after the gap', async () => {
    const p = copy('deleted.jsonl');
    const ls = lines(p);
    ls.splice(9, 1);
    writeLines(p, ls);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`TAMPERED at record 10 (${records[10]!.id}): seq gap`);
  });

  it('reordering two records: exit 1 naming the first out of place', async () => {
    const p = copy('reordered.jsonl');
    const ls = lines(p);
    [ls[9], ls[10]] = [ls[10]!, ls[9]!];
    writeLines(p, ls);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`TAMPERED at record 10 (${records[10]!.id})`);
  });

  it('an unparsable line in the middle is tampering (exit 1), not a torn tail', async () => {
    const p = copy('garbled.jsonl');
    const ls = lines(p);
    ls[149] = ls[149]!.slice(0, 40);
    writeLines(p, ls);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('TAMPERED at record 150');
    expect(v.stdout).toContain('unparsable');
  });

  it('a partial last line is a torn tail: exit 2 reporting its size and offset', async () => {
    const p = copy('torn.jsonl');
    const size = statSync(p).size;
    const partial = '{"id":"aud_01TORN","seq":301,"time":"2026-';
    appendFileSync(p, partial);
    const v = await verifyAudit(['--file', p]);
    expect(v.code).toBe(2);
    expect(v.stdout.trim()).toBe(
      `torn tail: 300 whole records verify; ${partial.length} bytes at offset ${size} are an incomplete record`,
    );
    // an unparsable final line that did get its newline is also a torn tail
    const p2 = copy('torn-newline.jsonl');
    appendFileSync(p2, `${partial}\n`);
    const v2 = await verifyAudit(['--file', p2]);
    expect(v2.code).toBe(2);
    expect(v2.stdout).toContain(`${partial.length + 1} bytes at offset ${size}`);
  });

  it('usage and unreadable files have their own exit codes', async () => {
    expect((await verifyAudit(['--file', join(work, 'missing.jsonl')])).code).toBe(66);
    expect((await verifyAudit([])).code).toBe(64);
  });
});

describe('SIGKILL mid-load, then a torn tail, then recovery on restart', () => {
  it('never silently accepted; restart moves the torn bytes aside, records the recovery, and verifies', async () => {
    const dataDir = tempDir();
    const { keys } = writeApiKeys(dataDir, [{ principal: 'crasher', roles: ['admin'], tenant: 'acme' }]);
    const h = { authorization: `Bearer ${keys.crasher}` };
    const env = { PORTCULLIS_DATA_DIR: dataDir, ...LOAD_ENV };
    const srv = await spawnHttp(env);
    const file = auditFileOf(dataDir);

    // A bounded load: 8 workers, at most 3000 calls or 60 s; SIGKILL once 150 replies are in.
    const acknowledged: string[] = [];
    let stop = false;
    let started = 0;
    const deadline = Date.now() + 60_000;
    let killed = false;
    const worker = async () => {
      while (!stop && started < 3000 && Date.now() < deadline) {
        const i = started++;
        try {
          const r = await mixedCall(srv.url, i, h);
          if (r.auditId) acknowledged.push(r.auditId);
          if (!killed && acknowledged.length >= 150) {
            killed = true;
            srv.proc.kill('SIGKILL');
          }
        } catch {
          stop = true; // the server is gone
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(killed).toBe(true);
    const exit = await srv.exited;
    expect(exit.signal).toBe('SIGKILL');

    // 1. what the crash left: intact (0) or a reported torn tail (2); never tampering, never silence
    const v1 = await verifyAudit(['--file', file]);
    expect([0, 2], v1.stdout).toContain(v1.code);
    if (v1.code === 2) expect(v1.stdout).toContain('torn tail');
    else expect(v1.stdout).toMatch(/^intact: \d+ records/);
    // every call that was answered had its record written before the answer
    const onFile = new Set(
      lines(file).flatMap((l) => {
        try {
          return [(JSON.parse(l) as AuditRecord).id];
        } catch {
          return []; // a torn last line
        }
      }),
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    for (const id of acknowledged) expect(onFile.has(id), id).toBe(true);

    // 2. tear the tail by hand (as a crash mid-write would): exit 2, reporting it
    const partial = '{"id":"aud_01MANUALTORN","seq":999999,"kind":"tool_c';
    appendFileSync(file, partial);
    const before = readFileSync(file);
    const lastNl = before.lastIndexOf(0x0a);
    const tornBytes = before.subarray(lastNl + 1);
    const whole = lines(file).slice(0, -1).length;
    const v2 = await verifyAudit(['--file', file]);
    expect(v2.code).toBe(2);
    expect(v2.stdout.trim()).toBe(
      `torn tail: ${whole} whole records verify; ${tornBytes.length} bytes at offset ${lastNl + 1} are an incomplete record`,
    );

    // 3. restart on the same file: the torn bytes move aside, a recovery record joins the chain
    const again = await spawnHttp(env);
    // (the HTTP listener is up before start-up finishes; the recovery is part of start-up)
    const recovered = await again.waitForLog(/^audit file ended with an incomplete record/, 60_000);
    expect(recovered).toMatchObject({
      offset: lastNl + 1,
      bytes: tornBytes.length,
      sha256: createHash('sha256').update(tornBytes).digest('hex'),
    });
    const asideFiles = readdirSync(join(dataDir, 'audit')).filter((f) => f.includes('.torn-'));
    expect(asideFiles).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'audit', asideFiles[0]!)).equals(tornBytes)).toBe(true);
    const after = await callToolHttp(again.url, 'kit_echo', { message: 'after recovery' }, h);
    expect(after.isError).toBe(false);
    expect((await again.stop()).code).toBe(0);

    const recs = readAudit(file);
    expect(recs).toHaveLength(whole + 2);
    const recovery = recs[whole]!;
    expect(recovery).toMatchObject({
      kind: 'recovery',
      error_code: 'torn_tail_recovered',
      refs: {
        torn_bytes: String(tornBytes.length),
        torn_sha256: createHash('sha256').update(tornBytes).digest('hex'),
      },
    });
    expect(recs[whole + 1]!.id).toBe(after.auditId);
    // The development audit key the server generated: every record, the recovery included, is MAC'd.
    const v3 = await verifyAudit(['--file', file, '--key', `file:${dataDir}/audit.key`]);
    expect(v3.code).toBe(0);
    expect(v3.stdout).toContain(`intact: ${whole + 2} records`);
    expect(v3.stdout).toContain(`keyed: ${whole + 2} record MACs verify`);
  }, 300_000);
});

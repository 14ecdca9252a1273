/**
 * Finding 8 of the security review: the audit chain had no key and no anchor, so anyone able to
 * write the trail could delete or edit records and recompute every later hash. These tests play
 * that attacker (holding the trail, not the key) and check what `verify` then says.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import {
  auditKeyFromSecret,
  auditPublicKeyPem,
  computeRecordHash,
  createAuditSink,
  readAnchorFile,
  readAnchorTable,
  sha256Hex,
  verifyAuditFile,
  verifyAuditTable,
  GENESIS_HASH,
} from '../src/audit.js';
import type { AuditEvent, AuditRecord } from '../src/audit.js';
import { main } from '../src/audit-cli.js';
import { ConfigError } from '../src/errors.js';
import { openStore } from '../src/store.js';

const SECRET = 'audit-key-for-tests-0123456789-abcdefghijklmnop';
const KEY = auditKeyFromSecret(SECRET);
const silent = pino({ level: 'silent' });

function event(i: number): AuditEvent {
  return {
    kind: 'tool_call',
    trace_id: `trace-${i}`,
    server: 'crm',
    tool: 'crm_update_deal',
    principal: 'user:alice',
    on_behalf_of: null,
    tenant: 'acme',
    arguments: { deal: `d${i}`, amount: i * 100 },
    decision: { effect: 'allow', policies: ['p'] },
    outcome: 'ok',
    error_code: null,
    result_hash: sha256Hex(`r${i}`),
    duration_ms: i,
  };
}

let dir: string;
let trail: string;
let anchor: string;
beforeEach(async () => {
  dir = await tempDir('portcullis-audit-key-');
  trail = join(dir, 'trail.jsonl');
  anchor = join(dir, 'anchor', 'checkpoints.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A keyed, anchored trail of `n` records, closed (so its shutdown checkpoint is anchored). */
async function writeTrail(n: number): Promise<void> {
  const sink = await createAuditSink(`file:${trail}`, {
    dataDir: dir,
    serverName: 'crm',
    logger: silent,
    key: KEY,
    anchor: `file:${anchor}`,
  });
  for (let i = 1; i <= n; i++) await sink.append(event(i));
  await sink.close();
}

async function records(): Promise<AuditRecord[]> {
  return (await readFile(trail, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** What an attacker without the key does after changing the list: renumber and re-hash every record. */
async function rechain(recs: AuditRecord[]): Promise<void> {
  let prev = GENESIS_HASH;
  const out = recs.map((r, i) => {
    const { hash: _h, ...rest } = r;
    const body = { ...rest, seq: i + 1, prev_hash: prev };
    const hash = computeRecordHash(body);
    prev = hash;
    return JSON.stringify({ ...body, hash });
  });
  await writeFile(trail, out.map((l) => `${l}\n`).join(''));
}

const withKey = async () => verifyAuditFile(trail, { key: KEY, anchor: await readAnchorFile(anchor) });

describe('finding 8: the audit chain is keyed and anchored', () => {
  it('finding 8: every record carries a MAC under the audit key, and an untouched trail verifies', async () => {
    await writeTrail(5);
    const recs = await records();
    expect(recs.every((r) => typeof r.mac === 'string' && /^[0-9a-f]{64}$/.test(r.mac))).toBe(true);
    const v = await withKey();
    expect(v).toMatchObject({ ok: true, records: 5, macChecked: 5, unkeyedPrefix: 0 });
    expect(v.checkpoints).toBeGreaterThanOrEqual(1);
  });

  it('finding 8: an edited record is detected, even with its hash recomputed', async () => {
    await writeTrail(5);
    const recs = await records();
    recs[2]!.arguments = { deal: 'd3', amount: 1 };
    await rechain(recs);
    const v = await withKey();
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ index: 2, reason: 'mac mismatch' });
  });

  it('finding 8: a deleted middle record is detected although the attacker recomputed the chain', async () => {
    await writeTrail(6);
    const recs = await records();
    recs.splice(2, 1);
    await rechain(recs);
    // The plain hash chain now says intact: that is exactly the hole the key closes.
    expect((await verifyAuditFile(trail)).ok).toBe(true);
    const v = await withKey();
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ index: 2, reason: 'mac mismatch' });
    // Stripping the MACs does not help: a record without one may not follow a keyed record.
    await rechain(recs.map(({ mac: _m, ...r }, i) => (i < 2 ? { ...r, mac: recs[i]!.mac } : r)));
    expect((await withKey()).firstBad).toMatchObject({ index: 2, reason: 'missing mac' });
  });

  it('a trail stripped of every MAC and re-chained fails with the key, unless its start is allowed', async () => {
    await writeTrail(5);
    const recs = await records();
    recs.splice(2, 1);
    // No keyed record is left for a missing MAC to follow: the whole trail would read as one that
    // predates its key.
    await rechain(recs.map(({ mac: _m, ...r }) => r));
    const v = await verifyAuditFile(trail, { key: KEY });
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ index: 0, reason: expect.stringMatching(/^missing mac/) });
    // A trail really begun without a key is let through by saying how many records predate it.
    expect(await verifyAuditFile(trail, { key: KEY, allowUnkeyed: 4 })).toMatchObject({
      ok: true,
      unkeyedPrefix: 4,
      macChecked: 0,
    });
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: () => undefined, env: { AK: SECRET } };
    expect(await main(['verify', '--file', trail, '--key', 'env:AK'], io)).toBe(1);
    expect(out[0]).toMatch(/^TAMPERED at record 1 .*: missing mac/);
    expect(await main(['verify', '--file', trail, '--key', 'env:AK', '--allow-unkeyed', '4'], io)).toBe(0);
  });

  it('finding 8: a reordered pair is detected although the attacker recomputed the chain', async () => {
    await writeTrail(5);
    const recs = await records();
    [recs[1], recs[2]] = [recs[2]!, recs[1]!];
    await rechain(recs);
    const v = await withKey();
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ index: 1, reason: 'mac mismatch' });
  });

  it('finding 8: a truncated tail is detected when an anchor is configured', async () => {
    await writeTrail(6);
    const lines = (await readFile(trail, 'utf8')).split('\n').filter(Boolean);
    await writeFile(
      trail,
      lines
        .slice(0, 4)
        .map((l) => `${l}\n`)
        .join(''),
    );
    // Without the anchor the shorter trail is a valid chain: truncation needs the anchor to show.
    expect((await verifyAuditFile(trail, { key: KEY })).ok).toBe(true);
    const v = await withKey();
    expect(v.ok).toBe(false);
    expect(v.truncated).toEqual({ anchorSeq: 6, trailSeq: 4 });
  });

  it('finding 8: the trail is intact after a restart, and the restart is anchored', async () => {
    await writeTrail(3);
    const again = await createAuditSink(`file:${trail}`, {
      dataDir: dir,
      serverName: 'crm',
      logger: silent,
      key: KEY,
      anchor: `file:${anchor}`,
    });
    await again.append(event(4));
    await again.append(event(5));
    await again.close();
    const cps = await readAnchorFile(anchor);
    expect(cps.map((c) => [c.reason, c.seq])).toEqual([
      ['shutdown', 3],
      ['shutdown', 5],
    ]);
    expect(await withKey()).toMatchObject({ ok: true, records: 5, macChecked: 5, checkpoints: 2 });
  });

  it('finding 8: checkpoints verify with the public key alone, and a forged checkpoint does not', async () => {
    await writeTrail(4);
    const publicKey = KEY.publicKey;
    const cps = await readAnchorFile(anchor);
    expect(await verifyAuditFile(trail, { publicKey, anchor: cps })).toMatchObject({
      ok: true,
      checkpoints: 1,
    });
    // An attacker who truncated the trail and rewrote the anchor to match cannot sign the new head.
    const forged = cps.map((c) => ({ ...c, seq: 2, hash: 'f'.repeat(64) }));
    const v = await verifyAuditFile(trail, { publicKey, anchor: forged });
    expect(v.ok).toBe(false);
    expect(v.firstBad?.reason).toMatch(/checkpoint signature does not verify/);
    const other = auditKeyFromSecret(`${SECRET}-other`);
    expect((await verifyAuditFile(trail, { publicKey: other.publicKey, anchor: cps })).ok).toBe(false);
  });

  it('finding 8: portcullis-audit verify --key --anchor says TAMPERED for a re-chained trail and intact otherwise', async () => {
    await writeTrail(5);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: { AK: SECRET } };
    const args = ['verify', '--file', trail, '--key', 'env:AK', '--anchor', `file:${anchor}`];
    expect(await main(args, io)).toBe(0);
    expect(out[0]).toMatch(/^intact: 5 records, head [0-9a-f]{64}$/);
    expect(out).toContain('keyed: 5 record MACs verify');
    expect(out).toContain('anchored: 1 checkpoints match the trail');

    const recs = await records();
    recs.splice(1, 1);
    await rechain(recs);
    out.length = 0;
    expect(await main(args, io)).toBe(1);
    expect(out[0]).toMatch(/^TAMPERED at record 2 \(aud_[0-9A-Z]+\): mac mismatch$/);

    // The key from the environment (PORTCULLIS_AUDIT_KEY) works the same; public-key prints the PEM.
    out.length = 0;
    expect(await main(['public-key'], { ...io, env: { PORTCULLIS_AUDIT_KEY: 'env:AK', AK: SECRET } })).toBe(
      0,
    );
    expect(out.join('\n')).toBe(auditPublicKeyPem(KEY).trimEnd());
    expect(err.join('\n')).not.toContain(SECRET);
  });
});

describe('finding 8: where the audit key comes from', () => {
  it('finding 8: production refuses to start without PORTCULLIS_AUDIT_KEY', async () => {
    const err = await createAuditSink(`file:${trail}`, {
      dataDir: dir,
      serverName: 'crm',
      logger: silent,
      production: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/PORTCULLIS_AUDIT_KEY is required when NODE_ENV=production/);
    expect(existsSync(trail)).toBe(false);
  });

  it('finding 8: development generates a key under the data directory (0600) and says so', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const sink = await createAuditSink(`file:${trail}`, { dataDir: dir, serverName: 'crm', logger });
    await sink.append(event(1));
    await sink.close();
    const keyFile = join(dir, 'audit.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(lines.join('')).toContain('generated a development audit key');
    const key = auditKeyFromSecret((await readFile(keyFile, 'utf8')).trim());
    expect(await verifyAuditFile(trail, { key })).toMatchObject({ ok: true, macChecked: 1 });
    // A second start reuses it rather than generating another.
    lines.length = 0;
    const again = await createAuditSink(`file:${trail}`, { dataDir: dir, serverName: 'crm', logger });
    await again.append(event(2));
    await again.close();
    expect(lines.join('')).not.toContain('generated');
    expect(await verifyAuditFile(trail, { key })).toMatchObject({ ok: true, macChecked: 2 });
  });

  it('finding 8: PORTCULLIS_AUDIT_KEY shorter than 32 characters is refused', async () => {
    const { CredentialResolver } = await import('../src/credentials.js');
    const { Redactor } = await import('../src/redact.js');
    const credentials = new CredentialResolver({
      redactor: new Redactor(),
      logger: silent,
      env: { K: 'short' },
    });
    await expect(
      createAuditSink(`file:${trail}`, {
        dataDir: dir,
        serverName: 'crm',
        logger: silent,
        keyRef: 'env:K',
        credentials,
      }),
    ).rejects.toThrow(/at least 32 characters/);
  });
});

describe('finding 8: the PostgreSQL trail and anchor table', () => {
  it('finding 8: keyed rows and an anchor table; a deleted tail row is reported as truncation', async () => {
    const store = await openStore({});
    try {
      const opts = { dataDir: dir, serverName: 'crm', logger: silent, key: KEY, store, anchor: 'postgres' };
      const sink = await createAuditSink('postgres', opts);
      for (let i = 1; i <= 4; i++) await sink.append(event(i));
      await sink.close();
      const cps = await readAnchorTable(store);
      expect(cps.map((c) => c.seq)).toEqual([4]);
      expect(await verifyAuditTable(store, { key: KEY, anchor: cps })).toMatchObject({
        ok: true,
        records: 4,
        macChecked: 4,
        checkpoints: 1,
      });
      // A database owner can switch the append-only trigger off; the anchor still tells.
      await store.exec(
        'ALTER TABLE portcullis_audit DISABLE TRIGGER portcullis_audit_no_update_delete; DELETE FROM portcullis_audit WHERE seq = 4;',
      );
      expect(await verifyAuditTable(store, { key: KEY, anchor: cps })).toMatchObject({
        ok: false,
        truncated: { anchorSeq: 4, trailSeq: 3 },
      });
    } finally {
      await store.close();
    }
  });
});

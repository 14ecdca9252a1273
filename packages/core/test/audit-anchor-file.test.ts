/**
 * The files/credentials audit: the audit anchor file (PORTCULLIS_AUDIT_ANCHOR=file:PATH) was
 * opened following symbolic links, so a link planted at its path sent the checkpoints (and the
 * start's read of the last one) to the link's target. It is now opened as the trail is: never
 * through a link, and a file it creates is 0600. Its owner is not checked: the anchor may be on
 * another volume and belong to another user.
 */
import { chownSync } from 'node:fs';
import { chmod, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import {
  auditKeyFromSecret,
  checkpointAudit,
  createAuditSink,
  readAnchorFile,
  sha256Hex,
} from '../src/audit.js';
import type { AuditEvent } from '../src/audit.js';
import { ConfigError } from '../src/errors.js';

const KEY = auditKeyFromSecret('audit-key-for-tests-0123456789-abcdefghijklmnop');
const silent = pino({ level: 'silent' });
// Giving a file to another user (chown) takes root; nobody (65534) is that other user.
const notRoot = process.geteuid?.() !== 0;

function event(i: number): AuditEvent {
  return {
    kind: 'tool_call',
    trace_id: `trace-${i}`,
    server: 'crm',
    tool: 'crm_update_deal',
    principal: 'user:alice',
    on_behalf_of: null,
    tenant: 'acme',
    arguments: { deal: `d${i}` },
    decision: { effect: 'allow', policies: ['p'] },
    outcome: 'ok',
    error_code: null,
    result_hash: sha256Hex(`r${i}`),
    duration_ms: i,
  };
}

let dir: string;
let trail: string;
beforeEach(async () => {
  dir = await tempDir('portcullis-audit-anchor-');
  trail = join(dir, 'trail.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (anchor?: string) =>
  createAuditSink(`file:${trail}`, {
    dataDir: dir,
    serverName: 'crm',
    logger: silent,
    key: KEY,
    ...(anchor === undefined ? {} : { anchor: `file:${anchor}` }),
  });

/** A trail with records, so an anchored start has a head to checkpoint. */
async function trailOf(n: number): Promise<void> {
  const sink = await open();
  for (let i = 1; i <= n; i++) await sink.append(event(i));
  await sink.close();
}

/** A file the anchor must never touch: no newline, so a start reading it finds no checkpoint. */
async function bystander(): Promise<string> {
  const target = join(dir, 'elsewhere.txt');
  await writeFile(target, 'not the anchor');
  await chmod(target, 0o644);
  return target;
}

describe('the audit anchor file', () => {
  it('is refused at start when its path is a symbolic link, and the link’s target is unchanged', async () => {
    await trailOf(2);
    const target = await bystander();
    const link = join(dir, 'anchor.jsonl');
    await symlink(target, link);

    const start = open(link);
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      `The audit anchor file (PORTCULLIS_AUDIT_ANCHOR) ${link} is a symbolic link`,
    );
    expect(await readFile(target, 'utf8')).toBe('not the anchor');
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });

  it('is not read through a symbolic link either: a target that matches the trail is refused too', async () => {
    // A start whose anchor already holds the trail's head writes no checkpoint: only the read
    // can refuse it.
    const real = join(dir, 'real-anchor.jsonl');
    const first = await open(real);
    await first.append(event(1));
    await first.close();
    const before = await readFile(real, 'utf8');
    const link = join(dir, 'anchor.jsonl');
    await symlink(real, link);

    await expect(open(link)).rejects.toThrow(
      `The audit anchor file (PORTCULLIS_AUDIT_ANCHOR) ${link} is a symbolic link`,
    );
    expect(await readFile(real, 'utf8')).toBe(before);
  });

  it('is never written through a symbolic link planted at its path while the server runs', async () => {
    await trailOf(1);
    const target = await bystander();
    const anchor = join(dir, 'anchor.jsonl');
    const sink = await open(anchor);
    await sink.append(event(2));
    await rename(anchor, join(dir, 'anchor-moved.jsonl'));
    await symlink(target, anchor);

    await expect(checkpointAudit(sink)).rejects.toThrow(
      `The audit anchor file (PORTCULLIS_AUDIT_ANCHOR) ${anchor} is a symbolic link`,
    );
    await expect(sink.close()).rejects.toThrow(ConfigError); // the shutdown checkpoint
    expect(await readFile(target, 'utf8')).toBe('not the anchor');
  });

  it('is created 0600', async () => {
    await trailOf(1);
    const anchor = join(dir, 'anchor', 'checkpoints.jsonl');
    const sink = await open(anchor);
    await sink.close();
    expect((await readAnchorFile(anchor)).length).toBeGreaterThan(0);
    expect((await stat(anchor)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(notRoot)(
    'is written when another user owns it: no owner check (root only: it chowns)',
    async () => {
      await trailOf(1);
      const anchor = join(dir, 'anchor.jsonl');
      await writeFile(anchor, '');
      chownSync(anchor, 65534, 65534);
      const sink = await open(anchor);
      await sink.close();
      expect((await readAnchorFile(anchor)).length).toBe(1);
      expect((await stat(anchor)).uid).toBe(65534);
    },
  );
});

import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@portcullis/test-support/ports';
import { CredentialResolver } from '../src/credentials.js';
import { CursorCodec, openCursorCodec, type CursorScope } from '../src/cursor.js';
import { ConfigError, PortcullisError } from '../src/errors.js';
import { Redactor } from '../src/redact.js';

const scope: CursorScope = {
  tenant: 'acme',
  principal: 'alice',
  kind: 'accounts',
  query: { region: 'emea', owner_id: 'bob' },
};

function refusal(fn: () => unknown): PortcullisError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PortcullisError) return err;
    throw err;
  }
  throw new Error('expected the cursor to be refused');
}

function sources(env: NodeJS.ProcessEnv, dataDir: string) {
  const redactor = new Redactor([]);
  const logger = pino({ level: 'silent' });
  return { env, dataDir, redactor, credentials: new CredentialResolver({ redactor, logger, env }) };
}

describe('signed cursors', () => {
  const codec = new CursorCodec(randomBytes(32));

  it('returns the position it encoded, whatever the key order of the query', () => {
    const c = codec.encode(scope, ['Acme', 'acc_1']);
    expect(codec.decode(c, { ...scope, query: { owner_id: 'bob', region: 'emea' } })).toEqual([
      'Acme',
      'acc_1',
    ]);
  });

  it('says nothing in clear about the tenant, the caller or the filters', () => {
    const body = Buffer.from(codec.encode(scope, { a: '10' }).split('.')[0]!, 'base64url').toString();
    expect(body).not.toMatch(/acme|alice|emea|bob/);
  });

  it('refuses an edited, truncated, forged or garbage cursor as invalid_cursor (validation)', () => {
    const c = codec.encode(scope, { a: '10' });
    const [body, mac] = c.split('.') as [string, string];
    const edited = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"10"', '"99"')).toString(
      'base64url',
    );
    const forgedWithOtherKey = new CursorCodec(randomBytes(32)).encode(scope, { a: '99' });
    for (const bad of [
      `${edited}.${mac}`,
      c.slice(0, -2),
      `${c}x`,
      forgedWithOtherKey,
      'not-a-cursor',
      '.',
      `${body}.`,
      'x'.repeat(5000),
    ]) {
      const err = refusal(() => codec.decode(bad, scope));
      expect(err).toMatchObject({ code: 'invalid_cursor', category: 'validation' });
      expect(err.message).toBe('The cursor is not valid.');
      expect(err.remediation).toMatch(/next_cursor/);
    }
  });

  it('refuses a genuine cursor of another tenant, another caller, another query or another list', () => {
    const c = codec.encode(scope, { a: '10' });
    for (const other of [
      { ...scope, tenant: 'globex' },
      { ...scope, principal: 'mallory' },
      { ...scope, principal: undefined },
      { ...scope, query: { region: 'na', owner_id: 'bob' } },
      { ...scope, query: { region: 'emea' } },
      { ...scope, kind: 'contacts' },
    ]) {
      const err = refusal(() => codec.decode(c, other));
      expect(err).toMatchObject({ code: 'invalid_cursor', category: 'validation' });
      expect(err.message).toMatch(/different search/);
    }
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new CursorCodec(randomBytes(16))).toThrow(ConfigError);
  });
});

describe('the cursor key', () => {
  it('is generated once per data directory, mode 0600, and survives a restart', async () => {
    const dir = await tempDir();
    const first = await openCursorCodec(sources({}, dir));
    const c = first.encode(scope, 1);
    const mode = (await stat(join(dir, 'cursor-signing.key'))).mode & 0o777;
    expect(mode).toBe(0o600);
    const again = await openCursorCodec(sources({}, dir));
    expect(again.decode(c, scope)).toBe(1);
  });

  it('comes from PORTCULLIS_CURSOR_KEY when set, so replicas with different data dirs agree', async () => {
    const secret = randomBytes(32).toString('base64url');
    const env = { PORTCULLIS_CURSOR_KEY: 'env:CURSOR_SECRET', CURSOR_SECRET: secret };
    const a = await openCursorCodec(sources(env, await tempDir()));
    const b = await openCursorCodec(sources(env, await tempDir()));
    expect(b.decode(a.encode(scope, 'p'), scope)).toBe('p');
    const local = await openCursorCodec(sources({}, await tempDir()));
    expect(refusal(() => local.decode(a.encode(scope, 'p'), scope)).code).toBe('invalid_cursor');
  });

  it('stops start-up on a bad reference or a short key', async () => {
    await expect(
      openCursorCodec(sources({ PORTCULLIS_CURSOR_KEY: 'plain-secret' }, await tempDir())),
    ).rejects.toThrow(/PORTCULLIS_CURSOR_KEY/);
    await expect(
      openCursorCodec(sources({ PORTCULLIS_CURSOR_KEY: 'env:SHORT', SHORT: 'too-short' }, await tempDir())),
    ).rejects.toThrow(/at least 32/);
  });
});

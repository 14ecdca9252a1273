import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeSecretsManager, type FakeSecretsManager } from '@portcullis/fakes/aws-secrets-manager';
import { tempDir } from '@portcullis/test-support/ports';
import {
  CredentialResolver,
  isCredentialRef,
  parseCredentialRef,
  type CredentialResolverOptions,
} from '../src/credentials.js';
import { ConfigError, errors } from '../src/errors.js';
import { REDACTED, Redactor } from '../src/redact.js';

const HUBSPOT_TOKEN = 'pat-na1-hubspot-token-0001';
const DB_PASSWORD = 'db-password-987654';
const DB_JSON = JSON.stringify({ username: 'svc_crm', password: DB_PASSWORD, port: 5432 });
const NOT_JSON = 'not-json-secret-value-424242';
const BINARY_SECRET = 'binary-secret-value-777';

let fake: FakeSecretsManager;
let dir: string;
const resolvers: CredentialResolver[] = [];

beforeAll(async () => {
  fake = await startFakeSecretsManager({
    'crm/hubspot': HUBSPOT_TOKEN,
    'crm/db': DB_JSON,
    'crm/plain': NOT_JSON,
  });
  fake.setSecret('crm/binary', new TextEncoder().encode(BINARY_SECRET));
  dir = await tempDir('portcullis-credentials-');
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
  for (const r of resolvers.splice(0)) r.close();
});

function captureLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function resolver(overrides: Partial<CredentialResolverOptions> = {}, endpoint = fake.endpoint) {
  const redactor = new Redactor();
  const { logger, lines } = captureLogger();
  const r = new CredentialResolver({
    redactor,
    logger,
    env: {},
    secretsManager: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-access-key' },
    },
    ...overrides,
  });
  resolvers.push(r);
  return { r, redactor, lines };
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseCredentialRef', () => {
  it('parses the three forms', () => {
    expect(parseCredentialRef('env:HUBSPOT_TOKEN', 'X')).toEqual({ kind: 'env', name: 'HUBSPOT_TOKEN' });
    expect(parseCredentialRef('file:/run/secrets/token', 'X')).toEqual({
      kind: 'file',
      path: '/run/secrets/token',
    });
    expect(parseCredentialRef('aws-sm:crm/hubspot', 'X')).toEqual({
      kind: 'aws-sm',
      secretId: 'crm/hubspot',
    });
    expect(parseCredentialRef('aws-sm:crm/db#password', 'X')).toEqual({
      kind: 'aws-sm',
      secretId: 'crm/db',
      jsonKey: 'password',
    });
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:crm/db-AbCdEf';
    expect(parseCredentialRef(`aws-sm:${arn}#password`, 'X')).toEqual({
      kind: 'aws-sm',
      secretId: arn,
      jsonKey: 'password',
    });
  });

  it.each([
    'sk_live_pasted_secret_value',
    'env:',
    'env:1BAD',
    'env:A-B',
    'file:relative/path',
    'file:',
    'aws-sm:',
    'aws-sm:crm/db#',
    'aws-sm:#key',
    'vault:kv/crm',
    '',
  ])('rejects %j naming the setting and not echoing the value', (ref) => {
    let err: unknown;
    try {
      parseCredentialRef(ref, 'CRM_HUBSPOT_TOKEN');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('CRM_HUBSPOT_TOKEN');
    if (ref.length > 8) expect(message).not.toContain(ref);
  });

  it('isCredentialRef recognises the schemes, even malformed, so they are never taken literally', () => {
    expect(isCredentialRef('env:X')).toBe(true);
    expect(isCredentialRef('file:/x')).toBe(true);
    expect(isCredentialRef('aws-sm:x#y')).toBe(true);
    expect(isCredentialRef('env:')).toBe(true);
    expect(isCredentialRef('pat-na1-literal')).toBe(false);
    expect(isCredentialRef('https://example.test')).toBe(false);
  });
});

describe('CredentialResolver sources', () => {
  it('env: resolves from opts.env and registers the value with the redactor', async () => {
    const { r, redactor } = resolver({ env: { CRM_TOKEN: 'env-secret-value-1234' } });
    expect(await r.get('env:CRM_TOKEN', 'CRM_HUBSPOT_TOKEN')).toBe('env-secret-value-1234');
    expect(redactor.redactString('env-secret-value-1234')).toBe(REDACTED);
  });

  it('env: a missing variable is a ConfigError naming the setting and the variable', async () => {
    const { r } = resolver();
    const err = await configError(r.get('env:NOT_SET_ANYWHERE', 'CRM_HUBSPOT_TOKEN'));
    expect(err.message).toContain('CRM_HUBSPOT_TOKEN');
    expect(err.message).toContain('NOT_SET_ANYWHERE');
  });

  it('file: trims the trailing newline and registers the value', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'file-secret-value-5678\n');
    const { r, redactor } = resolver();
    expect(await r.get(`file:${path}`, 'BILLING_STRIPE_KEY')).toBe('file-secret-value-5678');
    expect(redactor.redactString('key=file-secret-value-5678')).toBe(`key=${REDACTED}`);
  });

  it('file: an unreadable file is a ConfigError naming the setting', async () => {
    const { r } = resolver();
    const missing = await configError(r.get(`file:${join(dir, 'absent')}`, 'BILLING_STRIPE_KEY'));
    expect(missing.message).toContain('BILLING_STRIPE_KEY');
    expect(missing.message).toContain('ENOENT');

    if (process.getuid?.() !== 0) {
      const path = join(dir, 'locked');
      await writeFile(path, 'locked-secret-value-0000');
      await chmod(path, 0o000);
      const locked = await configError(r.get(`file:${path}`, 'BILLING_STRIPE_KEY'));
      expect(locked.message).not.toContain('locked-secret-value-0000');
    }
  });

  it('aws-sm: resolves a SecretString through the real SDK and registers it', async () => {
    const { r, redactor } = resolver();
    expect(await r.get('aws-sm:crm/hubspot', 'CRM_HUBSPOT_TOKEN')).toBe(HUBSPOT_TOKEN);
    expect(redactor.redactString(HUBSPOT_TOKEN)).toBe(REDACTED);
  });

  it('aws-sm: #json-key takes that key of a JSON secret', async () => {
    const { r, redactor } = resolver();
    expect(await r.get('aws-sm:crm/db#password', 'CRM_DB_PASSWORD')).toBe(DB_PASSWORD);
    expect(await r.get('aws-sm:crm/db#port', 'CRM_DB_PORT')).toBe('5432');
    expect(redactor.redactString(`password=${DB_PASSWORD}`)).toBe(`password=${REDACTED}`);
  });

  it('aws-sm: decodes a SecretBinary as UTF-8', async () => {
    const { r } = resolver();
    expect(await r.get('aws-sm:crm/binary', 'CRM_BINARY')).toBe(BINARY_SECRET);
  });

  it('aws-sm: a missing secret, a missing key or a non-JSON secret is a ConfigError that never contains a secret', async () => {
    const { r, lines } = resolver();
    const missing = await configError(r.get('aws-sm:crm/absent', 'CRM_HUBSPOT_TOKEN'));
    expect(missing.message).toContain('CRM_HUBSPOT_TOKEN');
    expect(missing.message).toContain('not found');

    const noKey = await configError(r.get('aws-sm:crm/db#api_key', 'CRM_API_KEY'));
    expect(noKey.message).toContain('CRM_API_KEY');
    expect(noKey.message).toContain('api_key');
    expect(noKey.message).not.toContain(DB_PASSWORD);
    expect(noKey.message).not.toContain('svc_crm');

    // JSON.parse quotes its input in its message: that must not leak through.
    const notJson = await configError(r.get('aws-sm:crm/plain#password', 'CRM_DB_PASSWORD'));
    expect(notJson.message).toContain('CRM_DB_PASSWORD');
    expect(notJson.message).not.toContain(NOT_JSON);

    for (const line of lines) {
      expect(line).not.toContain(DB_PASSWORD);
      expect(line).not.toContain(NOT_JSON);
    }
  });

  it('aws-sm: an unreachable Secrets Manager is a ConfigError naming the setting', async () => {
    const closed = await startFakeSecretsManager({});
    await closed.close();
    const { r } = resolver({}, closed.endpoint);
    const err = await configError(r.get('aws-sm:crm/hubspot', 'CRM_HUBSPOT_TOKEN'));
    expect(err.message).toContain('CRM_HUBSPOT_TOKEN');
  });
});

describe('CredentialResolver caching and rotation', () => {
  it('caches within the TTL, and concurrent gets share one fetch', async () => {
    fake.setSecret('cache/one', 'cache-secret-value-1');
    const { r } = resolver();
    const before = fake.calls('GetSecretValue');
    const values = await Promise.all(Array.from({ length: 5 }, () => r.get('aws-sm:cache/one', 'S')));
    expect(new Set(values)).toEqual(new Set(['cache-secret-value-1']));
    expect(await r.get('aws-sm:cache/one', 'S')).toBe('cache-secret-value-1');
    expect(fake.calls('GetSecretValue') - before).toBe(1);
  });

  it('two JSON keys of one secret share one fetch', async () => {
    const { r } = resolver();
    const before = fake.calls('GetSecretValue');
    await r.get('aws-sm:crm/db#password', 'A');
    await r.get('aws-sm:crm/db#username', 'B');
    expect(fake.calls('GetSecretValue') - before).toBe(1);
  });

  it('re-fetches after the TTL and picks up a rotation, logging the versions but never the value', async () => {
    fake.setSecret('rotate/me', 'rotation-value-v1');
    vi.useFakeTimers({ toFake: ['Date'] });
    const { r, redactor, lines } = resolver({ ttlMs: 60_000 });
    const before = fake.calls('GetSecretValue');
    expect(await r.get('aws-sm:rotate/me', 'ROTATING')).toBe('rotation-value-v1');

    fake.setSecret('rotate/me', 'rotation-value-v2');
    // Within the TTL the cached value is served.
    vi.setSystemTime(Date.now() + 30_000);
    expect(await r.get('aws-sm:rotate/me', 'ROTATING')).toBe('rotation-value-v1');
    expect(fake.calls('GetSecretValue') - before).toBe(1);

    vi.setSystemTime(Date.now() + 31_000);
    expect(await r.get('aws-sm:rotate/me', 'ROTATING')).toBe('rotation-value-v2');
    expect(fake.calls('GetSecretValue') - before).toBe(2);
    expect(redactor.redactString('rotation-value-v1 rotation-value-v2')).toBe(`${REDACTED} ${REDACTED}`);

    const rotated = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'credential rotated');
    expect(rotated).toHaveLength(1);
    expect(rotated[0]).toMatchObject({ setting: 'ROTATING', secretId: 'rotate/me' });
    expect(rotated[0]?.previousVersionId).not.toEqual(rotated[0]?.versionId);
    for (const line of lines) expect(line).not.toMatch(/rotation-value/);
  });

  it('serves the cached value when a refresh fails, and says so without the value', async () => {
    const own = await startFakeSecretsManager({ 'outage/secret': 'outage-secret-value-1' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const { r, lines } = resolver({ ttlMs: 1000 }, own.endpoint);
    expect(await r.get('aws-sm:outage/secret', 'OUTAGE')).toBe('outage-secret-value-1');
    await own.close();
    vi.setSystemTime(Date.now() + 5000);
    expect(await r.get('aws-sm:outage/secret', 'OUTAGE')).toBe('outage-secret-value-1');
    expect(lines.some((l) => l.includes('credential refresh failed'))).toBe(true);
    for (const line of lines) expect(line).not.toContain('outage-secret-value-1');
  });

  it('invalidate() makes the next get() fetch again', async () => {
    fake.setSecret('inv/one', 'invalidate-value-1');
    const { r } = resolver();
    const before = fake.calls('GetSecretValue');
    await r.get('aws-sm:inv/one', 'S');
    r.invalidate('aws-sm:inv/one');
    r.invalidate('not a reference'); // ignored
    await r.get('aws-sm:inv/one', 'S');
    expect(fake.calls('GetSecretValue') - before).toBe(2);
  });
});

describe('CredentialResolver.withSecret', () => {
  const unauthorized = (): Error => Object.assign(new Error('HTTP 401'), { status: 401 });

  it('after an upstream 401, re-resolves once and retries once with the rotated secret', async () => {
    fake.setSecret('w/rotated', 'with-secret-old-value');
    const { r, lines } = resolver();
    await r.get('aws-sm:w/rotated', 'CRM_HUBSPOT_TOKEN'); // cached: the old value
    fake.setSecret('w/rotated', 'with-secret-new-value');
    const before = fake.calls('GetSecretValue');
    const used: string[] = [];
    const result = await r.withSecret('aws-sm:w/rotated', 'CRM_HUBSPOT_TOKEN', async (secret) => {
      used.push(secret);
      if (secret !== 'with-secret-new-value') throw unauthorized();
      return 'called';
    });
    expect(result).toBe('called');
    expect(used).toEqual(['with-secret-old-value', 'with-secret-new-value']);
    expect(fake.calls('GetSecretValue') - before).toBe(1);
    expect(lines.some((l) => l.includes('credential rotated'))).toBe(true);
  });

  it('a second 401 stands: one refresh, two calls, no more', async () => {
    fake.setSecret('w/still-bad', 'still-bad-secret-value');
    const { r } = resolver();
    const before = fake.calls('GetSecretValue');
    let calls = 0;
    const failure = unauthorized();
    await expect(
      r.withSecret('aws-sm:w/still-bad', 'CRM_HUBSPOT_TOKEN', async () => {
        calls++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(2);
    expect(fake.calls('GetSecretValue') - before).toBe(2);
  });

  it('recognises a 401 wrapped by withRetry, and takes a custom isUnauthorized', async () => {
    const { r } = resolver({ env: { T: 'wrapped-secret-value' } });
    let calls = 0;
    await expect(
      r.withSecret('env:T', 'T', async () => {
        calls++;
        throw errors.upstream('hubspot', { status: 401 }, false);
      }),
    ).rejects.toMatchObject({ category: 'upstream' });
    expect(calls).toBe(2);

    calls = 0;
    await expect(
      r.withSecret(
        'env:T',
        'T',
        async () => {
          calls++;
          throw new Error('EXPIRED_AUTHENTICATION');
        },
        (err) => (err as Error).message === 'EXPIRED_AUTHENTICATION',
      ),
    ).rejects.toThrow('EXPIRED_AUTHENTICATION');
    expect(calls).toBe(2);
  });

  it('other failures are not retried and do not refresh', async () => {
    fake.setSecret('w/other', 'other-failure-secret');
    const { r } = resolver();
    const before = fake.calls('GetSecretValue');
    let calls = 0;
    await expect(
      r.withSecret('aws-sm:w/other', 'S', async () => {
        calls++;
        throw Object.assign(new Error('HTTP 500'), { status: 500 });
      }),
    ).rejects.toThrow('HTTP 500');
    expect(calls).toBe(1);
    expect(fake.calls('GetSecretValue') - before).toBe(1);
  });
});

describe('fake Secrets Manager protocol', () => {
  it('requires a SigV4 Authorization header and answers errors as AWS does', async () => {
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    };
    const body = JSON.stringify({ SecretId: 'crm/hubspot' });
    const unsigned = await fetch(fake.endpoint, { method: 'POST', headers, body });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );

    const badAuth = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer x' },
      body,
    });
    expect(badAuth.status).toBe(400);
    expect(badAuth.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');

    const signedHeaders = {
      ...headers,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDTEST/20300101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc',
    };
    const missing = await fetch(fake.endpoint, {
      method: 'POST',
      headers: signedHeaders,
      body: JSON.stringify({ SecretId: 'nope' }),
    });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await missing.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });

    const ok = await fetch(fake.endpoint, { method: 'POST', headers: signedHeaders, body });
    const value = (await ok.json()) as Record<string, unknown>;
    expect(value).toMatchObject({
      Name: 'crm/hubspot',
      SecretString: HUBSPOT_TOKEN,
      VersionStages: ['AWSCURRENT'],
    });
    expect(typeof value.CreatedDate).toBe('number');
    expect(String(value.ARN)).toMatch(
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:crm\/hubspot-[0-9a-f]{6}$/,
    );

    const put = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { ...signedHeaders, 'x-amz-target': 'secretsmanager.PutSecretValue' },
      body: JSON.stringify({ SecretId: 'crm/hubspot', SecretString: HUBSPOT_TOKEN }),
    });
    const putOut = (await put.json()) as { VersionId: string };
    const described = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { ...signedHeaders, 'x-amz-target': 'secretsmanager.DescribeSecret' },
      body,
    });
    const stages = ((await described.json()) as { VersionIdsToStages: Record<string, string[]> })
      .VersionIdsToStages;
    expect(stages[putOut.VersionId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages)).toContainEqual(['AWSPREVIOUS']);
    expect(fake.calls('PutSecretValue')).toBeGreaterThanOrEqual(1);
  });
});

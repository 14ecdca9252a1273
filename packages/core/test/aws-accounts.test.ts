import { Writable } from 'node:stream';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSecretsManager, type FakeSecretsManager } from '@portcullis/fakes/aws-secrets-manager';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import {
  AccountIdentityError,
  AssumeRoleError,
  AwsAccountCredentials,
  awsAccountCredentialsFromEnv,
  parseAccountRoles,
} from '../src/aws-accounts.js';
import { CredentialResolver } from '../src/credentials.js';
import { ConfigError } from '../src/errors.js';
import { Redactor } from '../src/redact.js';

const PROD = '111111111111';
const STAGING = '222222222222';
const DEV = '333333333333';
const PROD_ROLE = `arn:aws:iam::${PROD}:role/portcullis-posture`;
const STAGING_ROLE = `arn:aws:iam::${STAGING}:role/ops/portcullis-posture`;
const EXTERNAL_ID = 'ext-id-7f3a9c21-do-not-log';
const BASE = { accessKeyId: 'AKIABASEKEY0000001', secretAccessKey: 'base-secret' };

let sts: FakeSts;
let sm: FakeSecretsManager;

beforeAll(async () => {
  sts = await startFakeSts();
  sts.allowRole(PROD_ROLE, { externalId: EXTERNAL_ID });
  sts.allowRole(STAGING_ROLE);
  sm = await startFakeSecretsManager({ probe: 'value' });
});

afterAll(async () => {
  await sts.close();
  await sm.close();
});

function resolverWithLog(env: NodeJS.ProcessEnv): { resolver: CredentialResolver; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const resolver = new CredentialResolver({
    redactor: new Redactor(),
    logger: pino({ level: 'debug' }, stream),
    env,
  });
  return { resolver, lines };
}

const ROLES_JSON = JSON.stringify({
  [PROD]: { role_arn: PROD_ROLE, external_id: 'env:PROD_EXTERNAL_ID' },
  [STAGING]: { role_arn: STAGING_ROLE },
});

describe('parseAccountRoles', () => {
  it('reads the map, with the external id as a reference', () => {
    const roles = parseAccountRoles(ROLES_JSON);
    expect([...roles.values()]).toEqual([
      { account: PROD, roleArn: PROD_ROLE, externalIdRef: 'env:PROD_EXTERNAL_ID' },
      { account: STAGING, roleArn: STAGING_ROLE },
    ]);
    expect(parseAccountRoles(undefined).size).toBe(0);
    expect(parseAccountRoles('  ').size).toBe(0);
  });

  it.each([
    ['not json', '{', /must be JSON/],
    ['an array', '[]', /JSON object keyed by 12-digit/],
    ['a short account id', JSON.stringify({ '1234': { role_arn: PROD_ROLE } }), /12-digit AWS account id/],
    ['no role_arn', JSON.stringify({ [PROD]: {} }), /role_arn must be an IAM role ARN/],
    ['a user ARN', JSON.stringify({ [PROD]: { role_arn: `arn:aws:iam::${PROD}:user/x` } }), /role_arn/],
    ['a role of another account', JSON.stringify({ [DEV]: { role_arn: PROD_ROLE } }), /another account/],
    ['an unknown field', JSON.stringify({ [PROD]: { role_arn: PROD_ROLE, session: 'x' } }), /unknown field/],
  ])('refuses %s with a ConfigError', (_name, raw, message) => {
    expect(() => parseAccountRoles(raw)).toThrow(ConfigError);
    expect(() => parseAccountRoles(raw)).toThrow(message);
  });

  it('refuses a literal external id without echoing it', () => {
    const raw = JSON.stringify({ [PROD]: { role_arn: PROD_ROLE, external_id: EXTERNAL_ID } });
    let message = '';
    try {
      parseAccountRoles(raw);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /AWS_ACCOUNT_ROLES\["111111111111"\]\.external_id must be a credential reference/,
    );
    expect(message).not.toContain(EXTERNAL_ID);
  });
});

describe('AwsAccountCredentials against a local STS', () => {
  it('assumes the account role with the session name and the resolved external id, and the temporary credentials sign the next call', async () => {
    const env = { PROD_EXTERNAL_ID: EXTERNAL_ID };
    const { resolver, lines } = resolverWithLog(env);
    const accounts = awsAccountCredentialsFromEnv(
      { AWS_ACCOUNT_ROLES: ROLES_JSON, AWS_ENDPOINT_URL_STS: sts.endpoint },
      { system: 'posture-read', credentials: resolver, region: 'eu-west-1', masterCredentials: BASE },
    );
    const before = sts.assumeRoleCalls.length;
    const client = new SecretsManagerClient({
      region: 'eu-west-1',
      endpoint: sm.endpoint,
      credentials: accounts.provider(PROD),
    });
    const signersBefore = sm.signers.length;
    await client.send(new GetSecretValueCommand({ SecretId: 'probe' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'probe' }));
    client.destroy();

    const calls = sts.assumeRoleCalls.slice(before);
    // Both calls share one assumption: the credentials are cached until shortly before they expire.
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      roleArn: PROD_ROLE,
      sessionName: 'portcullis-posture-read',
      externalId: EXTERNAL_ID,
      callerAccessKeyId: BASE.accessKeyId,
      status: 200,
    });
    const signed = sm.signers.slice(signersBefore);
    expect(signed).toHaveLength(2);
    const issued = sts.issued.get(signed[0]!.accessKeyId);
    expect(issued?.roleArn).toBe(PROD_ROLE);
    expect(signed[0]!.accessKeyId).toMatch(/^ASIA/);
    expect(signed[0]!.sessionToken).toBe(issued?.sessionToken);
    expect(signed[1]!.accessKeyId).toBe(signed[0]!.accessKeyId);
    expect(lines.join('')).not.toContain(EXTERNAL_ID);
    resolver.close();
  });

  it('assumes a role without an external id, and one account never gets another account’s credentials', async () => {
    const accounts = new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES_JSON),
      system: 'remediation-write',
      stsEndpoint: sts.endpoint,
      region: 'us-east-1',
      masterCredentials: BASE,
      credentials: resolverWithLog({ PROD_EXTERNAL_ID: EXTERNAL_ID }).resolver,
    });
    const staging = await accounts.provider(STAGING)();
    const prod = await accounts.provider(PROD)();
    expect(sts.issued.get(staging.accessKeyId)).toMatchObject({
      roleArn: STAGING_ROLE,
      sessionName: 'portcullis-remediation-write',
    });
    expect(sts.issued.get(prod.accessKeyId)?.roleArn).toBe(PROD_ROLE);
    expect(staging.sessionToken).toBeDefined();
    expect(staging.expiration).toBeInstanceOf(Date);
    const stagingCall = sts.assumeRoleCalls.find((c) => c.roleArn === STAGING_ROLE);
    expect(stagingCall?.externalId).toBeUndefined();
  });

  it('serves an account without a role from the base (default-chain) credentials, without calling STS', async () => {
    const accounts = new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES_JSON),
      system: 'posture-read',
      stsEndpoint: sts.endpoint,
      masterCredentials: BASE,
      credentials: resolverWithLog({}).resolver,
    });
    const before = sts.assumeRoleCalls.length;
    expect(accounts.roleFor(DEV)).toBeUndefined();
    await expect(accounts.provider(DEV)()).resolves.toEqual(BASE);
    expect(sts.assumeRoleCalls.length).toBe(before);
  });

  it('turns a refused AssumeRole into an AssumeRoleError naming the role, never the external id', async () => {
    const wrongId = 'wrong-external-id-1234';
    const accounts = new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES_JSON),
      system: 'posture-read',
      stsEndpoint: sts.endpoint,
      masterCredentials: BASE,
      maxAttempts: 1,
      credentials: resolverWithLog({ PROD_EXTERNAL_ID: wrongId }).resolver,
    });
    const err = await accounts
      .provider(PROD)()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AssumeRoleError);
    const e = err as AssumeRoleError;
    expect(e.code).toBe('AccessDenied');
    expect(e.status).toBe(403);
    expect(e.account).toBe(PROD);
    expect(e.message).toContain(PROD_ROLE);
    expect(e.message).toContain('sts:AssumeRole');
    expect(e.message).not.toContain(wrongId);
    expect(sts.assumeRoleCalls.at(-1)).toMatchObject({
      roleArn: PROD_ROLE,
      externalId: wrongId,
      status: 403,
    });
  });

  it('retries STS throttling inside the STS client', async () => {
    const accounts = new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES_JSON),
      system: 'posture-read',
      stsEndpoint: sts.endpoint,
      masterCredentials: BASE,
      maxAttempts: 3,
      credentials: resolverWithLog({ PROD_EXTERNAL_ID: EXTERNAL_ID }).resolver,
    });
    sts.failNext(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const creds = await accounts.provider(STAGING)();
    expect(sts.issued.get(creds.accessKeyId)?.roleArn).toBe(STAGING_ROLE);
  });

  it('with ownAccountOnly, serves an account without a role only when STS says the base credentials are its own', async () => {
    const base = { accessKeyId: 'AKIABASEOWNACCOUNT01', secretAccessKey: 'base-secret-own' };
    sts.setBaseAccount(base.accessKeyId, DEV);
    const accounts = new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES_JSON),
      system: 'remediation-write',
      stsEndpoint: sts.endpoint,
      masterCredentials: base,
      maxAttempts: 1,
      ownAccountOnly: true,
      credentials: resolverWithLog({ PROD_EXTERNAL_ID: EXTERNAL_ID }).resolver,
    });
    const asked = () => sts.callerIdentityCalls.filter((k) => k === base.accessKeyId).length;
    await expect(accounts.provider(DEV)()).resolves.toEqual(base);
    await expect(accounts.provider(DEV)()).resolves.toEqual(base);
    // Asked once per access key, whatever the account.
    expect(asked()).toBe(1);

    // Another account with no role: the base credentials are DEV's, so it is refused, not served.
    const other = '444444444444';
    const err = await accounts
      .provider(other)()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AccountIdentityError);
    expect((err as AccountIdentityError).account).toBe(other);
    expect((err as AccountIdentityError).actual).toBe(DEV);
    expect((err as Error).message).toContain('AWS_ACCOUNT_ROLES');
    expect((err as Error).message).not.toContain(DEV);
    expect(asked()).toBe(1);

    // An account with a role still assumes it.
    const staging = await accounts.provider(STAGING)();
    expect(sts.issued.get(staging.accessKeyId)?.roleArn).toBe(STAGING_ROLE);
  });

  it('with ownAccountOnly, an STS that cannot answer refuses the request, and the next one asks again', async () => {
    const base = { accessKeyId: 'AKIABASEOWNACCOUNT02', secretAccessKey: 'base-secret-own-2' };
    sts.setBaseAccount(base.accessKeyId, DEV);
    const accounts = new AwsAccountCredentials({
      roles: new Map(),
      system: 'remediation-write',
      stsEndpoint: sts.endpoint,
      masterCredentials: base,
      maxAttempts: 1,
      ownAccountOnly: true,
    });
    sts.failNext(1, { status: 503, code: 'ServiceUnavailable' });
    const err = await accounts
      .provider(DEV)()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AccountIdentityError);
    expect((err as AccountIdentityError).actual).toBeUndefined();
    expect((err as AccountIdentityError).$metadata).toEqual({ httpStatusCode: 503 });
    await expect(accounts.provider(DEV)()).resolves.toEqual(base);
  });

  it('needs a credential resolver when a role has an external id', () => {
    expect(
      () => new AwsAccountCredentials({ roles: parseAccountRoles(ROLES_JSON), system: 'posture-read' }),
    ).toThrow(/external_id needs the kit's credential resolver/);
  });
});

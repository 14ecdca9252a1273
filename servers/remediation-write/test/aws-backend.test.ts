/**
 * The aws backend through the official SDK v3 clients: S3 over the wire against a local fake of
 * S3's REST-XML API (with the target account's role assumed through a local STS), EC2 and IAM with
 * aws-sdk-client-mock over a stateful model of the account. Each action: read, write, read back,
 * and the rollback write; a throttled call that succeeds on the SDK's retry; an access denial that
 * becomes a clear error naming the missing permission.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, Redactor } from '@portcullis/core';
import {
  AccountIdentityError,
  AwsAccountCredentials,
  parseAccountRoles,
} from '@portcullis/core/aws-accounts';
import { CredentialResolver } from '@portcullis/core/credentials';
import { startFakeS3, type FakeS3 } from '@portcullis/fakes/aws-s3';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import { ACTION_NAMES, BackendError, type RemediationBackend, type Target } from '../src/backend.js';
import { CATALOG } from '../src/catalog.js';
import {
  ACTION_PERMISSIONS,
  createAwsBackend,
  OPERATION_PERMISSIONS,
  toBackendError,
  type AwsBackend,
} from '../src/aws-backend.js';

const PROD = '111111111111';
const STAGING = '222222222222';
const PROD_ROLE = `arn:aws:iam::${PROD}:role/portcullis-remediation`;
const STAGING_ROLE = `arn:aws:iam::${STAGING}:role/portcullis-remediation`;
const EXTERNAL_ID = 'remediation-external-id-93c1';
const BASE = { accessKeyId: 'AKIABASEREMEDIATION1', secretAccessKey: 'base-secret-remediation-only' };
const BUCKET = 'acme-prod-exports';
const REGION = 'eu-west-1';

let sts: FakeSts;
let s3: FakeS3;
let resolver: CredentialResolver;

function accounts(maxAttempts = 3): AwsAccountCredentials {
  return new AwsAccountCredentials({
    roles: parseAccountRoles(
      JSON.stringify({
        [PROD]: { role_arn: PROD_ROLE, external_id: 'env:REMEDIATION_EXTERNAL_ID' },
        // Configured, but its trust policy (the fake's) does not let the base credentials in.
        [STAGING]: { role_arn: STAGING_ROLE },
      }),
    ),
    system: 'remediation-write',
    stsEndpoint: sts.endpoint,
    region: REGION,
    masterCredentials: BASE,
    maxAttempts,
    credentials: resolver,
  });
}

const made: AwsBackend[] = [];

function backend(maxAttempts = 3): RemediationBackend {
  const b = createAwsBackend({ accounts: accounts(), endpoint: { s3: s3.endpoint }, maxAttempts });
  made.push(b);
  return b;
}

afterEach(() => {
  for (const b of made.splice(0)) b.close();
});

const target = (
  action: Target['action'],
  resource: string,
  params: Record<string, unknown> = {},
): Target => ({
  tenant: 'acme',
  account: PROD,
  region: REGION,
  action,
  resource,
  params,
});

async function backendError(p: Promise<unknown>): Promise<BackendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  }
  throw new Error('expected a BackendError');
}

/** Nothing that identifies or grants access may appear in an error. */
function expectNoCredentials(e: BackendError): void {
  const text = `${e.message} ${JSON.stringify(e.detail)}`;
  expect(text).not.toContain(BASE.secretAccessKey);
  expect(text).not.toContain(EXTERNAL_ID);
  expect(text).not.toMatch(/ASIA[A-Z0-9]{12,}/);
  for (const issued of sts.issued.values()) {
    expect(text).not.toContain(issued.secretAccessKey);
    expect(text).not.toContain(issued.sessionToken);
  }
}

beforeAll(async () => {
  sts = await startFakeSts();
  sts.allowRole(PROD_ROLE, { externalId: EXTERNAL_ID });
  s3 = await startFakeS3();
  const redactor = new Redactor();
  resolver = new CredentialResolver({
    redactor,
    logger: createLogger({ name: 'remediation-test', level: 'silent', redactor }),
    env: { REMEDIATION_EXTERNAL_ID: EXTERNAL_ID },
  });
});

afterAll(async () => {
  resolver?.close();
  await s3?.close();
  await sts?.close();
});

beforeEach(() => {
  s3.buckets.clear();
  s3.buckets.set(BUCKET, { owner: PROD, publicAccessBlock: null, encryption: null });
  s3.buckets.set('globex-data', { owner: '444444444444', publicAccessBlock: null, encryption: null });
});

describe('S3 over the wire, as the target account’s role', () => {
  it('s3_block_public_access: read, write, read back, roll back', async () => {
    const b = backend();
    const t = target('s3_block_public_access', BUCKET);
    const before = await b.read(t);
    expect(before).toEqual({ bucket: BUCKET, public_access_block: null });
    const after = {
      bucket: BUCKET,
      public_access_block: {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
      },
    };
    await b.write(t, before, after);
    expect(s3.buckets.get(BUCKET)?.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(await b.read(t)).toEqual(after);
    await b.write(t, after, before);
    expect(await b.read(t)).toEqual(before);
    expect(s3.buckets.get(BUCKET)?.publicAccessBlock).toBeNull();

    const ops = s3.requests.map((r) => r.operation);
    expect(ops).toEqual([
      'GetPublicAccessBlock',
      'PutPublicAccessBlock',
      'GetPublicAccessBlock',
      'DeletePublicAccessBlock',
      'GetPublicAccessBlock',
    ]);
    for (const r of s3.requests) {
      const issued = sts.issued.get(r.accessKeyId);
      expect(issued?.roleArn).toBe(PROD_ROLE);
      expect(issued?.sessionName).toBe('portcullis-remediation-write');
      expect(r.sessionToken).toBe(issued?.sessionToken);
      expect(r.expectedOwner).toBe(PROD);
    }
    expect(
      sts.assumeRoleCalls.filter((c) => c.roleArn === PROD_ROLE).every((c) => c.externalId === EXTERNAL_ID),
    ).toBe(true);
    s3.requests.length = 0;
  });

  it('s3_enable_default_encryption: none → AES256 → aws:kms with a key → none', async () => {
    const b = backend();
    const t = target('s3_enable_default_encryption', BUCKET, { algorithm: 'AES256' });
    const none = await b.read(t);
    expect(none).toEqual({ bucket: BUCKET, encryption: null });
    const aes = { bucket: BUCKET, encryption: { algorithm: 'AES256' } };
    await b.write(t, none, aes);
    expect(await b.read(t)).toEqual(aes);
    const kmsKey = 'arn:aws:kms:eu-west-1:111111111111:key/0f0e0d0c-0b0a-0908-0706-050403020100';
    const kms = { bucket: BUCKET, encryption: { algorithm: 'aws:kms', kms_key_id: kmsKey } };
    await b.write(t, aes, kms);
    expect(await b.read(t)).toEqual(kms);
    expect(s3.buckets.get(BUCKET)?.encryption).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKey });
    await b.write(t, kms, none);
    expect(await b.read(t)).toEqual(none);
    const bad = await backendError(b.write(t, none, { bucket: BUCKET, encryption: { algorithm: 'rot13' } }));
    expect(bad.code).toBe('invalid_target');
  });

  it('retries a throttled call (503 SlowDown) and succeeds', async () => {
    const b = backend(3);
    const t = target('s3_block_public_access', BUCKET);
    const before = s3.requests.length;
    s3.failNext(2, { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' });
    expect(await b.read(t)).toEqual({ bucket: BUCKET, public_access_block: null });
    expect(s3.requests.slice(before).map((r) => r.status)).toEqual([503, 503, 404]);
  });

  it('reports throttling that outlasts the retries as throttled', async () => {
    const b = backend(2);
    s3.failNext(2, { status: 503, code: 'SlowDown' });
    const e = await backendError(b.read(target('s3_block_public_access', BUCKET)));
    expect(e.code).toBe('throttled');
    expect(e.detail.operation).toBe('GetPublicAccessBlock');
  });

  it('turns AccessDenied into access_denied naming the missing permission, and changes nothing', async () => {
    const b = backend();
    const t = target('s3_block_public_access', BUCKET);
    const before = await b.read(t);
    s3.failNext(1, {
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
      operation: 'PutPublicAccessBlock',
    });
    const e = await backendError(
      b.write(t, before, {
        bucket: BUCKET,
        public_access_block: {
          block_public_acls: true,
          ignore_public_acls: true,
          block_public_policy: true,
          restrict_public_buckets: true,
        },
      }),
    );
    expect(e.code).toBe('access_denied');
    expect(e.detail).toEqual({
      operation: 'PutPublicAccessBlock',
      permission: 's3:PutBucketPublicAccessBlock',
    });
    expect(e.message).toContain('s3:PutBucketPublicAccessBlock');
    expect(e.message).toContain(PROD);
    expectNoCredentials(e);
    expect(s3.buckets.get(BUCKET)?.publicAccessBlock).toBeNull();

    s3.failNext(1, { status: 403, code: 'AccessDenied', operation: 'GetBucketEncryption' });
    const r = await backendError(b.read(target('s3_enable_default_encryption', BUCKET)));
    expect(r.detail.permission).toBe('s3:GetEncryptionConfiguration');
  });

  it('refuses a bucket that belongs to another account (ExpectedBucketOwner)', async () => {
    const e = await backendError(backend().read(target('s3_block_public_access', 'globex-data')));
    expect(e.code).toBe('access_denied');
    expect(e.message).toMatch(/bucket must belong to that account/);
  });

  it('maps NoSuchBucket to not_found', async () => {
    const e = await backendError(backend().read(target('s3_block_public_access', 'no-such-bucket-here')));
    expect(e.code).toBe('not_found');
  });

  it('says so, naming sts:AssumeRole, when the account’s role cannot be assumed', async () => {
    const e = await backendError(
      backend().read({ ...target('s3_block_public_access', BUCKET), account: STAGING }),
    );
    expect(e.code).toBe('access_denied');
    expect(e.detail).toEqual({ operation: 'AssumeRole', permission: 'sts:AssumeRole' });
    expect(e.message).toContain(STAGING_ROLE);
    expectNoCredentials(e);
  });

  it("says so, naming AWS_ACCOUNT_ROLES, when an account has no role and the base credentials are another account's", () => {
    const t = { ...target('iam_deactivate_access_key', 'ci-deployer'), account: '555555555555' };
    const denied = toBackendError(new AccountIdentityError(t.account, '666666666666'), t, 'ListAccessKeys');
    expect(denied.code).toBe('access_denied');
    expect(denied.message).toContain('AWS_ACCOUNT_ROLES');
    // The server's own account is not the caller's business.
    expect(denied.message).not.toContain('666666666666');
    // STS could not say: the server cannot act there for now (retryable), not a refusal.
    const unconfirmed = toBackendError(new AccountIdentityError(t.account, undefined), t, 'ListAccessKeys');
    expect(unconfirmed.code).toBe('unavailable');
    expect(unconfirmed.detail).toEqual({ operation: 'GetCallerIdentity' });
  });

  it('refuses a malformed target before calling AWS', async () => {
    const before = s3.requests.length;
    for (const t of [
      target('s3_block_public_access', 'Not_A_Bucket'),
      { ...target('s3_block_public_access', BUCKET), account: '12' },
      { ...target('s3_block_public_access', BUCKET), region: 'mars' },
    ]) {
      const e = await backendError(backend().read(t));
      expect(e.code).toBe('invalid_target');
    }
    expect(s3.requests.length).toBe(before);
  });
});

// ---- EC2 and IAM through aws-sdk-client-mock, over a stateful model of one account

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (from the model)`), {
    name,
    $metadata: { httpStatusCode: status },
  });
}

interface Model {
  groups: Map<string, IpPermission[]>;
  instances: Map<string, string[]>;
  keys: Map<string, { user: string; status: 'Active' | 'Inactive' }>;
}

let model: Model;

function samePermission(a: IpPermission, b: IpPermission): boolean {
  return a.IpProtocol === b.IpProtocol && a.FromPort === b.FromPort && a.ToPort === b.ToPort;
}

beforeEach(() => {
  model = {
    groups: new Map([
      [
        'sg-0a1b2c3d4e5f60718',
        [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }],
            Ipv6Ranges: [{ CidrIpv6: '::/0' }],
          },
          { IpProtocol: 'tcp', FromPort: 20, ToPort: 30, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      ],
    ]),
    instances: new Map([['i-0123456789abcdef0', ['sg-0b222222222222222', 'sg-0a111111111111111']]]),
    keys: new Map([
      ['AKIAOLDCIDEPLOYKEY01', { user: 'ci-deploy', status: 'Active' }],
      ['AKIANEWCIDEPLOYKEY02', { user: 'ci-deploy', status: 'Active' }],
    ]),
  };
  ec2.reset();
  iam.reset();
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds?: string[] }) => {
    const id = input.GroupIds?.[0] ?? '';
    const perms = model.groups.get(id);
    if (perms === undefined) throw awsError('InvalidGroup.NotFound', 400);
    return { SecurityGroups: [{ GroupId: id, IpPermissions: structuredClone(perms) }] };
  });
  ec2
    .on(RevokeSecurityGroupIngressCommand)
    .callsFake((input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      const perms = model.groups.get(input.GroupId)!;
      for (const r of input.IpPermissions) {
        const p = perms.find((x) => samePermission(x, r));
        if (p === undefined) throw awsError('InvalidPermission.NotFound', 400);
        p.IpRanges = (p.IpRanges ?? []).filter((x) => !(r.IpRanges ?? []).some((y) => y.CidrIp === x.CidrIp));
        p.Ipv6Ranges = (p.Ipv6Ranges ?? []).filter(
          (x) => !(r.Ipv6Ranges ?? []).some((y) => y.CidrIpv6 === x.CidrIpv6),
        );
      }
      return { Return: true };
    });
  ec2
    .on(AuthorizeSecurityGroupIngressCommand)
    .callsFake((input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      const perms = model.groups.get(input.GroupId)!;
      for (const r of input.IpPermissions) {
        let p = perms.find((x) => samePermission(x, r));
        if (p === undefined)
          perms.push((p = { IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort }));
        p.IpRanges = [...(p.IpRanges ?? []), ...(r.IpRanges ?? [])];
        p.Ipv6Ranges = [...(p.Ipv6Ranges ?? []), ...(r.Ipv6Ranges ?? [])];
      }
      return { Return: true };
    });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    const id = input.InstanceIds?.[0] ?? '';
    const groups = model.instances.get(id);
    if (groups === undefined) throw awsError('InvalidInstanceID.NotFound', 400);
    return {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: id,
              State: { Name: 'running' },
              SecurityGroups: groups.map((g) => ({ GroupId: g })),
            },
          ],
        },
      ],
    };
  });
  ec2.on(ModifyInstanceAttributeCommand).callsFake((input: { InstanceId: string; Groups: string[] }) => {
    model.instances.set(input.InstanceId, [...input.Groups]);
    return {};
  });
  iam.on(ListAccessKeysCommand).callsFake((input: { UserName: string }) => {
    if (input.UserName !== 'ci-deploy') throw awsError('NoSuchEntity', 404);
    return {
      AccessKeyMetadata: [...model.keys.entries()]
        .filter(([, k]) => k.user === input.UserName)
        .map(([id, k]) => ({ AccessKeyId: id, UserName: k.user, Status: k.status })),
    };
  });
  iam
    .on(UpdateAccessKeyCommand)
    .callsFake((input: { AccessKeyId: string; Status: 'Active' | 'Inactive' }) => {
      model.keys.get(input.AccessKeyId)!.status = input.Status;
      return {};
    });
});

afterEach(() => {
  ec2.reset();
  iam.reset();
});

afterAll(() => {
  ec2.restore();
  iam.restore();
});

describe('EC2 and IAM (aws-sdk-client-mock)', () => {
  it('ec2_revoke_public_ingress: only the internet rules covering the port are revoked, and restored on rollback', async () => {
    const b = backend();
    const t = target('ec2_revoke_public_ingress', 'sg-0a1b2c3d4e5f60718', { port: 22 });
    const before = await b.read(t);
    expect(before).toEqual({
      group_id: 'sg-0a1b2c3d4e5f60718',
      port: 22,
      public_rules: [
        { protocol: 'tcp', from_port: 20, to_port: 30, cidr: '0.0.0.0/0' },
        { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' },
        { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '::/0' },
      ],
    });
    const after = { ...before, public_rules: [] };
    await b.write(t, before, after);
    expect(await b.read(t)).toEqual(after);
    const revoked = ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]!.args[0].input;
    expect(revoked.GroupId).toBe('sg-0a1b2c3d4e5f60718');
    expect(revoked.IpPermissions).toHaveLength(3);
    // What was not public (10.0.0.0/8) or not on the port (443) stays.
    const left = model.groups.get('sg-0a1b2c3d4e5f60718')!;
    expect(left.find((p) => p.FromPort === 22)?.IpRanges).toEqual([{ CidrIp: '10.0.0.0/8' }]);
    expect(left.find((p) => p.FromPort === 443)?.IpRanges).toEqual([{ CidrIp: '0.0.0.0/0' }]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
    await b.write(t, after, before);
    expect(await b.read(t)).toEqual(before);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(1);
  });

  it('ec2_revoke_public_ingress: UnauthorizedOperation names ec2:RevokeSecurityGroupIngress; a missing group is not_found', async () => {
    const b = backend();
    const t = target('ec2_revoke_public_ingress', 'sg-0a1b2c3d4e5f60718', { port: 22 });
    const before = await b.read(t);
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('UnauthorizedOperation', 403));
    const e = await backendError(b.write(t, before, { ...before, public_rules: [] }));
    expect(e.code).toBe('access_denied');
    expect(e.detail.permission).toBe('ec2:RevokeSecurityGroupIngress');
    expect(e.message).toContain('ec2:RevokeSecurityGroupIngress');
    const missing = await backendError(
      b.read(target('ec2_revoke_public_ingress', 'sg-0fffffffffffffff0', { port: 22 })),
    );
    expect(missing.code).toBe('not_found');
    const noPort = await backendError(b.read(target('ec2_revoke_public_ingress', 'sg-0a1b2c3d4e5f60718')));
    expect(noPort.code).toBe('invalid_target');
  });

  it('EC2 throttling that reaches the backend (RequestLimitExceeded) is throttled', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('RequestLimitExceeded', 503));
    const e = await backendError(
      backend().read(target('ec2_revoke_public_ingress', 'sg-0a1b2c3d4e5f60718', { port: 22 })),
    );
    expect(e.code).toBe('throttled');
  });

  it('iam_deactivate_access_key: read, deactivate, read back, reactivate', async () => {
    const b = backend();
    const t = target('iam_deactivate_access_key', 'AKIAOLDCIDEPLOYKEY01', { user: 'ci-deploy' });
    const before = await b.read(t);
    expect(before).toEqual({ user: 'ci-deploy', access_key_id: 'AKIAOLDCIDEPLOYKEY01', status: 'Active' });
    const after = { ...before, status: 'Inactive' };
    await b.write(t, before, after);
    expect(await b.read(t)).toEqual(after);
    expect(model.keys.get('AKIANEWCIDEPLOYKEY02')?.status).toBe('Active');
    await b.write(t, after, before);
    expect(await b.read(t)).toEqual(before);
    iam.on(UpdateAccessKeyCommand).rejects(awsError('AccessDenied', 403));
    const denied = await backendError(b.write(t, before, after));
    expect(denied.detail).toEqual({ operation: 'UpdateAccessKey', permission: 'iam:UpdateAccessKey' });
    const noUser = await backendError(b.read({ ...t, params: { user: 'nobody' } }));
    expect(noUser.code).toBe('not_found');
    const noKey = await backendError(b.read({ ...t, resource: 'AKIAUNKNOWNKEY000001' }));
    expect(noKey.code).toBe('not_found');
  });

  it('ec2_quarantine_instance: swap the groups for the quarantine group, and back', async () => {
    const b = backend();
    const t = target('ec2_quarantine_instance', 'i-0123456789abcdef0', {
      quarantine_group: 'sg-0c333333333333333',
    });
    const before = await b.read(t);
    expect(before.security_groups).toEqual([...(before.security_groups as string[])].sort());
    expect(before.security_groups).toHaveLength(2);
    const after = { instance_id: 'i-0123456789abcdef0', security_groups: ['sg-0c333333333333333'] };
    await b.write(t, before, after);
    expect(await b.read(t)).toEqual(after);
    await b.write(t, after, before);
    expect(await b.read(t)).toEqual(before);
    const gone = await backendError(b.read(target('ec2_quarantine_instance', 'i-0ffffffffffffffff')));
    expect(gone.code).toBe('not_found');
    const bad = await backendError(
      b.write(t, before, { instance_id: 'i-0123456789abcdef0', security_groups: [] }),
    );
    expect(bad.code).toBe('invalid_target');
  });
});

describe('IAM permissions per action', () => {
  it('lists read and write permissions for every action, each one an operation this backend calls', () => {
    expect(Object.keys(ACTION_PERMISSIONS).sort()).toEqual([...ACTION_NAMES].sort());
    const known = new Set(Object.values(OPERATION_PERMISSIONS));
    for (const a of ACTION_NAMES) {
      expect(ACTION_PERMISSIONS[a].read.length).toBeGreaterThan(0);
      expect(ACTION_PERMISSIONS[a].write.length).toBeGreaterThan(0);
      for (const p of [...ACTION_PERMISSIONS[a].read, ...ACTION_PERMISSIONS[a].write])
        expect(known.has(p as never)).toBe(true);
    }
  });

  it("match the catalog's, which the README's action table is generated from", () => {
    for (const a of ACTION_NAMES) expect(CATALOG[a].permissions, a).toEqual(ACTION_PERMISSIONS[a]);
  });
});

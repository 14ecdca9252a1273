/**
 * remediation-write's `aws` backend: the five actions on real AWS accounts through the official
 * SDK v3 clients (S3, EC2, IAM), each target account reached with its own role
 * (`@portcullis/core/aws-accounts`, AWS_ACCOUNT_ROLES). The engine owns plans, drift checks,
 * verification and rollback; this module only reads a target's state and writes one.
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
import {
  DeleteBucketEncryptionCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { AwsAccountCredentials } from '@portcullis/core/aws-accounts';
import {
  BackendError,
  type ActionName,
  type RemediationBackend,
  type Target,
  type TargetState,
} from './backend.js';

/** The IAM permission each API operation this backend calls needs. */
export const OPERATION_PERMISSIONS = {
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  // S3 authorises DeletePublicAccessBlock with the Put permission.
  DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
  DescribeSecurityGroups: 'ec2:DescribeSecurityGroups',
  RevokeSecurityGroupIngress: 'ec2:RevokeSecurityGroupIngress',
  AuthorizeSecurityGroupIngress: 'ec2:AuthorizeSecurityGroupIngress',
  ListAccessKeys: 'iam:ListAccessKeys',
  UpdateAccessKey: 'iam:UpdateAccessKey',
  DescribeInstances: 'ec2:DescribeInstances',
  ModifyInstanceAttribute: 'ec2:ModifyInstanceAttribute',
} as const;
export type AwsOperation = keyof typeof OPERATION_PERMISSIONS;

/**
 * Per action: the IAM permissions the target account's role needs to read the state (plan, drift
 * check, verification) and to write it (apply and rollback). For the README's action catalog.
 */
export const ACTION_PERMISSIONS: Record<ActionName, { read: string[]; write: string[] }> = {
  s3_block_public_access: {
    read: ['s3:GetBucketPublicAccessBlock'],
    write: ['s3:PutBucketPublicAccessBlock'],
  },
  s3_enable_default_encryption: {
    read: ['s3:GetEncryptionConfiguration'],
    write: ['s3:PutEncryptionConfiguration'],
  },
  ec2_revoke_public_ingress: {
    read: ['ec2:DescribeSecurityGroups'],
    // Authorize only on rollback (restoring the revoked rules).
    write: ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress'],
  },
  iam_deactivate_access_key: {
    read: ['iam:ListAccessKeys'],
    write: ['iam:UpdateAccessKey'],
  },
  ec2_quarantine_instance: {
    // DescribeSecurityGroups: the engine reads the quarantine group when it plans.
    read: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups'],
    write: ['ec2:ModifyInstanceAttribute'],
  },
};

export interface AwsBackendOptions {
  /** Per-account credentials: the role to assume in each target account, else the default chain. */
  accounts: AwsAccountCredentials;
  /** A local endpoint (tests, or a VPC endpoint): one for every service, or one per service. */
  endpoint?: string | { s3?: string; ec2?: string; iam?: string };
  /** IAM is global; its calls are signed for this region (default us-east-1). */
  iamRegion?: string;
  /** Attempts per API call, including SDK retries of throttling and 5xx (default 3). */
  maxAttempts?: number;
}

type Clients = { s3: S3Client; ec2: EC2Client; iam: IAMClient };

const PUBLIC_CIDRS = new Set(['0.0.0.0/0', '::/0']);
const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
]);
const NOT_FOUND = new Set([
  'NoSuchBucket',
  'InvalidGroup.NotFound',
  'NoSuchEntity',
  'InvalidInstanceID.NotFound',
  'NotFound',
]);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AllAccessDisabled',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
]);
const MALFORMED = new Set([
  'InvalidBucketName',
  'InvalidGroupId.Malformed',
  'InvalidInstanceID.Malformed',
  'InvalidParameterValue',
  'InvalidArgument',
  'ValidationError',
  'MalformedXML',
  'InvalidPermission.NotFound',
  'InvalidPermission.Duplicate',
]);

/** The backend, plus `close()` for shutdown (the clients' connections). */
export type AwsBackend = RemediationBackend & { close(): void };

/** The `aws` backend. Clients are made per account and region and reused. */
export function createAwsBackend(options: AwsBackendOptions): AwsBackend {
  const clients = new Map<string, Clients>();
  const endpointFor = (service: keyof Clients): string | undefined =>
    typeof options.endpoint === 'string' ? options.endpoint : options.endpoint?.[service];

  const clientsFor = (account: string, region: string): Clients => {
    const key = `${account}/${region}`;
    let c = clients.get(key);
    if (c === undefined) {
      const credentials = options.accounts.provider(account);
      const base = { credentials, maxAttempts: options.maxAttempts ?? 3 };
      const s3Endpoint = endpointFor('s3');
      const ec2Endpoint = endpointFor('ec2');
      const iamEndpoint = endpointFor('iam');
      c = {
        s3: new S3Client({
          ...base,
          region,
          ...(s3Endpoint !== undefined ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
        }),
        ec2: new EC2Client({
          ...base,
          region,
          ...(ec2Endpoint !== undefined ? { endpoint: ec2Endpoint } : {}),
        }),
        iam: new IAMClient({
          ...base,
          region: options.iamRegion ?? 'us-east-1',
          ...(iamEndpoint !== undefined ? { endpoint: iamEndpoint } : {}),
        }),
      };
      clients.set(key, c);
    }
    return c;
  };

  /** One API call; any failure becomes a BackendError naming the operation and its permission. */
  const call = async <T>(target: Target, operation: AwsOperation, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toBackendError(err, target, operation);
    }
  };

  const read = async (target: Target, signal?: AbortSignal): Promise<TargetState> => {
    checkTarget(target);
    const c = clientsFor(target.account, target.region);
    const opts = signal ? { abortSignal: signal } : {};
    switch (target.action) {
      case 's3_block_public_access': {
        const pab = await call(target, 'GetPublicAccessBlock', () =>
          c.s3
            .send(
              new GetPublicAccessBlockCommand({
                Bucket: target.resource,
                ExpectedBucketOwner: target.account,
              }),
              opts,
            )
            .then((o) => o.PublicAccessBlockConfiguration ?? null)
            .catch((err: unknown) => {
              if (errorName(err) === 'NoSuchPublicAccessBlockConfiguration') return null;
              throw err;
            }),
        );
        return {
          bucket: target.resource,
          public_access_block:
            pab === null
              ? null
              : {
                  block_public_acls: pab.BlockPublicAcls === true,
                  ignore_public_acls: pab.IgnorePublicAcls === true,
                  block_public_policy: pab.BlockPublicPolicy === true,
                  restrict_public_buckets: pab.RestrictPublicBuckets === true,
                },
        };
      }
      case 's3_enable_default_encryption': {
        const rule = await call(target, 'GetBucketEncryption', () =>
          c.s3
            .send(
              new GetBucketEncryptionCommand({
                Bucket: target.resource,
                ExpectedBucketOwner: target.account,
              }),
              opts,
            )
            .then(
              (o) =>
                o.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault ?? null,
            )
            .catch((err: unknown) => {
              if (errorName(err) === 'ServerSideEncryptionConfigurationNotFoundError') return null;
              throw err;
            }),
        );
        return {
          bucket: target.resource,
          encryption:
            rule === null || rule.SSEAlgorithm === undefined
              ? null
              : {
                  // aws:kms:dsse is reported as S3 names it, so a plan never mistakes it for aws:kms.
                  algorithm: rule.SSEAlgorithm,
                  ...(rule.KMSMasterKeyID !== undefined ? { kms_key_id: rule.KMSMasterKeyID } : {}),
                },
        };
      }
      case 'ec2_revoke_public_ingress': {
        const port = portParam(target);
        const out = await call(target, 'DescribeSecurityGroups', () =>
          c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [target.resource] }), opts),
        );
        const group = out.SecurityGroups?.find((g) => g.GroupId === target.resource);
        if (group === undefined)
          throw new BackendError(
            'not_found',
            `Security group ${target.resource} was not found in ${where(target)}.`,
            {
              operation: 'DescribeSecurityGroups',
            },
          );
        return {
          group_id: target.resource,
          port,
          public_rules: publicRules(group.IpPermissions ?? [], port),
        };
      }
      case 'iam_deactivate_access_key': {
        const user = userParam(target);
        // ListAccessKeys returns at most two keys per user (IAM's limit), so one page is all.
        const out = await call(target, 'ListAccessKeys', () =>
          c.iam.send(new ListAccessKeysCommand({ UserName: user }), opts),
        );
        const key = out.AccessKeyMetadata?.find((k) => k.AccessKeyId === target.resource);
        if (key === undefined)
          throw new BackendError(
            'not_found',
            `IAM user ${user} has no access key ${target.resource} in account ${target.account}.`,
            {
              operation: 'ListAccessKeys',
            },
          );
        return {
          user,
          access_key_id: target.resource,
          status: key.Status === 'Active' ? 'Active' : 'Inactive',
        };
      }
      case 'ec2_quarantine_instance': {
        const out = await call(target, 'DescribeInstances', () =>
          c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.resource] }), opts),
        );
        const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
          (i) => i.InstanceId === target.resource,
        );
        if (instance === undefined || instance.State?.Name === 'terminated')
          throw new BackendError(
            'not_found',
            `EC2 instance ${target.resource} was not found in ${where(target)}.`,
            {
              operation: 'DescribeInstances',
            },
          );
        const groups = (instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((g): g is string => !!g);
        return { instance_id: target.resource, security_groups: [...new Set(groups)].sort() };
      }
    }
  };

  const write = async (
    target: Target,
    from: TargetState,
    to: TargetState,
    signal?: AbortSignal,
  ): Promise<void> => {
    checkTarget(target);
    const c = clientsFor(target.account, target.region);
    const opts = signal ? { abortSignal: signal } : {};
    switch (target.action) {
      case 's3_block_public_access': {
        const pab = to.public_access_block;
        if (pab === null) {
          await call(target, 'DeletePublicAccessBlock', () =>
            c.s3.send(
              new DeletePublicAccessBlockCommand({
                Bucket: target.resource,
                ExpectedBucketOwner: target.account,
              }),
              opts,
            ),
          );
          return;
        }
        const p = objectState(pab, 'public_access_block');
        const flag = (k: string): boolean => {
          if (typeof p[k] !== 'boolean') throw invalidState(`public_access_block.${k} must be true or false`);
          return p[k];
        };
        const config = {
          BlockPublicAcls: flag('block_public_acls'),
          IgnorePublicAcls: flag('ignore_public_acls'),
          BlockPublicPolicy: flag('block_public_policy'),
          RestrictPublicBuckets: flag('restrict_public_buckets'),
        };
        await call(target, 'PutPublicAccessBlock', () =>
          c.s3.send(
            new PutPublicAccessBlockCommand({
              Bucket: target.resource,
              ExpectedBucketOwner: target.account,
              PublicAccessBlockConfiguration: config,
            }),
            opts,
          ),
        );
        return;
      }
      case 's3_enable_default_encryption': {
        const enc = to.encryption;
        if (enc === null) {
          await call(target, 'DeleteBucketEncryption', () =>
            c.s3.send(
              new DeleteBucketEncryptionCommand({
                Bucket: target.resource,
                ExpectedBucketOwner: target.account,
              }),
              opts,
            ),
          );
          return;
        }
        const e = objectState(enc, 'encryption');
        const algorithm = e.algorithm;
        if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse')
          throw invalidState("encryption.algorithm must be 'AES256' or 'aws:kms'");
        if (e.kms_key_id !== undefined && (typeof e.kms_key_id !== 'string' || algorithm === 'AES256'))
          throw invalidState('encryption.kms_key_id is a KMS key id or ARN, with aws:kms only');
        await call(target, 'PutBucketEncryption', () =>
          c.s3.send(
            new PutBucketEncryptionCommand({
              Bucket: target.resource,
              ExpectedBucketOwner: target.account,
              ServerSideEncryptionConfiguration: {
                Rules: [
                  {
                    ApplyServerSideEncryptionByDefault: {
                      SSEAlgorithm: algorithm,
                      ...(typeof e.kms_key_id === 'string' ? { KMSMasterKeyID: e.kms_key_id } : {}),
                    },
                  },
                ],
              },
            }),
            opts,
          ),
        );
        return;
      }
      case 'ec2_revoke_public_ingress': {
        const before = rulesState(from);
        const after = rulesState(to);
        const keyOf = (r: Rule): string => `${r.protocol}|${r.from_port}|${r.to_port}|${r.cidr}`;
        const afterKeys = new Set(after.map(keyOf));
        const beforeKeys = new Set(before.map(keyOf));
        const revoke = before.filter((r) => !afterKeys.has(keyOf(r)));
        const authorize = after.filter((r) => !beforeKeys.has(keyOf(r)));
        if (revoke.length > 0)
          await call(target, 'RevokeSecurityGroupIngress', () =>
            c.ec2.send(
              new RevokeSecurityGroupIngressCommand({
                GroupId: target.resource,
                IpPermissions: revoke.map(toPermission),
              }),
              opts,
            ),
          );
        if (authorize.length > 0)
          await call(target, 'AuthorizeSecurityGroupIngress', () =>
            c.ec2.send(
              new AuthorizeSecurityGroupIngressCommand({
                GroupId: target.resource,
                IpPermissions: authorize.map(toPermission),
              }),
              opts,
            ),
          );
        return;
      }
      case 'iam_deactivate_access_key': {
        const status = to.status;
        if (status !== 'Active' && status !== 'Inactive')
          throw invalidState("status must be 'Active' or 'Inactive'");
        const user = userParam(target);
        await call(target, 'UpdateAccessKey', () =>
          c.iam.send(
            new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: target.resource, Status: status }),
            opts,
          ),
        );
        return;
      }
      case 'ec2_quarantine_instance': {
        const groups = to.security_groups;
        if (
          !Array.isArray(groups) ||
          groups.length === 0 ||
          !groups.every((g) => typeof g === 'string' && /^sg-[0-9a-f]{8,17}$/.test(g))
        )
          throw invalidState('security_groups must list one or more security group ids');
        await call(target, 'ModifyInstanceAttribute', () =>
          c.ec2.send(
            new ModifyInstanceAttributeCommand({ InstanceId: target.resource, Groups: groups as string[] }),
            opts,
          ),
        );
        return;
      }
    }
  };

  const close = (): void => {
    for (const c of clients.values()) {
      c.s3.destroy();
      c.ec2.destroy();
      c.iam.destroy();
    }
    clients.clear();
  };

  return { kind: 'aws', read, write, close };
}

// ---- security group rules

interface Rule {
  protocol: string;
  from_port: number;
  to_port: number;
  cidr: string;
}

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', tcp: 'tcp', udp: 'udp', '-1': '-1' };

/** The group's ingress rules open to the internet that cover `port`, sorted as the contract says. */
function publicRules(permissions: IpPermission[], port: number): Rule[] {
  const out: Rule[] = [];
  for (const p of permissions) {
    const protocol = PROTOCOLS[p.IpProtocol ?? ''];
    if (protocol === undefined) continue; // ICMP and other protocols have no ports
    // "All traffic" has no ports; AWS writes it as -1..-1 where it writes one.
    const from = protocol === '-1' ? -1 : (p.FromPort ?? -1);
    const to = protocol === '-1' ? -1 : (p.ToPort ?? -1);
    if (protocol !== '-1' && !(from <= port && port <= to)) continue;
    const cidrs = [
      ...(p.IpRanges ?? []).map((r) => r.CidrIp),
      ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ].filter((c): c is string => c !== undefined && PUBLIC_CIDRS.has(c));
    for (const cidr of cidrs) out.push({ protocol, from_port: from, to_port: to, cidr });
  }
  const seen = new Map(out.map((r) => [`${r.protocol}|${r.from_port}|${r.to_port}|${r.cidr}`, r]));
  return [...seen.values()].sort(
    (a, b) =>
      cmp(a.protocol, b.protocol) ||
      a.from_port - b.from_port ||
      a.to_port - b.to_port ||
      cmp(a.cidr, b.cidr),
  );
}

/** Byte order, stable across locales. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPermission(r: Rule): IpPermission {
  const range = r.cidr.includes(':')
    ? { Ipv6Ranges: [{ CidrIpv6: r.cidr }] }
    : { IpRanges: [{ CidrIp: r.cidr }] };
  return r.protocol === '-1'
    ? { IpProtocol: '-1', ...range }
    : { IpProtocol: r.protocol, FromPort: r.from_port, ToPort: r.to_port, ...range };
}

function rulesState(state: TargetState): Rule[] {
  const rules = state.public_rules;
  if (!Array.isArray(rules)) throw invalidState('public_rules must be a list');
  return rules.map((r: unknown) => {
    const x = (r ?? {}) as Record<string, unknown>;
    if (
      (x.protocol !== 'tcp' && x.protocol !== 'udp' && x.protocol !== '-1') ||
      !Number.isInteger(x.from_port) ||
      !Number.isInteger(x.to_port) ||
      typeof x.cidr !== 'string' ||
      !PUBLIC_CIDRS.has(x.cidr)
    )
      throw invalidState(
        'each public rule needs protocol tcp|udp|-1, from_port, to_port and cidr 0.0.0.0/0 or ::/0',
      );
    return {
      protocol: x.protocol,
      from_port: x.from_port as number,
      to_port: x.to_port as number,
      cidr: x.cidr,
    };
  });
}

// ---- validation

const RESOURCE: Record<ActionName, RegExp> = {
  // S3 bucket names: 3-63 of lowercase letters, digits, dots and hyphens.
  s3_block_public_access: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  s3_enable_default_encryption: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  ec2_revoke_public_ingress: /^sg-[0-9a-f]{8,17}$/,
  iam_deactivate_access_key: /^(AKIA|ASIA)[A-Z0-9]{12,124}$/,
  ec2_quarantine_instance: /^i-[0-9a-f]{8,17}$/,
};

function checkTarget(t: Target): void {
  if (!/^\d{12}$/.test(t.account))
    throw new BackendError('invalid_target', 'The account must be a 12-digit AWS account id.');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(t.region))
    throw new BackendError('invalid_target', 'The region must be an AWS region such as eu-west-1.');
  const pattern = RESOURCE[t.action] as RegExp | undefined;
  if (pattern === undefined) throw new BackendError('invalid_target', 'Unknown remediation action.');
  if (!pattern.test(t.resource))
    throw new BackendError(
      'invalid_target',
      `'${t.resource.slice(0, 80)}' is not a valid resource for ${t.action}.`,
    );
}

function portParam(t: Target): number {
  const port = t.params.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new BackendError('invalid_target', 'ec2_revoke_public_ingress needs params.port (0 to 65535).');
  return port;
}

function userParam(t: Target): string {
  const user = t.params.user;
  if (typeof user !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(user))
    throw new BackendError(
      'invalid_target',
      'iam_deactivate_access_key needs params.user (an IAM user name).',
    );
  return user;
}

function objectState(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalidState(`${field} must be an object or null`);
  return v as Record<string, unknown>;
}

function invalidState(why: string): BackendError {
  return new BackendError('invalid_target', `The state to write is not valid: ${why}.`);
}

// ---- errors

function errorName(err: unknown): string {
  const e = (err ?? {}) as { name?: unknown; Code?: unknown; code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  return typeof e.code === 'string' ? e.code : 'Error';
}

function where(t: Target): string {
  return `account ${t.account}, ${t.region}`;
}

/**
 * An SDK failure as the engine's BackendError. The message is ours (operation, resource, account,
 * the permission to grant), never AWS's text or anything from the credentials.
 */
export function toBackendError(err: unknown, target: Target, operation: AwsOperation): BackendError {
  if (err instanceof BackendError) return err;
  const name = errorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const permission = OPERATION_PERMISSIONS[operation];
  if (name === 'AssumeRoleError') {
    const role = (err as { roleArn?: unknown }).roleArn;
    return new BackendError(
      'access_denied',
      `Could not assume the remediation role${typeof role === 'string' ? ` ${role}` : ''} for account ${target.account}: the server's credentials need sts:AssumeRole on it and its trust policy must allow them (with the external id).`,
      { operation: 'AssumeRole', permission: 'sts:AssumeRole' },
    );
  }
  if (name === 'AccountIdentityError') {
    const confirmed = (err as { actual?: unknown }).actual !== undefined;
    return confirmed
      ? new BackendError(
          'access_denied',
          `Account ${target.account} has no role in AWS_ACCOUNT_ROLES and the server's own AWS credentials belong to another account: add a role for it.`,
          { operation: 'AssumeRole', permission: 'sts:AssumeRole' },
        )
      : new BackendError(
          'unavailable',
          `Could not confirm with STS (GetCallerIdentity) that the server's own AWS credentials belong to account ${target.account}, which has no role in AWS_ACCOUNT_ROLES.`,
          { operation: 'GetCallerIdentity' },
        );
  }
  if (DENIED.has(name) || status === 403)
    return new BackendError(
      'access_denied',
      `AWS denied ${operation} on ${target.resource} (${where(target)}): the role needs ${permission}${permission.startsWith('s3:') ? ', and the bucket must belong to that account' : ''}.`,
      { operation, permission },
    );
  if (NOT_FOUND.has(name) || status === 404)
    return new BackendError('not_found', `${target.resource} was not found in ${where(target)} (${name}).`, {
      operation,
    });
  if (THROTTLING.has(name) || status === 429 || (status === 503 && name === 'SlowDown'))
    return new BackendError(
      'throttled',
      `AWS kept throttling ${operation} on ${target.resource} after retries.`,
      {
        operation,
      },
    );
  if (MALFORMED.has(name) || status === 400)
    return new BackendError('invalid_target', `AWS rejected ${operation} on ${target.resource} (${name}).`, {
      operation,
    });
  return new BackendError(
    'unavailable',
    `${operation} on ${target.resource} failed (${name}); AWS may be unavailable.`,
    {
      operation,
    },
  );
}

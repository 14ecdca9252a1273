import { z } from 'zod';
import type { ActionName, Target, TargetState } from './backend.js';
import { sortRules } from './simulated.js';

/**
 * The action catalog: each action is data (what it reads, what it changes, its risk, its rollback,
 * the IAM permissions the AWS backend needs) plus the pure function that computes the planned
 * "after" state from the "before" state and the parameters. The engine does the rest.
 */

export type Risk = 'low' | 'medium' | 'high' | 'critical';

export interface ParamIssue {
  /** The parameter's name, as in `params`. */
  path: string;
  message: string;
}

export interface BlastRadius {
  /** Individual changes (settings, rules, group memberships) the plan makes; capped per plan. */
  changes: number;
  /** What stops working or changes for whoever depends on the resource. */
  effect: string;
  /** The items changed, in readable form. */
  items: string[];
}

export interface ActionSpec {
  name: ActionName;
  title: string;
  description: string;
  risk: Risk;
  /** The kind of resource `resource` names, and its pattern. */
  resourceKind: string;
  resourcePattern: RegExp;
  resourceHint: string;
  reads: string;
  changes: string;
  rollback: string;
  /** What the AWS backend's role needs: to read the state, and to change it. */
  permissions: { read: string[]; write: string[] };
  params: z.ZodType<Record<string, unknown>>;
  /**
   * What the parameters' schema cannot know: problems of these parameters on this target, each a
   * validation issue under params (none: they fit).
   */
  checkParams?(target: Pick<Target, 'account' | 'region'>, params: Record<string, unknown>): ParamIssue[];
  /**
   * Why the fix must not be made over this state (a setting the action does not own, which it
   * would replace), or null. Planning refuses it like a target that is already remediated.
   */
  refuse?(before: TargetState): string | null;
  /** The planned state: the same shape as `before`, with the fix applied. */
  after(before: TargetState, params: Record<string, unknown>): TargetState;
  blast(before: TargetState, after: TargetState): BlastRadius;
}

const PAB_ON = {
  block_public_acls: true,
  ignore_public_acls: true,
  block_public_policy: true,
  restrict_public_buckets: true,
};

interface Rule {
  protocol: string;
  from_port: number;
  to_port: number;
  cidr: string;
}

const ruleText = (r: Rule): string =>
  `${r.protocol === '-1' ? 'all traffic' : `${r.protocol} ${r.from_port === r.to_port ? r.from_port : `${r.from_port}-${r.to_port}`}`} from ${r.cidr}`;

const groupId = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** A KMS key or alias ARN; group 1 is the account that owns it. */
const KMS_ARN = /^arn:aws:kms:[a-z0-9-]+:(\d{12}):/;

export const CATALOG: Record<ActionName, ActionSpec> = {
  s3_block_public_access: {
    name: 's3_block_public_access',
    title: 'Block public access to an S3 bucket',
    description:
      'Turns on all four S3 Block Public Access settings of the bucket, so neither ACLs nor the bucket policy can make it public.',
    risk: 'medium',
    resourceKind: 'S3 bucket name',
    resourcePattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    resourceHint: 'a bucket name such as acme-prod-exports',
    reads: "The bucket's public access block configuration.",
    changes: 'Sets BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets to true.',
    rollback: 'Restores the previous configuration (or deletes the block when there was none).',
    permissions: {
      read: ['s3:GetBucketPublicAccessBlock'],
      // Rollback to "no block" is DeletePublicAccessBlock, which S3 authorises with the Put permission.
      write: ['s3:PutBucketPublicAccessBlock'],
    },
    params: z.object({}).strict(),
    after: (before) => ({ ...before, public_access_block: { ...PAB_ON } }),
    blast: (before) => {
      const pab = before.public_access_block as Record<string, boolean> | null;
      const off = Object.keys(PAB_ON).filter((k) => pab?.[k] !== true);
      return {
        changes: off.length,
        effect:
          'Anonymous and cross-account public reads through ACLs or the bucket policy stop; anything serving objects from public URLs of this bucket breaks.',
        items: off.map((k) => `${k}: ${String(pab?.[k] ?? 'unset')} → true`),
      };
    },
  },
  s3_enable_default_encryption: {
    name: 's3_enable_default_encryption',
    title: 'Enable default encryption on an S3 bucket',
    description:
      "Sets the default server-side encryption of a bucket that has none (SSE-S3 AES256 by default, or SSE-KMS with a key of the bucket's own account). A bucket with a rule other than plain SSE-S3 (a KMS key, DSSE) is refused (encryption_rule_exists): that rule is never replaced. Existing objects are not re-encrypted.",
    risk: 'low',
    resourceKind: 'S3 bucket name',
    resourcePattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    resourceHint: 'a bucket name such as acme-prod-exports',
    reads: "The bucket's default encryption configuration.",
    changes: 'Sets the default encryption rule where there is none (new objects are encrypted with it).',
    rollback: 'Restores the previous rule (or deletes the configuration when there was none).',
    permissions: {
      read: ['s3:GetEncryptionConfiguration'],
      // Rollback to "none" is DeleteBucketEncryption, authorised with the Put permission.
      write: ['s3:PutEncryptionConfiguration'],
    },
    params: z
      .object({
        algorithm: z.enum(['AES256', 'aws:kms']).default('AES256'),
        kms_key_id: z
          .string()
          .regex(
            /^(arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$/,
            'a KMS key id, alias or ARN',
          )
          .optional(),
      })
      .strict()
      .refine((p) => p.algorithm === 'aws:kms' || p.kms_key_id === undefined, {
        message: 'kms_key_id goes with algorithm aws:kms',
        path: ['kms_key_id'],
      }),
    // A key id or an alias resolves in the bucket's own account (the role's); an ARN can name any
    // account's key, and a foreign key would hand the bucket's data keys to that account.
    checkParams: (target, p) => {
      const keyAccount = typeof p.kms_key_id === 'string' ? KMS_ARN.exec(p.kms_key_id)?.[1] : undefined;
      return keyAccount === undefined || keyAccount === target.account
        ? []
        : [
            {
              path: 'kms_key_id',
              message: `the key belongs to account ${keyAccount}, not the bucket's account ${target.account}; name a key of ${target.account}`,
            },
          ];
    },
    // Enabling is the fix; replacing a rule the bucket already has could weaken it (SSE-KMS to
    // SSE-S3) or move it to a key readers cannot use, which is no low-risk change.
    // S3 gives every bucket SSE-S3 (AES256) by default since 2023, so that rule may be raised to
    // SSE-KMS; any other rule (a KMS key, DSSE) is the owner's and never replaced.
    refuse: (before) => {
      const rule = before.encryption as { algorithm?: unknown; kms_key_id?: unknown } | null | undefined;
      if (rule === null || rule === undefined) return null;
      if (rule.algorithm === 'AES256' && rule.kms_key_id === undefined) return null;
      return `${String(before.bucket)} already has a default encryption rule of its own (${JSON.stringify(rule)}); s3_enable_default_encryption never replaces one.`;
    },
    after: (before, p) => ({
      ...before,
      encryption:
        p.kms_key_id !== undefined
          ? { algorithm: p.algorithm, kms_key_id: p.kms_key_id }
          : { algorithm: p.algorithm },
    }),
    blast: (before, after) => ({
      changes: 1,
      effect:
        'New objects are encrypted at rest with the default rule; with SSE-KMS, readers also need kms:Decrypt on the key.',
      items: [
        `default encryption: ${JSON.stringify(before.encryption)} → ${JSON.stringify(after.encryption)}`,
      ],
    }),
  },
  ec2_revoke_public_ingress: {
    name: 'ec2_revoke_public_ingress',
    title: 'Revoke public ingress on a port',
    description:
      'Removes the ingress rules of a security group that open the given port to 0.0.0.0/0 or ::/0 (all-traffic rules included). Rules from other sources stay.',
    risk: 'high',
    resourceKind: 'security group id',
    resourcePattern: groupId,
    resourceHint: 'a security group id such as sg-0a1b2c3d4e5f60718',
    reads: "The group's ingress rules that cover the port from 0.0.0.0/0 or ::/0.",
    changes: 'Revokes those rules.',
    rollback: 'Authorizes the same rules again.',
    permissions: {
      read: ['ec2:DescribeSecurityGroups'],
      // Authorize only on rollback (the revoked rules again).
      write: ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress'],
    },
    params: z.object({ port: z.number().int().min(0).max(65535) }).strict(),
    after: (before) => ({ ...before, public_rules: [] }),
    blast: (before) => {
      const rules = sortRules(before.public_rules as Rule[]);
      return {
        changes: rules.length,
        effect:
          'Connections from the internet to this port on every instance and interface in the group stop; rules from other sources are kept.',
        items: rules.map((r) => `revoke ${ruleText(r)}`),
      };
    },
  },
  iam_deactivate_access_key: {
    name: 'iam_deactivate_access_key',
    title: "Deactivate an IAM user's access key",
    description: "Sets an IAM user's access key to Inactive (not deleted, so it can be reactivated).",
    risk: 'medium',
    resourceKind: 'IAM access key id',
    resourcePattern: /^(AKIA|ASIA)[A-Z0-9]{12,124}$/,
    resourceHint: 'an access key id such as AKIAIOSFODNN7EXAMPLE',
    reads: "The key's status (and that it belongs to the user).",
    changes: 'Sets the key to Inactive.',
    rollback: 'Sets the key back to Active.',
    permissions: { read: ['iam:ListAccessKeys'], write: ['iam:UpdateAccessKey'] },
    params: z.object({ user: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'an IAM user name') }).strict(),
    after: (before) => ({ ...before, status: 'Inactive' }),
    blast: (before) => ({
      changes: before.status === 'Inactive' ? 0 : 1,
      effect: `Every program signing requests with this key as ${String(before.user)} gets AccessDenied until the key is reactivated.`,
      items: [`${String(before.access_key_id)}: ${String(before.status)} → Inactive`],
    }),
  },
  ec2_quarantine_instance: {
    name: 'ec2_quarantine_instance',
    title: 'Quarantine an EC2 instance',
    description:
      "Replaces all of an instance's security groups with a quarantine group, cutting its network access except what that group allows. Highest risk: always needs an approval.",
    risk: 'critical',
    resourceKind: 'EC2 instance id',
    resourcePattern: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
    resourceHint: 'an instance id such as i-0a1b2c3d4e5f60718',
    reads: "The instance's security groups.",
    changes: 'Sets its security groups to exactly the quarantine group.',
    rollback: 'Restores the previous security groups.',
    permissions: {
      // DescribeSecurityGroups: the plan checks that the quarantine group exists.
      read: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups'],
      write: ['ec2:ModifyInstanceAttribute'],
    },
    params: z
      .object({
        quarantine_group: z.string().regex(groupId, 'a security group id such as sg-0c0ffee0000000001'),
      })
      .strict(),
    after: (before, p) => ({ ...before, security_groups: [String(p.quarantine_group)] }),
    blast: (before, after) => {
      const was = before.security_groups as string[];
      const now = after.security_groups as string[];
      const items = [
        ...was.filter((g) => !now.includes(g)).map((g) => `leaves ${g}`),
        ...now.filter((g) => !was.includes(g)).map((g) => `joins ${g}`),
      ];
      return {
        changes: items.length,
        effect:
          'The instance loses every network path its groups allowed (service traffic, SSH, monitoring) except what the quarantine group permits.',
        items,
      };
    },
  },
};

export const ACTIONS = Object.values(CATALOG);

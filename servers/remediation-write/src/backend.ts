/**
 * The contract between remediation-write's plan/apply engine and the systems it changes.
 *
 * A backend reads the part of a target's state one action changes, and writes a state: apply
 * writes the plan's "after", rollback writes the recorded "before". The engine owns everything
 * else (catalog, drift check, verification, rollback data, audit).
 */

export const ACTION_NAMES = [
  's3_block_public_access',
  's3_enable_default_encryption',
  'ec2_revoke_public_ingress',
  'iam_deactivate_access_key',
  'ec2_quarantine_instance',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** One resource in one AWS account and region of one tenant, and the action's parameters. */
export interface Target {
  tenant: string;
  /** 12-digit AWS account id. */
  account: string;
  region: string;
  action: ActionName;
  /** Bucket name | security group id | IAM access key id | EC2 instance id. */
  resource: string;
  /**
   * Validated by the catalog:
   * ec2_revoke_public_ingress {port: number}; iam_deactivate_access_key {user: string};
   * ec2_quarantine_instance {quarantine_group: string}; s3_enable_default_encryption
   * {algorithm?: 'AES256' | 'aws:kms', kms_key_id?: string}; s3_block_public_access {}.
   */
  params: Record<string, unknown>;
}

/**
 * The state an action reads and changes. JSON only (hashed canonically). Shapes per action:
 * - s3_block_public_access: { bucket, public_access_block: { block_public_acls, ignore_public_acls,
 *     block_public_policy, restrict_public_buckets } (booleans) | null when none is set }
 * - s3_enable_default_encryption: { bucket, encryption: { algorithm: 'AES256' | 'aws:kms',
 *     kms_key_id?: string } | null when the bucket has no default encryption }
 * - ec2_revoke_public_ingress: { group_id, port, public_rules: Array<{ protocol: string
 *     ('tcp' | 'udp' | '-1'), from_port: number, to_port: number, cidr: string }> } listing the
 *     group's ingress rules that cover `port` from 0.0.0.0/0 or ::/0, sorted by
 *     protocol, from_port, to_port, cidr
 * - iam_deactivate_access_key: { user, access_key_id, status: 'Active' | 'Inactive' }
 * - ec2_quarantine_instance: { instance_id, security_groups: string[] (sorted) }
 */
export type TargetState = Record<string, unknown>;

export type BackendErrorCode = 'not_found' | 'access_denied' | 'throttled' | 'unavailable' | 'invalid_target';

/** A backend failure the engine maps to the error envelope; never carries credentials. */
export class BackendError extends Error {
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    /** e.g. { operation: 'PutPublicAccessBlock', permission: 's3:PutBucketPublicAccessBlock' } */
    readonly detail: { operation?: string; permission?: string } = {},
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface RemediationBackend {
  readonly kind: 'simulated' | 'aws';
  /** The target's current state (shape above). BackendError('not_found') when it does not exist. */
  read(target: Target, signal?: AbortSignal): Promise<TargetState>;
  /**
   * Makes the target's state equal `to`, given that it was `from` when last read (for
   * ec2_revoke_public_ingress: revoke rules in from and not in to, authorize rules in to and
   * not in from). The engine reads back afterwards and compares with `to`.
   */
  write(target: Target, from: TargetState, to: TargetState, signal?: AbortSignal): Promise<void>;
}

/** A ticket the engine opens when policy says "ticket, not fix", or on remediation_open_ticket. */
export interface TicketRequest {
  tenant: string;
  summary: string;
  /** Plain text; evidence and the plan's before → after in readable form. */
  description: string;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'informational';
  account?: string;
  resource?: string;
  finding_id?: string;
  plan_id?: string;
  labels: string[];
}

export interface TicketSink {
  readonly kind: 'embedded' | 'jira';
  /** Creates one ticket; deduplication per finding is the engine's job, not the sink's. */
  create(request: TicketRequest, signal?: AbortSignal): Promise<{ key: string; url?: string }>;
  /**
   * The first ticket this sink holds for the tenant's finding, or null; asked only when the engine
   * takes over a claim whose process died, so a ticket that process created is not opened twice.
   * Optional: a sink that cannot tell (jira here) opens a new one.
   */
  find?(
    tenant: string,
    findingId: string,
    signal?: AbortSignal,
  ): Promise<{ key: string; url?: string } | null>;
}

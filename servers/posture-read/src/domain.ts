/** Severities, weakest first; the rank is the index. */
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A finding's workflow state: open (failing), resolved (the scanner sees it fixed), suppressed. */
export const STATUSES = ['open', 'resolved', 'suppressed'] as const;
export type Status = (typeof STATUSES)[number];

export const SOURCES_KNOWN = ['securityhub', 'prowler', 'trivy', 'checkov', 'semgrep'] as const;

/** Fields a summary may group by (one or two of them). */
export const GROUP_FIELDS = [
  'severity',
  'status',
  'account',
  'resource_type',
  'source',
  'rule',
  'framework',
] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

/** The compliance frameworks the server knows the controls of (others appear once mapped). */
export interface ControlDef {
  framework: string;
  control: string;
  title: string;
}

export interface AssetRecord {
  id: string;
  account: string;
  region: string;
  type: string;
  resource_id: string;
  name: string;
  tags: Record<string, string>;
  public: boolean;
  internet_facing: boolean;
  first_seen: string;
  last_seen: string;
}

export interface FindingRecord {
  id: string;
  asset_id: string;
  account: string;
  region: string;
  resource_type: string;
  resource_id: string;
  rule: string;
  title: string;
  description: string;
  severity: Severity;
  status: Status;
  source: string;
  source_id: string;
  import_batch: string;
  first_seen: string;
  last_seen: string;
  updated_at: string;
  record_hash: string;
  evidence: unknown;
  remediation_text: string;
  remediation_url: string | null;
}

export interface ComplianceMapping {
  framework: string;
  control: string;
}

export interface HistoryEntry {
  at: string;
  from_status: Status | null;
  to_status: Status;
  import_batch: string;
  note: string;
}

/**
 * What an importer hands the store: one finding as the server keeps it, plus its asset and the
 * source record it came from (hashed for provenance).
 */
export interface IncomingFinding {
  source: string;
  source_id: string;
  rule: string;
  title: string;
  description: string;
  severity: Severity;
  status: Status;
  /** ISO 8601: when the scanner observed it (defaults to the import time). */
  observed_at: string | null;
  /** ISO 8601: when the scanner first saw it, if it says. */
  first_observed_at: string | null;
  asset: {
    account: string;
    region: string;
    type: string;
    resource_id: string;
    name: string;
    tags: Record<string, string>;
    public: boolean;
    internet_facing: boolean;
  };
  evidence: unknown;
  remediation_text: string;
  remediation_url: string | null;
  compliance: ComplianceMapping[];
  /** The record as the source wrote it; its canonical hash is the provenance hash. */
  raw: unknown;
}

/**
 * The remediation-write server's action that fits a rule, if any. Keyed by the rule's family so
 * Prowler check ids, Security Hub control ids and the demo's rules all map.
 */
export interface RemediationAction {
  server: 'remediation-write';
  action: string;
  description: string;
  target: string;
}

const ACTIONS: { match: RegExp; action: string; description: string }[] = [
  {
    match: /s3.*public|public.*s3|^S3\.(1|2|3|8)$/i,
    action: 's3_block_public_access',
    description: "Turn on the bucket's S3 Block Public Access settings.",
  },
  {
    match: /securitygroup.*(ingress|internet)|^EC2\.(13|14|18|19)$/i,
    action: 'ec2_revoke_security_group_ingress',
    description: 'Revoke the security group rule that allows ingress from 0.0.0.0/0 or ::/0.',
  },
  {
    match: /accesskey.*(unused|rotat|90)|^IAM\.(3|8|22)$/i,
    action: 'iam_deactivate_access_key',
    description: 'Deactivate the unused or unrotated IAM access key.',
  },
  {
    match: /rds.*public|^RDS\.2$/i,
    action: 'rds_disable_public_access',
    description: 'Make the RDS instance not publicly accessible.',
  },
  {
    match: /ebs.*encrypt|^EC2\.7$/i,
    action: 'ec2_enable_ebs_default_encryption',
    description: 'Turn on EBS encryption by default in the region.',
  },
];

export function remediationActionFor(rule: string, resourceId: string): RemediationAction | null {
  const hit = ACTIONS.find((a) => a.match.test(rule));
  return hit === undefined
    ? null
    : { server: 'remediation-write', action: hit.action, description: hit.description, target: resourceId };
}

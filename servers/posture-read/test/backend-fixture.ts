/**
 * One data set for the backend contract suite, in Security Hub's own format (ASFF): the store gets
 * it through the importer's mapping, the Security Hub fake serves it as GetFindings pages. The
 * expectations are computed here from the same records, independently of either backend.
 */
import type { AccountScope, FindingQuery } from '../src/backend.js';
import {
  SEVERITIES,
  severityRank,
  type ComplianceMapping,
  type IncomingFinding,
  type Severity,
} from '../src/domain.js';
import { CIS, PCI } from '../src/frameworks.js';
import { fromAsff } from '../src/importers/normalize.js';
import { assetId, findingId } from '../src/ingest.js';

export const PROD = '111111111111';
export const STAGING = '222222222222';
export const DEV = '333333333333';
export const GLOBEX = '444444444444';
export const ACME_ACCOUNTS = [PROD, STAGING, DEV];
/** The region Security Hub aggregates into; findings come from two regions. */
export const HUB_REGION = 'eu-west-1';
export const NEEDLE = 'kestrel';

const LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const NORMALIZED = { INFORMATIONAL: 0, LOW: 20, MEDIUM: 50, HIGH: 75, CRITICAL: 95 };

const CONTROLS: {
  control: string;
  type: string;
  resource: (i: number, account: string) => string;
  requirements: string[];
}[] = [
  {
    control: 'S3.8',
    type: 'AwsS3Bucket',
    resource: (i) => `arn:aws:s3:::bucket-${i % 17}`,
    requirements: ['CIS AWS Foundations Benchmark v3.0.0/2.1.4', 'PCI DSS v4.0.1/1.4.4'],
  },
  {
    control: 'EC2.19',
    type: 'AwsEc2SecurityGroup',
    resource: (i, a) =>
      `arn:aws:ec2:eu-west-1:${a}:security-group/sg-${(i % 11).toString(16).padStart(17, '0')}`,
    requirements: ['CIS AWS Foundations Benchmark v3.0.0/5.2'],
  },
  {
    control: 'IAM.3',
    type: 'AwsIamAccessKey',
    resource: (i, a) => `arn:aws:iam::${a}:user/ci-${i % 7}`,
    requirements: ['CIS AWS Foundations Benchmark v3.0.0/1.14'],
  },
  {
    control: 'RDS.2',
    type: 'AwsRdsDbInstance',
    resource: (i, a) => `arn:aws:rds:us-east-1:${a}:db:orders-${i % 5}`,
    // Two controls of one framework: a summary by framework still counts the finding once.
    requirements: ['PCI DSS v4.0.1/1.4.4', 'PCI DSS v4.0.1/1.2.1'],
  },
];

/** A deterministic ASFF finding, numbered. */
export function asffFinding(i: number, account: string): Record<string, unknown> {
  const c = CONTROLS[i % CONTROLS.length]!;
  const label = LABELS[(i * 7) % 5]!;
  const region = i % 3 === 0 ? 'us-east-1' : HUB_REGION;
  const day = String(1 + (i % 28)).padStart(2, '0');
  const minute = String(i % 60).padStart(2, '0');
  const workflow = i % 9 === 0 ? 'SUPPRESSED' : i % 7 === 0 ? 'RESOLVED' : i % 2 ? 'NEW' : 'NOTIFIED';
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${account}:security-control/${c.control}/finding/f-${account}-${i}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${c.control}`,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: `2025-10-${day}T08:${minute}:00.000Z`,
    LastObservedAt: '2025-11-29T08:00:00.000Z',
    CreatedAt: `2025-10-${day}T08:${minute}:00.000Z`,
    UpdatedAt: '2025-11-29T08:00:00.000Z',
    Severity: { Label: label, Normalized: NORMALIZED[label], Original: label },
    Title: `${c.control} finding ${i}${i % 10 === 3 ? ` mentions ${NEEDLE.toUpperCase()}` : ''}`,
    Description:
      i % 10 === 5 ? `The ${NEEDLE} description of ${i}.` : `Finding ${i} of control ${c.control}.`,
    Remediation: {
      Recommendation: { Text: 'Follow the control guidance.', Url: 'https://docs.aws.amazon.com/' },
    },
    Resources: [{ Type: c.type, Id: c.resource(i, account), Region: region, Partition: 'aws' }],
    Compliance: {
      Status: i % 11 === 0 ? 'PASSED' : 'FAILED',
      SecurityControlId: c.control,
      RelatedRequirements: c.requirements,
    },
    Workflow: { Status: workflow },
    RecordState: i % 13 === 0 ? 'ARCHIVED' : 'ACTIVE',
  };
}

/** The data set: 240 findings of acme over three accounts (more than two GetFindings pages), 30 of globex. */
export function dataset(): { acme: Record<string, unknown>[]; globex: Record<string, unknown>[] } {
  const acme = Array.from({ length: 240 }, (_, i) => asffFinding(i, ACME_ACCOUNTS[i % 3]!));
  const globex = Array.from({ length: 30 }, (_, i) => asffFinding(1000 + i, GLOBEX));
  return { acme, globex };
}

/** One expected finding: the importer's mapping and the ids the store gives it. */
export interface Expected {
  id: string;
  asset_id: string;
  inc: IncomingFinding;
  first_seen: string;
  compliance: ComplianceMapping[];
}

export function expected(tenant: string, records: Record<string, unknown>[]): Expected[] {
  return records.map((raw, i) => {
    const inc = fromAsff(raw, i);
    return {
      id: findingId(tenant, inc.source, inc.source_id),
      asset_id: assetId(tenant, inc.asset.account, inc.asset.resource_id),
      inc,
      first_seen: new Date(inc.first_observed_at ?? inc.observed_at!).toISOString(),
      compliance: inc.compliance,
    };
  });
}

/** The store's filter semantics, written out independently. */
export function oracle(all: Expected[], scope: AccountScope, q: FindingQuery): Expected[] {
  return all.filter(({ inc, compliance }) => {
    const a = inc.asset;
    if (scope !== null && !scope.includes(a.account)) return false;
    if (q.severity_at_least && severityRank(inc.severity) < severityRank(q.severity_at_least)) return false;
    if (q.status && !q.status.includes(inc.status)) return false;
    if (q.source && inc.source !== q.source) return false;
    if (q.account && a.account !== q.account) return false;
    if (q.region && a.region !== q.region) return false;
    if (q.resource_type && a.type !== q.resource_type) return false;
    if (q.resource_id && a.resource_id !== q.resource_id) return false;
    if (q.rule && inc.rule !== q.rule) return false;
    if (
      (q.framework || q.control) &&
      !compliance.some(
        (c) => (!q.framework || c.framework === q.framework) && (!q.control || c.control === q.control),
      )
    )
      return false;
    if (q.text) {
      const t = q.text.toLowerCase();
      if (![inc.title, inc.description, a.resource_id, inc.rule].some((s) => s.toLowerCase().includes(t)))
        return false;
    }
    return true;
  });
}

export function countBy(items: Expected[], key: (e: Expected) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of items) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
  return m;
}

export const QUERIES: [string, FindingQuery][] = [
  ['no filter', {}],
  ['severity at least high', { severity_at_least: 'high' }],
  ['open', { status: ['open'] }],
  ['suppressed', { status: ['suppressed'] }],
  ['resolved or suppressed', { status: ['resolved', 'suppressed'] }],
  ['one account', { account: STAGING }],
  ['a region', { region: 'us-east-1' }],
  ['a resource type', { resource_type: 'AwsEc2SecurityGroup' }],
  ['a resource', { resource_id: 'arn:aws:s3:::bucket-4' }],
  ['a control rule', { rule: 'IAM.3' }],
  ['a framework', { framework: PCI }],
  ['a framework control', { framework: CIS, control: '5.2' }],
  ['text in title or description', { text: NEEDLE }],
  ['a source', { source: 'securityhub' }],
  ['an unknown source', { source: 'trivy' }],
  ['combined', { severity_at_least: 'medium', status: ['open'], account: PROD, framework: CIS }],
];

export { CIS, PCI, SEVERITIES };
export type { Severity };

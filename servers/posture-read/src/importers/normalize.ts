import { setData } from '@portcullis/core';
import { sha256Hex } from '@portcullis/core/canonical';
import {
  SEVERITIES,
  type ComplianceMapping,
  type IncomingFinding,
  type Severity,
  type Status,
} from '../domain.js';
import { CIS, PCI } from '../frameworks.js';

/** A record the importer cannot take: names its place in the file and the field at fault. */
export class RecordError extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    problem: string,
  ) {
    super(`record ${index}: field ${field}: ${problem}`);
    this.name = 'RecordError';
  }
}

type Obj = Record<string, unknown>;

/** Field access that names the path when something is missing or of the wrong type. */
export class Fields {
  constructor(readonly index: number) {}

  fail(field: string, problem: string): never {
    throw new RecordError(this.index, field, problem);
  }

  get(o: unknown, path: string): unknown {
    let cur: unknown = o;
    for (const part of path.split('.')) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = Array.isArray(cur) ? cur[Number(part)] : (cur as Obj)[part];
    }
    return cur;
  }

  str(o: unknown, path: string, max = 4000): string {
    const v = this.get(o, path);
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, 'is required (a non-empty string)');
    if (v.length > max) this.fail(path, `is longer than ${max} characters`);
    return v;
  }

  optStr(o: unknown, path: string, max = 20_000): string | null {
    const v = this.get(o, path);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    return v.slice(0, max);
  }

  obj(o: unknown, path: string): Obj {
    const v = this.get(o, path);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'is required (an object)');
    return v as Obj;
  }

  arr(o: unknown, path: string): unknown[] {
    const v = this.get(o, path);
    if (!Array.isArray(v) || v.length === 0) this.fail(path, 'is required (a non-empty array)');
    return v;
  }

  /** ISO 8601 from a string, or epoch seconds / milliseconds. */
  time(o: unknown, path: string): string | null {
    const v = this.get(o, path);
    if (v === undefined || v === null) return null;
    let ms: number;
    if (typeof v === 'number') ms = v < 1e12 ? v * 1000 : v;
    else if (typeof v === 'string') ms = Date.parse(v);
    else return this.fail(path, 'must be a time (ISO 8601 or epoch)');
    if (!Number.isFinite(ms)) this.fail(path, 'is not a valid time');
    return new Date(ms).toISOString();
  }
}

/** CIS and PCI DSS under the ids the server knows; anything else as a lower-case slug. */
export function frameworkId(name: string): string {
  if (/cis/i.test(name) && /aws|amazon|foundations|^cis[-_ ]?\d/i.test(name) && /3\.0/.test(name)) return CIS;
  if (/pci/i.test(name) && /4\.0/.test(name)) return PCI;
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

export function severityOf(label: string, f: Fields, field: string): Severity {
  const l = label.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(l)) return l as Severity;
  if (l === 'info') return 'informational';
  if (l === 'fatal') return 'critical';
  if (l === 'unknown' || l === 'other') return 'informational';
  return f.fail(
    field,
    `is not a severity (informational, low, medium, high, critical): ${JSON.stringify(label.slice(0, 40))}`,
  );
}

/** Exposure flags a rule implies when it fails (scanners rarely state them as data). */
export function exposureOf(rule: string, status: Status): { public: boolean; internet_facing: boolean } {
  if (status !== 'open') return { public: false, internet_facing: false };
  const r = rule.toLowerCase();
  const isPublic = /public|^s3\.(1|2|3|8)$|^rds\.2$/.test(r);
  const internet = isPublic || /internet|0\.0\.0\.0|ingress|^ec2\.(13|14|18|19)$/.test(r);
  return { public: isPublic, internet_facing: internet };
}

function tagsFrom(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const x of v.slice(0, 100)) {
      if (typeof x === 'string') {
        const i = x.indexOf(':');
        if (i > 0) setData(out, x.slice(0, i), x.slice(i + 1));
        else setData(out, x, '');
      } else if (x !== null && typeof x === 'object') {
        const k = (x as Obj).Key ?? (x as Obj).key ?? (x as Obj).name;
        const val = (x as Obj).Value ?? (x as Obj).value;
        if (typeof k === 'string') setData(out, k, typeof val === 'string' ? val : JSON.stringify(val ?? ''));
      }
    }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v).slice(0, 100))
      setData(out, k, typeof x === 'string' ? x : JSON.stringify(x));
  }
  return out;
}

function sourceName(s: string): string {
  const l = s.toLowerCase();
  for (const known of [
    'prowler',
    'trivy',
    'checkov',
    'semgrep',
    'securityhub',
    'security hub',
    'inspector',
    'guardduty',
    'codeql',
    'grype',
    'tfsec',
  ])
    if (l.includes(known)) return known.replace(' ', '');
  return l.replace(/[^a-z0-9._-]+/g, '-').slice(0, 64) || 'unknown';
}

// ---- OCSF 1.x: Detection Finding (2004) and Compliance Finding (2003), as Prowler writes them

const OCSF_SEVERITY: Record<number, Severity> = {
  0: 'informational',
  1: 'informational',
  2: 'low',
  3: 'medium',
  4: 'high',
  5: 'critical',
  6: 'critical',
  99: 'informational',
};

export function fromOcsf(raw: unknown, index: number): IncomingFinding {
  const f = new Fields(index);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) f.fail('(record)', 'must be an object');
  const cls = f.get(raw, 'class_uid');
  if (cls !== 2004 && cls !== 2003)
    f.fail('class_uid', 'must be 2004 (Detection Finding) or 2003 (Compliance Finding)');
  const uid = f.str(raw, 'finding_info.uid', 1024);
  const title = f.str(raw, 'finding_info.title', 4000);
  const sevId = f.get(raw, 'severity_id');
  let severity: Severity;
  if (typeof sevId === 'number' && OCSF_SEVERITY[sevId] !== undefined) severity = OCSF_SEVERITY[sevId];
  else severity = severityOf(f.str(raw, 'severity', 40), f, 'severity');
  const resource = f.obj(raw, 'resources.0');
  const resourceId = f.str(resource, 'uid', 2048);
  const statusCode = (f.optStr(raw, 'status_code', 40) ?? '').toUpperCase();
  const statusWord = (f.optStr(raw, 'status', 40) ?? '').toLowerCase();
  const status: Status =
    statusWord === 'suppressed' || statusCode === 'MUTED'
      ? 'suppressed'
      : statusCode === 'PASS' || statusWord === 'resolved'
        ? 'resolved'
        : 'open';
  const rule =
    f.optStr(raw, 'metadata.event_code', 256) ??
    f.optStr(raw, 'finding_info.types.0', 256) ??
    title.slice(0, 256);
  const account = f.optStr(raw, 'cloud.account.uid', 64) ?? f.optStr(resource, 'owner.account.uid', 64) ?? '';
  const compliance: ComplianceMapping[] = [];
  const mapped = f.get(raw, 'unmapped.compliance');
  if (mapped !== null && typeof mapped === 'object' && !Array.isArray(mapped)) {
    for (const [fw, controls] of Object.entries(mapped))
      if (Array.isArray(controls))
        for (const c of controls)
          if (typeof c === 'string') compliance.push({ framework: frameworkId(fw), control: c.slice(0, 64) });
  }
  const std = f.get(raw, 'compliance');
  if (std !== null && typeof std === 'object') {
    const standards = (std as Obj).standards;
    const requirements = (std as Obj).requirements;
    const control = (std as Obj).control;
    if (Array.isArray(standards))
      for (const s of standards) {
        if (typeof s !== 'string') continue;
        const controls = Array.isArray(requirements)
          ? requirements
          : typeof control === 'string'
            ? [control]
            : [];
        for (const c of controls)
          if (typeof c === 'string') compliance.push({ framework: frameworkId(s), control: c.slice(0, 64) });
      }
  }
  const references = f.get(raw, 'remediation.references');
  return {
    source: sourceName(f.optStr(raw, 'metadata.product.name', 100) ?? 'ocsf'),
    source_id: uid,
    rule,
    title,
    description: f.optStr(raw, 'finding_info.desc') ?? f.optStr(raw, 'message') ?? '',
    severity,
    status,
    observed_at: f.time(raw, 'time_dt') ?? f.time(raw, 'time'),
    first_observed_at:
      f.time(raw, 'finding_info.first_seen_time_dt') ?? f.time(raw, 'finding_info.created_time'),
    asset: {
      account,
      region: f.optStr(resource, 'region', 64) ?? f.optStr(raw, 'cloud.region', 64) ?? '',
      type: f.optStr(resource, 'type', 128) ?? 'Other',
      resource_id: resourceId,
      name: f.optStr(resource, 'name', 512) ?? resourceId,
      tags: tagsFrom(f.get(resource, 'labels') ?? f.get(resource, 'tags')),
      ...exposureOf(rule, status),
    },
    evidence: {
      status_detail: f.get(raw, 'status_detail') ?? null,
      evidences: f.get(raw, 'evidences') ?? null,
      resource_data: f.get(resource, 'data') ?? null,
    },
    remediation_text: f.optStr(raw, 'remediation.desc') ?? '',
    remediation_url:
      Array.isArray(references) && typeof references[0] === 'string' ? references[0].slice(0, 2048) : null,
    compliance,
    raw,
  };
}

// ---- ASFF: AWS Security Finding Format (Security Hub, and Prowler's -M json-asff)

/** A finding's status from ASFF's Workflow.Status, RecordState and Compliance.Status (upper case). */
export function asffStatus(workflow: string, recordState: string, complianceStatus: string): Status {
  if (workflow === 'SUPPRESSED') return 'suppressed';
  if (workflow === 'RESOLVED' || recordState === 'ARCHIVED' || complianceStatus === 'PASSED')
    return 'resolved';
  return 'open';
}

export function fromAsff(raw: unknown, index: number): IncomingFinding {
  const f = new Fields(index);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) f.fail('(record)', 'must be an object');
  f.str(raw, 'SchemaVersion', 40);
  const id = f.str(raw, 'Id', 1024);
  const account = f.str(raw, 'AwsAccountId', 64);
  if (!/^\d{12}$/.test(account)) f.fail('AwsAccountId', 'must be a 12-digit AWS account id');
  const title = f.str(raw, 'Title', 4000);
  const severity = severityOf(f.str(raw, 'Severity.Label', 40), f, 'Severity.Label');
  const resource = f.obj(raw, 'Resources.0');
  const resourceId = f.str(resource, 'Id', 2048);
  const workflow = (f.optStr(raw, 'Workflow.Status', 40) ?? '').toUpperCase();
  const recordState = (f.optStr(raw, 'RecordState', 40) ?? '').toUpperCase();
  const complianceStatus = (f.optStr(raw, 'Compliance.Status', 40) ?? '').toUpperCase();
  const status = asffStatus(workflow, recordState, complianceStatus);
  const rule =
    f.optStr(raw, 'Compliance.SecurityControlId', 256) ??
    f.optStr(raw, 'GeneratorId', 256) ??
    title.slice(0, 256);
  const compliance: ComplianceMapping[] = [];
  const related = f.get(raw, 'Compliance.RelatedRequirements');
  if (Array.isArray(related))
    for (const r of related) {
      if (typeof r !== 'string') continue;
      const cut = r.lastIndexOf('/');
      if (cut > 0)
        compliance.push({ framework: frameworkId(r.slice(0, cut)), control: r.slice(cut + 1).slice(0, 64) });
    }
  const product =
    f.optStr(raw, 'ProductName', 100) ??
    f.optStr(raw, 'ProductFields.aws/securityhub/ProductName', 100) ??
    f.optStr(raw, 'ProductArn', 300) ??
    'asff';
  return {
    source: sourceName(product),
    source_id: id,
    rule,
    title,
    description: f.optStr(raw, 'Description') ?? '',
    severity,
    status,
    observed_at: f.time(raw, 'LastObservedAt') ?? f.time(raw, 'UpdatedAt'),
    first_observed_at: f.time(raw, 'FirstObservedAt') ?? f.time(raw, 'CreatedAt'),
    asset: {
      account,
      region: f.optStr(resource, 'Region', 64) ?? f.optStr(raw, 'Region', 64) ?? '',
      type: f.optStr(resource, 'Type', 128) ?? 'Other',
      resource_id: resourceId,
      name: resourceId.split(/[:/]/).filter(Boolean).pop() ?? resourceId,
      tags: tagsFrom(f.get(resource, 'Tags')),
      ...exposureOf(rule, status),
    },
    evidence: {
      compliance_status_reasons: f.get(raw, 'Compliance.StatusReasons') ?? null,
      resource_details: f.get(resource, 'Details') ?? null,
      product_fields: f.get(raw, 'ProductFields') ?? null,
    },
    remediation_text: f.optStr(raw, 'Remediation.Recommendation.Text') ?? '',
    remediation_url: f.optStr(raw, 'Remediation.Recommendation.Url', 2048),
    compliance,
    raw,
  };
}

// ---- SARIF 2.1.0 (Trivy, Checkov, Semgrep and any code or IaC scanner)

export interface SarifRun {
  tool: string;
  rules: Map<string, Obj>;
  repository: string;
}

export function sarifRun(tool: unknown): SarifRun {
  const driver = (tool as Obj | null)?.driver as Obj | undefined;
  const rules = new Map<string, Obj>();
  const list = driver?.rules;
  if (Array.isArray(list))
    for (const r of list)
      if (r !== null && typeof r === 'object' && typeof (r as Obj).id === 'string')
        rules.set((r as Obj).id as string, r as Obj);
  return { tool: typeof driver?.name === 'string' ? driver.name : 'sarif', rules, repository: '' };
}

const LEVEL: Record<string, Severity> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'informational',
};

export function fromSarif(
  raw: unknown,
  index: number,
  run: SarifRun,
  opts: { account: string },
): IncomingFinding {
  const f = new Fields(index);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) f.fail('(result)', 'must be an object');
  const ruleId =
    f.optStr(raw, 'ruleId', 256) ??
    f.optStr(raw, 'rule.id', 256) ??
    f.fail('ruleId', 'is required (a non-empty string)');
  const message = f.str(raw, 'message.text', 20_000);
  const rule = run.rules.get(ruleId) ?? {};
  const uri = f.str(raw, 'locations.0.physicalLocation.artifactLocation.uri', 2048);
  const startLine = f.get(raw, 'locations.0.physicalLocation.region.startLine');
  const line = typeof startLine === 'number' ? startLine : null;
  const secSev = Number(f.get(rule, 'properties.security-severity'));
  const level = f.optStr(raw, 'level', 20) ?? f.optStr(rule, 'defaultConfiguration.level', 20) ?? 'warning';
  let severity: Severity;
  if (Number.isFinite(secSev) && secSev > 0)
    severity = secSev >= 9 ? 'critical' : secSev >= 7 ? 'high' : secSev >= 4 ? 'medium' : 'low';
  // Own keys only: a level such as "constructor" is a key of every object, not of this table.
  else
    severity = Object.hasOwn(LEVEL, level)
      ? LEVEL[level]!
      : f.fail('level', 'must be error, warning, note or none');
  const suppressions = f.get(raw, 'suppressions');
  const status: Status =
    Array.isArray(suppressions) && suppressions.length > 0
      ? 'suppressed'
      : f.get(raw, 'baselineState') === 'absent' || f.get(raw, 'kind') === 'pass'
        ? 'resolved'
        : 'open';
  const fingerprints = {
    ...((f.get(raw, 'partialFingerprints') as Obj | undefined) ?? {}),
    ...((f.get(raw, 'fingerprints') as Obj | undefined) ?? {}),
  };
  const fp = Object.keys(fingerprints)
    .sort()
    .map((k) => `${k}=${String(fingerprints[k])}`)
    .join(';');
  const guid = f.optStr(raw, 'guid', 200);
  const source = sourceName(run.tool);
  const resourceId = run.repository ? `${run.repository}/${uri}` : uri;
  return {
    source,
    source_id: guid ?? `${ruleId}|${uri}|${line ?? ''}|${fp || sha256Hex(message).slice(0, 32)}`,
    rule: ruleId,
    title: f.optStr(rule, 'shortDescription.text', 4000) ?? message.split('\n')[0]!.slice(0, 300),
    description: message,
    severity,
    status,
    observed_at: null,
    first_observed_at: null,
    asset: {
      account: opts.account,
      region: '',
      type: 'SourceFile',
      resource_id: resourceId,
      name: uri,
      tags: {},
      public: false,
      internet_facing: false,
    },
    evidence: {
      location: { uri, start_line: line },
      snippet: f.get(raw, 'locations.0.physicalLocation.region.snippet.text') ?? null,
      message,
    },
    remediation_text: f.optStr(rule, 'help.text') ?? f.optStr(rule, 'fullDescription.text') ?? '',
    remediation_url: f.optStr(rule, 'helpUri', 2048),
    compliance: [],
    raw,
  };
}

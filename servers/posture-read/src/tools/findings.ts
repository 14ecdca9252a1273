import { z } from 'zod';
import { errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import type { FindingDetail, FindingQuery, PostureBackend } from '../backend.js';
import { GROUP_FIELDS, remediationActionFor, STATUSES } from '../domain.js';
import {
  cleanExternal,
  fence,
  LIMITS,
  redactDeep,
  redactionMarker,
  UNTRUSTED_NOTICE,
  type Redactions,
} from '../text-safety.js';
import {
  accountField,
  accountScope,
  assetOut,
  cursorField,
  findingLine,
  findingSummaryOut,
  idField,
  limitField,
  NOTICE_LINE,
  pageFields,
  pageFooter,
  presentAsset,
  scanIncompleteField,
  scanNote,
  presentFindingSummary,
  recordResource,
  safeId,
  severityField,
  shortText,
  statusField,
  tool,
  untrustedNotice,
} from './common.js';

/** A finding filter's `text`, as the summaries take it; the search adds scanNote. */
const TEXT =
  'Words that must appear (as typed, case-insensitive) in the title, description, resource id or rule.';

export const findingFilters = {
  severity_at_least: severityField
    .optional()
    .describe('Only findings of this severity or worse (informational < low < medium < high < critical).'),
  status: z
    .array(statusField)
    .min(1)
    .max(STATUSES.length)
    .optional()
    .describe('Only findings in these states (open, resolved, suppressed). Default: every state.'),
  source: shortText(
    'Only findings from this scanner, e.g. prowler, securityhub, trivy, checkov.',
    64,
  ).optional(),
  account: accountField.optional(),
  region: shortText('Only findings in this region, e.g. us-east-1 ("global" for IAM).', 32).optional(),
  resource_type: shortText('Only findings about this resource type, e.g. AwsS3Bucket.', 128).optional(),
  resource_id: shortText('Only findings about this exact resource (ARN or id).', 512).optional(),
  rule: shortText(
    'Only findings of this rule or check id, e.g. s3_bucket_level_public_access_block or CVE-2024-6387.',
    256,
  ).optional(),
  framework: shortText(
    'Only findings mapped to this compliance framework, e.g. cis-aws-foundations-3.0 or pci-dss-4.0 (posture://frameworks lists them).',
    64,
  ).optional(),
  control: shortText(
    'Only findings mapped to this control id, e.g. 5.2 (with framework, of that framework).',
    64,
  ).optional(),
  text: shortText(TEXT, 200).optional(),
};

export function findingQuery(args: z.output<z.ZodObject<typeof findingFilters>>): FindingQuery {
  return {
    severity_at_least: args.severity_at_least,
    status: args.status,
    source: args.source,
    account: args.account,
    region: args.region,
    resource_type: args.resource_type,
    resource_id: args.resource_id,
    rule: args.rule,
    framework: args.framework,
    control: args.control,
    text: args.text,
  };
}

export const searchFindings = tool({
  name: 'posture_search_findings',
  title: 'Search security findings',
  description:
    'Search the security findings of your tenant (from Security Hub, Prowler, Trivy, Checkov and other scanners) by severity, status, source, account, region, resource, rule, compliance framework/control or text. Most severe first, newest first within a severity. Returns one page with next_cursor and the total. Titles are external text (see `untrusted`). Use posture_get_finding for evidence, history and remediation.',
  toolset: 'findings',
  access: 'read',
  input: z.object({
    ...findingFilters,
    text: shortText(`${TEXT} ${scanNote('finding')}`, 200).optional(),
    cursor: cursorField,
    limit: limitField,
  }),
  output: z.object({
    findings: z.array(findingSummaryOut),
    ...pageFields,
    total_is_lower_bound: z
      .boolean()
      .optional()
      .describe(
        'true when `total` is only a lower bound: counting stopped at 1,000 (narrow the filters, or count them by group with posture_summarize_findings), or a text tested finding by finding (see scan_incomplete) was not tested against every finding.',
      ),
    scan_incomplete: scanIncompleteField('findings'),
    untrusted_content: untrustedNotice,
  }),
  handler: async (args, ctx) => {
    const page = await ctx.backend.searchFindings(
      ctx.principal.tenant,
      accountScope(ctx.principal),
      findingQuery(args),
      pageRequest(args, ctx.principal),
      { signal: ctx.signal },
    );
    return {
      findings: page.items.map((f) => presentFindingSummary(f)),
      next_cursor: page.next_cursor,
      total: page.total,
      ...(page.total_is_lower_bound ? { total_is_lower_bound: true } : {}),
      ...(page.scan_incomplete ? { scan_incomplete: true } : {}),
      untrusted_content: UNTRUSTED_NOTICE,
    };
  },
  render: (out) =>
    [NOTICE_LINE, ...out.findings.map(findingLine), pageFooter(out, out.findings.length)].join('\n'),
});

export const findingDetailOut = z.object({
  finding: findingSummaryOut.extend({
    updated_at: z.string(),
    untrusted: z.object({
      title: z.string(),
      description: z.string(),
      remediation_guidance: z.string().describe("The scanner's own remediation text."),
    }),
    remediation_url: z.string().nullable(),
  }),
  evidence: z
    .unknown()
    .describe(
      'What the scanner recorded as evidence (external content), with secrets replaced by [REDACTED:kind] markers.',
    ),
  redactions: z
    .array(z.object({ kind: z.string(), count: z.number().int() }))
    .describe('Secrets removed from this result (evidence, title, description), by kind; empty when none.'),
  compliance: z.array(z.object({ framework: z.string(), control: z.string() })),
  history: z.array(
    z.object({
      at: z.string(),
      from_status: statusField.nullable(),
      to_status: statusField,
      import_batch: z.string(),
      note: z.string(),
    }),
  ),
  provenance: z.object({
    source: z.string(),
    source_id: z.string().describe("The scanner's own id of the finding."),
    import_batch: z.string().describe('The import (or sync) that last delivered it.'),
    first_seen: z.string(),
    last_seen: z.string(),
    record_hash: z.string().describe('SHA-256 of the source record as imported (canonical JSON).'),
  }),
  asset: assetOut.nullable(),
  remediation_action: z
    .object({ server: z.string(), action: z.string(), description: z.string(), target: z.string() })
    .nullable()
    .describe('The remediation-write action that fits this finding, if any (this server changes nothing).'),
  untrusted_content: untrustedNotice,
});

/** One finding in full; shared by the tool and the posture://findings/{id} resource. */
export function presentFindingDetail(d: FindingDetail): z.input<typeof findingDetailOut> {
  const found: Redactions = {};
  const f = d.finding;
  const summary = presentFindingSummary(f, found);
  let evidence = redactDeep(cleanEvidence(f.evidence, found), found);
  const serialised = JSON.stringify(evidence ?? null);
  if (serialised.length > LIMITS.evidence)
    evidence = { truncated: true, excerpt: `${serialised.slice(0, LIMITS.evidence)}…` };
  const finding = {
    ...summary,
    updated_at: f.updated_at,
    untrusted: {
      title: summary.untrusted.title,
      description: cleanExternal(f.description, { max: LIMITS.description, multiline: true }, found),
      remediation_guidance: cleanExternal(
        f.remediation_text,
        { max: LIMITS.remediation, multiline: true },
        found,
      ),
    },
    remediation_url: f.remediation_url === null ? null : safeId(f.remediation_url),
  };
  return {
    finding,
    evidence: evidence ?? null,
    redactions: Object.entries(found)
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => a.kind.localeCompare(b.kind)),
    compliance: d.compliance.map((c) => ({ framework: safeId(c.framework), control: safeId(c.control) })),
    history: d.history.map((h) => ({ ...h, import_batch: safeId(h.import_batch), note: safeId(h.note) })),
    provenance: {
      source: safeId(f.source),
      source_id: safeId(f.source_id),
      import_batch: safeId(f.import_batch),
      first_seen: f.first_seen,
      last_seen: f.last_seen,
      record_hash: f.record_hash,
    },
    asset: d.asset === null ? null : presentAsset(d.asset, found),
    remediation_action: remediationActionFor(f.rule, f.resource_id),
    untrusted_content: UNTRUSTED_NOTICE,
  };
}

/** Evidence strings lose control and bidi characters like every other external text. */
function cleanEvidence(v: unknown, found: Redactions, depth = 0): unknown {
  if (depth > 32) return '[truncated: nested too deeply]';
  if (typeof v === 'string') return cleanExternal(v, { max: 2000, multiline: true }, found);
  if (Array.isArray(v)) return v.slice(0, 200).map((x) => cleanEvidence(x, found, depth + 1));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .slice(0, 200)
        .map(([k, x]) => [cleanExternal(k, { max: 128 }, found), cleanEvidence(x, found, depth + 1)]),
    );
  return v;
}

export async function findingDetail(
  backend: PostureBackend,
  ctx: { principal: Parameters<typeof accountScope>[0]; signal: AbortSignal },
  id: string,
): Promise<z.input<typeof findingDetailOut>> {
  const d = await backend.getFinding(ctx.principal.tenant, accountScope(ctx.principal), id, {
    signal: ctx.signal,
  });
  if (d === null) throw errors.notFound(`Finding ${id}`, 'Find findings with posture_search_findings.');
  return presentFindingDetail(d);
}

export async function findingResource(
  backend: PostureBackend,
  ctx: { principal: { tenant: string }; signal: AbortSignal },
  id: string,
) {
  // The tenant only: the account rule is Cedar's to apply (posture-accounts), so a principal
  // outside the account is refused by policy, visibly, rather than told nothing exists.
  const d = await backend.getFinding(ctx.principal.tenant, null, id, { signal: ctx.signal });
  return d === null
    ? null
    : recordResource('Finding', ctx.principal.tenant, d.finding.id, d.finding.account, {
        severity: d.finding.severity,
      });
}

export const getFinding = tool({
  name: 'posture_get_finding',
  title: 'Get a security finding',
  description:
    "Get one finding of your tenant by id with everything known about it: evidence (secrets redacted), the scanner's remediation guidance, compliance mappings, its state history, provenance (source, source id, import batch, first/last seen, record hash), its asset, and the remediation-write action that fits it, if any.",
  toolset: 'findings',
  access: 'read',
  resourceType: 'Finding',
  input: z.object({ id: idField('fnd', 'finding') }),
  output: findingDetailOut,
  resource: async (args, ctx) => findingResource(ctx.backend, ctx, args.id),
  handler: async (args, ctx) => findingDetail(ctx.backend, ctx, args.id),
  render: (out) =>
    [
      NOTICE_LINE,
      findingLine(out.finding),
      fence('description', out.finding.untrusted.description),
      fence('remediation guidance', out.finding.untrusted.remediation_guidance),
      `Remediation URL: ${out.finding.remediation_url ?? '-'}`,
      `Evidence (secrets redacted${out.redactions.length ? `: ${out.redactions.map((r) => `${r.count} ${r.kind}`).join(', ')}` : ': none found'}):`,
      fence('evidence', JSON.stringify(out.evidence, null, 2)),
      `Compliance: ${out.compliance.map((c) => `${c.framework} ${c.control}`).join('; ') || 'none'}`,
      'History:',
      ...out.history.map(
        (h) => `- ${h.at} ${h.from_status ?? '(new)'} -> ${h.to_status} (${h.import_batch}: ${h.note})`,
      ),
      `Provenance: ${out.provenance.source} ${out.provenance.source_id}, batch ${out.provenance.import_batch}, first seen ${out.provenance.first_seen}, last seen ${out.provenance.last_seen}, sha256 ${out.provenance.record_hash}`,
      `Fitting remediation: ${out.remediation_action ? `${out.remediation_action.action} on ${out.remediation_action.target} (remediation-write server)` : 'none'}`,
    ].join('\n'),
});

export const summarizeFindings = tool({
  name: 'posture_summarize_findings',
  title: 'Count security findings by group',
  description:
    'Count the findings of your tenant grouped by one or two of severity, status, account, resource_type, source, rule and framework, with the same filters as posture_search_findings. Largest groups first (at most 500 groups). A finding mapped to several frameworks counts once in each.',
  toolset: 'summaries',
  access: 'read',
  input: z.object({
    group_by: z
      .array(z.enum(GROUP_FIELDS))
      .min(1)
      .max(2)
      .refine((g) => new Set(g).size === g.length, 'name each field once')
      .describe('One or two fields to group by.'),
    ...findingFilters,
  }),
  output: z.object({
    group_by: z.array(z.enum(GROUP_FIELDS)),
    total: z.number().int().describe('Findings matching the filters (each once).'),
    groups: z.array(
      z.object({
        keys: z.record(z.string(), z.string()).describe('The group: one value per group_by field.'),
        count: z.number().int(),
      }),
    ),
  }),
  handler: async (args, ctx) => {
    const res = await ctx.backend.summarizeFindings(
      ctx.principal.tenant,
      accountScope(ctx.principal),
      findingQuery(args),
      args.group_by,
      { signal: ctx.signal },
    );
    return {
      group_by: args.group_by,
      total: res.total,
      groups: res.groups.map((g) => ({
        keys: Object.fromEntries(Object.entries(g.keys).map(([k, v]) => [k, safeId(v)])),
        count: g.count,
      })),
    };
  },
  render: (out) =>
    [
      `${out.total} findings by ${out.group_by.join(' x ')}:`,
      ...out.groups.map(
        (g) => `- ${out.group_by.map((k) => `${k}=${g.keys[k] ?? ''}`).join(' ')}: ${g.count}`,
      ),
    ].join('\n'),
});

export { redactionMarker };

import { z } from 'zod';
import { errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import { SEVERITIES, type Severity } from '../domain.js';
import { UNTRUSTED_NOTICE } from '../text-safety.js';
import {
  accountField,
  accountScope,
  assetLine,
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
  shortText,
  tool,
  untrustedNotice,
} from './common.js';

const OPEN_FINDINGS_SHOWN = 20;

export const searchAssets = tool({
  name: 'posture_search_assets',
  title: 'Search cloud assets',
  description:
    'Search the assets (cloud resources findings are about: buckets, security groups, IAM users and keys, instances, databases) of your tenant by account, region, type, exposure or text in the name or resource id. Sorted by id; paged with next_cursor. Names and tags are external text (see `untrusted`).',
  toolset: 'assets',
  access: 'read',
  input: z.object({
    account: accountField.optional(),
    region: shortText('Only assets in this region ("global" for IAM).', 32).optional(),
    type: shortText(
      'Only assets of this type, e.g. AwsS3Bucket, AwsEc2SecurityGroup, AwsIamAccessKey.',
      128,
    ).optional(),
    exposed: z
      .boolean()
      .optional()
      .describe('true: only public or internet-facing assets; false: only the others.'),
    text: shortText(
      `Text to find in the name or resource id (case-insensitive). ${scanNote('asset')}`,
      200,
    ).optional(),
    cursor: cursorField,
    limit: limitField,
  }),
  output: z.object({
    assets: z.array(assetOut),
    ...pageFields,
    total_is_lower_bound: z
      .boolean()
      .optional()
      .describe(
        'true when `total` is only a lower bound: counting stopped at 1,000 (narrow the filters), or a text tested asset by asset (see scan_incomplete) was not tested against every asset.',
      ),
    scan_incomplete: scanIncompleteField('assets'),
    untrusted_content: untrustedNotice,
  }),
  handler: async (args, ctx) => {
    const page = await ctx.backend.searchAssets(
      ctx.principal.tenant,
      accountScope(ctx.principal),
      { account: args.account, region: args.region, type: args.type, exposed: args.exposed, text: args.text },
      pageRequest(args, ctx.principal),
      { signal: ctx.signal },
    );
    return {
      assets: page.items.map((a) => presentAsset(a)),
      next_cursor: page.next_cursor,
      total: page.total,
      ...(page.total_is_lower_bound ? { total_is_lower_bound: true } : {}),
      ...(page.scan_incomplete ? { scan_incomplete: true } : {}),
      untrusted_content: UNTRUSTED_NOTICE,
    };
  },
  render: (out) => [NOTICE_LINE, ...out.assets.map(assetLine), pageFooter(out, out.assets.length)].join('\n'),
});

const bySeverityOut = z.object(
  Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<Severity, z.ZodNumber>,
);

export const getAsset = tool({
  name: 'posture_get_asset',
  title: 'Get a cloud asset',
  description: `Get one asset of your tenant by id with its open findings: counts by severity and the ${OPEN_FINDINGS_SHOWN} most severe (posture_search_findings with resource_id lists all).`,
  toolset: 'assets',
  access: 'read',
  resourceType: 'Asset',
  input: z.object({ id: idField('ast', 'asset') }),
  output: z.object({
    asset: assetOut,
    open_findings: z.object({
      total: z.number().int(),
      by_severity: bySeverityOut,
      items: z.array(findingSummaryOut),
    }),
    untrusted_content: untrustedNotice,
  }),
  resource: async (args, ctx) => {
    const a = await ctx.backend.getAsset(ctx.principal.tenant, null, args.id, { signal: ctx.signal });
    return a === null ? null : recordResource('Asset', ctx.principal.tenant, a.id, a.account);
  },
  handler: async (args, ctx) => {
    const scope = accountScope(ctx.principal);
    const a = await ctx.backend.getAsset(ctx.principal.tenant, scope, args.id, { signal: ctx.signal });
    if (a === null) throw errors.notFound(`Asset ${args.id}`, 'Find assets with posture_search_assets.');
    const open = await ctx.backend.assetFindings(ctx.principal.tenant, scope, a.id, OPEN_FINDINGS_SHOWN, {
      signal: ctx.signal,
    });
    return {
      asset: presentAsset(a),
      open_findings: {
        total: Object.values(open.by_severity).reduce((x, y) => x + y, 0),
        by_severity: open.by_severity,
        items: open.items.map((f) => presentFindingSummary(f)),
      },
      untrusted_content: UNTRUSTED_NOTICE,
    };
  },
  render: (out) =>
    [
      NOTICE_LINE,
      assetLine(out.asset),
      `Open findings (${out.open_findings.total}): ${SEVERITIES.slice()
        .reverse()
        .map((s) => `${s} ${out.open_findings.by_severity[s]}`)
        .join(', ')}`,
      ...out.open_findings.items.map(findingLine),
    ].join('\n'),
});

export const listExposures = tool({
  name: 'posture_list_exposures',
  title: 'List internet-exposed assets at risk',
  description:
    'List the public or internet-facing assets of your tenant that have open high or critical findings, ranked: most open critical findings first, then most open high ones, then longest exposed. Paged with next_cursor.',
  toolset: 'summaries',
  access: 'read',
  input: z.object({ account: accountField.optional(), cursor: cursorField, limit: limitField }),
  output: z.object({
    exposures: z.array(
      z.object({
        rank: z.number().int().describe('1 is the most urgent.'),
        asset: assetOut,
        open_critical: z.number().int(),
        open_high: z.number().int(),
        oldest_open_since: z
          .string()
          .describe('ISO 8601 first-seen time of its oldest open high/critical finding.'),
      }),
    ),
    ...pageFields,
    untrusted_content: untrustedNotice,
  }),
  handler: async (args, ctx) => {
    const req = pageRequest(args, ctx.principal);
    const page = await ctx.backend.listExposures(
      ctx.principal.tenant,
      accountScope(ctx.principal),
      { account: args.account },
      req,
      { signal: ctx.signal },
    );
    return {
      exposures: page.items.map((e) => ({
        rank: e.rank,
        asset: presentAsset(e.asset),
        open_critical: e.open_critical,
        open_high: e.open_high,
        oldest_open_since: e.oldest_open_since,
      })),
      next_cursor: page.next_cursor,
      total: page.total,
      untrusted_content: UNTRUSTED_NOTICE,
    };
  },
  render: (out) =>
    [
      NOTICE_LINE,
      ...out.exposures.map(
        (e) =>
          `#${e.rank} ${e.open_critical} critical, ${e.open_high} high open since ${e.oldest_open_since.slice(0, 10)}\n${assetLine(e.asset)}`,
      ),
      pageFooter(out, out.exposures.length),
    ].join('\n'),
});

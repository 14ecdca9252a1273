import { z } from 'zod';
import { errors } from '@portcullis/core';
import { canonicalJson } from '@portcullis/core/canonical';
import { describeChange } from '../engine.js';
import { accountId, findingId, planId, region, tool } from './common.js';
import { planNotFound } from './plans.js';

const MAX_EVIDENCE = 16 * 1024;

export const openTicket = tool({
  name: 'remediation_open_ticket',
  title: 'Open a security ticket',
  description:
    "Opens a ticket for a finding or a resource with the evidence attached (e.g. after posture_get_finding shows a bucket is publicly exposed), in the configured ticket queue, and returns its key. One ticket per finding: asking again for the same finding returns the first ticket (deduplicated true). Pass plan_id to attach a plan's before → after. Changes nothing in the cloud.",
  toolset: 'tickets',
  access: 'write',
  idempotent: true,
  input: z
    .object({
      summary: z.string().min(3).max(200).describe('One line: what is wrong and where.'),
      finding_id: findingId.optional(),
      account: accountId.optional(),
      region: region.optional(),
      resource: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .describe('The resource (bucket, group, key, instance id or ARN).'),
      severity: z.enum(['critical', 'high', 'medium', 'low', 'informational']).optional(),
      evidence: z
        .union([z.string().max(MAX_EVIDENCE), z.record(z.string(), z.unknown())])
        .optional()
        .describe(
          "What shows the problem: the finding's evidence, a configuration excerpt (text or JSON, at most 16 KB).",
        ),
      plan_id: planId.optional().describe('A plan whose before → after belongs in the ticket.'),
    })
    .refine((a) => a.finding_id !== undefined || a.resource !== undefined, {
      message: 'name the finding_id or the resource the ticket is about',
      path: ['finding_id'],
    }),
  output: z.object({
    ticket_key: z.string(),
    url: z.string().nullable(),
    sink: z.string().describe('Where the ticket lives: embedded (the built-in queue) or jira.'),
    deduplicated: z
      .boolean()
      .describe('True when a ticket for this finding existed: its key is returned, no new ticket.'),
    finding_id: z.string().nullable(),
  }),
  handler: async (args, ctx) => {
    const eng = ctx.backend;
    const tenant = ctx.principal.tenant;
    if (args.account !== undefined && (await eng.account(tenant, args.account)) === null)
      throw errors.notFound(`Account ${args.account}`, "Name one of your tenant's accounts.");
    const evidence =
      args.evidence === undefined
        ? null
        : typeof args.evidence === 'string'
          ? args.evidence
          : JSON.stringify(args.evidence, null, 2);
    if (typeof args.evidence === 'object' && canonicalJson(args.evidence).length > MAX_EVIDENCE)
      throw errors.validation(
        'Invalid arguments: evidence: at most 16 KB.',
        'Attach the relevant excerpt only.',
      );
    let planText: string | null = null;
    if (args.plan_id !== undefined) {
      const plan = await eng.getPlan(tenant, args.plan_id);
      if (plan === null) throw planNotFound(args.plan_id);
      planText = `Plan ${plan.id} (${plan.verdict}, ${plan.status}):\n${describeChange(plan)}`;
    }
    const description = [
      `Opened by ${ctx.principal.id} through Portcullis.`,
      args.finding_id ? `Finding: ${args.finding_id}` : null,
      args.account || args.resource
        ? `Resource: ${args.resource ?? '(account-wide)'}${args.account ? ` in account ${args.account}` : ''}${args.region ? ` (${args.region})` : ''}`
        : null,
      evidence !== null ? `Evidence:\n${evidence}` : null,
      planText,
    ]
      .filter((x): x is string => x !== null)
      .join('\n\n');
    const ticket = await eng.openTicket(
      {
        tenant,
        summary: args.summary,
        description,
        ...(args.severity ? { severity: args.severity } : {}),
        ...(args.account ? { account: args.account } : {}),
        ...(args.resource ? { resource: args.resource } : {}),
        ...(args.finding_id ? { finding_id: args.finding_id } : {}),
        ...(args.plan_id ? { plan_id: args.plan_id } : {}),
        labels: ['portcullis', 'security', ...(args.severity ? [args.severity] : [])],
      },
      ctx.principal.id,
      ctx.signal,
    );
    ctx.addAuditRefs({
      ticket_key: ticket.key,
      ...(args.finding_id ? { finding_id: args.finding_id } : {}),
      ...(args.plan_id ? { plan_id: args.plan_id } : {}),
      ...(ticket.deduplicated ? { deduplicated: 'true' } : {}),
      ...(ticket.took_over ? { claim_taken_over: 'true' } : {}),
    });
    return {
      ticket_key: ticket.key,
      url: ticket.url,
      sink: eng.tickets.kind,
      deduplicated: ticket.deduplicated,
      finding_id: args.finding_id ?? null,
    };
  },
  render: (out) =>
    out.deduplicated
      ? `Ticket ${out.ticket_key} already exists for finding ${out.finding_id ?? ''}; no new ticket was opened.${out.url ? ` ${out.url}` : ''}`
      : `Opened ticket ${out.ticket_key} (${out.sink}).${out.url ? ` ${out.url}` : ''}`,
});

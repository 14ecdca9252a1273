import { z } from 'zod';
import { accountField, accountScope, safeId, shortText, tool } from './common.js';
import { FRAMEWORKS } from '../frameworks.js';

const controlOut = z.object({
  control: z.string(),
  title: z.string(),
  status: z
    .enum(['passed', 'failed', 'not_evaluated'])
    .describe(
      'failed: an open finding maps to it; passed: only resolved or suppressed ones; not_evaluated: none.',
    ),
  failed_findings: z.number().int().describe('Open findings mapped to the control.'),
  passed_findings: z.number().int().describe('Resolved or suppressed findings mapped to the control.'),
});

export const complianceSummary = tool({
  name: 'posture_compliance_summary',
  title: 'Compliance summary per framework and control',
  description:
    'For each compliance framework (CIS AWS Foundations, PCI DSS, and any a scanner mapped findings to) and each of its controls: passed, failed or not evaluated, with the number of open and closed findings behind it. Optionally one framework or one account.',
  toolset: 'summaries',
  access: 'read',
  input: z.object({
    framework: shortText('Only this framework, e.g. cis-aws-foundations-3.0 or pci-dss-4.0.', 64).optional(),
    account: accountField.optional(),
  }),
  output: z.object({
    frameworks: z.array(
      z.object({
        framework: z.string(),
        title: z.string(),
        passed: z.number().int(),
        failed: z.number().int(),
        not_evaluated: z.number().int(),
        controls: z.array(controlOut),
      }),
    ),
  }),
  handler: async (args, ctx) => {
    const rows = await ctx.backend.complianceSummary(
      ctx.principal.tenant,
      accountScope(ctx.principal),
      { framework: args.framework, account: args.account },
      { signal: ctx.signal },
    );
    const byFramework = new Map<string, typeof rows>();
    for (const r of rows) byFramework.set(r.framework, [...(byFramework.get(r.framework) ?? []), r]);
    return {
      frameworks: [...byFramework.entries()].map(([fw, controls]) => ({
        framework: safeId(fw),
        title: FRAMEWORKS.find((f) => f.id === fw)?.title ?? safeId(fw),
        passed: controls.filter((c) => c.status === 'passed').length,
        failed: controls.filter((c) => c.status === 'failed').length,
        not_evaluated: controls.filter((c) => c.status === 'not_evaluated').length,
        controls: controls.map((c) => ({
          control: safeId(c.control),
          title: safeId(c.title),
          status: c.status,
          failed_findings: c.failed_findings,
          passed_findings: c.passed_findings,
        })),
      })),
    };
  },
  render: (out) =>
    out.frameworks
      .flatMap((f) => [
        `${f.title} (${f.framework}): ${f.failed} failed, ${f.passed} passed, ${f.not_evaluated} not evaluated`,
        ...f.controls.map(
          (c) =>
            `- ${c.control} ${c.status.toUpperCase()} (${c.failed_findings} open, ${c.passed_findings} closed) ${c.title}`,
        ),
      ])
      .join('\n') || 'No compliance data.',
});

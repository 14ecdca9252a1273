import type { ResourceDefinition } from '@portcullis/core';
import type { PostureBackend } from './backend.js';
import { SEVERITIES, STATUSES, GROUP_FIELDS } from './domain.js';
import { CONTROLS, FRAMEWORKS } from './frameworks.js';
import { findingDetail } from './tools/findings.js';

export const resources: ResourceDefinition<PostureBackend>[] = [
  {
    uri: 'posture://frameworks',
    name: 'posture-frameworks',
    title: 'Compliance frameworks and controls',
    description:
      'The compliance frameworks this server knows and their controls (ids and titles), the severities, statuses and summary groupings the tools take.',
    mimeType: 'application/json',
    guardTool: 'posture_compliance_summary',
    read: async (_uri, _vars, ctx) =>
      JSON.stringify(
        {
          backend: ctx.backend.kind,
          frameworks: FRAMEWORKS.map((f) => ({
            ...f,
            controls: CONTROLS.filter((c) => c.framework === f.id).map((c) => ({
              control: c.control,
              title: c.title,
            })),
          })),
          severities: SEVERITIES,
          statuses: STATUSES,
          group_by: GROUP_FIELDS,
          note: 'Findings may map to other frameworks too (as their scanner reported); posture_compliance_summary lists them.',
        },
        null,
        2,
      ),
  },
  {
    uri: 'posture://findings/{id}',
    name: 'posture-finding',
    title: 'A security finding in full',
    description:
      "One finding of your tenant as JSON, the same result posture_get_finding returns (guarded by that tool's policy, including the account restriction, and audited as its call).",
    mimeType: 'application/json',
    guardTool: 'posture_get_finding',
    read: async (_uri, vars, ctx) =>
      JSON.stringify(await findingDetail(ctx.backend, ctx, vars.id ?? ''), null, 2),
  },
];

import { z } from 'zod';
import { tool } from './common.js';

const stateOut = z.object({
  engaged: z.boolean(),
  reason: z.string(),
  changed_by: z.string(),
  changed_at: z.string().nullable(),
});

/** Also served as POST /admin/kill-switch (ServerDefinition.httpActions), for operators outside the agent. */
export const setKillSwitch = tool({
  name: 'remediation_set_kill_switch',
  title: 'Engage or release the remediation kill switch',
  description:
    'Admins only: with state on, every apply and rollback on every replica stops at once (error kill_switch_engaged; plans are still allowed); with state off, they resume. The reason is recorded with who changed it and is audited.',
  toolset: 'admin',
  access: 'write',
  idempotent: true,
  input: z.object({
    state: z.enum(['on', 'off']),
    reason: z.string().min(3).max(500).describe('Why (shown to everyone refused while it is on).'),
  }),
  output: stateOut,
  handler: async (args, ctx) => {
    const state = await ctx.backend.setKillSwitch(args.state === 'on', args.reason, ctx.principal.id);
    ctx.addAuditRefs({ kill_switch: args.state });
    return state;
  },
  render: (out) =>
    `Kill switch ${out.engaged ? 'ENGAGED: no apply or rollback runs' : 'off: applies and rollbacks run'} (${out.reason}; ${out.changed_by} at ${out.changed_at ?? ''}).`,
});

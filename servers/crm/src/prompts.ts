import { z } from 'zod';
import type { PromptDefinition } from '@portcullis/core';
import type { CrmBackend } from './backend.js';

/**
 * The brief is built by the model through the tools, not from data embedded here: prompts are not
 * policy-checked or audited, tools are, so the prompt carries instructions only.
 */
const briefArguments = z.object({
  account_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .describe('Id of the account (crm_search_accounts finds it).'),
  focus: z
    .string()
    .max(200)
    .optional()
    .describe('Optional angle for the brief, e.g. "renewal risk" or "expansion".'),
});

export const accountBrief: PromptDefinition<CrmBackend, typeof briefArguments> = {
  name: 'crm_account_brief',
  title: 'Account brief',
  description:
    'Prepare a one-page brief on an account before a customer conversation: who is who, the open pipeline, recent touches and next steps.',
  arguments: briefArguments,
  get: async (args) => ({
    description: `Brief on account ${args.account_id}`,
    messages: [
      {
        role: 'user',
        text: [
          `Prepare a brief on CRM account ${args.account_id}${args.focus ? `, focusing on ${args.focus}` : ''}.`,
          '',
          `1. Call crm_get_account with id "${args.account_id}" for the account, its contacts, open opportunities and recent activities.`,
          `2. If there are more open opportunities than shown, call crm_search_opportunities with account_id "${args.account_id}".`,
          '3. Write the brief: one paragraph on the account; the key contacts and their roles; each open opportunity with stage, amount and close date;',
          '   what happened recently; risks; and three concrete next steps with an owner each.',
          '',
          'Use only what the tools return. Where contact details are withheld (redacted_fields), say so rather than guessing them.',
          'Do not change any record while preparing the brief.',
        ].join('\n'),
      },
    ],
  }),
};

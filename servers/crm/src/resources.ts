import { errors, loadedRecord } from '@portcullis/core';
import type { ResourceDefinition } from '@portcullis/core';
import type { CrmBackend } from './backend.js';
import { MAX_PAGE_SIZE } from './backend.js';
import type { Account } from './domain.js';
import { ACTIVITY_TYPES, INDUSTRIES, OPEN_STAGES, REGIONS, STAGES, STAGE_TRANSITIONS } from './domain.js';
import { accountSummary, accountSummaryOut } from './tools/accounts.js';

/** What a model needs to use the tools well: record types, fields, stages and their legal moves. */
export function crmSchema(backend: CrmBackend['kind']): Record<string, unknown> {
  return {
    backend,
    record_types: {
      account: {
        description: 'A customer company.',
        fields: {
          id: 'string',
          name: 'string',
          domain: 'string | null',
          industry: 'string',
          region: 'string',
          owner_id: 'CRM owner (sales rep)',
          team: "the owner's sales team",
          created_at: 'ISO 8601',
          updated_at: 'ISO 8601',
          version: 'integer, changes on every update',
        },
      },
      contact: {
        description: 'A person at an account.',
        fields: {
          id: 'string',
          account_id: 'string | null',
          first_name: 'string',
          last_name: 'string',
          title: 'string | null',
          email: 'string | null (personal data: pii_reader role only)',
          phone: 'string | null (personal data: pii_reader role only)',
          owner_id: 'CRM owner',
          team: 'string',
          version: 'integer, pass it to crm_update_contact',
        },
      },
      opportunity: {
        description: 'A deal with an account.',
        fields: {
          id: 'string',
          account_id: 'string',
          name: 'string',
          stage: STAGES.join(' | '),
          amount: 'integer, whole currency units',
          currency: 'ISO 4217',
          close_date: 'YYYY-MM-DD',
          owner_id: 'CRM owner',
          team: 'string',
          version: 'integer, pass it to crm_update_opportunity_stage',
        },
      },
      activity: {
        description: 'Something that happened: append-only.',
        fields: {
          id: 'string',
          type: ACTIVITY_TYPES.join(' | '),
          subject: 'string',
          body: 'string | null',
          occurred_at: 'ISO 8601',
          account_id: 'string | null',
          contact_id: 'string | null',
          opportunity_id: 'string | null',
          owner_id: 'who logged it',
        },
      },
    },
    stages: { all: STAGES, open: OPEN_STAGES, transitions: STAGE_TRANSITIONS },
    activity_types: ACTIVITY_TYPES,
    demo_values: { industries: INDUSTRIES, regions: REGIONS },
    paging: {
      max_limit: MAX_PAGE_SIZE,
      cursor: 'opaque; pass next_cursor back unchanged with the same filters',
    },
    concurrency: 'Updates take the version you read; a changed record answers a stale_version conflict.',
    idempotency:
      'Writes accept idempotency_key; a repeat with the same key and arguments returns the first result.',
  };
}

export const resources: ResourceDefinition<CrmBackend>[] = [
  {
    uri: 'crm://schema',
    name: 'crm-schema',
    title: 'CRM record types, fields and stages',
    description:
      'The CRM record types and their fields, the opportunity stages with their legal transitions, activity types and paging rules.',
    mimeType: 'application/json',
    read: async (_uri, _vars, ctx) => JSON.stringify(crmSchema(ctx.backend.kind), null, 2),
  },
  {
    uri: 'crm://accounts/{id}',
    name: 'crm-account',
    title: 'An account with its contacts, open opportunities and recent activities',
    description:
      "One account of your tenant as JSON, the same summary crm_get_account returns (guarded by that tool's policy and audited as its call).",
    mimeType: 'application/json',
    guardTool: 'crm_get_account',
    read: async (_uri, vars, ctx) => {
      const id = vars.id ?? '';
      // The account policy decided on (crm_get_account's resolver read it): not read a second time.
      const summary = await accountSummary(
        ctx.backend,
        ctx.principal.tenant,
        id,
        ctx.signal,
        loadedRecord<Account>(ctx.resource),
      );
      if (summary === null) throw errors.notFound(`Account ${id}`);
      // Shaped by the tool's output schema, as the tool's answer is.
      return JSON.stringify(accountSummaryOut.parse(summary), null, 2);
    },
  },
];

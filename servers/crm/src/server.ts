import { defineServer, packageFile } from '@portcullis/core';
import { upstreamIdentity } from '@portcullis/core/cache';
import { openCursorCodec } from '@portcullis/core/cursor';
import type { CrmBackend } from './backend.js';
import { configSchema, crmSeedFor, stageMap, type CrmConfig } from './config.js';
import { EmbeddedBackend } from './embedded.js';
import { HubSpotBackend } from './hubspot.js';
import { withEmail } from './email/setup.js';
import { migrations, storeExtensions } from './migrations.js';
import { accountBrief } from './prompts.js';
import { resources } from './resources.js';
import { getAccount, searchAccounts } from './tools/accounts.js';
import { logActivity } from './tools/activities.js';
import { createContact, getContact, searchContacts, updateContact } from './tools/contacts.js';
import { listTemplates, previewEmail, sendEmail } from './tools/email.js';
import { createOpportunity, searchOpportunities, updateOpportunityStage } from './tools/opportunities.js';

export const tools = [
  searchAccounts,
  getAccount,
  searchContacts,
  getContact,
  createContact,
  updateContact,
  searchOpportunities,
  createOpportunity,
  updateOpportunityStage,
  logActivity,
  listTemplates,
  previewEmail,
  sendEmail,
];

export const server = defineServer<CrmBackend, typeof configSchema>({
  name: 'crm',
  version: '0.1.0',
  title: 'Portcullis CRM',
  description:
    "Accounts, contacts, opportunities and activities of your tenant's CRM, under policy and audit.",
  instructions: [
    'CRM of your tenant: accounts (companies), contacts (people), opportunities (deals) and activities.',
    'Find records with the crm_search_* tools (page with next_cursor), then read one with crm_get_account or crm_get_contact.',
    'Updates need the version you read; on a stale_version conflict read the record again and re-apply your change.',
    'Opportunity stages move only along legal transitions (crm://schema lists them).',
    'Give every write an idempotency_key and reuse it when retrying the same write.',
    'Contact email and phone are withheld unless you hold the pii_reader role; never guess them.',
  ].join(' '),
  defaultPort: 7301,
  toolsets: [
    { id: 'accounts', description: 'Find and read customer companies.', default: true },
    { id: 'contacts', description: 'Find, read, create and update people at accounts.', default: true },
    { id: 'opportunities', description: 'Find, create and move deals along their stages.', default: true },
    { id: 'activities', description: 'Log calls, e-mails, meetings, notes and tasks.', default: true },
    {
      id: 'email',
      description: 'E-mail a contact from a reviewed template (the server resolves the address).',
      default: true,
    },
  ],
  tools,
  resources,
  prompts: [accountBrief],
  policyDir: packageFile('@portcullis/crm', import.meta.url, 'policies'),
  extraActions: [{ name: 'crm_read_pii', resourceTypes: ['Contact'] }],
  configSchema,
  sensitiveKeys: ['email', 'phone'],
  migrations,
  storeExtensions,
  createBackend: async (services) => {
    const cfg = services.config;
    const cursors = await openCursorCodec(services);
    if (cfg.CRM_BACKEND === 'hubspot') {
      // The config schema requires both for the hubspot backend.
      const ref = cfg.CRM_HUBSPOT_TOKEN ?? '';
      const tenant = cfg.CRM_HUBSPOT_TENANT ?? '';
      // Fail closed at start-up: a token that cannot be resolved stops the server now, not at the first call.
      await services.credentials.get(ref, 'CRM_HUBSPOT_TOKEN');
      services.logger.info(
        { backend: 'hubspot', tenant, base_url: cfg.CRM_HUBSPOT_BASE_URL },
        'CRM backend: HubSpot',
      );
      const hubspot = await HubSpotBackend.open({
        store: services.store,
        cursors,
        baseUrl: cfg.CRM_HUBSPOT_BASE_URL,
        tenant,
        withToken: (fn) => services.credentials.withSecret(ref, 'CRM_HUBSPOT_TOKEN', fn),
        callUpstream: (fn, signal) => services.callUpstream('hubspot', fn, signal),
        owners: cfg.CRM_HUBSPOT_OWNER_MAP,
        teams: cfg.CRM_HUBSPOT_TEAM_MAP,
        stages: stageMap(cfg),
        pipeline: cfg.CRM_HUBSPOT_PIPELINE,
        regionProperty: cfg.CRM_HUBSPOT_REGION_PROPERTY,
        billingCustomerProperty: cfg.CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY,
        currency: cfg.CRM_HUBSPOT_CURRENCY,
        // The portal is named by everything that shapes a cached record, and the token's
        // reference (never the token): two servers on one portal with one mapping share entries.
        cache: services.cache.forUpstream(
          'hubspot',
          upstreamIdentity({
            baseUrl: cfg.CRM_HUBSPOT_BASE_URL,
            token: ref,
            tenant,
            owners: cfg.CRM_HUBSPOT_OWNER_MAP,
            teams: cfg.CRM_HUBSPOT_TEAM_MAP,
            stages: stageMap(cfg),
            pipeline: cfg.CRM_HUBSPOT_PIPELINE,
            region: cfg.CRM_HUBSPOT_REGION_PROPERTY,
            billing: cfg.CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY,
            currency: cfg.CRM_HUBSPOT_CURRENCY,
            // How a record is read: 2 since a deal without a currency code is in the portal's
            // currency (1 read it as USD), so no entry cached by the earlier reading is served.
            reading: 2,
          }),
        ),
      });
      return withDeals(cfg, await withEmail(services, cfg, hubspot));
    }
    const seed = crmSeedFor(cfg, services.env);
    const backend = await EmbeddedBackend.open(services.store, { seed: seed === 'demo', cursors });
    services.logger.info({ backend: 'embedded', seed }, 'CRM backend: embedded store');
    return withDeals(cfg, await withEmail(services, cfg, backend));
  },
});

/** The money thresholds the deal tools resolve per currency. */
function withDeals<B extends CrmBackend>(cfg: CrmConfig, backend: B): B {
  backend.largeDealThreshold = cfg.CRM_LARGE_DEAL_THRESHOLD;
  return backend;
}

import { IdempotencyLedger } from '@portcullis/core/idempotency';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, errors, packageFile, PortcullisError } from '@portcullis/core';
import type { KitServices } from '@portcullis/core';
import type { CrmBackend } from '../backend.js';
import { crmSeedFor, type CrmConfig } from '../config.js';
import type { HubSpotBackend } from '../hubspot.js';
import { DEMO_TENANTS, seedId } from '../seed.js';
import { EmailService, type ConsentCheck } from './service.js';
import { loadTemplates } from './templates.js';
import {
  FileTransport,
  SesTransport,
  SmtpTransport,
  withoutAddresses,
  type EmailTransport,
} from './transport.js';

/** Templates reviewed with the server, shipped next to dist/ (package.json `files`). */
export const SHIPPED_TEMPLATES = packageFile('@portcullis/crm', import.meta.url, 'templates');

/** Demo contacts on the suppression list, so the opt-out refusal can be seen without setup. */
export const DEMO_SUPPRESSED_CONTACT = 3;

function transportFor(cfg: CrmConfig, services: KitServices): EmailTransport {
  switch (cfg.CRM_EMAIL_TRANSPORT) {
    case 'smtp': {
      const passwordRef = cfg.CRM_SMTP_PASSWORD;
      return new SmtpTransport({
        host: cfg.CRM_SMTP_HOST ?? '',
        port: cfg.CRM_SMTP_PORT,
        security: cfg.CRM_SMTP_SECURITY,
        ...(cfg.CRM_SMTP_USER !== undefined ? { user: cfg.CRM_SMTP_USER } : {}),
        ...(passwordRef !== undefined
          ? {
              withPassword: <T>(fn: (p: string) => Promise<T>) =>
                services.credentials.withSecret(passwordRef, 'CRM_SMTP_PASSWORD', fn),
            }
          : {}),
        ...(cfg.CRM_SMTP_CA_FILE !== undefined ? { ca: readCa(cfg.CRM_SMTP_CA_FILE) } : {}),
      });
    }
    case 'ses': {
      const idRef = cfg.CRM_SES_ACCESS_KEY_ID;
      const secretRef = cfg.CRM_SES_SECRET_ACCESS_KEY;
      return new SesTransport({
        region: cfg.CRM_SES_REGION ?? '',
        ...(cfg.CRM_SES_ENDPOINT !== undefined ? { endpoint: cfg.CRM_SES_ENDPOINT } : {}),
        ...(cfg.CRM_SES_CONFIGURATION_SET !== undefined
          ? { configurationSet: cfg.CRM_SES_CONFIGURATION_SET }
          : {}),
        ...(idRef !== undefined && secretRef !== undefined
          ? {
              credentials: async () => ({
                accessKeyId: await services.credentials.get(idRef, 'CRM_SES_ACCESS_KEY_ID'),
                secretAccessKey: await services.credentials.get(secretRef, 'CRM_SES_SECRET_ACCESS_KEY'),
              }),
            }
          : {}),
      });
    }
    default:
      return new FileTransport(join(services.dataDir, 'outbox'));
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`CRM_SMTP_CA_FILE: cannot read ${path}.`);
  }
}

/**
 * HubSpot keeps consent as subscription status: a contact unsubscribed portal-wide ("opted out of
 * all email"), or from the configured subscription type, is refused.
 */
function hubspotConsent(backend: HubSpotBackend, subscriptionId: string | undefined): ConsentCheck {
  return async (tenant, contact, signal) => {
    if (contact.email === null) return null;
    let statuses;
    try {
      statuses = await backend.emailSubscriptionStatuses(tenant, contact.email, { signal });
    } catch (err) {
      // Keep the address (part of the request path) out of logs: pass on only what the kit needs.
      if (err instanceof PortcullisError)
        throw new PortcullisError({
          code: err.code,
          category: err.category,
          message: err.message,
          retryable: err.retryable,
          ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
          internal: new Error(
            withoutAddresses(String((err.internal as Error | undefined)?.message ?? err.code)),
          ),
        });
      throw errors.upstream('hubspot', new Error(withoutAddresses(String((err as Error).message))));
    }
    const out = statuses.find(
      (s) =>
        s.status === 'NOT_SUBSCRIBED' &&
        (s.sourceOfStatus === 'PORTAL_WIDE_STATUS' ||
          (subscriptionId !== undefined && s.id === subscriptionId)),
    );
    if (out === undefined) return null;
    return out.sourceOfStatus === 'PORTAL_WIDE_STATUS'
      ? 'unsubscribed from all e-mail in HubSpot'
      : `unsubscribed from HubSpot subscription ${out.id}`;
  };
}

/** Builds the e-mail service at start: invalid templates or settings stop the server here. */
export async function openEmail(
  services: KitServices,
  cfg: CrmConfig,
  backend: CrmBackend,
): Promise<EmailService> {
  const templates = loadTemplates(SHIPPED_TEMPLATES, cfg.CRM_EMAIL_TEMPLATE_DIR);
  const transport = transportFor(cfg, services);
  const svc = new EmailService({
    store: services.store,
    ledger: await IdempotencyLedger.open(services.store),
    templates,
    transport,
    from: cfg.CRM_EMAIL_FROM,
    limits: {
      dailySendBudget: cfg.CRM_EMAIL_DAILY_SEND_BUDGET,
      contactDailyLimit: cfg.CRM_EMAIL_CONTACT_DAILY_LIMIT,
    },
    ...(backend.kind === 'hubspot'
      ? { consent: hubspotConsent(backend as HubSpotBackend, cfg.CRM_HUBSPOT_EMAIL_SUBSCRIPTION_ID) }
      : {}),
  });
  if (backend.kind === 'embedded' && crmSeedFor(cfg, services.env) === 'demo') {
    for (const tenant of Object.keys(DEMO_TENANTS)) {
      await services.store.query(
        `INSERT INTO crm_email_suppressions (tenant, contact_id, reason) VALUES ($1, $2, 'unsubscribed (demo data)')
         ON CONFLICT (tenant, contact_id) DO NOTHING`,
        [tenant, seedId('con', tenant, DEMO_SUPPRESSED_CONTACT)],
      );
    }
  }
  services.logger.info(
    { transport: transport.kind, templates: templates.size, from: cfg.CRM_EMAIL_FROM },
    'CRM e-mail ready',
  );
  return svc;
}

/** Attaches the e-mail service to either backend, and closes it with the backend. */
export async function withEmail<B extends CrmBackend>(
  services: KitServices,
  cfg: CrmConfig,
  backend: B,
): Promise<B> {
  const email = await openEmail(services, cfg, backend);
  backend.email = email;
  const closeBackend = backend.close.bind(backend);
  backend.close = async () => {
    await email.close();
    await closeBackend();
  };
  return backend;
}

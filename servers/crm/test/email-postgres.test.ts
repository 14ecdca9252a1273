/**
 * Customer e-mail limits on a PostgreSQL server (a deployment's DATABASE_URL), where transactions
 * run side by side on a pool of connections: concurrent sends cannot all pass on one count.
 * Skipped, with the reason, when no PostgreSQL binaries are installed; CI installs them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness } from '@portcullis/core/testing';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import type { CrmBackend } from '../src/index.js';
import { server } from '../src/index.js';
import { contactsAt } from './email-fixture.js';

const followUp = (contactId: string, key: string) => ({
  contact_id: contactId,
  template: 'follow_up',
  variables: { topic: 'the platform renewal' },
  idempotency_key: key,
});

withPostgres('CRM e-mail limits on PostgreSQL', (pg) => {
  let h: InProcessHarness<CrmBackend>;
  let frank: InProcessClient; // rep, west
  let dave: InProcessClient; // manager, west

  beforeAll(async () => {
    h = await startInProcess(server, {
      principal: { id: 'frank', roles: ['rep'], tenant: 'acme', attributes: { team: 'west' } },
      env: {
        CRM_BACKEND: 'embedded',
        CRM_SEED: 'demo',
        DATABASE_URL: pg().url,
        CRM_EMAIL_DAILY_SEND_BUDGET: '3',
        CRM_EMAIL_CONTACT_DAILY_LIMIT: '2',
      },
    });
    frank = h;
    dave = await h.as({ id: 'dave', roles: ['manager'], tenant: 'acme', attributes: { team: 'west' } });
  });

  afterAll(async () => {
    await h?.close();
  });

  const emls = () => {
    try {
      return readdirSync(join(h.dataDir, 'outbox')).length;
    } catch {
      return 0;
    }
  };

  describe('concurrent sends', () => {
    it('deliver at most the per-contact limit to one contact', async () => {
      const c = contactsAt('frank')[0]!;
      const outs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          frank.callTool('crm_send_email', followUp(c.id, `pg-contact-${i}-${Date.now()}`)),
        ),
      );
      expect(outs.filter((r) => !r.isError)).toHaveLength(2);
      for (const r of outs.filter((o) => o.isError))
        expect(r.envelope).toMatchObject({
          code: 'denied_by_policy',
          details: { policies: ['crm-email-contact-cool-down'] },
        });
      expect(emls()).toBe(2);
    });

    it("keep to one sender's daily budget across contacts", async () => {
      const before = emls();
      const outs = await Promise.all(
        contactsAt('frank')
          .slice(1, 11)
          .map((c, i) => dave.callTool('crm_send_email', followUp(c.id, `pg-budget-${i}-${Date.now()}`))),
      );
      expect(outs.filter((r) => !r.isError)).toHaveLength(3);
      for (const r of outs.filter((o) => o.isError))
        expect(r.envelope?.details?.policies).toEqual(['crm-email-daily-budget']);
      expect(emls() - before).toBe(3);
    });
  });
});

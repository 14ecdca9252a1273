/**
 * Customer e-mail on the HubSpot backend: consent comes from the contact's e-mail subscription
 * status (communication preferences v3, read through the official SDK from the fake), the billing
 * link from a contact property, and the email activity lands in HubSpot as an engagement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { FakeHubSpot } from '@portcullis/fakes/hubspot';
import type { CrmBackend } from '../src/index.js';
import { generateSeed, server } from '../src/index.js';
import { hubspotEnv, loadIntoFake } from './hubspot-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
const TOKEN = 'pat-na1-email-test-secret-token';
const seed = generateSeed('acme', { accounts: 24 });

let fake: FakeHubSpot;
let h: InProcessHarness<CrmBackend>;
let ids: Map<string, string>;

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

const accountOf = (id: string) => seed.accounts.find((a) => a.id === id)!;
const aliceContacts = seed.contacts.filter(
  (c) => c.account_id !== null && c.email !== null && accountOf(c.account_id).owner_id === 'alice',
);
let n = 0;
const send = (contactSeedId: string) =>
  h.callTool('crm_send_email', {
    contact_id: ids.get(contactSeedId)!,
    template: 'follow_up',
    variables: { topic: 'the renewal' },
    idempotency_key: `hubspot-email-${++n}-${Date.now()}`,
  });

beforeAll(async () => {
  fake = await FakeHubSpot.start({ tokens: [TOKEN], customProperties: { companies: ['portcullis_region'] } });
  ids = loadIntoFake(fake, seed);
  h = await startInProcess(server, {
    principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    env: hubspotEnv(fake, TOKEN, 'acme', { CRM_HUBSPOT_EMAIL_SUBSCRIPTION_ID: '7' }),
  });
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('e-mail on HubSpot', () => {
  it('returns the billing link from the configured contact property', async () => {
    const linked = seed.contacts.find((c) => c.billing_customer_id !== null)!;
    const out = ok(await h.callTool('crm_get_contact', { id: ids.get(linked.id)! }));
    expect(out.contact.billing_customer_id).toBe(linked.billing_customer_id);
  });

  it('sends to a subscribed contact and logs the email engagement in HubSpot', async () => {
    const c = aliceContacts[0]!;
    fake.setSubscriptionStatuses(c.email!, [
      { id: '7', name: 'Customer service', status: 'SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
      // Another subscription type opted out does not stop a message of this kind.
      { id: '9', name: 'Newsletter', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
    ]);
    const emailsBefore = fake.count('emails');
    const out = ok(await send(c.id));
    expect(out.to.email).toBeNull();
    expect(fake.count('emails')).toBe(emailsBefore + 1);
    expect(fake.associated('emails', out.message.activity_id, 'contacts')).toEqual([ids.get(c.id)]);
    expect(fake.requests.some((r) => r.path.startsWith('/communication-preferences/v3/status/email/'))).toBe(
      true,
    );
  });

  it('refuses a contact unsubscribed from all e-mail, or from the configured subscription type', async () => {
    const all = aliceContacts[1]!;
    fake.setSubscriptionStatuses(all.email!, [
      { id: '7', name: 'Customer service', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'PORTAL_WIDE_STATUS' },
    ]);
    const e1 = (await send(all.id)).envelope!;
    expect(e1).toMatchObject({ code: 'contact_opted_out', category: 'forbidden' });
    expect(e1.message).toMatch(/all e-mail/);
    const one = aliceContacts[2]!;
    fake.setSubscriptionStatuses(one.email!, [
      { id: '7', name: 'Customer service', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
    ]);
    const e2 = (await send(one.id)).envelope!;
    expect(e2).toMatchObject({ code: 'contact_opted_out' });
    expect(JSON.stringify([e1, e2])).not.toContain('@');
  });

  it('retries a rate-limited consent read through the kit', async () => {
    const c = aliceContacts[3]!;
    fake.failNext(1, { status: 429, retryAfterSeconds: 0 });
    ok(await send(c.id));
  });
});

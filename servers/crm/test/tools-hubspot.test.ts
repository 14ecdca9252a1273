/**
 * The same tools over the HubSpot connector, wired by createBackend from settings (credential
 * reference, base URL, id maps) and called through the kit's upstream path (limiter, retries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { FakeHubSpot } from '@portcullis/fakes/hubspot';
import type { CrmBackend } from '../src/index.js';
import { generateSeed, server } from '../src/index.js';
import { HUB_OWNERS, hubspotEnv, loadIntoFake } from './hubspot-fixture.js';

// Tool results are asserted field by field; their shapes are the output schemas, checked by the kit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
const TOKEN = 'pat-na1-in-process-secret-token';

let fake: FakeHubSpot;
let h: InProcessHarness<CrmBackend>;
let ids: Map<string, string>;
let alicePii: InProcessClient;
let grace: InProcessClient;
const seed = generateSeed('acme', { accounts: 24 });

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

beforeAll(async () => {
  fake = await FakeHubSpot.start({ tokens: [TOKEN], customProperties: { companies: ['portcullis_region'] } });
  ids = loadIntoFake(fake, seed);
  h = await startInProcess(server, {
    principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    env: hubspotEnv(fake, TOKEN),
  });
  alicePii = await h.as({
    id: 'alice',
    roles: ['rep', 'pii_reader'],
    tenant: 'acme',
    attributes: { team: 'east' },
  });
  grace = await h.as({ id: 'grace', roles: ['admin'], tenant: 'globex' });
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('CRM tools on HubSpot', () => {
  it("pages through the portal's companies to the end", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = ok(await h.callTool('crm_search_accounts', { limit: 10, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.accounts.map((a: Row) => a.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(seen.sort()).toEqual(seed.accounts.map((a) => ids.get(a.id)!).sort());
  });

  it('summarises an account and withholds personal data without pii_reader', async () => {
    const acc = seed.accounts.find((a) => a.owner_id === 'alice')!;
    const r = ok(await h.callTool('crm_get_account', { id: ids.get(acc.id)! }));
    expect(r.account).toMatchObject({ name: acc.name, owner_id: 'alice', team: 'east', region: acc.region });
    expect(r.contacts.total).toBe(seed.contacts.filter((c) => c.account_id === acc.id).length);
    const contacts = ok(
      await h.callTool('crm_search_contacts', { account_id: ids.get(acc.id)!, limit: 100 }),
    );
    for (const c of contacts.contacts)
      expect(c).toMatchObject({ email: null, redacted_fields: ['email', 'phone'] });
    const withPii = ok(
      await alicePii.callTool('crm_search_contacts', { account_id: ids.get(acc.id)!, limit: 100 }),
    );
    expect(withPii.contacts.every((c: Row) => typeof c.email === 'string')).toBe(true);
  });

  it('creates once per idempotency key, retrying a 429 through the kit', async () => {
    const acc = ids.get(seed.accounts.find((a) => a.owner_id === 'alice')!.id)!;
    const before = fake.count('contacts');
    fake.failNext(1, { status: 429, retryAfterSeconds: 0 });
    const args = {
      first_name: 'Hub',
      last_name: 'Spotter',
      email: 'hub.spotter@example.org',
      account_id: acc,
      idempotency_key: 'hubspot-in-process-1',
    };
    const first = ok(await h.callTool('crm_create_contact', args));
    const again = ok(await h.callTool('crm_create_contact', args));
    expect(again).toMatchObject({ replayed: true, contact: { id: first.contact.id } });
    expect(fake.count('contacts')).toBe(before + 1);
    expect(fake.requests.some((r) => r.status === 429)).toBe(true);
    expect(fake.get('contacts', first.contact.id)!.properties).toMatchObject({
      hubspot_owner_id: HUB_OWNERS.alice,
      email: 'hub.spotter@example.org',
    });
    const stale = ok(
      await h.callTool('crm_update_contact', {
        id: first.contact.id,
        version: first.contact.version,
        changes: { title: 'Buyer' },
      }),
    );
    expect(stale.contact.version).toBeGreaterThan(first.contact.version);
    const conflict = await h.callTool('crm_update_contact', {
      id: first.contact.id,
      version: first.contact.version,
      changes: { title: 'CEO' },
    });
    expect(conflict.envelope).toMatchObject({ code: 'stale_version', category: 'conflict' });
  });

  it('enforces stage rules and ownership on deals', async () => {
    const mine = seed.opportunities.find((o) => o.owner_id === 'alice' && o.stage === 'prospecting')!;
    const list = ok(
      await h.callTool('crm_search_opportunities', { account_id: ids.get(mine.account_id)!, limit: 100 }),
    );
    const deal = list.opportunities.find((o: Row) => o.id === ids.get(mine.id))!;
    const illegal = await h.callTool('crm_update_opportunity_stage', {
      id: deal.id,
      version: deal.version,
      stage: 'proposal',
    });
    expect(illegal.envelope).toMatchObject({ code: 'illegal_stage_transition' });
    const moved = ok(
      await h.callTool('crm_update_opportunity_stage', {
        id: deal.id,
        version: deal.version,
        stage: 'qualification',
      }),
    );
    expect(fake.get('deals', deal.id)!.properties.dealstage).toBe('qualifiedtobuy');
    expect(moved.opportunity.stage).toBe('qualification');
    const bobs = seed.opportunities.find((o) => o.owner_id === 'bob')!;
    const denied = await h.callTool('crm_log_activity', {
      type: 'note',
      subject: 'x',
      opportunity_id: ids.get(bobs.id)!,
    });
    expect(denied.envelope?.category).toBe('forbidden');
  });

  it("refuses moving a contact to another team's company, changing no association", async () => {
    const own = ids.get(seed.accounts.find((a) => a.owner_id === 'alice')!.id)!;
    const west = ids.get(seed.accounts.find((a) => a.team === 'west')!.id)!;
    const c = ok(
      await h.callTool('crm_create_contact', { first_name: 'Hub', last_name: 'Mover', account_id: own }),
    ).contact;
    const r = await h.callTool('crm_update_contact', {
      id: c.id,
      version: c.version,
      changes: { account_id: west },
    });
    expect(r.envelope).toMatchObject({
      code: 'not_permitted',
      category: 'forbidden',
      details: { record: { type: 'account', id: west } },
    });
    expect(fake.associated('contacts', c.id, 'companies')).toEqual([own]);
    expect(ok(await h.callTool('crm_get_contact', { id: c.id })).contact.account_id).toBe(own);
  });

  it('serves only its configured tenant', async () => {
    const r = await grace.callTool('crm_search_accounts', {});
    expect(r.envelope?.category).toBe('not_found');
    const g = await grace.callTool('crm_get_account', { id: ids.get(seed.accounts[0]!.id)! });
    expect(g.envelope?.category).toBe('not_found');
  });

  it('never lets the token reach results or the audit trail', async () => {
    expect(readFileSync(h.auditFile, 'utf8')).not.toContain(TOKEN);
    const r = await h.callTool('crm_search_accounts', { limit: 1 });
    expect(JSON.stringify(r.raw)).not.toContain(TOKEN);
  });
});

describe('CRM settings', () => {
  it('stop start-up with a message naming the variable', async () => {
    const { readConfig } = await import('../src/index.js');
    expect(() => readConfig({ CRM_BACKEND: 'salesforce' })).toThrow(/CRM_BACKEND/);
    expect(() => readConfig({ CRM_BACKEND: 'hubspot', CRM_HUBSPOT_TENANT: 'acme' })).toThrow(
      /CRM_HUBSPOT_TOKEN/,
    );
    expect(() => readConfig({ CRM_BACKEND: 'hubspot', CRM_HUBSPOT_TOKEN: 'env:X' })).toThrow(
      /CRM_HUBSPOT_TENANT/,
    );
    expect(() =>
      readConfig({
        CRM_BACKEND: 'hubspot',
        CRM_HUBSPOT_TOKEN: 'pat-na1-raw-token',
        CRM_HUBSPOT_TENANT: 'acme',
      }),
    ).toThrow(/credential reference/);
    expect(() => readConfig({ CRM_HUBSPOT_BASE_URL: 'http://api.example.com' })).toThrow(
      /CRM_HUBSPOT_BASE_URL/,
    );
    expect(() => readConfig({ CRM_HUBSPOT_STAGE_MAP: 'won=closedwon' })).toThrow(/CRM_HUBSPOT_STAGE_MAP/);
    expect(readConfig({})).toMatchObject({
      CRM_BACKEND: 'embedded',
      CRM_SEED: 'demo',
      CRM_HUBSPOT_BASE_URL: 'https://api.hubapi.com',
    });
    expect(readConfig({ CRM_HUBSPOT_OWNER_MAP: 'alice=101, bob = 102' }).CRM_HUBSPOT_OWNER_MAP).toEqual({
      alice: '101',
      bob: '102',
    });
  });

  it('refuse to start when the HubSpot token cannot be resolved', async () => {
    await expect(
      startInProcess(server, {
        env: {
          CRM_BACKEND: 'hubspot',
          CRM_HUBSPOT_TOKEN: 'env:CRM_TEST_MISSING_TOKEN',
          CRM_HUBSPOT_TENANT: 'acme',
          CRM_HUBSPOT_BASE_URL: fake.url,
        },
      }),
    ).rejects.toThrow(/CRM_HUBSPOT_TOKEN/);
  });
});

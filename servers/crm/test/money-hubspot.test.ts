/**
 * Deal money on the HubSpot connector. A deal without `deal_currency_code` (a portal without
 * multi-currency) is in the portal's company currency: CRM_HUBSPOT_CURRENCY, else HubSpot's
 * account details, never an assumed USD. An amount that is not a number is refused, not read as 0.
 * The thresholds differ per currency here (USD 1,000,000.00, EUR and GBP 50,000.00), so a deal
 * measured in the wrong currency passes as small.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssociationTypes } from '@hubspot/api-client';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { FakeHubSpot } from '@portcullis/fakes/hubspot';
import type { CrmBackend } from '../src/index.js';
import { readConfig, server } from '../src/index.js';
import { hubspotEnv } from './hubspot-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
const TOKEN = 'pat-na1-money-test-token';
const ACCOUNT_INFO = '/account-info/v3/details';

let fake: FakeHubSpot;
let companyId: string;
const harnesses: InProcessHarness<CrmBackend>[] = [];

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

function accountInfoCalls(): number {
  return fake.requests.filter((r) => r.method === 'GET' && r.path === ACCOUNT_INFO).length;
}

/** A CRM on the fake portal; alice (rep, team east) calls, carol is the east manager. */
async function startCrm(extra: Record<string, string> = {}) {
  const h = await startInProcess<CrmBackend>(server, {
    principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    env: hubspotEnv(fake, TOKEN, 'acme', {
      CRM_LARGE_DEAL_THRESHOLD: 'USD:100000000,EUR:5000000,GBP:5000000',
      ...extra,
    }),
  });
  harnesses.push(h);
  const carol: InProcessClient = await h.as({
    id: 'carol',
    roles: ['manager'],
    tenant: 'acme',
    attributes: { team: 'east' },
  });
  return { h, carol };
}

/** An alice-owned deal in negotiation (`contractsent`); properties as HubSpot stores them. */
function seedDeal(properties: Record<string, string | null>): { id: string; version: number } {
  const id = fake.seed(
    'deals',
    {
      dealstage: 'contractsent',
      pipeline: 'default',
      closedate: '2026-06-30T00:00:00.000Z',
      hubspot_owner_id: '101',
      hubspot_team_id: '11',
      ...properties,
    },
    [{ toObjectType: 'companies', toObjectId: companyId, associationTypeId: AssociationTypes.dealToCompany }],
  );
  return { id, version: fake.get('deals', id)!.updatedAt };
}

async function search(h: InProcessHarness<CrmBackend>, query: string): Promise<ToolCallOutcome> {
  return h.callTool('crm_search_opportunities', { query });
}

beforeAll(async () => {
  fake = await FakeHubSpot.start({
    tokens: [TOKEN],
    customProperties: { companies: ['portcullis_region'] },
    companyCurrency: 'EUR',
  });
  for (const [id, firstName] of [
    ['101', 'Alice'],
    ['103', 'Carol'],
  ] as const) {
    fake.addOwner({
      id,
      email: `${firstName.toLowerCase()}@acme.example`,
      firstName,
      lastName: 'Example',
      teams: [{ id: '11', name: 'east', primary: true }],
    });
  }
  companyId = fake.seed('companies', {
    name: 'Euro Widgets',
    portcullis_region: 'emea',
    hubspot_owner_id: '101',
    hubspot_team_id: '11',
  });
});

afterAll(async () => {
  for (const h of harnesses) await h.close();
  await fake?.close();
});

describe('deal currency on HubSpot', () => {
  it("reads a deal without a code in the portal's currency, and a large one needs a manager", async () => {
    const { h, carol } = await startCrm();
    const coded = seedDeal({ dealname: 'Coded renewal', amount: '60000', deal_currency_code: 'USD' });
    const before = accountInfoCalls();
    expect(ok(await search(h, 'coded')).opportunities).toEqual([
      expect.objectContaining({ id: coded.id, amount: 60_000, currency: 'USD' }),
    ]);
    // A deal with its own code costs no account-info call.
    expect(accountInfoCalls()).toBe(before);

    const bare = seedDeal({ dealname: 'Portal renewal', amount: '60000' });
    expect(ok(await search(h, 'portal')).opportunities).toEqual([
      expect.objectContaining({ id: bare.id, amount: 60_000, currency: 'EUR' }),
    ]);
    expect(accountInfoCalls()).toBe(before + 1);

    // 60,000 EUR is at least EUR 50,000.00: the rep may not close it as won ...
    const refused = await h.callTool('crm_update_opportunity_stage', {
      id: bare.id,
      version: bare.version,
      stage: 'closed_won',
    });
    expect(refused.envelope).toMatchObject({
      category: 'forbidden',
      code: 'denied_by_policy',
      details: { policies: ['crm-large-deal-close'] },
    });
    expect(fake.get('deals', bare.id)!.properties.dealstage).toBe('contractsent');
    // ... while the same number in USD is below USD 1,000,000.00.
    ok(
      await h.callTool('crm_update_opportunity_stage', {
        id: coded.id,
        version: coded.version,
        stage: 'closed_won',
      }),
    );
    const won = ok(
      await carol.callTool('crm_update_opportunity_stage', {
        id: bare.id,
        version: bare.version,
        stage: 'closed_won',
      }),
    );
    expect(won.opportunity).toMatchObject({ stage: 'closed_won', currency: 'EUR' });
    // Asked once for the process.
    expect(accountInfoCalls()).toBe(before + 1);
  });

  it('takes CRM_HUBSPOT_CURRENCY instead of asking HubSpot', async () => {
    const { h } = await startCrm({ CRM_HUBSPOT_CURRENCY: 'gbp' });
    const bare = seedDeal({ dealname: 'Setting renewal', amount: '60000' });
    const before = accountInfoCalls();
    expect(ok(await search(h, 'setting')).opportunities).toEqual([
      expect.objectContaining({ id: bare.id, currency: 'GBP' }),
    ]);
    const refused = await h.callTool('crm_update_opportunity_stage', {
      id: bare.id,
      version: bare.version,
      stage: 'closed_won',
    });
    expect(refused.envelope).toMatchObject({ code: 'denied_by_policy' });
    expect(accountInfoCalls()).toBe(before);
  });

  it('refuses an unknown CRM_HUBSPOT_CURRENCY at start, naming the variable', () => {
    expect(() => readConfig({ CRM_HUBSPOT_CURRENCY: 'XYZ' })).toThrow(/CRM_HUBSPOT_CURRENCY/);
    expect(() => readConfig({ CRM_HUBSPOT_CURRENCY: 'euro' })).toThrow(/CRM_HUBSPOT_CURRENCY/);
    expect(readConfig({ CRM_HUBSPOT_CURRENCY: 'eur' }).CRM_HUBSPOT_CURRENCY).toBe('EUR');
  });

  it('fails the read when the portal currency cannot be had, and asks again next time', async () => {
    const { h } = await startCrm();
    const bare = seedDeal({ dealname: 'Outage renewal', amount: '60000' });
    try {
      fake.failAccountInfo({ status: 503 });
      let before = accountInfoCalls();
      const down = await search(h, 'outage');
      expect(down.envelope).toMatchObject({
        code: 'deal_currency_unknown',
        category: 'upstream',
        retryable: true,
      });
      expect(down.envelope?.message).toContain(`HubSpot deal ${bare.id} has no currency code`);
      expect(down.envelope?.remediation).toContain('CRM_HUBSPOT_CURRENCY');
      expect(accountInfoCalls()).toBeGreaterThan(before);
      fake.failAccountInfo(undefined);

      // An answer without a usable companyCurrency is no answer either, and is not kept.
      for (const garbled of [undefined, 'euro', '']) {
        fake.setCompanyCurrency(garbled);
        before = accountInfoCalls();
        const r = await search(h, 'outage');
        expect(r.envelope).toMatchObject({ code: 'deal_currency_unknown', retryable: false });
        expect(accountInfoCalls()).toBe(before + 1);
      }

      fake.setCompanyCurrency('EUR');
      before = accountInfoCalls();
      expect(ok(await search(h, 'outage')).opportunities).toEqual([
        expect.objectContaining({ id: bare.id, currency: 'EUR' }),
      ]);
      ok(await search(h, 'outage'));
      expect(accountInfoCalls()).toBe(before + 1);
    } finally {
      fake.failAccountInfo(undefined);
      fake.setCompanyCurrency('EUR');
    }
  });
});

describe('deal amount on HubSpot', () => {
  it('refuses a stage change of a deal whose amount is not a number', async () => {
    const { h } = await startCrm();
    const garbled = seedDeal({ dealname: 'Garbled renewal', amount: 'lots', deal_currency_code: 'EUR' });
    const r = await h.callTool('crm_update_opportunity_stage', {
      id: garbled.id,
      version: garbled.version,
      stage: 'closed_won',
    });
    expect(r.envelope).toMatchObject({ code: 'invalid_deal_amount', category: 'upstream' });
    expect(r.envelope?.message).toContain(`HubSpot deal ${garbled.id}`);
    expect(fake.get('deals', garbled.id)!.properties.dealstage).toBe('contractsent');

    // No amount at all is HubSpot's "no amount": 0, which a rep may close.
    const empty = seedDeal({ dealname: 'Empty renewal', amount: null, deal_currency_code: 'EUR' });
    const won = ok(
      await h.callTool('crm_update_opportunity_stage', {
        id: empty.id,
        version: empty.version,
        stage: 'closed_won',
      }),
    );
    expect(won.opportunity).toMatchObject({ stage: 'closed_won', amount: 0 });
  });
});

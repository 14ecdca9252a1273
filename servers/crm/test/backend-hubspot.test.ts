import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisError, Redactor, createLogger, migrate, openStore } from '@portcullis/core';
import type { Store } from '@portcullis/core';
import { CredentialResolver } from '@portcullis/core/credentials';
import { CursorCodec } from '@portcullis/core/cursor';
import { withRetry } from '@portcullis/core/retry';
import { FakeHubSpot } from '@portcullis/fakes/hubspot';
import { HubSpotBackend } from '../src/hubspot.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { generateSeed } from '../src/seed.js';
import { backendSuite } from './backend-suite.js';
import { HUB_OWNERS, HUB_TEAMS, loadIntoFake } from './hubspot-fixture.js';

interface Rig {
  fake: FakeHubSpot;
  store: Store;
  backend: HubSpotBackend;
  env: Record<string, string>;
  ids: Map<string, string>;
  close(): Promise<void>;
}

/** The connector wired as createBackend wires it: credential resolver (refresh on 401) and the kit's retry policy. */
async function rig(): Promise<Rig> {
  const fake = await FakeHubSpot.start({
    tokens: ['pat-na1-first-token'],
    customProperties: { companies: ['portcullis_region'] },
  });
  const ids = loadIntoFake(fake, generateSeed('acme', { accounts: 30 }));
  const store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'crm', migrations);
  const env: Record<string, string> = { HUBSPOT_TOKEN: 'pat-na1-first-token' };
  const redactor = new Redactor();
  const logger = createLogger({ name: 'crm-test', level: 'silent', redactor });
  const credentials = new CredentialResolver({ redactor, logger, env });
  const backend = await HubSpotBackend.open({
    store,
    cursors: new CursorCodec(randomBytes(32)),
    baseUrl: fake.url,
    tenant: 'acme',
    withToken: (fn) => credentials.withSecret('env:HUBSPOT_TOKEN', 'CRM_HUBSPOT_TOKEN', fn),
    callUpstream: (fn, signal) =>
      withRetry(({ signal: s }) => fn(s), { system: 'hubspot', signal, minTimeoutMs: 1, maxTimeoutMs: 5 }),
    owners: HUB_OWNERS,
    teams: HUB_TEAMS,
  });
  return {
    fake,
    store,
    backend,
    env,
    ids,
    async close() {
      await fake.close();
      await store.close();
    },
  };
}

backendSuite('hubspot (fake HubSpot API)', async () => {
  const r = await rig();
  return {
    backend: r.backend,
    tenant: 'acme',
    otherTenant: 'globex',
    otherTenantOwner: 'grace',
    owner: 'alice',
    ownerTeam: 'east',
    otherOwner: 'bob',
    pageSize: 7,
    close: () => r.close(),
  };
});

describe('hubspot connector specifics', () => {
  let r: Rig;
  let companyId: string;

  beforeAll(async () => {
    r = await rig();
    companyId = [...r.ids.values()][0]!;
  });
  afterAll(async () => {
    await r?.close();
  });

  it('retries a 429 honouring Retry-After, and 5xx', async () => {
    r.fake.failNext(1, { status: 429, retryAfterSeconds: 0 });
    r.fake.failNext(1, { status: 503 });
    const before = r.fake.requests.length;
    const a = await r.backend.getAccount('acme', companyId);
    expect(a?.id).toBe(companyId);
    expect(r.fake.requests.slice(before).map((x) => x.status)).toEqual([429, 503, 200]);
  });

  it('gives up on a persistent 429 with a retryable upstream error', async () => {
    r.fake.failNext(10, { status: 429, retryAfterSeconds: 0 });
    try {
      const err = await r.backend.getAccount('acme', companyId).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PortcullisError);
      expect((err as PortcullisError).category).toBe('upstream');
      expect((err as PortcullisError).retryable).toBe(true);
    } finally {
      // Drain whatever injected failures the retries did not consume.
      for (let i = 0; i < 10; i++) {
        if ((await r.backend.getAccount('acme', companyId).catch(() => null)) !== null) break;
      }
    }
  });

  it('re-resolves a rotated token once after a 401', async () => {
    r.fake.setTokens(['pat-na1-second-token']);
    r.env.HUBSPOT_TOKEN = 'pat-na1-second-token';
    const before = r.fake.requests.length;
    expect((await r.backend.getAccount('acme', companyId))?.id).toBe(companyId);
    expect(r.fake.requests.slice(before).map((x) => x.status)).toEqual([401, 200]);
  });

  it('reports a revoked token as a final upstream error that names no secret', async () => {
    r.fake.setTokens(['pat-na1-third-token']);
    const err = (await r.backend.getAccount('acme', companyId).catch((e: unknown) => e)) as PortcullisError;
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err.category).toBe('upstream');
    expect(err.retryable).toBe(false);
    expect(JSON.stringify(err.toEnvelope('a'))).not.toContain('pat-na1');
    r.fake.setTokens(['pat-na1-second-token']);
  });

  it('treats an edit made in HubSpot itself as a new version', async () => {
    const c = (await r.backend.searchContacts('acme', { account_id: companyId }, { cursor: null, limit: 1 }))
      .items[0]!;
    const res = await fetch(`${r.fake.url}/crm/v3/objects/contacts/${c.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer pat-na1-second-token', 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { jobtitle: 'Edited in HubSpot' } }),
    });
    expect(res.status).toBe(200);
    const err = (await r.backend
      .updateContact('acme', c.id, c.version, { title: 'Mine' }, { idempotencyKey: null })
      .catch((e: unknown) => e)) as PortcullisError;
    expect(err.code).toBe('stale_version');
    expect(r.fake.get('contacts', c.id)!.properties.jobtitle).toBe('Edited in HubSpot');
  });

  it('writes HubSpot shapes: owner, team, deal stage ids, associations', async () => {
    const { record } = await r.backend.createOpportunity(
      'acme',
      {
        account_id: companyId,
        name: 'Shape check',
        stage: 'proposal',
        amount: 42_000,
        currency: 'EUR',
        close_date: '2026-06-30',
        owner_id: 'bob',
      },
      { idempotencyKey: null },
    );
    const stored = r.fake.get('deals', record.id)!;
    expect(stored.properties).toMatchObject({
      dealname: 'Shape check',
      dealstage: 'presentationscheduled',
      amount: '42000',
      deal_currency_code: 'EUR',
      hubspot_owner_id: '102',
      hubspot_team_id: '12',
      pipeline: 'default',
    });
    expect(r.fake.associated('deals', record.id, 'companies')).toEqual([companyId]);
    expect(record).toMatchObject({ owner_id: 'bob', team: 'west', stage: 'proposal' });
  });

  it('refuses a deal stage it cannot map, naming the setting', async () => {
    const id = r.fake.seed(
      'deals',
      { dealname: 'Odd', dealstage: 'decisionmakerboughtin', amount: '1', pipeline: 'default' },
      [{ toObjectType: 'companies', toObjectId: companyId, associationTypeId: 341 }],
    );
    const err = (await r.backend.getOpportunity('acme', id).catch((e: unknown) => e)) as PortcullisError;
    expect(err.code).toBe('unmapped_stage');
    expect(err.remediation).toContain('CRM_HUBSPOT_STAGE_MAP');
  });

  it('answers not_found for every other tenant', async () => {
    const err = (await r.backend
      .searchAccounts('globex', {}, { cursor: null, limit: 5 })
      .catch((e: unknown) => e)) as PortcullisError;
    expect(err.category).toBe('not_found');
    expect(await r.backend.getOwner('globex', 'alice')).toBeNull();
  });

  it('keeps HubSpot search within its documented limits', async () => {
    await r.backend.searchContacts(
      'acme',
      { query: 'ada becker', account_id: companyId, owner_id: 'alice' },
      { cursor: null, limit: 100 },
    );
    const searches = r.fake.requests.filter((x) => x.path.endsWith('/search'));
    expect(searches.every((x) => x.status === 200)).toBe(true);
  });
});

/**
 * Live mode's GetFindings pages through the kit's read cache: a repeated read within the TTL does
 * not reach Security Hub, the principal's account scope and the tenant are part of every key.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsAccountCredentials, parseAccountRoles } from '@portcullis/core/aws-accounts';
import { ReadCache, cacheConfigFromEnv, type CacheResult } from '@portcullis/core/cache';
import { CursorCodec } from '@portcullis/core/cursor';
import { startFakeSecurityHub, type FakeSecurityHub } from '@portcullis/fakes/aws-securityhub';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import { parseLiveTenants } from '../src/config.js';
import { SecurityHubBackend } from '../src/securityhub-backend.js';
import { ACME_ACCOUNTS, DEV, GLOBEX, HUB_REGION, PROD, dataset } from './backend-fixture.js';

const TENANTS = JSON.stringify({
  acme: { administrator_account: PROD, accounts: ACME_ACCOUNTS },
  globex: { administrator_account: GLOBEX, accounts: [GLOBEX] },
});

const BASE = { accessKeyId: 'AKIABASEPOSTURE00002', secretAccessKey: 'base-secret-for-the-fakes-only' };
const ADMIN_ROLE = `arn:aws:iam::${PROD}:role/portcullis-posture-read`;
const ROLES = JSON.stringify({ [PROD]: { role_arn: ADMIN_ROLE } });

let hub: FakeSecurityHub;
let sts: FakeSts;

beforeAll(async () => {
  hub = await startFakeSecurityHub();
  sts = await startFakeSts();
  sts.allowRole(ADMIN_ROLE);
  const data = dataset();
  hub.findings.set(HUB_REGION, [...data.acme, ...data.globex]);
});

afterAll(async () => {
  await hub?.close();
  await sts?.close();
});

const getFindings = () => hub.requests.filter((r) => r.operation === 'GetFindings').length;

function live() {
  const results: string[] = [];
  const cache = new ReadCache({
    config: cacheConfigFromEnv({ PORTCULLIS_CACHE_TTL: 'finding=1m,findings=30s' }),
    logger: pino({ level: 'silent' }),
    onResult: (_s: string, type: string, result: CacheResult) => results.push(`${type}/${result}`),
  });
  const backend = new SecurityHubBackend({
    region: HUB_REGION,
    endpoint: hub.endpoint,
    tenants: parseLiveTenants(TENANTS, 'POSTURE_SECURITYHUB_TENANTS'),
    cursors: new CursorCodec(randomBytes(32)),
    credentials: new AwsAccountCredentials({
      roles: parseAccountRoles(ROLES),
      system: 'posture-read',
      stsEndpoint: sts.endpoint,
      region: HUB_REGION,
      masterCredentials: BASE,
      credentials: {} as ConstructorParameters<typeof AwsAccountCredentials>[0]['credentials'],
    }),
    // The backend's own scan reuse is off, so every read below is the cache's to answer.
    scanTtlMs: 0,
    cache: cache.forUpstream('securityhub', 'test-hub'),
  });
  return { backend, results };
}

describe('Security Hub reads through the read cache', () => {
  it('answers a repeated search and finding read without Security Hub', async () => {
    const { backend, results } = live();
    const page = { cursor: null, limit: 5, principal: 'sam' };
    const first = await backend.searchFindings('acme', null, { severity_at_least: 'high' }, page);
    expect(first.items.length).toBeGreaterThan(0);
    const n = getFindings();
    const second = await backend.searchFindings('acme', null, { severity_at_least: 'high' }, page);
    expect(second.items).toEqual(first.items);
    expect(getFindings()).toBe(n);
    const id = first.items[0]!.id;
    const detail = await backend.getFinding('acme', null, id);
    expect(detail?.finding.id).toBe(id);
    const m = getFindings();
    expect(await backend.getFinding('acme', null, id)).toEqual(detail);
    expect(getFindings()).toBe(m);
    expect(results).toContain('finding/hit');
    expect(results).toContain('findings/hit');
    await backend.close();
  });

  it('the AWS SDK reuses one kept-alive TCP connection (its NodeHttpHandler default)', async () => {
    const { backend } = live();
    const connections = hub.connections;
    const requests = getFindings();
    for (let i = 0; i < 3; i++)
      await backend.searchFindings('acme', null, { account: ACME_ACCOUNTS[i]! }, { cursor: null, limit: 1 });
    expect(getFindings() - requests).toBeGreaterThanOrEqual(3);
    expect(hub.connections - connections).toBeLessThanOrEqual(1);
    await backend.close();
  });

  it("keeps the principal's account scope and the tenant in the key", async () => {
    const { backend } = live();
    const all = await backend.searchFindings('acme', null, {}, { cursor: null, limit: 100 });
    const prod = all.items.find((f) => f.account === PROD)!;
    expect(await backend.getFinding('acme', null, prod.id)).not.toBeNull();
    // Cached for the whole tenant; a principal scoped to DEV still does not get it.
    expect(await backend.getFinding('acme', [DEV], prod.id)).toBeNull();
    const devOnly = await backend.searchFindings('acme', [DEV], {}, { cursor: null, limit: 100 });
    expect(devOnly.items.every((f) => f.account === DEV)).toBe(true);
    // Another tenant never sees acme's cached pages.
    expect(await backend.getFinding('globex', null, prod.id)).toBeNull();
    const theirs = await backend.searchFindings('globex', null, {}, { cursor: null, limit: 100 });
    expect(theirs.items.every((f) => f.account === GLOBEX)).toBe(true);
    await backend.close();
  });
});

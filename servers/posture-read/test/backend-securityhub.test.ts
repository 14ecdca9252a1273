/**
 * POSTURE_BACKEND=securityhub: the backend contract suite against the local Security Hub fake
 * (through the official SDK), then what only live mode has: reads only (every API operation is
 * recorded), the administrator account's role assumed through STS, throttling retried by the kit,
 * an access denial as a clear error, the scan bound, and the server wired from its settings.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisError } from '@portcullis/core';
import { AwsAccountCredentials, parseAccountRoles } from '@portcullis/core/aws-accounts';
import { CursorCodec } from '@portcullis/core/cursor';
import { withRetry } from '@portcullis/core/retry';
import { startInProcess } from '@portcullis/core/testing';
import { startFakeSecurityHub, type FakeSecurityHub } from '@portcullis/fakes/aws-securityhub';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import { parseLiveTenants } from '../src/config.js';
import { fromAsff } from '../src/importers/normalize.js';
import { findingId } from '../src/ingest.js';
import { server } from '../src/index.js';
import { SecurityHubBackend, type SecurityHubBackendOptions } from '../src/securityhub-backend.js';
import { SecurityHubSource } from '../src/securityhub.js';
import { ACME_ACCOUNTS, DEV, GLOBEX, HUB_REGION, PROD, dataset } from './backend-fixture.js';
import { postureBackendSuite } from './backend-suite.js';

const BASE = { accessKeyId: 'AKIABASEPOSTURE00001', secretAccessKey: 'base-secret-for-the-fakes-only' };
const ADMIN_ROLE = `arn:aws:iam::${PROD}:role/portcullis-posture-read`;
const EXTERNAL_ID = 'posture-external-id-5b1e';
const TENANTS = JSON.stringify({
  acme: { administrator_account: PROD, accounts: ACME_ACCOUNTS },
  globex: { administrator_account: GLOBEX, accounts: [GLOBEX] },
});
const ROLES = JSON.stringify({ [PROD]: { role_arn: ADMIN_ROLE, external_id: 'env:POSTURE_EXTERNAL_ID' } });

let hub: FakeSecurityHub;
let sts: FakeSts;

beforeAll(async () => {
  hub = await startFakeSecurityHub();
  sts = await startFakeSts();
  sts.allowRole(ADMIN_ROLE, { externalId: EXTERNAL_ID });
  const data = dataset();
  hub.findings.set(HUB_REGION, [...data.acme, ...data.globex]);
});

afterAll(async () => {
  await hub?.close();
  await sts?.close();
});

function backend(over: Partial<SecurityHubBackendOptions> = {}): SecurityHubBackend {
  const credentials = new AwsAccountCredentials({
    roles: parseAccountRoles(ROLES),
    system: 'posture-read',
    stsEndpoint: sts.endpoint,
    region: HUB_REGION,
    masterCredentials: BASE,
    credentials: {
      get: async () => EXTERNAL_ID,
    } as unknown as ConstructorParameters<typeof AwsAccountCredentials>[0]['credentials'],
  });
  return new SecurityHubBackend({
    region: HUB_REGION,
    endpoint: hub.endpoint,
    tenants: parseLiveTenants(TENANTS, 'POSTURE_SECURITYHUB_TENANTS'),
    credentials,
    cursors: new CursorCodec(randomBytes(32)),
    callUpstream: (fn, signal) =>
      withRetry(({ signal: s }) => fn(s), {
        system: 'securityhub',
        ...(signal ? { signal } : {}),
        minTimeoutMs: 1,
        maxTimeoutMs: 5,
      }),
    ...over,
  });
}

postureBackendSuite('AWS Security Hub, live (fake over the wire)', async () => {
  const b = backend();
  return { backend: b, history: true, close: () => b.close() };
});

async function failure(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  }
  throw new Error('expected the call to fail');
}

describe('Security Hub live mode', () => {
  it('called only GetFindings and GetFindingHistory, each acme call signed by the assumed administrator role', () => {
    expect(hub.requests.length).toBeGreaterThan(20);
    expect(new Set(hub.requests.map((r) => r.operation))).toEqual(
      new Set(['GetFindings', 'GetFindingHistory']),
    );
    // Reads only: every operation any call made is a Get, List or Describe.
    for (const r of hub.requests) expect(r.operation).toMatch(/^(Get|List|Describe|BatchGet)[A-Z]/);
    const history = hub.requests.filter((r) => r.operation === 'GetFindingHistory');
    for (const r of history) {
      const id = (r.body?.FindingIdentifier as { Id?: string } | undefined)?.Id ?? '';
      expect(ACME_ACCOUNTS.some((a) => id.includes(`:${a}:`))).toBe(true);
      expect(sts.issued.get(r.accessKeyId)?.roleArn).toBe(ADMIN_ROLE);
    }
    const acme = hub.requests.filter((r) => {
      const accounts = (r.body?.Filters as { AwsAccountId?: { Value: string }[] } | undefined)?.AwsAccountId;
      return accounts?.some((a) => a.Value !== GLOBEX);
    });
    expect(acme.length).toBeGreaterThan(0);
    for (const r of acme) {
      const issued = sts.issued.get(r.accessKeyId);
      expect(issued?.roleArn).toBe(ADMIN_ROLE);
      expect(issued?.sessionName).toBe('portcullis-posture-read');
      expect(r.sessionToken).toBe(issued?.sessionToken);
    }
    expect(sts.assumeRoleCalls.every((c) => c.externalId === EXTERNAL_ID)).toBe(true);
    // globex has no role: its administrator account is read with the base credentials.
    const globex = hub.requests.filter((r) => r.accessKeyId === BASE.accessKeyId);
    expect(globex.length).toBeGreaterThan(0);
    // Every request names only accounts of one tenant.
    for (const r of hub.requests.filter((x) => x.operation === 'GetFindings')) {
      const values = ((r.body?.Filters as { AwsAccountId?: { Value: string }[] }).AwsAccountId ?? []).map(
        (a) => a.Value,
      );
      expect(values.length).toBeGreaterThan(0);
      expect(values.every((v) => v === GLOBEX) || values.every((v) => ACME_ACCOUNTS.includes(v))).toBe(true);
    }
  });

  it('gives a finding its status history from GetFindingHistory, every page, oldest first', async () => {
    const raw = dataset().acme.find(
      (x) =>
        (x.Workflow as { Status: string }).Status === 'NEW' &&
        x.RecordState === 'ACTIVE' &&
        (x.Compliance as { Status: string }).Status === 'FAILED',
    )!;
    const inc = fromAsff(raw, 0);
    expect(inc.status).toBe('open');
    const id = findingId('acme', inc.source, inc.source_id);
    const at = (minute: number) => new Date(Date.UTC(2025, 10, 1, 0, minute)).toISOString();
    const update = (minute: number, field: string, from: string, to: string) => ({
      UpdateTime: at(minute),
      FindingCreated: false,
      UpdateSource: { Type: 'BATCH_UPDATE_FINDINGS', Identity: `arn:aws:iam::${PROD}:user/analyst` },
      Updates: [{ UpdatedField: field, OldValue: from, NewValue: to }],
    });
    // Out of order and over two pages (100 a page): a creation, a suppression, 120 severity
    // changes (no status change), an archive while suppressed (none either), and a reopening.
    hub.histories.set(raw.Id as string, [
      update(300, 'Workflow.Status', 'SUPPRESSED', 'NEW'),
      ...Array.from({ length: 120 }, (_, i) => update(10 + i, 'Severity.Label', 'LOW', 'HIGH')),
      update(200, 'RecordState', 'ARCHIVED', 'ACTIVE'),
      update(150, 'RecordState', 'ACTIVE', 'ARCHIVED'),
      update(5, 'Workflow.Status', 'NEW', 'SUPPRESSED'),
      {
        UpdateTime: at(0),
        FindingCreated: true,
        UpdateSource: { Type: 'BATCH_IMPORT_FINDINGS' },
        Updates: [],
      },
    ]);
    try {
      const before = hub.requests.length;
      const d = await backend().getFinding('acme', null, id);
      const calls = hub.requests.slice(before).filter((r) => r.operation === 'GetFindingHistory');
      expect(calls).toHaveLength(2);
      expect(calls[0]!.body?.FindingIdentifier).toEqual({ Id: raw.Id, ProductArn: raw.ProductArn });
      expect(d!.history).toEqual([
        {
          at: at(0),
          from_status: null,
          to_status: 'open',
          import_batch: 'securityhub-live',
          note: 'first seen (BATCH_IMPORT_FINDINGS)',
        },
        {
          at: at(5),
          from_status: 'open',
          to_status: 'suppressed',
          import_batch: 'securityhub-live',
          note: 'status open -> suppressed (BATCH_UPDATE_FINDINGS)',
        },
        {
          at: at(300),
          from_status: 'suppressed',
          to_status: 'open',
          import_batch: 'securityhub-live',
          note: 'status suppressed -> open (BATCH_UPDATE_FINDINGS)',
        },
      ]);
      // A denied history read is the same clear error as a denied search, never a half answer.
      const source = new SecurityHubSource({
        region: HUB_REGION,
        endpoint: hub.endpoint,
        credentials: () => Promise.resolve(BASE),
        callUpstream: (fn) => fn(new AbortController().signal),
      });
      hub.failNext(1, { status: 403, type: 'AccessDeniedException' });
      const err = await failure(
        source.findingHistory({ Id: raw.Id as string, ProductArn: raw.ProductArn as string }),
      );
      source.close();
      expect(err.code).toBe('upstream_forbidden');
      expect(err.message).toContain('GetFindingHistory');
    } finally {
      hub.histories.delete(raw.Id as string);
    }
  });

  it('sends the principal’s accounts and the filters Security Hub can apply', async () => {
    const b = backend();
    const before = hub.requests.length;
    await b.searchFindings(
      'acme',
      [DEV],
      { severity_at_least: 'high', status: ['open'], resource_type: 'AwsS3Bucket', rule: 'S3.8' },
      { cursor: null, limit: 5 },
    );
    const filters = hub.requests.slice(before).map((r) => r.body?.Filters as Record<string, unknown>);
    for (const f of filters)
      expect(f).toMatchObject({
        AwsAccountId: [{ Value: DEV, Comparison: 'EQUALS' }],
        SeverityLabel: [
          { Value: 'HIGH', Comparison: 'EQUALS' },
          { Value: 'CRITICAL', Comparison: 'EQUALS' },
        ],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        ResourceType: [{ Value: 'AwsS3Bucket', Comparison: 'EQUALS' }],
        ComplianceSecurityControlId: [{ Value: 'S3.8', Comparison: 'EQUALS' }],
      });
    await b.close();
  });

  it('carries Security Hub’s NextToken inside the kit’s signed cursor, not as a raw token', async () => {
    const b = backend();
    const page = await b.searchFindings('acme', null, {}, { cursor: null, limit: 100, principal: 'sam' });
    const tokens = hub.requests
      .map((r) => (r.body as { NextToken?: string } | null)?.NextToken)
      .filter((t): t is string => t !== undefined);
    expect(page.next_cursor).not.toBeNull();
    const next = await b.searchFindings(
      'acme',
      null,
      {},
      { cursor: page.next_cursor, limit: 100, principal: 'sam' },
    );
    const used = (hub.requests.at(-1)!.body as { NextToken?: string }).NextToken;
    expect(used).toBeDefined();
    expect(page.next_cursor).not.toContain(used);
    expect(tokens.length).toBeGreaterThan(0);
    expect(next.items.length).toBeGreaterThan(0);
    await b.close();
  });

  it('retries throttling (429 with Retry-After) with the kit’s retry', async () => {
    const b = backend();
    const before = hub.requests.length;
    hub.failNext(2, { status: 429, type: 'TooManyRequestsException', retryAfterSeconds: 0 });
    const page = await b.searchFindings('globex', null, {}, { cursor: null, limit: 10 });
    expect(page.items.length).toBe(10);
    const statuses = hub.requests.slice(before).map((r) => r.status);
    expect(statuses.slice(0, 3)).toEqual([429, 429, 200]);
    await b.close();
  });

  it('turns an access denial into a clear error naming the permission', async () => {
    const b = backend();
    hub.failNext(1, { status: 403, type: 'AccessDeniedException', message: 'not authorized' });
    const err = await failure(b.summarizeFindings('globex', null, {}, ['severity']));
    expect(err.code).toBe('upstream_forbidden');
    expect(err.message).toContain('securityhub:GetFindings');
    await b.close();
  });

  it('says so when the administrator role cannot be assumed', async () => {
    const b = backend({
      credentials: new AwsAccountCredentials({
        roles: parseAccountRoles(ROLES),
        system: 'posture-read',
        stsEndpoint: sts.endpoint,
        masterCredentials: BASE,
        maxAttempts: 1,
        credentials: {
          get: async () => 'a-wrong-external-id',
        } as unknown as ConstructorParameters<typeof AwsAccountCredentials>[0]['credentials'],
      }),
    });
    const err = await failure(b.searchFindings('acme', null, {}, { cursor: null, limit: 5 }));
    expect(err.code).toBe('upstream_forbidden');
    expect(err.message).toContain(ADMIN_ROLE);
    expect(err.message).not.toContain('a-wrong-external-id');
    await b.close();
  });

  it('refuses, with a way forward, a count that would read more than the scan bound', async () => {
    const b = backend({ maxScan: 100 });
    const err = await failure(b.summarizeFindings('acme', null, {}, ['severity']));
    expect(err.code).toBe('live_scan_limit');
    expect(err.remediation).toMatch(/sync securityhub/);
    await b.close();
  });

  it('serves the tools from Security Hub when the server is configured for it', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = BASE.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = BASE.secretAccessKey;
    const h = await startInProcess(server, {
      principal: { id: 'sam', roles: ['analyst'], tenant: 'acme' },
      env: {
        POSTURE_BACKEND: 'securityhub',
        POSTURE_SECURITYHUB_REGION: HUB_REGION,
        POSTURE_SECURITYHUB_TENANTS: TENANTS,
        POSTURE_SECURITYHUB_ENDPOINT: hub.endpoint,
        AWS_ACCOUNT_ROLES: ROLES,
        AWS_ENDPOINT_URL_STS: sts.endpoint,
        POSTURE_EXTERNAL_ID: EXTERNAL_ID,
      },
    });
    try {
      const before = hub.requests.length;
      const res = await h.callTool('posture_search_findings', { severity_at_least: 'critical', limit: 5 });
      expect(res.isError).toBeFalsy();
      expect(hub.requests.length).toBeGreaterThan(before);
      const out = res.structured as { findings: { severity: string }[]; total: number };
      expect(out.findings.length).toBe(5);
      expect(out.findings.every((i) => i.severity === 'critical')).toBe(true);
      const dana = await h.as({
        id: 'dana',
        roles: ['analyst'],
        tenant: 'acme',
        attributes: { accounts: [DEV] },
      });
      const scoped = await dana.callTool('posture_summarize_findings', { group_by: ['account'] });
      const groups = (scoped.structured as { groups: { keys: { account: string } }[] }).groups;
      expect(groups.map((g) => g.keys.account)).toEqual([DEV]);
    } finally {
      await h.close();
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  }, 120_000);

  it('refuses to start live mode without its region or tenants, naming the setting', async () => {
    await expect(
      startInProcess(server, {
        env: { POSTURE_BACKEND: 'securityhub', POSTURE_SECURITYHUB_TENANTS: TENANTS },
      }),
    ).rejects.toThrow(/POSTURE_SECURITYHUB_REGION is required/);
    await expect(
      startInProcess(server, {
        env: { POSTURE_BACKEND: 'securityhub', POSTURE_SECURITYHUB_REGION: HUB_REGION },
      }),
    ).rejects.toThrow(/POSTURE_SECURITYHUB_TENANTS is required/);
    expect(() =>
      parseLiveTenants(
        JSON.stringify({
          a: { administrator_account: PROD, accounts: [PROD] },
          b: { administrator_account: PROD, accounts: [PROD] },
        }),
        'POSTURE_SECURITYHUB_TENANTS',
      ),
    ).toThrow(/under two tenants/);
  }, 120_000);
});

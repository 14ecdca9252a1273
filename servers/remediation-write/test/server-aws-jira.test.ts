/**
 * The server as configured for a real estate: REMEDIATION_BACKEND=aws (the official S3 client,
 * the account's role assumed through STS with its external id) and REMEDIATION_TICKETS=jira
 * (Jira Cloud's REST API v3), against local fakes of S3, STS and Jira on 127.0.0.1. The same
 * tools as with the simulated backend; the bucket that changes is the fake's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJira, type FakeJira } from '@portcullis/fakes/jira';
import { startFakeS3, type FakeS3 } from '@portcullis/fakes/aws-s3';
import { startFakeSts, type FakeSts } from '@portcullis/fakes/aws-sts';
import { startRemediation, type Remediation } from './harness.js';

const PROD = '444455556666';
const ROLE = `arn:aws:iam::${PROD}:role/portcullis-remediation`;
const EXTERNAL_ID = 'ext-id-for-remediation-7d1f';
const JIRA_TOKEN = 'jira-api-token-only-in-env-5b2c';
const BUCKET = 'acme-live-exports';
// Two more accounts of the tenant with no role in AWS_ACCOUNT_ROLES: the one the server's own
// (base) credentials belong to, and one they do not.
const OWN = '121212121212';
const NO_ROLE = '343434343434';
const BASE_KEY = 'AKIABASESERVERTEST01';

let sts: FakeSts;
let s3: FakeS3;
let jira: FakeJira;
let r: Remediation;

beforeAll(async () => {
  sts = await startFakeSts();
  sts.allowRole(ROLE, { externalId: EXTERNAL_ID });
  sts.setBaseAccount(BASE_KEY, OWN);
  s3 = await startFakeS3();
  s3.buckets.set(BUCKET, { owner: PROD, publicAccessBlock: null, encryption: null });
  s3.buckets.set('acme-own-logs', { owner: OWN, publicAccessBlock: null, encryption: null });
  s3.buckets.set('acme-other-logs', { owner: NO_ROLE, publicAccessBlock: null, encryption: null });
  jira = await startFakeJira({ email: 'secops@example.com', token: JIRA_TOKEN, projects: { SEC: ['Task'] } });
  // The base credentials the SDK's default chain finds; the server only ever uses the assumed role.
  process.env.AWS_ACCESS_KEY_ID = BASE_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = 'base-secret-server-test';
  process.env.AWS_REGION = 'eu-west-1';
  r = await startRemediation({
    // Where env: credential references resolve from.
    REMEDIATION_EXTERNAL_ID: EXTERNAL_ID,
    REMEDIATION_JIRA_TOKEN: JIRA_TOKEN,
    REMEDIATION_BACKEND: 'aws',
    REMEDIATION_AWS_ENDPOINT: s3.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ACCOUNT_ROLES: JSON.stringify({
      [PROD]: { role_arn: ROLE, external_id: 'env:REMEDIATION_EXTERNAL_ID' },
    }),
    REMEDIATION_ACCOUNTS: JSON.stringify({
      [PROD]: { tenant: 'acme', name: 'acme-live', environment: 'production' },
      [OWN]: { tenant: 'acme', name: 'acme-own', environment: 'production' },
      [NO_ROLE]: { tenant: 'acme', name: 'acme-other', environment: 'production' },
    }),
    REMEDIATION_SEED: 'none',
    REMEDIATION_TICKETS: 'jira',
    REMEDIATION_JIRA_URL: jira.url,
    REMEDIATION_JIRA_EMAIL: 'secops@example.com',
    REMEDIATION_JIRA_API_TOKEN: 'env:REMEDIATION_JIRA_TOKEN',
    REMEDIATION_JIRA_PROJECT: 'SEC',
  });
}, 120_000);

afterAll(async () => {
  await r?.close();
  await Promise.all([s3?.close(), sts?.close(), jira?.close()]);
});

describe('REMEDIATION_BACKEND=aws and REMEDIATION_TICKETS=jira', () => {
  it('plans, approves and applies s3_block_public_access on the bucket S3 serves, as the assumed role', async () => {
    const planned = await r.responder.callTool('remediation_plan', {
      action: 's3_block_public_access',
      account: PROD,
      region: 'eu-west-1',
      resource: BUCKET,
      params: {},
      reason: 'Public bucket found by posture-read',
    });
    expect(planned.isError, planned.text).toBe(false);
    expect(planned.structured).toMatchObject({
      verdict: 'approval_required',
      before: { bucket: BUCKET, public_access_block: null },
    });
    const id = planned.structured!.plan_id as string;
    const approved = await r.approver.callTool('remediation_approve', { plan_id: id });
    expect(approved.isError, approved.text).toBe(false);
    const applied = await r.responder.callTool('remediation_apply', {
      plan_id: id,
      approval_token: approved.structured!.approval_token as string,
    });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured).toMatchObject({ plan: { status: 'applied' } });

    // The fake's bucket changed, through calls signed by the role's temporary credentials.
    expect(s3.buckets.get(BUCKET)!.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(
      sts.assumeRoleCalls.some((c) => c.roleArn === ROLE && c.sessionName === 'portcullis-remediation-write'),
    ).toBe(true);
    const writes = s3.requests.filter((q) => q.operation === 'PutPublicAccessBlock');
    expect(writes).toHaveLength(1);
    expect(sts.issued.has(writes[0]!.accessKeyId)).toBe(true);
    expect(writes[0]!.expectedOwner).toBe(PROD);
  });

  it('opens a Jira issue for a finding once, and returns its key again for the same finding', async () => {
    const args = {
      summary: 'Security group open to the internet on 22',
      finding_id: 'live-finding-sg-22',
      account: PROD,
      resource: 'sg-0123456789abcdef0',
      severity: 'high' as const,
      evidence: { port: 22, cidr: '0.0.0.0/0' },
    };
    const first = await r.responder.callTool('remediation_open_ticket', args);
    expect(first.isError, first.text).toBe(false);
    expect(first.structured).toMatchObject({ sink: 'jira', deduplicated: false, ticket_key: 'SEC-1' });
    expect(jira.issues).toHaveLength(1);
    const again = await r.responder.callTool('remediation_open_ticket', args);
    expect(again.structured).toMatchObject({ deduplicated: true, ticket_key: 'SEC-1' });
    expect(jira.issues).toHaveLength(1);
    // Neither the token nor the external id reaches the audit trail.
    const audit = JSON.stringify(r.h.auditRecords());
    expect(audit).not.toContain(JIRA_TOKEN);
    expect(audit).not.toContain(EXTERNAL_ID);
  });

  it("acts in an account with no role only with base credentials STS says are that account's", async () => {
    const plan = (account: string, bucket: string) =>
      r.responder.callTool('remediation_plan', {
        action: 's3_block_public_access',
        account,
        region: 'eu-west-1',
        resource: bucket,
        params: {},
        reason: 'Public bucket found by posture-read',
      });
    const before = s3.requests.length;
    const refused = await plan(NO_ROLE, 'acme-other-logs');
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('AWS_ACCOUNT_ROLES');
    expect(refused.text).not.toContain(OWN);
    // Refused before any call to S3 with the server's own credentials.
    expect(s3.requests.length).toBe(before);
    expect(sts.callerIdentityCalls).toContain(BASE_KEY);

    const own = await plan(OWN, 'acme-own-logs');
    expect(own.isError, own.text).toBe(false);
    const reads = s3.requests.slice(before);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((q) => q.accessKeyId === BASE_KEY && q.expectedOwner === OWN)).toBe(true);
  });
});

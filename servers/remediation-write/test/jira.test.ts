/**
 * The Jira Cloud sink against a local fake of REST API v3 "Create issue": the issue as Jira gets it
 * (project, issue type, summary, ADF description, labels) under basic auth with the API token from a
 * credential reference, 429 with Retry-After retried, 400/401/403 as clear errors that never carry
 * the token, and a rotated token picked up after a 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, Redactor } from '@portcullis/core';
import { CredentialResolver } from '@portcullis/core/credentials';
import { startFakeJira, type FakeJira } from '@portcullis/fakes/jira';
import { BackendError, type TicketRequest } from '../src/backend.js';
import { createJiraSink, type JiraSinkOptions } from '../src/jira.js';

const EMAIL = 'secbot@acme.example';
const TOKEN = 'ATATT3xFfGF0-jira-api-token-first';
const ROTATED = 'ATATT3xFfGF0-jira-api-token-second';

let jira: FakeJira;
const env: Record<string, string> = { JIRA_TOKEN: TOKEN };
let resolver: CredentialResolver;

beforeAll(async () => {
  jira = await startFakeJira({ email: EMAIL, token: TOKEN, projects: { SEC: ['Task', 'Bug'] } });
  const redactor = new Redactor();
  resolver = new CredentialResolver({
    redactor,
    logger: createLogger({ name: 'jira-test', level: 'silent', redactor }),
    env,
  });
});

afterAll(async () => {
  resolver?.close();
  await jira?.close();
});

function sink(over: Partial<JiraSinkOptions> = {}) {
  return createJiraSink({
    baseUrl: jira.url,
    email: EMAIL,
    apiTokenRef: 'env:JIRA_TOKEN',
    apiTokenSetting: 'REMEDIATION_JIRA_API_TOKEN',
    credentials: resolver,
    projectKey: 'SEC',
    baseDelayMs: 1,
    ...over,
  });
}

const request = (over: Partial<TicketRequest> = {}): TicketRequest => ({
  tenant: 'acme',
  summary: 'Public S3 bucket acme-prod-exports\nin prod',
  description:
    'The bucket acme-prod-exports is public.\n\nBefore: no public access block\nAfter: all four settings on',
  severity: 'critical',
  account: '111111111111',
  resource: 'arn:aws:s3:::acme-prod-exports',
  finding_id: 'fnd_0123456789abcdef01234567',
  plan_id: 'pln_42',
  labels: ['s3 public access', 'remediation'],
  ...over,
});

async function backendError(p: Promise<unknown>): Promise<BackendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  }
  throw new Error('expected a BackendError');
}

function expectNoToken(e: BackendError): void {
  for (const t of [TOKEN, ROTATED, Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')])
    expect(`${e.message} ${JSON.stringify(e.detail)}`).not.toContain(t);
}

describe('Jira Cloud sink', () => {
  it('creates an issue with the project, type, summary, ADF description and labels', async () => {
    const res = await sink().create(request());
    expect(res.key).toMatch(/^SEC-\d+$/);
    expect(res.url).toBe(`${jira.url}/browse/${res.key}`);
    const issue = jira.issues.find((i) => i.key === res.key)!;
    expect(issue.creator).toBe(EMAIL);
    const f = issue.fields as {
      project: { key: string };
      issuetype: { name: string };
      summary: string;
      description: { type: string; version: number; content: { type: string }[] };
      labels: string[];
    };
    expect(f.project).toEqual({ key: 'SEC' });
    expect(f.issuetype).toEqual({ name: 'Task' });
    expect(f.summary).toBe('Public S3 bucket acme-prod-exports in prod');
    expect(f.description.type).toBe('doc');
    expect(f.description.version).toBe(1);
    const text = JSON.stringify(f.description);
    expect(text).toContain('The bucket acme-prod-exports is public.');
    expect(text).toContain('After: all four settings on');
    expect(text).toContain('fnd_0123456789abcdef01234567');
    expect(text).toContain('pln_42');
    expect(f.labels).toEqual(['portcullis', 's3-public-access', 'remediation', 'severity-critical']);
  });

  it("reuses one kept-alive TCP connection (Node's fetch, undici, keeps alive by default)", async () => {
    const s = sink();
    const connections = jira.connections;
    const requests = jira.requests.length;
    for (let i = 0; i < 3; i++) await s.create(request({ summary: `keep-alive ${i}` }));
    expect(jira.requests.length - requests).toBe(3);
    expect(jira.connections - connections).toBeLessThanOrEqual(1);
  });

  it('waits as Retry-After says on 429 and succeeds', async () => {
    const before = jira.requests.length;
    jira.failNext(2, { status: 429, retryAfterSeconds: 0 });
    const res = await sink().create(request());
    expect(res.key).toMatch(/^SEC-\d+$/);
    expect(jira.requests.slice(before).map((r) => r.status)).toEqual([429, 429, 201]);
  });

  it('gives up as throttled after its attempts, or at once when Retry-After is too long', async () => {
    let before = jira.requests.length;
    jira.failNext(3, { status: 429, retryAfterSeconds: 0 });
    const e = await backendError(sink({ maxAttempts: 3 }).create(request()));
    expect(e.code).toBe('throttled');
    expect(jira.requests.length - before).toBe(3);
    before = jira.requests.length;
    jira.failNext(1, { status: 429, retryAfterSeconds: 3600 });
    const long = await backendError(sink({ maxRetryAfterMs: 5000 }).create(request()));
    expect(long.code).toBe('throttled');
    expect(jira.requests.length - before).toBe(1);
  });

  it('turns a 400 into invalid_target with Jira’s field errors', async () => {
    const e = await backendError(sink({ issueType: 'Epic' }).create(request()));
    expect(e.code).toBe('invalid_target');
    expect(e.message).toContain('issuetype: Specify a valid issue type');
    const p = await backendError(sink({ projectKey: 'NOPE' }).create(request()));
    expect(p.message).toContain('project: Specify a valid project ID or key');
    expectNoToken(p);
  });

  it('turns a 401 into access_denied naming the setting, never the token, after re-reading the token once', async () => {
    const before = jira.requests.length;
    const e = await backendError(sink({ email: 'someone-else@acme.example' }).create(request()));
    expect(e.code).toBe('access_denied');
    expect(e.message).toContain('REMEDIATION_JIRA_API_TOKEN');
    expectNoToken(e);
    expect(jira.requests.slice(before).map((r) => r.status)).toEqual([401, 401]);
  });

  it('picks up a rotated token after a 401', async () => {
    const s = sink();
    await s.create(request()); // caches the first token
    jira.setCredentials(EMAIL, ROTATED);
    env.JIRA_TOKEN = ROTATED;
    try {
      const res = await s.create(request());
      expect(res.key).toMatch(/^SEC-\d+$/);
    } finally {
      jira.setCredentials(EMAIL, TOKEN);
      env.JIRA_TOKEN = TOKEN;
      resolver.invalidate('env:JIRA_TOKEN');
    }
  });

  it('turns a 403 into access_denied naming the permission to grant', async () => {
    jira.readOnlyProjects.add('SEC');
    try {
      const e = await backendError(sink().create(request()));
      expect(e.code).toBe('access_denied');
      expect(e.message).toContain('Create issues permission');
      expectNoToken(e);
    } finally {
      jira.readOnlyProjects.delete('SEC');
    }
  });

  it('refuses a site that is not https, and an empty summary', async () => {
    expect(() => sink({ baseUrl: 'http://jira.example.com' })).toThrow(/https/);
    const e = await backendError(sink().create(request({ summary: ' \n ' })));
    expect(e.code).toBe('invalid_target');
  });
});

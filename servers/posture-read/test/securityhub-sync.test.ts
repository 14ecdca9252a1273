/**
 * `sync securityhub` through the official AWS SDK against a local fake of Security Hub's REST-JSON
 * API: paging with NextToken, --since as an UpdatedAt filter, the importer's mapping, counts and
 * idempotency, throttling retried by the kit, an access denial turned into one clear line with
 * nothing kept, refusal while a server holds the data directory, and a record of every API
 * operation called (reads only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeSecurityHub, type FakeSecurityHub } from '@portcullis/fakes/aws-securityhub';
import { openStore, type Store } from '@portcullis/core/store';
import { startInProcess } from '@portcullis/core/testing';
import { importFindings } from '../src/importers/importer.js';
import { server, storeExtensions } from '../src/index.js';
import { runSyncCli } from '../src/sync-cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FIXTURE_FINDINGS = (
  JSON.parse(readFileSync(join(FIXTURES, 'securityhub.asff.json'), 'utf8')) as {
    Findings: Record<string, unknown>[];
  }
).Findings;

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKESECURITYHUB1',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-the-local-fake-only',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** A Security Hub control finding as GetFindings returns it, numbered. */
function asff(i: number, region: string, updatedAt = '2025-11-29T08:00:00.000Z'): Record<string, unknown> {
  const account = ['111111111111', '222222222222'][i % 2]!;
  const control = ['S3.8', 'EC2.19', 'IAM.3'][i % 3]!;
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${account}:security-control/${control}/finding/gen-${i}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${control}`,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: '2025-10-01T08:00:00.000Z',
    UpdatedAt: updatedAt,
    Severity: { Label: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][i % 4], Original: 'x' },
    Title: `Generated control ${control} ${i}`,
    Description: 'A generated Security Hub finding.',
    Resources: [
      { Type: 'AwsS3Bucket', Id: `arn:aws:s3:::gen-bucket-${i}`, Region: region, Partition: 'aws' },
    ],
    Compliance: {
      Status: 'FAILED',
      SecurityControlId: control,
      RelatedRequirements: ['CIS AWS Foundations Benchmark v3.0.0/2.1.4'],
    },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}

let hub: FakeSecurityHub;

async function withStore<T>(dataDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await openStore({ dataDir, extensions: storeExtensions });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function sync(
  args: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runSyncCli(
    ['securityhub', ...args],
    { PORTCULLIS_DATA_DIR: dataDir, POSTURE_SECURITYHUB_ENDPOINT: hub.endpoint },
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
  );
  return { code, stdout, stderr };
}

beforeAll(async () => {
  for (const [k, v] of Object.entries(AWS_ENV)) vi.stubEnv(k, v);
  hub = await startFakeSecurityHub();
});
afterEach(() => {
  // Every call any test made was a read: Get/List/Describe/BatchGet only.
  for (const r of hub.requests) expect(r.operation).toMatch(/^(Get|List|Describe|BatchGet)[A-Z]/);
});
afterAll(async () => {
  await hub?.close();
  vi.unstubAllEnvs();
});

describe('sync securityhub', () => {
  it('pages through GetFindings of one region into the store, idempotently, with the importer mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-sync-'));
    hub.findings.set('us-east-1', [
      // Security Hub sets the top-level Region on every finding it returns (a file may omit it).
      ...FIXTURE_FINDINGS.map((f) => ({ Region: 'us-east-1', ...f })),
      ...Array.from({ length: 248 }, (_, i) => asff(i, 'us-east-1')),
    ]);
    hub.findings.set('eu-west-1', [asff(1000, 'eu-west-1')]);
    const before = hub.requests.length;
    const first = await sync(['--tenant', 'acme', '--region', 'us-east-1'], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^synced 250 Security Hub findings from us-east-1 into tenant acme \(batch sync_\w+\): new 250, updated 0, unchanged 0, resolved 0\n$/,
    );
    // Three pages of at most 100, each signed for securityhub in the region, the token passed on.
    const calls = hub.requests.slice(before);
    expect(calls.map((r) => [r.operation, r.status, r.region, r.accessKeyId])).toEqual(
      Array.from({ length: 3 }, () => ['GetFindings', 200, 'us-east-1', AWS_ENV.AWS_ACCESS_KEY_ID]),
    );
    expect(calls[0]!.body).toMatchObject({
      Filters: { Region: [{ Value: 'us-east-1', Comparison: 'EQUALS' }] },
      MaxResults: 100,
    });
    expect(calls[0]!.body).not.toHaveProperty('NextToken');
    expect(typeof calls[1]!.body?.NextToken).toBe('string');
    expect(typeof calls[2]!.body?.NextToken).toBe('string');

    // The same mapping as `import --format asff`: the fixture's findings come out identical.
    const byImport = mkdtempSync(join(tmpdir(), 'posture-sync-import-'));
    await withStore(byImport, async (s) => {
      const { migrate } = await import('@portcullis/core');
      const { migrations } = await import('../src/migrations.js');
      await migrate(s, 'posture-read', migrations);
      const { Readable } = await import('node:stream');
      await importFindings(s, Readable.from([JSON.stringify({ Findings: FIXTURE_FINDINGS })]), {
        tenant: 'acme',
        format: 'asff',
        sourceName: 'fixture',
      });
    });
    const cols =
      'source, source_id, rule, title, severity, status, account, region, resource_type, resource_id';
    const q = `SELECT ${cols} FROM posture_findings WHERE tenant = 'acme' AND source_id = ANY($1) ORDER BY source_id`;
    const ids = FIXTURE_FINDINGS.map((f) => f.Id as string);
    const imported = await withStore(byImport, (s) => s.query(q, [ids]));
    const synced = await withStore(dir, (s) => s.query(q, [ids]));
    expect(synced.rows).toHaveLength(2);
    expect(synced.rows).toEqual(imported.rows);
    const other = await withStore(dir, (s) =>
      s.query<{ n: string }>(`SELECT count(*) AS n FROM posture_findings WHERE region = 'eu-west-1'`),
    );
    expect(Number(other.rows[0]?.n)).toBe(0);

    const again = await sync(['--tenant', 'acme', '--region', 'us-east-1'], dir);
    expect(again.stdout).toContain('new 0, updated 0, unchanged 250, resolved 0');

    // --since: only what changed, through an UpdatedAt filter; a resolution lands in the history.
    const changed = asff(7, 'us-east-1', '2025-12-01T09:00:00.000Z');
    changed.Workflow = { Status: 'RESOLVED' };
    hub.findings.get('us-east-1')![9] = changed;
    const mark = hub.requests.length;
    const delta = await sync(
      ['--tenant', 'acme', '--region', 'us-east-1', '--since', '2025-12-01T00:00:00Z'],
      dir,
    );
    expect(delta.stdout).toMatch(
      /synced 1 Security Hub findings .*: new 0, updated 1, unchanged 0, resolved 1\n$/,
    );
    expect(hub.requests[mark]!.body).toMatchObject({
      Filters: { UpdatedAt: [{ Start: '2025-12-01T00:00:00.000Z' }] },
    });
    const status = await withStore(dir, (s) =>
      s.query<{ status: string }>('SELECT status FROM posture_findings WHERE source_id = $1', [changed.Id]),
    );
    expect(status.rows[0]?.status).toBe('resolved');
  }, 120_000);

  it('retries throttling (429 TooManyRequestsException, Retry-After) through the kit, not the SDK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-sync-429-'));
    hub.findings.set(
      'eu-central-1',
      Array.from({ length: 3 }, (_, i) => asff(i, 'eu-central-1')),
    );
    const mark = hub.requests.length;
    hub.failNext(2, {
      status: 429,
      type: 'TooManyRequestsException',
      message: 'Rate exceeded',
      retryAfterSeconds: 0,
    });
    const r = await sync(['--tenant', 'acme', '--region', 'eu-central-1'], dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('new 3,');
    // Two throttled attempts then the answer: one attempt each, so the SDK did not retry on its own.
    expect(hub.requests.slice(mark).map((x) => x.status)).toEqual([429, 429, 200]);
  }, 60_000);

  it('turns a 403 into one clear line and keeps nothing; a bad request is not retried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-sync-403-'));
    hub.findings.set('ap-south-1', [asff(1, 'ap-south-1')]);
    const mark = hub.requests.length;
    hub.failNext(1, {
      status: 403,
      type: 'AccessDeniedException',
      message: 'User: arn:aws:iam::111111111111:user/x is not authorized to perform: securityhub:GetFindings',
    });
    const r = await sync(['--tenant', 'acme', '--region', 'ap-south-1'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^portcullis-posture-read sync: Security Hub denied access \(AccessDeniedException\): .*securityhub:GetFindings.* Nothing from this sync was kept\.\n$/,
    );
    // The upstream's own message (it names a user ARN) stays out of the output.
    expect(r.stderr).not.toContain('arn:aws:iam');
    expect(hub.requests.slice(mark).map((x) => x.status)).toEqual([403]);
    const n = await withStore(dir, (s) =>
      s.query<{ n: string }>('SELECT count(*) AS n FROM posture_findings'),
    );
    expect(Number(n.rows[0]?.n)).toBe(0);

    // A failure on a later page rolls back the pages already written.
    hub.findings.set(
      'ap-south-1',
      Array.from({ length: 150 }, (_, i) => asff(i, 'ap-south-1')),
    );
    const failing = hub.requests.length;
    const run = sync(['--tenant', 'acme', '--region', 'ap-south-1'], dir);
    // Fail the second page: queue the failure once the first page has been asked for.
    const deadline = Date.now() + 30_000;
    while (hub.requests.length === failing && Date.now() < deadline)
      await new Promise((res) => setImmediate(res));
    hub.failNext(1, { status: 400, type: 'InvalidInputException', message: 'bad' });
    const partial = await run;
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(
      /Security Hub rejected the request \(InvalidInputException\)\..* Nothing from this sync was kept/,
    );
    expect(hub.requests.slice(failing).map((x) => x.status)).toEqual([200, 400]);
    const m = await withStore(dir, (s) =>
      s.query<{ n: string }>('SELECT count(*) AS n FROM posture_findings'),
    );
    expect(Number(m.rows[0]?.n)).toBe(0);
  }, 60_000);

  it('refuses bad arguments with usage (exit 64)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-sync-usage-'));
    const mark = hub.requests.length;
    expect((await sync(['--tenant', 'acme'], dir)).code).toBe(64);
    expect(
      (await sync(['--tenant', 'acme', '--region', 'us-east-1', '--since', 'yesterday'], dir)).code,
    ).toBe(64);
    expect((await sync(['--region', 'us-east-1'], dir)).code).toBe(64);
    let stderr = '';
    const code = await runSyncCli(
      ['stripe', '--tenant', 'acme', '--region', 'us-east-1'],
      {},
      {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (stderr += s) },
      },
    );
    expect(code).toBe(64);
    expect(stderr).toContain('the only source is securityhub');
    expect(hub.requests.length).toBe(mark);
  });

  it('refuses, in one line, while a server holds the embedded data directory (built CLI)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-sync-lock-'));
    const held = await startInProcess(server, { dataDir: dir, env: { POSTURE_SEED: 'none' } });
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [CLI, 'sync', 'securityhub', '--tenant', 'acme', '--region', 'us-east-1'],
          {
            env: {
              PATH: process.env.PATH,
              ...AWS_ENV,
              PORTCULLIS_DATA_DIR: dir,
              POSTURE_SECURITYHUB_ENDPOINT: hub.endpoint,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^portcullis-posture-read sync: PORTCULLIS_DATA_DIR .* is in use by another process \(pid \d+\)/,
      );
    } finally {
      await held.close();
    }
  }, 120_000);
});

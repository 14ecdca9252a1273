/**
 * The importers on real-shaped samples (Prowler OCSF, Security Hub ASFF, Trivy SARIF): mapping,
 * provenance, idempotent re-import with history, atomic failure naming the record and field, dry
 * run, the dead rows a re-import leaves vacuumed, a 100k-finding file streamed through, and the
 * command line (counts, refusal while a server holds the embedded data directory).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness } from '@portcullis/core/testing';
import type { Store } from '@portcullis/core/store';
import type { PostureBackend } from '../src/index.js';
import { server } from '../src/index.js';
import { COUNT_CAP } from '@portcullis/core/paging';
import { importFindings } from '../src/importers/importer.js';
import { ocsfFinding, ocsfStream } from './import-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => createReadStream(join(FIXTURES, name));

let h: InProcessHarness<PostureBackend>;
let store: Store;

async function count(tenant: string, table = 'posture_findings'): Promise<number> {
  const r = await store.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant = $1`, [
    tenant,
  ]);
  return Number(r.rows[0]?.n);
}

async function findingBySourceId(tenant: string, sourceId: string): Promise<Row> {
  const c = await h.as({ id: 'sam', roles: ['analyst'], tenant });
  const r = await store.query<{ id: string }>(
    'SELECT id FROM posture_findings WHERE tenant = $1 AND source_id = $2',
    [tenant, sourceId],
  );
  const res = await c.callTool('posture_get_finding', { id: r.rows[0]!.id });
  expect(res.isError, JSON.stringify(res.envelope)).toBe(false);
  return res.structured as Row;
}

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'sam', roles: ['analyst'], tenant: 'imp' },
    env: { POSTURE_SEED: 'none' },
  });
  store = h.runtime.host.store;
});
afterAll(async () => {
  await h?.close();
  rmSync(CLI_CACHE, { recursive: true, force: true });
});

describe('OCSF (Prowler)', () => {
  it('maps findings, assets, compliance, status and provenance', async () => {
    const r = await importFindings(store, fixture('prowler.ocsf.json'), {
      tenant: 'ocsf',
      format: 'auto',
      sourceName: 'prowler.ocsf.json',
    });
    expect(r).toMatchObject({
      format: 'ocsf',
      records: 3,
      counts: { new: 3, updated: 0, unchanged: 0, resolved: 0 },
    });
    const d = await findingBySourceId(
      'ocsf',
      'prowler-aws-s3_bucket_level_public_access_block-111111111111-us-east-1-acme-prod-exports',
    );
    expect(d.finding).toMatchObject({
      severity: 'critical',
      status: 'open',
      source: 'prowler',
      account: '111111111111',
      rule: 's3_bucket_level_public_access_block',
      resource_type: 'AwsS3Bucket',
    });
    expect(d.compliance).toEqual(
      expect.arrayContaining([
        { framework: 'cis-aws-foundations-3.0', control: '2.1.4' },
        { framework: 'pci-dss-4.0', control: '1.4.1' },
        { framework: 'iso27001-2013', control: 'A.13.1' },
      ]),
    );
    expect(d.provenance).toMatchObject({ import_batch: r.batch, first_seen: '2025-11-30T00:00:00.000Z' });
    expect(d.asset).toMatchObject({ public: true, internet_facing: true });
    expect(d.asset.untrusted.tags).toEqual({ env: 'prod', team: 'data' });
    expect(d.remediation_action.action).toBe('s3_block_public_access');
    const pass = await findingBySourceId(
      'ocsf',
      'prowler-aws-iam_user_accesskey_unused-111111111111-us-east-1-ci-deploy',
    );
    expect(pass.finding.status).toBe('resolved');
    expect(JSON.stringify(pass)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('re-importing never duplicates: unchanged records only move last seen; a changed status is updated, resolved and recorded', async () => {
    const again = await importFindings(store, fixture('prowler.ocsf.json'), {
      tenant: 'ocsf',
      format: 'ocsf',
      sourceName: 'again',
    });
    expect(again.counts).toEqual({ new: 0, updated: 0, unchanged: 3, resolved: 0 });
    expect(await count('ocsf')).toBe(3);
    const records = JSON.parse(readFileSync(join(FIXTURES, 'prowler.ocsf.json'), 'utf8')) as Row[];
    records[1]!.status_code = 'PASS';
    records[1]!.time_dt = '2025-12-01T00:00:00.000000';
    const changed = await importFindings(store, Readable.from([JSON.stringify(records)]), {
      tenant: 'ocsf',
      format: 'auto',
      sourceName: 'changed',
    });
    expect(changed.counts).toEqual({ new: 0, updated: 1, unchanged: 2, resolved: 1 });
    expect(await count('ocsf')).toBe(3);
    const sg = await findingBySourceId('ocsf', records[1]!.finding_info.uid as string);
    expect(sg.finding.status).toBe('resolved');
    expect(sg.provenance.last_seen).toBe('2025-12-01T00:00:00.000Z');
    expect(sg.history.map((x: Row) => [x.from_status, x.to_status])).toEqual([
      [null, 'open'],
      ['open', 'resolved'],
    ]);
  });
});

describe('ASFF (Security Hub)', () => {
  it('maps {"Findings": [...]} with control ids, related requirements and workflow state', async () => {
    const r = await importFindings(store, fixture('securityhub.asff.json'), {
      tenant: 'asff',
      format: 'auto',
      sourceName: 'sh.json',
    });
    expect(r).toMatchObject({ format: 'asff', records: 2, counts: { new: 2 } });
    const s3 = await findingBySourceId(
      'asff',
      'arn:aws:securityhub:us-east-1:222222222222:security-control/S3.8/finding/0b9c2f3e-1d2a-4b5c-8d7e-6f5a4b3c2d1e',
    );
    expect(s3.finding).toMatchObject({
      severity: 'high',
      status: 'open',
      source: 'securityhub',
      rule: 'S3.8',
      account: '222222222222',
    });
    expect(s3.compliance).toEqual([
      { framework: 'cis-aws-foundations-3.0', control: '2.1.4' },
      { framework: 'pci-dss-4.0', control: '1.4.4' },
    ]);
    expect(s3.finding.remediation_url).toBe(
      'https://docs.aws.amazon.com/console/securityhub/S3.8/remediation',
    );
    expect(s3.provenance.first_seen).toBe('2025-10-01T08:00:00.000Z');
    const iam = await findingBySourceId(
      'asff',
      'arn:aws:securityhub:us-east-1:222222222222:security-control/IAM.3/finding/5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c',
    );
    expect(iam.finding.status).toBe('resolved');
  });
});

describe('SARIF (Trivy)', () => {
  it('maps results with rule metadata, security-severity, suppressions, and redacts the snippet', async () => {
    const r = await importFindings(store, fixture('trivy.sarif.json'), {
      tenant: 'sarif',
      format: 'auto',
      sourceName: 'trivy.sarif',
      account: 'repo-app',
    });
    expect(r).toMatchObject({ format: 'sarif', records: 3, counts: { new: 3 } });
    const rows = await store.query<Row>(
      'SELECT source_id, rule, severity, status, source, account FROM posture_findings WHERE tenant = $1 ORDER BY rule',
      ['sarif'],
    );
    expect(rows.rows.map((x) => [x.rule, x.severity, x.status, x.source, x.account])).toEqual([
      ['AVD-AWS-0107', 'high', 'open', 'trivy', 'repo-app'],
      ['CVE-2023-38545', 'critical', 'suppressed', 'trivy', 'repo-app'],
      ['aws-access-key-id', 'critical', 'open', 'trivy', 'repo-app'],
    ]);
    const secret = rows.rows.find((x) => x.rule === 'aws-access-key-id')!;
    const d = await findingBySourceId('sarif', secret.source_id as string);
    const all = JSON.stringify(d);
    for (const s of [
      'AKIAIOSFODNN7EXAMPLE',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'MIIEowIBAAKCAQEA7c2bq8V1',
    ])
      expect(all).not.toContain(s);
    expect(d.evidence.snippet).toContain('[REDACTED:private_key]');
    expect(d.redactions.map((x: Row) => x.kind)).toEqual(
      expect.arrayContaining(['aws_access_key_id', 'private_key', 'secret_value']),
    );
    expect(d.finding.untrusted.title).toBe('AWS Access Key ID');
  });
});

describe('atomic per file', () => {
  it('stops at a malformed record, naming its index and field, and keeps nothing from the file', async () => {
    const good = [ocsfFinding(1), ocsfFinding(2), ocsfFinding(3)];
    const bad = [
      ...good.slice(0, 2),
      { ...ocsfFinding(4), finding_info: { title: 'no uid' } },
      ocsfFinding(5),
    ];
    // More than one chunk before the bad record, so earlier chunks were already written in the transaction.
    const many = [
      ...Array.from({ length: 1200 }, (_, i) => ocsfFinding(100 + i)),
      { ...ocsfFinding(9999), severity_id: 42, severity: 'apocalyptic' },
    ];
    await expect(
      importFindings(store, Readable.from([JSON.stringify(bad)]), {
        tenant: 'atomic',
        format: 'ocsf',
        sourceName: 'bad',
      }),
    ).rejects.toThrow(/^record 2: field finding_info\.uid: is required/);
    await expect(
      importFindings(store, Readable.from([JSON.stringify(many)]), {
        tenant: 'atomic',
        format: 'ocsf',
        sourceName: 'many',
      }),
    ).rejects.toThrow(/^record 1200: field severity: is not a severity/);
    await expect(
      importFindings(store, Readable.from(['[{"class_uid": 2004, "finding_info": {']), {
        tenant: 'atomic',
        format: 'ocsf',
        sourceName: 'torn.json',
      }),
    ).rejects.toThrow(/not valid JSON/);
    await expect(
      importFindings(store, Readable.from(['{"hello": "world"}']), {
        tenant: 'atomic',
        format: 'auto',
        sourceName: 'odd.json',
      }),
    ).rejects.toThrow(/could not tell the format/);
    expect(await count('atomic')).toBe(0);
    expect(await count('atomic', 'posture_assets')).toBe(0);
    expect(await count('atomic', 'posture_import_batches')).toBe(0);
  });

  it('a dry run reports exact counts and changes nothing', async () => {
    const file = [ocsfFinding(1), ocsfFinding(2), ocsfFinding(1)];
    const r = await importFindings(store, Readable.from([JSON.stringify(file)]), {
      tenant: 'dry',
      format: 'ocsf',
      sourceName: 'dry',
      dryRun: true,
    });
    expect(r).toMatchObject({
      dryRun: true,
      records: 3,
      counts: { new: 2, updated: 0, unchanged: 0, resolved: 0 },
    });
    expect(await count('dry')).toBe(0);
  });
});

describe('dead rows', () => {
  it('a re-import vacuums what it rewrote in the embedded store, so importing the same findings again does not grow it', async () => {
    const opts = { tenant: 'vacuum', format: 'ocsf' as const, sourceName: 'generated' };
    const stat = async () => {
      const { rows } = await store.query<{ vacuums: string; bytes: string }>(
        "SELECT vacuum_count AS vacuums, pg_relation_size(relid) AS bytes FROM pg_stat_user_tables WHERE relname = 'posture_findings'",
      );
      return { vacuums: Number(rows[0]!.vacuums), bytes: Number(rows[0]!.bytes) };
    };
    const exec = vi.spyOn(store, 'exec');
    try {
      await importFindings(store, ocsfStream(2_000), opts);
      const sizes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = await stat();
        exec.mockClear();
        // Unchanged findings: every one still gets its last-seen time and batch rewritten.
        const again = await importFindings(store, ocsfStream(2_000), opts);
        expect(again.counts.unchanged).toBe(2_000);
        expect(again.upkeepError).toBeUndefined();
        // The import's own upkeep (the store's background check may vacuum too, on its timer).
        expect(exec.mock.calls).toEqual([
          ['VACUUM (ANALYZE) posture_findings, posture_assets, posture_compliance, posture_history'],
        ]);
        const after = await stat();
        expect(after.vacuums).toBeGreaterThan(before.vacuums);
        sizes.push(after.bytes);
      }
      expect(sizes[2]).toBeLessThanOrEqual(sizes[0]!);
    } finally {
      exec.mockRestore();
    }
  }, 120_000);

  it('an upkeep that fails after the commit keeps the findings and says so beside the result', async () => {
    const real = store.exec.bind(store);
    const exec = vi.spyOn(store, 'exec').mockImplementation(async (sql: string) => {
      if (sql.startsWith('VACUUM')) throw new Error('could not extend file: No space left on device');
      return real(sql);
    });
    try {
      const r = await importFindings(store, ocsfStream(300), {
        tenant: 'upkeep',
        format: 'ocsf',
        sourceName: 'generated',
      });
      expect(r.counts.new).toBe(300);
      expect(r.upkeepError).toBe('could not extend file: No space left on device');
      expect(await count('upkeep')).toBe(300);
      // A dry run commits nothing and has no upkeep to run.
      exec.mockClear();
      const dry = await importFindings(store, ocsfStream(10), {
        tenant: 'upkeep',
        format: 'ocsf',
        sourceName: 'generated',
        dryRun: true,
      });
      expect(dry.upkeepError).toBeUndefined();
      expect(exec).not.toHaveBeenCalled();
    } finally {
      exec.mockRestore();
    }
  });
});

describe('100k findings', () => {
  it('streams a generated file of 100,000 findings in, each once', async () => {
    const r = await importFindings(store, ocsfStream(100_000), {
      tenant: 'bulk',
      format: 'auto',
      sourceName: 'generated',
    });
    expect(r).toMatchObject({
      format: 'ocsf',
      records: 100_000,
      counts: { new: 100_000, updated: 0, unchanged: 0, resolved: 0 },
    });
    expect(await count('bulk')).toBe(100_000);
    expect(await count('bulk', 'posture_assets')).toBe(15_000);
    const c = await h.as({ id: 'sam', roles: ['analyst'], tenant: 'bulk' });
    const s = await c.callTool('posture_summarize_findings', { group_by: ['severity'] });
    expect((s.structured as Row).total).toBe(100_000);
    // A search counts up to COUNT_CAP and says the total is a lower bound past it.
    const found = await c.callTool('posture_search_findings', { limit: 5 });
    expect(found.structured).toMatchObject({ total: COUNT_CAP, total_is_lower_bound: true });
    expect((found.structured as Row).findings).toHaveLength(5);
    expect(found.text).toContain(`at least ${COUNT_CAP}`);
    // A text with no trigram (two letters) that none holds: one call tests SCAN_WINDOW findings,
    // says so and goes on from there with its cursor.
    const short = await c.callTool('posture_search_findings', { text: 'zq', limit: 5 });
    expect(short.structured).toMatchObject({
      findings: [],
      total: 0,
      total_is_lower_bound: true,
      scan_incomplete: true,
      next_cursor: expect.any(String),
    });
    expect(short.text).toContain('0 shown, all this call found: it stopped testing after 2,000 records');
    const next = await c.callTool('posture_search_findings', {
      text: 'zq',
      limit: 5,
      cursor: (short.structured as Row).next_cursor,
    });
    expect(next.structured).toMatchObject({ findings: [], scan_incomplete: true });
    expect((next.structured as Row).next_cursor).not.toBe((short.structured as Row).next_cursor);
  }, 900_000);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command's compile cache (Node >= 22.10), never the user's own ~/.cache. */
const CLI_CACHE = mkdtempSync(join(tmpdir(), 'posture-import-cli-cache-'));

function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'import', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        PORTCULLIS_LOG_LEVEL: 'silent',
        XDG_CACHE_HOME: CLI_CACHE,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('the import command (built CLI)', () => {
  it('imports, re-imports, dry-runs and refuses a malformed file in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-import-cli-'));
    const env = { PORTCULLIS_DATA_DIR: dir };
    const first = await runCli(['--tenant', 'acme', join(FIXTURES, 'prowler.ocsf.json')], env);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(
      /^imported 3 OCSF findings from .*prowler\.ocsf\.json into tenant acme \(batch imp_\w+\): new 3, updated 0, unchanged 0, resolved 0\n$/,
    );
    const dry = await runCli(
      ['--tenant', 'acme', '--dry-run', '--format', 'asff', '-'],
      env,
      readFileSync(join(FIXTURES, 'securityhub.asff.json'), 'utf8'),
    );
    expect(dry.stdout).toMatch(
      /^dry run \(nothing changed\): would import 2 ASFF findings from - into tenant acme: new 2,/,
    );
    const again = await runCli(['--tenant', 'acme', join(FIXTURES, 'prowler.ocsf.json')], env);
    expect(again.stdout).toContain('new 0, updated 0, unchanged 3, resolved 0');
    const badFile = join(dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify([ocsfFinding(1), { ...ocsfFinding(2), resources: [] }]));
    const bad = await runCli(['--tenant', 'acme', badFile], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `portcullis-posture-read import: record 1: field resources.0: is required (an object); nothing from ${badFile} was kept\n`,
    );
    expect((await runCli(['--format', 'xml', badFile], env)).code).toBe(64);
    // Set but empty is refused, as the server refuses it: not the current folder.
    const empty = await runCli(['--tenant', 'acme', badFile], { PORTCULLIS_DATA_DIR: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(
      'portcullis-posture-read import: PORTCULLIS_DATA_DIR: must not be empty (unset it for the default folder).\n',
    );
  }, 300_000);

  it('refuses, in one line, while a server holds the embedded data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posture-import-lock-'));
    const held = await startInProcess(server, { dataDir: dir, env: { POSTURE_SEED: 'none' } });
    try {
      const r = await runCli(['--tenant', 'acme', join(FIXTURES, 'prowler.ocsf.json')], {
        PORTCULLIS_DATA_DIR: dir,
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^portcullis-posture-read import: PORTCULLIS_DATA_DIR .* is in use by another process \(pid \d+\)/,
      );
    } finally {
      await held.close();
    }
  }, 300_000);
});

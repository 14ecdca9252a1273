/**
 * Every posture tool through the real kit runtime with a real MCP client (in-process), on the
 * seeded embedded store: results, filters, paging, counts, roles, the account restriction (ABAC),
 * secret redaction, untrusted-text marking, resources and the prompt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import { COUNT_CAP } from '@portcullis/core/paging';
import type { PostureBackend } from '../src/index.js';
import { DEMO_STORY, generateSeed, server, SEVERITIES, UNTRUSTED_NOTICE } from '../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ALL_TOOLS = [
  'posture_compliance_summary',
  'posture_get_asset',
  'posture_get_finding',
  'posture_list_exposures',
  'posture_search_assets',
  'posture_search_findings',
  'posture_summarize_findings',
];
const VIEWER_TOOLS = ['posture_compliance_summary', 'posture_list_exposures', 'posture_summarize_findings'];

const acme = generateSeed('acme');
const globex = generateSeed('globex');
const DEV = '333333333333';

let h: InProcessHarness<PostureBackend>;
let analyst: InProcessClient;
let dana: InProcessClient; // analyst restricted to the dev account
let viewer: InProcessClient;
let admin: InProcessClient;
let grace: InProcessClient; // analyst of globex
let nobody: InProcessClient;

/** What a search's total says of `n` matches: exact up to COUNT_CAP, past it the cap and a lower bound. */
const totalOf = (n: number): Row =>
  n > COUNT_CAP ? { total: COUNT_CAP, total_is_lower_bound: true } : { total: n };

/** A search's total as totalOf shapes it. */
async function searchTotal(c: InProcessClient, args: Row): Promise<Row> {
  const r = ok(await c.callTool('posture_search_findings', { ...args, limit: 1 }));
  return r.total_is_lower_bound === undefined
    ? { total: r.total }
    : { total: r.total, total_is_lower_bound: r.total_is_lower_bound };
}

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  expect(r.auditId).toMatch(/^aud_/);
  return r.structured as Row;
}

function err(r: ToolCallOutcome): NonNullable<ToolCallOutcome['envelope']> {
  expect(r.isError).toBe(true);
  expect(r.envelope!.audit_id).toMatch(/^aud_/);
  return r.envelope!;
}

async function allPages(
  c: InProcessClient,
  tool: string,
  args: Row,
  key: string,
  maxPages = 200,
): Promise<Row[]> {
  const items: Row[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = ok(await c.callTool(tool, { ...args, ...(cursor ? { cursor } : {}) }));
    items.push(...(page[key] as Row[]));
    if (page.next_cursor === null) return items;
    cursor = page.next_cursor as string;
  }
  throw new Error('too many pages');
}

async function findOne(c: InProcessClient, args: Row): Promise<Row> {
  const page = ok(await c.callTool('posture_search_findings', { ...args, limit: 5 }));
  expect(page.findings.length).toBeGreaterThan(0);
  return page.findings[0] as Row;
}

beforeAll(async () => {
  h = await startInProcess(server, { principal: { id: 'sam', roles: ['analyst'], tenant: 'acme' } });
  analyst = h;
  dana = await h.as({ id: 'dana', roles: ['analyst'], tenant: 'acme', attributes: { accounts: [DEV] } });
  viewer = await h.as({ id: 'victor', roles: ['viewer'], tenant: 'acme' });
  admin = await h.as({ id: 'root', roles: ['admin'], tenant: 'acme' });
  grace = await h.as({ id: 'grace', roles: ['analyst'], tenant: 'globex' });
  nobody = await h.as({ id: 'mallory', roles: [], tenant: 'acme' });
});

afterAll(async () => {
  await h?.close();
});

describe('tools/list', () => {
  it('shows each role only the tools its policy can permit', async () => {
    expect(await analyst.listToolNames()).toEqual(ALL_TOOLS);
    expect(await admin.listToolNames()).toEqual(ALL_TOOLS);
    expect(await dana.listToolNames()).toEqual(ALL_TOOLS);
    expect(await viewer.listToolNames()).toEqual(VIEWER_TOOLS);
    expect(await nobody.listToolNames()).toEqual([]);
  });

  it('matches the committed snapshot (names, descriptions, schemas, annotations)', async () => {
    const { tools } = await admin.client.listTools();
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    await expect(`${JSON.stringify(sorted, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tools-list.json',
    );
  });

  it('every tool is a read, annotated read-only, with an output schema', async () => {
    for (const t of server.tools) expect(t.access).toBe('read');
    const { tools } = await admin.client.listTools();
    for (const t of tools) {
      expect(t.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
      });
      expect(t.outputSchema).toBeDefined();
    }
  });

  it('a viewer calling an analyst tool is answered as for an unknown tool', async () => {
    const hidden = viewer.callTool('posture_get_finding', { id: 'fnd_000000000000000000000000' });
    await expect(hidden).rejects.toThrow(/Unknown tool: posture_get_finding/);
    await expect(viewer.callTool('posture_no_such_tool', {})).rejects.toThrow(
      /Unknown tool: posture_no_such_tool/,
    );
  });
});

describe('posture_search_findings', () => {
  it('pages through all matches, most severe first and newest first within a severity, without repeats', async () => {
    const items = await allPages(
      analyst,
      'posture_search_findings',
      { account: DEMO_STORY.account, limit: 100 },
      'findings',
    );
    const expected = acme.filter((f) => f.asset.account === DEMO_STORY.account).length;
    expect(items.length).toBe(expected);
    expect(new Set(items.map((f) => f.id)).size).toBe(expected);
    for (let i = 1; i < items.length; i++) {
      const a = items[i - 1]!;
      const b = items[i]!;
      const ra = SEVERITIES.indexOf(a.severity);
      const rb = SEVERITIES.indexOf(b.severity);
      expect(ra).toBeGreaterThanOrEqual(rb);
      if (ra === rb) expect(a.first_seen >= b.first_seen).toBe(true);
    }
  });

  it('filters by severity, status, source, account, region, resource type, resource, rule, framework, control and text', async () => {
    const count = (args: Row) => searchTotal(analyst, args);
    const open = acme.filter((f) => f.status === 'open');
    // The demo data has searches on both sides of the count's cap.
    expect(open.length).toBeGreaterThan(COUNT_CAP);
    expect(await count({ status: ['open'] })).toEqual(totalOf(open.length));
    expect(await count({ status: ['resolved', 'suppressed'] })).toEqual(totalOf(acme.length - open.length));
    expect(await count({ severity_at_least: 'high' })).toEqual(
      totalOf(acme.filter((f) => ['high', 'critical'].includes(f.severity)).length),
    );
    expect(await count({ source: 'trivy' })).toEqual(
      totalOf(acme.filter((f) => f.source === 'trivy').length),
    );
    expect(await count({ account: DEV, region: 'us-east-1' })).toEqual(
      totalOf(acme.filter((f) => f.asset.account === DEV && f.asset.region === 'us-east-1').length),
    );
    expect(await count({ resource_type: 'AwsRdsDbInstance' })).toEqual(
      totalOf(acme.filter((f) => f.asset.type === 'AwsRdsDbInstance').length),
    );
    expect(await count({ rule: 'CVE-2024-6387' })).toEqual(
      totalOf(acme.filter((f) => f.rule === 'CVE-2024-6387').length),
    );
    expect(await count({ framework: 'cis-aws-foundations-3.0', control: '5.2' })).toEqual(
      totalOf(
        acme.filter((f) =>
          f.compliance.some((c) => c.framework === 'cis-aws-foundations-3.0' && c.control === '5.2'),
        ).length,
      ),
    );
    expect(await count({ resource_id: `arn:aws:s3:::${DEMO_STORY.publicBucket}` })).toEqual(totalOf(2));
    expect(await count({ text: 'REGRESSHION' })).toEqual(
      totalOf(acme.filter((f) => f.rule === 'CVE-2024-6387').length),
    );
    // LIKE wildcards in the text are literal. "%" has no letter, so a call tests 2,000 findings
    // (SCAN_WINDOW), fewer than the demo's: none found so far, a lower bound.
    expect(acme.length).toBeGreaterThan(2_000);
    expect(await count({ text: '%' })).toEqual({ total: 0, total_is_lower_bound: true });
  });

  it('finds the demo story: the public bucket (critical), the open security group (high), the stale key (medium)', async () => {
    const bucket = await findOne(analyst, {
      resource_id: `arn:aws:s3:::${DEMO_STORY.publicBucket}`,
      severity_at_least: 'critical',
    });
    expect(bucket).toMatchObject({
      severity: 'critical',
      status: 'open',
      account: '111111111111',
      resource_type: 'AwsS3Bucket',
    });
    const sg = await findOne(analyst, { text: DEMO_STORY.openSecurityGroup });
    expect(sg).toMatchObject({
      severity: 'high',
      status: 'open',
      rule: 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22',
    });
    const key = await findOne(analyst, {
      text: 'user/ci-deploy/access-key',
      rule: 'iam_user_accesskey_unused',
    });
    expect(key).toMatchObject({
      severity: 'medium',
      status: 'open',
      resource_type: 'AwsIamAccessKey',
      account: '111111111111',
    });
  });

  it('refuses a cursor that was edited or belongs to other filters or another caller', async () => {
    const page = ok(await analyst.callTool('posture_search_findings', { status: ['open'], limit: 2 }));
    const cursor = page.next_cursor as string;
    expect(
      err(await analyst.callTool('posture_search_findings', { status: ['resolved'], cursor, limit: 2 })).code,
    ).toBe('invalid_cursor');
    expect(
      err(await admin.callTool('posture_search_findings', { status: ['open'], cursor, limit: 2 })).code,
    ).toBe('invalid_cursor');
    const edited = `${cursor.slice(0, -3)}${cursor.endsWith('A') ? 'B' : 'A'}xx`;
    expect(
      err(await analyst.callTool('posture_search_findings', { status: ['open'], cursor: edited, limit: 2 }))
        .code,
    ).toBe('invalid_cursor');
  });

  it('rejects bad arguments with a validation error', async () => {
    expect(err(await analyst.callTool('posture_search_findings', { account: '1234' })).category).toBe(
      'validation',
    );
    expect(
      err(await analyst.callTool('posture_search_findings', { severity_at_least: 'severe' })).category,
    ).toBe('validation');
    expect(err(await analyst.callTool('posture_search_findings', { limit: 1000 })).category).toBe(
      'validation',
    );
  });

  it('keeps tenants apart', async () => {
    expect(await searchTotal(grace, {})).toEqual(totalOf(globex.length));
    expect(await searchTotal(grace, { account: DEMO_STORY.account })).toEqual(totalOf(0));
  });
});

describe('posture_get_finding', () => {
  it('returns evidence, guidance, compliance, history, provenance, asset and the fitting remediation', async () => {
    const hit = await findOne(analyst, {
      resource_id: `arn:aws:s3:::${DEMO_STORY.publicBucket}`,
      severity_at_least: 'critical',
    });
    const d = ok(await analyst.callTool('posture_get_finding', { id: hit.id }));
    expect(d.finding).toMatchObject({
      id: hit.id,
      severity: 'critical',
      rule: 's3_bucket_level_public_access_block',
    });
    expect(d.finding.untrusted.remediation_guidance).toContain('Block Public Access');
    expect(d.evidence.BlockPublicAccess.BlockPublicAcls).toBe(false);
    expect(d.compliance).toEqual([
      { framework: 'cis-aws-foundations-3.0', control: '2.1.4' },
      { framework: 'pci-dss-4.0', control: '1.4.1' },
    ]);
    expect(d.history[0]).toMatchObject({ from_status: null, to_status: 'open' });
    expect(d.provenance).toMatchObject({ source: 'prowler', import_batch: 'seed-demo-v1' });
    expect(d.provenance.record_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d.asset).toMatchObject({
      public: true,
      internet_facing: true,
      resource_id: `arn:aws:s3:::${DEMO_STORY.publicBucket}`,
    });
    expect(d.asset.untrusted.name).toBe(DEMO_STORY.publicBucket);
    expect(d.remediation_action).toMatchObject({
      server: 'remediation-write',
      action: 's3_block_public_access',
    });
  });

  it('redacts secrets in evidence and says so', async () => {
    const hit = await findOne(analyst, { rule: 'aws-access-key-id' });
    const r = await analyst.callTool('posture_get_finding', { id: hit.id });
    const d = ok(r);
    const all = JSON.stringify(d) + r.text;
    expect(all).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(all).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(all).not.toContain('S3cr3tPassw0rd');
    expect(d.evidence.Match).toContain('[REDACTED:aws_access_key_id]');
    expect(d.evidence.Snippet).toContain('postgres://app:[REDACTED:connection_string_password]@db.internal');
    expect(d.redactions.map((x: Row) => x.kind)).toEqual(
      expect.arrayContaining(['aws_access_key_id', 'connection_string_password', 'secret_value']),
    );
    const key = await findOne(analyst, {
      text: 'user/ci-deploy/access-key',
      rule: 'iam_user_accesskey_unused',
    });
    const k = ok(await analyst.callTool('posture_get_finding', { id: key.id }));
    expect(k.evidence.AccessKeyId).toBe('[REDACTED:aws_access_key_id]');
    expect(k.evidence.DaysSinceLastUse).toBeGreaterThan(90);
    expect(k.remediation_action).toMatchObject({ action: 'iam_deactivate_access_key' });
  });

  it('marks and fences text written to steer the agent, stripped of bidi controls', async () => {
    const hit = await findOne(analyst, { text: 'acme-dev-scratch' });
    const r = await analyst.callTool('posture_get_finding', { id: hit.id });
    const d = ok(r);
    expect(d.untrusted_content).toBe(UNTRUSTED_NOTICE);
    expect(d.finding.untrusted.description).toContain('Ignore previous instructions');
    expect(d.asset.untrusted.tags.note).toContain('Ignore previous instructions');
    expect(JSON.stringify(d)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    // In the text rendering the injected sentence appears only inside a fence.
    const lines = r.text.split('\n');
    const at = lines.findIndex((l) => l.includes('Ignore previous instructions'));
    const open = lines.slice(0, at).lastIndexOf(
      lines
        .slice(0, at)
        .reverse()
        .find((l) => l.startsWith('<<<untrusted'))!,
    );
    expect(open).toBeGreaterThanOrEqual(0);
    expect(lines.slice(open, at).some((l) => l === 'untrusted>>>')).toBe(false);
  });

  it('is not_found across tenants and for unknown ids', async () => {
    const hit = await findOne(analyst, { account: DEMO_STORY.account });
    expect(err(await grace.callTool('posture_get_finding', { id: hit.id })).category).toBe('not_found');
    expect(
      err(await analyst.callTool('posture_get_finding', { id: 'fnd_000000000000000000000000' })).category,
    ).toBe('not_found');
  });
});

describe('the accounts restriction (ABAC)', () => {
  it("limits searches, counts, assets, exposures and compliance to the principal's accounts", async () => {
    const devFindings = acme.filter((f) => f.asset.account === DEV);
    expect(await searchTotal(dana, {})).toEqual(totalOf(devFindings.length));
    expect(await searchTotal(dana, { account: DEMO_STORY.account })).toEqual(totalOf(0));
    const sum = ok(await dana.callTool('posture_summarize_findings', { group_by: ['account'] }));
    expect(sum.groups).toEqual([{ keys: { account: DEV }, count: devFindings.length }]);
    const assets = await allPages(dana, 'posture_search_assets', { limit: 100 }, 'assets');
    expect(new Set(assets.map((a) => a.account))).toEqual(new Set([DEV]));
    const exposures = await allPages(dana, 'posture_list_exposures', { limit: 100 }, 'exposures');
    expect(exposures.length).toBeGreaterThan(0);
    for (const e of exposures) expect(e.asset.account).toBe(DEV);
    const comp = ok(await dana.callTool('posture_compliance_summary', {}));
    const all = ok(await analyst.callTool('posture_compliance_summary', {}));
    const failed = (x: Row) =>
      x.frameworks.reduce(
        (n: number, f: Row) => n + f.controls.reduce((m: number, c: Row) => m + c.failed_findings, 0),
        0,
      );
    expect(failed(comp)).toBeLessThan(failed(all));
  });

  it('refuses a finding or asset of another account by policy', async () => {
    const prod = await findOne(analyst, { account: DEMO_STORY.account });
    const e = err(await dana.callTool('posture_get_finding', { id: prod.id }));
    expect(e.category).toBe('forbidden');
    expect(err(await dana.callTool('posture_get_asset', { id: prod.asset_id })).category).toBe('forbidden');
    const dev = await findOne(analyst, { account: DEV });
    expect(ok(await dana.callTool('posture_get_finding', { id: dev.id })).finding.account).toBe(DEV);
  });

  it('applies to resources and the prompt alike', async () => {
    const prod = await findOne(analyst, { account: DEMO_STORY.account });
    await expect(dana.client.readResource({ uri: `posture://findings/${prod.id}` })).rejects.toThrow();
    await expect(
      dana.client.getPrompt({ name: 'posture_triage', arguments: { account: DEMO_STORY.account } }),
    ).rejects.toThrow(/not found/);
    const p = await dana.client.getPrompt({ name: 'posture_triage', arguments: { account: DEV } });
    expect(JSON.stringify(p.messages)).toContain(DEV);
  });

  it('an accounts attribute that is not a list of accounts sees nothing', async () => {
    const odd = await h.as({ id: 'odd', roles: ['analyst'], tenant: 'acme', attributes: { accounts: 7 } });
    expect(ok(await odd.callTool('posture_search_findings', { limit: 1 })).total).toBe(0);
  });
});

describe('posture_summarize_findings', () => {
  it('counts by one field, summing to the total', async () => {
    const s = ok(await viewer.callTool('posture_summarize_findings', { group_by: ['severity'] }));
    expect(s.total).toBe(acme.length);
    expect(s.groups.reduce((n: number, g: Row) => n + g.count, 0)).toBe(acme.length);
    const crit = s.groups.find((g: Row) => g.keys.severity === 'critical');
    expect(crit.count).toBe(acme.filter((f) => f.severity === 'critical').length);
  });

  it('counts by two fields with filters, and by framework', async () => {
    const s = ok(
      await analyst.callTool('posture_summarize_findings', {
        group_by: ['account', 'status'],
        source: 'prowler',
      }),
    );
    for (const g of s.groups)
      expect(g.count).toBe(
        acme.filter(
          (f) => f.source === 'prowler' && f.asset.account === g.keys.account && f.status === g.keys.status,
        ).length,
      );
    const fw = ok(await analyst.callTool('posture_summarize_findings', { group_by: ['framework'] }));
    expect(fw.groups.map((g: Row) => g.keys.framework).sort()).toEqual([
      'cis-aws-foundations-3.0',
      'pci-dss-4.0',
    ]);
    expect(
      err(await analyst.callTool('posture_summarize_findings', { group_by: ['severity', 'severity'] }))
        .category,
    ).toBe('validation');
    expect(err(await analyst.callTool('posture_summarize_findings', { group_by: [] })).category).toBe(
      'validation',
    );
  });
});

describe('assets and exposures', () => {
  it('posture_get_asset shows the open findings of the open security group', async () => {
    const sg = await findOne(analyst, { text: DEMO_STORY.openSecurityGroup });
    const a = ok(await analyst.callTool('posture_get_asset', { id: sg.asset_id }));
    expect(a.asset).toMatchObject({
      type: 'AwsEc2SecurityGroup',
      internet_facing: true,
      account: '111111111111',
    });
    expect(a.open_findings.by_severity.high).toBeGreaterThanOrEqual(1);
    expect(a.open_findings.items.map((f: Row) => f.id)).toContain(sg.id);
  });

  it('posture_search_assets filters by type and exposure and pages', async () => {
    const exposed = await allPages(
      analyst,
      'posture_search_assets',
      { exposed: true, type: 'AwsS3Bucket', limit: 7 },
      'assets',
    );
    expect(exposed.length).toBeGreaterThan(1);
    for (const a of exposed) expect(a.public || a.internet_facing).toBe(true);
    expect(exposed.map((a) => a.untrusted.name)).toContain(DEMO_STORY.publicBucket);
    expect(new Set(exposed.map((a) => a.id)).size).toBe(exposed.length);
  });

  it('posture_list_exposures ranks exposed assets with open high or critical findings, across pages', async () => {
    const all = await allPages(viewer, 'posture_list_exposures', { limit: 5 }, 'exposures');
    expect(all.map((e) => e.rank)).toEqual(all.map((_, i) => i + 1));
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1]!;
      const b = all[i]!;
      expect(
        a.open_critical > b.open_critical ||
          (a.open_critical === b.open_critical && a.open_high >= b.open_high),
      ).toBe(true);
    }
    for (const e of all) {
      expect(e.asset.public || e.asset.internet_facing).toBe(true);
      expect(e.open_critical + e.open_high).toBeGreaterThan(0);
    }
    const ids = all.map((e) => e.asset.resource_id);
    expect(ids).toContain(`arn:aws:s3:::${DEMO_STORY.publicBucket}`);
    expect(ids.some((r) => r.endsWith(DEMO_STORY.openSecurityGroup))).toBe(true);
  });
});

describe('posture_compliance_summary', () => {
  it('reports passed, failed and not evaluated per framework and control', async () => {
    const c = ok(await viewer.callTool('posture_compliance_summary', {}));
    const cis = c.frameworks.find((f: Row) => f.framework === 'cis-aws-foundations-3.0');
    expect(cis.controls.find((x: Row) => x.control === '5.2').status).toBe('failed');
    expect(cis.controls.find((x: Row) => x.control === '1.4').status).toBe('not_evaluated');
    expect(cis.failed + cis.passed + cis.not_evaluated).toBe(cis.controls.length);
    // Controls sort numerically: 1.4 before 1.10.
    const order = cis.controls.map((x: Row) => x.control);
    expect(order.indexOf('1.4')).toBeLessThan(order.indexOf('1.10'));
    const pci = ok(await viewer.callTool('posture_compliance_summary', { framework: 'pci-dss-4.0' }));
    expect(pci.frameworks.map((f: Row) => f.framework)).toEqual(['pci-dss-4.0']);
  });
});

describe('resources and prompt', () => {
  it('posture://frameworks lists the controls; a viewer may read it', async () => {
    const r = await viewer.client.readResource({ uri: 'posture://frameworks' });
    const body = JSON.parse((r.contents[0] as { text: string }).text) as Row;
    expect(body.frameworks.map((f: Row) => f.id)).toEqual(['cis-aws-foundations-3.0', 'pci-dss-4.0']);
  });

  it('posture://findings/{id} is the finding in full for an analyst, hidden from a viewer', async () => {
    const hit = await findOne(analyst, { rule: 'aws-access-key-id' });
    const r = await analyst.client.readResource({ uri: `posture://findings/${hit.id}` });
    const text = (r.contents[0] as { text: string }).text;
    expect(JSON.parse(text).finding.id).toBe(hit.id);
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    await expect(viewer.client.readResource({ uri: `posture://findings/${hit.id}` })).rejects.toThrow();
  });

  it('posture_triage carries instructions only and validates the account', async () => {
    const p = await analyst.client.getPrompt({
      name: 'posture_triage',
      arguments: { account: DEMO_STORY.account },
    });
    const text = JSON.stringify(p.messages);
    expect(text).toContain('posture_list_exposures');
    expect(text).not.toContain('Ignore previous instructions');
    await expect(
      analyst.client.getPrompt({ name: 'posture_triage', arguments: { account: 'x; drop' } }),
    ).rejects.toThrow();
  });
});

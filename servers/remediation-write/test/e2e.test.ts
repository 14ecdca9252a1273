/**
 * End to end against the BUILT CLI (`node servers/remediation-write/dist/cli.js`): the canonical
 * story over Streamable HTTP with API keys (the approver approves over POST /approvals/{plan_id},
 * outside the agent), the kill switch over POST /admin/kill-switch (admins only) and /metrics, the
 * operator's kill-switch command on the store, PORTCULLIS_KILL_SWITCH=on at start, and stdio.
 * Real processes, a real PGlite store under a temp data dir, the audit file checked by the
 * `portcullis-audit` CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { runProcess, serverHarness, type ServerProc } from '@portcullis/test-support/servers';
import { call, envelope, ok } from '@portcullis/test-support/results';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'servers/remediation-write/dist/cli.js');
const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/tools-list.json', import.meta.url));
const ALL_TOOLS = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { name: string }[])
  .map((t) => t.name)
  .sort();
const HOOK_TIMEOUT = 150_000;

const harness = serverHarness({
  cliPath: CLI,
  name: 'remediation-write CLI',
  envPrefixes: ['REMEDIATION_'],
  tempPrefix: 'remediation-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

const killSwitch = (dataDir: string, ...args: string[]) =>
  runProcess(process.execPath, [CLI, 'kill-switch', ...args], {
    env: harness.cleanEnv({ PORTCULLIS_DATA_DIR: dataDir }),
    timeoutMs: 120_000,
  });

describe('HTTP: the canonical story over the built CLI', () => {
  const dir = harness.tempDir();
  const dataDir = join(dir, 'data');
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  let srv: ServerProc;

  async function connectAs(principal: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
    });
    const c = new Client({ name: `remediation-e2e-${principal}`, version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    return c;
  }

  const post = async (path: string, principal: string, body?: unknown) => {
    const res = await fetch(`${srv.base}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys[principal]}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Row };
  };

  beforeAll(async () => {
    const apiKeys = harness.writeApiKeys(
      dir,
      [
        { principal: 'riley', roles: ['responder'], tenant: 'acme' },
        { principal: 'alex', roles: ['approver'], tenant: 'acme' },
        { principal: 'root', roles: ['admin'], tenant: 'acme' },
        { principal: 'victor', roles: ['viewer'], tenant: 'acme' },
      ],
      generateApiKey,
    );
    Object.assign(keys, apiKeys.keys);
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: apiKeys.file,
    });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('responder plans (approval_required), the approver approves over HTTP, the responder applies, verified; rollback restores', async () => {
    const riley = await connectAs('riley');
    expect((await riley.listTools()).tools.map((t) => t.name)).not.toContain('remediation_approve');
    const plan = ok(
      await call(riley, 'remediation_plan', {
        action: 's3_block_public_access',
        account: '111111111111',
        region: 'us-east-1',
        resource: 'acme-prod-exports',
        finding_id: 'demo-finding-acme-prod-exports',
      }),
    );
    expect(plan).toMatchObject({ verdict: 'approval_required', status: 'pending' });
    // The responder cannot approve over HTTP either.
    const selfApprove = await post(`/approvals/${plan.plan_id}`, 'riley');
    expect(selfApprove.status).toBe(403);
    const approved = await post(`/approvals/${plan.plan_id}`, 'alex');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ plan: { status: 'approved', approver: 'alex' } });
    const applied = ok(
      await call(riley, 'remediation_apply', {
        plan_id: plan.plan_id,
        approval_token: approved.body.approval_token,
      }),
    );
    expect(applied).toMatchObject({
      plan: { status: 'applied', outcome: { verified: true }, after: plan.after },
    });

    const rb = ok(await call(riley, 'remediation_rollback', { plan_id: plan.plan_id }));
    const rbApproved = await post(`/approvals/${rb.plan_id}`, 'alex');
    expect(rbApproved.status).toBe(200);
    ok(
      await call(riley, 'remediation_apply', {
        plan_id: rb.plan_id,
        approval_token: rbApproved.body.approval_token,
      }),
    );
    const again = ok(
      await call(riley, 'remediation_plan', {
        action: 's3_block_public_access',
        account: '111111111111',
        region: 'us-east-1',
        resource: 'acme-prod-exports',
      }),
    );
    // Public again: a new plan reads exactly the original before state.
    expect(again.before).toEqual(plan.before);
    expect(ok(await call(riley, 'remediation_get_plan', { plan_id: plan.plan_id })).status).toBe(
      'rolled_back',
    );
  });

  it('POST /admin/kill-switch: admins only, audited; applies refused while on, the gauge shows it', async () => {
    const riley = await connectAs('riley');
    const plan = ok(
      await call(riley, 'remediation_plan', {
        action: 'ec2_revoke_public_ingress',
        account: '222222222222',
        region: 'us-east-1',
        resource: 'sg-0d1e2f3a4b5c60731',
        params: { port: 22 },
      }),
    );
    expect(plan.verdict).toBe('direct');
    const denied = await post('/admin/kill-switch', 'riley', { state: 'on', reason: 'not mine' });
    expect(denied.status).toBe(403);
    const bad = await post('/admin/kill-switch', 'root', { state: 'maybe', reason: 'x' });
    expect(bad.status).toBe(400);
    const on = await post('/admin/kill-switch', 'root', { state: 'on', reason: 'incident 99' });
    expect(on).toMatchObject({ status: 200, body: { engaged: true, changed_by: 'root' } });
    const metrics = await (await fetch(`${srv.base}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_kill_switch_engaged\{[^}]*system="remediation-write"[^}]*\} 1/);
    expect(envelope(await call(riley, 'remediation_apply', { plan_id: plan.plan_id })).code).toBe(
      'kill_switch_engaged',
    );
    const off = await post('/admin/kill-switch', 'root', { state: 'off', reason: 'incident 99 over' });
    expect(off.body.engaged).toBe(false);
    expect(ok(await call(riley, 'remediation_apply', { plan_id: plan.plan_id })).plan.status).toBe('applied');
  });

  it('stops on SIGTERM with a verifying audit chain that holds the kill switch changes', async () => {
    const exit = await srv.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const file = join(dataDir, 'audit', 'portcullis-remediation-write.audit.jsonl');
    const v = await harness.verifyAudit(file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const records = harness.readAudit<Row>(file);
    expect(
      records.filter((r) => r.tool === 'remediation_set_kill_switch').map((r) => [r.principal, r.outcome]),
    ).toEqual([
      ['riley', 'denied'],
      ['root', 'error'],
      ['root', 'ok'],
      ['root', 'ok'],
    ]);
    expect(records.some((r) => r.kind === 'verification' && r.outcome === 'ok')).toBe(true);
  });

  it(
    'the operator command sets the kill switch in the store; PORTCULLIS_KILL_SWITCH=on engages it at start',
    { timeout: HOOK_TIMEOUT * 2 },
    async () => {
      const on = await killSwitch(dataDir, 'on', '--reason', 'maintenance window');
      expect(on.code, on.stderr).toBe(0);
      expect(on.stdout).toContain('kill switch: ON');
      const status = await killSwitch(dataDir, 'status');
      expect(status.stdout).toMatch(/ON .*maintenance window/);
      const noReason = await killSwitch(dataDir, 'off');
      expect(noReason.code).toBe(64);
      // Set but empty is refused, as the server refuses it: not the current folder.
      const empty = await killSwitch('', 'status');
      expect(empty.code).toBe(1);
      expect(empty.stderr.trim().split('\n')).toHaveLength(1);
      expect(empty.stderr).toContain('PORTCULLIS_DATA_DIR: must not be empty');
      const off = await killSwitch(dataDir, 'off', '--reason', 'done');
      expect(off.stdout).toContain('kill switch: off');

      const forced = await harness.spawnHttp({
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_AUTH: 'none',
        PORTCULLIS_PRINCIPAL: 'riley',
        PORTCULLIS_ROLES: 'responder',
        PORTCULLIS_TENANT: 'acme',
        PORTCULLIS_KILL_SWITCH: 'on',
      });
      try {
        const c = new Client({ name: 'remediation-e2e-forced', version: '1.0.0' });
        await c.connect(new StreamableHTTPClientTransport(new URL(forced.url)));
        const actions = ok(await call(c, 'remediation_list_actions', {}));
        expect(actions.kill_switch).toMatchObject({
          engaged: true,
          reason: 'PORTCULLIS_KILL_SWITCH=on at start',
        });
        await c.close();
      } finally {
        await forced.stop('SIGTERM');
      }
    },
  );
});

describe('stdio: the built CLI under the SDK StdioClientTransport', () => {
  it(
    'initializes as portcullis-remediation-write and lists the snapshot tools for an admin',
    async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI],
        env: harness.cleanEnv({
          PORTCULLIS_DATA_DIR: harness.tempDir(),
          PORTCULLIS_PRINCIPAL: 'root',
          PORTCULLIS_ROLES: 'admin',
          PORTCULLIS_TENANT: 'acme',
        }),
        stderr: 'pipe',
      });
      const client = new Client({ name: 'remediation-e2e-stdio', version: '1.0.0' });
      await client.connect(transport);
      if (transport.pid !== null) harness.trackPid(transport.pid);
      try {
        const { tools } = await client.listTools(undefined, { timeout: HOOK_TIMEOUT - 10_000 });
        expect(client.getServerVersion()?.name).toBe('portcullis-remediation-write');
        expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
        const plan = ok(
          await call(client, 'remediation_plan', {
            action: 'iam_deactivate_access_key',
            account: '111111111111',
            region: 'global',
            resource: 'AKIAIOSFODNN7EXAMPLE',
            params: { user: 'ci-deploy' },
          }),
        );
        expect(plan).toMatchObject({ verdict: 'approval_required', before: { status: 'Active' } });
      } finally {
        await client.close();
      }
    },
    HOOK_TIMEOUT,
  );
});

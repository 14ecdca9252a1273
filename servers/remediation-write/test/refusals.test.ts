/**
 * Every refusal of the issue, each on its own resource of the demo cloud (and with its own responder
 * where it applies, so the budget of one test is not spent by another), on one in-process server
 * with a change window (Mon-Fri 08:00-18:00 UTC), two applies per hour and three changes per plan.
 * The clock is moved by hand; nothing waits on time.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAuditFile } from '@portcullis/core/audit';
import type { InProcessClient } from '@portcullis/core/testing';
import { BackendError } from '../src/backend.js';
import { EmbeddedTicketSink } from '../src/tickets.js';
import { DEMO_STORY, startRemediation, WEDNESDAY_10, type Remediation } from './harness.js';

let r: Remediation;
const HOUR = 3_600_000;
const WEDNESDAY_20 = WEDNESDAY_10 + 10 * HOUR;

beforeAll(async () => {
  r = await startRemediation(
    {
      REMEDIATION_CHANGE_WINDOW: 'mon-fri 08:00-18:00',
      REMEDIATION_APPLIES_PER_HOUR: '2',
      REMEDIATION_MAX_RESOURCES_PER_PLAN: '3',
    },
    WEDNESDAY_10,
  );
});
afterAll(async () => {
  await r?.close();
});

async function plan(c: InProcessClient, args: Record<string, unknown>) {
  const res = await c.callTool('remediation_plan', args);
  expect(res.isError, res.text).toBe(false);
  return res.structured!;
}

async function approveAndToken(id: string): Promise<string> {
  const res = await r.approver.callTool('remediation_approve', { plan_id: id });
  expect(res.isError, res.text).toBe(false);
  return res.structured!.approval_token as string;
}

const prodSg = {
  action: 'ec2_revoke_public_ingress',
  account: DEMO_STORY.account,
  region: 'us-east-1',
  resource: DEMO_STORY.openSecurityGroup,
  params: { port: 22 },
};
const stagingSg = {
  action: 'ec2_revoke_public_ingress',
  account: DEMO_STORY.staging,
  region: 'us-east-1',
  resource: 'sg-0d1e2f3a4b5c60731',
  params: { port: 22 },
};

describe('refusals', () => {
  it('an expired plan is refused (the clock passed its expiry)', async () => {
    const p = await plan(r.responder, stagingSg);
    expect(p).toMatchObject({ verdict: 'direct', status: 'ready', blast_radius: { changes: 2 } });
    r.clock.now = WEDNESDAY_10 + 25 * HOUR;
    try {
      const res = await r.responder.callTool('remediation_apply', { plan_id: p.plan_id });
      expect(res.envelope).toMatchObject({ code: 'plan_expired', category: 'conflict' });
    } finally {
      r.clock.now = WEDNESDAY_10;
    }
  });

  it('drift between plan and apply: target_drifted, nothing changed, and the answer stays the same on retry', async () => {
    const p = await plan(r.responder, stagingSg);
    const drifted = {
      name: 'ci-runners',
      ingress: [
        { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' },
        { protocol: 'tcp', from_port: 0, to_port: 65535, cidr: '::/0' },
        { protocol: 'tcp', from_port: 20, to_port: 25, cidr: '0.0.0.0/0' },
      ],
    };
    await r.sim.setResourceState(DEMO_STORY.staging, 'security_group', 'sg-0d1e2f3a4b5c60731', drifted);
    const res = await r.responder.callTool('remediation_apply', { plan_id: p.plan_id });
    expect(res.envelope).toMatchObject({
      code: 'target_drifted',
      category: 'conflict',
      details: { before_hash: p.before_hash },
    });
    expect(await r.sim.resourceState(DEMO_STORY.staging, 'security_group', 'sg-0d1e2f3a4b5c60731')).toEqual(
      drifted,
    );
    const again = await r.responder.callTool('remediation_apply', { plan_id: p.plan_id });
    expect(again.envelope).toMatchObject({ code: 'target_drifted', details: { replayed: true } });
    const got = await r.responder.callTool('remediation_get_plan', { plan_id: p.plan_id });
    expect(got.structured).toMatchObject({ status: 'failed', outcome: { result: 'target_drifted' } });
  });

  it("a foreign, tampered or someone else's approval token is refused; a replayed apply never applies twice", async () => {
    const a = await plan(r.responder, {
      action: 'ec2_revoke_public_ingress',
      account: DEMO_STORY.account,
      region: 'us-east-1',
      resource: 'sg-0b1c2d3e4f5a60729',
      params: { port: 443 },
    });
    const b = await plan(r.responder, {
      action: 's3_enable_default_encryption',
      account: DEMO_STORY.account,
      region: 'us-east-1',
      resource: DEMO_STORY.publicBucket,
      params: {},
    });
    const tokenA = await approveAndToken(a.plan_id as string);
    await approveAndToken(b.plan_id as string);
    const foreign = await r.responder.callTool('remediation_apply', {
      plan_id: b.plan_id,
      approval_token: tokenA,
    });
    // Bound to plan A's arguments: the kit refuses it for B before anything else.
    expect(foreign.envelope).toMatchObject({ category: 'approval_required' });
    expect(['approval_token_invalid', 'plan_arguments_changed']).toContain(foreign.envelope!.code);
    const tampered = await r.responder.callTool('remediation_apply', {
      plan_id: a.plan_id,
      approval_token: `${tokenA.slice(0, -4)}AAAA`,
    });
    expect(tampered.envelope).toMatchObject({ code: 'approval_token_invalid' });
    const other = await r.as('morgan', ['responder']);
    const notMine = await other.callTool('remediation_apply', { plan_id: a.plan_id, approval_token: tokenA });
    expect(notMine.envelope).toMatchObject({ code: 'not_plan_requester', category: 'forbidden' });
    // Nothing of that changed anything.
    expect(
      (await r.sim.resourceState(DEMO_STORY.account, 'bucket', DEMO_STORY.publicBucket))!.encryption,
    ).toBeNull();

    const ok = await r.responder.callTool('remediation_apply', {
      plan_id: a.plan_id,
      approval_token: tokenA,
    });
    expect(ok.structured).toMatchObject({ replayed: false, plan: { status: 'applied' } });
    // Someone re-adds the rule by hand; a replayed apply must not revoke it again.
    const after = await r.sim.resourceState(DEMO_STORY.account, 'security_group', 'sg-0b1c2d3e4f5a60729');
    expect(after!.ingress).toEqual([]);
    const readded = {
      name: 'app-prod',
      ingress: [{ protocol: 'tcp', from_port: 443, to_port: 443, cidr: '0.0.0.0/0' }],
    };
    await r.sim.setResourceState(DEMO_STORY.account, 'security_group', 'sg-0b1c2d3e4f5a60729', readded);
    const replay = await r.responder.callTool('remediation_apply', {
      plan_id: a.plan_id,
      approval_token: tokenA,
    });
    expect(replay.structured).toMatchObject({ replayed: true, plan: { status: 'applied' } });
    expect(await r.sim.resourceState(DEMO_STORY.account, 'security_group', 'sg-0b1c2d3e4f5a60729')).toEqual(
      readded,
    );
    const applies = await r.engine.store.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM remediation_applies WHERE plan_id = $1',
      [a.plan_id],
    );
    expect(Number(applies.rows[0]!.n)).toBe(1);
  });

  it('kill switch: plans allowed, apply and rollback refused with kill_switch_engaged, gauge 1; off again works', async () => {
    const p = await plan(r.responder, prodSg);
    const token = await approveAndToken(p.plan_id as string);
    const on = await r.h.callTool('remediation_set_kill_switch', {
      state: 'on',
      reason: 'incident 4711: stop all changes',
    });
    expect(on.structured).toMatchObject({ engaged: true, changed_by: 'root' });
    const metrics = await r.h.runtime.metrics!.registry.metrics();
    expect(metrics).toMatch(/portcullis_kill_switch_engaged\{[^}]*system="remediation-write"[^}]*\} 1/);
    try {
      const planned = await r.responder.callTool('remediation_plan', {
        ...prodSg,
        params: { port: 22 },
        reason: 'still allowed',
      });
      expect(planned.isError).toBe(false);
      const refused = await r.responder.callTool('remediation_apply', {
        plan_id: p.plan_id,
        approval_token: token,
      });
      expect(refused.envelope).toMatchObject({
        code: 'kill_switch_engaged',
        category: 'forbidden',
        retryable: false,
      });
      expect(refused.envelope!.message).toContain('incident 4711');
      const rb = await r.responder.callTool('remediation_rollback', { plan_id: p.plan_id });
      expect(rb.envelope).toMatchObject({ code: 'kill_switch_engaged' });
      // Not an admin: the switch is not theirs to touch.
      expect(await r.responder.listToolNames()).not.toContain('remediation_set_kill_switch');
    } finally {
      const off = await r.h.callTool('remediation_set_kill_switch', {
        state: 'off',
        reason: 'incident 4711 closed',
      });
      expect(off.structured).toMatchObject({ engaged: false });
    }
    expect(await r.h.runtime.metrics!.registry.metrics()).toMatch(
      /portcullis_kill_switch_engaged\{[^}]*\} 0/,
    );
    const applied = await r.responder.callTool('remediation_apply', {
      plan_id: p.plan_id,
      approval_token: token,
    });
    expect(applied.structured).toMatchObject({ plan: { status: 'applied' } });
    const records = r.h.auditRecords().filter((x) => x.tool === 'remediation_set_kill_switch');
    expect(records.map((x) => x.refs?.kill_switch)).toEqual(['on', 'off']);
  });

  it('outside the change window: a production plan made then is denied, an approved one is not applied', async () => {
    const me = await r.as('wendy', ['responder']);
    const p = await plan(me, {
      action: 'iam_deactivate_access_key',
      account: DEMO_STORY.account,
      region: 'global',
      resource: DEMO_STORY.staleKey,
      params: { user: DEMO_STORY.staleKeyUser },
    });
    expect(p).toMatchObject({
      verdict: 'approval_required',
      before: { status: 'Active' },
      after: { status: 'Inactive' },
    });
    const token = await approveAndToken(p.plan_id as string);
    r.clock.now = WEDNESDAY_20;
    try {
      const res = await me.callTool('remediation_apply', { plan_id: p.plan_id, approval_token: token });
      expect(res.envelope).toMatchObject({
        code: 'outside_change_window',
        category: 'forbidden',
        details: { policies: ['remediation-change-window'] },
      });
      const weekend = await plan(me, {
        action: 'ec2_quarantine_instance',
        account: DEMO_STORY.account,
        region: 'us-east-1',
        resource: 'i-0123456789abcdef0',
        params: { quarantine_group: DEMO_STORY.quarantineGroup },
      });
      expect(weekend).toMatchObject({
        verdict: 'denied',
        status: 'denied',
        policies: ['remediation-change-window'],
      });
    } finally {
      r.clock.now = WEDNESDAY_10;
    }
    const res = await me.callTool('remediation_apply', { plan_id: p.plan_id, approval_token: token });
    expect(res.structured, res.text).toMatchObject({ plan: { status: 'applied' } });
  });

  it('over the hourly budget: the third apply within the hour is refused, the next hour it works', async () => {
    const bot = await r.as('budget-bot', ['responder']);
    // The all-ports rule (one change, whatever the drift test left) opens 3389 too.
    const p1 = await plan(bot, { ...stagingSg, params: { port: 3389 } });
    const p2 = await plan(bot, {
      action: 'iam_deactivate_access_key',
      account: DEMO_STORY.staging,
      region: 'us-east-1',
      resource: 'AKIAI44QH8DHBEXAMPLE',
      params: { user: 'deploy-bot' },
    });
    const p3 = await plan(bot, {
      action: 's3_enable_default_encryption',
      account: DEMO_STORY.staging,
      region: 'us-east-1',
      resource: 'acme-staging-artifacts',
      params: { algorithm: 'aws:kms', kms_key_id: 'alias/staging' },
    });
    for (const p of [p1, p2]) {
      const res = await bot.callTool('remediation_apply', { plan_id: p.plan_id });
      expect(res.structured, res.text).toMatchObject({ plan: { status: 'applied' } });
    }
    const third = await bot.callTool('remediation_apply', { plan_id: p3.plan_id });
    expect(third.envelope).toMatchObject({ code: 'apply_budget_exceeded', category: 'forbidden' });
    const fourth = await plan(bot, {
      action: 's3_block_public_access',
      account: '333333333333',
      region: 'us-west-2',
      resource: 'acme-dev-scratch',
      params: {},
    });
    expect(fourth.policies).toEqual(expect.arrayContaining(['remediation-apply-budget']));
    r.clock.now = WEDNESDAY_10 + HOUR + 1;
    try {
      const later = await bot.callTool('remediation_apply', { plan_id: p3.plan_id });
      expect(later.structured, later.text).toMatchObject({ plan: { status: 'applied' } });
    } finally {
      r.clock.now = WEDNESDAY_10;
    }
  });

  it('a plan over the cap on changes per plan is denied', async () => {
    const me = await r.as('casey', ['responder']);
    const p = await plan(me, {
      action: 's3_block_public_access',
      account: '333333333333',
      region: 'us-west-2',
      resource: 'acme-dev-scratch',
      params: {},
    });
    expect(p).toMatchObject({
      verdict: 'denied',
      status: 'denied',
      blast_radius: { changes: 4 },
      policies: ['remediation-max-changes'],
    });
    const res = await me.callTool('remediation_apply', { plan_id: p.plan_id });
    expect(res.envelope).toMatchObject({ code: 'plan_not_applicable' });
  });

  it('a viewer cannot plan (the tool is not theirs); reads work', async () => {
    const viewer = await r.as('victor', ['viewer']);
    const names = await viewer.listToolNames();
    expect(names).toEqual(['remediation_get_plan', 'remediation_list_actions', 'remediation_list_plans']);
    await expect(viewer.callTool('remediation_plan', prodSg)).rejects.toThrow(
      /Unknown tool: remediation_plan/,
    );
    const actions = await viewer.callTool('remediation_list_actions', {});
    expect((actions.structured!.actions as unknown[]).length).toBe(5);
  });

  it('a cross-tenant target is not found, whichever side asks', async () => {
    const acme = await r.responder.callTool('remediation_plan', {
      action: 's3_block_public_access',
      account: '444444444444',
      region: 'eu-west-1',
      resource: 'globex-prod-reports',
      params: {},
    });
    expect(acme.envelope).toMatchObject({ category: 'not_found' });
    const grace = await r.as('grace', ['responder'], 'globex');
    const globex = await grace.callTool('remediation_plan', prodSg);
    expect(globex.envelope).toMatchObject({ category: 'not_found' });
    const planOfAcme = await r.responder.callTool('remediation_list_plans', {});
    const someId = (planOfAcme.structured!.plans as { plan_id: string }[])[0]!.plan_id;
    const peek = await grace.callTool('remediation_get_plan', { plan_id: someId });
    expect(peek.envelope).toMatchObject({ code: 'plan_not_found' });
  });

  it('unknown action, unknown or missing parameters and a malformed resource are validation errors', async () => {
    const cases: Record<string, unknown>[] = [
      { ...prodSg, action: 'rm_rf_everything' },
      { ...prodSg, params: {} },
      { ...prodSg, params: { port: 22, protocol: 'udp' } },
      { ...prodSg, params: { port: 70000 } },
      { ...prodSg, resource: 'not-a-group' },
      {
        action: 'ec2_quarantine_instance',
        account: DEMO_STORY.account,
        region: 'us-east-1',
        resource: DEMO_STORY.bastion,
        params: { quarantine_group: 'sg-00000000' },
      },
      { ...prodSg, account: '12345' },
    ];
    for (const args of cases) {
      const res = await r.responder.callTool('remediation_plan', args);
      expect(res.envelope, JSON.stringify(args)).toMatchObject({ category: 'validation' });
    }
  });

  it('verification failure (forced in the simulated backend): rolled back automatically, and it says so', async () => {
    const me = await r.as('vera', ['responder']);
    const p = await plan(me, {
      action: 'ec2_quarantine_instance',
      account: DEMO_STORY.staging,
      region: 'us-east-1',
      resource: 'i-0fedcba9876543210',
      params: { quarantine_group: 'sg-0e1f2a3b4c5d60742' },
      finding_id: 'guardduty-crypto-mining-i-0fedcba9876543210',
    });
    // Quarantine always needs an approval, even outside production.
    expect(p).toMatchObject({ verdict: 'approval_required', policies: ['remediation-change-quarantine'] });
    const token = await approveAndToken(p.plan_id as string);
    const before = await r.sim.resourceState(DEMO_STORY.staging, 'instance', 'i-0fedcba9876543210');
    await r.sim.forceWriteFailures(DEMO_STORY.staging, 'i-0fedcba9876543210', 1);
    const res = await me.callTool('remediation_apply', { plan_id: p.plan_id, approval_token: token });
    expect(res.envelope).toMatchObject({
      code: 'verification_failed',
      details: { rolled_back: true, plan_id: p.plan_id },
    });
    expect(res.envelope!.message).toContain('rolled back automatically');
    expect(await r.sim.resourceState(DEMO_STORY.staging, 'instance', 'i-0fedcba9876543210')).toEqual(before);
    const got = await me.callTool('remediation_get_plan', { plan_id: p.plan_id });
    expect(got.structured).toMatchObject({
      status: 'failed',
      outcome: { result: 'verification_failed', rolled_back: true, verified: false },
    });
    const recs = r.h.auditRecords().filter((x) => x.refs?.plan_id === p.plan_id);
    const verification = recs.find((x) => x.kind === 'verification')!;
    const rollback = recs.find((x) => x.kind === 'rollback')!;
    expect(verification).toMatchObject({
      outcome: 'error',
      error_code: 'verification_failed',
      refs: { finding_id: 'guardduty-crypto-mining-i-0fedcba9876543210' },
    });
    expect(rollback).toMatchObject({
      outcome: 'ok',
      refs: { verification_id: verification.id, restored: 'true' },
    });
    expect(res.envelope!.details).toMatchObject({
      verification_audit_id: verification.id,
      rollback_audit_id: rollback.id,
    });
    expect(await verifyAuditFile(r.h.auditFile)).toMatchObject({ ok: true });
  });
});

describe('s3_enable_default_encryption', () => {
  const encryption = {
    action: 's3_enable_default_encryption',
    account: DEMO_STORY.account,
    region: 'us-east-1',
    resource: DEMO_STORY.publicBucket,
  };
  const key = (account: string) =>
    `arn:aws:kms:us-east-1:${account}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;

  it("a KMS key ARN of another account is invalid; the bucket's own account's key plans", async () => {
    for (const kms_key_id of [key('999999999999'), 'arn:aws:kms:us-east-1:999999999999:alias/theirs']) {
      const res = await r.responder.callTool('remediation_plan', {
        ...encryption,
        params: { algorithm: 'aws:kms', kms_key_id },
      });
      expect(res.envelope, kms_key_id).toMatchObject({
        category: 'validation',
        details: { issues: [{ path: 'params.kms_key_id' }] },
      });
      expect(res.envelope!.message).toContain('999999999999');
    }
    const own = await plan(r.responder, {
      ...encryption,
      params: { algorithm: 'aws:kms', kms_key_id: key(DEMO_STORY.account) },
    });
    expect(own).toMatchObject({ after: { encryption: { kms_key_id: key(DEMO_STORY.account) } } });
  });

  it('a bucket with a KMS rule of its own is refused, whatever would replace it', async () => {
    const encrypted = [
      // aws:kms with alias/acme-logs: neither weaker (AES256) nor another key.
      { ...encryption, resource: 'acme-prod-logs', params: {} },
      { ...encryption, resource: 'acme-prod-logs', params: { algorithm: 'aws:kms', kms_key_id: 'alias/x' } },
    ];
    for (const args of encrypted) {
      const res = await r.responder.callTool('remediation_plan', args);
      expect(res.envelope, JSON.stringify(args)).toMatchObject({
        code: 'encryption_rule_exists',
        category: 'conflict',
      });
      expect(res.envelope!.message).toContain('never replaces one');
    }
    // Plain SSE-S3 (every bucket's default on AWS since 2023) may be raised to a key of its own.
    const raised = await plan(await r.as('erin', ['responder']), {
      ...encryption,
      account: '333333333333',
      region: 'us-west-2',
      resource: 'acme-dev-scratch',
      params: { algorithm: 'aws:kms', kms_key_id: 'alias/dev' },
    });
    expect(raised).toMatchObject({ before: { encryption: { algorithm: 'AES256' } } });
    const logs = await r.sim.resourceState(DEMO_STORY.account, 'bucket', 'acme-prod-logs');
    expect(logs!.encryption).toEqual({ algorithm: 'aws:kms', kms_key_id: 'alias/acme-logs' });
  });

  it('AES256 on a bucket with no default encryption still plans', async () => {
    const p = await plan(await r.as('erin', ['responder']), {
      ...encryption,
      params: { algorithm: 'AES256' },
    });
    expect(p).toMatchObject({
      verdict: 'approval_required',
      before: { encryption: null },
      after: { encryption: { algorithm: 'AES256' } },
    });
  });
});

describe('read-back failure after the write', () => {
  it('state unknown: not retryable, a verification record, and the replay does not claim a rollback', async () => {
    const me = await r.as('quinn', ['responder']);
    const p = await plan(me, {
      action: 'ec2_quarantine_instance',
      account: DEMO_STORY.account,
      region: 'us-east-1',
      resource: DEMO_STORY.bastion,
      params: { quarantine_group: DEMO_STORY.quarantineGroup },
    });
    const token = await approveAndToken(p.plan_id as string);
    // The write lands; every read after it times out.
    const read = r.sim.read.bind(r.sim);
    const write = r.sim.write.bind(r.sim);
    let written = false;
    const writes = vi.spyOn(r.sim, 'write').mockImplementation(async (...args) => {
      await write(...args);
      written = true;
    });
    const reads = vi.spyOn(r.sim, 'read').mockImplementation(async (target) => {
      if (written) throw new BackendError('unavailable', 'EC2 DescribeInstances timed out.');
      return read(target);
    });
    let res;
    try {
      res = await me.callTool('remediation_apply', { plan_id: p.plan_id, approval_token: token });
    } finally {
      writes.mockRestore();
      reads.mockRestore();
    }
    expect(written).toBe(true);
    expect(res.envelope).toMatchObject({
      code: 'verification_unavailable',
      retryable: false,
      details: { plan_id: p.plan_id, state: 'unknown', rolled_back: false },
    });
    expect(res.envelope!.message).toContain('may have been applied');
    expect(res.envelope!.remediation).not.toContain('nothing was changed');
    // The backend's own words stay in the log.
    expect(JSON.stringify(res.raw)).not.toContain('DescribeInstances');
    // It did land.
    expect(
      (await r.sim.resourceState(DEMO_STORY.account, 'instance', DEMO_STORY.bastion))!.security_groups,
    ).toEqual([DEMO_STORY.quarantineGroup]);

    const recs = r.h.auditRecords().filter((x) => x.refs?.plan_id === p.plan_id);
    const verification = recs.find((x) => x.kind === 'verification')!;
    expect(verification).toMatchObject({ outcome: 'error', error_code: 'verification_unavailable' });
    expect(res.envelope!.details).toMatchObject({ verification_audit_id: verification.id });
    const call = recs.find((x) => x.tool === 'remediation_apply' && x.refs?.verification_id)!;
    expect(call.refs).toMatchObject({ verification_id: verification.id });
    const got = await me.callTool('remediation_get_plan', { plan_id: p.plan_id });
    expect(got.structured).toMatchObject({
      status: 'failed',
      outcome: {
        rolled_back: false,
        verification_audit_id: verification.id,
        error: { code: 'verification_unavailable' },
      },
    });
    expect(got.text).not.toContain('Not applied');
    expect(JSON.stringify(got.raw)).not.toContain('DescribeInstances');

    const again = await me.callTool('remediation_apply', { plan_id: p.plan_id, approval_token: token });
    expect(again.envelope).toMatchObject({
      code: 'verification_unavailable',
      retryable: false,
      details: { replayed: true, rolled_back: false, verification_audit_id: verification.id },
    });
    expect(again.envelope!.remediation).not.toContain('rolled back;');
    expect(again.envelope!.remediation).toContain('not rolled back');
    expect(await verifyAuditFile(r.h.auditFile)).toMatchObject({ ok: true });
  });
});

describe('ticket fallback and tickets', () => {
  it('an account whose changes must not be automated: the plan becomes a ticket in the embedded queue, linked in the audit', async () => {
    const grace = await r.as('grace', ['responder'], 'globex');
    const p = await plan(grace, {
      action: 's3_block_public_access',
      account: '444444444444',
      region: 'eu-west-1',
      resource: 'globex-prod-reports',
      params: {},
      finding_id: 'globex-finding-1',
    });
    expect(p).toMatchObject({
      verdict: 'ticket',
      status: 'ticketed',
      policies: ['remediation-ticket-only'],
      ticket_key: 'SEC-1',
    });
    const tickets = await new EmbeddedTicketSink(r.engine.store).list('globex');
    expect(tickets[0]).toMatchObject({ key: 'SEC-1', plan_id: p.plan_id, finding_id: 'globex-finding-1' });
    expect(tickets[0]!.description).toContain('public_access_block');
    const rec = r.h
      .auditRecords()
      .find((x) => x.tool === 'remediation_plan' && x.refs?.plan_id === p.plan_id)!;
    expect(rec.refs).toMatchObject({ ticket_key: 'SEC-1', verdict: 'ticket' });
    const apply = await grace.callTool('remediation_apply', { plan_id: p.plan_id });
    expect(apply.envelope).toMatchObject({ code: 'plan_not_applicable' });
  });

  it('remediation_open_ticket: evidence attached, one ticket per finding', async () => {
    const args = {
      summary: 'acme-prod-exports is publicly readable',
      finding_id: 'acme-finding-public-bucket',
      account: DEMO_STORY.account,
      region: 'us-east-1',
      resource: DEMO_STORY.publicBucket,
      severity: 'critical',
      evidence: { BucketPolicyStatement: { Effect: 'Allow', Principal: '*', Action: 's3:GetObject' } },
    };
    const first = await r.responder.callTool('remediation_open_ticket', args);
    expect(first.structured, first.text).toMatchObject({ deduplicated: false, sink: 'embedded' });
    const second = await r.approver.callTool('remediation_open_ticket', {
      ...args,
      summary: 'same finding again',
    });
    expect(second.structured).toMatchObject({ deduplicated: true, ticket_key: first.structured!.ticket_key });
    const tickets = (await new EmbeddedTicketSink(r.engine.store).list('acme')).filter(
      (t) => t.finding_id === args.finding_id,
    );
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.description).toContain('"Principal": "*"');
    const missing = await r.responder.callTool('remediation_open_ticket', { summary: 'no subject' });
    expect(missing.envelope).toMatchObject({ category: 'validation' });
  });
});

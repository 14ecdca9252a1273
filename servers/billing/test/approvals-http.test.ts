/**
 * The approval channel outside the agent: POST /approvals/{plan_id} with an approver's credentials,
 * on the real HTTP app (127.0.0.1, API keys), then applied by the requesting agent over MCP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, generateApiKey } from '@portcullis/core';
import { ApiKeyAuthenticator } from '@portcullis/core/identity';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness } from '@portcullis/core/testing';
import { verifyAuditFile } from '@portcullis/core/audit';
import type { BillingBackend } from '../src/backend.js';
import { server } from '../src/index.js';

// Parsed JSON bodies: each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let h: InProcessHarness<BillingBackend>;
let http: { url: string; close: () => Promise<void> };
let agent: InProcessClient;
const keys: Record<string, string> = {};

async function approveOverHttp(planId: string, key?: string) {
  const res = await fetch(`${http.url}/approvals/${planId}`, {
    method: 'POST',
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function plan(orderId: string, amount: number): Promise<string> {
  const r = await agent.callTool('billing_issue_refund', {
    order_id: orderId,
    amount_minor: amount,
    reason: 'requested_by_customer',
    idempotency_key: `key-${randomUUID()}`,
  });
  expect(r.envelope).toMatchObject({ code: 'approval_required' });
  return r.envelope!.details!.plan_id as string;
}

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: { BILLING_BACKEND: 'embedded' },
  });
  agent = await h.as({ id: 'agent-7', roles: ['support'], tenant: 'acme' });
  const people = [
    { principal: 'manager-1', roles: ['approver'], tenant: 'acme' },
    { principal: 'agent-7', roles: ['support'], tenant: 'acme' },
    { principal: 'agent-8', roles: ['support'], tenant: 'acme' },
    { principal: 'lead-1', roles: ['support', 'approver'], tenant: 'acme' },
    { principal: 'manager-g', roles: ['approver'], tenant: 'globex' },
  ];
  const records = people.map((p) => {
    const { key, record } = generateApiKey(p);
    keys[p.principal] = key;
    return record;
  });
  http = await (
    await createHttpApp(h.runtime, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator(records, false),
    })
  ).listen();
});

afterAll(async () => {
  await http?.close();
  await h?.close();
});

describe('POST /approvals/{plan_id}', () => {
  it('the canonical request: $150 directly, $300 planned, approved over HTTP, applied over MCP, audit chain linked', async () => {
    const direct = await agent.callTool('billing_issue_refund', {
      order_id: '4821',
      amount_minor: 15_000,
      reason: 'requested_by_customer',
      idempotency_key: `key-${randomUUID()}`,
    });
    expect(direct.structured).toMatchObject({ order: { refunded_minor: 15_000 } });
    const planId = await plan('4821', 30_000);
    const res = await approveOverHttp(planId, keys['manager-1']);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      plan: { plan_id: planId, status: 'approved', approver: 'manager-1', requester: 'agent-7' },
      approval_token: expect.any(String),
    });
    const applied = await agent.callTool('billing_apply_refund', {
      plan_id: planId,
      approval_token: res.body.approval_token,
    });
    expect(applied.isError).toBe(false);
    expect(applied.structured).toMatchObject({
      result: { refund: { amount_minor: 30_000 }, order: { refunded_minor: 45_000, status: 'refunded' } },
    });
    const records = h.auditRecords();
    const planRecord = records.find(
      (r) =>
        r.tool === 'billing_issue_refund' && r.outcome === 'approval_required' && r.refs?.plan_id === planId,
    );
    expect(planRecord).toMatchObject({
      principal: 'agent-7',
      decision: { effect: 'approval_required', policies: ['billing-refund-needs-approval'] },
    });
    expect(records.find((r) => r.id === direct.auditId)).toMatchObject({
      outcome: 'ok',
      decision: { policies: ['billing-refund-direct'] },
    });
    const approvalRecord = records.find(
      (r) => r.tool === 'billing_approve_refund' && r.principal === 'manager-1' && r.outcome === 'ok',
    );
    const applyRecord = records.find((r) => r.id === applied.auditId);
    expect(approvalRecord?.refs).toMatchObject({ plan_id: planId, approval_id: res.body.approval_id });
    expect(applyRecord?.refs).toMatchObject({ plan_id: planId, approval_id: res.body.approval_id });
    expect(await verifyAuditFile(h.auditFile)).toMatchObject({ ok: true });
  });

  it('requires credentials (401 with a WWW-Authenticate challenge)', async () => {
    const planId = await plan('4822', 25_000);
    const res = await approveOverHttp(planId);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
    expect((await approveOverHttp(planId, 'pk_000000000000_not-a-real-key')).status).toBe(401);
  });

  it('refuses a non-approver (403), the requester (403 self_approval), another tenant (404) and a second approval (409)', async () => {
    const planId = await plan('4825', 25_001);
    // A third principal, not the requester: a broken role check cannot hide behind self_approval.
    const nonApprover = await approveOverHttp(planId, keys['agent-8']);
    expect(nonApprover.status).toBe(403);
    expect(nonApprover.body.error).toMatchObject({
      code: 'not_an_approver',
      category: 'forbidden',
      audit_id: expect.any(String),
    });
    expect(h.auditRecords().find((r) => r.id === nonApprover.body.error.audit_id)).toMatchObject({
      principal: 'agent-8',
      tool: 'billing_approve_refund',
      outcome: 'denied',
      error_code: 'unknown_tool',
    });
    const leadPlan = await (async () => {
      const lead = await h.as({ id: 'lead-1', roles: ['support', 'approver'], tenant: 'acme' });
      const r = await lead.callTool('billing_issue_refund', {
        order_id: '4826',
        amount_minor: 25_002,
        reason: 'other',
        idempotency_key: `key-${randomUUID()}`,
      });
      return r.envelope!.details!.plan_id as string;
    })();
    const self = await approveOverHttp(leadPlan, keys['lead-1']);
    expect(self.status).toBe(403);
    expect(self.body.error).toMatchObject({
      code: 'self_approval',
      category: 'forbidden',
      audit_id: expect.any(String),
    });
    const foreign = await approveOverHttp(planId, keys['manager-g']);
    expect(foreign.status).toBe(404);
    expect((await approveOverHttp(planId, keys['manager-1'])).status).toBe(200);
    const twice = await approveOverHttp(planId, keys['manager-1']);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'plan_not_pending' });
  });

  it('on a one-system host, leaves the plan lookup to the approve tool, after identity and the rate limit', async () => {
    const surface = h.runtime.surfaces[0] as unknown as {
      ownsPlan: (id: string, tenant: string) => Promise<boolean>;
    };
    const ownsPlan = surface.ownsPlan;
    let lookups = 0;
    surface.ownsPlan = (id, tenant) => {
      lookups += 1;
      return ownsPlan.call(surface, id, tenant);
    };
    try {
      // A non-approver's guesses reach no store: the tool is hidden from them (403).
      const guess = await approveOverHttp(`plan_${randomUUID()}`, keys['agent-8']);
      expect(guess.status).toBe(403);
      const unknown = await approveOverHttp(`plan_${randomUUID()}`, keys['manager-1']);
      expect(unknown.status).toBe(404);
      expect(lookups).toBe(0);
    } finally {
      surface.ownsPlan = ownsPlan;
    }
  });
});

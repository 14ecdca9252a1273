/**
 * The broker fronting crm and billing in-process: one host (one store, one audit chain), the
 * broker's door (its Cedar policy over upstream and tool annotations) before each system's own
 * stages, the caller's principal passed in-process, and the refund story driven through it.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { verifyAuditFile } from '@portcullis/core/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBroker, loadBrokerConfig, type Federation } from '../src/index.js';
import { LOCAL_SYSTEMS } from '../src/locals.js';
import { configFile } from './helpers.js';

const DOOR = fileURLToPath(new URL('./fixtures/door-policies/', import.meta.url));

describe('broker over local crm and billing', () => {
  let h: InProcessHarness<Federation>;

  beforeAll(async () => {
    const config = loadBrokerConfig(
      configFile(
        ['upstreams:', '  - name: crm', '    local: crm', '  - name: billing', '    local: billing', ''].join(
          '\n',
        ),
      ),
    );
    h = await startInProcess(defineBroker(config), {
      principal: { id: 'agent-7', roles: ['support'], tenant: 'acme' },
      env: { PORTCULLIS_POLICY_DIR: DOOR },
    });
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  it('lists both systems under their own names, announced as the broker', async () => {
    const names = await h.listToolNames();
    expect(names).toEqual(expect.arrayContaining(['billing_get_order', 'billing_issue_refund']));
    expect(h.client.getServerVersion()?.name).toBe('portcullis-broker');
  });

  it("calls a local system as the caller: both records in one chain, the broker's referencing the system's", async () => {
    const r = await h.callTool('billing_get_order', { order_id: '4821' });
    expect(r.isError, r.text).toBe(false);
    const records = h.auditRecords();
    const door = records.find((x) => x.id === r.auditId)!;
    expect(door).toMatchObject({
      server: 'portcullis-broker',
      tool: 'billing_get_order',
      principal: 'agent-7',
      outcome: 'ok',
      refs: { upstream: 'billing' },
    });
    const inner = records.find((x) => x.id === door.refs!.upstream_audit_id)!;
    expect(inner).toMatchObject({
      server: 'portcullis-billing',
      tool: 'billing_get_order',
      principal: 'agent-7',
    });
    expect(inner.trace_id).toBe(door.trace_id);
  });

  it('a principal allowed on crm but not billing sees and reaches only crm', async () => {
    const c = await h.as({
      id: 'alice',
      roles: ['rep', 'crm_only'],
      tenant: 'acme',
      attributes: { team: 'east' },
    });
    const names = await c.listToolNames();
    expect(names.some((n) => n.startsWith('crm_'))).toBe(true);
    expect(names.filter((n) => n.startsWith('billing_'))).toEqual([]);
    const crm = await c.callTool('crm_search_accounts', {});
    expect(crm.isError, crm.text).toBe(false);
    await expect(
      c.client.callTool({ name: 'billing_get_order', arguments: { order_id: '4821' } }),
    ).rejects.toThrow(/Unknown tool/);
  });

  it('a viewer is blocked at the door from every tool its upstream marks destructive', async () => {
    const v = await h.as({ id: 'auditor', roles: ['viewer'], tenant: 'acme' });
    const listed = (await v.client.listTools()).tools;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((t) => t.annotations?.destructiveHint === true)).toEqual([]);
    const destructive = [...h.runtime.surfaces[0]!.tools.values()].filter(
      (e) => e.def.access === 'destructive',
    );
    expect(destructive.length).toBeGreaterThan(0);
    for (const e of destructive)
      await expect(v.client.callTool({ name: e.def.name, arguments: {} })).rejects.toThrow(/Unknown tool/);
  });

  it('the refund story through the broker: direct, planned, approved, applied; the chain verifies', async () => {
    const refund = (amount: number) => ({
      order_id: '4821',
      amount_minor: amount,
      reason: 'requested_by_customer',
      idempotency_key: `broker-${randomUUID()}`,
    });
    const direct = await h.callTool('billing_issue_refund', refund(15_000));
    expect(direct.isError, direct.text).toBe(false);
    const more = await h.callTool('billing_issue_refund', refund(30_000));
    // billing's own envelope, unchanged, with the upstream named.
    expect(more.envelope).toMatchObject({
      code: 'approval_required',
      category: 'approval_required',
      details: { plan_id: expect.stringMatching(/^plan_/), upstream: 'billing' },
    });
    const planId = more.envelope!.details!.plan_id as string;
    const manager = await h.as({ id: 'manager-1', roles: ['approver'], tenant: 'acme' });
    const approved = await manager.callTool('billing_approve_refund', { plan_id: planId });
    expect(approved.isError, approved.text).toBe(false);
    const token = approved.structured!.approval_token as string;
    const applied = await h.callTool('billing_apply_refund', { plan_id: planId, approval_token: token });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured).toMatchObject({ plan: { plan_id: planId, status: 'applied' } });

    const records = h.auditRecords();
    for (const id of [direct.auditId, more.auditId, approved.auditId, applied.auditId]) {
      const door = records.find((x) => x.id === id)!;
      expect(door.server).toBe('portcullis-broker');
      const inner = records.find((x) => x.id === door.refs?.upstream_audit_id);
      expect(inner?.server, `${door.tool} references billing's record`).toBe('portcullis-billing');
    }
    const v = await verifyAuditFile(h.auditFile);
    expect(v.ok, JSON.stringify(v)).toBe(true);
  });
});

describe('the broker’s store', () => {
  it('loads every extension, whichever systems this configuration mounts', () => {
    // The store may hold the tables and indexes of a system an earlier configuration mounted (the
    // CRM's trigram indexes need pg_trgm even while only billing is configured).
    const billingOnly = defineBroker(
      loadBrokerConfig(configFile(['upstreams:', '  - name: billing', '    local: billing', ''].join('\n'))),
    );
    expect(billingOnly.storeExtensions).toEqual(['pg_trgm']);
    for (const system of Object.values(LOCAL_SYSTEMS))
      for (const ext of system.storeExtensions ?? []) expect(billingOnly.storeExtensions).toContain(ext);
  });
});

/**
 * Billing's Cedar policies decided directly (no runtime, no ledger): every refund threshold at its
 * edges, per currency. The server hands policy each currency's limits beside the order's
 * cumulative totals (Cedar cannot look them up), so the same rules hold for USD, JPY and KWD.
 */
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '@portcullis/core/policy';
import type { PolicyResource, Principal } from '@portcullis/core';
import { server } from '../src/index.js';

const engine = new PolicyEngine({
  serverName: 'billing-policy-test',
  policyDir: server.policyDir,
  tools: server.tools,
  extraActions: server.extraActions,
});

const agent: Principal = {
  id: 'agent-1',
  roles: ['support'],
  tenant: 'acme',
  attributes: {},
  onBehalfOf: null,
  via: 'stdio',
};

const LIMITS = {
  USD: {
    approval_above_minor: 20_000,
    max_minor: 50_000,
    principal_daily_minor: 100_000,
    tenant_daily_minor: 500_000,
  },
  JPY: {
    approval_above_minor: 30_000,
    max_minor: 75_000,
    principal_daily_minor: 150_000,
    tenant_daily_minor: 400_000,
  },
  KWD: {
    approval_above_minor: 60_000,
    max_minor: 150_000,
    principal_daily_minor: 300_000,
    tenant_daily_minor: 800_000,
  },
};
type Cur = keyof typeof LIMITS;

/** An order as the resolver builds it: totals after this request, limits of its currency. */
function order(
  cur: Cur,
  t: { total: number; principalToday?: number; tenantToday?: number },
): PolicyResource {
  return {
    type: 'Order',
    id: '4821',
    attributes: {
      tenant: 'acme',
      customer_id: 'cus_acme_0007',
      currency: cur,
      paid_minor: 10_000_000,
      refunded_minor: 0,
      refundable_minor: 10_000_000,
      planned_refunds_minor: 0,
      refund_total_after_minor: t.total,
      principal_today_after_minor: t.principalToday ?? t.total,
      tenant_today_after_minor: t.tenantToday ?? t.total,
      limits: LIMITS[cur],
      version: '1',
    },
  };
}

function decide(resource: PolicyResource, amount = 1) {
  return engine.authorize({
    principal: agent,
    action: 'billing_issue_refund',
    resource,
    context: {
      args: {
        order_id: '4821',
        amount_minor: amount,
        reason: 'requested_by_customer',
        idempotency_key: 'k-00000001',
      },
      now: 1_750_000_000,
    },
  });
}

describe('issue 9.5: refund thresholds at their edges, on the policy alone', () => {
  const currencies = Object.keys(LIMITS) as Cur[];
  it.each(currencies)('%s: the order cumulative total against approval threshold and maximum', (cur) => {
    const l = LIMITS[cur];
    const rows: [number, string, string[]][] = [
      [l.approval_above_minor, 'allow', ['billing-refund-direct']],
      [l.approval_above_minor + 1, 'approval_required', ['billing-refund-needs-approval']],
      [l.max_minor, 'approval_required', ['billing-refund-needs-approval']],
      [l.max_minor + 1, 'deny', ['billing-refund-over-limit']],
    ];
    for (const [total, effect, policies] of rows) {
      const d = decide(order(cur, { total, principalToday: 1, tenantToday: 1 }));
      expect({ total, effect: d.effect, policies: d.policies }).toEqual({ total, effect, policies });
    }
  });

  it.each(currencies)('%s: the principal and tenant daily budgets at and past their edge', (cur) => {
    const l = LIMITS[cur];
    expect(decide(order(cur, { total: 1, principalToday: l.principal_daily_minor })).effect).toBe('allow');
    expect(decide(order(cur, { total: 1, principalToday: l.principal_daily_minor + 1 }))).toMatchObject({
      effect: 'deny',
      policies: ['billing-refund-daily-budget'],
    });
    expect(
      decide(order(cur, { total: 1, principalToday: 1, tenantToday: l.tenant_daily_minor })).effect,
    ).toBe('allow');
    expect(
      decide(order(cur, { total: 1, principalToday: 1, tenantToday: l.tenant_daily_minor + 1 })),
    ).toMatchObject({ effect: 'deny', policies: ['billing-refund-tenant-daily-budget'] });
  });

  it('finding 2: an order in a currency without limits is refused by policy too', () => {
    const r = order('USD', { total: 1 });
    delete (r.attributes as Record<string, unknown>).limits;
    expect(decide(r)).toMatchObject({ effect: 'deny', policies: ['billing-refund-currency-configured'] });
  });

  it("finding 4 (billing's wall): an order of another tenant is denied by the tenant rule", () => {
    const r = order('USD', { total: 1 });
    r.attributes.tenant = 'globex';
    expect(decide(r)).toMatchObject({ effect: 'deny', policies: ['billing-tenant-isolation'] });
  });
});

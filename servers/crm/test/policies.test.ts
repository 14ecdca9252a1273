/** The shipped Cedar policies, decided directly (no runtime): every rule, and the decisions it names. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wholeSetOracle } from '@portcullis/test-support/cedar-oracle';
import { PolicyEngine } from '@portcullis/core/policy';
import type { CedarValue, PolicyResource, Principal } from '@portcullis/core';
import { server } from '../src/index.js';

const engine = new PolicyEngine({
  serverName: 'crm-policy-test',
  policyDir: server.policyDir,
  tools: server.tools,
  extraActions: server.extraActions,
});

function who(id: string, roles: string[], tenant = 'acme', team?: string): Principal {
  return {
    id,
    roles,
    tenant,
    attributes: team === undefined ? {} : { team },
    onBehalfOf: null,
    via: 'stdio',
  };
}

function rec(
  type: string,
  owner: string,
  team: string,
  extra: Record<string, CedarValue> = {},
  tenant = 'acme',
  target?: [string, string],
): PolicyResource {
  return {
    type,
    id: 'r1',
    attributes: {
      tenant,
      owner: user(owner),
      team,
      target_owner: user(target?.[0] ?? owner),
      target_team: target?.[1] ?? team,
      version: 1,
      ...extra,
    },
  };
}

function user(id: string): CedarValue {
  return { __entity: { type: 'User', id } };
}

function decide(
  p: Principal,
  action: string,
  resource: PolicyResource,
  args: Record<string, CedarValue> = {},
) {
  return engine.authorize({ principal: p, action, resource, context: { args, now: 1_750_000_000 } });
}

const alice = who('alice', ['rep'], 'acme', 'east');
const carol = who('carol', ['manager'], 'acme', 'east');
const viewer = who('victor', ['viewer']);
const admin = who('root', ['admin']);

describe('CRM policies', () => {
  it('validate in strict mode and carry ids', () => {
    expect(engine.policyIds.sort()).toEqual(
      [
        'crm-email-admin',
        'crm-email-contact-cool-down',
        'crm-email-customer-facing-needs-account',
        'crm-email-daily-budget',
        'crm-email-own-accounts',
        'crm-email-support-service',
        'crm-email-team-accounts',
        'crm-email-template-requires-manager',
        'crm-email-templates',
        'crm-email-viewers-never-send',
        'crm-large-deal-close',
        'crm-pii-reader',
        'crm-read',
        'crm-tenant-isolation',
        'crm-write-admin',
        'crm-write-own-records',
        'crm-write-team-records',
      ].sort(),
    );
  });

  it('let every role read its own tenant, and nobody another tenant', () => {
    for (const p of [viewer, alice, carol, admin])
      expect(decide(p, 'crm_get_account', rec('Account', 'bob', 'west')).effect).toBe('allow');
    const cross = decide(admin, 'crm_get_account', rec('Account', 'bob', 'west', {}, 'globex'));
    expect(cross).toMatchObject({ effect: 'deny', policies: ['crm-tenant-isolation'] });
    expect(decide(who('nobody', []), 'crm_get_account', rec('Account', 'bob', 'west')).effect).toBe('deny');
  });

  it('let a rep write only records they own, and not give them away', () => {
    expect(decide(alice, 'crm_update_contact', rec('Contact', 'alice', 'east'))).toMatchObject({
      effect: 'allow',
      policies: ['crm-write-own-records'],
    });
    expect(decide(alice, 'crm_update_contact', rec('Contact', 'erin', 'east')).effect).toBe('deny');
    expect(
      decide(alice, 'crm_update_contact', rec('Contact', 'alice', 'east', {}, 'acme', ['bob', 'west']))
        .effect,
    ).toBe('deny');
    expect(decide(alice, 'crm_log_activity', rec('Activity', 'alice', 'east')).effect).toBe('allow');
    expect(decide(viewer, 'crm_log_activity', rec('Activity', 'victor', '')).effect).toBe('deny');
  });

  it('let a manager write within their team only', () => {
    expect(
      decide(carol, 'crm_update_contact', rec('Contact', 'erin', 'east', {}, 'acme', ['alice', 'east'])),
    ).toMatchObject({
      effect: 'allow',
      policies: ['crm-write-team-records'],
    });
    expect(decide(carol, 'crm_update_contact', rec('Contact', 'bob', 'west')).effect).toBe('deny');
    expect(
      decide(carol, 'crm_update_contact', rec('Contact', 'erin', 'east', {}, 'acme', ['bob', 'west'])).effect,
    ).toBe('deny');
    expect(decide(who('mgr', ['manager']), 'crm_update_contact', rec('Contact', 'erin', '')).effect).toBe(
      'deny',
    );
  });

  it('keep large wins for managers and admins (an amount rule)', () => {
    const usd = (amount: number) => ({
      amount,
      currency: 'USD',
      amount_minor: amount * 100,
      large_deal_minor: 10_000_000,
      stage: 'negotiation',
    });
    const big = rec('Opportunity', 'alice', 'east', usd(250_000));
    const small = rec('Opportunity', 'alice', 'east', usd(50_000));
    expect(
      decide(alice, 'crm_update_opportunity_stage', big, { id: 'r1', version: 1, stage: 'closed_won' }),
    ).toMatchObject({
      effect: 'deny',
      policies: ['crm-large-deal-close'],
    });
    expect(
      decide(alice, 'crm_update_opportunity_stage', big, { id: 'r1', version: 1, stage: 'closed_lost' })
        .effect,
    ).toBe('allow');
    expect(
      decide(alice, 'crm_update_opportunity_stage', small, { id: 'r1', version: 1, stage: 'closed_won' })
        .effect,
    ).toBe('allow');
    expect(
      decide(carol, 'crm_update_opportunity_stage', big, { id: 'r1', version: 1, stage: 'closed_won' })
        .effect,
    ).toBe('allow');
  });

  it('show personal data to pii_reader only, in its own tenant', () => {
    const contact = rec('Contact', 'alice', 'east');
    expect(
      engine.authorize({
        principal: alice,
        action: 'crm_read_pii',
        resource: contact,
        context: { args: {}, now: 0 },
      }).effect,
    ).toBe('deny');
    const reader = who('paula', ['viewer', 'pii_reader']);
    expect(
      engine.authorize({
        principal: reader,
        action: 'crm_read_pii',
        resource: contact,
        context: { args: {}, now: 0 },
      }).effect,
    ).toBe('allow');
    const foreign = rec('Contact', 'grace', 'north', {}, 'globex');
    expect(
      engine.authorize({
        principal: reader,
        action: 'crm_read_pii',
        resource: foreign,
        context: { args: {}, now: 0 },
      }).effect,
    ).toBe('deny');
  });

  it('hide write tools from viewers and read tools from principals without a CRM role', () => {
    expect(engine.mayEverPermit(viewer, 'crm_create_contact')).toBe(false);
    expect(engine.mayEverPermit(viewer, 'crm_search_accounts')).toBe(true);
    expect(engine.mayEverPermit(alice, 'crm_create_contact')).toBe(true);
    expect(engine.mayEverPermit(who('x', ['pii_reader']), 'crm_search_contacts')).toBe(false);
  });

  describe('finding 2 / issue 9.5: the large-deal rule per currency, at its edge', () => {
    // Thresholds in minor units: 100,000.00 USD; 15,000,000 JPY (no minor unit); 30,000.000 KWD.
    const table = [
      { currency: 'USD', exp: 2, threshold: 100_000 },
      { currency: 'JPY', exp: 0, threshold: 15_000_000 },
      { currency: 'KWD', exp: 3, threshold: 30_000 },
    ];
    const close = { id: 'r1', version: 1, stage: 'closed_won' };
    it.each(table)('$currency: threshold - 1 closes for a rep, the threshold needs a manager', (t) => {
      const opp = (amount: number) =>
        rec('Opportunity', 'alice', 'east', {
          amount,
          currency: t.currency,
          amount_minor: amount * 10 ** t.exp,
          large_deal_minor: t.threshold * 10 ** t.exp,
          stage: 'negotiation',
        });
      expect(decide(alice, 'crm_update_opportunity_stage', opp(t.threshold - 1), close).effect).toBe('allow');
      expect(decide(alice, 'crm_update_opportunity_stage', opp(t.threshold), close)).toMatchObject({
        effect: 'deny',
        policies: ['crm-large-deal-close'],
      });
      expect(decide(carol, 'crm_update_opportunity_stage', opp(t.threshold), close).effect).toBe('allow');
    });
  });

  it('finding 4: a record of another tenant is denied by the tenant rule, whatever else permits', () => {
    const foreign = rec('Account', 'root', '', {}, 'globex');
    expect(decide(admin, 'crm_get_account', foreign, { id: 'r1' })).toMatchObject({
      effect: 'deny',
      policies: ['crm-tenant-isolation'],
    });
  });
});

describe('the engine decides each action with its slice of the policies: as the whole set would', () => {
  // The whole shipped set decided by Cedar directly with every attribute (and the kit's rule).
  const wholeSet = wholeSetOracle(
    readdirSync(server.policyDir)
      .filter((f) => f.endsWith('.cedar'))
      .map((f) => readFileSync(join(server.policyDir, f), 'utf8')),
  );

  it('every tool and secondary action, for every role, record kind and tenant', () => {
    const actions = [...server.tools.map((t) => t.name), ...(server.extraActions ?? []).map((a) => a.name)];
    const principals = [
      alice,
      carol,
      viewer,
      admin,
      who('pat', ['rep', 'pii_reader'], 'acme', 'west'),
      who('nobody', []),
      who('mallory', ['admin'], 'globex'),
    ];
    const opportunity = (amount: number) => ({
      amount,
      currency: 'USD',
      amount_minor: amount * 100,
      large_deal_minor: 10_000_000,
      stage: 'negotiation',
    });
    const email = (n: number) => ({
      has_account: true,
      template: 'follow_up',
      category: n > 0 ? 'marketing' : 'transactional',
      customer_facing: true,
      requires_manager: n > 1,
      sent_today_by_principal: n * 40,
      daily_send_budget: 50,
      sent_today_to_contact: n,
      contact_daily_limit: 2,
    });
    const resources: PolicyResource[] = [
      rec('Account', 'alice', 'east'),
      rec('Account', 'carol', 'east', {}, 'acme', ['dave', 'west']),
      rec('Contact', 'bob', 'west'),
      rec('Contact', 'alice', 'east', {}, 'globex'),
      rec('Opportunity', 'alice', 'east', opportunity(5_000)),
      rec('Opportunity', 'alice', 'east', opportunity(500_000)),
      rec('Activity', 'alice', 'east'),
      { type: 'Tenant', id: 'acme', attributes: { tenant: 'acme' } },
      ...[0, 1, 2].map((n) => ({
        type: 'EmailMessage',
        id: `m${n}`,
        attributes: { tenant: 'acme', owner: user('alice'), team: 'east', ...email(n) },
      })),
    ];
    const argsList: Record<string, CedarValue>[] = [
      {},
      { id: 'r1', stage: 'closed_won' },
      { stage: 'proposal' },
    ];
    let compared = 0;
    const outcomes = new Set<string>();
    for (const action of actions)
      for (const p of principals)
        for (const r of resources)
          for (const args of argsList) {
            const context = { args, now: 1_750_000_000 };
            const sliced = engine.authorize({ principal: p, action, resource: r, context });
            expect({
              effect: sliced.effect === 'deny' ? 'deny' : 'allow',
              policies: sliced.policies,
              errors: sliced.errors,
            }).toEqual(wholeSet({ principal: p, action, resource: r, context }));
            outcomes.add(sliced.effect);
            compared++;
          }
    expect(compared).toBe(actions.length * principals.length * resources.length * argsList.length);
    expect(outcomes).toEqual(new Set(['allow', 'deny']));
  });
});

/** The e-mail Cedar rules decided directly (no runtime): each rule and the policy it names. */
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '@portcullis/core/policy';
import type { CedarValue, PolicyResource, Principal } from '@portcullis/core';
import { server } from '../src/index.js';

const engine = new PolicyEngine({
  serverName: 'crm-email-policy-test',
  policyDir: server.policyDir,
  tools: server.tools,
  extraActions: server.extraActions,
});

const who = (id: string, roles: string[], team?: string): Principal => ({
  id,
  roles,
  tenant: 'acme',
  attributes: team === undefined ? {} : { team },
  onBehalfOf: null,
  via: 'stdio',
});

const message = (over: Record<string, CedarValue> = {}): PolicyResource => ({
  type: 'EmailMessage',
  id: 'con_1',
  attributes: {
    tenant: 'acme',
    owner: { __entity: { type: 'User', id: 'alice' } },
    team: 'east',
    has_account: true,
    template: 'follow_up',
    category: 'sales',
    customer_facing: true,
    requires_manager: false,
    sent_today_by_principal: 0,
    daily_send_budget: 50,
    sent_today_to_contact: 0,
    contact_daily_limit: 2,
    ...over,
  },
});

const args = { contact_id: 'con_1', template: 'follow_up', variables: {}, idempotency_key: 'k-12345678' };
const decide = (p: Principal, r: PolicyResource, action = 'crm_send_email') =>
  engine.authorize({ principal: p, action, resource: r, context: { args, now: 0 } });

const alice = who('alice', ['rep'], 'east');
const carol = who('carol', ['manager'], 'east');
const support = who('agent-7', ['support']);

describe('e-mail policies', () => {
  it('reps send to contacts of accounts they own; managers within their team; admins anywhere', () => {
    expect(decide(alice, message())).toMatchObject({ effect: 'allow', policies: ['crm-email-own-accounts'] });
    expect(decide(alice, message({ owner: { __entity: { type: 'User', id: 'bob' } } })).effect).toBe('deny');
    expect(decide(carol, message({ owner: { __entity: { type: 'User', id: 'erin' } } })).effect).toBe(
      'allow',
    );
    expect(decide(carol, message({ team: 'west' })).effect).toBe('deny');
    expect(decide(who('root', ['admin']), message({ team: 'west' })).effect).toBe('allow');
  });

  it('viewers never send or preview, and the forbid names itself', () => {
    for (const action of ['crm_send_email', 'crm_preview_email'])
      expect(decide(who('victor', ['viewer']), message(), action)).toMatchObject({
        effect: 'deny',
        policies: ['crm-email-viewers-never-send'],
      });
    expect(engine.mayEverPermit(who('victor', ['viewer']), 'crm_send_email')).toBe(false);
    expect(engine.mayEverPermit(who('victor', ['viewer']), 'crm_list_templates')).toBe(false);
  });

  it('support sends service templates to any contact, never sales ones', () => {
    const service = message({
      category: 'service',
      template: 'refund_issued',
      owner: { __entity: { type: 'User', id: 'bob' } },
    });
    expect(decide(support, service)).toMatchObject({
      effect: 'allow',
      policies: ['crm-email-support-service'],
    });
    expect(decide(support, message()).effect).toBe('deny');
  });

  it('decides template attributes: requires_manager, customer_facing', () => {
    expect(decide(alice, message({ requires_manager: true }))).toMatchObject({
      effect: 'deny',
      policies: ['crm-email-template-requires-manager'],
    });
    expect(decide(carol, message({ requires_manager: true })).effect).toBe('allow');
    expect(decide(alice, message({ has_account: false }))).toMatchObject({
      effect: 'deny',
      policies: ['crm-email-customer-facing-needs-account'],
    });
  });

  it('holds the daily budget and the per-contact cool-down for sends, not previews', () => {
    const spent = message({ sent_today_by_principal: 50 });
    expect(decide(alice, spent)).toMatchObject({ effect: 'deny', policies: ['crm-email-daily-budget'] });
    expect(decide(alice, message({ sent_today_by_principal: 49 })).effect).toBe('allow');
    const cooled = message({ sent_today_to_contact: 2 });
    expect(decide(carol, cooled)).toMatchObject({
      effect: 'deny',
      policies: ['crm-email-contact-cool-down'],
    });
    expect(decide(alice, spent, 'crm_preview_email').effect).toBe('allow');
  });

  it('keeps tenants apart', () => {
    expect(decide(who('root', ['admin']), message({ tenant: 'globex' }))).toMatchObject({
      effect: 'deny',
      policies: ['crm-tenant-isolation'],
    });
  });
});

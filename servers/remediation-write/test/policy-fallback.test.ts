/**
 * remediation_automate fails closed: with a policy set of one's own (PORTCULLIS_POLICY_DIR) that
 * only permits automating under a condition and has no forbid, a change the permit does not cover
 * is denied with no deciding policy, and that must still be a ticket, never a direct change.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingPlan, startRemediation, WEDNESDAY_10, type Remediation } from './harness.js';

let r: Remediation;

/** The shipped policies, automating permitted only in automate accounts, no ticket forbid. */
function conditionalAutomatePolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'remediation-policies-'));
  cpSync(fileURLToPath(new URL('../policies', import.meta.url)), dir, { recursive: true });
  const file = join(dir, 'remediation.cedar');
  const shipped = readFileSync(file, 'utf8');
  const permit = 'permit (principal, action == Action::"remediation_automate", resource);';
  const forbid = /@id\("remediation-ticket-only"\)[\s\S]*?when \{ resource\.change_mode == "ticket" \};/;
  expect(shipped).toContain(permit);
  expect(shipped).toMatch(forbid);
  writeFileSync(
    file,
    shipped
      .replace(
        permit,
        'permit (principal, action == Action::"remediation_automate", resource)\n' +
          'when { resource.change_mode == "automate" };',
      )
      .replace(forbid, ''),
  );
  return dir;
}

beforeAll(async () => {
  r = await startRemediation(
    {
      PORTCULLIS_POLICY_DIR: conditionalAutomatePolicies(),
      // The staging account goes through the change board.
      REMEDIATION_ACCOUNTS: JSON.stringify({
        [stagingPlan.account]: {
          tenant: 'acme',
          name: 'acme-staging',
          environment: 'staging',
          change_mode: 'ticket',
        },
      }),
    },
    WEDNESDAY_10,
  );
});
afterAll(async () => {
  await r?.close();
});

describe('remediation_automate without a deciding policy', () => {
  it('a ticket-only account gets a ticket, not a direct change', async () => {
    const before = await r.sim.resourceState(stagingPlan.account, 'security_group', stagingPlan.resource);
    const res = await r.responder.callTool('remediation_plan', {
      ...stagingPlan,
      finding_id: 'staging-sg-22-open',
    });
    expect(res.structured, res.text).toMatchObject({
      verdict: 'ticket',
      status: 'ticketed',
      policies: [],
      ticket_key: expect.stringMatching(/^SEC-\d+$/),
    });
    expect((res.structured!.reasons as string[]).join(' ')).toContain('automating this change');
    const apply = await r.responder.callTool('remediation_apply', { plan_id: res.structured!.plan_id });
    expect(apply.envelope).toMatchObject({ code: 'plan_not_applicable' });
    expect(await r.sim.resourceState(stagingPlan.account, 'security_group', stagingPlan.resource)).toEqual(
      before,
    );
  });

  it('an account the permit covers is still changed directly', async () => {
    const res = await r.responder.callTool('remediation_plan', {
      action: 's3_block_public_access',
      account: '333333333333',
      region: 'us-west-2',
      resource: 'acme-dev-scratch',
      params: {},
    });
    expect(res.structured, res.text).toMatchObject({ verdict: 'direct', status: 'ready' });
  });
});

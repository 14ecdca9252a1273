/**
 * Two replicas on one PostgreSQL: the kill switch engaged through one is honoured by the other on
 * its very next apply (it is read from the store on every apply), and two applies of one plan
 * racing on the two replicas (truly parallel transactions) apply it once. Skipped, with the reason,
 * when no PostgreSQL binaries are installed; CI installs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from '@portcullis/test-support/postgres-suite';
import { runKillSwitchCli } from '../src/kill-switch-cli.js';
import { DEMO_STORY, startRemediation, type Remediation } from './harness.js';

withPostgres('remediation-write replicas on PostgreSQL', (pg) => {
  let a: Remediation;
  let b: Remediation;

  beforeAll(async () => {
    // Both start (migrate, seed) at once, as replicas of one deployment do.
    [a, b] = await Promise.all([
      startRemediation({ DATABASE_URL: pg().url }),
      startRemediation({ DATABASE_URL: pg().url }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  describe('remediation-write replicas on one PostgreSQL', () => {
    it('the kill-switch command reaches the store through DATABASE_URL as a credential reference', async () => {
      let out = '';
      let err = '';
      const io = {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: (s: string) => (err += s) },
      };
      const env = {
        DATABASE_URL: 'env:REMEDIATION_TEST_DATABASE_URL',
        REMEDIATION_TEST_DATABASE_URL: pg().url,
      };
      expect(await runKillSwitchCli(['status'], env, io), err).toBe(0);
      expect(out).toMatch(/^kill switch: /);
    });

    it('the kill switch engaged on one replica stops applies on the other at once', async () => {
      const plan = await b.responder.callTool('remediation_plan', {
        action: 's3_enable_default_encryption',
        account: DEMO_STORY.staging,
        region: 'us-east-1',
        resource: 'acme-staging-artifacts',
      });
      expect(plan.structured, plan.text).toMatchObject({ verdict: 'direct' });
      await a.h.callTool('remediation_set_kill_switch', { state: 'on', reason: 'replica test' });
      try {
        const refused = await b.responder.callTool('remediation_apply', {
          plan_id: plan.structured!.plan_id,
        });
        expect(refused.envelope).toMatchObject({ code: 'kill_switch_engaged' });
        expect(await b.h.runtime.metrics!.registry.metrics()).toMatch(
          /portcullis_kill_switch_engaged\{[^}]*\} 1/,
        );
      } finally {
        await a.h.callTool('remediation_set_kill_switch', { state: 'off', reason: 'replica test over' });
      }
      const applied = await b.responder.callTool('remediation_apply', { plan_id: plan.structured!.plan_id });
      expect(applied.structured, applied.text).toMatchObject({ plan: { status: 'applied' } });
    });

    it('two applies of one plan racing on two replicas apply it once', async () => {
      const plan = await a.responder.callTool('remediation_plan', {
        action: 'iam_deactivate_access_key',
        account: DEMO_STORY.staging,
        region: 'global',
        resource: 'AKIAI44QH8DHBEXAMPLE',
        params: { user: 'deploy-bot' },
      });
      const id = plan.structured!.plan_id as string;
      const results = await Promise.all([
        a.responder.callTool('remediation_apply', { plan_id: id }),
        b.responder.callTool('remediation_apply', { plan_id: id }),
      ]);
      const applied = results.filter((r) => r.structured?.replayed === false);
      expect(applied).toHaveLength(1);
      for (const r of results.filter((x) => x !== applied[0])) {
        if (r.isError) expect(r.envelope).toMatchObject({ code: 'apply_in_progress' });
        else expect(r.structured).toMatchObject({ replayed: true });
      }
      const n = await a.engine.store.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM remediation_applies WHERE plan_id = $1',
        [id],
      );
      expect(Number(n.rows[0]!.n)).toBe(1);
    });
  });
});

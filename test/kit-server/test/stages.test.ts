/**
 * The pipeline's extension point: a server adds its own stage before or after a named kit stage
 * through its definition, without touching the kit. Here a kill switch refuses writes while a
 * flag is set (after `authorize`, so a caller without permission still gets the policy's answer),
 * and a stage after `validate` sees the validated arguments.
 */
import { PortcullisError, STAGE_ORDER, type Stage } from '@portcullis/core';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { server as kit, type KitBackend } from '@portcullis/test-kit-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a stage added through ServerDefinition.stages', () => {
  let engaged = false;
  const seen: { tool: string; args: unknown; decision: string | null }[] = [];
  const killSwitch: Stage = {
    name: 'kill_switch',
    run: async (call, next) => {
      if (engaged && call.tool.access !== 'read') {
        throw new PortcullisError({
          code: 'kill_switch_engaged',
          category: 'forbidden',
          message: 'Writes are stopped by the operator.',
          retryable: false,
        });
      }
      await next();
    },
  };
  const observer: Stage = {
    name: 'observer',
    run: async (call, next) => {
      seen.push({ tool: call.tool.name, args: call.args, decision: call.decision?.effect ?? null });
      await next();
    },
  };
  let h: InProcessHarness<KitBackend>;

  beforeAll(async () => {
    h = await startInProcess(
      {
        ...kit,
        stages: [
          { after: 'authorize', stage: killSwitch },
          { after: 'validate', stage: observer },
        ],
      },
      { principal: { id: 'ed', roles: ['editor'], tenant: 'acme' }, env: { PORTCULLIS_LOG_LEVEL: 'silent' } },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses writes while the flag is set, audits the refusal once, and lets them through when cleared', async () => {
    const note = { title: 'stage test', body: 'b' };
    engaged = true;
    const before = h.auditRecords().length;
    const refused = await h.callTool('kit_create_note', note);
    expect(refused.envelope).toMatchObject({ code: 'kill_switch_engaged', category: 'forbidden' });
    const recs = h.auditRecords();
    expect(recs).toHaveLength(before + 1);
    expect(recs.at(-1)).toMatchObject({
      tool: 'kit_create_note',
      outcome: 'denied',
      error_code: 'kill_switch_engaged',
    });
    // Reads still work while engaged.
    expect((await h.callTool('kit_search_notes', {})).isError).toBe(false);
    engaged = false;
    expect((await h.callTool('kit_create_note', note)).isError).toBe(false);
  });

  it('runs a stage placed after validate with the validated arguments, before policy decides', async () => {
    seen.length = 0;
    await h.callTool('kit_echo', { message: 'observed' });
    expect(seen).toEqual([{ tool: 'kit_echo', args: { message: 'observed' }, decision: null }]);
  });

  it('an extension naming a stage that does not exist stops start-up', async () => {
    await expect(
      startInProcess(
        { ...kit, stages: [{ before: 'no_such_stage', stage: observer }] },
        { env: { PORTCULLIS_LOG_LEVEL: 'silent' } },
      ),
    ).rejects.toThrow(/no stage named no_such_stage/);
  });

  it('the kit documents its stage order', () => {
    expect(STAGE_ORDER).toEqual([
      'audit',
      'rate_limit',
      'validate',
      'resolve',
      'authorize',
      'approval',
      'output',
      'execute',
    ]);
  });
});

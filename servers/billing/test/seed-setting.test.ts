import { afterEach, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness } from '@portcullis/core/testing';
import type { BillingBackend } from '../src/backend.js';
import { billingConfigSchema, billingSeedFor, server } from '../src/index.js';

// Demo data never reaches a production store unless BILLING_SEED=demo says so by name.
const PRODUCTION = {
  NODE_ENV: 'production',
  PORTCULLIS_APPROVAL_KEY: 'env:TEST_APPROVAL_KEY',
  TEST_APPROVAL_KEY: 'k'.repeat(48),
  PORTCULLIS_AUDIT_KEY: 'env:TEST_AUDIT_KEY',
  TEST_AUDIT_KEY: 'a'.repeat(48),
};

let h: InProcessHarness<BillingBackend> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const seeded = async (env: Record<string, string>): Promise<boolean> => {
  h = await startInProcess(server, { principal: { id: 'agent-7', roles: ['support'], tenant: 'acme' }, env });
  const r = await h.callTool('billing_get_order', { order_id: '4821' });
  if (!r.isError) return true;
  expect(r.envelope?.category).toBe('not_found');
  return false;
};

describe('BILLING_SEED', () => {
  it('defaults to none in production and to demo elsewhere', () => {
    const cfg = billingConfigSchema.parse({});
    expect(billingSeedFor(cfg, { NODE_ENV: 'production' })).toBe('none');
    // Production to the kit's guards is production here too (no demo data).
    expect(billingSeedFor(cfg, { NODE_ENV: ' PRODUCTION ' })).toBe('none');
    expect(billingSeedFor(cfg, { NODE_ENV: 'development' })).toBe('demo');
    expect(billingSeedFor(cfg, {})).toBe('demo');
    expect(
      billingSeedFor(billingConfigSchema.parse({ BILLING_SEED: 'demo' }), { NODE_ENV: 'production' }),
    ).toBe('demo');
    expect(() => billingConfigSchema.parse({ BILLING_SEED: 'yes' })).toThrow();
  });

  it('leaves a production store empty, and seeds it only when asked by name', async () => {
    expect(await seeded(PRODUCTION)).toBe(false);
    await h?.close();
    h = undefined;
    expect(await seeded({ ...PRODUCTION, BILLING_SEED: 'demo' })).toBe(true);
  });

  it('seeds the demo data outside production, unless told none', async () => {
    expect(await seeded({})).toBe(true);
    await h?.close();
    h = undefined;
    expect(await seeded({ BILLING_SEED: 'none' })).toBe(false);
  });
});

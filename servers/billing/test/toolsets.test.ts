import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness } from '@portcullis/core/testing';
import type { BillingBackend } from '../src/backend.js';
import { server } from '../src/index.js';

let h: InProcessHarness<BillingBackend>;

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'admin-1', roles: ['admin'], tenant: 'acme' },
    env: { PORTCULLIS_TOOLSETS: 'orders,invoices' },
  });
});

afterAll(async () => {
  await h?.close();
});

describe('toolsets', () => {
  it('declares orders, invoices, refunds and approvals, each with a description, all on by default', () => {
    expect(server.toolsets.map((t) => [t.id, t.default])).toEqual([
      ['orders', true],
      ['invoices', true],
      ['refunds', true],
      ['approvals', true],
    ]);
    for (const t of server.toolsets) expect(t.description.length).toBeGreaterThan(10);
  });

  it('PORTCULLIS_TOOLSETS narrows billing to the named toolsets', async () => {
    expect(await h.listToolNames()).toEqual([
      'billing_get_customer',
      'billing_get_invoice',
      'billing_get_order',
      'billing_list_invoices',
    ]);
  });
});

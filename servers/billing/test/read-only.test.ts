import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessHarness } from '@portcullis/core/testing';
import type { BillingBackend } from '../src/backend.js';
import { server } from '../src/index.js';

let h: InProcessHarness<BillingBackend>;

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'agent-7', roles: ['support'], tenant: 'acme' },
    env: { PORTCULLIS_READ_ONLY: 'true' },
  });
});

afterAll(async () => {
  await h?.close();
});

describe('read-only mode', () => {
  it('offers only reads, and the dry run says refunds are off', async () => {
    expect(await h.listToolNames()).toEqual([
      'billing_check_refund',
      'billing_get_customer',
      'billing_get_invoice',
      'billing_get_order',
      'billing_list_invoices',
      'billing_list_refunds',
    ]);
    const r = await h.callTool('billing_check_refund', { order_id: '4821', amount_minor: 15_000 });
    expect(r.structured).toMatchObject({ decision: 'denied', policies: [] });
    expect((r.structured as { reasons: string[] }).reasons[0]).toMatch(/not enabled/);
    await expect(
      h.callTool('billing_issue_refund', {
        order_id: '4821',
        amount_minor: 100,
        reason: 'other',
        idempotency_key: 'read-only-key',
      }),
    ).rejects.toThrow(/Unknown tool/);
  });
});

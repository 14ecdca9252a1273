/**
 * The request the design starts from, end to end over HTTP against the BUILT CLIs: "Refund order
 * #4821 and email the customer". A support agent (agent-7, API key) refunds $150 on order 4821 in
 * billing, follows the order to its customer and the customer to its CRM contact, and e-mails that
 * contact with `refund_issued` through the CRM. Both audit chains verify with `portcullis-audit`,
 * and the contact's address appears in no result, log line (debug level) or audit record, since
 * the agent is no pii_reader; it appears only in the delivered message itself.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness, type ServerProc } from '@portcullis/test-support/servers';
import { call, ok } from '@portcullis/test-support/results';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeed } from '../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOOK_TIMEOUT = 120_000;

const crmHarness = serverHarness({
  cliPath: join(ROOT, 'servers/crm/dist/cli.js'),
  name: 'CRM CLI',
  envPrefixes: ['CRM_', 'BILLING_'],
  tempPrefix: 'crm-email-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
const billingHarness = serverHarness({
  cliPath: join(ROOT, 'servers/billing/dist/cli.js'),
  name: 'billing CLI',
  envPrefixes: ['CRM_', 'BILLING_'],
  tempPrefix: 'billing-email-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(crmHarness.cleanup, HOOK_TIMEOUT);

describe('refund order #4821 and email the customer, over HTTP', () => {
  const dir = crmHarness.tempDir();
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  const results: unknown[] = [];
  let crm: ServerProc;
  let billing: ServerProc;
  const crmData = join(dir, 'crm-data');
  const billingData = join(dir, 'billing-data');

  async function connect(srv: ServerProc, principal: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[principal]}` } },
    });
    const c = new Client({ name: `email-e2e-${principal}`, version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    return c;
  }

  /** A tool call whose whole answer is kept for the PII check. */
  async function tool(c: Client, name: string, args: Row): Promise<Row> {
    const r = await call(c, name, args);
    results.push(r);
    return ok(r);
  }

  beforeAll(async () => {
    const people = [{ principal: 'agent-7', roles: ['support'], tenant: 'acme' }];
    const apiKeys = crmHarness.writeApiKeys(dir, people, generateApiKey);
    Object.assign(keys, apiKeys.keys);
    const common = {
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: apiKeys.file,
      // Debug level: the most the servers ever log about a call.
      PORTCULLIS_LOG_LEVEL: 'debug',
    };
    [crm, billing] = await Promise.all([
      crmHarness.spawnHttp({ ...common, PORTCULLIS_DATA_DIR: crmData }),
      billingHarness.spawnHttp({ ...common, PORTCULLIS_DATA_DIR: billingData }),
    ]);
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it("refunds $150 in billing, e-mails the order's customer from the CRM, and both audit chains verify", async () => {
    const pay = await connect(billing, 'agent-7');
    const mail = await connect(crm, 'agent-7');

    // Billing: the order, its customer, and the customer's CRM contact.
    const { order } = await tool(pay, 'billing_get_order', { order_id: '4821' });
    expect(order).toMatchObject({ paid_minor: 45_000, refunded_minor: 0 });
    const { customer } = await tool(pay, 'billing_get_customer', { customer_id: order.customer_id });
    const contactId = customer.crm_contact_id as string;
    expect(contactId).toMatch(/^con_/);

    const refunded = await tool(pay, 'billing_issue_refund', {
      order_id: '4821',
      amount_minor: 15_000,
      reason: 'requested_by_customer',
      idempotency_key: `e2e-${randomUUID()}`,
    });
    expect(refunded).toMatchObject({ refund: { amount_minor: 15_000 }, order: { refunded_minor: 15_000 } });

    // CRM: the agent sees the templates it may use, previews, then sends.
    const { templates } = await tool(mail, 'crm_list_templates', {});
    expect((templates as Row[]).filter((t) => t.usable_by_you).map((t) => t.name)).toContain('refund_issued');
    const args = {
      contact_id: contactId,
      template: 'refund_issued',
      variables: { order_id: '4821', amount: '$150.00', refund_id: refunded.refund.id as string },
    };
    const preview = await tool(mail, 'crm_preview_email', args);
    expect(preview.rendered.subject).toBe('Your refund for order 4821');
    const key = `e2e-mail-${randomUUID()}`;
    const sent = await tool(mail, 'crm_send_email', { ...args, idempotency_key: key });
    expect(sent).toMatchObject({
      replayed: false,
      to: { contact_id: contactId, email: null },
      redacted_fields: ['email'],
      message: { template: 'refund_issued', contact_id: contactId, transport: 'file' },
    });
    // A retry of the same send (a lost answer) returns the first result and sends nothing.
    const again = await tool(mail, 'crm_send_email', { ...args, idempotency_key: key });
    expect(again).toMatchObject({ replayed: true, message: sent.message });

    // The delivered message: one .eml, owner-only, to the contact's real address.
    const contact = generateSeed('acme').contacts.find((c) => c.id === contactId)!;
    expect(contact.billing_customer_id).toBe(customer.id);
    const outbox = join(crmData, 'outbox');
    expect(readdirSync(outbox)).toEqual([`${sent.message.id}.eml`]);
    const eml = readFileSync(join(outbox, `${sent.message.id}.eml`), 'utf8');
    expect(statSync(join(outbox, `${sent.message.id}.eml`)).mode & 0o777).toBe(0o600);
    expect(eml).toContain(`To: ${contact.email}`);
    expect(eml).toContain('Subject: Your refund for order 4821');
    expect(eml).toContain(refunded.refund.id);

    // Both servers stop cleanly, then both audit chains verify.
    await Promise.all([crm.stop(), billing.stop()]);
    const crmAudit = join(crmData, 'audit', 'portcullis-crm.audit.jsonl');
    const billingAudit = join(billingData, 'audit', 'portcullis-billing.audit.jsonl');
    for (const file of [crmAudit, billingAudit]) {
      const v = await crmHarness.verifyAudit(file);
      expect(v.code, `${file}: ${v.stdout}${v.stderr}`).toBe(0);
    }
    const sendRecord = crmHarness
      .readAudit(crmAudit)
      .find((r) => r.tool === 'crm_send_email' && r.outcome === 'ok' && r.refs?.replayed === undefined)!;
    expect(sendRecord.refs).toMatchObject({
      template: 'refund_issued',
      contact_id: contactId,
      message_id: sent.message.id,
      message_hash: sent.message.message_hash,
    });
    expect(sendRecord.principal).toBe('agent-7');
    const refundRecord = billingHarness
      .readAudit(billingAudit)
      .find((r) => r.tool === 'billing_issue_refund' && r.outcome === 'ok');
    expect(refundRecord).toBeDefined();

    // PII: the address is in no result, no log line and no audit record of either server.
    const address = contact.email!;
    expect(address).toContain('@');
    const places: [string, string][] = [
      ['results', JSON.stringify(results)],
      ['CRM log', crm.stderr.join('\n')],
      ['billing log', billing.stderr.join('\n')],
      ['CRM audit', readFileSync(crmAudit, 'utf8')],
      ['billing audit', readFileSync(billingAudit, 'utf8')],
    ];
    for (const [where, text] of places)
      expect(text.includes(address), `address found in ${where}`).toBe(false);
    // The body is not in the audit either; its hash is.
    expect(readFileSync(crmAudit, 'utf8')).not.toContain('Depending on your bank');
    expect(crm.stderr.length).toBeGreaterThan(0);
  });
});

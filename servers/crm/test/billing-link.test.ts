/**
 * The demo data links billing customers and CRM contacts from both sides (billing's
 * crm_contact_id, the CRM's billing_customer_id). Both seeds are deterministic and computed
 * independently; this checks they agree for every acme and globex customer.
 */
import { describe, expect, it } from 'vitest';
import { billingSeed, CANONICAL_ORDER } from '@portcullis/billing';
import { generateSeed } from '../src/index.js';

describe('order → customer → contact', () => {
  const billing = billingSeed();

  for (const tenant of ['acme', 'globex']) {
    it(`links every ${tenant} billing customer to one CRM contact and back`, () => {
      const crm = generateSeed(tenant);
      const customers = billing.customers.filter((c) => c.tenant === tenant);
      expect(customers.length).toBeGreaterThan(0);
      for (const cus of customers) {
        const contact = crm.contacts.find((c) => c.id === cus.crm_contact_id);
        expect(contact, `${cus.id} → ${cus.crm_contact_id}`).toBeDefined();
        expect(contact!.billing_customer_id).toBe(cus.id);
        expect(contact!.account_id).not.toBeNull();
        expect(contact!.email).not.toBeNull();
      }
      const linked = crm.contacts.filter((c) => c.billing_customer_id !== null);
      expect(linked.map((c) => c.billing_customer_id).sort()).toEqual(customers.map((c) => c.id).sort());
    });
  }

  it("reaches order 4821's customer contact", () => {
    const order = billing.orders.find(
      (o) => o.tenant === CANONICAL_ORDER.tenant && o.id === CANONICAL_ORDER.id,
    )!;
    const customer = billing.customers.find((c) => c.id === order.customer_id)!;
    const contact = generateSeed('acme').contacts.find((c) => c.id === customer.crm_contact_id)!;
    expect(contact.billing_customer_id).toBe(customer.id);
  });
});

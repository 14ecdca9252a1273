import { createHash } from 'node:crypto';
import type { Customer, Invoice, InvoiceLine, Order, Refund, RefundReason } from './domain.js';
import { orderStatus } from './domain.js';

/**
 * Deterministic demo data for tenants `acme` and `globex`: the same every start and on every
 * machine (a fixed-seed generator, fixed dates), so tests, docs and demos can name records.
 * Order 4821 in acme is paid, $450.00, nothing refunded: the canonical refund request.
 * Both backends serve exactly this data (the Stripe fake is seeded from it in tests).
 */
export const SEED_VERSION = 'billing-seed-1';

export interface SeedData {
  customers: Customer[];
  orders: Order[];
  invoices: Invoice[];
  refunds: Refund[];
}

export const CANONICAL_ORDER = { tenant: 'acme', id: '4821', amount_minor: 45_000, currency: 'usd' } as const;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMPANIES: Record<string, string[]> = {
  acme: [
    'Birchwood Outfitters',
    'Cobalt Dental Group',
    'Dunmore Logistics',
    'Elmstead Bakery',
    'Foxglove Studios',
    'Granite Peak Gyms',
    'Harbor Lane Books',
    'Ironbridge Motors',
    'Juniper Health',
    'Kestrel Analytics',
    'Larkspur Florists',
    'Meridian Travel',
  ],
  globex: [
    'Northwind Traders',
    'Orchard Valley Farms',
    'Pinecrest Schools',
    'Quayside Marine',
    'Redwood Clinics',
    'Saltmarsh Brewing',
    'Tamarack Media',
    'Umber Architects',
  ],
};

const PRODUCTS = [
  'Annual subscription',
  'Seat add-on',
  'Onboarding package',
  'Premium support',
  'Hardware kit',
  'Training workshop',
  'Data export service',
  'Consulting hours',
];
const ORDER_RANGES: Record<string, { first: number; count: number }> = {
  acme: { first: 4801, count: 40 },
  globex: { first: 7301, count: 25 },
};
const BASE = Date.parse('2025-01-06T09:00:00Z');
const DAY = 86_400_000;

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/(^-|-$)/g, '');
}

/**
 * The demo link to the CRM: customer i (0-based) of a tenant is CRM contact number 6 * i of the
 * same tenant, whose id the CRM's deterministic seed derives as `con_` + sha256("<tenant>:con:<n>").
 * The CRM seed carries the same pairs from its side (billing_customer_id); a CRM test checks both.
 */
export function crmContactIdOf(tenant: string, customerIndex: number): string {
  const n = customerIndex * 6;
  return `con_${createHash('sha256').update(`${tenant}:con:${n}`).digest('hex').slice(0, 16)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

function splitLines(rand: () => number, total: number): InvoiceLine[] {
  const n = 1 + Math.floor(rand() * 3);
  const lines: InvoiceLine[] = [];
  let left = total;
  for (let i = 0; i < n; i++) {
    const product = PRODUCTS[Math.floor(rand() * PRODUCTS.length)] ?? 'Service';
    const amount = i === n - 1 ? left : Math.max(100, Math.round((left * (0.3 + rand() * 0.4)) / 100) * 100);
    const clamped = Math.min(amount, left);
    if (clamped <= 0) break;
    lines.push({ description: product, quantity: 1 + Math.floor(rand() * 4), amount_minor: clamped });
    left -= clamped;
  }
  return lines;
}

export function billingSeed(): SeedData {
  const rand = mulberry32(0x5eed_4821);
  const data: SeedData = { customers: [], orders: [], invoices: [], refunds: [] };
  let refundSeq = 0;
  for (const tenant of ['acme', 'globex']) {
    const companies = COMPANIES[tenant] ?? [];
    const customers = companies.map((name, i): Customer => ({
      id: `cus_${tenant}_${pad(i + 1)}`,
      tenant,
      name,
      email: `billing@${slug(name)}.example`,
      currency: 'usd',
      created_at: iso(BASE - (60 - i) * DAY),
      crm_contact_id: crmContactIdOf(tenant, i),
    }));
    data.customers.push(...customers);
    const range = ORDER_RANGES[tenant] ?? { first: 1, count: 0 };
    let invoiceSeq = 0;
    for (let i = 0; i < range.count; i++) {
      const id = String(range.first + i);
      const customer = customers[Math.floor(rand() * customers.length)] ?? customers[0];
      if (customer === undefined) continue;
      const created = BASE + i * DAY + Math.floor(rand() * 8) * 3_600_000;
      let amount = Math.round((2_500 + rand() * 117_500) / 100) * 100;
      let paid = amount;
      let refunded = 0;
      if (i % 9 === 4) paid = 0;
      else if (i % 13 === 6) refunded = paid;
      else if (i % 7 === 2) refunded = Math.round((paid * (0.1 + rand() * 0.3)) / 100) * 100;
      const canonical = tenant === CANONICAL_ORDER.tenant && id === CANONICAL_ORDER.id;
      if (canonical) {
        amount = CANONICAL_ORDER.amount_minor;
        paid = amount;
        refunded = 0;
      }
      const lines = splitLines(rand, amount);
      const paymentId = paid > 0 ? `pi_${tenant}_${id}` : null;
      data.orders.push({
        id,
        tenant,
        customer_id: customer.id,
        description: lines.map((l) => l.description).join(', '),
        status: orderStatus(paid, refunded),
        currency: 'usd',
        amount_minor: amount,
        paid_minor: paid,
        refunded_minor: refunded,
        refundable_minor: paid - refunded,
        payment_id: paymentId,
        version: '1',
        created_at: iso(created),
      });
      invoiceSeq++;
      data.invoices.push({
        id: `in_${tenant}_${pad(invoiceSeq)}`,
        tenant,
        number: `${tenant.toUpperCase()}-${pad(invoiceSeq)}`,
        customer_id: customer.id,
        order_id: id,
        status: paid > 0 ? 'paid' : 'open',
        currency: 'usd',
        total_minor: amount,
        amount_paid_minor: paid,
        amount_due_minor: amount - paid,
        lines,
        created_at: iso(created),
        due_at: iso(created + 30 * DAY),
      });
      if (i % 11 === 8) {
        // A voided invoice next to the real one: lists show more than one status.
        invoiceSeq++;
        data.invoices.push({
          id: `in_${tenant}_${pad(invoiceSeq)}`,
          tenant,
          number: `${tenant.toUpperCase()}-${pad(invoiceSeq)}`,
          customer_id: customer.id,
          order_id: null,
          status: 'void',
          currency: 'usd',
          total_minor: amount,
          amount_paid_minor: 0,
          amount_due_minor: 0,
          lines,
          created_at: iso(created + 60_000),
          due_at: null,
        });
      }
      if (refunded > 0 && paymentId !== null) {
        // Fully refunded orders got two refunds, so a list of refunds pages.
        const parts =
          refunded === paid && refunded >= 2_000
            ? [Math.round(refunded / 200) * 100, refunded - Math.round(refunded / 200) * 100]
            : [refunded];
        parts.forEach((part, k) => {
          refundSeq++;
          const reasons: RefundReason[] = ['requested_by_customer', 'duplicate', 'other'];
          data.refunds.push({
            id: `re_seed_${pad(refundSeq)}`,
            tenant,
            order_id: id,
            payment_id: paymentId,
            amount_minor: part,
            currency: 'usd',
            reason: reasons[refundSeq % reasons.length] ?? 'other',
            note: null,
            status: 'succeeded',
            requested_by: null,
            created_at: iso(created + (k + 2) * DAY),
          });
        });
      }
    }
  }
  return data;
}

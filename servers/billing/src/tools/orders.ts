import { z } from 'zod';
import { errors } from '@portcullis/core';
import {
  customerId,
  customerOut,
  needOrder,
  orderId,
  orderOut,
  renderOrder,
  resolveOrder,
  tool,
} from './common.js';

// Customers and their orders: what a refund acts on.

export const getCustomer = tool({
  name: 'billing_get_customer',
  title: 'Get a billing customer',
  description:
    "Returns one customer of your tenant by id: name, billing email, currency and crm_contact_id, the customer's contact in the CRM (for crm_send_email). Use billing_list_invoices to see what they were billed.",
  toolset: 'orders',
  access: 'read',
  input: z.object({ customer_id: customerId }),
  output: z.object({ customer: customerOut }),
  sensitiveFields: ['email'],
  resourceType: 'Customer',
  resource: async (args, ctx) => {
    const c = await ctx.backend.getCustomer(ctx.principal.tenant, args.customer_id, { signal: ctx.signal });
    return c === null ? null : { type: 'Customer', id: c.id, attributes: { tenant: c.tenant } };
  },
  handler: async (args, ctx) => {
    const customer = await ctx.backend.getCustomer(ctx.principal.tenant, args.customer_id, {
      signal: ctx.signal,
    });
    if (customer === null) throw errors.notFound(`Customer ${args.customer_id}`);
    return { customer };
  },
  render: (out) =>
    `Customer ${out.customer.id}: ${out.customer.name}, billed in ${out.customer.currency.toUpperCase()}.`,
});

export const getOrder = tool({
  name: 'billing_get_order',
  title: 'Get an order',
  description:
    'Returns one order of your tenant by order number: amount, what was paid and refunded so far, and refundable_minor (the most a further refund may be). Amounts are minor units (cents).',
  toolset: 'orders',
  access: 'read',
  input: z.object({ order_id: orderId }),
  output: z.object({ order: orderOut }),
  resourceType: 'Order',
  resource: resolveOrder,
  handler: async (args, ctx) => {
    needOrder(ctx.resource, `Order ${args.order_id}`);
    const order = await ctx.backend.getOrder(ctx.principal.tenant, args.order_id, { signal: ctx.signal });
    if (order === null) throw errors.notFound(`Order ${args.order_id}`);
    return { order };
  },
  render: (out) => renderOrder(out.order),
});

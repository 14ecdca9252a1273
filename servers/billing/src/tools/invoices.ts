import { z } from 'zod';
import { errors } from '@portcullis/core';
import { pageRequest } from '@portcullis/core/paging';
import { INVOICE_STATUSES, formatMoney } from '../domain.js';
import { customerId, cursor, invoiceId, invoiceOut, limit, tool } from './common.js';

export const listInvoices = tool({
  name: 'billing_list_invoices',
  title: 'List invoices',
  description:
    "Lists your tenant's invoices, newest first, optionally for one customer and/or one status (draft, open, paid, uncollectible, void). Paginated: pass next_cursor back as cursor until it is null.",
  toolset: 'invoices',
  access: 'read',
  input: z.object({
    customer_id: customerId.optional(),
    status: z
      .enum(INVOICE_STATUSES as [string, ...string[]])
      .optional()
      .describe('Only invoices in this status.'),
    limit,
    cursor,
  }),
  output: z.object({ invoices: z.array(invoiceOut), next_cursor: z.string().nullable() }),
  handler: async (args, ctx) => {
    const query = {
      ...(args.customer_id !== undefined ? { customer_id: args.customer_id } : {}),
      ...(args.status !== undefined ? { status: args.status as (typeof INVOICE_STATUSES)[number] } : {}),
    };
    const page = await ctx.backend.listInvoices(
      ctx.principal.tenant,
      query,
      pageRequest(args, ctx.principal),
      {
        signal: ctx.signal,
      },
    );
    return { invoices: page.items, next_cursor: page.next_cursor };
  },
  render: (out) =>
    [
      ...out.invoices.map(
        (i) =>
          `${i.number} (${i.id}) ${i.status}: ${formatMoney(i.total_minor, i.currency)}, customer ${i.customer_id}${i.order_id ? `, order ${i.order_id}` : ''}`,
      ),
      out.next_cursor ? 'More invoices: call again with cursor = next_cursor.' : 'End of list.',
    ].join('\n'),
});

export const getInvoice = tool({
  name: 'billing_get_invoice',
  title: 'Get an invoice',
  description:
    'Returns one invoice of your tenant by id, with its lines, totals and the order it bills (if any).',
  toolset: 'invoices',
  access: 'read',
  input: z.object({ invoice_id: invoiceId }),
  output: z.object({ invoice: invoiceOut }),
  resourceType: 'Invoice',
  resource: async (args, ctx) => {
    const i = await ctx.backend.getInvoice(ctx.principal.tenant, args.invoice_id, { signal: ctx.signal });
    return i === null
      ? null
      : { type: 'Invoice', id: i.id, attributes: { tenant: i.tenant, customer_id: i.customer_id } };
  },
  handler: async (args, ctx) => {
    const invoice = await ctx.backend.getInvoice(ctx.principal.tenant, args.invoice_id, {
      signal: ctx.signal,
    });
    if (invoice === null) throw errors.notFound(`Invoice ${args.invoice_id}`);
    return { invoice };
  },
  render: (out) =>
    `Invoice ${out.invoice.number} (${out.invoice.id}) ${out.invoice.status}: ${formatMoney(out.invoice.total_minor, out.invoice.currency)}, paid ${formatMoney(
      out.invoice.amount_paid_minor,
      out.invoice.currency,
    )}, due ${formatMoney(out.invoice.amount_due_minor, out.invoice.currency)}.`,
});

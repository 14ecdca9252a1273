import { approveRefund, cancelRefundPlan, listPendingApprovals } from './approvals.js';
import { getInvoice, listInvoices } from './invoices.js';
import { getCustomer, getOrder } from './orders.js';
import { adminApplyRefund, applyRefund, checkRefund, issueRefund, listRefunds } from './refunds.js';

/** Billing's tools, in tools/list order. */
export const billingTools = [
  getCustomer,
  getOrder,
  listInvoices,
  getInvoice,
  listRefunds,
  checkRefund,
  issueRefund,
  listPendingApprovals,
  approveRefund,
  applyRefund,
  adminApplyRefund,
  cancelRefundPlan,
];

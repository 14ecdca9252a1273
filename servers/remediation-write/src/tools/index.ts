import { setKillSwitch } from './admin.js';
import { applyPlan, approvePlan } from './apply.js';
import { getPlan, listActions, listPlans, planChange, rollbackPlan } from './plans.js';
import { openTicket } from './tickets.js';

export const remediationTools = [
  listActions,
  planChange,
  getPlan,
  listPlans,
  rollbackPlan,
  approvePlan,
  applyPlan,
  openTicket,
  setKillSwitch,
];

/**
 * The CRM's record types as the tools and both backends see them. Backends translate their own
 * storage (SQL rows, HubSpot objects) into these shapes, so tools never know which one runs.
 */

export const STAGES = [
  'prospecting',
  'qualification',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type Stage = (typeof STAGES)[number];

export const OPEN_STAGES = [
  'prospecting',
  'qualification',
  'proposal',
  'negotiation',
] as const satisfies readonly Stage[];
export type OpenStage = (typeof OPEN_STAGES)[number];

/**
 * Legal moves of an opportunity: forward one step at a time, lost from any open stage, and
 * closed stages are final (reopening a closed deal is an operator decision, not an agent's).
 */
export const STAGE_TRANSITIONS: Readonly<Record<Stage, readonly Stage[]>> = {
  prospecting: ['qualification', 'closed_lost'],
  qualification: ['proposal', 'closed_lost'],
  proposal: ['negotiation', 'closed_lost'],
  negotiation: ['closed_won', 'closed_lost'],
  closed_won: [],
  closed_lost: [],
};

export function isOpenStage(stage: Stage): boolean {
  return (OPEN_STAGES as readonly Stage[]).includes(stage);
}

export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note', 'task'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const INDUSTRIES = [
  'software',
  'manufacturing',
  'healthcare',
  'finance',
  'retail',
  'energy',
  'education',
  'logistics',
  'media',
  'telecom',
] as const;
export type Industry = (typeof INDUSTRIES)[number];

export const REGIONS = ['na', 'emea', 'apac', 'latam'] as const;
export type Region = (typeof REGIONS)[number];

export interface Owner {
  id: string;
  name: string;
  /** Empty string when the owner belongs to no team. */
  team: string;
}

export interface Account {
  id: string;
  /** The tenant the record belongs to, as stored: policy decides on it (a second wall behind the backend's filter). */
  tenant: string;
  name: string;
  domain: string | null;
  industry: string;
  region: string;
  owner_id: string;
  team: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Contact {
  id: string;
  /** The tenant the record belongs to, as stored: policy decides on it (a second wall behind the backend's filter). */
  tenant: string;
  account_id: string | null;
  first_name: string;
  last_name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  owner_id: string;
  team: string;
  created_at: string;
  updated_at: string;
  version: number;
  /** The linked billing customer (cus_...), so an order leads to its contact; null when unlinked. */
  billing_customer_id: string | null;
}

export interface Opportunity {
  id: string;
  /** The tenant the record belongs to, as stored: policy decides on it (a second wall behind the backend's filter). */
  tenant: string;
  account_id: string;
  name: string;
  stage: Stage;
  /** Whole units of `currency`. */
  amount: number;
  currency: string;
  /** YYYY-MM-DD. */
  close_date: string;
  owner_id: string;
  team: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** Activities are an append-only log: they are never edited, so they carry no version. */
export interface Activity {
  id: string;
  type: ActivityType;
  subject: string;
  body: string | null;
  occurred_at: string;
  account_id: string | null;
  contact_id: string | null;
  opportunity_id: string | null;
  owner_id: string;
  created_at: string;
}

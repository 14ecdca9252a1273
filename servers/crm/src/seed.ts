import { createHash } from 'node:crypto';
import { INDUSTRIES, REGIONS, STAGES, ACTIVITY_TYPES, isOpenStage } from './domain.js';
import type { Account, Activity, Contact, Opportunity, Owner, Stage } from './domain.js';

/**
 * Deterministic demo data: the same tenant and size always give the same records, ids included,
 * so demos, docs and tests can name them. Ownership is spread over reps of two teams per tenant so
 * the owner and team rules of the policies have something to decide.
 */

export interface SeedTeam {
  id: string;
  name: string;
  manager_id: string;
}

export interface SeedOwner extends Owner {
  email: string;
  /** The demo principal's role for this owner (documentation and `npm start` keys). */
  role: 'rep' | 'manager';
}

export interface SeedData {
  tenant: string;
  teams: SeedTeam[];
  owners: SeedOwner[];
  accounts: Account[];
  contacts: Contact[];
  opportunities: Opportunity[];
  activities: Activity[];
}

interface TenantSpec {
  domain: string;
  teams: SeedTeam[];
  owners: SeedOwner[];
  accounts: number;
}

function owner(id: string, name: string, team: string, domain: string, role: 'rep' | 'manager'): SeedOwner {
  return { id, name, team, email: `${id}@${domain}`, role };
}

export const DEMO_TENANTS: Readonly<Record<string, TenantSpec>> = {
  acme: {
    domain: 'acme.example',
    teams: [
      { id: 'east', name: 'East', manager_id: 'carol' },
      { id: 'west', name: 'West', manager_id: 'dave' },
    ],
    owners: [
      owner('alice', 'Alice Archer', 'east', 'acme.example', 'rep'),
      owner('bob', 'Bob Baker', 'west', 'acme.example', 'rep'),
      owner('carol', 'Carol Chen', 'east', 'acme.example', 'manager'),
      owner('dave', 'Dave Dunn', 'west', 'acme.example', 'manager'),
      owner('erin', 'Erin Evans', 'east', 'acme.example', 'rep'),
      owner('frank', 'Frank Fischer', 'west', 'acme.example', 'rep'),
    ],
    accounts: 150,
  },
  globex: {
    domain: 'globex.example',
    teams: [
      { id: 'north', name: 'North', manager_id: 'ivan' },
      { id: 'south', name: 'South', manager_id: 'judy' },
    ],
    owners: [
      owner('grace', 'Grace Green', 'north', 'globex.example', 'rep'),
      owner('heidi', 'Heidi Hall', 'south', 'globex.example', 'rep'),
      owner('ivan', 'Ivan Ivanov', 'north', 'globex.example', 'manager'),
      owner('judy', 'Judy Jones', 'south', 'globex.example', 'manager'),
    ],
    accounts: 100,
  },
};

const ADJECTIVES = [
  'Northwind',
  'Bluebird',
  'Summit',
  'Granite',
  'Silverline',
  'Redwood',
  'Harbor',
  'Cobalt',
  'Evergreen',
  'Ironclad',
  'Brightwater',
  'Stonebridge',
  'Clearview',
  'Oakridge',
  'Pioneer',
  'Sterling',
  'Crescent',
  'Falcon',
  'Meridian',
  'Vertex',
];
const NOUNS = [
  'Systems',
  'Labs',
  'Works',
  'Dynamics',
  'Partners',
  'Networks',
  'Foods',
  'Health',
  'Energy',
  'Logistics',
  'Media',
  'Capital',
];
const SUFFIXES = ['Inc', 'Ltd', 'GmbH', 'LLC', 'SA', 'Group'];
const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Diego',
  'Elena',
  'Felix',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kara',
  'Liam',
  'Maya',
  'Nils',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wes',
  'Xena',
  'Yusuf',
  'Zoe',
];
const LAST_NAMES = [
  'Abbott',
  'Becker',
  'Castro',
  'Dubois',
  'Eriksen',
  'Fontaine',
  'Garcia',
  'Hansen',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quintero',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Usman',
  'Varga',
  'Weber',
  'Yilmaz',
  'Zimmer',
];
const TITLES = [
  'CEO',
  'CFO',
  'CTO',
  'VP Sales',
  'Head of Procurement',
  'IT Director',
  'Operations Manager',
  'Buyer',
  'Engineer',
  null,
];
const DEAL_KINDS = [
  'Platform renewal',
  'Expansion',
  'Pilot',
  'Support upgrade',
  'Migration',
  'Enterprise licence',
  'Training',
];
const SUBJECTS: Record<string, string[]> = {
  call: ['Discovery call', 'Pricing call', 'Check-in call'],
  email: ['Sent proposal', 'Follow-up email', 'Sent case study'],
  meeting: ['On-site demo', 'Executive meeting', 'Technical workshop'],
  note: ['Budget confirmed', 'Competitor in play', 'Champion identified'],
  task: ['Prepare quote', 'Send contract', 'Schedule review'],
};

/** mulberry32: tiny, fast and good enough for demo data; seeded from the tenant name. */
function prng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedId(prefix: string, tenant: string, n: number): string {
  return `${prefix}_${createHash('sha256').update(`${tenant}:${prefix}:${n}`).digest('hex').slice(0, 16)}`;
}

/**
 * The demo link to billing: every sixth contact (numbers 0, 6, 12 ...) is the contact of one
 * billing customer, `cus_<tenant>_0001` onwards, for as many customers as the billing demo data
 * has per tenant. The billing seed computes the same pairs from the other side (contact ids are
 * `con_` + sha256("<tenant>:con:<n>")), and test/billing-link.test.ts checks both agree.
 */
export const BILLING_LINK_STRIDE = 6;
export const BILLING_CUSTOMERS: Readonly<Record<string, number>> = { acme: 12, globex: 8 };

function billingCustomerOf(tenant: string, contactN: number): string | null {
  if (contactN % BILLING_LINK_STRIDE !== 0) return null;
  const i = contactN / BILLING_LINK_STRIDE + 1;
  return i <= (BILLING_CUSTOMERS[tenant] ?? 0) ? `cus_${tenant}_${String(i).padStart(4, '0')}` : null;
}

const DAY = 86_400_000;
// A fixed epoch keeps the data identical whenever it is generated.
const BASE = Date.UTC(2025, 0, 6);

export function generateSeed(tenant: string, opts: { accounts?: number } = {}): SeedData {
  const spec = DEMO_TENANTS[tenant];
  if (spec === undefined) throw new Error(`No demo data for tenant ${tenant}`);
  const rnd = prng(tenant);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const reps = spec.owners;
  const teamOf = new Map(spec.owners.map((o) => [o.id, o.team]));

  const accounts: Account[] = [];
  const contacts: Contact[] = [];
  const opportunities: Opportunity[] = [];
  const activities: Activity[] = [];
  const usedNames = new Set<string>();
  const count = opts.accounts ?? spec.accounts;
  let contactN = 0;
  let oppN = 0;
  let actN = 0;

  for (let i = 0; i < count; i++) {
    let name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${pick(SUFFIXES)}`;
    for (let n = 2; usedNames.has(name) && n < 1000; n++) name = `${name.replace(/ \d+$/, '')} ${n}`;
    usedNames.add(name);
    // Round-robin ownership guarantees every owner holds records, whatever the size.
    const ownerId = (reps[i % reps.length] as SeedOwner).id;
    const created = new Date(BASE - int(30, 700) * DAY).toISOString();
    const domain = `${name
      .split(' ')
      .slice(0, 2)
      .join('')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}${i}.example.com`;
    const account: Account = {
      id: seedId('acc', tenant, i),
      tenant,
      name,
      domain,
      industry: pick(INDUSTRIES),
      region: pick(REGIONS),
      owner_id: ownerId,
      team: teamOf.get(ownerId) ?? '',
      created_at: created,
      updated_at: created,
      version: 1,
    };
    accounts.push(account);

    const nContacts = int(4, 6);
    const accountContacts: Contact[] = [];
    for (let c = 0; c < nContacts; c++) {
      const first = pick(FIRST_NAMES);
      const last = pick(LAST_NAMES);
      const cOwner = rnd() < 0.8 ? ownerId : pick(reps).id;
      const contact: Contact = {
        id: seedId('con', tenant, contactN),
        tenant,
        account_id: account.id,
        first_name: first,
        last_name: last,
        title: pick(TITLES),
        email: `${first}.${last}${contactN}@${domain}`.toLowerCase(),
        phone: `+1 555 ${String(100 + (contactN % 900)).padStart(3, '0')} ${String(1000 + int(0, 8999))}`,
        owner_id: cOwner,
        team: teamOf.get(cOwner) ?? '',
        created_at: created,
        updated_at: created,
        version: 1,
        billing_customer_id: billingCustomerOf(tenant, contactN),
      };
      contactN++;
      contacts.push(contact);
      accountContacts.push(contact);
    }

    const nOpps = i % 3 === 0 ? 2 : 1 + (rnd() < 0.3 ? 1 : 0);
    for (let o = 0; o < nOpps; o++) {
      const stage: Stage = pick(STAGES);
      const oppCreated = new Date(BASE - int(1, 300) * DAY).toISOString();
      const opp: Opportunity = {
        id: seedId('opp', tenant, oppN),
        tenant,
        account_id: account.id,
        name: `${name.split(' ')[0] ?? name} ${pick(DEAL_KINDS)}`,
        stage,
        // Every fifth deal is large, so the large-deal policy has records to act on.
        amount: oppN % 5 === 0 ? int(100, 900) * 1000 : int(5, 95) * 1000,
        currency: 'USD',
        close_date: new Date(BASE + (isOpenStage(stage) ? int(10, 270) : -int(5, 200)) * DAY)
          .toISOString()
          .slice(0, 10),
        owner_id: ownerId,
        team: teamOf.get(ownerId) ?? '',
        created_at: oppCreated,
        updated_at: oppCreated,
        version: 1,
      };
      oppN++;
      opportunities.push(opp);
      const nActs = int(2, 4);
      for (let a = 0; a < nActs; a++) {
        const type = pick(ACTIVITY_TYPES);
        const at = new Date(Date.parse(oppCreated) + int(0, 60) * DAY + int(0, 86_399) * 1000).toISOString();
        const who = accountContacts.length > 0 && rnd() < 0.7 ? pick(accountContacts) : null;
        activities.push({
          id: seedId('act', tenant, actN),
          type,
          subject: pick(SUBJECTS[type] ?? ['Update']),
          body:
            rnd() < 0.5
              ? `${pick(SUBJECTS[type] ?? ['Update'])} with ${who ? `${who.first_name} ${who.last_name}` : 'the customer'}.`
              : null,
          occurred_at: at,
          account_id: account.id,
          contact_id: who?.id ?? null,
          opportunity_id: opp.id,
          owner_id: ownerId,
          created_at: at,
        });
        actN++;
      }
    }
  }

  return { tenant, teams: spec.teams, owners: spec.owners, accounts, contacts, opportunities, activities };
}

/** Loads the deterministic demo data of one tenant into the fake HubSpot, as HubSpot objects. */
import { AssociationTypes } from '@hubspot/api-client';
import type { FakeHubSpot } from '@portcullis/fakes/hubspot';
import { DEFAULT_STAGE_MAP } from '../src/hubspot.js';
import type { ActivityType } from '../src/domain.js';
import type { SeedData } from '../src/seed.js';

export const HUB_OWNERS: Record<string, string> = {
  alice: '101',
  bob: '102',
  carol: '103',
  dave: '104',
  erin: '105',
  frank: '106',
};
export const HUB_TEAMS: Record<string, string> = { east: '11', west: '12' };

/** `a=1,b=2`: a map as the CRM's HubSpot mapping settings take it. */
export const pairs = (m: Record<string, string>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * The settings of a CRM on the fake portal for `tenant`, its token given by reference (as in
 * production): the demo's owners and teams mapped, `extra` on top.
 */
export function hubspotEnv(
  fake: Pick<FakeHubSpot, 'url'>,
  token: string,
  tenant = 'acme',
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CRM_BACKEND: 'hubspot',
    CRM_HUBSPOT_TOKEN: 'env:CRM_TEST_HUBSPOT_TOKEN',
    CRM_TEST_HUBSPOT_TOKEN: token,
    CRM_HUBSPOT_BASE_URL: fake.url,
    CRM_HUBSPOT_TENANT: tenant,
    CRM_HUBSPOT_OWNER_MAP: pairs(HUB_OWNERS),
    CRM_HUBSPOT_TEAM_MAP: pairs(HUB_TEAMS),
    ...extra,
  };
}

const ENGAGEMENT: Record<
  ActivityType,
  { type: string; subject: string | null; body: string; company: number; contact: number; deal: number }
> = {
  call: {
    type: 'calls',
    subject: 'hs_call_title',
    body: 'hs_call_body',
    company: AssociationTypes.callToCompany,
    contact: AssociationTypes.callToContact,
    deal: AssociationTypes.callToDeal,
  },
  email: {
    type: 'emails',
    subject: 'hs_email_subject',
    body: 'hs_email_text',
    company: AssociationTypes.emailToCompany,
    contact: AssociationTypes.emailToContact,
    deal: AssociationTypes.emailToDeal,
  },
  meeting: {
    type: 'meetings',
    subject: 'hs_meeting_title',
    body: 'hs_meeting_body',
    company: AssociationTypes.meetingToCompany,
    contact: AssociationTypes.meetingToContact,
    deal: AssociationTypes.meetingToDeal,
  },
  note: {
    type: 'notes',
    subject: null,
    body: 'hs_note_body',
    company: AssociationTypes.noteToCompany,
    contact: AssociationTypes.noteToContact,
    deal: AssociationTypes.noteToDeal,
  },
  task: {
    type: 'tasks',
    subject: 'hs_task_subject',
    body: 'hs_task_body',
    company: AssociationTypes.taskToCompany,
    contact: AssociationTypes.taskToContact,
    deal: AssociationTypes.taskToDeal,
  },
};

/** Returns seed id → HubSpot id. */
export function loadIntoFake(fake: FakeHubSpot, data: SeedData): Map<string, string> {
  for (const o of data.owners) {
    const [firstName, lastName] = o.name.split(' ');
    const hubTeam = HUB_TEAMS[o.team]!;
    fake.addOwner({
      id: HUB_OWNERS[o.id]!,
      email: o.email,
      firstName: firstName ?? o.name,
      lastName: lastName ?? '',
      teams: [{ id: hubTeam, name: o.team, primary: true }],
    });
  }
  const ids = new Map<string, string>();
  const hub = (id: string | null): string => ids.get(id ?? '') ?? '';
  for (const a of data.accounts) {
    ids.set(
      a.id,
      fake.seed(
        'companies',
        {
          name: a.name,
          domain: a.domain,
          industry: a.industry,
          portcullis_region: a.region,
          hubspot_owner_id: HUB_OWNERS[a.owner_id]!,
          hubspot_team_id: HUB_TEAMS[a.team]!,
        },
        [],
        Date.parse(a.created_at),
      ),
    );
  }
  for (const c of data.contacts) {
    ids.set(
      c.id,
      fake.seed(
        'contacts',
        {
          firstname: c.first_name,
          lastname: c.last_name,
          jobtitle: c.title,
          email: c.email,
          phone: c.phone,
          billing_customer_id: c.billing_customer_id,
          hubspot_owner_id: HUB_OWNERS[c.owner_id]!,
          hubspot_team_id: HUB_TEAMS[c.team]!,
        },
        c.account_id === null
          ? []
          : [
              {
                toObjectType: 'companies',
                toObjectId: hub(c.account_id),
                associationTypeId: AssociationTypes.contactToCompany,
              },
            ],
        Date.parse(c.created_at),
      ),
    );
  }
  for (const o of data.opportunities) {
    ids.set(
      o.id,
      fake.seed(
        'deals',
        {
          dealname: o.name,
          dealstage: DEFAULT_STAGE_MAP[o.stage],
          amount: String(o.amount),
          deal_currency_code: o.currency,
          closedate: `${o.close_date}T00:00:00.000Z`,
          pipeline: 'default',
          hubspot_owner_id: HUB_OWNERS[o.owner_id]!,
          hubspot_team_id: HUB_TEAMS[o.team]!,
        },
        [
          {
            toObjectType: 'companies',
            toObjectId: hub(o.account_id),
            associationTypeId: AssociationTypes.dealToCompany,
          },
        ],
        Date.parse(o.created_at),
      ),
    );
  }
  for (const a of data.activities) {
    const m = ENGAGEMENT[a.type];
    const props: Record<string, string | null> = {
      hs_timestamp: a.occurred_at,
      hubspot_owner_id: HUB_OWNERS[a.owner_id] ?? null,
    };
    if (m.subject === null) props[m.body] = a.body === null ? a.subject : `${a.subject}\n\n${a.body}`;
    else {
      props[m.subject] = a.subject;
      props[m.body] = a.body;
    }
    const assocs = [];
    if (a.account_id !== null)
      assocs.push({ toObjectType: 'companies', toObjectId: hub(a.account_id), associationTypeId: m.company });
    if (a.contact_id !== null)
      assocs.push({ toObjectType: 'contacts', toObjectId: hub(a.contact_id), associationTypeId: m.contact });
    if (a.opportunity_id !== null)
      assocs.push({ toObjectType: 'deals', toObjectId: hub(a.opportunity_id), associationTypeId: m.deal });
    ids.set(a.id, fake.seed(m.type, props, assocs, Date.parse(a.created_at)));
  }
  return ids;
}

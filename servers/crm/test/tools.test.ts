/**
 * Every CRM tool through the real kit runtime with a real MCP client (in-process), on the seeded
 * embedded backend: results, paging, each denial path, conflicts, idempotent replays and audit.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import type { CrmBackend } from '../src/index.js';
import { generateSeed, server } from '../src/index.js';

// Tool results are asserted field by field; their shapes are the output schemas, checked by the kit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const ALL_TOOLS = [
  'crm_create_contact',
  'crm_create_opportunity',
  'crm_get_account',
  'crm_get_contact',
  'crm_list_templates',
  'crm_log_activity',
  'crm_preview_email',
  'crm_search_accounts',
  'crm_search_contacts',
  'crm_search_opportunities',
  'crm_send_email',
  'crm_update_contact',
  'crm_update_opportunity_stage',
];
const READ_TOOLS = [
  'crm_get_account',
  'crm_get_contact',
  'crm_search_accounts',
  'crm_search_contacts',
  'crm_search_opportunities',
];

const acme = generateSeed('acme');
const globex = generateSeed('globex');

let h: InProcessHarness<CrmBackend>;
let alice: InProcessClient; // rep, team east
let alicePii: InProcessClient; // the same rep, also pii_reader
let carol: InProcessClient; // manager of east
let viewer: InProcessClient;
let admin: InProcessClient;
let grace: InProcessClient; // rep of the other tenant
let nobody: InProcessClient; // authenticated, no CRM role

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  expect(r.auditId).toMatch(/^aud_/);
  return r.structured as Row;
}

function err(r: ToolCallOutcome): NonNullable<ToolCallOutcome['envelope']> {
  expect(r.isError).toBe(true);
  expect(r.envelope).toBeDefined();
  expect(r.envelope!.audit_id).toMatch(/^aud_/);
  return r.envelope!;
}

let n = 0;
const key = (): string => `tools-test-${Date.now()}-${++n}`;

/** All pages of a search tool; bounded so a paging bug fails instead of looping. */
async function allPages(
  c: InProcessClient,
  tool: string,
  args: Row,
  itemsKey: string,
  maxPages = 100,
): Promise<{ items: Row[]; pages: Row[] }> {
  const pages: Row[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = ok(await c.callTool(tool, { ...args, ...(cursor ? { cursor } : {}) }));
    pages.push(page);
    if (page.next_cursor === null) return { items: pages.flatMap((p) => p[itemsKey] as Row[]), pages };
    cursor = page.next_cursor as string;
  }
  throw new Error('too many pages');
}

const ownedBy = (owner: string) => acme.accounts.find((a) => a.owner_id === owner)!;
const contactOf = (owner: string) =>
  acme.contacts.find((c) => c.owner_id === owner && c.account_id !== null)!;

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    env: { CRM_BACKEND: 'embedded' },
  });
  alice = h;
  alicePii = await h.as({
    id: 'alice',
    roles: ['rep', 'pii_reader'],
    tenant: 'acme',
    attributes: { team: 'east' },
  });
  carol = await h.as({ id: 'carol', roles: ['manager'], tenant: 'acme', attributes: { team: 'east' } });
  viewer = await h.as({ id: 'victor', roles: ['viewer'], tenant: 'acme' });
  admin = await h.as({ id: 'root', roles: ['admin'], tenant: 'acme' });
  grace = await h.as({
    id: 'grace',
    roles: ['rep', 'pii_reader'],
    tenant: 'globex',
    attributes: { team: 'north' },
  });
  nobody = await h.as({ id: 'mallory', roles: [], tenant: 'acme' });
});

afterAll(async () => {
  await h?.close();
});

describe('tools/list', () => {
  it('shows each role only the tools its policy can permit', async () => {
    expect(await alice.listToolNames()).toEqual(ALL_TOOLS);
    expect(await carol.listToolNames()).toEqual(ALL_TOOLS);
    expect(await admin.listToolNames()).toEqual(ALL_TOOLS);
    expect(await viewer.listToolNames()).toEqual(READ_TOOLS);
    expect(await nobody.listToolNames()).toEqual([]);
  });

  it('matches the committed snapshot (names, descriptions, schemas, annotations)', async () => {
    const { tools } = await admin.client.listTools();
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    await expect(`${JSON.stringify(sorted, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tools-list.json',
    );
  });

  it('derives annotations from access', async () => {
    const { tools } = await admin.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('crm_search_accounts')!.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    // A create is not idempotent by itself (only with an idempotency_key); an update with the same version is.
    expect(byName.get('crm_create_contact')!.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
    expect(byName.get('crm_update_contact')!.annotations).toMatchObject({
      readOnlyHint: false,
      idempotentHint: true,
    });
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(60);
      expect(t.outputSchema).toBeDefined();
    }
  });
});

describe('crm_search_accounts', () => {
  it('pages through every account of the tenant to the end, each once, no other tenant', async () => {
    const { items, pages } = await allPages(viewer, 'crm_search_accounts', { limit: 40 }, 'accounts');
    expect(pages.length).toBe(Math.ceil(acme.accounts.length / 40));
    expect(items.map((a) => a.id).sort()).toEqual(acme.accounts.map((a) => a.id).sort());
    expect(pages[0]!.total).toBe(acme.accounts.length);
    const foreign = new Set(globex.accounts.map((a) => a.id));
    expect(items.some((a) => foreign.has(a.id))).toBe(false);
  });

  it('filters by owner, industry, region and name words', async () => {
    const target = ownedBy('erin');
    const r = ok(
      await alice.callTool('crm_search_accounts', {
        owner_id: 'erin',
        industry: target.industry,
        region: target.region,
        limit: 100,
      }),
    );
    expect(r.accounts.map((a: Row) => a.id)).toContain(target.id);
    for (const a of r.accounts)
      expect(a).toMatchObject({ owner_id: 'erin', industry: target.industry, region: target.region });
    const words = target.name.split(' ').slice(0, 2).join(' ').toLowerCase();
    const byName = ok(await alice.callTool('crm_search_accounts', { query: words, limit: 100 }));
    expect(byName.accounts.map((a: Row) => a.id)).toContain(target.id);
  });

  it('refuses a limit over the cap and a tampered cursor, with clear validation errors', async () => {
    const tooMany = err(await alice.callTool('crm_search_accounts', { limit: 500 }));
    expect(tooMany.category).toBe('validation');
    expect(tooMany.message).toContain('limit');
    const page = ok(await alice.callTool('crm_search_accounts', { limit: 5 }));
    const cursor = page.next_cursor as string;
    const tampered = err(
      await alice.callTool('crm_search_accounts', { limit: 5, cursor: `${cursor.slice(0, -3)}xyz` }),
    );
    expect(tampered).toMatchObject({ category: 'validation', code: 'invalid_cursor' });
    expect(tampered.remediation).toMatch(/next_cursor/);
    const otherSearch = err(await alice.callTool('crm_search_accounts', { limit: 5, cursor, region: 'na' }));
    expect(otherSearch.category).toBe('validation');
    // A cursor is bound to its caller and tenant too: another principal cannot page with it.
    for (const other of [viewer, carol, grace]) {
      const foreign = err(await other.callTool('crm_search_accounts', { limit: 5, cursor }));
      expect(foreign).toMatchObject({ category: 'validation', code: 'invalid_cursor' });
      expect(foreign.message).toMatch(/different search/);
    }
  });
});

describe('crm_get_account', () => {
  it('summarises contacts, open opportunities and recent activities', async () => {
    const acc = acme.accounts.find((a) =>
      acme.opportunities.some(
        (o) =>
          o.account_id === a.id &&
          ['prospecting', 'qualification', 'proposal', 'negotiation'].includes(o.stage),
      ),
    )!;
    const r = ok(await viewer.callTool('crm_get_account', { id: acc.id }));
    expect(r.account).toMatchObject({ id: acc.id, name: acc.name, owner_id: acc.owner_id, version: 1 });
    expect(r.contacts.total).toBe(acme.contacts.filter((c) => c.account_id === acc.id).length);
    expect(r.contacts.items[0]).not.toHaveProperty('email');
    for (const o of r.open_opportunities.items)
      expect(['prospecting', 'qualification', 'proposal', 'negotiation']).toContain(o.stage);
    expect(r.recent_activities.length).toBeGreaterThan(0);
  });

  it("answers not_found for another tenant's account and for unknown ids", async () => {
    const foreign = err(await grace.callTool('crm_get_account', { id: acme.accounts[0]!.id }));
    expect(foreign.category).toBe('not_found');
    const unknown = err(await alice.callTool('crm_get_account', { id: 'acc_0000000000000000' }));
    expect(unknown.category).toBe('not_found');
    // Same answer either way: existence in another tenant does not leak.
    expect(foreign.message).toBe(unknown.message);
  });

  it('reads the account once (policy decides on the record it answers with) and the rest in one statement', async () => {
    const acc = acme.accounts.find((a) => acme.contacts.some((c) => c.account_id === a.id))!;
    const store = h.runtime.kitServices.store;
    const backend = h.runtime.kitBackend;
    const statements: string[] = [];
    const query = store.query.bind(store);
    const getAccount = vi.spyOn(backend, 'getAccount');
    const searches = [
      vi.spyOn(backend, 'searchContacts'),
      vi.spyOn(backend, 'searchOpportunities'),
      vi.spyOn(backend, 'listActivities'),
    ];
    store.query = (sql: string, params?: unknown[]) => {
      if (/\bcrm_/.test(sql)) statements.push(sql);
      return query(sql, params);
    };
    try {
      const r = ok(await viewer.callTool('crm_get_account', { id: acc.id }));
      expect(r.account.id).toBe(acc.id);
      expect(getAccount).toHaveBeenCalledTimes(1);
      for (const s of searches) expect(s).not.toHaveBeenCalled();
      expect(statements).toHaveLength(2);
    } finally {
      store.query = query;
      vi.restoreAllMocks();
    }
  });

  it('refuses a principal without a CRM role as an unknown tool', async () => {
    await expect(nobody.callTool('crm_get_account', { id: acme.accounts[0]!.id })).rejects.toThrow(
      /Unknown tool: crm_get_account/,
    );
  });
});

describe('contacts and personal data', () => {
  it('withholds email and phone from a principal without pii_reader', async () => {
    const { items } = await allPages(
      alice,
      'crm_search_contacts',
      { account_id: contactOf('alice').account_id, limit: 2 },
      'contacts',
    );
    expect(items.length).toBe(
      acme.contacts.filter((c) => c.account_id === contactOf('alice').account_id).length,
    );
    for (const c of items)
      expect(c).toMatchObject({ email: null, phone: null, redacted_fields: ['email', 'phone'] });
    const one = ok(await alice.callTool('crm_get_contact', { id: contactOf('alice').id }));
    expect(one.contact).toMatchObject({ email: null, phone: null, redacted_fields: ['email', 'phone'] });
  });

  it('shows them to pii_reader, and never writes them to the audit trail', async () => {
    const seeded = contactOf('alice');
    const one = ok(await alicePii.callTool('crm_get_contact', { id: seeded.id }));
    expect(one.contact).toMatchObject({ email: seeded.email, phone: seeded.phone, redacted_fields: [] });
    const found = ok(
      await alicePii.callTool('crm_search_contacts', {
        query: `${seeded.first_name} ${seeded.last_name}`,
        limit: 100,
      }),
    );
    expect(found.contacts.find((c: Row) => c.id === seeded.id)).toMatchObject({ email: seeded.email });

    const email = `pii.${Date.now()}@example.org`;
    const created = ok(
      await alicePii.callTool('crm_create_contact', {
        first_name: 'Pia',
        last_name: 'Ivers',
        email,
        phone: '+44 20 7946 0000',
        account_id: seeded.account_id,
      }),
    );
    expect(created.contact.email).toBe(email);
    ok(
      await alicePii.callTool('crm_update_contact', {
        id: created.contact.id,
        version: created.contact.version,
        changes: { email: `new.${email}` },
      }),
    );
    const audit = JSON.stringify(h.auditRecords());
    expect(audit).not.toContain(email);
    // the full number and its bare digits: a short digit run alone also occurs in hashes by chance
    expect(audit).not.toContain('7946 0000');
    expect(audit).not.toContain('2079460000');
    const rec = h
      .auditRecords()
      .find((r) => r.tool === 'crm_create_contact' && (r.arguments as Row).last_name === 'Ivers')!;
    expect(rec.arguments).toMatchObject({ email: '[REDACTED]', phone: '[REDACTED]', first_name: 'Pia' });
  });

  it('creates a contact owned by the caller, and replays it by idempotency key', async () => {
    const args = {
      first_name: 'Ida',
      last_name: `Empotent${n}`,
      title: 'Buyer',
      account_id: ownedBy('alice').id,
      idempotency_key: key(),
    };
    const first = ok(await alice.callTool('crm_create_contact', args));
    expect(first).toMatchObject({
      replayed: false,
      contact: { owner_id: 'alice', team: 'east', version: 1, account_id: args.account_id },
    });
    const again = ok(await alice.callTool('crm_create_contact', args));
    expect(again).toMatchObject({ replayed: true, contact: { id: first.contact.id } });
    const same = ok(await alice.callTool('crm_search_contacts', { query: args.last_name, limit: 10 }));
    expect(same.total).toBe(1);
    const reused = err(await alice.callTool('crm_create_contact', { ...args, title: 'CEO' }));
    expect(reused).toMatchObject({ category: 'conflict', code: 'idempotency_key_reused' });
  });

  it('denies a rep creating a contact for another owner, and a viewer writing at all', async () => {
    const wrongOwner = err(
      await alice.callTool('crm_create_contact', { first_name: 'No', last_name: 'Way', owner_id: 'bob' }),
    );
    expect(wrongOwner).toMatchObject({ category: 'forbidden', retryable: false });
    await expect(viewer.callTool('crm_create_contact', { first_name: 'V', last_name: 'W' })).rejects.toThrow(
      /Unknown tool: crm_create_contact/,
    );
    // Exactly what a tool that does not exist answers.
    await expect(viewer.callTool('crm_create_nothing', {})).rejects.toThrow(
      /Unknown tool: crm_create_nothing/,
    );
    const denied = h
      .auditRecords()
      .filter((r) => r.principal === 'victor' && r.tool === 'crm_create_contact');
    expect(denied.at(-1)).toMatchObject({ outcome: 'denied', error_code: 'unknown_tool' });
  });

  it('refuses an unknown owner and an account of another tenant', async () => {
    expect(
      err(await admin.callTool('crm_create_contact', { first_name: 'A', last_name: 'B', owner_id: 'ghost' }))
        .category,
    ).toBe('validation');
    const noOwner = err(await admin.callTool('crm_create_contact', { first_name: 'A', last_name: 'B' }));
    expect(noOwner.remediation).toMatch(/owner_id/);
    const cross = err(
      await grace.callTool('crm_create_contact', {
        first_name: 'A',
        last_name: 'B',
        account_id: acme.accounts[0]!.id,
      }),
    );
    expect(cross.category).toBe('not_found');
  });

  it('updates with the version read; a stale version is a conflict', async () => {
    const c = ok(
      await alice.callTool('crm_create_contact', {
        first_name: 'Vera',
        last_name: 'Version',
        account_id: ownedBy('alice').id,
      }),
    ).contact;
    const up = ok(
      await alice.callTool('crm_update_contact', { id: c.id, version: c.version, changes: { title: 'CTO' } }),
    );
    expect(up.contact).toMatchObject({ title: 'CTO', version: c.version + 1 });
    const stale = err(
      await alice.callTool('crm_update_contact', { id: c.id, version: c.version, changes: { title: 'CEO' } }),
    );
    expect(stale).toMatchObject({
      category: 'conflict',
      code: 'stale_version',
      details: { current_version: c.version + 1 },
    });
    expect(stale.remediation).toMatch(/crm_get_contact/);
    const k = key();
    const first = ok(
      await alice.callTool('crm_update_contact', {
        id: c.id,
        version: up.contact.version,
        changes: { title: 'CFO' },
        idempotency_key: k,
      }),
    );
    const replay = ok(
      await alice.callTool('crm_update_contact', {
        id: c.id,
        version: up.contact.version,
        changes: { title: 'CFO' },
        idempotency_key: k,
      }),
    );
    expect(replay).toEqual({ ...first, replayed: true });
    expect(
      err(await alice.callTool('crm_update_contact', { id: c.id, version: 1, changes: {} })).category,
    ).toBe('validation');
  });

  it('lets a rep update only their own contacts, and not give them away', async () => {
    const bobs = contactOf('bob');
    const denied = err(
      await alice.callTool('crm_update_contact', { id: bobs.id, version: 1, changes: { title: 'Hacked' } }),
    );
    expect(denied.category).toBe('forbidden');
    const mine = ok(
      await alice.callTool('crm_create_contact', { first_name: 'Gift', last_name: 'Away' }),
    ).contact;
    expect(
      err(
        await alice.callTool('crm_update_contact', {
          id: mine.id,
          version: mine.version,
          changes: { owner_id: 'bob' },
        }),
      ).category,
    ).toBe('forbidden');
  });

  it("lets a manager update their team's contacts and reassign within the team only", async () => {
    const erins = contactOf('erin');
    const up = ok(
      await carol.callTool('crm_update_contact', {
        id: erins.id,
        version: 1,
        changes: { owner_id: 'alice' },
      }),
    );
    expect(up.contact).toMatchObject({ owner_id: 'alice', team: 'east' });
    expect(
      err(
        await carol.callTool('crm_update_contact', {
          id: up.contact.id,
          version: up.contact.version,
          changes: { owner_id: 'bob' },
        }),
      ).category,
    ).toBe('forbidden');
    expect(
      err(
        await carol.callTool('crm_update_contact', {
          id: contactOf('bob').id,
          version: 1,
          changes: { title: 'x' },
        }),
      ).category,
    ).toBe('forbidden');
  });

  it("hides another tenant's contact", async () => {
    expect(err(await grace.callTool('crm_get_contact', { id: contactOf('alice').id })).category).toBe(
      'not_found',
    );
    const theirs = ok(await grace.callTool('crm_search_contacts', { limit: 100 }));
    const acmeIds = new Set(acme.contacts.map((c) => c.id));
    expect(theirs.contacts.some((c: Row) => acmeIds.has(c.id))).toBe(false);
  });
});

describe('opportunities', () => {
  it('pages through a stage-filtered search to the end', async () => {
    const stages = ['proposal', 'negotiation'];
    const { items, pages } = await allPages(
      viewer,
      'crm_search_opportunities',
      { stages, limit: 15 },
      'opportunities',
    );
    const expected = acme.opportunities.filter((o) => stages.includes(o.stage)).length;
    expect(pages[0]!.total).toBeGreaterThanOrEqual(expected);
    expect(items.length).toBe(pages[0]!.total);
    for (const o of items) expect(stages).toContain(o.stage);
    const closeDates = items.map((o) => o.close_date as string);
    expect([...closeDates].sort()).toEqual(closeDates);
  });

  it('creates, moves along legal transitions, and refuses illegal ones naming the legal stages', async () => {
    const acc = ownedBy('alice');
    const o = ok(
      await alice.callTool('crm_create_opportunity', {
        account_id: acc.id,
        name: 'Tools test pilot',
        amount: 30_000,
        close_date: '2026-02-27',
        idempotency_key: key(),
      }),
    ).opportunity;
    expect(o).toMatchObject({ stage: 'prospecting', currency: 'USD', owner_id: 'alice', account_id: acc.id });
    const q = ok(
      await alice.callTool('crm_update_opportunity_stage', {
        id: o.id,
        version: o.version,
        stage: 'qualification',
      }),
    ).opportunity;
    const illegal = err(
      await alice.callTool('crm_update_opportunity_stage', {
        id: o.id,
        version: q.version,
        stage: 'closed_won',
      }),
    );
    expect(illegal).toMatchObject({
      category: 'conflict',
      code: 'illegal_stage_transition',
      details: { legal_next_stages: ['proposal', 'closed_lost'] },
    });
    expect(illegal.remediation).toBe('Legal next stages from qualification: proposal, closed_lost.');
    const stale = err(
      await alice.callTool('crm_update_opportunity_stage', {
        id: o.id,
        version: o.version,
        stage: 'proposal',
      }),
    );
    expect(stale.code).toBe('stale_version');
    expect(
      err(
        await alice.callTool('crm_create_opportunity', {
          account_id: acc.id,
          name: 'x',
          amount: 1,
          close_date: '2026-02-30',
        }),
      ).category,
    ).toBe('validation');
    expect(
      err(
        await alice.callTool('crm_create_opportunity', {
          account_id: acc.id,
          name: 'x',
          amount: 1,
          close_date: '2026-02-01',
          stage: 'closed_won',
        }),
      ).category,
    ).toBe('validation');
  });

  it('keeps large wins for managers: a policy on the amount attribute', async () => {
    const acc = ownedBy('alice');
    const big = ok(
      await alice.callTool('crm_create_opportunity', {
        account_id: acc.id,
        name: 'Big one',
        amount: 250_000,
        close_date: '2026-05-29',
        stage: 'negotiation',
      }),
    ).opportunity;
    const denied = err(
      await alice.callTool('crm_update_opportunity_stage', {
        id: big.id,
        version: big.version,
        stage: 'closed_won',
      }),
    );
    expect(denied).toMatchObject({
      category: 'forbidden',
      code: 'denied_by_policy',
      details: { policies: ['crm-large-deal-close'] },
    });
    const won = ok(
      await carol.callTool('crm_update_opportunity_stage', {
        id: big.id,
        version: big.version,
        stage: 'closed_won',
        idempotency_key: key(),
      }),
    );
    expect(won.opportunity.stage).toBe('closed_won');
    const final = err(
      await carol.callTool('crm_update_opportunity_stage', {
        id: big.id,
        version: won.opportunity.version,
        stage: 'closed_lost',
      }),
    );
    expect(final.remediation).toMatch(/final/);
  });

  it("denies a rep moving someone else's opportunity and a cross-tenant move", async () => {
    const bobs = acme.opportunities.find((o) => o.owner_id === 'bob' && o.stage === 'prospecting')!;
    expect(
      err(
        await alice.callTool('crm_update_opportunity_stage', {
          id: bobs.id,
          version: 1,
          stage: 'qualification',
        }),
      ).category,
    ).toBe('forbidden');
    expect(
      err(
        await grace.callTool('crm_update_opportunity_stage', {
          id: bobs.id,
          version: 1,
          stage: 'qualification',
        }),
      ).category,
    ).toBe('not_found');
    expect(
      err(
        await alice.callTool('crm_create_opportunity', {
          account_id: ownedBy('bob').id,
          name: 'x',
          amount: 1,
          close_date: '2026-01-05',
          owner_id: 'bob',
        }),
      ).category,
    ).toBe('forbidden');
  });
});

describe('crm_log_activity', () => {
  it('logs against an owned opportunity, links its account and replays by key', async () => {
    const opp = acme.opportunities.find((o) => o.owner_id === 'alice')!;
    const args = {
      type: 'meeting',
      subject: 'Tools test workshop',
      body: 'Went well.',
      opportunity_id: opp.id,
      idempotency_key: key(),
    };
    const first = ok(await alice.callTool('crm_log_activity', args));
    expect(first).toMatchObject({
      replayed: false,
      activity: { type: 'meeting', account_id: opp.account_id, opportunity_id: opp.id, owner_id: 'alice' },
    });
    const again = ok(await alice.callTool('crm_log_activity', args));
    expect(again).toEqual({ ...first, replayed: true });
    const summary = ok(await alice.callTool('crm_get_account', { id: opp.account_id }));
    expect(summary.recent_activities[0].id).toBe(first.activity.id);
  });

  it("denies logging on another owner's record, needs a target, and refuses a foreign one", async () => {
    const bobs = acme.opportunities.find((o) => o.owner_id === 'bob')!;
    expect(
      err(await alice.callTool('crm_log_activity', { type: 'call', subject: 'x', opportunity_id: bobs.id }))
        .category,
    ).toBe('forbidden');
    expect(err(await alice.callTool('crm_log_activity', { type: 'call', subject: 'x' })).category).toBe(
      'validation',
    );
    expect(
      err(
        await grace.callTool('crm_log_activity', {
          type: 'call',
          subject: 'x',
          account_id: ownedBy('alice').id,
        }),
      ).category,
    ).toBe('not_found');
  });
});

describe('resources and prompt', () => {
  it('lists and reads crm://schema', async () => {
    const { resources } = await viewer.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('crm://schema');
    const { resourceTemplates } = await viewer.client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain('crm://accounts/{id}');
    const res = await viewer.client.readResource({ uri: 'crm://schema' });
    const schema = JSON.parse((res.contents[0] as { text: string }).text);
    expect(schema.stages.transitions.negotiation).toEqual(['closed_won', 'closed_lost']);
  });

  it("reads crm://accounts/{id} under crm_get_account's policy", async () => {
    const acc = ownedBy('bob');
    const res = await viewer.client.readResource({ uri: `crm://accounts/${acc.id}` });
    expect(JSON.parse((res.contents[0] as { text: string }).text).account.id).toBe(acc.id);
    await expect(grace.client.readResource({ uri: `crm://accounts/${acc.id}` })).rejects.toThrow(
      /not_found|not found/,
    );
    expect((await nobody.client.listResourceTemplates()).resourceTemplates).toEqual([]);
  });

  it('answers crm://accounts/{id} with the account policy decided on, read once', async () => {
    const acc = ownedBy('bob');
    const backend = h.runtime.kitBackend;
    const read = backend.getAccount.bind(backend);
    let reads = 0;
    // A second read would see the account renamed after the decision.
    const getAccount = vi.spyOn(backend, 'getAccount').mockImplementation(async (...args) => {
      const a = await read(...args);
      return reads++ === 0 || a === null ? a : { ...a, name: 'renamed after the decision' };
    });
    try {
      const res = await viewer.client.readResource({ uri: `crm://accounts/${acc.id}` });
      const out = JSON.parse((res.contents[0] as { text: string }).text);
      expect(out.account).toMatchObject({ id: acc.id, name: acc.name });
      expect(getAccount).toHaveBeenCalledTimes(1);
      vi.restoreAllMocks();
      // The same content as the tool's answer.
      expect(out).toEqual(ok(await viewer.callTool('crm_get_account', { id: acc.id })));
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('offers crm_account_brief, which steers the model to the policy-checked tools', async () => {
    const { prompts } = await viewer.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['crm_account_brief']);
    const acc = ownedBy('alice');
    const p = await viewer.client.getPrompt({
      name: 'crm_account_brief',
      arguments: { account_id: acc.id, focus: 'renewal risk' },
    });
    const text = (p.messages[0]!.content as { text: string }).text;
    expect(text).toContain(acc.id);
    expect(text).toContain('crm_get_account');
    expect(text).toContain('renewal risk');
  });
});

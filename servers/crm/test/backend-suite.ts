/**
 * The one backend contract suite: the embedded backend and the HubSpot connector (against the
 * fake HubSpot API) both run it, so the tools can rely on the same behaviour from either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisError } from '@portcullis/core';
import type { CrmBackend, NewContact, Page } from '../src/backend.js';
import type { Contact } from '../src/domain.js';

export interface BackendFixture {
  backend: CrmBackend;
  /** The tenant with data. */
  tenant: string;
  /** A tenant whose records must never be visible from `tenant` (and the other way round). */
  otherTenant: string;
  /** An owner of `otherTenant` (for cross-tenant writes that are valid apart from the tenant). */
  otherTenantOwner: string;
  /** Two owners of `tenant` in different teams. */
  owner: string;
  ownerTeam: string;
  otherOwner: string;
  /** A page size that makes the account list span several pages. */
  pageSize: number;
  close(): Promise<void>;
}

async function failure(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  }
  throw new Error('expected the call to fail');
}

/** Every page of a search, bounded so a paging bug cannot loop forever. */
async function allPages<T>(
  fetch: (cursor: string | null) => Promise<Page<T>>,
  maxPages = 200,
): Promise<{ items: T[]; pages: Page<T>[] }> {
  const pages: Page<T>[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(cursor);
    pages.push(page);
    if (page.next_cursor === null) return { items: pages.flatMap((p) => p.items), pages };
    cursor = page.next_cursor;
  }
  throw new Error(`more than ${maxPages} pages`);
}

let keyCounter = 0;
function key(): string {
  keyCounter += 1;
  return `suite-key-${process.pid}-${keyCounter}-${Date.now()}`;
}

export function backendSuite(name: string, setup: () => Promise<BackendFixture>): void {
  describe(`backend contract: ${name}`, () => {
    let f: BackendFixture;
    let b: CrmBackend;
    let accountId: string;
    let otherAccountId: string;

    beforeAll(async () => {
      f = await setup();
      b = f.backend;
      const mine = await b.searchAccounts(f.tenant, { owner_id: f.owner }, { cursor: null, limit: 5 });
      const theirs = await b.searchAccounts(f.tenant, { owner_id: f.otherOwner }, { cursor: null, limit: 5 });
      accountId = mine.items[0]!.id;
      otherAccountId = theirs.items[0]!.id;
    });

    afterAll(async () => {
      await f?.close();
    });

    const newContact = (over: Partial<NewContact> = {}): NewContact => ({
      account_id: accountId,
      first_name: 'Testa',
      last_name: `Suite${Math.floor(Math.random() * 1e9)}`,
      title: 'Buyer',
      email: 'testa@example.com',
      phone: '+1 555 000 0000',
      owner_id: f.owner,
      ...over,
    });

    describe('accounts', () => {
      it('pages through every account exactly once, to the end', async () => {
        const { items, pages } = await allPages((cursor) =>
          b.searchAccounts(f.tenant, {}, { cursor, limit: f.pageSize }),
        );
        expect(pages.length).toBeGreaterThan(1);
        for (const p of pages) expect(p.items.length).toBeLessThanOrEqual(f.pageSize);
        const ids = items.map((a) => a.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(pages[0]!.total);
      });

      it('caps the page size at 100', async () => {
        const page = await b.searchAccounts(f.tenant, {}, { cursor: null, limit: 10_000 });
        expect(page.items.length).toBeLessThanOrEqual(100);
      });

      it('filters by owner and by name words', async () => {
        const mine = await allPages((cursor) =>
          b.searchAccounts(f.tenant, { owner_id: f.owner }, { cursor, limit: 50 }),
        );
        expect(mine.items.length).toBeGreaterThan(0);
        for (const a of mine.items) expect(a.owner_id).toBe(f.owner);
        const target = mine.items[0]!;
        const word = target.name.split(' ')[1]!;
        const byName = await allPages((cursor) =>
          b.searchAccounts(
            f.tenant,
            { query: `${target.name.split(' ')[0]} ${word}` },
            { cursor, limit: 50 },
          ),
        );
        expect(byName.items.map((a) => a.id)).toContain(target.id);
        const none = await b.searchAccounts(
          f.tenant,
          { query: 'zzqqxxnonexistent' },
          { cursor: null, limit: 10 },
        );
        expect(none.items).toEqual([]);
        expect(none.total).toBe(0);
        expect(none.next_cursor).toBeNull();
      });

      it('filters by industry and region', async () => {
        const first = (await b.searchAccounts(f.tenant, {}, { cursor: null, limit: 1 })).items[0]!;
        const page = await b.searchAccounts(
          f.tenant,
          { industry: first.industry, region: first.region },
          { cursor: null, limit: 100 },
        );
        expect(page.items.map((a) => a.id)).toContain(first.id);
        for (const a of page.items) {
          expect(a.industry).toBe(first.industry);
          expect(a.region).toBe(first.region);
        }
      });

      it('refuses a tampered cursor and a cursor of another search', async () => {
        const page = await b.searchAccounts(f.tenant, {}, { cursor: null, limit: f.pageSize });
        const cursor = page.next_cursor!;
        const flipped = cursor.slice(0, 5) + (cursor[5] === 'A' ? 'B' : 'A') + cursor.slice(6);
        expect(
          (await failure(b.searchAccounts(f.tenant, {}, { cursor: flipped, limit: f.pageSize }))).category,
        ).toBe('validation');
        expect(
          (await failure(b.searchAccounts(f.tenant, {}, { cursor: 'not-a-cursor', limit: f.pageSize })))
            .category,
        ).toBe('validation');
        const other = await failure(
          b.searchAccounts(f.tenant, { owner_id: f.owner }, { cursor, limit: f.pageSize }),
        );
        expect(other.category).toBe('validation');
        expect(other.message).toMatch(/different search/);
        expect((await failure(b.searchContacts(f.tenant, {}, { cursor, limit: f.pageSize }))).category).toBe(
          'validation',
        );
      });

      it('gets an account, and nothing of another tenant', async () => {
        const a = await b.getAccount(f.tenant, accountId);
        expect(a).not.toBeNull();
        expect(a!.id).toBe(accountId);
        expect(a!.owner_id).toBe(f.owner);
        expect(a!.team).toBe(f.ownerTeam);
        expect(Number.isInteger(a!.version)).toBe(true);
        expect(await b.getAccount(f.otherTenant, accountId)).toBeNull();
        expect(await b.getAccount(f.tenant, '999999999')).toBeNull();
        expect(await b.getAccount(f.tenant, 'acc_doesnotexist')).toBeNull();
      });
    });

    describe('owners', () => {
      it('knows owners and their teams, per tenant', async () => {
        const o = await b.getOwner(f.tenant, f.owner);
        expect(o).toMatchObject({ id: f.owner, team: f.ownerTeam });
        expect(await b.getOwner(f.tenant, 'nobody-here')).toBeNull();
        expect(await b.getOwner(f.otherTenant, f.owner)).toBeNull();
      });
    });

    describe('contacts', () => {
      it('lists the contacts of an account, all pages', async () => {
        const { items } = await allPages((cursor) =>
          b.searchContacts(f.tenant, { account_id: accountId }, { cursor, limit: 2 }),
        );
        expect(items.length).toBeGreaterThan(0);
        for (const c of items) expect(c.account_id).toBe(accountId);
        const ids = items.map((c) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('finds contacts by name words', async () => {
        const c = (await b.searchContacts(f.tenant, { account_id: accountId }, { cursor: null, limit: 1 }))
          .items[0]!;
        const found = await allPages((cursor) =>
          b.searchContacts(f.tenant, { query: `${c.first_name} ${c.last_name}` }, { cursor, limit: 100 }),
        );
        expect(found.items.map((x) => x.id)).toContain(c.id);
        for (const x of found.items) {
          const names = [x.first_name.toLowerCase(), x.last_name.toLowerCase()];
          expect(names.some((n) => n.startsWith(c.first_name.toLowerCase()))).toBe(true);
        }
      });

      it('creates a contact that reads back the same', async () => {
        const input = newContact();
        const { record, replayed } = await b.createContact(f.tenant, input, { idempotencyKey: null });
        expect(replayed).toBe(false);
        expect(record).toMatchObject({ ...input, team: f.ownerTeam });
        const read = await b.getContact(f.tenant, record.id);
        expect(read).toEqual(record);
        expect(await b.getContact(f.otherTenant, record.id)).toBeNull();
      });

      it('creates a contact without an account, and finds it with account_id null', async () => {
        const input = newContact({ account_id: null, title: null, email: null, phone: null });
        const { record } = await b.createContact(f.tenant, input, { idempotencyKey: null });
        expect(record).toMatchObject({ account_id: null, title: null, email: null, phone: null });
        const found = await b.searchContacts(
          f.tenant,
          { query: input.last_name },
          { cursor: null, limit: 10 },
        );
        expect(found.items).toEqual([record]);
      });

      it('refuses an unknown owner and an account of another tenant', async () => {
        expect(
          (
            await failure(
              b.createContact(f.tenant, newContact({ owner_id: 'nobody-here' }), { idempotencyKey: null }),
            )
          ).category,
        ).toBe('validation');
        expect(
          (
            await failure(
              b.createContact(f.tenant, newContact({ account_id: '999999999' }), { idempotencyKey: null }),
            )
          ).category,
        ).toBe('not_found');
        const cross = await failure(
          b.createContact(f.otherTenant, newContact({ owner_id: f.otherTenantOwner }), {
            idempotencyKey: null,
          }),
        );
        expect(cross.category).toBe('not_found');
      });

      it('updates with optimistic concurrency: a stale version is a conflict', async () => {
        const { record } = await b.createContact(f.tenant, newContact(), { idempotencyKey: null });
        const up = await b.updateContact(
          f.tenant,
          record.id,
          record.version,
          { title: 'CTO', phone: null },
          { idempotencyKey: null },
        );
        expect(up.record.title).toBe('CTO');
        expect(up.record.phone).toBeNull();
        expect(up.record.version).not.toBe(record.version);
        const stale = await failure(
          b.updateContact(f.tenant, record.id, record.version, { title: 'CEO' }, { idempotencyKey: null }),
        );
        expect(stale.category).toBe('conflict');
        expect(stale.code).toBe('stale_version');
        expect(stale.details).toEqual({ current_version: up.record.version });
        expect((await b.getContact(f.tenant, record.id))!.title).toBe('CTO');
        const missing = await failure(
          b.updateContact(f.tenant, '999999998', 1, { title: 'x' }, { idempotencyKey: null }),
        );
        expect(missing.category).toBe('not_found');
        const cross = await failure(
          b.updateContact(
            f.otherTenant,
            record.id,
            up.record.version,
            { title: 'x' },
            { idempotencyKey: null },
          ),
        );
        expect(cross.category).toBe('not_found');
      });

      it('reassigns owner (team follows) and account', async () => {
        const { record } = await b.createContact(f.tenant, newContact(), { idempotencyKey: null });
        const up = await b.updateContact(
          f.tenant,
          record.id,
          record.version,
          { owner_id: f.otherOwner, account_id: otherAccountId },
          { idempotencyKey: null },
        );
        expect(up.record.owner_id).toBe(f.otherOwner);
        expect(up.record.team).not.toBe(f.ownerTeam);
        expect(up.record.account_id).toBe(otherAccountId);
        expect((await b.getContact(f.tenant, record.id))!.account_id).toBe(otherAccountId);
      });

      it('replays a create with the same idempotency key without writing again', async () => {
        const input = newContact();
        const k = key();
        const first = await b.createContact(f.tenant, input, { idempotencyKey: k });
        const again = await b.createContact(f.tenant, input, { idempotencyKey: k });
        expect(again.replayed).toBe(true);
        expect(again.record).toEqual(first.record);
        const same = await b.searchContacts(
          f.tenant,
          { query: input.last_name },
          { cursor: null, limit: 10 },
        );
        expect(same.items.filter((c: Contact) => c.last_name === input.last_name)).toHaveLength(1);
        const reused = await failure(
          b.createContact(f.tenant, { ...input, title: 'Other' }, { idempotencyKey: k }),
        );
        expect(reused.code).toBe('idempotency_key_reused');
        expect(reused.category).toBe('conflict');
        // The key is per tenant and tool: another tool may use it freely.
        const up = await b.updateContact(
          f.tenant,
          first.record.id,
          first.record.version,
          { title: 'CFO' },
          { idempotencyKey: k },
        );
        expect(up.replayed).toBe(false);
      });

      it('replays an update even after the version moved on', async () => {
        const { record } = await b.createContact(f.tenant, newContact(), { idempotencyKey: null });
        const k = key();
        const first = await b.updateContact(
          f.tenant,
          record.id,
          record.version,
          { title: 'VP Sales' },
          { idempotencyKey: k },
        );
        const again = await b.updateContact(
          f.tenant,
          record.id,
          record.version,
          { title: 'VP Sales' },
          { idempotencyKey: k },
        );
        expect(again).toEqual({ record: first.record, replayed: true });
      });
    });

    describe('opportunities', () => {
      it('creates and moves only along legal stage transitions', async () => {
        const { record: o } = await b.createOpportunity(
          f.tenant,
          {
            account_id: accountId,
            name: 'Suite Pilot',
            stage: 'prospecting',
            amount: 12_000,
            currency: 'USD',
            close_date: '2026-03-31',
            owner_id: f.owner,
          },
          { idempotencyKey: null },
        );
        expect(o).toMatchObject({
          account_id: accountId,
          stage: 'prospecting',
          amount: 12_000,
          close_date: '2026-03-31',
          owner_id: f.owner,
          team: f.ownerTeam,
        });
        const q = await b.updateOpportunityStage(f.tenant, o.id, o.version, 'qualification', {
          idempotencyKey: null,
        });
        expect(q.record.stage).toBe('qualification');
        const illegal = await failure(
          b.updateOpportunityStage(f.tenant, o.id, q.record.version, 'closed_won', { idempotencyKey: null }),
        );
        expect(illegal.code).toBe('illegal_stage_transition');
        expect(illegal.category).toBe('conflict');
        expect(illegal.remediation).toContain('proposal');
        expect(illegal.remediation).toContain('closed_lost');
        const stale = await failure(
          b.updateOpportunityStage(f.tenant, o.id, o.version, 'proposal', { idempotencyKey: null }),
        );
        expect(stale.code).toBe('stale_version');
        const lost = await b.updateOpportunityStage(f.tenant, o.id, q.record.version, 'closed_lost', {
          idempotencyKey: null,
        });
        expect(lost.record.stage).toBe('closed_lost');
        const final = await failure(
          b.updateOpportunityStage(f.tenant, o.id, lost.record.version, 'prospecting', {
            idempotencyKey: null,
          }),
        );
        expect(final.code).toBe('illegal_stage_transition');
        expect(final.remediation).toMatch(/final/);
        expect(await b.getOpportunity(f.otherTenant, o.id)).toBeNull();
      });

      it('searches by account, stage set and minimum amount, all pages', async () => {
        const open = await allPages((cursor) =>
          b.searchOpportunities(
            f.tenant,
            { stages: ['negotiation', 'proposal'], min_amount: 20_000 },
            { cursor, limit: 7 },
          ),
        );
        expect(open.items.length).toBeGreaterThan(0);
        for (const o of open.items) {
          expect(['negotiation', 'proposal']).toContain(o.stage);
          expect(o.amount).toBeGreaterThanOrEqual(20_000);
          expect(o.account_id).not.toBe('');
        }
        const ofAccount = await b.searchOpportunities(
          f.tenant,
          { account_id: accountId },
          { cursor: null, limit: 100 },
        );
        for (const o of ofAccount.items) expect(o.account_id).toBe(accountId);
      });

      it('replays a stage change with the same key', async () => {
        const { record: o } = await b.createOpportunity(
          f.tenant,
          {
            account_id: accountId,
            name: 'Suite Replay',
            stage: 'negotiation',
            amount: 5_000,
            currency: 'USD',
            close_date: '2026-01-15',
            owner_id: f.owner,
          },
          { idempotencyKey: key() },
        );
        const k = key();
        const won = await b.updateOpportunityStage(f.tenant, o.id, o.version, 'closed_won', {
          idempotencyKey: k,
        });
        const again = await b.updateOpportunityStage(f.tenant, o.id, o.version, 'closed_won', {
          idempotencyKey: k,
        });
        expect(again.replayed).toBe(true);
        expect(again.record).toEqual(won.record);
      });
    });

    describe('activities', () => {
      it('logs an activity, linking the account of its opportunity, and lists it first', async () => {
        const opp = (
          await b.searchOpportunities(f.tenant, { account_id: accountId }, { cursor: null, limit: 1 })
        ).items[0]!;
        const { record } = await b.logActivity(
          f.tenant,
          {
            type: 'call',
            subject: 'Suite call',
            body: 'Talked pricing.',
            occurred_at: new Date().toISOString(),
            account_id: null,
            contact_id: null,
            opportunity_id: opp.id,
            owner_id: f.owner,
          },
          { idempotencyKey: null },
        );
        expect(record).toMatchObject({
          type: 'call',
          subject: 'Suite call',
          body: 'Talked pricing.',
          account_id: accountId,
          opportunity_id: opp.id,
        });
        const recent = await b.listActivities(f.tenant, { account_id: accountId }, 5);
        expect(recent[0]).toMatchObject({
          id: record.id,
          subject: 'Suite call',
          account_id: accountId,
          opportunity_id: opp.id,
          type: 'call',
        });
        for (let i = 1; i < recent.length; i++)
          expect(recent[i - 1]!.occurred_at >= recent[i]!.occurred_at).toBe(true);
        expect(await b.listActivities(f.otherTenant, { account_id: accountId }, 5)).toEqual([]);
      });

      it('keeps a note subject and body apart', async () => {
        const { record } = await b.logActivity(
          f.tenant,
          {
            type: 'note',
            subject: 'Suite note',
            body: 'Line one.',
            occurred_at: new Date().toISOString(),
            account_id: otherAccountId,
            contact_id: null,
            opportunity_id: null,
            owner_id: f.owner,
          },
          { idempotencyKey: null },
        );
        const recent = await b.listActivities(f.tenant, { account_id: otherAccountId }, 3);
        expect(recent[0]).toMatchObject({
          id: record.id,
          type: 'note',
          subject: 'Suite note',
          body: 'Line one.',
        });
      });

      it('refuses targets of different accounts', async () => {
        const c = (
          await b.searchContacts(f.tenant, { account_id: otherAccountId }, { cursor: null, limit: 1 })
        ).items[0]!;
        const err = await failure(
          b.logActivity(
            f.tenant,
            {
              type: 'email',
              subject: 'x',
              body: null,
              occurred_at: new Date().toISOString(),
              account_id: accountId,
              contact_id: c.id,
              opportunity_id: null,
              owner_id: f.owner,
            },
            { idempotencyKey: null },
          ),
        );
        expect(err.category).toBe('validation');
      });
    });
  });
}

/**
 * Cross-tenant writes through the tools, on the embedded store. Its foreign keys are on the id
 * alone, so the database would accept an acme contact pointing at a globex account: the
 * backend's tenant check is the only wall, and these tests are what holds it up. Cursors and
 * idempotency keys are private to tenant + principal; presenting one elsewhere must neither work
 * nor reveal anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import type { CrmBackend } from '../src/index.js';
import { generateSeed, server } from '../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const acme = generateSeed('acme');
const globex = generateSeed('globex');

let h: InProcessHarness<CrmBackend>;
let acmeAdmin: InProcessClient;
let aliceAcme: InProcessClient;
let carolAcme: InProcessClient;
let aliceGlobex: InProcessClient; // the same principal id in the other tenant
let graceGlobex: InProcessClient;
let rootGlobex: InProcessClient; // the admin's id, in the other tenant

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

function err(r: ToolCallOutcome): Row {
  expect(r.isError).toBe(true);
  expect(r.envelope!.audit_id).toMatch(/^aud_/);
  return r.envelope!;
}

const globexAccount = globex.accounts[0]!;
const acmeContact = acme.contacts.find((c) => c.owner_id === 'alice' && c.account_id !== null)!;

beforeAll(async () => {
  h = await startInProcess(server, {
    principal: { id: 'root', roles: ['admin', 'pii_reader'], tenant: 'acme' },
    env: { CRM_BACKEND: 'embedded' },
  });
  acmeAdmin = h;
  aliceAcme = await h.as({
    id: 'alice',
    roles: ['rep', 'pii_reader'],
    tenant: 'acme',
    attributes: { team: 'east' },
  });
  carolAcme = await h.as({ id: 'carol', roles: ['manager'], tenant: 'acme', attributes: { team: 'east' } });
  aliceGlobex = await h.as({
    id: 'alice',
    roles: ['rep', 'pii_reader'],
    tenant: 'globex',
    attributes: { team: 'north' },
  });
  rootGlobex = await h.as({ id: 'root', roles: ['admin', 'pii_reader'], tenant: 'globex' });
  graceGlobex = await h.as({
    id: 'grace',
    roles: ['rep', 'pii_reader'],
    tenant: 'globex',
    attributes: { team: 'north' },
  });
});

afterAll(async () => {
  await h?.close();
});

describe("moving a record to another tenant's account", () => {
  it("refuses to move a contact to another tenant's account, as not_found, and changes nothing", async () => {
    for (const who of [acmeAdmin, aliceAcme]) {
      const before = ok(await acmeAdmin.callTool('crm_get_contact', { id: acmeContact.id })).contact;
      const moved = err(
        await who.callTool('crm_update_contact', {
          id: acmeContact.id,
          version: before.version,
          changes: { account_id: globexAccount.id },
        }),
      );
      expect(moved).toMatchObject({ category: 'not_found', retryable: false });
      // The same answer as for an id that exists nowhere: the other tenant's account does not leak.
      const ghost = err(
        await who.callTool('crm_update_contact', {
          id: acmeContact.id,
          version: before.version,
          changes: { account_id: 'acc_0000000000000000' },
        }),
      );
      expect(ghost.code).toBe(moved.code);
      expect(moved.message.replace(globexAccount.id, 'X')).toBe(
        ghost.message.replace('acc_0000000000000000', 'X'),
      );
      const after = ok(await acmeAdmin.callTool('crm_get_contact', { id: acmeContact.id })).contact;
      expect(after).toMatchObject({ account_id: before.account_id, version: before.version });
    }
    // The other tenant's account has gained no contact.
    const theirs = ok(await graceGlobex.callTool('crm_get_account', { id: globexAccount.id }));
    expect(JSON.stringify(theirs)).not.toContain(acmeContact.id);
  });

  it("refuses a contact, an opportunity and an activity created on another tenant's account", async () => {
    const contact = err(
      await acmeAdmin.callTool('crm_create_contact', {
        first_name: 'Cross',
        last_name: 'Tenant',
        owner_id: 'alice',
        account_id: globexAccount.id,
      }),
    );
    expect(contact.category).toBe('not_found');
    const opp = err(
      await acmeAdmin.callTool('crm_create_opportunity', {
        account_id: globexAccount.id,
        name: 'Cross-tenant deal',
        amount: 1000,
        currency: 'USD',
        close_date: '2030-01-01',
        owner_id: 'alice',
      }),
    );
    expect(opp.category).toBe('not_found');
    const activity = err(
      await aliceAcme.callTool('crm_log_activity', {
        type: 'note',
        subject: 'Cross-tenant',
        body: 'cross-tenant note',
        account_id: globexAccount.id,
      }),
    );
    expect(activity.category, JSON.stringify(activity)).toBe('not_found');
  });

  it('still moves a contact to an account of its own tenant (the control case)', async () => {
    const target = acme.accounts.find((a) => a.owner_id === 'alice' && a.id !== acmeContact.account_id)!;
    const c = ok(
      await aliceAcme.callTool('crm_create_contact', {
        first_name: 'Mo',
        last_name: 'Ving',
        account_id: acmeContact.account_id,
      }),
    ).contact;
    const moved = ok(
      await aliceAcme.callTool('crm_update_contact', {
        id: c.id,
        version: c.version,
        changes: { account_id: target.id },
      }),
    ).contact;
    expect(moved).toMatchObject({ account_id: target.id, version: c.version + 1 });
  });
});

describe('cursors replayed elsewhere', () => {
  for (const [tool, key] of [
    ['crm_search_contacts', 'contacts'],
    ['crm_search_opportunities', 'opportunities'],
    ['crm_search_accounts', 'accounts'],
  ] as const) {
    it(`${tool}: a cursor works only for its own tenant and principal`, async () => {
      const page = ok(await aliceAcme.callTool(tool, { limit: 2 }));
      const cursor = page.next_cursor as string;
      expect(cursor).toEqual(expect.any(String));
      // The rightful caller can continue.
      expect(ok(await aliceAcme.callTool(tool, { limit: 2, cursor }))[key]).toHaveLength(2);
      // The same principal id in another tenant, another tenant's principal, and another
      // principal of the same tenant all get invalid_cursor, and no rows.
      for (const other of [aliceGlobex, graceGlobex, carolAcme]) {
        const r = await other.callTool(tool, { limit: 2, cursor });
        expect(err(r)).toMatchObject({ category: 'validation', code: 'invalid_cursor' });
        expect(r.structured).toBeUndefined();
      }
    });
  }
});

describe('idempotency keys across tenants', () => {
  it('the same principal id with the same key in another tenant creates its own record, never a replay', async () => {
    const key = `cross-tenant-${process.pid}-1`;
    const acmeArgs = { first_name: 'Ida', last_name: 'Tenantkey', owner_id: 'alice', idempotency_key: key };
    const globexArgs = { ...acmeArgs, owner_id: 'grace' };
    const first = ok(await acmeAdmin.callTool('crm_create_contact', acmeArgs));
    expect(first.replayed).toBe(false);
    // Principal "root" in globex, same key: neither acme's record replayed nor a key conflict.
    const other = ok(await rootGlobex.callTool('crm_create_contact', globexArgs));
    expect(other.replayed).toBe(false);
    expect(other.contact.id).not.toBe(first.contact.id);
    expect(other.contact).toMatchObject({ owner_id: 'grace', team: 'north' });
    // Each tenant replays only its own.
    expect(ok(await acmeAdmin.callTool('crm_create_contact', acmeArgs))).toMatchObject({
      replayed: true,
      contact: { id: first.contact.id },
    });
    expect(ok(await rootGlobex.callTool('crm_create_contact', globexArgs))).toMatchObject({
      replayed: true,
      contact: { id: other.contact.id },
    });
    // Neither tenant can read the other's record.
    expect(err(await rootGlobex.callTool('crm_get_contact', { id: first.contact.id })).category).toBe(
      'not_found',
    );
    expect(err(await acmeAdmin.callTool('crm_get_contact', { id: other.contact.id })).category).toBe(
      'not_found',
    );
  });

  it('a key used in one tenant with other arguments is no conflict in another (nothing leaks through the refusal)', async () => {
    const key = `cross-tenant-${process.pid}-2`;
    ok(
      await aliceAcme.callTool('crm_create_contact', {
        first_name: 'A',
        last_name: 'Keyone',
        idempotency_key: key,
      }),
    );
    const theirs = ok(
      await graceGlobex.callTool('crm_create_contact', {
        first_name: 'B',
        last_name: 'Keytwo',
        idempotency_key: key,
      }),
    );
    expect(theirs).toMatchObject({ replayed: false, contact: { first_name: 'B', owner_id: 'grace' } });
    // Inside one tenant and principal the key still binds its arguments.
    expect(
      err(
        await aliceAcme.callTool('crm_create_contact', {
          first_name: 'C',
          last_name: 'Keythree',
          idempotency_key: key,
        }),
      ),
    ).toMatchObject({ category: 'conflict', code: 'idempotency_key_reused' });
  });
});

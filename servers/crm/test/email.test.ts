/**
 * Customer e-mail (crm_send_email, crm_preview_email, crm_list_templates) through the real kit
 * runtime with a real MCP client, on the seeded embedded backend with the default file transport:
 * each rule and refusal, idempotency, the .eml files, and PII kept out of results, logs and audit.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness, ToolCallOutcome } from '@portcullis/core/testing';
import type { CrmBackend } from '../src/index.js';
import { server } from '../src/index.js';
import { DEMO_SUPPRESSED_CONTACT } from '../src/email/setup.js';
import { acme, contactsAt } from './email-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

let h: InProcessHarness<CrmBackend>;
let alice: InProcessClient; // rep, east
let alicePii: InProcessClient;
let carol: InProcessClient; // manager, east
let viewer: InProcessClient;
let support: InProcessClient;
let grace: InProcessClient; // rep, other tenant

function ok(r: ToolCallOutcome): Row {
  if (r.isError) throw new Error(`expected success, got ${JSON.stringify(r.envelope)}`);
  return r.structured as Row;
}

function err(r: ToolCallOutcome): NonNullable<ToolCallOutcome['envelope']> {
  expect(r.isError).toBe(true);
  expect(r.envelope!.audit_id).toMatch(/^aud_/);
  return r.envelope!;
}

let n = 0;
const key = (): string => `email-test-${++n}-${Date.now()}`;

const suppressed = acme.contacts[DEMO_SUPPRESSED_CONTACT]!;

const followUp = (contactId: string, extra: Row = {}) => ({
  contact_id: contactId,
  template: 'follow_up',
  variables: { topic: 'the platform renewal' },
  ...extra,
});

let operatorDir: string;

beforeAll(async () => {
  operatorDir = mkdtempSync(join(tmpdir(), 'crm-templates-'));
  writeFileSync(
    join(operatorDir, 'welcome_pack.json'),
    JSON.stringify({
      name: 'welcome_pack',
      description: 'Welcomes a new customer (an operator template).',
      policy: { category: 'service', customer_facing: true, requires_manager: false },
      variables: { product: { description: 'What they bought.', max_length: 60 } },
      subject: 'Welcome to {{product}}',
      text: 'Hello {{contact.first_name}}, welcome to {{product}}.\n',
    }),
  );
  h = await startInProcess(server, {
    principal: { id: 'alice', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } },
    env: {
      CRM_BACKEND: 'embedded',
      CRM_EMAIL_TEMPLATE_DIR: operatorDir,
      CRM_EMAIL_DAILY_SEND_BUDGET: '6',
      CRM_EMAIL_CONTACT_DAILY_LIMIT: '2',
    },
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
  support = await h.as({ id: 'agent-7', roles: ['support'], tenant: 'acme' });
  grace = await h.as({ id: 'grace', roles: ['rep'], tenant: 'globex', attributes: { team: 'north' } });
});

afterAll(async () => {
  await h?.close();
});

describe('crm_list_templates', () => {
  it('lists shipped and operator templates with variables, policy attributes and whether you may use them', async () => {
    const out = ok(await alice.callTool('crm_list_templates', {}));
    const byName = new Map((out.templates as Row[]).map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual([
      'contract_terms',
      'follow_up',
      'meeting_request',
      'refund_issued',
      'welcome_pack',
    ]);
    expect(byName.get('refund_issued')).toMatchObject({
      source: 'shipped',
      category: 'service',
      customer_facing: true,
      requires_manager: false,
      usable_by_you: true,
    });
    expect(byName.get('welcome_pack')!.source).toBe('operator');
    expect(byName.get('contract_terms')!.usable_by_you).toBe(false); // a rep is no manager
    expect((byName.get('refund_issued')!.variables as Row[]).map((v) => v.name)).toEqual([
      'order_id',
      'amount',
      'refund_id',
      'note',
    ]);
    expect(out.limits).toEqual({ daily_send_budget: 6, contact_daily_limit: 2 });
    const forCarol = ok(await carol.callTool('crm_list_templates', {}));
    expect((forCarol.templates as Row[]).find((t) => t.name === 'contract_terms')!.usable_by_you).toBe(true);
    const forSupport = ok(await support.callTool('crm_list_templates', {}));
    const supportUsable = (forSupport.templates as Row[]).filter((t) => t.usable_by_you).map((t) => t.name);
    expect(supportUsable).toEqual(['refund_issued', 'welcome_pack']);
  });

  it('is hidden from viewers, who never send', async () => {
    const names = await viewer.listToolNames();
    expect(names.filter((t) => t.includes('email') || t.includes('template'))).toEqual([]);
    expect(await support.listToolNames()).toEqual([
      'crm_list_templates',
      'crm_preview_email',
      'crm_send_email',
    ]);
    // Calling it answers exactly as an unknown tool does.
    await expect(
      viewer.callTool('crm_send_email', { ...followUp(contactsAt('alice')[0]!.id), idempotency_key: key() }),
    ).rejects.toThrow(/Unknown tool/);
  });
});

describe('crm_preview_email', () => {
  it('renders subject, text and escaped HTML for the contact, sending nothing', async () => {
    const c = contactsAt('alice')[0]!;
    const out = ok(
      await alice.callTool(
        'crm_preview_email',
        followUp(c.id, { variables: { topic: 'Q3 & "pricing"', note: 'See you soon' } }),
      ),
    );
    expect(out.rendered.subject).toBe('Following up on Q3 & "pricing"');
    expect(out.rendered.text).toContain(`Hello ${c.first_name},`);
    expect(out.rendered.text).toContain('See you soon');
    expect(out.rendered.text).toContain('Alice Archer'); // the sender is the CRM owner calling
    expect(out.rendered.html).toContain('Q3 &amp; &quot;pricing&quot;');
    expect(out.to).toEqual({ contact_id: c.id, name: `${c.first_name} ${c.last_name}`, email: null });
    expect(out.redacted_fields).toEqual(['email']);
    const withPii = ok(await alicePii.callTool('crm_preview_email', followUp(c.id)));
    expect(withPii.to.email).toBe(c.email);
    expect(withPii.redacted_fields).toEqual([]);
    // Optional sections disappear when their variable is absent.
    const plain = ok(await alice.callTool('crm_preview_email', followUp(c.id)));
    expect(plain.rendered.html).not.toContain('<p></p>');
    expect(readdirSync(join(h.dataDir, 'outbox'))).toEqual([]);
  });

  it('follows the same ownership rules as sending', async () => {
    const bobs = contactsAt('bob')[0]!;
    expect(err(await alice.callTool('crm_preview_email', followUp(bobs.id))).category).toBe('forbidden');
    // Carol manages east, bob is west.
    expect(err(await carol.callTool('crm_preview_email', followUp(bobs.id))).category).toBe('forbidden');
    expect(ok(await carol.callTool('crm_preview_email', followUp(contactsAt('erin')[0]!.id))).template).toBe(
      'follow_up',
    );
  });
});

describe('validation refuses unsafe or wrong variables before anything else', () => {
  const c = () => contactsAt('alice')[1]!.id;
  const cases: [string, Row, RegExp][] = [
    ['CR/LF (header injection)', { topic: 'x\r\nBcc: victim@evil.example' }, /one line/],
    ['a bare LF', { topic: 'line one\nline two' }, /one line/],
    ['encoded CR/LF', { topic: 'x%0d%0aBcc: a@b' }, /one line/],
    ['HTML in a text variable', { topic: '<script>alert(1)</script>' }, /plain text/],
    ['an HTML entity', { topic: 'caf&eacute;' }, /plain text/],
    ['control characters', { topic: 'bell\u0007' }, /control characters/],
    ['template braces', { topic: '{{contact.first_name}}' }, /braces/],
    ['an over-long value', { topic: 'x'.repeat(1001) }, /at most 1000/],
    ['over the template limit', { topic: 'x'.repeat(121) }, /at most 120/],
    ['an unknown variable', { topic: 'ok', cc: 'someone' }, /not a variable of follow_up/],
    ['a missing required variable', {}, /is required/],
  ];
  for (const [what, variables, message] of cases) {
    it(`refuses ${what}`, async () => {
      const e = err(
        await alice.callTool('crm_send_email', { ...followUp(c(), { variables }), idempotency_key: key() }),
      );
      expect(e.category).toBe('validation');
      expect(e.message).toMatch(message);
    });
  }

  it('refuses a pattern mismatch, an unknown template and a free-form address', async () => {
    const e1 = err(
      await alice.callTool('crm_preview_email', {
        contact_id: c(),
        template: 'meeting_request',
        variables: { topic: 'x', proposed_date: 'next week' },
      }),
    );
    expect(e1.message).toMatch(/proposed_date/);
    const e2 = err(await alice.callTool('crm_preview_email', { contact_id: c(), template: 'free_text' }));
    expect(e2.category).toBe('validation');
    expect(e2.remediation).toMatch(/follow_up/);
    const e3 = err(
      await alice.callTool('crm_send_email', {
        ...followUp(c()),
        to: 'x@evil.example',
        idempotency_key: key(),
      }),
    );
    expect(e3.category).toBe('validation');
    const e4 = err(await alice.callTool('crm_send_email', followUp(c())));
    expect(e4.message).toMatch(/idempotency_key/);
    // Nothing was sent by any of these.
    expect(readdirSync(join(h.dataDir, 'outbox'))).toEqual([]);
  });
});

describe('crm_send_email', () => {
  it('sends through the outbox, writes an owner-only .eml and logs an activity', async () => {
    const c = contactsAt('alice')[2]!;
    const out = ok(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }));
    expect(out.replayed).toBe(false);
    expect(out.to).toEqual({ contact_id: c.id, name: `${c.first_name} ${c.last_name}`, email: null });
    expect(out.message).toMatchObject({ template: 'follow_up', contact_id: c.id, transport: 'file' });
    expect(out.message.message_hash).toMatch(/^[0-9a-f]{64}$/);
    const dir = join(h.dataDir, 'outbox');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = join(dir, `${out.message.id}.eml`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const parsed = await simpleParser(readFileSync(file));
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]!.address : null).toBe(c.email);
    expect(parsed.subject).toBe('Following up on the platform renewal');
    expect(parsed.text).toContain(`Hello ${c.first_name},`);
    expect(parsed.headers.get('x-portcullis-message-id')).toBe(out.message.id);
    const account = ok(await alice.callTool('crm_get_account', { id: c.account_id }));
    expect(
      (account.recent_activities as Row[]).some(
        (a) => a.id === out.message.activity_id && a.type === 'email',
      ),
    ).toBe(true);
  });

  it('never sends twice for one idempotency key, and refuses the key with other arguments', async () => {
    const c = contactsAt('alice')[3]!;
    const k = key();
    const first = ok(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: k }));
    const again = ok(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: k }));
    expect(again.replayed).toBe(true);
    expect(again.message).toEqual(first.message);
    const files = readdirSync(join(h.dataDir, 'outbox')).filter((f) => f.startsWith(first.message.id));
    expect(files).toHaveLength(1);
    // The stored result holds no address: a pii_reader replaying it gets the address re-resolved.
    const asPii = ok(await alicePii.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: k }));
    expect(asPii.to.email).toBe(c.email);
    const other = err(
      await alice.callTool('crm_send_email', {
        ...followUp(c.id, { variables: { topic: 'something else' } }),
        idempotency_key: k,
      }),
    );
    expect(other.code).toBe('idempotency_key_reused');
  });

  it('refuses contacts who opted out (suppression list)', async () => {
    const e = err(
      await h
        .as({ id: 'root', roles: ['admin'], tenant: 'acme' })
        .then((a) => a.callTool('crm_send_email', { ...followUp(suppressed.id), idempotency_key: key() })),
    );
    expect(e.code).toBe('contact_opted_out');
    expect(e.message).not.toContain('@');
  });

  it('lets support send service templates to any customer contact, but not sales ones', async () => {
    const c = contactsAt('bob')[0]!;
    const refund = {
      contact_id: c.id,
      template: 'refund_issued',
      variables: { order_id: '4821', amount: '$150.00', note: 'Sorry for the trouble.' },
    };
    const out = ok(await support.callTool('crm_send_email', { ...refund, idempotency_key: key() }));
    expect(out.message.template).toBe('refund_issued');
    expect(out.message.subject).toBe('Your refund for order 4821');
    const e = err(await support.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }));
    expect(e.category).toBe('forbidden');
  });

  it('keeps requires_manager templates to managers', async () => {
    const c = contactsAt('alice')[4]!;
    const args = {
      contact_id: c.id,
      template: 'contract_terms',
      variables: { deal: 'Renewal', terms: 'net 60' },
    };
    const e = err(await alice.callTool('crm_send_email', { ...args, idempotency_key: key() }));
    expect(e.details?.policies).toContain('crm-email-template-requires-manager');
    ok(await carol.callTool('crm_send_email', { ...args, idempotency_key: key() }));
  });

  it('keeps reps to contacts of accounts they own and tenants apart', async () => {
    const e = err(
      await alice.callTool('crm_send_email', {
        ...followUp(contactsAt('bob')[1]!.id),
        idempotency_key: key(),
      }),
    );
    expect(e.category).toBe('forbidden');
    const e2 = err(
      await grace.callTool('crm_send_email', {
        ...followUp(contactsAt('alice')[5]!.id),
        idempotency_key: key(),
      }),
    );
    expect(e2.category).toBe('not_found');
  });

  it('applies the per-contact cool-down and the per-person daily budget as policy', async () => {
    const c = contactsAt('alice')[6]!;
    ok(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }));
    ok(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }));
    const cool = err(await alice.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }));
    expect(cool.details?.policies).toEqual(['crm-email-contact-cool-down']);
    // Budget 6: alice has sent 1 + 1 + 2 so far (replays and refusals do not count); two more fit.
    ok(
      await alice.callTool('crm_send_email', {
        ...followUp(contactsAt('alice')[7]!.id),
        idempotency_key: key(),
      }),
    );
    const lastKey = key();
    ok(
      await alice.callTool('crm_send_email', {
        ...followUp(contactsAt('alice')[8]!.id),
        idempotency_key: lastKey,
      }),
    );
    const over = err(
      await alice.callTool('crm_send_email', {
        ...followUp(contactsAt('alice')[9]!.id),
        idempotency_key: key(),
      }),
    );
    expect(over.details?.policies).toEqual(['crm-email-daily-budget']);
    // A retry of a message already sent (a lost answer) is never refused by its own send.
    const last = { ...followUp(contactsAt('alice')[8]!.id), idempotency_key: lastKey };
    expect(ok(await alice.callTool('crm_send_email', last)).replayed).toBe(true);
    // Previews are not sends: budgets do not apply to them.
    ok(await alice.callTool('crm_preview_email', followUp(contactsAt('alice')[8]!.id)));
  });

  it('holds the per-contact limit under concurrent sends: the count and the outbox row are one step', async () => {
    const frank = await h.as({ id: 'frank', roles: ['rep'], tenant: 'acme', attributes: { team: 'west' } });
    const c = contactsAt('frank')[0]!;
    const emls = () => readdirSync(join(h.dataDir, 'outbox')).length;
    const before = emls();
    const outs = await Promise.all(
      Array.from({ length: 10 }, () =>
        frank.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() }),
      ),
    );
    const sent = outs.filter((r) => !r.isError);
    expect(sent).toHaveLength(2); // CRM_EMAIL_CONTACT_DAILY_LIMIT
    for (const r of outs.filter((o) => o.isError))
      expect(err(r)).toMatchObject({
        code: 'denied_by_policy',
        category: 'forbidden',
        details: { policies: ['crm-email-contact-cool-down'] },
      });
    expect(emls() - before).toBe(2);
  });

  it('holds the daily send budget under concurrent sends to different contacts', async () => {
    const dave = await h.as({ id: 'dave', roles: ['manager'], tenant: 'acme', attributes: { team: 'west' } });
    const targets = contactsAt('frank').slice(1, 11);
    expect(targets).toHaveLength(10);
    const emls = () => readdirSync(join(h.dataDir, 'outbox')).length;
    const before = emls();
    const outs = await Promise.all(
      targets.map((c) => dave.callTool('crm_send_email', { ...followUp(c.id), idempotency_key: key() })),
    );
    expect(outs.filter((r) => !r.isError)).toHaveLength(6); // CRM_EMAIL_DAILY_SEND_BUDGET
    for (const r of outs.filter((o) => o.isError))
      expect(err(r).details?.policies).toEqual(['crm-email-daily-budget']);
    expect(emls() - before).toBe(6);
  });

  it("keeps each sender's idempotency key their own, down to the activity it logs", async () => {
    // The same key from two people of one tenant is two messages, each with its own activity.
    const bob = await h.as({ id: 'bob', roles: ['rep'], tenant: 'acme', attributes: { team: 'west' } });
    const erin = await h.as({ id: 'erin', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } });
    const k = `followup-0001-${Date.now()}`;
    const first = ok(
      await erin.callTool('crm_send_email', { ...followUp(contactsAt('erin')[0]!.id), idempotency_key: k }),
    );
    const bobsContact = contactsAt('bob')[2]!;
    const second = ok(
      await bob.callTool('crm_send_email', { ...followUp(bobsContact.id), idempotency_key: k }),
    );
    expect(second.replayed).toBe(false);
    expect(second.message.contact_id).toBe(bobsContact.id);
    expect(second.message.activity_id).not.toBe(first.message.activity_id);
    const activities = await h.runtime.kitBackend.listActivities('acme', { contact_id: bobsContact.id }, 100);
    expect(activities.find((a) => a.id === second.message.activity_id)).toMatchObject({
      type: 'email',
      contact_id: bobsContact.id,
      owner_id: 'bob',
    });
  });

  it("never meets the sender's own crm_log_activity keys with the activity a send logs", async () => {
    // Bob logs an activity himself under "email:K", then sends with key K: the send's activity is
    // its own entry, not a reuse of his.
    const bob = await h.as({ id: 'bob', roles: ['rep'], tenant: 'acme', attributes: { team: 'west' } });
    const contact = contactsAt('bob')[3]!;
    const k = `own-key-${Date.now()}`;
    ok(
      await bob.callTool('crm_log_activity', {
        type: 'note',
        subject: 'called ahead',
        account_id: contact.account_id!,
        idempotency_key: `email:${k}`,
      }),
    );
    const sent = ok(await bob.callTool('crm_send_email', { ...followUp(contact.id), idempotency_key: k }));
    expect(sent.message.activity_id).toEqual(expect.any(String));
    const activities = await h.runtime.kitBackend.listActivities('acme', { contact_id: contact.id }, 100);
    expect(activities.find((a) => a.id === sent.message.activity_id)).toMatchObject({ type: 'email' });
  });
});

describe('audit and personal data', () => {
  it('audit records name template, contact, message and hash, never the address or the body', async () => {
    const sends = h.auditRecords().filter((r) => r.tool === 'crm_send_email' && r.outcome === 'ok');
    expect(sends.length).toBeGreaterThan(3);
    for (const r of sends) {
      expect(r.refs).toMatchObject({
        template: expect.any(String),
        contact_id: expect.any(String),
        message_id: expect.stringMatching(/^msg_/),
        message_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    const all = readFileSync(h.auditFile, 'utf8');
    for (const c of acme.contacts.slice(0, 200)) {
      if (c.email !== null) expect(all).not.toContain(c.email);
    }
    expect(all).not.toContain('the platform renewal'); // variables are masked
    expect(all).not.toContain('Hello ');
  });
});

describe('start-up refuses bad templates', () => {
  it('stops on an operator template that reuses a shipped name or uses an undeclared placeholder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bad-templates-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'oops.json'),
      JSON.stringify({
        name: 'oops',
        description: 'x',
        policy: { category: 'sales', customer_facing: true, requires_manager: false },
        variables: {},
        subject: 'Hi {{contact.email}}',
        text: 'x',
      }),
    );
    await expect(
      startInProcess(server, { env: { CRM_EMAIL_TEMPLATE_DIR: dir, CRM_SEED: 'none' } }),
    ).rejects.toThrow(/contact\.email/);
  });
});

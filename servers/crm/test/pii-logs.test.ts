/**
 * The README promises that e-mail addresses and phone numbers are masked in every log line. The
 * other suites run with logging silenced, so this one runs the BUILT CLI over stdio at the most
 * verbose level, captures every stderr line, drives personal data through each path (create,
 * read, search, update, refusals that quote bad input, a stale-version conflict, and e-mail to
 * the contact refused by an SMTP relay whose replies quote the address, which the server logs as
 * an upstream failure) and asserts none of it appears in the log.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serverHarness } from '@portcullis/test-support/servers';
import { call, envelope, ok } from '@portcullis/test-support/results';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'servers/crm/dist/cli.js');
const HOOK_TIMEOUT = 120_000;

const harness = serverHarness({
  cliPath: CLI,
  name: 'CRM CLI',
  envPrefixes: ['CRM_'],
  tempPrefix: 'crm-pii-logs-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

// Distinctive values, so a match in the log cannot be a coincidence.
const EMAIL = 'quinn.pii-canary@logs-check.example.org';
const EMAIL_2 = 'quinn.second-canary@logs-check.example.org';
const PHONE = '+1 555 013 7731';
const PHONE_2 = '+44 20 7946 0958';
const digits = (p: string) => p.replace(/\D/g, '');

describe('PII in the log lines of the built CLI (stdio, log level trace)', () => {
  const stderr: string[] = [];
  let client: Client;
  let smtp: SMTPServer;
  /**
   * The relay refuses every recipient, quoting the address as real relays do (and the contact's phone
   * number, as a relay's free-text reply may): 451 first, then 550.
   */
  const rcptReplies = [451, 550];

  beforeAll(async () => {
    smtp = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, cb) {
        const code = rcptReplies.shift() ?? 550;
        const e = new Error(
          code >= 500
            ? `5.1.1 <${address.address}>: Recipient address rejected: user unknown; owner ${PHONE_2}`
            : `4.2.0 <${address.address}>: mailbox busy, try again or call ${PHONE_2}`,
        ) as Error & { responseCode: number };
        e.responseCode = code;
        cb(e);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: harness.cleanEnv({
        PORTCULLIS_DATA_DIR: harness.tempDir(),
        PORTCULLIS_LOG_LEVEL: 'trace',
        PORTCULLIS_PRINCIPAL: 'alice',
        PORTCULLIS_ROLES: 'rep,pii_reader',
        PORTCULLIS_TENANT: 'acme',
        PORTCULLIS_ATTRIBUTES: '{"team":"east"}',
        CRM_EMAIL_TRANSPORT: 'smtp',
        CRM_SMTP_HOST: '127.0.0.1',
        CRM_SMTP_PORT: String((smtp.server.address() as AddressInfo).port),
        CRM_SMTP_SECURITY: 'none',
      }),
      stderr: 'pipe',
    });
    transport.stderr!.on('data', harness.lines(stderr));
    client = new Client({ name: 'crm-pii-logs', version: '1.0.0' });
    await client.connect(transport);
    if (transport.pid !== null) harness.trackPid(transport.pid);
    await client.listTools();
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    await client?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  // One test, not three: the log is checked after every path has run, and no test relies on
  // state another left.
  it('no log line holds an e-mail address or phone number after create, read, search, update, refusals and a refused send', async () => {
    // At one of alice's accounts: customer-facing e-mail (below) needs the contact to have one.
    const account = ok(await call(client, 'crm_search_accounts', { owner_id: 'alice', limit: 1 }))
      .accounts[0];
    const created = ok(
      await call(client, 'crm_create_contact', {
        first_name: 'Quinn',
        last_name: 'Canary',
        email: EMAIL,
        phone: PHONE,
        account_id: account.id,
        idempotency_key: 'pii-logs-0001',
      }),
    ).contact;
    expect(created).toMatchObject({ email: EMAIL, phone: PHONE });
    // The replay, the read and a search by name all carry the values back.
    ok(
      await call(client, 'crm_create_contact', {
        first_name: 'Quinn',
        last_name: 'Canary',
        email: EMAIL,
        phone: PHONE,
        account_id: account.id,
        idempotency_key: 'pii-logs-0001',
      }),
    );
    expect(ok(await call(client, 'crm_get_contact', { id: created.id })).contact.email).toBe(EMAIL);
    const found = ok(await call(client, 'crm_search_contacts', { query: 'Canary', limit: 5 }));
    expect(found.contacts.map((c: { email: string }) => c.email)).toContain(EMAIL);
    const updated = ok(
      await call(client, 'crm_update_contact', {
        id: created.id,
        version: created.version,
        changes: { email: EMAIL_2, phone: PHONE_2 },
      }),
    ).contact;
    expect(updated).toMatchObject({ email: EMAIL_2, phone: PHONE_2 });

    // Refusals: a stale version carrying new values, an idempotency key reused with other values,
    // and bad input next to good personal data.
    expect(
      envelope(
        await call(client, 'crm_update_contact', {
          id: created.id,
          version: created.version,
          changes: { email: EMAIL },
        }),
      ).category,
    ).toBe('conflict');
    expect(
      envelope(
        await call(client, 'crm_create_contact', {
          first_name: 'Quinn',
          last_name: 'Canary',
          email: EMAIL_2,
          phone: PHONE_2,
          account_id: account.id,
          idempotency_key: 'pii-logs-0001',
        }),
      ).code,
    ).toBe('idempotency_key_reused');
    expect(
      envelope(
        await call(client, 'crm_create_contact', {
          first_name: 'Quinn',
          last_name: 'Canary',
          email: `${EMAIL}@`,
          phone: PHONE,
        }),
      ).category,
    ).toBe('validation');

    // E-mail to the contact, refused by the relay with replies that quote the address.
    for (const key of ['pii-logs-mail-1', 'pii-logs-mail-2']) {
      const refused = envelope(
        await call(client, 'crm_send_email', {
          contact_id: created.id,
          template: 'follow_up',
          variables: { topic: 'the pilot', note: `Call me on ${PHONE_2}` },
          idempotency_key: key,
        }),
      );
      expect(refused.category, JSON.stringify(refused)).toBe('upstream');
      expect(JSON.stringify(refused)).not.toContain(EMAIL_2);
    }
    expect(rcptReplies).toEqual([]);

    // The relay's refusals are logged as failed calls (the control: the lines that could carry
    // the address were captured). Wait for both, with a deadline, as the pipe may lag.
    const failed = () => stderr.filter((l) => l.includes('tool call failed')).length;
    const deadline = Date.now() + 10_000;
    while (failed() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(failed()).toBe(2);
    for (const line of stderr) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const log = stderr.join('\n');
    for (const secret of [EMAIL, EMAIL_2, 'pii-canary', 'second-canary', PHONE, PHONE_2]) {
      expect(log, secret).not.toContain(secret);
    }
    for (const p of [PHONE, PHONE_2]) {
      expect(log).not.toContain(digits(p));
      expect(log).not.toContain(digits(p).slice(1));
    }
  });
});

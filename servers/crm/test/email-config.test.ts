/** E-mail settings and template files, checked without starting a server: bad values stop start-up. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.js';
import { SHIPPED_TEMPLATES } from '../src/email/setup.js';
import { loadTemplates, renderTemplate } from '../src/email/templates.js';

describe('e-mail settings', () => {
  it('defaults to the file transport with budgets', () => {
    expect(readConfig({})).toMatchObject({
      CRM_EMAIL_TRANSPORT: 'file',
      CRM_EMAIL_DAILY_SEND_BUDGET: 50,
      CRM_EMAIL_CONTACT_DAILY_LIMIT: 2,
    });
  });

  const bad: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['smtp without a host', { CRM_EMAIL_TRANSPORT: 'smtp' }, /CRM_SMTP_HOST: is required/],
    [
      'plain SMTP to a remote relay',
      { CRM_EMAIL_TRANSPORT: 'smtp', CRM_SMTP_HOST: 'mail.example.com', CRM_SMTP_SECURITY: 'none' },
      /CRM_SMTP_SECURITY/,
    ],
    [
      'a raw SMTP password',
      {
        CRM_EMAIL_TRANSPORT: 'smtp',
        CRM_SMTP_HOST: 'mail.example.com',
        CRM_SMTP_USER: 'u',
        CRM_SMTP_PASSWORD: 'hunter2',
      },
      /CRM_SMTP_PASSWORD: a credential reference/,
    ],
    [
      'a user without a password',
      { CRM_EMAIL_TRANSPORT: 'smtp', CRM_SMTP_HOST: 'h', CRM_SMTP_USER: 'u' },
      /go together/,
    ],
    ['ses without a region', { CRM_EMAIL_TRANSPORT: 'ses' }, /CRM_SES_REGION: is required/],
    [
      'a plain-http SES endpoint elsewhere',
      { CRM_EMAIL_TRANSPORT: 'ses', CRM_SES_REGION: 'eu-west-1', CRM_SES_ENDPOINT: 'http://ses.example.com' },
      /CRM_SES_ENDPOINT/,
    ],
    ['a From with a line break', { CRM_EMAIL_FROM: 'A <a@b.example>\r\nBcc: x@y.example' }, /CRM_EMAIL_FROM/],
    ['a negative budget', { CRM_EMAIL_DAILY_SEND_BUDGET: '-1' }, /CRM_EMAIL_DAILY_SEND_BUDGET/],
    ['an unknown transport', { CRM_EMAIL_TRANSPORT: 'pigeon' }, /CRM_EMAIL_TRANSPORT/],
  ];
  for (const [what, env, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => readConfig(env)).toThrow(message);
    });
  }
});

describe('templates', () => {
  const shipped = loadTemplates(SHIPPED_TEMPLATES);

  it('ships the reviewed templates', () => {
    expect([...shipped.keys()].sort()).toEqual([
      'contract_terms',
      'follow_up',
      'meeting_request',
      'refund_issued',
    ]);
  });

  it('renders values verbatim in text and escaped in HTML, and drops empty optional sections', () => {
    const t = shipped.get('refund_issued')!;
    const r = renderTemplate(t, {
      contact: { first_name: 'Ada', last_name: "O'Neil & Co" },
      sender: { name: 'Agent Seven' },
      variables: { order_id: '4821', amount: '$150.00' },
    });
    expect(r.subject).toBe('Your refund for order 4821');
    expect(r.text).toContain("Dear Ada O'Neil & Co,");
    expect(r.text).not.toContain('refund reference');
    expect(r.html).toContain('Dear Ada O&#39;Neil &amp; Co,');
    expect(r.html).not.toContain('{{');
  });

  const operator = (file: string, body: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-tpl-'));
    writeFileSync(join(dir, file), JSON.stringify(body));
    return dir;
  };
  const base = {
    name: 'x_tpl',
    description: 'd',
    policy: { category: 'sales', customer_facing: true, requires_manager: false },
    variables: { topic: { description: 't', max_length: 10 } },
    subject: 'About {{topic}}',
    text: 'Hi {{contact.first_name}}',
  };

  it('refuses a template reusing a shipped name, an undeclared placeholder, a free-text note too long, a bad section', () => {
    expect(() =>
      loadTemplates(SHIPPED_TEMPLATES, operator('follow_up.json', { ...base, name: 'follow_up' })),
    ).toThrow(/defined twice/);
    expect(() =>
      loadTemplates(SHIPPED_TEMPLATES, operator('x_tpl.json', { ...base, text: '{{contact.email}}' })),
    ).toThrow(/contact\.email/);
    expect(() =>
      loadTemplates(
        SHIPPED_TEMPLATES,
        operator('x_tpl.json', { ...base, variables: { note: { description: 'n', max_length: 5000 } } }),
      ),
    ).toThrow(/at most 1000|max_length/);
    expect(() =>
      loadTemplates(SHIPPED_TEMPLATES, operator('x_tpl.json', { ...base, text: '{{#topic}}x{{/topic}}' })),
    ).toThrow(/optional declared variable/);
    expect(() => loadTemplates(SHIPPED_TEMPLATES, operator('other.json', base))).toThrow(
      /must be named x_tpl\.json/,
    );
    expect(() => loadTemplates(SHIPPED_TEMPLATES, join(tmpdir(), 'no-such-template-dir'))).toThrow(
      /CRM_EMAIL_TEMPLATE_DIR/,
    );
  });
});

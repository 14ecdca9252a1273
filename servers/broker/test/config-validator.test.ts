/**
 * The broker checks its configuration file with a validator Ajv generated from
 * BROKER_CONFIG_SCHEMA ahead of time (generated/config-validator.js: committed, published and
 * bundled as it is, its types beside it; tsc does not compile it), so a start does not compile the
 * schema (~50 ms of CPU and the garbage it leaves, before anything else could start). This file
 * proves the committed module is what Ajv generates from the schema today, and that it decides
 * like Ajv compiling the schema at run time.
 *
 * After a change to the schema (or to Ajv):
 *   npx vitest run servers/broker/test/config-validator.test.ts -u
 */
import { Ajv } from 'ajv';
// A CommonJS module: its default export is `.default` under NodeNext.
import standalone from 'ajv/dist/standalone/index.js';
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_SCHEMA } from '../src/config.js';
import { validate as ahead, type ConfigValidator } from '../generated/config-validator.js';

const OPTIONS = { allErrors: false, strict: true } as const;

const HEADER = `// Generated from BROKER_CONFIG_SCHEMA (src/config.ts) by Ajv's standalone code: do not edit.
// After a change to the schema or to Ajv:
//   npx vitest run servers/broker/test/config-validator.test.ts -u
// (test/config-validator.test.ts fails while this file and the schema disagree).

/** A string's length as JSON Schema counts it: a surrogate pair is one character (as Ajv's runtime). */
function ucs2length(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
`;

/** Ajv's standalone ES module for the schema, its one run-time helper replaced by the header's. */
function source(): string {
  const ajv = new Ajv({ ...OPTIONS, code: { source: true, esm: true } });
  let code = standalone.default(ajv, ajv.compile(BROKER_CONFIG_SCHEMA));
  code = code.replace(/^"use strict";/, '');
  code = code.replaceAll('require("ajv/dist/runtime/ucs2length").default', 'ucs2length');
  // Any other helper would need its own replacement: the module runs without require.
  expect(code).not.toMatch(/require\(/);
  return `${HEADER}${code}\n`;
}

const atRunTime: ConfigValidator = new Ajv(OPTIONS).compile(BROKER_CONFIG_SCHEMA);

function verdict(check: ConfigValidator, doc: unknown): { ok: boolean; first?: unknown } {
  const ok = check(doc);
  const e = check.errors?.[0];
  return ok ? { ok } : { ok, first: e && { path: e.instancePath, keyword: e.keyword, params: e.params } };
}

const oauth = (over: Record<string, unknown>) => ({
  upstreams: [
    {
      name: 'r',
      url: 'https://r.example/mcp',
      auth: {
        oauth: { token_url: 'https://t.example/token', client_id: 'c', client_secret: 'env:S', ...over },
      },
    },
  ],
});

describe('the generated broker configuration validator', () => {
  it("is what Ajv generates from today's schema", async () => {
    await expect(source()).toMatchFileSnapshot('../generated/config-validator.js');
  });

  it.each([
    [
      'every kind of upstream',
      {
        upstreams: [
          { name: 'crm', local: 'crm' },
          { name: 's', stdio: { command: 'node' } },
        ],
      },
    ],
    ['no upstreams', { upstreams: [] }],
    ['no document', null],
    ['an unknown key', { upstreams: [{ name: 'crm', local: 'crm', colour: 'red' }] }],
    ['an unknown local system', { upstreams: [{ name: 'x', local: 'erp' }] }],
    ['a bad name', { upstreams: [{ name: 'Crm', local: 'crm' }] }],
    ['a number for a string', { upstreams: [{ name: 'crm', local: 'crm', timeout_ms: 'soon' }] }],
    ['an empty command', { upstreams: [{ name: 's', stdio: { command: '' } }] }],
    ['a plain secret', oauth({ client_secret: 'hunter2' })],
    // maxLength counts characters: 256 astral characters (512 UTF-16 units) fit, 257 do not.
    ['a client id of 256 astral characters', oauth({ client_id: '𝄞'.repeat(256) })],
    ['a client id of 257 astral characters', oauth({ client_id: '𝄞'.repeat(257) })],
    ['a client id of one lone surrogate', oauth({ client_id: '\ud800' })],
  ])('decides %s as Ajv compiling the schema at run time', (_name, doc) => {
    expect(verdict(ahead, doc)).toEqual(verdict(atRunTime, doc));
  });

  it('counts an astral character as one', () => {
    expect(ahead(oauth({ client_id: '𝄞'.repeat(256) }))).toBe(true);
    expect(ahead(oauth({ client_id: '𝄞'.repeat(257) }))).toBe(false);
    expect(ahead.errors?.[0]).toMatchObject({
      keyword: 'maxLength',
      instancePath: '/upstreams/0/auth/oauth/client_id',
    });
  });
});

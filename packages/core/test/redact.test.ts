import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../src/redact.js';

describe('Redactor', () => {
  it('masks registered secrets wherever they appear and sensitive keys by name', () => {
    const r = new Redactor(['email']);
    r.addSecret('sk_live_abcdef123456');
    const out = r.redact({
      note: 'key is sk_live_abcdef123456!',
      nested: [{ email: 'a@b.c' }],
      password: 'x',
      n: 3,
    });
    expect(out).toEqual({
      note: `key is ${REDACTED}!`,
      nested: [{ email: REDACTED }],
      password: REDACTED,
      n: 3,
    });
  });

  it('maskSecrets keeps field names like token but masks secret values', () => {
    const r = new Redactor();
    r.addSecret('super-secret-value');
    expect(r.maskSecrets({ approval_token: 'abc', msg: 'super-secret-value' })).toEqual({
      approval_token: 'abc',
      msg: REDACTED,
    });
  });

  it('never lets a registered secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }),
        fc.string(),
        fc.string(),
        (secret, pre, post) => {
          const r = new Redactor();
          r.addSecret(secret);
          return (
            !r.redactString(`${pre}${secret}${post}`).includes(secret) ||
            `${pre}${REDACTED}${post}`.includes(secret)
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('finding 15: the redactor keeps __proto__ keys as data', () => {
  it('finding 15: a "__proto__" key in what is recorded survives redaction as an own data key', () => {
    const r = new Redactor();
    r.addSecret('sk_live_abcdef123456');
    const sent = JSON.parse(
      '{"__proto__":{"polluted":true,"note":"sk_live_abcdef123456"},"a":{"__proto__":{"password":"p"}}}',
    ) as Record<string, unknown>;
    for (const out of [r.redact(sent), r.maskSecrets(sent)] as Record<string, unknown>[]) {
      expect(Object.keys(out)).toEqual(['__proto__', 'a']);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect((out as { polluted?: unknown }).polluted).toBeUndefined();
      expect(JSON.stringify(out)).toContain('"__proto__":{"polluted":true,"note":"[REDACTED]"}');
    }
    expect(JSON.stringify(r.redact(sent))).toContain('"a":{"__proto__":{"password":"[REDACTED]"}}');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('keeps keys named like Object.prototype members as own, enumerable, writable data in key order', () => {
    const r = new Redactor();
    r.addSecret('sk_live_abcdef123456');
    const sent = JSON.parse(
      '{"toString":"sk_live_abcdef123456","constructor":{"name":"n"},"hasOwnProperty":1,"z":2,"__proto__":3}',
    ) as Record<string, unknown>;
    for (const out of [r.redact(sent), r.maskSecrets(sent)] as Record<string, unknown>[]) {
      expect(Object.keys(out)).toEqual(['toString', 'constructor', 'hasOwnProperty', 'z', '__proto__']);
      for (const k of Object.keys(out))
        expect(Object.getOwnPropertyDescriptor(out, k)).toMatchObject({ enumerable: true, writable: true });
      expect(Object.getOwnPropertyDescriptor(out, 'toString')?.value).toBe('[REDACTED]');
      expect(JSON.parse(JSON.stringify(out))).toEqual({
        ...JSON.parse(JSON.stringify(sent)),
        toString: '[REDACTED]',
      });
    }
  });
});

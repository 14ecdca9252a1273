import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  amountFor,
  formatMoney,
  minorUnitExponent,
  moneyTableSetting,
  parseMoneyTable,
  toMinorUnits,
} from '../src/money.js';
import { PortcullisError } from '../src/errors.js';

describe('money', () => {
  it('takes minor-unit exponents from the ISO 4217 table, not an assumed 2', () => {
    expect(minorUnitExponent('usd')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    for (const c of ['KWD', 'BHD', 'JOD', 'OMR', 'TND']) expect(minorUnitExponent(c)).toBe(3);
    expect(minorUnitExponent('XXQ')).toBeNull();
    expect(toMinorUnits(100_000, 'USD')).toBe(10_000_000);
    expect(toMinorUnits(100_000, 'JPY')).toBe(100_000);
    expect(toMinorUnits(100_000, 'KWD')).toBe(100_000_000);
    expect(formatMoney(45_000, 'usd')).toBe('$450.00');
    expect(formatMoney(30_000, 'jpy')).toBe('30,000 JPY');
    expect(formatMoney(60_000, 'KWD')).toBe('60.000 KWD');
  });

  it('parses CODE:MINOR_UNITS tables and refuses anything else with a reason', () => {
    expect(parseMoneyTable('USD:20000, eur:20000,JPY:30000')).toEqual({ USD: 20000, EUR: 20000, JPY: 30000 });
    expect(() => parseMoneyTable('')).toThrow(/at least one entry/);
    expect(() => parseMoneyTable('USD=200')).toThrow(/CODE:MINOR_UNITS/);
    expect(() => parseMoneyTable('USD:200.00')).toThrow(/CODE:MINOR_UNITS/);
    expect(() => parseMoneyTable('USD:-1')).toThrow(/CODE:MINOR_UNITS/);
    expect(() => parseMoneyTable('XXQ:1')).toThrow(/not a known ISO 4217/);
    expect(() => parseMoneyTable('USD:1,usd:2')).toThrow(/twice/);
  });

  it('is a typed setting whose error names what is wrong', () => {
    const schema = z.object({ LIMIT: moneyTableSetting('USD:100') });
    expect(schema.parse({}).LIMIT).toEqual({ USD: 100 });
    const bad = schema.safeParse({ LIMIT: 'dollars' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['LIMIT'],
      message: expect.stringMatching(/CODE:MINOR_UNITS/),
    });
  });

  it('refuses a currency with no entry, naming the setting', () => {
    expect(amountFor({ USD: 20000 }, 'usd', 'X_LIMIT')).toBe(20000);
    let err: unknown;
    try {
      amountFor({ USD: 20000 }, 'kwd', 'X_LIMIT');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err).toMatchObject({
      code: 'currency_not_configured',
      category: 'validation',
      message: expect.stringContaining('X_LIMIT'),
      details: { currency: 'KWD', setting: 'X_LIMIT' },
    });
  });
});

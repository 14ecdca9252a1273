/**
 * Money across currencies: ISO 4217 minor-unit exponents from one table (never an assumed 2), and
 * the one form every per-currency threshold setting takes: `USD:20000,EUR:20000,JPY:30000`, an
 * ISO 4217 code and an amount in that currency's minor units, comma separated. A currency without
 * an entry has no threshold: writes in it are refused with an error naming the setting.
 */
import { z } from 'zod';
import { PortcullisError } from './errors.js';

/**
 * Minor-unit exponents (ISO 4217 list one, "minor unit" column) for the currencies in common use.
 * Codes absent here are unknown: a threshold table naming one is refused at start-up.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  // zero decimals
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // three decimals
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // four decimals
  CLF: 4,
  UYW: 4,
  // two decimals
  AED: 2,
  ARS: 2,
  AUD: 2,
  BDT: 2,
  BGN: 2,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DKK: 2,
  EGP: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  KES: 2,
  MAD: 2,
  MXN: 2,
  MYR: 2,
  NGN: 2,
  NOK: 2,
  NZD: 2,
  PEN: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  USD: 2,
  ZAR: 2,
});

/** The exponent of an ISO 4217 code (any case), or null when the table does not know it. */
export function minorUnitExponent(currency: string): number | null {
  return CURRENCY_EXPONENTS[currency.toUpperCase()] ?? null;
}

/** Whole units of a currency (as a CRM stores deal amounts) in its minor units. */
export function toMinorUnits(amountMajor: number, currency: string): number | null {
  const exp = minorUnitExponent(currency);
  return exp === null ? null : amountMajor * 10 ** exp;
}

/** "$450.00", "30,000 JPY", "60.000 KWD": for messages and renderings only; data stays in minor units. */
export function formatMoney(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const exp = minorUnitExponent(code) ?? 2;
  const major = (amountMinor / 10 ** exp).toLocaleString('en-US', {
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  });
  return code === 'USD' ? `$${major}` : `${major} ${code}`;
}

/** Upper-case ISO 4217 code → amount in that currency's minor units. */
export type MoneyTable = Readonly<Record<string, number>>;

/** Parses `USD:20000,EUR:20000,JPY:30000`; throws an Error whose message says what is wrong. */
export function parseMoneyTable(text: string): MoneyTable {
  const out: Record<string, number> = {};
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('at least one entry, e.g. USD:20000');
  for (const entry of entries) {
    const m = /^([A-Za-z]{3}):(\d{1,15})$/.exec(entry);
    if (!m) throw new Error(`"${entry}" is not CODE:MINOR_UNITS (e.g. USD:20000)`);
    const code = m[1]!.toUpperCase();
    if (minorUnitExponent(code) === null) throw new Error(`${code} is not a known ISO 4217 currency`);
    if (code in out) throw new Error(`${code} is listed twice`);
    out[code] = Number(m[2]);
  }
  return Object.freeze(out);
}

/** A typed setting holding a money table (for a server's config schema); `fallback` is its default text. */
export function moneyTableSetting(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx): MoneyTable => {
      try {
        return parseMoneyTable(text);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `${(err as Error).message}; the form is CODE:MINOR_UNITS,... e.g. USD:20000,EUR:20000,JPY:30000`,
        });
        return z.NEVER;
      }
    });
}

/**
 * The table's amount for a currency, or a validation error naming the setting: a write in a
 * currency nobody configured a limit for is refused rather than treated as unlimited (or as USD).
 */
export function amountFor(table: MoneyTable, currency: string, setting: string): number {
  const code = currency.toUpperCase();
  const v = table[code];
  if (v !== undefined) return v;
  throw new PortcullisError({
    code: 'currency_not_configured',
    category: 'validation',
    message: `No ${setting} entry for ${code}: writes in ${code} are refused until one is configured.`,
    remediation: `Ask an operator to add ${code}:<amount in minor units> to ${setting}.`,
    retryable: false,
    details: { currency: code, setting },
  });
}

/** The table as "USD 200.00, EUR 200.00" (README tables, messages). */
export function describeMoneyTable(table: MoneyTable): string {
  return Object.entries(table)
    .map(([code, v]) => formatMoney(v, code))
    .join(', ');
}

export const MONEY_TABLE_START = '<!-- money:start -->';
export const MONEY_TABLE_END = '<!-- money:end -->';

/** One rule of a server's money table: who may do what, up to an amount per currency. */
export interface MoneyRule {
  who: string;
  what: string;
  /** Amount per currency (minor units); a currency missing here shows "not allowed"; null: no amount limit. */
  amounts: MoneyTable | null;
}

/**
 * A README table of money rules, one column per currency (in the order given): generated from the
 * server's configured tables and policies, so a readme test can check the README against them.
 */
export function moneyRulesTable(rules: readonly MoneyRule[], currencies: readonly string[]): string {
  const esc = (t: string): string => t.replace(/\|/g, '\\|');
  const header = ['Who', 'May', ...currencies.map((c) => c.toUpperCase())];
  const rows = rules.map((r) => [
    esc(r.who),
    esc(r.what),
    ...currencies.map((c) => {
      if (r.amounts === null) return 'any amount';
      const v = r.amounts[c.toUpperCase()];
      return v === undefined ? 'not allowed' : formatMoney(v, c);
    }),
  ]);
  // Padded the way Prettier formats Markdown tables, so formatting the README leaves it unchanged.
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Replaces what stands between the money table markers of a README. */
export function replaceMoneyTable(readme: string, table: string): string {
  const start = readme.indexOf(MONEY_TABLE_START);
  const end = readme.indexOf(MONEY_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README lacks the ${MONEY_TABLE_START} / ${MONEY_TABLE_END} markers`);
  return `${readme.slice(0, start + MONEY_TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

/**
 * The roles a Cedar policy's condition names (`roles.contains("x")`, `roles.containsAny([...])`),
 * read from the policy text by its `@id`: a money table states who, from the policies themselves.
 */
export function rolesInPolicy(policyText: string, id: string): string[] {
  const at = policyText.indexOf(`@id("${id}")`);
  if (at < 0) throw new Error(`no policy @id("${id}")`);
  const next = policyText.indexOf('@id(', at + 4);
  const body = policyText.slice(at, next < 0 ? undefined : next);
  const roles = new Set<string>();
  for (const m of body.matchAll(/roles\.contains\("([^"]+)"\)/g)) roles.add(m[1]!);
  for (const m of body.matchAll(/roles\.containsAny\(\[([^\]]*)\]\)/g))
    for (const r of m[1]!.matchAll(/"([^"]+)"/g)) roles.add(r[1]!);
  return [...roles];
}

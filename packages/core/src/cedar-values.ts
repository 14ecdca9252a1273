import { setData } from './redact.js';
import type { CedarValue } from './tool.js';

/** Arguments as Cedar values: nulls and non-integer numbers dropped (Cedar has no floats), arrays become sets. */
export function toCedarValue(value: unknown): CedarValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (Array.isArray(value)) return value.map(toCedarValue).filter((v): v is CedarValue => v !== undefined);
  if (typeof value === 'object') {
    const out: Record<string, CedarValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const cv = toCedarValue(v);
      // An argument named __proto__ stays an argument policy can read, not the copy's prototype.
      if (cv !== undefined) setData(out, k, cv);
    }
    return out;
  }
  return undefined;
}

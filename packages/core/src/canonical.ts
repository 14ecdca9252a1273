/**
 * The kit's one canonical JSON and hash. Audit record hashes, approval plan argument hashes,
 * idempotency request hashes and cursor query fingerprints all use it, so "the same value" means
 * the same thing everywhere. The rules are the audit chain's (they must never change: every
 * existing record's hash depends on them).
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (UTF-16 code unit order) and no whitespace; otherwise the same
 * rules as JSON.stringify (toJSON honoured, undefined/functions dropped from objects and null in
 * arrays, non-finite numbers null). Equal values always give equal text, whatever the key order.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, new Set<object>()) ?? 'null';
}

function canonical(value: unknown, stack: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson cannot encode a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  const obj = value;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return canonical((toJSON as () => unknown).call(obj), stack);
  if (stack.has(obj)) throw new TypeError('canonicalJson cannot encode a circular structure');
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const arr = obj as unknown[];
      const items: string[] = [];
      // An index loop, not map(): map keeps the holes of a sparse array and join() would drop them.
      for (let i = 0; i < arr.length; i++) items.push(canonical(arr[i], stack) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const rec = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(rec).sort()) {
      const v = canonical(rec[key], stack);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** sha256 of the canonical JSON of `value`, hex: equal values hash equally whatever their key order. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

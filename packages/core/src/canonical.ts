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
 * For plain data (parsed JSON, database rows, records the kit builds): a getter, Proxy or toJSON
 * that answers differently each time it is read may see its ancestors encoded a few levels deep
 * before a cycle is refused (the check starts at depth 256, below).
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, 0, null) ?? 'null';
}

/**
 * Object keys repeat from call to call (every audit record and result has the same field names),
 * and quoting them was a third of the encoder's time: short keys that need no escaping keep their
 * quoted text here. A caller's arguments can bring any keys, so the map holds only those and
 * starts again when full (at most ~1 MB).
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEY_MAX_LENGTH = 64;
const QUOTED_KEYS_MAX = 4_096;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (key.length <= QUOTED_KEY_MAX_LENGTH && quoted.length === key.length + 2) {
      if (quotedKeys.size >= QUOTED_KEYS_MAX) quotedKeys.clear();
      quotedKeys.set(key, quoted);
    }
  }
  return quoted;
}

/**
 * Nesting depth from which the objects on the current path are tracked to find a cycle. A cycle
 * always nests deeper than this, so it is still found (and refused) however short it is; values
 * nested less deeply (every record, result and argument the kit sees) skip the bookkeeping.
 */
const CYCLE_CHECK_DEPTH = 256;

function canonical(value: unknown, depth: number, path: Set<object> | null): string | undefined {
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
  if (typeof toJSON === 'function') return canonical((toJSON as () => unknown).call(obj), depth, path);
  const tracked = depth >= CYCLE_CHECK_DEPTH;
  if (tracked) {
    path ??= new Set<object>();
    if (path.has(obj)) throw new TypeError('canonicalJson cannot encode a circular structure');
    path.add(obj);
  }
  try {
    if (Array.isArray(obj)) {
      const arr = obj as unknown[];
      // An index loop: it visits the holes of a sparse array, which encode as null.
      let out = '[';
      for (let i = 0; i < arr.length; i++) {
        if (i > 0) out += ',';
        out += canonical(arr[i], depth + 1, path) ?? 'null';
      }
      return `${out}]`;
    }
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec).sort();
    let out = '{';
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const v = canonical(rec[key], depth + 1, path);
      if (v === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${quoteKey(key)}:${v}`;
    }
    return `${out}}`;
  } finally {
    if (tracked) path!.delete(obj);
  }
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** sha256 of the canonical JSON of `value`, hex: equal values hash equally whatever their key order. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

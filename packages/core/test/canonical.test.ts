import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical.js';

/**
 * The canonical form as first written (the audit chain's rules, which must never change): every
 * object on the path tracked, every key quoted by JSON.stringify, arrays of parts joined. The
 * kit's encoder is a faster version of it and must give the same text for every value.
 */
function reference(value: unknown, stack = new Set<object>()): string | undefined {
  // Primitives as JSON.stringify writes them, except that a non-finite number is null.
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value);
  }
  const obj = value;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return reference((toJSON as () => unknown).call(obj), stack);
  if (stack.has(obj)) throw new TypeError('canonicalJson cannot encode a circular structure');
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items: string[] = [];
      for (let i = 0; i < obj.length; i++) items.push(reference((obj as unknown[])[i], stack) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const v = reference((obj as Record<string, unknown>)[key], stack);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}

const ref = (v: unknown) => reference(v) ?? 'null';

/** `depth` arrays/objects, alternating, around a leaf. */
function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v, i] : { ['k' + (i % 7)]: v, n: i };
  return v;
}

describe('canonicalJson against its reference', () => {
  it('gives the same text for any value (property)', () => {
    const anything = fc.anything({
      withBigInt: false,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
      maxDepth: 6,
    });
    fc.assert(
      fc.property(anything, (v) => {
        expect(canonicalJson(v)).toBe(ref(v));
      }),
      { numRuns: 1_000 },
    );
  });

  it('gives the same text for keys that need escaping and for non-finite numbers', () => {
    const v = {
      'quote"': 1,
      'back\\slash': [Number.NaN, Infinity, -0, 1e21, 5e-324],
      '\u2028line': { '\u0000': null, '😀': 'é', '\uD800': undefined, '': true },
      toJSONed: { toJSON: () => ({ z: 1, a: undefined, b: [undefined, () => 1] }) },
      date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    };
    expect(canonicalJson(v)).toBe(ref(v));
  });

  it('encodes values nested far deeper than the cycle check starts, like the reference', () => {
    for (const depth of [255, 256, 257, 1_000]) {
      const v = nested(depth, { leaf: 'x' });
      expect(canonicalJson(v)).toBe(ref(v));
    }
  });

  it('encodes one object reached twice (not a cycle) at any depth', () => {
    const shared = { s: [1, 2], t: 'shared' };
    for (const depth of [1, 300]) {
      const v = nested(depth, [shared, { again: shared }, shared]);
      expect(canonicalJson(v)).toBe(ref(v));
    }
  });

  it('refuses a cycle, short or long, near the top or deep down', () => {
    const self: Record<string, unknown> = { a: 1 };
    self.self = self;
    const arr: unknown[] = [1];
    arr.push([arr]);
    const deep = nested(400, null) as Record<string, unknown>[];
    let inner: unknown = deep;
    for (let i = 0; i < 350; i++) inner = Array.isArray(inner) ? inner[0] : Object.values(inner as object)[0];
    (inner as Record<string, unknown>).back = deep;
    const long: Record<string, unknown> = {};
    let cur = long;
    for (let i = 0; i < 600; i++) cur = cur.next = {};
    cur.next = long;
    for (const v of [self, arr, deep, long, { wrapped: [self] }])
      expect(() => canonicalJson(v)).toThrow('canonicalJson cannot encode a circular structure');
  });

  it('stays correct when callers bring more distinct keys than it keeps quoted', () => {
    // Far more short keys than the quoted-key map holds, then long ones it never keeps.
    for (let round = 0; round < 3; round++) {
      const many: Record<string, number> = {};
      for (let i = 0; i < 5_000; i++) many[`key-"${round}-${i}`] = i;
      expect(canonicalJson(many)).toBe(ref(many));
    }
    const long = { ['x'.repeat(100_000)]: 1, ['"'.repeat(65)]: 2 };
    expect(canonicalJson(long)).toBe(ref(long));
    expect(canonicalJson(long)).toBe(ref(long));
  });
});

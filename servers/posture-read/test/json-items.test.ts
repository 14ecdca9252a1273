/**
 * The OCSF/ASFF record splitter (src/importers/json-items.ts): every element once, whatever the
 * chunking, and a torn or malformed document is an error, never a silent stop.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonArrayItems } from '../src/importers/json-items.js';

const KEYS = ['Findings', 'findings'];

async function items(chunks: (string | Buffer)[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of jsonArrayItems(Readable.from(chunks), KEYS)) out.push(v);
  return out;
}

/** The text cut into pieces of `size` bytes (so multi-byte characters are split too). */
function bytes(text: string, size: number): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

describe('jsonArrayItems', () => {
  const doc = [
    { a: 'brackets ] } [ { and a quote " and a backslash \\', n: [1, { x: null }] },
    'é ü € 🔒',
    42,
    true,
    null,
    { nested: { deep: [[[]]], s: '\\"' } },
  ];

  it('yields every element of a top-level array, whatever the chunk size', async () => {
    const text = ` \n${JSON.stringify(doc, null, 2)}\n`;
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) expect(await items(bytes(text, size))).toEqual(doc);
    expect(await items(['[]'])).toEqual([]);
    expect(await items([`\ufeff${JSON.stringify(doc)}`])).toEqual(doc);
  });

  it('reads the Findings (or findings) array of a top-level object, checking and skipping the rest', async () => {
    const text = JSON.stringify({ Other: { Findings: [0] }, Findings: doc, NextToken: 'x' });
    expect(await items(bytes(text, 5))).toEqual(doc);
    expect(await items([JSON.stringify({ findings: [1, 2] })])).toEqual([1, 2]);
    expect(await items(['{"hello": "world"}'])).toEqual([]);
    expect(await items(['{"Findings": 5}'])).toEqual([]);
    expect(await items(['{}'])).toEqual([]);
  });

  it('refuses a torn or malformed document with a SyntaxError', async () => {
    for (const bad of [
      '',
      '[{"a": 1}',
      '[{"a": 1},]',
      '[{"a": 1} {"b": 2}]',
      '[{"a": 1}] trailing',
      '[{"a": 1}]]',
      '[{"a": tru}]',
      '{"Findings": [1], }',
      '{"Findings" [1]}',
      '{"Other": {"x": }, "Findings": [1]}',
      '[{"a": "unterminated}]',
    ])
      await expect(items([bad]), bad).rejects.toThrow(SyntaxError);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromAsff, fromOcsf, fromSarif, RecordError, sarifRun } from '../src/importers/normalize.js';
import { redactDeep, type Redactions } from '../src/text-safety.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const asff = fixture('securityhub.asff.json');
const ocsf = fixture('prowler.ocsf.json');

// A scanner's file is JSON, and JSON.parse makes a key "__proto__" an own property like any
// other. Copied with `out[k] = v` it would call the prototype setter instead: the key vanishes
// from what is stored and shown, and an object value becomes the copy's prototype.

/** The fixture's first record, through JSON text, with `edit` applied to the text first. */
function record(fixture: unknown, edit: (text: string) => string): unknown {
  const all = (Array.isArray(fixture) ? fixture : (fixture as { Findings: unknown[] }).Findings) as unknown[];
  return JSON.parse(edit(JSON.stringify(all[0])));
}

describe('keys named like Object.prototype stay data', () => {
  it('an ASFF resource tag "__proto__" is kept, as an object or as a list of pairs', () => {
    const asObject = fromAsff(
      record(asff, (t) => t.replace('"Tags":{"env":"staging"}', '"Tags":{"env":"staging","__proto__":"x"}')),
      0,
    );
    expect(Object.entries(asObject.asset.tags)).toEqual([
      ['env', 'staging'],
      ['__proto__', 'x'],
    ]);
    expect(Object.getPrototypeOf(asObject.asset.tags)).toBe(Object.prototype);

    const asPairs = fromAsff(
      record(asff, (t) =>
        t.replace(
          '"Tags":{"env":"staging"}',
          '"Tags":[{"Key":"__proto__","Value":"y"},{"Key":"env","Value":"dev"}]',
        ),
      ),
      0,
    );
    expect(Object.entries(asPairs.asset.tags)).toEqual([
      ['__proto__', 'y'],
      ['env', 'dev'],
    ]);
  });

  it('an OCSF label "__proto__:…" is kept', () => {
    const f = fromOcsf(
      record(ocsf, (t) =>
        t.replace('"labels":["env:prod","team:data"]', '"labels":["__proto__:z","env:prod"]'),
      ),
      0,
    );
    expect(Object.entries(f.asset.tags)).toEqual([
      ['__proto__', 'z'],
      ['env', 'prod'],
    ]);
  });

  it('a SARIF level named like a key of every object is refused, not taken as a severity', () => {
    // A run without rules: the result's own level decides its severity.
    const run = sarifRun({ driver: { name: 'scanner' } });
    const result = (level: string) => ({
      ruleId: 'r1',
      level,
      message: { text: 'm' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'a.tf' } } }],
    });
    expect(fromSarif(result('note'), 0, run, { account: '123456789012' }).severity).toBe('low');
    for (const level of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = (() => {
        try {
          return fromSarif(JSON.parse(JSON.stringify(result(level))), 0, run, { account: '123456789012' });
        } catch (e) {
          return e;
        }
      })();
      expect(err, level).toBeInstanceOf(RecordError);
      expect((err as RecordError).field, level).toBe('level');
    }
  });

  it('evidence with a "__proto__" object is redacted and shown as sent', () => {
    const found: Redactions = {};
    const evidence = JSON.parse('{"data":{"__proto__":{"token":"abc123","note":"kept"}}}') as unknown;
    const out = redactDeep(evidence, found) as { data: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.data)).toBe(Object.prototype);
    expect(Object.keys(out.data)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(out))).toEqual({
      data: JSON.parse('{"__proto__":{"token":"[REDACTED:secret_value]","note":"kept"}}'),
    });
    expect(found.secret_value).toBe(1);
  });
});

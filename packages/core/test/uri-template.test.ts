import { describe, expect, it } from 'vitest';
import { templateRegExp } from '../src/uri-template.js';

describe('a URI template as a matcher', () => {
  it('matches one expression per path segment and names what it took', () => {
    const re = templateRegExp('crm://accounts/{id}');
    expect(re.exec('crm://accounts/acc_1f')?.groups).toEqual({ id: 'acc_1f' });
    for (const uri of ['crm://accounts/', 'crm://accounts/a/b', 'crm://accounts/a?x', 'crmXaccounts/a'])
      expect(re.test(uri), uri).toBe(false);
    // Literal text is literal, whatever it would mean in a regular expression.
    expect(templateRegExp('x://a.b/{n}(1)').exec('x://a.b/7(1)')?.groups).toEqual({ n: '7' });
    expect(templateRegExp('x://a.b/{n}(1)').test('x://aXb/7(1)')).toBe(false);
  });

  it('ends an expression at the literal after it', () => {
    expect(templateRegExp('x://{a}-{b}').exec('x://p-q-r')?.groups).toEqual({ a: 'p', b: 'q-r' });
    expect(templateRegExp('x://{a}]{b}').exec('x://p]q')?.groups).toEqual({ a: 'p', b: 'q' });
  });

  it('matches nothing, without throwing, for a template it cannot route by', () => {
    // A name that is no group name, a name twice, two expressions with nothing between them.
    for (const [t, uri] of [
      ['x://{1}', 'x://1'],
      ['x://{a b}', 'x://{a b}'],
      ['x://{a}/{a}', 'x://1/1'],
      ['x://{a}{b}', 'x://12'],
      ['x://{}', 'x://{}'],
    ])
      expect(templateRegExp(t!).test(uri!), t).toBe(false);
  });

  it('takes time linear in the URI, whatever the template', () => {
    // With `[^/?#]+` per expression this backtracks through every way to split the dashes (about
    // 10^13 for these 2,000 characters): the test would not end.
    const re = templateRegExp('x://{a}-{b}-{c}-{d}-{e}-{f}!');
    expect(re.test(`x://${'a-'.repeat(1000)}?`)).toBe(false);
    expect(re.exec('x://1-2-3-4-5-6!')?.groups).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' });
  });
});

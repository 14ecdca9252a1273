/**
 * Matching a URI against an RFC 6570 level-1 template (`crm://accounts/{id}`): what a resource
 * read is routed by. A broker matches templates a remote upstream announced, so a template is
 * untrusted text and its matcher must stay cheap whatever it says.
 *
 * Each `{name}` matches one or more characters up to `/`, `?`, `#` or the first character of the
 * literal that follows it, so where an expression ends is never in doubt and matching takes time
 * linear in the URI (a plain `[^/?#]+` per expression backtracks: `{a}-{b}-{c}-{d}-{e}` against a
 * long run of dashes tries every way to split it). A template with an expression named other than
 * a JavaScript identifier, a name used twice, or two expressions with nothing between them matches
 * no URI at all (it could not be routed by its parts).
 */

/** Matches nothing. */
const NEVER = /(?!)/;

const escapeLiteral = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const escapeInClass = (c: string) => c.replace(/[\\\]^-]/g, '\\$&');

/** The template's matcher: a regular expression with one named group per expression. */
export function templateRegExp(template: string): RegExp {
  const tokens = template.split(/(\{[^{}]*\})/).filter((t) => t !== '');
  const names = new Set<string>();
  let source = '';
  for (const [i, token] of tokens.entries()) {
    if (!(token.startsWith('{') && token.endsWith('}') && token.length >= 2)) {
      source += escapeLiteral(token);
      continue;
    }
    const name = /^\{([A-Za-z_]\w{0,63})\}$/.exec(token)?.[1];
    const next = tokens[i + 1];
    if (name === undefined || names.has(name) || next?.startsWith('{')) return NEVER;
    names.add(name);
    source += `(?<${name}>[^/?#${next === undefined ? '' : escapeInClass(next[0]!)}]+)`;
  }
  return new RegExp(`^${source}$`);
}

import type { ToolsetDefinition } from './definition.js';
import { ConfigError } from './errors.js';

/**
 * The toolsets to serve: the declared defaults when PORTCULLIS_TOOLSETS is unset, else exactly the
 * ones it names (`default` stands for the defaults, `all` for every declared toolset). An unknown
 * name stops start-up, naming the known ones.
 */
export function selectToolsets(
  declared: readonly ToolsetDefinition[],
  requested: string[] | null,
): Set<string> {
  if (requested === null) return new Set(declared.filter((t) => t.default).map((t) => t.id));
  const known = new Set(declared.map((t) => t.id));
  const out = new Set<string>();
  for (const name of requested) {
    if (name === 'all') {
      for (const t of declared) out.add(t.id);
    } else if (name === 'default') {
      for (const t of declared) if (t.default) out.add(t.id);
    } else if (known.has(name)) {
      out.add(name);
    } else {
      throw new ConfigError(
        `PORTCULLIS_TOOLSETS: unknown toolset ${name} (known: ${[...known].join(', ')}, or all, default).`,
      );
    }
  }
  return out;
}

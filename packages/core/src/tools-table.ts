import { deriveAnnotations } from './tool.js';
import type { AnyToolDefinition } from './tool.js';

export const TABLE_START = '<!-- tools:start -->';
export const TABLE_END = '<!-- tools:end -->';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tools of one server differ in their schemas
type AnyTool = AnyToolDefinition<any>;

function firstSentence(text: string): string {
  const m = /^(.+?\.)(\s|$)/.exec(text);
  return (m?.[1] ?? text).replace(/\|/g, '\\|');
}

function hints(def: AnyTool): string {
  const a = deriveAnnotations(def);
  return [
    a.readOnlyHint ? 'read-only' : null,
    a.destructiveHint ? 'destructive' : null,
    a.idempotentHint ? 'idempotent' : null,
    a.openWorldHint ? 'open-world' : null,
  ]
    .filter((x) => x !== null)
    .join(', ');
}

/**
 * The README's tools table, generated from the definitions so the two cannot drift. Columns are
 * padded the way Prettier formats Markdown tables, so `npm run format` leaves it unchanged.
 */
export function toolsTable(tools: readonly AnyTool[]): string {
  const header = ['Tool', 'Toolset', 'Access', 'Annotations', 'What it does'];
  const rows = tools.map((t) => [
    `\`${t.name}\``,
    t.toolset,
    t.access,
    hints(t),
    firstSentence(t.description),
  ]);
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The README text with the table between the markers replaced. */
export function replaceToolsTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README lacks the ${TABLE_START} / ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

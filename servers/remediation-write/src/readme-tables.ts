import { ACTIONS } from './catalog.js';

/** The README's generated tables live between these markers (npm run tools-table rewrites them). */
export const ACTIONS_START = '<!-- actions:start -->';
export const ACTIONS_END = '<!-- actions:end -->';
export const POLICIES_START = '<!-- policies:start -->';
export const POLICIES_END = '<!-- policies:end -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Padded the way Prettier formats Markdown tables, so formatting leaves the generated text unchanged. */
function table(head: string[], body: string[][]): string {
  const rows = body.map((r) => r.map(cell));
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The action catalog: risk, what it changes, rollback, and the IAM permissions the AWS backend's role needs. */
export function actionsTable(): string {
  return table(
    ['Action', 'Risk', 'Resource', 'Changes', 'Rollback', 'IAM permissions (read; write)'],
    ACTIONS.map((a) => [
      `\`${a.name}\``,
      a.risk,
      a.resourceKind,
      a.changes,
      a.rollback,
      `${a.permissions.read.map((p) => `\`${p}\``).join(', ')}; ${a.permissions.write.map((p) => `\`${p}\``).join(', ')}`,
    ]),
  );
}

/** Every policy of a Cedar file with its effect and its own @reason. */
export function policiesTable(cedar: string): string {
  const rows: string[][] = [];
  const re = /@id\("([^"]+)"\)\s*\n@reason\("([^"]+)"\)\s*\n(@approval\("required"\)\s*\n)?(permit|forbid)/g;
  for (const m of cedar.matchAll(re)) {
    const effect = m[4] === 'forbid' ? 'forbid' : m[3] ? 'permit, approval required' : 'permit';
    rows.push([`\`${m[1]!}\``, effect, m[2]!]);
  }
  return table(['Policy', 'Effect', 'Reason (as plans and refusals quote it)'], rows);
}

function replaceBetween(text: string, start: string, end: string, content: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README lacks ${start} ... ${end}`);
  return `${text.slice(0, i + start.length)}\n\n${content}\n\n${text.slice(j)}`;
}

export function replaceActionsTable(readme: string): string {
  return replaceBetween(readme, ACTIONS_START, ACTIONS_END, actionsTable());
}

export function replacePoliciesTable(readme: string, cedar: string): string {
  return replaceBetween(readme, POLICIES_START, POLICIES_END, policiesTable(cedar));
}

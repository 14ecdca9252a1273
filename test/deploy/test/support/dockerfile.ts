/** A small Dockerfile reader: enough to check the rules we hold our image to, not a full parser. */

export interface Instruction {
  keyword: string;
  /** The arguments as written, continuation lines joined with a space. */
  args: string;
  /** The RUN/COPY flags (`--mount=...`, `--from=...`) split off the front. */
  flags: string[];
  line: number;
}

export interface Stage {
  /** The FROM image with global ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (usable in FROM lines) and their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  all: Instruction[];
}

export function parseDockerfile(text: string): Dockerfile {
  const all: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (buf === '' && /^\s*(#|$)/.test(raw)) continue;
    // Comment lines inside a continued instruction are dropped, as Docker does.
    if (buf !== '' && /^\s*#/.test(raw)) continue;
    if (buf === '') start = i + 1;
    if (/\\\s*$/.test(raw)) {
      buf += `${raw.replace(/\\\s*$/, '')} `;
      continue;
    }
    buf += raw;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(buf);
    buf = '';
    if (!m) continue;
    let args = (m[2] ?? '').trim();
    const flags: string[] = [];
    for (;;) {
      const f = /^(--[a-z-]+(?:=\S*)?)\s+/.exec(args);
      if (!f?.[1]) break;
      flags.push(f[1]);
      args = args.slice(f[0].length);
    }
    all.push({ keyword: (m[1] ?? '').toUpperCase(), args, flags, line: start });
  }

  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const ins of all) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      stages.push({
        image: substitute(image, globalArgs),
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) stage.instructions.push(ins);
    else if (ins.keyword === 'ARG') for (const [k, v] of argPairs(ins.args)) globalArgs.set(k, v);
  }
  return { globalArgs, stages, all };
}

/** `ARG A=1 B` and `ENV A=1 B=2` (and the legacy `ENV A 1`) as name/value pairs. */
export function argPairs(args: string): [string, string | undefined][] {
  if (/^[A-Za-z_][A-Za-z0-9_]*\s+[^=\s]/.test(args) && !args.includes('=')) {
    const [k = '', ...rest] = args.split(/\s+/);
    return [[k, rest.join(' ')]];
  }
  const out: [string, string | undefined][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (const m of args.matchAll(re)) {
    const v = m[2];
    out.push([m[1] ?? '', v === undefined ? undefined : v.replace(/^(["'])(.*)\1$/s, '$2')]);
  }
  return out;
}

export function substitute(s: string, vars: Map<string, string | undefined>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a: string, dflt: string, b: string) => {
      const v = vars.get(a ?? b);
      return v ?? dflt ?? '';
    },
  );
}

/** ARG defaults declared inside one stage. */
export function stageArgs(stage: Stage): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const ins of stage.instructions)
    if (ins.keyword === 'ARG') for (const [k, v] of argPairs(ins.args)) m.set(k, v);
  return m;
}

/** ENV settings of one stage, with ${ARG} references resolved against the stage's ARG defaults. */
export function stageEnv(stage: Stage): Map<string, string> {
  const vars = stageArgs(stage);
  const env = new Map<string, string>();
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'ENV') continue;
    for (const [k, v] of argPairs(ins.args)) {
      const value = substitute(v ?? '', new Map([...vars, ...env]));
      env.set(k, value);
    }
  }
  return env;
}

/**
 * True for an image reference pinned by digest or by an exact version tag: `parts` numeric
 * components (x.y.z by default; 2 for projects that number releases major.minor, like PostgreSQL).
 */
export function isPinnedImage(ref: string, parts = 3): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const tag = /:([^/:@]+)$/.exec(ref)?.[1];
  const version = new RegExp(`^v?\\d+(\\.\\d+){${parts - 1}}(-[A-Za-z0-9.-]+)?$`);
  return tag !== undefined && version.test(tag);
}

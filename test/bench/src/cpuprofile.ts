/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and summarises one time window of it:
 * frames by self time, the kit's and the server's own frames by inclusive time, self time by
 * package, and the shares of the garbage collector and of idle time.
 *
 * Sample times are V8's monotonic clock in microseconds, the clock `process.hrtime` reads on Linux,
 * so a window measured in the bench process (hrtime at the start and end of the load) selects the
 * load's samples. When the window holds no sample (another clock), the whole profile is used and
 * the summary says so.
 *
 * A server's CLI is one bundle (scripts/bundle-cli.mjs): its frames are mapped back through the
 * bundle's source maps to the module each function came from (packages/core/dist/runtime.js ...),
 * so the kit's frames count as the kit's and the server's as the server's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  us: number;
  share: number;
}

export interface ProfileSummary {
  /** Microseconds covered by the samples summarised. */
  totalUs: number;
  samples: number;
  windowed: boolean;
  self: FrameTime[];
  /** Inclusive time of the kit's (packages/core) and the server's (servers/<name>) own functions. */
  inclusiveOwn: FrameTime[];
  byPackage: FrameTime[];
  gcShare: number;
  idleShare: number;
}

/** The source maps of bundled files by URL (null: none, or not a bundle's file). */
const maps = new Map<string, { map: SourceMap; url: string } | null>();

function sourceMapOf(url: string): { map: SourceMap; url: string } | null {
  if (maps.has(url)) return maps.get(url)!;
  let found: { map: SourceMap; url: string } | null = null;
  if (/\/dist\/(cli\.js|cli-chunks\/[^/]+\.js)$/.test(url) && !url.includes('/node_modules/')) {
    const file = `${fileURLToPath(url)}.map`;
    if (existsSync(file))
      found = { map: new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as never), url: `${url}.map` };
  }
  maps.set(url, found);
  return found;
}

/** A frame of a bundle as the frame of the module its code came from (unchanged when unmapped). */
function originalFrame(cf: CallFrame): CallFrame {
  const sm = cf.url.startsWith('file://') ? sourceMapOf(cf.url) : null;
  if (!sm) return cf;
  const entry = sm.map.findEntry(cf.lineNumber, cf.columnNumber ?? 0) as {
    originalSource?: string;
    originalLine?: number;
  };
  if (entry.originalSource === undefined || entry.originalLine === undefined) return cf;
  return {
    functionName: cf.functionName,
    url: new URL(entry.originalSource, sm.url).href,
    lineNumber: entry.originalLine,
  };
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const m = /\/((?:packages|servers|test)\/[^/]+\/.*)$/.exec(url);
  if (m) return m[1]!;
  return url.replace(/^file:\/\//, '');
}

function frameKey(cf: CallFrame): string {
  const name = cf.functionName || '(anonymous)';
  if (cf.url === '') return name;
  return `${name} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
}

/** The package a frame's code belongs to: an npm package, a workspace, node's own, or V8's pseudo frames. */
function packageOf(cf: CallFrame): string {
  const url = cf.url;
  if (url === '') return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  if (url.startsWith('node:')) return 'node (built-in)';
  // PGlite's PostgreSQL and Cedar are the WebAssembly modules a server runs (one hash each).
  if (url.startsWith('wasm://')) return `WebAssembly ${url.slice('wasm://wasm/'.length)}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/(packages|servers|test)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return '(other)';
}

function isOwn(cf: CallFrame): boolean {
  return /\/(packages\/core|servers\/[^/]+)\/dist\//.test(cf.url) && !cf.url.includes('/node_modules/');
}

function top(map: Map<string, number>, total: number, n: number): FrameTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, us]) => ({ frame, us, share: total > 0 ? us / total : 0 }));
}

/**
 * Summarises the samples whose time lies in [fromUs, toUs] (V8 monotonic microseconds), or all of
 * them when the window is not given or holds none.
 */
export function summariseProfile(
  path: string,
  window?: { fromUs: number; toUs: number },
  n = 15,
): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of p.nodes) {
    node.callFrame = originalFrame(node.callFrame);
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  // Each sample's time, and the time it stands for (the gap to the next sample).
  const times: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) times.push((t += d));
  const weight = (i: number) => (i + 1 < times.length ? times[i + 1]! - times[i]! : 0);
  let picked: number[] = [];
  if (window) {
    for (let i = 0; i < p.samples.length; i++)
      if (times[i]! >= window.fromUs && times[i]! <= window.toUs) picked.push(i);
  }
  const windowed = picked.length > 0;
  if (!windowed) picked = p.samples.map((_, i) => i);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  let gc = 0;
  let idle = 0;
  for (const i of picked) {
    const w = weight(i);
    if (w <= 0) continue;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += w;
    const cf = node.callFrame;
    self.set(frameKey(cf), (self.get(frameKey(cf)) ?? 0) + w);
    pkgs.set(packageOf(cf), (pkgs.get(packageOf(cf)) ?? 0) + w);
    if (cf.functionName === '(garbage collector)') gc += w;
    if (cf.functionName === '(idle)') idle += w;
    // Inclusive: every own frame on the stack, once per sample (recursion counted once).
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!isOwn(f)) continue;
      const k = frameKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + w);
    }
  }
  return {
    totalUs: total,
    samples: picked.length,
    windowed,
    self: top(self, total, n),
    inclusiveOwn: top(inclusive, total, n),
    byPackage: top(pkgs, total, 12),
    gcShare: total > 0 ? gc / total : 0,
    idleShare: total > 0 ? idle / total : 0,
  };
}

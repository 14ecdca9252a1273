/** What the bench's parts share to time things: medians, and paired calls on two servers. */
import { performance } from 'node:perf_hooks';

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Caller {
  callTool(name: string, args?: Record<string, unknown>): Promise<{ isError: boolean; envelope?: unknown }>;
}

/**
 * One tool call timed `calls` times on each of two servers, their calls alternating (first then
 * second, then second then first, ...), so a machine that slows down meanwhile slows both alike
 * (timed one server after the other, the second also runs on code the first warmed). `args(k)`
 * gives the arguments for server k. Returns each server's median in ms; a failed call throws.
 */
export async function timeAlternating(
  servers: readonly [Caller, Caller],
  calls: number,
  name: string,
  args: (k: 0 | 1) => Record<string, unknown>,
): Promise<[number, number]> {
  const xs: [number[], number[]] = [[], []];
  for (let i = 0; i < calls; i++) {
    for (const k of i % 2 ? ([1, 0] as const) : ([0, 1] as const)) {
      const t = performance.now();
      const r = await servers[k].callTool(name, args(k));
      xs[k].push(performance.now() - t);
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.envelope)}`);
    }
  }
  return [median(xs[0]), median(xs[1])];
}

/** Runs `fn` with a server open on each of the two data directories, both up at once; closes both. */
export async function withBoth<H extends { close(): Promise<void> }, T>(
  dirs: readonly [string, string],
  open: (dataDir: string) => Promise<H>,
  fn: (servers: [H, H]) => Promise<T>,
): Promise<T> {
  const hs: H[] = [];
  try {
    for (const dataDir of dirs) hs.push(await open(dataDir));
    return await fn([hs[0]!, hs[1]!]);
  } finally {
    for (const h of hs) await h.close();
  }
}

import { setFlagsFromString } from 'node:v8';

/**
 * Process-wide V8 settings, made before any WebAssembly (Cedar, PGlite) is compiled.
 *
 * Every transport: one background thread compiles WebAssembly instead of one per core. Each
 * compile thread mallocs in its own glibc arena and the arenas keep what they grew (~15-25 MB
 * each, for good); wasm functions are compiled lazily on first call anyway, so a start is no
 * slower.
 *
 * stdio only: WebAssembly runs on V8's baseline code (Liftoff), never optimised (TurboFan). With
 * V8's default a few calls made PGlite's hot functions "hot", and the background thread spent
 * seconds of CPU optimising them while the first calls ran; on exit the process waited for the
 * optimisation in progress (0.3-1 s after stdin closed, measured with `perf`); each compile's zone
 * (8-24 MB) stayed in that thread's glibc arena (~30 MiB of a stdio server's resident memory). The
 * largest tier-up budget (an int32, ~1,200x the default) kept a restart's first call baseline-only
 * but not a first start's migrations and demo data or an import, and on Node 24 (V8 13) optimising
 * one of PGlite's functions (~105 KB of code: 2 s and a 607 MB zone, against 0.1-0.4 s and 8-25 MB
 * on Node 20-22) put an empty directory's first start at 490-760 MB and a 100,000-finding import at
 * 740 MB. Baseline only: first start 150-200 MiB on both, the import 31-37 s and 200-250 MB (26 s
 * with the optimising compiler on Node 24; on Node 20 no slower: the compile competed for the
 * second core). `--wasm-tier-up-filter` names the one function V8 may optimise: an index no module has.
 * (`--liftoff-only` set at run time, after V8 started, is not the same on Node 24: its implied
 * settings are not applied and V8 optimised hundreds of functions instead.) The budget stays at its
 * largest so the baseline code seldom asks. A desktop client sends a call now and then, for which
 * the baseline code is fast enough. Also stdio only: the young generation keeps its start size
 * (V8 doubles its semi-spaces up to 16 MB each while the modules load and the first call opens the
 * policies and the store, and a grown young generation stays resident: 10-25 MiB for nothing at a
 * desktop client's pace; set from the first import, tune-v8.ts). HTTP servers keep V8's defaults,
 * for throughput under load.
 * Measured: `npm run bench -- --stdio`.
 */
export const V8_FLAGS = ['--wasm-num-compilation-tasks=1'] as const;
export const STDIO_V8_FLAGS = [
  '--wasm-tiering-budget=2147483647',
  '--wasm-tier-up-filter=2147483647',
  '--semi-space-growth-factor=1',
] as const;
export function tuneV8(transport: 'stdio' | 'http' = 'http'): void {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
  if (transport === 'stdio') for (const flag of STDIO_V8_FLAGS) setFlagsFromString(flag);
}

/**
 * The transport a command line asks for (`--transport http` or `--transport=http`), stdio
 * otherwise: read before the command line is parsed, by `@portcullis/core/tune-v8`.
 */
export function transportIn(argv: readonly string[]): 'stdio' | 'http' {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--transport') return argv[i + 1] === 'http' ? 'http' : 'stdio';
    if (argv[i] === '--transport=http') return 'http';
  }
  return 'stdio';
}

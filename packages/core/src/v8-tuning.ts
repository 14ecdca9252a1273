import { setFlagsFromString } from 'node:v8';

/**
 * Process-wide V8 settings, made before any WebAssembly (Cedar, PGlite) is compiled.
 *
 * Every transport: one background thread compiles WebAssembly instead of one per core. Each
 * compile thread mallocs in its own glibc arena and the arenas keep what they grew (~15-25 MB
 * each, for good); wasm functions are compiled lazily on first call anyway, so a start is no
 * slower.
 *
 * stdio only: the largest tier-up budget V8 takes (an int32: ~1,200x its default of 1.8 MB of
 * code run per function). With V8's default a few calls make PGlite's hot functions "hot", and the
 * background thread spends seconds of CPU optimising them (TurboFan) while the first calls run, and
 * on exit the process waits for the optimisation in progress (0.3-1 s after stdin closed, measured
 * with `perf`). At 100M (~55x) five functions of PGlite and Cedar still reached TurboFan during the
 * start and first call (`--trace-wasm-compilation-times`), each compile's zone 8-24 MB in a
 * background thread's glibc arena, which keeps it: ~30 MiB of a stdio server's resident memory.
 * A desktop client sends a call now and then, for which the baseline code (Liftoff) is fast
 * enough; a function that runs for long still gets optimised. Also stdio only: the young generation keeps its start size
 * (V8 doubles its semi-spaces up to 16 MB each while the modules load and the first call opens the
 * policies and the store, and a grown young generation stays resident: 10-25 MiB for nothing at a
 * desktop client's pace; set from the first import, tune-v8.ts). HTTP servers keep V8's defaults,
 * for throughput under load.
 * Measured: `npm run bench -- --stdio`.
 */
export const V8_FLAGS = ['--wasm-num-compilation-tasks=1'] as const;
export const STDIO_V8_FLAGS = ['--wasm-tiering-budget=2147483647', '--semi-space-growth-factor=1'] as const;
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

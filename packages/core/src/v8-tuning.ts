import { setFlagsFromString } from 'node:v8';

/**
 * Process-wide V8 settings, made before any WebAssembly (Cedar, PGlite) is compiled.
 *
 * Every transport: one background thread compiles WebAssembly instead of one per core. Each
 * compile thread mallocs in its own glibc arena and the arenas keep what they grew (~15-25 MB
 * each, for good); wasm functions are compiled lazily on first call anyway, so a start is no
 * slower.
 *
 * WebAssembly tiering (PORTCULLIS_WASM_TIERING, `baseline` or `optimizing`): by default a stdio
 * server and a data directory's preparation (`--prepare`, either transport) run WebAssembly on V8's
 * baseline code (Liftoff), never optimised (TurboFan); an HTTP server keeps V8's tier-up. With V8's
 * default a few calls made PGlite's hot functions "hot", and the background thread spent seconds of
 * CPU optimising them while the first calls ran; on exit the process waited for the optimisation in
 * progress (0.3-1 s after stdin closed, measured with `perf`); each compile's zone (8-24 MB) stayed
 * in that thread's glibc arena (~30 MiB of a stdio server's resident memory). The largest tier-up
 * budget (an int32, ~1,200x the default) kept a restart's first call baseline-only but not a first
 * start's migrations and demo data or an import, and on Node 24 (V8 13) optimising one of PGlite's
 * functions (~105 KB of code: 2 s and a 607 MB zone, against 0.1-0.4 s and 8-25 MB on Node 20-22)
 * put an empty directory's first start at 490-760 MB and a 100,000-finding import at 740 MB.
 * Baseline only: first start 150-200 MiB on both, the import 31-37 s and 200-250 MB (26 s with the
 * optimising compiler on Node 24; on Node 20 no slower: the compile competed for the second core);
 * `--transport http --prepare` on an empty directory 1.6-1.8 s / 168-191 MiB (optimising: Node 20
 * 2.4 s / 240-261 MiB, Node 24 3.3 s / 716-726 MiB). `--wasm-tier-up-filter` names the one function
 * V8 may optimise: an index no module has. (`--liftoff-only` set at run time, after V8 started, is
 * not the same on Node 24: its implied settings are not applied and V8 optimised hundreds of
 * functions instead.) The budget goes to its largest so the baseline code seldom asks. A desktop
 * client sends a call now and then, for which the baseline code is fast enough. An HTTP server
 * under steady load serves `crm_get_account` 4-13% faster optimised (medians of five alternating
 * runs of `BENCH_WASM_TIERING=baseline npm run bench -- --http` and without: Node 24 820 vs 713
 * req/s, Node 20 741 vs 713), so it optimises unless told otherwise; its peak memory is then higher
 * (on Node 24 the same 607 MB zone once PGlite's function is hot: ~750 MiB for two seconds, 210-250
 * MiB with `baseline`; deploy/README.md, "Memory").
 *
 * Also stdio only: the young generation keeps its start size (V8 doubles its semi-spaces up to 16
 * MB each while the modules load and the first call opens the policies and the store, and a grown
 * young generation stays resident: 10-25 MiB for nothing at a desktop client's pace; set from the
 * first import, tune-v8.ts). HTTP servers keep V8's default, for throughput under load.
 * Measured: `npm run bench -- --stdio`.
 */
export const V8_FLAGS = ['--wasm-num-compilation-tasks=1'] as const;
export const BASELINE_WASM_FLAGS = [
  '--wasm-tiering-budget=2147483647',
  '--wasm-tier-up-filter=2147483647',
] as const;
export const STDIO_V8_FLAGS = ['--semi-space-growth-factor=1'] as const;

export type WasmTiering = 'baseline' | 'optimizing';

/** What a process runs: the transport, and whether it only prepares the data directory. */
export interface ProcessKind {
  transport: 'stdio' | 'http';
  preparing: boolean;
}

/**
 * PORTCULLIS_WASM_TIERING when it is `baseline` or `optimizing`; otherwise baseline, except for an
 * HTTP server that serves. (Any other value is refused by the configuration once the command
 * line is parsed, config.ts: the process never serves with it.)
 */
export function wasmTiering(kind: ProcessKind, env: NodeJS.ProcessEnv = process.env): WasmTiering {
  const set = env.PORTCULLIS_WASM_TIERING;
  if (set === 'baseline' || set === 'optimizing') return set;
  return kind.transport === 'http' && !kind.preparing ? 'optimizing' : 'baseline';
}

/** The V8 settings for a process of this kind (applied once V8 runs, by tuneV8). */
export function v8FlagsFor(kind: ProcessKind, env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...V8_FLAGS,
    ...(wasmTiering(kind, env) === 'baseline' ? BASELINE_WASM_FLAGS : []),
    ...(kind.transport === 'stdio' ? STDIO_V8_FLAGS : []),
  ];
}

export function tuneV8(
  kind: ProcessKind = { transport: 'http', preparing: false },
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const flag of v8FlagsFor(kind, env)) setFlagsFromString(flag);
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

/** The kind of process a command line asks for, read before it is parsed (tune-v8.ts). */
export function processKindIn(argv: readonly string[]): ProcessKind {
  return { transport: transportIn(argv), preparing: argv.includes('--prepare') };
}

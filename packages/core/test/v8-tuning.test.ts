import { describe, expect, it } from 'vitest';
import { processKindIn, transportIn, v8FlagsFor, wasmTiering } from '../src/v8-tuning.js';

describe('transportIn (read by tune-v8 before the command line is parsed)', () => {
  it('is http only when the command line asks for it, in either form', () => {
    expect(transportIn(['--transport', 'http', '--port', '0'])).toBe('http');
    expect(transportIn(['--port=0', '--transport=http'])).toBe('http');
    expect(transportIn([])).toBe('stdio');
    expect(transportIn(['--transport', 'stdio'])).toBe('stdio');
    // a value the CLI refuses later is not http either: the stdio settings are the lighter ones
    expect(transportIn(['--transport', 'HTTP'])).toBe('stdio');
    expect(transportIn(['--transport'])).toBe('stdio');
  });

  it('tells a data directory preparation from a serving process', () => {
    expect(processKindIn(['--transport', 'http', '--prepare'])).toEqual({
      transport: 'http',
      preparing: true,
    });
    expect(processKindIn(['--transport', 'http'])).toEqual({ transport: 'http', preparing: false });
    expect(processKindIn(['--prepare'])).toEqual({ transport: 'stdio', preparing: true });
  });
});

describe('WebAssembly tiering', () => {
  const BASELINE = ['--wasm-tiering-budget=2147483647', '--wasm-tier-up-filter=2147483647'];
  const httpServer = { transport: 'http', preparing: false } as const;
  const httpPrepare = { transport: 'http', preparing: true } as const;
  const stdio = { transport: 'stdio', preparing: false } as const;

  it('is baseline over stdio and for --prepare, optimising for an HTTP server, unless set', () => {
    expect(wasmTiering(stdio, {})).toBe('baseline');
    expect(wasmTiering(httpPrepare, {})).toBe('baseline');
    expect(wasmTiering(httpServer, {})).toBe('optimizing');
    expect(wasmTiering(httpServer, { PORTCULLIS_WASM_TIERING: 'baseline' })).toBe('baseline');
    expect(wasmTiering(stdio, { PORTCULLIS_WASM_TIERING: 'optimizing' })).toBe('optimizing');
    expect(wasmTiering(httpPrepare, { PORTCULLIS_WASM_TIERING: 'optimizing' })).toBe('optimizing');
    // another value: the default here, and the configuration refuses it (config.test.ts)
    expect(wasmTiering(httpServer, { PORTCULLIS_WASM_TIERING: 'Baseline' })).toBe('optimizing');
    expect(wasmTiering(stdio, { PORTCULLIS_WASM_TIERING: '' })).toBe('baseline');
  });

  it('names the V8 settings of each kind of process', () => {
    const one = '--wasm-num-compilation-tasks=1';
    const young = '--semi-space-growth-factor=1';
    expect(v8FlagsFor(stdio, {})).toEqual([one, ...BASELINE, young]);
    expect(v8FlagsFor(httpServer, {})).toEqual([one]);
    expect(v8FlagsFor(httpPrepare, {})).toEqual([one, ...BASELINE]);
    expect(v8FlagsFor(httpServer, { PORTCULLIS_WASM_TIERING: 'baseline' })).toEqual([one, ...BASELINE]);
    // the young generation's setting follows the transport, not the tiering
    expect(v8FlagsFor(stdio, { PORTCULLIS_WASM_TIERING: 'optimizing' })).toEqual([one, young]);
  });
});

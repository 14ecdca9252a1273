/**
 * WebAssembly tiering (PORTCULLIS_WASM_TIERING, packages/core/src/v8-tuning.ts), on the built CRM
 * (the setting is the kit's, read the same way by every server): a data directory's preparation
 * (`--prepare`) runs PGlite's and Cedar's WebAssembly on V8's baseline compiler only, over either
 * transport; an HTTP server optimises its hot functions unless the setting says `baseline`; another
 * value stops the start. Read from V8's own trace (`--trace-wasm-compilation-times`), not from
 * timings: on Node 24 one optimised PGlite function costs a 607 MB compiler zone.
 * (Stdio's baseline-only start and first call: lazy-modules.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, spawnHttp } from '@portcullis/test-support/servers';
import { afterAll, describe, expect, it } from 'vitest';
import { optimisedCompiles as optimised, ROOT } from './helpers.js';

const CLI = join(ROOT, 'servers', 'crm', 'dist', 'cli.js');
const TRACE = '--trace-wasm-compilation-times';
const work = mkdtempSync(join(tmpdir(), 'portcullis-tiering-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = (dataDir: string, tiering?: string): Record<string, string> =>
  cleanEnv({
    NODE_ENV: 'development',
    PORTCULLIS_AUTH: 'none',
    PORTCULLIS_DATA_DIR: dataDir,
    PORTCULLIS_PRINCIPAL: 'alice',
    PORTCULLIS_ROLES: 'rep',
    PORTCULLIS_TENANT: 'acme',
    PORTCULLIS_WASM_TIERING: tiering,
  });

function prepare(dataDir: string, tiering?: string): string {
  const run = spawnSync(process.execPath, [TRACE, CLI, '--transport', 'http', '--prepare'], {
    env: env(dataDir, tiering),
    timeout: 120_000,
  });
  expect(run.status, run.stderr.toString().slice(-500)).toBe(0);
  const trace = run.stdout.toString();
  expect(trace).toMatch(/Compiled function \S+ using Liftoff/); // the trace was on
  return trace;
}

/** Serves over HTTP on a prepared directory, makes `calls` searches, stops cleanly; V8's trace. */
async function serve(dataDir: string, calls: number, tiering?: string): Promise<string> {
  const srv = await spawnHttp({
    cliPath: CLI,
    nodeArgs: [TRACE],
    env: env(dataDir, tiering),
    name: 'CRM CLI',
  });
  try {
    for (let i = 0; i < calls; i++) {
      const r = await fetch(srv.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: i,
          method: 'tools/call',
          params: {
            name: i % 2 ? 'crm_search_accounts' : 'crm_search_opportunities',
            arguments: { limit: 5 },
          },
        }),
      });
      const text = await r.text();
      const body = JSON.parse(text) as { result?: { isError?: boolean } };
      expect(body.result, text.slice(0, 300)).toBeDefined();
      expect(body.result!.isError ?? false, text.slice(0, 300)).toBe(false);
    }
  } finally {
    expect((await srv.stop()).code).toBe(0); // a clean exit flushes V8's trace (stdout)
  }
  return srv.stdout.join('\n');
}

describe('issue 13: WebAssembly tiering (PORTCULLIS_WASM_TIERING)', () => {
  const dataDir = join(work, 'crm');

  it('a data directory preparation over HTTP compiles nothing optimised; set to optimizing, it does', () => {
    expect(optimised(prepare(dataDir))).toEqual([]);
    // the same preparation, optimising: the trace shows the compiles the default avoids
    expect(optimised(prepare(join(work, 'crm-optimizing'), 'optimizing')).length).toBeGreaterThan(0);
  }, 240_000);

  it('an HTTP server optimises its hot functions, and not with PORTCULLIS_WASM_TIERING=baseline', async () => {
    expect(optimised(await serve(dataDir, 200, 'baseline'))).toEqual([]);
    expect(optimised(await serve(dataDir, 200)).length).toBeGreaterThan(0);
  }, 240_000);

  it('another value stops the start, naming the setting', () => {
    const run = spawnSync(process.execPath, [CLI, '--transport', 'http', '--port', '0'], {
      env: env(join(work, 'crm-bad'), 'turbofan'),
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr.toString()).toMatch(/PORTCULLIS_WASM_TIERING/);
  }, 60_000);
});

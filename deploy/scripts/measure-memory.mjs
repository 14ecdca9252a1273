#!/usr/bin/env node
// Measures a server's resident memory (RSS): at rest after start-up (migrations, seed) and its
// peak (VmHWM) across a bounded burst of tool calls over HTTP. The chart's memory requests and
// limits come from these figures (deploy/README.md, "Memory").
//   node deploy/scripts/measure-memory.mjs crm|billing [calls]     (after npm run build; Linux only)
// PORTCULLIS_WASM_TIERING=baseline in its environment measures the server with that setting.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';

const system = process.argv[2] ?? 'crm';
const calls = Number(process.argv[3] ?? 400);
const root = resolve(import.meta.dirname, '../..');
const CALLS = {
  crm: [
    ['crm_search_accounts', { limit: 5 }],
    ['crm_search_opportunities', { limit: 5 }],
  ],
  billing: [
    ['billing_list_invoices', {}],
    ['billing_get_order', { order_id: '4821' }],
  ],
}[system];
if (!CALLS) throw new Error(`unknown system ${system}`);

const kib = (field, pid) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const data = mkdtempSync(join(tmpdir(), `portcullis-mem-${system}-`));
const child = spawn(
  process.execPath,
  [join(root, 'servers', system, 'dist', 'cli.js'), '--transport', 'http', '--port', '0'],
  {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORTCULLIS_AUTH: 'none',
      PORTCULLIS_DATA_DIR: data,
      PORTCULLIS_LOG_LEVEL: 'info', // the "serving" line carries the URL
      PORTCULLIS_PRINCIPAL: 'alice',
      PORTCULLIS_ROLES: 'admin,rep,pii_reader,support,manager',
      PORTCULLIS_TENANT: 'acme',
      ...(process.env.PORTCULLIS_WASM_TIERING
        ? { PORTCULLIS_WASM_TIERING: process.env.PORTCULLIS_WASM_TIERING }
        : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let stderr = '';
child.stderr.on('data', (b) => (stderr += b));
try {
  const url = await new Promise((res, rej) => {
    const t = setInterval(() => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/mcp"/.exec(stderr);
      if (m) {
        clearInterval(t);
        res(m[1]);
      }
    }, 100);
    child.on('exit', (c) => rej(new Error(`exited ${c}: ${stderr}`)));
  });
  for (let i = 0; i < 600; i++) {
    if ((await globalThis.fetch(`${url}/readyz`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const startPeak = kib('VmHWM', child.pid);
  const rest = kib('VmRSS', child.pid);
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  for (let i = 0; i < calls; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, calls - i) }, async (_, j) => {
        const [name, args] = CALLS[(i + j) % CALLS.length];
        const r = await globalThis.fetch(`${url}/mcp`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: i + j,
            method: 'tools/call',
            params: { name, arguments: args },
          }),
        });
        await r.text();
      }),
    );
  }
  const out = {
    system,
    node: process.version,
    calls,
    wasm_tiering: process.env.PORTCULLIS_WASM_TIERING || 'default',
    startup_peak_mib: Math.round(startPeak / 1024),
    rss_at_rest_mib: Math.round(rest / 1024),
    peak_mib: Math.round(kib('VmHWM', child.pid) / 1024),
    rss_after_mib: Math.round(kib('VmRSS', child.pid) / 1024),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(data, { recursive: true, force: true });
}

#!/usr/bin/env node
// `npm start`: serves every product server that exists over HTTP on the embedded default store,
// with API-key auth and development keys for a few demo principals, and prints how to connect.
// Development only: refused when NODE_ENV=production.
//
//   npm start                          each server on its contract port (crm 7301, billing 7302, ...)
//   npm start -- --port-base 8300      the same layout moved: crm 8301, billing 8302, ...
//   npm start -- --port-base 0         every server on a free port the OS picks
//   npm start -- --port-base 8300 --plan   print the port plan as JSON and exit
// (or PORTCULLIS_PORT_BASE=8300 npm start)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generateApiKey, isProduction } from '@portcullis/core';

const root = resolve(import.meta.dirname, '..');
if (isProduction(process.env.NODE_ENV)) {
  console.error(
    'npm start is the development quick start and generates development keys; it is refused when NODE_ENV=production.',
  );
  process.exit(1);
}
const dataRoot = resolve(process.env.PORTCULLIS_DATA_DIR ?? join(root, '.data'));

// docs/architecture.md section 6: each system's port is the base (7300) plus its offset.
const CONTRACT_BASE = 7300;
const OFFSETS = { broker: 0, crm: 1, billing: 2, 'posture-read': 3, 'remediation-write': 4 };

function parseArgs(argv) {
  const opts = { portBase: process.env.PORTCULLIS_PORT_BASE, plan: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--plan') opts.plan = true;
    else if (a === '--port-base') opts.portBase = argv[++i];
    else if (a.startsWith('--port-base=')) opts.portBase = a.slice('--port-base='.length);
    else {
      console.error(`npm start: unknown option ${a} (options: --port-base N, --plan)`);
      process.exit(2);
    }
  }
  if (opts.portBase === undefined || opts.portBase === '') return { ...opts, portBase: CONTRACT_BASE };
  const n = Number(opts.portBase);
  // The highest offset plus room for servers without a contract port must stay below 65536.
  if (!/^\d+$/.test(String(opts.portBase)) || (n !== 0 && (n < 1024 || n > 65_500))) {
    console.error(
      `npm start: --port-base must be 0 (free ports) or a number from 1024 to 65500, not '${opts.portBase}'`,
    );
    process.exit(2);
  }
  return { ...opts, portBase: n };
}

/** The port each server listens on: base + its contract offset (0 = let the OS pick). */
function portFor(name, index, base) {
  if (base === 0) return 0;
  return base + (OFFSETS[name] ?? 10 + index);
}

const opts = parseArgs(process.argv.slice(2));

function discover() {
  const found = [];
  for (const dir of readdirSync(join(root, 'servers'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const pkgPath = join(root, 'servers', dir.name, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    const cli = join(root, 'servers', dir.name, 'dist', 'cli.js');
    if (existsSync(cli)) found.push({ name: dir.name, cli, pkg });
  }
  if (found.length > 0) return found;
  // No product server built yet: serve the kit's test server so the quick start still works.
  const pkg = JSON.parse(readFileSync(join(root, 'test/kit-server/package.json'), 'utf8'));
  return [{ name: 'kit', cli: join(root, 'test/kit-server/dist/cli.js'), pkg }];
}

/** Development keys: generated once per data dir, stored hashed for the server and in plain text for you. */
function devKeys(name, pkg, dataDir) {
  const plainPath = join(dataDir, 'dev-keys.json');
  const keysFile = join(dataDir, 'api-keys.json');
  if (existsSync(plainPath) && existsSync(keysFile))
    return { keysFile, keys: JSON.parse(readFileSync(plainPath, 'utf8')) };
  const demo = pkg.portcullis?.demoPrincipals ?? [
    { principal: `${name}-admin`, roles: ['admin'], tenant: 'acme' },
  ];
  const keys = [];
  const records = [];
  for (const p of demo) {
    const { key, record } = generateApiKey({ ...p, dev: true });
    keys.push({ ...p, key });
    records.push(record);
  }
  writeFileSync(keysFile, JSON.stringify(records, null, 2), { mode: 0o600 });
  writeFileSync(plainPath, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return { keysFile, keys };
}

/** Attributes that narrow what a demo principal sees (e.g. posture-read's cloud accounts), for the listing. */
function attributesNote(attributes) {
  const entries = Object.entries(attributes ?? {});
  return entries.length === 0
    ? ''
    : `  ${entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ')}`;
}

const servers = discover();
if (opts.plan) {
  const plan = Object.fromEntries(servers.map((s, i) => [s.name, portFor(s.name, i, opts.portBase)]));
  process.stdout.write(`${JSON.stringify({ portBase: opts.portBase, ports: plan })}\n`);
  process.exit(0);
}
/**
 * The broker's configuration for npm start: every Portcullis system it can host, in its own process
 * (written once per data dir; edit it to add remote or stdio upstreams).
 */
async function brokerConfig(dataDir) {
  const path = join(dataDir, 'broker.yaml');
  if (!existsSync(path)) {
    const { LOCAL_SYSTEMS } = await import('@portcullis/broker');
    const lines = [
      '# Written by npm start: every Portcullis system the broker can host, in its own process.',
      'upstreams:',
      ...Object.keys(LOCAL_SYSTEMS).flatMap((name) => [`  - name: ${name}`, `    local: ${name}`]),
      '',
    ];
    writeFileSync(path, lines.join('\n'), { mode: 0o600 });
  }
  return { path, text: readFileSync(path, 'utf8') };
}

const children = [];
const ready = [];
for (const [index, s] of servers.entries()) {
  const dataDir = join(dataRoot, s.name);
  mkdirSync(dataDir, { recursive: true });
  const { keysFile, keys } = devKeys(s.name, s.pkg, dataDir);
  const port = String(portFor(s.name, index, opts.portBase));
  const extra = {};
  if (s.name === 'broker') {
    s.config = await brokerConfig(dataDir);
    extra.PORTCULLIS_BROKER_CONFIG = s.config.path;
  }
  const child = spawn(process.execPath, [s.cli, '--transport', 'http', '--port', port], {
    env: {
      ...process.env,
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_API_KEYS_FILE: keysFile,
      ...extra,
    },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  children.push(child);
  ready.push(
    new Promise((resolveReady, reject) => {
      const rl = createInterface({ input: child.stderr });
      rl.on('line', (line) => {
        let rec;
        try {
          rec = JSON.parse(line);
        } catch {
          process.stderr.write(`[${s.name}] ${line}\n`);
          return;
        }
        if (rec.msg === 'serving MCP over HTTP') resolveReady({ ...s, url: rec.url, keys });
        else if (rec.level === 'error' || rec.level === 'fatal' || rec.level === 'warn')
          process.stderr.write(`[${s.name}] ${line}\n`);
      });
      child.on('exit', (code) => reject(new Error(`${s.name} exited with code ${code}`)));
    }),
  );
}

const stop = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const up = await Promise.all(ready);
  const out = ['', 'Portcullis is running (development keys; data under ' + dataRoot + ')', ''];
  const mcpServers = {};
  for (const s of up) {
    out.push(`  ${s.name.padEnd(10)} ${s.url}`);
    if (s.config)
      out.push(
        `    config ${s.config.path}:`,
        ...s.config.text
          .trimEnd()
          .split('\n')
          .map((l) => `      ${l}`),
      );
    for (const k of s.keys)
      out.push(
        `    ${k.principal.padEnd(10)} roles=${k.roles.join(',').padEnd(22)} tenant=${k.tenant}  key=${k.key}${attributesNote(k.attributes)}`,
      );
    mcpServers[`portcullis-${s.name}`] = {
      type: 'http',
      url: s.url,
      headers: { Authorization: `Bearer ${s.keys[0].key}` },
    };
  }
  out.push(
    '',
    'MCP client config (e.g. .mcp.json for Claude Code):',
    JSON.stringify({ mcpServers }, null, 2),
    '',
  );
  const first = up[0];
  out.push(
    'Try it:',
    `  curl -s ${first.url} -H 'Authorization: Bearer ${first.keys[0].key}' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\`,
    `    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    '',
    'Ctrl-C stops every server.',
    '',
  );
  process.stdout.write(out.join('\n'));
} catch (err) {
  console.error(`npm start: ${err.message}`);
  stop();
  process.exitCode = 1;
}
await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r)))));

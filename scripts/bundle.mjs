#!/usr/bin/env node
// npm run bundle: one MCP Bundle (.mcpb, Claude Desktop's one-click install format) per server listed
// in scripts/distribution.json, built with the official @anthropic-ai/mcpb CLI (validate, then pack).
//
// Each bundle holds what `npm install @portcullis/<system>` would: the packed workspace tarballs plus
// their runtime dependencies from the npm registry (nothing else from the workspace), minus what a
// stdio bundle never loads (see DROP below). The manifest's tools come from the server definition
// imported from the installed package, its user_config from the identity settings every server shares
// plus the server's own settings in scripts/distribution.json. A new server is one entry there.
//
//   node scripts/bundle.mjs [--out DIR] [--only SYSTEM]      (npm run bundle builds first)
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = JSON.parse(readFileSync(join(ROOT, 'scripts', 'distribution.json'), 'utf8'));

/**
 * Dependencies a stdio bundle never loads, per depending package. The kit imports express (HTTP),
 * pg (DATABASE_URL) and ioredis (REDIS_URL) on demand only, and the manifest sets none of those; of
 * the MCP SDK the kit loads the stdio server side only (its HTTP, SSE, OAuth and client transports
 * are what these serve). Whatever only they pull in goes too. Backend SDKs a server imports
 * statically (HubSpot, Stripe) stay: the server module loads them at start whichever backend is set.
 */
const DROP = {
  '@portcullis/core': ['express', 'pg', 'ioredis'],
  // Its read-only PostgreSQL pool, opened only with DATABASE_URL.
  '@portcullis/posture-read': ['pg'],
  '@modelcontextprotocol/sdk': [
    'express',
    'express-rate-limit',
    'cors',
    'hono',
    '@hono/node-server',
    'raw-body',
    'pkce-challenge',
    'eventsource',
    'eventsource-parser',
    'cross-spawn',
  ],
};
/**
 * Files in dependencies that Node never loads at run time, left out by mcpb's own ignore file (its
 * defaults already drop *.map and *.d.ts): TypeScript sources, tests, examples, benchmarks, and
 * Markdown other than licences.
 */
const MCPB_IGNORE = [
  'node_modules/**/*.ts',
  'node_modules/**/*.mts',
  'node_modules/**/*.cts',
  'node_modules/**/test/',
  'node_modules/**/tests/',
  'node_modules/**/__tests__/',
  'node_modules/**/example/',
  'node_modules/**/examples/',
  'node_modules/**/bench/',
  'node_modules/**/benchmark/',
  'node_modules/**/*.md',
  '!node_modules/**/LICEN[CS]E*',
];
/** Package subfolders never loaded: ESM-only consumers, and `@cedar-policy/cedar-wasm/nodejs` only. */
const DROP_DIRS = [
  '@cedar-policy/cedar-wasm/esm',
  '@cedar-policy/cedar-wasm/web',
  '@modelcontextprotocol/sdk/dist/cjs',
  '@modelcontextprotocol/sdk/dist/esm/examples',
];

const { values: opts } = parseArgs({
  options: { out: { type: 'string', default: join(ROOT, 'dist', 'mcpb') }, only: { type: 'string' } },
});

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const log = (msg) => process.stderr.write(`${msg}\n`);

/** npm run sets npm_* variables that describe the workspace; the installs below must not see them. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function npm(args, cwd) {
  return execFileSync('npm', args, {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function mcpbCli() {
  const require = createRequire(import.meta.url);
  // Its exports map hides package.json: walk up from the main entry to the package root.
  let root = dirname(require.resolve('@anthropic-ai/mcpb'));
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  const pkgPath = join(root, 'package.json');
  const pkg = readJson(pkgPath);
  return join(dirname(pkgPath), typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]);
}

function dirSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Every installed package folder (node_modules/x, node_modules/@s/x, nested too). */
function packageDirs(nodeModules, out = []) {
  if (!existsSync(nodeModules)) return out;
  for (const e of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = join(nodeModules, e.name);
    if (e.name.startsWith('@')) {
      for (const s of readdirSync(p, { withFileTypes: true })) {
        if (s.isDirectory()) visit(join(p, s.name));
      }
    } else visit(p);
  }
  return out;
  function visit(p) {
    if (!existsSync(join(p, 'package.json'))) return;
    out.push(p);
    packageDirs(join(p, 'node_modules'), out);
  }
}

/** Node's lookup: the nearest node_modules/<name> from `from` up to the stage root. */
function resolvePackage(name, from, stage) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === stage || dirname(dir) === dir) return null;
  }
}

/**
 * What a package's dependencies lose. A server declares the kit's and the SDK's dependencies too
 * (its CLI is one bundle holding both: scripts/bundle-cli.mjs), so it drops what they drop.
 */
function droppedBy(name) {
  const own = DROP[name] ?? [];
  if (!name.startsWith('@portcullis/') || name === '@portcullis/core') return own;
  return [...own, ...DROP['@portcullis/core'], ...DROP['@modelcontextprotocol/sdk']];
}

/** Removes every installed package not reachable from the roots without passing through DROP. */
function prune(stage, roots) {
  const reachable = new Set();
  const queue = roots.map((name) => resolvePackage(name, stage, stage));
  while (queue.length > 0) {
    const dir = queue.pop();
    if (dir === null || reachable.has(dir)) continue;
    reachable.add(dir);
    const pkg = readJson(join(dir, 'package.json'));
    const deps = { ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.dependencies };
    for (const name of Object.keys(deps)) {
      if (droppedBy(pkg.name).includes(name)) continue;
      queue.push(resolvePackage(name, dir, stage));
    }
  }
  let removed = 0;
  for (const dir of packageDirs(join(stage, 'node_modules'))) {
    if (reachable.has(dir) || !existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  for (const sub of DROP_DIRS) rmSync(join(stage, 'node_modules', sub), { recursive: true, force: true });
  rmSync(join(stage, 'node_modules', '.bin'), { recursive: true, force: true });
  rmSync(join(stage, 'node_modules', '.package-lock.json'), { force: true });
  return removed;
}

/** The identity every server asks for over stdio (docs/architecture.md section 6), then its own settings. */
function userConfig(entry, pkg) {
  const demo = pkg.portcullis?.demoPrincipals ?? [];
  const demoTenant = demo[0]?.tenant ?? 'default';
  const demoIds = demo
    .filter((p) => p.tenant === demoTenant)
    .map((p) => `${p.principal} (${p.roles.join(', ')})`);
  const config = {
    principal: {
      type: 'string',
      title: 'Principal (who you act as)',
      description:
        'Your user id. Policies decide on it and every audit record names it.' +
        (demoIds.length > 0 ? ` Demo users in tenant ${demoTenant}: ${demoIds.join('; ')}.` : ''),
      required: true,
    },
    roles: {
      type: 'string',
      title: 'Roles',
      description:
        'Comma-separated roles the policies check (for example rep, manager, viewer). Start with the least you need.',
      default: 'viewer',
    },
    tenant: {
      type: 'string',
      title: 'Tenant',
      description: `The tenant (organisation) whose records you may see; records of other tenants do not exist for you. The demo data is in ${demoTenant}.`,
      default: demoTenant,
    },
    attributes: {
      type: 'string',
      title: 'Principal attributes (JSON)',
      description: 'A JSON object of extra attributes policies read, for example {"team":"east"}.',
      default: '{}',
    },
    read_only: {
      type: 'boolean',
      title: 'Read-only',
      description: 'Offer only the read tools, whatever the roles allow.',
      default: false,
    },
  };
  const env = {
    PORTCULLIS_PRINCIPAL: '${user_config.principal}',
    PORTCULLIS_ROLES: '${user_config.roles}',
    PORTCULLIS_TENANT: '${user_config.tenant}',
    PORTCULLIS_ATTRIBUTES: '${user_config.attributes}',
    PORTCULLIS_READ_ONLY: '${user_config.read_only}',
  };
  for (const s of entry.settings) {
    // Every option has a default: an unset option without one would reach the server as the literal
    // "${user_config.x}". The servers treat an empty value as unset.
    config[s.key] = {
      type: 'string',
      title: s.title,
      description: s.description,
      default: s.default ?? '',
      ...(s.credential ? { sensitive: true } : {}),
    };
    env[s.env] = `\${user_config.${s.key}}`;
  }
  return { config, env };
}

async function manifestFor(entry, stage, pkg) {
  const installed = join(stage, 'node_modules', pkg.name);
  const mod = await import(pathToFileURL(join(installed, 'dist', 'index.js')).href);
  const def = mod.server;
  if (def?.name !== entry.system)
    throw new Error(`${pkg.name} does not export the ${entry.system} server definition`);
  const [binName, binPath] = Object.entries(pkg.bin)[0];
  const entryPoint = `node_modules/${pkg.name}/${binPath}`;
  const { config, env } = userConfig(entry, pkg);
  const docs = `${DIST.repository}/tree/main/${entry.dir}#readme`;
  return {
    manifest_version: '0.3',
    name: binName,
    display_name: def.title,
    version: pkg.version,
    description: pkg.description,
    long_description: `${def.description}\n\nEvery call goes through the Portcullis boundary kit: your identity (principal, roles, tenant) is checked by Cedar policies, rate-limited, and recorded in a hash-chained audit trail on this machine.`,
    author: { name: 'Portcullis', url: DIST.repository },
    repository: { type: 'git', url: DIST.repository },
    homepage: docs,
    documentation: docs,
    support: `${DIST.repository}/issues`,
    license: pkg.license,
    keywords: pkg.keywords,
    server: {
      type: 'node',
      entry_point: entryPoint,
      mcp_config: { command: 'node', args: [`\${__dirname}/${entryPoint}`, '--transport', 'stdio'], env },
    },
    tools: def.tools.map((t) => ({ name: t.name, description: t.description })),
    tools_generated: false,
    compatibility: { platforms: ['darwin', 'win32', 'linux'], runtimes: { node: pkg.engines.node } },
    user_config: config,
  };
}

async function main() {
  const entries = DIST.servers.filter((s) => opts.only === undefined || s.system === opts.only);
  if (entries.length === 0) throw new Error(`no server ${opts.only} in scripts/distribution.json`);
  const dirs = ['packages/core', ...entries.map((e) => e.dir)];
  for (const d of dirs) {
    if (!existsSync(join(ROOT, d, 'dist', 'index.js'))) {
      log(`bundle: ${d} is not built; run npm run build first (npm run bundle does).`);
      process.exit(1);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'portcullis-bundle-'));
  const out = opts.out;
  mkdirSync(out, { recursive: true });
  const cli = mcpbCli();
  const results = [];
  try {
    const packed = JSON.parse(
      npm(['pack', '--json', '--pack-destination', work, ...dirs.flatMap((d) => ['-w', d])], ROOT),
    );
    const tarball = (name) => join(work, packed.find((p) => p.name === name).filename);
    for (const entry of entries) {
      const pkg = readJson(join(ROOT, entry.dir, 'package.json'));
      const stage = join(work, entry.system);
      mkdirSync(stage);
      const dependencies = {
        [pkg.name]: `file:${tarball(pkg.name)}`,
        '@portcullis/core': `file:${tarball('@portcullis/core')}`,
      };
      writeFileSync(
        join(stage, 'package.json'),
        JSON.stringify({ name: `${entry.system}-bundle`, private: true, dependencies }),
      );
      log(`bundle: ${entry.system}: installing ${pkg.name} and its runtime dependencies from the registry`);
      npm(
        ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline'],
        stage,
      );
      const removed = prune(stage, Object.keys(dependencies));
      // The staging package.json names temporary tarballs; the bundle needs only the manifest.
      rmSync(join(stage, 'package.json'));
      const manifest = await manifestFor(entry, stage, pkg);
      writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      writeFileSync(join(stage, '.mcpbignore'), `${MCPB_IGNORE.join('\n')}\n`);
      execFileSync(process.execPath, [cli, 'validate', join(stage, 'manifest.json')], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const file = join(out, `${manifest.name}-${manifest.version}.mcpb`);
      execFileSync(process.execPath, [cli, 'pack', stage, file], { stdio: ['ignore', 'ignore', 'inherit'] });
      results.push({
        system: entry.system,
        file: relative(process.cwd(), file),
        bytes: statSync(file).size,
        unpacked: dirSize(stage),
        removed,
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const r of results) {
    log(
      `bundle: ${r.file}: ${(r.bytes / 1e6).toFixed(1)} MB (staged ${(r.unpacked / 1e6).toFixed(1)} MB before mcpb's ignore rules; ${r.removed} packages left out)`,
    );
  }
  if (DIST.pending.length > 0) log(`bundle: no bundle yet for: ${DIST.pending.join(', ')}`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();

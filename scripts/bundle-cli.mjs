#!/usr/bin/env node
// A server's build, after tsc: its CLI (dist/cli.js) becomes one bundle of the code a client waits
// for at start-up, the server, the kit, the MCP SDK and zod, rewritten in place. Node loads ES
// modules one file at a time (resolve, read, compile, link); the CRM's unbundled start read ~400
// of them (~2.3 MB) before it could answer initialize. Every other package stays a plain import
// from node_modules, as before: those the kit loads on demand (PGlite, Cedar, connector SDKs, jose,
// prom-client ...), so the start-up guard (test/distribution/test/lazy-modules.test.ts) still sees
// each one load, and pino, whose transports find their files by path. The modules the CLI imports
// dynamically become chunks in dist/cli-chunks/, loaded when the CLI imports them, as before.
// Not the .mcpb packer: that is scripts/bundle.mjs.
//
//   node ../../scripts/bundle-cli.mjs      (from a server's folder, in its build script)
//
// Code that finds a shipped file does so by its package's name (packageFile in @portcullis/core),
// never relative to its own module: in the bundle, import.meta.url names the bundle.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { rolldown } from 'rolldown';

/** Packages compiled into the bundle: what a start loads before it answers initialize. */
const BUNDLED = [
  /^@portcullis\//,
  /^@modelcontextprotocol\/sdk(\/|$)/,
  /^zod(\/|$)/,
  /^zod-to-json-schema(\/|$)/,
  /^ajv(\/|$)/,
  /^ajv-formats(\/|$)/,
  /^fast-uri(\/|$)/,
  /^fast-deep-equal(\/|$)/,
  /^json-schema-traverse(\/|$)/,
];

const dist = join(process.cwd(), 'dist');
const entry = join(dist, 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write(`bundle-cli: ${entry} is missing (run tsc first)\n`);
  process.exit(1);
}
const chunks = join(dist, 'cli-chunks');
rmSync(chunks, { recursive: true, force: true });

const bundle = await rolldown({
  input: entry,
  platform: 'node',
  // A bare specifier not listed stays an import, resolved from node_modules at run time (rolldown
  // asks again with resolved ids, which are paths on every platform: never external).
  external: (id, _importer, isResolved) =>
    !isResolved &&
    !/^[./]/.test(id) &&
    !isAbsolute(id) &&
    !id.startsWith('node:') &&
    !BUNDLED.some((re) => re.test(id)),
  logLevel: 'warn',
});
let output;
try {
  ({ output } = await bundle.write({
    dir: dist,
    format: 'esm',
    entryFileNames: 'cli.js',
    chunkFileNames: 'cli-chunks/[name]-[hash].js',
    sourcemap: true,
    // Licence notices stay; doc comments go (they are the bulk of the kit's text, and read by nobody here).
    comments: { legal: true, annotation: true, jsdoc: false },
  }));
} finally {
  await bundle.close();
}

const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

// The bundle imports the packages it left out itself, so the server must declare each one: from
// its own folder npm guarantees only its declared dependencies (a kit's or the SDK's dependency is
// usually hoisted beside it, but not always). Names the range its original importer declares.
const own = readJson(join(process.cwd(), 'package.json'));
const declared = new Set(Object.keys(own.dependencies ?? {}));
const external = new Set(
  output
    .filter((o) => o.type === 'chunk')
    .flatMap((c) => [...c.imports, ...c.dynamicImports])
    .filter(
      (id) =>
        !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('node:') && !id.includes('cli-chunks'),
    )
    .map(packageOf),
);
// The packages compiled in (a module's package is the nearest folder with a package.json): their
// folders, for the licences, and the ranges they declare for what the bundle left out.
const packageDirOf = new Map();
const findPackageDir = (file) => {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (packageDirOf.has(dir)) return packageDirOf.get(dir);
    if (existsSync(join(dir, 'package.json')) && readJson(join(dir, 'package.json')).name) {
      packageDirOf.set(dir, dir);
      return dir;
    }
  }
  return null;
};
const bundledDirs = new Map();
for (const chunk of output.filter((o) => o.type === 'chunk'))
  for (const id of chunk.moduleIds) {
    const dir = id.startsWith('/') ? findPackageDir(id) : null;
    if (dir) bundledDirs.set(readJson(join(dir, 'package.json')).name, dir);
  }
// The kit's and the servers' own ranges first (the lockfile already satisfies them), then the SDK's.
const ranges = new Map();
const byWorkspaceFirst = [...bundledDirs].sort(
  ([a], [b]) => Number(!a.startsWith('@portcullis/')) - Number(!b.startsWith('@portcullis/')),
);
for (const [, dir] of byWorkspaceFirst)
  for (const [name, range] of Object.entries(readJson(join(dir, 'package.json')).dependencies ?? {}))
    if (!ranges.has(name)) ranges.set(name, range);
const missing = [...external].filter((n) => !declared.has(n)).sort();
if (missing.length > 0) {
  process.stderr.write(
    `bundle-cli: ${own.name}'s bundle imports packages its package.json does not declare; add to "dependencies":\n` +
      missing.map((n) => `    "${n}": "${ranges.get(n) ?? '?'}",\n`).join(''),
  );
  process.exit(1);
}

// The bundled packages' licences, shipped beside the code that carries them.
const notices = [...bundledDirs]
  .filter(([name]) => !name.startsWith('@portcullis/'))
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, dir]) => {
    const pkg = readJson(join(dir, 'package.json'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE'].find((f) =>
      existsSync(join(dir, f)),
    );
    const text = file
      ? readFileSync(join(dir, file), 'utf8').trim()
      : `License: ${pkg.license ?? 'see the package'}`;
    return `${name}@${pkg.version}\n\n${text}\n`;
  });
writeFileSync(
  join(dist, 'cli-chunks', 'THIRD-PARTY-LICENSES.txt'),
  `dist/cli.js and dist/cli-chunks/ contain code from these packages:\n\n${notices.join('\n---\n\n')}`,
);

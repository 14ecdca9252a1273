// The Dockerfile's build steps, in Node rather than a shell: the same RUN lines work on the
// official node image and on a base that holds nothing but `node` (deploy/scripts/local-node-base.sh).
// Reads SERVER and PORT from the environment (the Dockerfile's build arguments).
//   node deploy/image/build-step.mjs check|prune|toolchain|compile|collect
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// docs/architecture.md section 6: the public contract fixes each system's port.
const PORTS = { broker: 7300, crm: 7301, billing: 7302, 'posture-read': 7303, 'remediation-write': 7304 };
const NPM = '/usr/local/lib/node_modules/npm/bin/npm-cli.js';
const TOOLCHAIN = '/toolchain';

const server = process.env.SERVER ?? '';
const fail = (msg) => {
  process.stderr.write(`build-step: ${msg}\n`);
  process.exit(1);
};
const run = (script, args, opts = {}) => {
  process.stderr.write(`+ ${[script, ...args].join(' ')}\n`);
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`${script} ${args[0]} exited ${r.status ?? r.signal}`);
};
const lockVersion = (lock, name) => {
  const v = lock.packages?.[`node_modules/${name}`]?.version;
  if (!v) fail(`${name} is not in package-lock.json`);
  return v;
};

const step = process.argv[2];
switch (step) {
  case 'check': {
    // Refuse a mismatched pair early rather than ship an image whose EXPOSE, healthcheck and command disagree.
    if (!(server in PORTS)) fail(`SERVER must be one of ${Object.keys(PORTS).join(', ')} (got '${server}')`);
    if (process.env.PORT !== String(PORTS[server]))
      fail(`PORT for ${server} is ${PORTS[server]} (got '${process.env.PORT}')`);
    if (!existsSync(`servers/${server}/package.json`)) fail(`servers/${server} does not exist in this tree`);
    break;
  }
  case 'prune': {
    // turbo prune --docker: out/json holds only the package.json files and the pruned lockfile, so
    // the dependency layers are rebuilt only when those change, not on every source edit.
    const root = JSON.parse(readFileSync('package.json', 'utf8'));
    const turbo = root.devDependencies?.turbo;
    if (!turbo) fail('the root package.json pins no turbo');
    // npx would start turbo through a shell; a base image may have none, so install and run it directly.
    const prefix = '/tmp/turbo';
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
    run(NPM, [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      `turbo@${turbo}`,
    ]);
    run(
      join(prefix, 'node_modules', 'turbo', 'bin', 'turbo'),
      ['prune', `@portcullis/${server}`, '--docker', '--out-dir', '/prune'],
      {
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      },
    );
    break;
  }
  case 'toolchain': {
    // The compiler and the type packages at the lockfile's exact versions, beside the tree rather
    // than in it: the root's other devDependencies (linters, test tools) never enter the image.
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
    const root = JSON.parse(readFileSync('package.json', 'utf8'));
    const names = Object.keys(root.devDependencies ?? {}).filter(
      (n) => n === 'typescript' || n.startsWith('@types/'),
    );
    mkdirSync(TOOLCHAIN, { recursive: true });
    writeFileSync(join(TOOLCHAIN, 'package.json'), '{"private":true}\n');
    run(NPM, [
      'install',
      '--prefix',
      TOOLCHAIN,
      '--no-save',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      ...names.map((n) => `${n}@${lockVersion(lock, n)}`),
    ]);
    // tsconfig's "types": ["node"] and the packages' own imports resolve @types from the tree:
    // copy every type package in (a symlink would resolve against /toolchain and miss the tree).
    const types = join(TOOLCHAIN, 'node_modules', '@types');
    mkdirSync(join('node_modules', '@types'), { recursive: true });
    for (const n of readdirSync(types)) {
      const to = join('node_modules', '@types', n);
      if (!existsSync(to)) cpSync(join(types, n), to, { recursive: true });
    }
    break;
  }
  case 'compile': {
    const tsc = join(TOOLCHAIN, 'node_modules', 'typescript', 'bin', 'tsc');
    run(tsc, ['-p', 'packages/core/tsconfig.json']);
    run(tsc, ['-p', `servers/${server}/tsconfig.json`]);
    // The embedded store's template (what the kit's own build makes): a first start in the container
    // unpacks it instead of running initdb in a child process (seconds, and ~800 MB of peak).
    run('packages/core/dist/pglite-setup.js', ['template']);
    break;
  }
  case 'collect': {
    // Only the server, the kit and their production dependencies, without npm's bookkeeping.
    const out = '/out';
    for (const n of ['node_modules/@types']) rmSync(n, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const item of ['package.json', 'node_modules'])
      cpSync(item, join(out, item), { recursive: true, verbatimSymlinks: true });
    for (const dir of ['packages/core', `servers/${server}`]) {
      // What the package publishes (its `files`: dist, policies, templates ...), plus its manifest and dependencies.
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const published = (pkg.files ?? ['dist']).filter((f) => !f.startsWith('!') && !f.includes('*'));
      for (const item of new Set(['package.json', ...published, 'node_modules'])) {
        if (existsSync(join(dir, item)))
          cpSync(join(dir, item), join(out, dir, item), { recursive: true, verbatimSymlinks: true });
      }
    }
    for (const n of ['node_modules/.bin', 'node_modules/.package-lock.json'])
      rmSync(join(out, n), { recursive: true, force: true });
    cpSync('deploy/image/entrypoint.mjs', join(out, 'entrypoint.mjs'));
    break;
  }
  default:
    fail(`unknown step '${step}' (check, prune, toolchain, compile, collect)`);
}

/**
 * portcullis-broker [--config broker.yaml] [--transport stdio|http] [--host] [--port 7300]
 * portcullis-broker lock [--config broker.yaml] [--accept UPSTREAM]...
 *
 * The configuration file comes from --config or PORTCULLIS_BROKER_CONFIG; everything else is the
 * kit's common command line and settings. Over stdio without one, outside production and on the
 * embedded store, the broker serves every local system (localSystemsConfig): one desktop entry for
 * all four. Over HTTP, in production, with DATABASE_URL and for lock, a file is required. Run by
 * cli.ts, once the V8 settings hold.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, dataDirOf, isProduction, packageFile, runServerCli } from '@portcullis/core';
import { loadBrokerConfig, type BrokerConfig } from './config.js';
import { runLock } from './lock-cli.js';
import { defineBroker, localSystemsConfig } from './server.js';

const fail = (msg: string): never => {
  process.stderr.write(`portcullis-broker: ${msg}\n`);
  process.exit(1);
};

const argv = process.argv.slice(2);
const isLock = argv[0] === 'lock';
const rest = isLock ? argv.slice(1) : argv;

// --config (and, for lock, --accept) are the broker's; the other options are the kit's.
let configPath = process.env.PORTCULLIS_BROKER_CONFIG;
const accept: string[] = [];
const kitArgs: string[] = [];
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const [flag, inline] =
    a.startsWith('--') && a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
  if (flag === '--config' || (isLock && flag === '--accept')) {
    const value = inline ?? rest[++i];
    if (!value) fail(`${flag} needs a value`);
    else if (flag === '--config') configPath = value;
    else accept.push(value);
  } else kitArgs.push(a);
}

if (kitArgs.includes('--help') || kitArgs.includes('-h')) {
  process.stdout.write(
    'Usage: portcullis-broker [--config broker.yaml] [--transport stdio|http] [--host 127.0.0.1] [--port 7300]\n' +
      '       portcullis-broker lock [--config broker.yaml] [--accept UPSTREAM]...\n\n' +
      '  --config   the broker configuration (YAML or JSON; default PORTCULLIS_BROKER_CONFIG; without\n' +
      '             either, over stdio outside production: every local system, crm, billing,\n' +
      '             posture-read, remediation-write, on the embedded store)\n' +
      '  lock       pin every upstream tool definition in the tools lock; --accept re-pins one upstream after review\n' +
      "  --prepare  ready the data directory (the local systems' stores, demo data, policy cache) and exit\n" +
      'Other settings come from environment variables (see the broker README).\n',
  );
  process.exit(0);
}
if (kitArgs.includes('--version') || kitArgs.includes('-v')) {
  // Like every Portcullis bin: the package version, with no configuration needed.
  const pkg = JSON.parse(
    readFileSync(packageFile('@portcullis/broker', import.meta.url, 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}
/** The kit's --transport as the kit reads it: the last one given, stdio when none is. */
function transportOf(args: string[]): string {
  let transport = 'stdio';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--transport') transport = args[i + 1] ?? '';
    else if (args[i]!.startsWith('--transport=')) transport = args[i]!.slice('--transport='.length);
  }
  return transport;
}

// Without a file, only a desktop's stdio broker on its embedded store has a configuration: an HTTP
// deployment, a production one, one on a PostgreSQL server (a mistyped PORTCULLIS_BROKER_CONFIG
// must not turn into four systems' tables and demo data there) and a lock say what they front.
if (!configPath) {
  const transport = transportOf(kitArgs);
  if (!isLock && transport !== 'stdio' && transport !== 'http')
    fail(`--transport must be stdio or http, not ${transport || '(nothing)'}`);
  if (isLock || transport !== 'stdio' || isProduction(process.env.NODE_ENV) || process.env.DATABASE_URL)
    fail(
      `no configuration: pass --config broker.yaml or set PORTCULLIS_BROKER_CONFIG (${isLock ? 'lock pins the tools of a configuration file' : 'only a broker over stdio on its embedded store, outside production, serves every local system without one'}).`,
    );
}

const config = ((): BrokerConfig => {
  try {
    return configPath ? loadBrokerConfig(configPath) : localSystemsConfig(dataDirOf(process.env, 'broker'));
  } catch (err) {
    return fail(err instanceof ConfigError ? err.message : (err as Error).message);
  }
})();

if (isLock) {
  if (kitArgs.length > 0) fail(`lock takes --config and --accept only, not ${kitArgs.join(' ')}`);
  try {
    const r = await runLock(config, accept, process.env);
    for (const [u, tools] of Object.entries(r.added))
      process.stdout.write(`pinned ${u}: ${tools.length} tool${tools.length === 1 ? '' : 's'}\n`);
    for (const [u, tools] of Object.entries(r.accepted))
      process.stdout.write(`re-pinned ${u} (accepted): ${tools.length ? tools.join(', ') : 'no changes'}\n`);
    for (const x of r.refused)
      process.stderr.write(
        `changed ${x.upstream} ${x.tool}: pinned ${x.pinned}, now ${x.current} (review, then lock --accept ${x.upstream})\n`,
      );
    process.stdout.write(`wrote ${config.lock}\n`);
    process.exit(r.refused.length > 0 ? 2 : 0);
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : (err as Error).message);
  }
}

// Local systems make the first start heavy (their stores, migrations, demo data): run it apart.
await runServerCli(defineBroker(config), kitArgs, process.env, undefined, {
  firstStartApart: config.upstreams.some((u) => u.local !== undefined),
});

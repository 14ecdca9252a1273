#!/usr/bin/env node
// Writes servers/<system>/server.json, the MCP Registry metadata of each server in
// scripts/distribution.json, from that list and the server's package.json: the npm package (stdio),
// the container image (stdio through `docker run -i`), and a template of the HTTP deployment.
// `--check` writes nothing and fails when a committed file differs (tests run it).
//
//   node scripts/server-json.mjs [--check]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = JSON.parse(readFileSync(join(ROOT, 'scripts', 'distribution.json'), 'utf8'));
/** The server.json schema version these files follow (the registry's published, dated schema). */
export const SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

function identityVariables(pkg) {
  const demo = pkg.portcullis?.demoPrincipals ?? [];
  const tenant = demo[0]?.tenant ?? 'default';
  return [
    {
      name: 'PORTCULLIS_PRINCIPAL',
      description: 'Your user id: policies decide on it and every audit record names it.',
      isRequired: true,
      ...(demo[0] ? { placeholder: demo[0].principal } : {}),
    },
    {
      name: 'PORTCULLIS_ROLES',
      description: 'Comma-separated roles the policies check.',
      default: 'viewer',
    },
    {
      name: 'PORTCULLIS_TENANT',
      description: `The tenant whose records you may see (the demo data is in ${tenant}).`,
      default: tenant,
    },
    {
      name: 'PORTCULLIS_ATTRIBUTES',
      description: 'A JSON object of extra attributes policies read.',
      placeholder: '{"team":"east"}',
    },
  ];
}

function settingVariables(entry) {
  return entry.settings.map((s) => ({
    name: s.env,
    description: s.description,
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(s.choices ? { choices: s.choices } : {}),
    ...(s.credential ? { isSecret: true } : {}),
  }));
}

/** The server.json of one entry; reads the title from the built server definition. */
export async function serverJson(entry) {
  const pkg = JSON.parse(readFileSync(join(ROOT, entry.dir, 'package.json'), 'utf8'));
  const { server } = await import(pathToFileURL(join(ROOT, entry.dir, 'dist', 'index.js')).href);
  const env = [...identityVariables(pkg), ...settingVariables(entry)];
  const title = server.title;
  return {
    $schema: SCHEMA_URL,
    name: pkg.mcpName,
    title,
    description: pkg.description,
    version: pkg.version,
    repository: { url: DIST.repository, source: 'github', subfolder: entry.dir },
    websiteUrl: `${DIST.repository}/tree/main/${entry.dir}#readme`,
    packages: [
      {
        registryType: 'npm',
        registryBaseUrl: 'https://registry.npmjs.org',
        identifier: pkg.name,
        version: pkg.version,
        runtimeHint: 'npx',
        transport: { type: 'stdio' },
        environmentVariables: env,
      },
      {
        registryType: 'oci',
        identifier: `${DIST.image}/${entry.system}:${pkg.version}`,
        runtimeHint: 'docker',
        transport: { type: 'stdio' },
        // The image serves HTTP by default; a client that runs it with `docker run -i` wants stdio.
        packageArguments: [{ type: 'named', name: '--transport', value: 'stdio' }],
        environmentVariables: env,
      },
    ],
    remotes: [
      {
        type: 'streamable-http',
        url: DIST.remoteUrlTemplate,
        variables: {
          host: {
            description: `Host name of your ${title} deployment (for example its Helm ingress host).`,
            isRequired: true,
          },
        },
        headers: [
          {
            name: 'Authorization',
            description:
              'Your identity over HTTP: an API key issued by the deployment, or an OAuth access token whose audience is this server.',
            value: 'Bearer {token}',
            isRequired: true,
            isSecret: true,
            variables: {
              token: { description: 'API key or access token', isRequired: true, isSecret: true },
            },
          },
        ],
      },
    ],
  };
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const entry of DIST.servers) {
    const file = join(ROOT, entry.dir, 'server.json');
    // Formatted as the repository's Prettier settings would, so `prettier --check` agrees.
    const options = { ...(await resolveConfig(file)), parser: 'json' };
    const text = await format(JSON.stringify(await serverJson(entry)), options);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${entry.dir}/server.json is stale: run node scripts/server-json.mjs\n`);
      stale++;
    } else writeFileSync(file, text);
  }
  process.exitCode = stale > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();

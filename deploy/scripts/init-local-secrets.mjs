#!/usr/bin/env node
// Makes the local compose stack's secrets once: deploy/.env (the PostgreSQL password compose
// interpolates) and deploy/secrets/ (files mounted as compose secrets). Nothing here is for
// production, where credentials are references to AWS Secrets Manager (see deploy/README.md).
//
//   node deploy/scripts/init-local-secrets.mjs            # keeps what already exists
//   node deploy/scripts/init-local-secrets.mjs --force    # makes everything anew
//
// API keys are printed once and only their sha256 hashes are stored (the format of
// @portcullis/core's generateApiKey), so the key file is safe to mount.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const deployDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const secretsDir = join(deployDir, 'secrets');
const force = process.argv.includes('--force');

// Who the local keys act as: one requester and one approver (approvals need two people).
const PEOPLE = [
  { principal: 'alice', roles: ['rep', 'support', 'viewer'], tenant: 'acme', attributes: { team: 'east' } },
  {
    principal: 'carol',
    roles: ['manager', 'approver', 'viewer'],
    tenant: 'acme',
    attributes: { team: 'east' },
  },
];

// The directory is private to the user; the files inside are world-readable because compose
// bind-mounts them as they are and the containers run as uid 1000, not as you.
mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
chmodSync(secretsDir, 0o700);

function write(path, content, mode) {
  if (existsSync(path) && !force) {
    process.stdout.write(`kept    ${path}\n`);
    return false;
  }
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  process.stdout.write(`wrote   ${path}\n`);
  return true;
}

// Hex only, so the password needs no escaping inside DATABASE_URL. deploy/.env always follows
// the password file, so the two cannot disagree.
const pgPasswordPath = join(secretsDir, 'postgres-password');
write(pgPasswordPath, randomBytes(24).toString('hex'), 0o644);
const pgPassword = readFileSync(pgPasswordPath, 'utf8').trim();
const envPath = join(deployDir, '.env');
writeFileSync(
  envPath,
  `# Made by scripts/init-local-secrets.mjs; git-ignored.\nPOSTGRES_PASSWORD=${pgPassword}\n`,
  { mode: 0o600 },
);
process.stdout.write(`wrote   ${envPath}\n`);

write(join(secretsDir, 'approval-key'), randomBytes(48).toString('base64url'), 0o644);
write(join(secretsDir, 'audit-key'), randomBytes(48).toString('base64url'), 0o644);

const keys = [];
const records = PEOPLE.map((p) => {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  keys.push({ principal: p.principal, roles: p.roles, key: `pk_${id}_${secret}` });
  return { id, hash: `sha256:${createHash('sha256').update(secret).digest('hex')}`, ...p };
});
if (write(join(secretsDir, 'api-keys.json'), `${JSON.stringify(records, null, 2)}\n`, 0o644)) {
  process.stdout.write('\nAPI keys (shown once; send as "Authorization: Bearer <key>"):\n');
  for (const k of keys) process.stdout.write(`  ${k.principal} (${k.roles.join(', ')}): ${k.key}\n`);
}

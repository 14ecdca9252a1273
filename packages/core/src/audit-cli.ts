#!/usr/bin/env node
/**
 * portcullis-audit verify [--file PATH | --database-url URL] [--key REF] [--public-key FILE] [--anchor SPEC]
 * portcullis-audit public-key [--key REF]
 * Exit codes: 0 intact, 1 tampered, 2 torn tail, 64 usage, 66 the trail could not be read.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  auditKeyFromSecret,
  auditPublicKeyPem,
  readAnchorFile,
  readAnchorTable,
  verifyAuditFile,
  verifyAuditTable,
} from './audit.js';
import type { AuditCheckpoint, AuditKey, VerifyOptions, VerifyResult } from './audit.js';
import { CredentialResolver, databaseUrlOf, isCredentialRef } from './credentials.js';
import { Redactor } from './redact.js';
import { openStore } from './store.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: portcullis-audit verify [--file PATH | --database-url URL] [--key REF] [--public-key FILE] [--anchor SPEC] [--allow-unkeyed N]
       portcullis-audit public-key [--key REF]
  With neither --file nor --database-url the trail named by PORTCULLIS_AUDIT is checked
  (file:PATH, or postgres together with DATABASE_URL).
  --key REF         the audit key (env:NAME, file:/path, aws-sm:id[#key]; default PORTCULLIS_AUDIT_KEY):
                    every record's MAC is checked, so a re-chained trail is caught
  --public-key FILE the checkpoint public key (PEM, from \`portcullis-audit public-key\`): checks the
                    anchor's checkpoint signatures without holding the secret
  --anchor SPEC     file:PATH or postgres (default PORTCULLIS_AUDIT_ANCHOR): checkpoints the trail
                    must still match; records cut off the end are caught
  --allow-unkeyed N with --key: the first N records may carry no MAC (a trail begun before it had
                    a key; default 0, so a trail stripped of its MACs fails)
exit: 0 intact, 1 tampered, 2 torn tail, 64 usage error, 66 trail unreadable`;

const EX_USAGE = 64;
const EX_NOINPUT = 66;

type Target = { file: string } | { databaseUrl: string };

function usageError(io: CliIo, message: string): number {
  io.err(`portcullis-audit: ${message}`);
  io.err(USAGE);
  return EX_USAGE;
}

function report(io: CliIo, result: VerifyResult): number {
  const details = () => {
    if (result.macChecked !== undefined)
      io.out(
        `keyed: ${result.macChecked} record MACs verify${result.unkeyedPrefix ? `; the first ${result.unkeyedPrefix} records predate the audit key (hash chain only)` : ''}`,
      );
    if (result.checkpoints !== undefined)
      io.out(`anchored: ${result.checkpoints} checkpoints match the trail`);
  };
  if (result.firstBad !== undefined) {
    const bad = result.firstBad;
    if (bad.index < 0) io.out(`TAMPERED: ${bad.reason}`);
    else io.out(`TAMPERED at record ${bad.line ?? bad.index + 1} (${bad.id ?? 'unknown id'}): ${bad.reason}`);
    return 1;
  }
  if (result.truncated !== undefined) {
    io.out(
      `TAMPERED: the trail ends at record ${result.truncated.trailSeq} but the anchor holds a checkpoint of record ${result.truncated.anchorSeq} (records were cut off the end)`,
    );
    return 1;
  }
  if (result.ok) {
    io.out(`intact: ${result.records} records, head ${result.lastHash}`);
    details();
    return 0;
  }
  const torn = result.tornTail ?? { bytes: 0, offset: 0 };
  io.out(
    `torn tail: ${result.records} whole records verify; ${torn.bytes} bytes at offset ${torn.offset} are an incomplete record`,
  );
  return 2;
}

/** `argv` is the arguments after the program name. */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli: CliIo = {
    out: io.out ?? ((line) => void process.stdout.write(`${line}\n`)),
    err: io.err ?? ((line) => void process.stderr.write(`${line}\n`)),
    env: io.env ?? process.env,
  };

  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return usageError(cli, err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help === true) {
    cli.out(USAGE);
    return 0;
  }
  const [command, ...rest] = parsed.positionals;
  if (command !== 'verify' && command !== 'public-key')
    return usageError(
      cli,
      command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`,
    );
  if (rest.length > 0) return usageError(cli, `unexpected argument ${JSON.stringify(rest[0])}`);

  const keyRef = parsed.values.key ?? cli.env.PORTCULLIS_AUDIT_KEY;
  let key: AuditKey | undefined;
  if (keyRef !== undefined && keyRef !== '') {
    try {
      key = await resolveKey(keyRef, cli.env);
    } catch (err) {
      cli.err(
        `portcullis-audit: cannot resolve the audit key: ${err instanceof Error ? err.message : String(err)}`,
      );
      return EX_NOINPUT;
    }
  }
  if (command === 'public-key') {
    if (key === undefined) return usageError(cli, 'public-key needs --key or PORTCULLIS_AUDIT_KEY');
    cli.out(auditPublicKeyPem(key).trimEnd());
    return 0;
  }
  let publicKey: KeyObject | undefined;
  if (parsed.values['public-key'] !== undefined) {
    try {
      publicKey = createPublicKey(readFileSync(parsed.values['public-key'], 'utf8'));
    } catch (err) {
      cli.err(
        `portcullis-audit: cannot read the public key ${parsed.values['public-key']}: ${(err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))}`,
      );
      return EX_NOINPUT;
    }
  }
  const anchorSpec = (parsed.values.anchor ?? cli.env.PORTCULLIS_AUDIT_ANCHOR)?.trim();
  if (anchorSpec !== undefined && anchorSpec !== '' && !/^(file:.+|postgres)$/.test(anchorSpec))
    return usageError(cli, '--anchor (or PORTCULLIS_AUDIT_ANCHOR) must be file:PATH or postgres');

  const { file, 'database-url': databaseUrl } = parsed.values;
  let target: Target;
  if (file !== undefined && databaseUrl !== undefined)
    return usageError(cli, 'give --file or --database-url, not both');
  if (file !== undefined) target = { file };
  else if (databaseUrl !== undefined) target = { databaseUrl };
  else {
    const spec = cli.env.PORTCULLIS_AUDIT?.trim();
    if (spec === undefined || spec === '')
      return usageError(cli, 'no --file or --database-url, and PORTCULLIS_AUDIT is not set');
    if (spec.startsWith('file:') && spec.length > 'file:'.length)
      target = { file: spec.slice('file:'.length) };
    else if (spec === 'postgres') {
      const url = cli.env.DATABASE_URL;
      if (url === undefined || url === '')
        return usageError(cli, 'PORTCULLIS_AUDIT=postgres but DATABASE_URL is not set');
      target = { databaseUrl: url };
    } else
      return usageError(cli, 'PORTCULLIS_AUDIT names nothing to verify (expected file:PATH or postgres)');
  }

  // DATABASE_URL may be a credential reference, as it may for the servers.
  if ('databaseUrl' in target && isCredentialRef(target.databaseUrl)) {
    try {
      target = { databaseUrl: (await databaseUrlOf({ ...cli.env, DATABASE_URL: target.databaseUrl }))! };
    } catch (err) {
      cli.err(`portcullis-audit: cannot resolve DATABASE_URL: ${(err as Error).message}`);
      return EX_NOINPUT;
    }
  }
  const databaseUrlForAnchor = 'databaseUrl' in target ? target.databaseUrl : cli.env.DATABASE_URL;
  let anchor: AuditCheckpoint[] | undefined;
  if (anchorSpec !== undefined && anchorSpec !== '') {
    try {
      anchor = await loadAnchor(
        anchorSpec,
        await databaseUrlOf({ ...cli.env, DATABASE_URL: databaseUrlForAnchor }),
      );
    } catch (err) {
      cli.err(
        `portcullis-audit: cannot read the anchor ${anchorSpec}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return EX_NOINPUT;
    }
  }
  const allowUnkeyed = parsed.values['allow-unkeyed'];
  if (allowUnkeyed !== undefined && !/^\d{1,9}$/.test(allowUnkeyed))
    return usageError(cli, '--allow-unkeyed takes a number of records');
  if (allowUnkeyed !== undefined && key === undefined)
    return usageError(cli, '--allow-unkeyed goes with --key (without a key no MAC is checked)');
  const opts: VerifyOptions = {
    key,
    publicKey,
    anchor,
    ...(allowUnkeyed !== undefined ? { allowUnkeyed: Number(allowUnkeyed) } : {}),
  };

  let result: VerifyResult;
  if ('file' in target) {
    try {
      result = await verifyAuditFile(target.file, opts);
    } catch (err) {
      cli.err(
        `portcullis-audit: cannot read ${target.file}: ${(err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))}`,
      );
      return EX_NOINPUT;
    }
  } else {
    try {
      const store = await openStore({ databaseUrl: target.databaseUrl, poolSize: 1 });
      try {
        result = await verifyAuditTable(store, opts);
      } finally {
        await store.close();
      }
    } catch (err) {
      // The store's messages never contain the URL, so they are safe to print.
      cli.err(
        `portcullis-audit: cannot read the portcullis_audit table: ${err instanceof Error ? err.message : String(err)}`,
      );
      return EX_NOINPUT;
    }
  }
  if (key === undefined && publicKey === undefined && anchor === undefined)
    cli.err(
      'portcullis-audit: note: no audit key (--key or PORTCULLIS_AUDIT_KEY): only the hash chain was checked, which anyone able to write the trail can recompute.',
    );
  return report(cli, result);
}

async function resolveKey(ref: string, env: NodeJS.ProcessEnv): Promise<AuditKey> {
  const resolver = new CredentialResolver({
    redactor: new Redactor(),
    logger: pino({ level: 'silent' }),
    env,
  });
  try {
    const secret = await resolver.get(ref, 'PORTCULLIS_AUDIT_KEY');
    if (secret.length < 32) throw new Error('PORTCULLIS_AUDIT_KEY must resolve to at least 32 characters.');
    return auditKeyFromSecret(secret);
  } finally {
    resolver.close();
  }
}

async function loadAnchor(spec: string, databaseUrl: string | undefined): Promise<AuditCheckpoint[]> {
  if (spec.startsWith('file:')) return readAnchorFile(spec.slice('file:'.length));
  if (databaseUrl === undefined || databaseUrl === '')
    throw new Error('an anchor in postgres needs --database-url or DATABASE_URL');
  const store = await openStore({ databaseUrl, poolSize: 1 });
  try {
    return await readAnchorTable(store);
  } finally {
    await store.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: 'string' },
      'database-url': { type: 'string' },
      key: { type: 'string' },
      'public-key': { type: 'string' },
      anchor: { type: 'string' },
      'allow-unkeyed': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`portcullis-audit: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}

#!/usr/bin/env node
/**
 * portcullis-audit verify [--file PATH | --database-url URL]
 * Exit codes: 0 intact, 1 tampered, 2 torn tail, 64 usage, 66 the trail could not be read.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyAuditFile, verifyAuditTable } from './audit.js';
import type { VerifyResult } from './audit.js';
import { openStore } from './store.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: portcullis-audit verify [--file PATH | --database-url URL]
  With neither option the trail named by PORTCULLIS_AUDIT is checked
  (file:PATH, or postgres together with DATABASE_URL).
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
  if (result.ok) {
    io.out(`intact: ${result.records} records, head ${result.lastHash}`);
    return 0;
  }
  if (result.firstBad !== undefined) {
    const bad = result.firstBad;
    io.out(`TAMPERED at record ${bad.line ?? bad.index + 1} (${bad.id ?? 'unknown id'}): ${bad.reason}`);
    return 1;
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
  if (command !== 'verify')
    return usageError(
      cli,
      command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`,
    );
  if (rest.length > 0) return usageError(cli, `unexpected argument ${JSON.stringify(rest[0])}`);

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

  let result: VerifyResult;
  if ('file' in target) {
    try {
      result = await verifyAuditFile(target.file);
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
        result = await verifyAuditTable(store);
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
  return report(cli, result);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: 'string' },
      'database-url': { type: 'string' },
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

import { createReadStream, statSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { ConfigError, dataDirOf, databaseUrlOf, migrate, openStore, PortcullisError } from '@portcullis/core';
import { prepareDataDir, STORE_EXTENSIONS, type Store } from '@portcullis/core/store';
import { FileError, FORMATS, importFindings, UPKEEP_WARNING, type Format } from './importers/importer.js';
import { RecordError } from './importers/normalize.js';
import { migrations } from './migrations.js';

const NAME = 'portcullis-posture-read import';

/**
 * The store the import and sync commands write to: PORTCULLIS_DATA_DIR's embedded store (its lock
 * taken: refused, in one line naming the holder, while a server has it) or DATABASE_URL (beside the
 * servers, on its own writable connection). Throws an Error whose message is safe to print.
 */
export async function openWritableStore(env: NodeJS.ProcessEnv): Promise<Store> {
  const dataDir = dataDirOf(env, 'posture-read');
  // Process-wide: a worker thread (runImportInWorker) has it set by its parent, before it starts.
  if (isMainThread) process.umask(0o077);
  try {
    // A credential reference (aws-sm:, file:, env:) is resolved as the servers resolve it.
    const databaseUrl = await databaseUrlOf(env);
    if (databaseUrl === undefined) prepareDataDir(dataDir);
    // Every extension: posture-read's own (its text index) and those of the other systems' tables a
    // broker's directory may hold, so the upkeep can vacuum their indexes too.
    return await openStore(
      databaseUrl === undefined ? { dataDir, extensions: STORE_EXTENSIONS } : { databaseUrl },
    );
  } catch (err) {
    throw new Error(
      err instanceof ConfigError || err instanceof PortcullisError ? err.message : 'could not open the store',
    );
  }
}

export const IMPORT_USAGE = `Usage: portcullis-posture-read import --tenant T [--format ocsf|sarif|asff|auto] [--account ID] [--dry-run] FILE|-

Imports the findings a scanner wrote (OCSF 1.x as Prowler writes it, SARIF 2.1.0 from Trivy,
Checkov, Semgrep and other code/IaC scanners, or ASFF from Security Hub and Prowler) into the
store, in one transaction per file: a malformed record stops the file and nothing from it is kept.
Re-importing updates last-seen and status and appends history; it never duplicates a finding.

  --tenant   the tenant the findings belong to (required)
  --format   ocsf, sarif, asff, or auto (default: told from the start of the file)
  --account  the cloud account SARIF findings are filed under (code scanners name none)
  --dry-run  report what would change, change nothing
  FILE       the file, or - for standard input

Uses PORTCULLIS_DATA_DIR (the embedded store; refused while a server holds it) or DATABASE_URL.`;

interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** `portcullis-posture-read import ...`: returns the exit code (0 ok, 1 refused or failed, 64 usage). */
export async function runImportCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const fail = (msg: string, code = 1): number => {
    io.stderr.write(`${NAME}: ${msg}\n`);
    return code;
  };
  let values: { tenant?: string; format?: string; account?: string; 'dry-run'?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        format: { type: 'string', default: 'auto' },
        account: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${IMPORT_USAGE}`, 64);
  }
  if (values.help) {
    io.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const tenant = values.tenant ?? '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant))
    return fail('--tenant is required (letters, digits, . _ -)', 64);
  const format = values.format ?? 'auto';
  if (format !== 'auto' && !(FORMATS as readonly string[]).includes(format))
    return fail(`--format must be ocsf, sarif, asff or auto, not '${format}'`, 64);
  if (values.account !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(values.account))
    return fail('--account must be an account id (letters, digits, . _ : -)', 64);
  if (positionals.length !== 1)
    return fail(`name exactly one FILE (or - for standard input)\n${IMPORT_USAGE}`, 64);
  const file = positionals[0]!;
  let size: number | null = null;
  if (file !== '-') {
    try {
      size = statSync(file).size;
    } catch {
      return fail(`cannot read ${file}`);
    }
  }

  let store;
  try {
    store = await openWritableStore(env);
  } catch (err) {
    return fail(err instanceof Error ? err.message : 'could not open the store');
  }
  const tty = io.stderr.isTTY === true;
  let read = 0;
  const source: Readable = file === '-' ? (io.stdin as Readable) : createReadStream(file);
  // Counts bytes on their way to the parser, for the progress bar.
  const input = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      done(null, chunk);
    },
  });
  source.on('error', (err: Error) => input.destroy(err));
  source.pipe(input);
  const progress = (records: number): void => {
    if (!tty) return;
    const width = 30;
    const frac = size ? Math.min(1, read / size) : 0;
    const bar = size
      ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${Math.round(frac * 100)}% `
      : '';
    io.stderr.write(`\r${bar}${records.toLocaleString('en')} findings`);
  };
  try {
    await migrate(store, 'posture-read', migrations);
    const res = await importFindings(store, input, {
      tenant,
      format: format as Format | 'auto',
      sourceName: file,
      dryRun: values['dry-run'],
      account: values.account,
      onProgress: progress,
    });
    if (tty) io.stderr.write('\n');
    const c = res.counts;
    io.stdout.write(
      `${res.dryRun ? 'dry run (nothing changed): would import' : 'imported'} ${res.records} ${res.format.toUpperCase()} findings from ${file} into tenant ${tenant}${res.dryRun ? '' : ` (batch ${res.batch})`}: new ${c.new}, updated ${c.updated}, unchanged ${c.unchanged}, resolved ${c.resolved}\n`,
    );
    if (res.upkeepError !== undefined) io.stderr.write(`${NAME}: ${UPKEEP_WARNING} (${res.upkeepError})\n`);
    return 0;
  } catch (err) {
    if (tty) io.stderr.write('\n');
    if (err instanceof RecordError || err instanceof FileError)
      return fail(`${err.message}; nothing from ${file} was kept`);
    return fail(
      `the import failed and nothing from ${file} was kept (${err instanceof Error ? err.message.slice(0, 200) : 'error'})`,
    );
  } finally {
    await store.close();
  }
}

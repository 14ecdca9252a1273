import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, dataDirOf, databaseUrlOf, migrate, openStore, PortcullisError } from '@portcullis/core';
import { prepareDataDir, STORE_EXTENSIONS, type Store } from '@portcullis/core/store';
import type { KillSwitchState } from './engine.js';
import { remediationMigrations } from './migrations.js';

const NAME = 'portcullis-remediation-write kill-switch';

export const KILL_SWITCH_USAGE = `Usage: portcullis-remediation-write kill-switch on|off|status [--reason TEXT]

Engages (on) or releases (off) the remediation kill switch in the store, or shows it (status).
While it is on, every apply and rollback of every replica on the same store is refused with
kill_switch_engaged; plans are still allowed. on and off need --reason, recorded with who changed it.

Uses DATABASE_URL (the PostgreSQL the replicas share) or PORTCULLIS_DATA_DIR's embedded store
(refused while a server holds it: use POST /admin/kill-switch on the running server instead).`;

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

async function openCliStore(env: NodeJS.ProcessEnv): Promise<Store> {
  const dataDir = dataDirOf(env, 'remediation-write');
  try {
    // A credential reference (aws-sm:, file:, env:) is resolved as the servers resolve it.
    const databaseUrl = await databaseUrlOf(env);
    if (databaseUrl === undefined) prepareDataDir(dataDir);
    // The directory may be a broker's, holding other systems' tables: every extension, so its upkeep
    // can vacuum their indexes too.
    return await openStore(
      databaseUrl === undefined ? { dataDir, extensions: STORE_EXTENSIONS } : { databaseUrl },
    );
  } catch (err) {
    throw new Error(
      err instanceof ConfigError || err instanceof PortcullisError ? err.message : 'could not open the store',
    );
  }
}

function describe(s: KillSwitchState): string {
  return s.changed_at === null
    ? 'kill switch: off (never engaged)'
    : `kill switch: ${s.engaged ? 'ON (applies and rollbacks refused)' : 'off'}; ${s.reason} (by ${s.changed_by} at ${s.changed_at})`;
}

/** `portcullis-remediation-write kill-switch ...`: the exit code (0 ok, 1 failed, 64 usage). */
export async function runKillSwitchCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const fail = (msg: string, code = 1): number => {
    io.stderr.write(`${NAME}: ${msg}\n`);
    return code;
  };
  let values: { reason?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { reason: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${KILL_SWITCH_USAGE}`, 64);
  }
  if (values.help) {
    io.stdout.write(`${KILL_SWITCH_USAGE}\n`);
    return 0;
  }
  const command = positionals[0];
  if (positionals.length !== 1 || (command !== 'on' && command !== 'off' && command !== 'status'))
    return fail(`say on, off or status\n${KILL_SWITCH_USAGE}`, 64);
  const reason = values.reason?.trim() ?? '';
  if (command !== 'status' && (reason.length < 3 || reason.length > 500))
    return fail('--reason is required for on and off (3 to 500 characters)', 64);
  let store: Store;
  try {
    store = await openCliStore(env);
  } catch (err) {
    return fail((err as Error).message);
  }
  try {
    await migrate(store, 'remediation-write', remediationMigrations);
    if (command !== 'status') {
      let by = 'cli';
      try {
        by = `cli:${userInfo().username}`;
      } catch {
        // no user name (containers): "cli" it is
      }
      await store.query(
        `INSERT INTO remediation_kill_switch (id, engaged, reason, changed_by, changed_at) VALUES (1, $1, $2, $3, now())
         ON CONFLICT (id) DO UPDATE SET engaged = EXCLUDED.engaged, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at`,
        [command === 'on', reason, by],
      );
    }
    const res = await store.query<{
      engaged: boolean;
      reason: string;
      changed_by: string;
      changed_at: Date | string;
    }>('SELECT engaged, reason, changed_by, changed_at FROM remediation_kill_switch WHERE id = 1');
    const row = res.rows[0];
    io.stdout.write(
      `${describe(
        row === undefined
          ? { engaged: false, reason: 'never engaged', changed_by: '', changed_at: null }
          : {
              engaged: row.engaged,
              reason: row.reason,
              changed_by: row.changed_by,
              changed_at: new Date(row.changed_at).toISOString(),
            },
      )}\n`,
    );
    return 0;
  } catch (err) {
    return fail(
      `could not ${command === 'status' ? 'read' : 'set'} the kill switch (${err instanceof Error ? err.message.slice(0, 200) : 'error'})`,
    );
  } finally {
    await store.close();
  }
}

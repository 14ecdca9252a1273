import { Readable } from 'node:stream';
import { migrate, openStore, type Store } from '@portcullis/core/store';
import { migrations } from '../src/migrations.js';

/** An OCSF Detection Finding as Prowler writes it, small, numbered. */
export function ocsfFinding(
  i: number,
  over: { status_code?: string; account?: string } = {},
): Record<string, unknown> {
  const account = over.account ?? ['111111111111', '222222222222', '333333333333'][i % 3]!;
  return {
    message: `Generated finding ${i}`,
    metadata: {
      event_code: `generated_check_${i % 50}`,
      product: { name: 'Prowler', vendor_name: 'Prowler' },
      version: '1.4.0',
    },
    severity_id: 1 + (i % 5),
    severity: ['Informational', 'Low', 'Medium', 'High', 'Critical'][i % 5],
    status_code: over.status_code ?? 'FAIL',
    status_detail: `detail ${i}`,
    unmapped: { compliance: { 'CIS-3.0': [`${1 + (i % 5)}.${i % 7}`] } },
    finding_info: {
      uid: `gen-${i}`,
      title: `Generated check ${i % 50}`,
      desc: 'A generated finding.',
      created_time: 1764460800,
    },
    resources: [
      {
        region: 'us-east-1',
        name: `res-${i % 5000}`,
        type: 'AwsS3Bucket',
        uid: `arn:aws:s3:::gen-${account}-${i % 5000}`,
      },
    ],
    class_uid: 2004,
    cloud: { account: { uid: account }, provider: 'aws', region: 'us-east-1' },
    time: 1764460800 + i,
  };
}

/** A JSON array of `n` generated findings, produced as it is read (never whole in memory). */
export function ocsfStream(n: number, over: (i: number) => { status_code?: string } = () => ({})): Readable {
  async function* gen(): AsyncGenerator<string> {
    yield '[';
    const batch: string[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(`${i === 0 ? '' : ','}${JSON.stringify(ocsfFinding(i, over(i)))}`);
      if (batch.length === 500) yield batch.splice(0).join('');
    }
    if (batch.length > 0) yield batch.join('');
    yield ']';
  }
  return Readable.from(gen(), { objectMode: false });
}

/**
 * A database of its own (dropped first if a run before left it) on the suite's PostgreSQL server,
 * migrated for posture-read (by `list`: all of its migrations unless told).
 */
export async function postureDatabase(serverUrl: string, db: string, list = migrations): Promise<Store> {
  const admin = await openStore({ databaseUrl: serverUrl });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`CREATE DATABASE ${db}`);
  } finally {
    await admin.close();
  }
  const store = await openStore({ databaseUrl: postureDatabaseUrl(serverUrl, db) });
  await migrate(store, 'posture-read', list);
  return store;
}

/** The address of postureDatabase's database `db` (for another connection to it). */
export function postureDatabaseUrl(serverUrl: string, db: string): string {
  return serverUrl.replace(/\/postgres$/, `/${db}`);
}

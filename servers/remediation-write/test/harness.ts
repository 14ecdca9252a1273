import { startInProcess } from '@portcullis/core/testing';
import type { InProcessClient, InProcessHarness } from '@portcullis/core/testing';
import type { SimulatedBackend } from '../src/simulated.js';
import { createRemediationServer } from '../src/index.js';
import type { RemediationEngine } from '../src/engine.js';
import { DEMO_STORY } from '../src/seed.js';

export { DEMO_STORY };

/** A clock the tests move by hand (no timings): starts at a fixed Wednesday, 10:00 UTC. */
export interface Clock {
  now: number;
}

export const WEDNESDAY_10 = Date.parse('2026-12-02T10:00:00Z');

export interface Remediation {
  h: InProcessHarness<RemediationEngine>;
  clock: Clock;
  engine: RemediationEngine;
  sim: SimulatedBackend;
  responder: InProcessClient;
  approver: InProcessClient;
  as(id: string, roles: string[], tenant?: string): Promise<InProcessClient>;
  close(): Promise<void>;
}

/** The server in-process (real SDK client, PGlite store, demo cloud seeded) with a hand-moved clock. */
export async function startRemediation(
  env: Record<string, string> = {},
  start = Date.now(),
  /** An earlier server's data directory, to start again on its store (a restart). */
  dataDir?: string,
): Promise<Remediation> {
  const clock: Clock = { now: start };
  const h = await startInProcess(createRemediationServer({ now: () => clock.now }), {
    principal: { id: 'root', roles: ['admin'], tenant: 'acme' },
    env,
    ...(dataDir !== undefined ? { dataDir } : {}),
  });
  const engine = h.runtime.surfaces[0]!.backend as unknown as RemediationEngine;
  const responder = await h.as({ id: 'riley', roles: ['responder'], tenant: 'acme' });
  const approver = await h.as({ id: 'alex', roles: ['approver'], tenant: 'acme' });
  return {
    h,
    clock,
    engine,
    sim: engine.backend as SimulatedBackend,
    responder,
    approver,
    as: (id, roles, tenant = 'acme') => h.as({ id, roles, tenant }),
    close: () => h.close(),
  };
}

export const bucketPlan = {
  action: 's3_block_public_access',
  account: DEMO_STORY.account,
  region: DEMO_STORY.region,
  resource: DEMO_STORY.publicBucket,
  params: {},
  finding_id: 'prowler-aws-s3_bucket_level_public_access_block-111111111111-us-east-1-acme-prod-exports',
  reason: 'Public bucket with customer exports',
};

/** A staging change a responder applies directly. */
export const stagingPlan = {
  action: 'ec2_revoke_public_ingress',
  account: DEMO_STORY.staging,
  region: 'us-east-1',
  resource: 'sg-0d1e2f3a4b5c60731',
  params: { port: 22 },
};

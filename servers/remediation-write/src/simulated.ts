import type { Queryable, Store } from '@portcullis/core/store';
import { BackendError } from './backend.js';
import type { ActionName, RemediationBackend, Target, TargetState } from './backend.js';
import { DEMO_ACCOUNTS, SEED_VERSION, demoResources, type SimKind } from './seed.js';

/**
 * The simulated backend: a model of the tenants' AWS accounts in the kit's store (PGlite by
 * default, PostgreSQL with DATABASE_URL), so the whole plan → approve → apply → verify → rollback
 * flow runs with no cloud. It keeps each resource's whole configuration and answers reads in the
 * contract's state shapes, exactly as the AWS backend derives them from the real APIs.
 */

interface Rule {
  protocol: string;
  from_port: number;
  to_port: number;
  cidr: string;
}

const PUBLIC_CIDRS = new Set(['0.0.0.0/0', '::/0']);

const KIND_OF: Record<ActionName, SimKind> = {
  s3_block_public_access: 'bucket',
  s3_enable_default_encryption: 'bucket',
  ec2_revoke_public_ingress: 'security_group',
  iam_deactivate_access_key: 'access_key',
  ec2_quarantine_instance: 'instance',
};

export function sortRules(rules: Rule[]): Rule[] {
  return [...rules].sort(
    (a, b) =>
      a.protocol.localeCompare(b.protocol) ||
      a.from_port - b.from_port ||
      a.to_port - b.to_port ||
      a.cidr.localeCompare(b.cidr),
  );
}

/** Whether an ingress rule opens `port` to the whole internet (protocol -1 is every port). */
export function coversPublicly(r: Rule, port: number): boolean {
  return PUBLIC_CIDRS.has(r.cidr) && (r.protocol === '-1' || (r.from_port <= port && port <= r.to_port));
}

const ruleKey = (r: Rule): string => `${r.protocol}|${r.from_port}|${r.to_port}|${r.cidr}`;

interface Row {
  region: string;
  state: unknown;
}

const parse = (v: unknown): Record<string, unknown> =>
  (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

export class SimulatedBackend implements RemediationBackend {
  readonly kind = 'simulated' as const;

  constructor(private readonly store: Store) {}

  /** Seeds the demo accounts and cloud once; a marker row makes restarts (and racing replicas) skip it. */
  static async create(store: Store, opts: { seed: boolean }): Promise<SimulatedBackend> {
    const backend = new SimulatedBackend(store);
    if (opts.seed) await backend.seed();
    return backend;
  }

  private async seed(): Promise<void> {
    await this.store.transaction(async (tx) => {
      const marker = await tx.query(
        'INSERT INTO remediation_seed (version, seeded_at) VALUES ($1, now()) ON CONFLICT (version) DO NOTHING RETURNING version',
        [SEED_VERSION],
      );
      if (marker.rows.length === 0) return;
      for (const a of DEMO_ACCOUNTS) {
        // origin demo: REMEDIATION_ACCOUNTS, which leaves these out, does not remove them.
        await tx.query(
          "INSERT INTO remediation_accounts (account, tenant, name, environment, change_mode, origin) VALUES ($1, $2, $3, $4, $5, 'demo') ON CONFLICT DO NOTHING",
          [a.account, a.tenant, a.name, a.environment, a.change_mode],
        );
      }
      for (const r of demoResources()) {
        await tx.query(
          'INSERT INTO remediation_sim_resources (account, kind, id, region, state) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING',
          [r.account, r.kind, r.id, r.region, JSON.stringify(r.state)],
        );
      }
    });
  }

  private async load(q: Queryable, target: Target, kind: SimKind, lock = false): Promise<Row> {
    const res = await q.query<Row>(
      `SELECT r.region, r.state FROM remediation_sim_resources r
         JOIN remediation_accounts a ON a.account = r.account
        WHERE r.account = $1 AND r.kind = $2 AND r.id = $3 AND a.tenant = $4${lock ? ' FOR UPDATE OF r' : ''}`,
      [target.account, kind, target.resource, target.tenant],
    );
    const row = res.rows[0];
    // IAM is global; everything else lives in one region.
    if (row === undefined || (row.region !== 'global' && row.region !== target.region))
      throw new BackendError(
        'not_found',
        `No ${kind.replace('_', ' ')} ${target.resource} in account ${target.account} (${target.region}).`,
      );
    return row;
  }

  async read(target: Target): Promise<TargetState> {
    const row = await this.load(this.store, target, KIND_OF[target.action]);
    return this.project(target, parse(row.state));
  }

  /** The contract's state shape for the action, from the resource's whole configuration. */
  private project(target: Target, s: Record<string, unknown>): TargetState {
    switch (target.action) {
      case 's3_block_public_access':
        return { bucket: target.resource, public_access_block: s.public_access_block ?? null };
      case 's3_enable_default_encryption':
        return { bucket: target.resource, encryption: s.encryption ?? null };
      case 'ec2_revoke_public_ingress': {
        const port = Number(target.params.port);
        const rules = (s.ingress as Rule[]).filter((r) => coversPublicly(r, port));
        return { group_id: target.resource, port, public_rules: sortRules(rules) };
      }
      case 'iam_deactivate_access_key': {
        if (s.user !== target.params.user)
          throw new BackendError(
            'not_found',
            `Access key ${target.resource} does not belong to user ${String(target.params.user)}.`,
          );
        return { user: s.user, access_key_id: target.resource, status: s.status };
      }
      case 'ec2_quarantine_instance':
        return {
          instance_id: target.resource,
          security_groups: [...(s.security_groups as string[])].sort(),
        };
    }
  }

  async write(target: Target, from: TargetState, to: TargetState): Promise<void> {
    const kind = KIND_OF[target.action];
    await this.store.transaction(async (tx) => {
      const row = await this.load(tx, target, kind, true);
      // A forced fault: the call "succeeds" but the change does not stick (what verification catches).
      const fault = await tx.query(
        'UPDATE remediation_sim_faults SET remaining = remaining - 1 WHERE account = $1 AND resource = $2 AND remaining > 0 RETURNING remaining',
        [target.account, target.resource],
      );
      if (fault.rows.length > 0) return;
      const s = parse(row.state);
      let next: Record<string, unknown>;
      switch (target.action) {
        case 's3_block_public_access':
          next = { ...s, public_access_block: to.public_access_block ?? null };
          break;
        case 's3_enable_default_encryption':
          next = { ...s, encryption: to.encryption ?? null };
          break;
        case 'ec2_revoke_public_ingress': {
          const fromKeys = new Set((from.public_rules as Rule[]).map(ruleKey));
          const toRules = to.public_rules as Rule[];
          const toKeys = new Set(toRules.map(ruleKey));
          const kept = (s.ingress as Rule[]).filter(
            (r) => !(fromKeys.has(ruleKey(r)) && !toKeys.has(ruleKey(r))),
          );
          const have = new Set(kept.map(ruleKey));
          for (const r of toRules) if (!fromKeys.has(ruleKey(r)) && !have.has(ruleKey(r))) kept.push(r);
          next = { ...s, ingress: kept };
          break;
        }
        case 'iam_deactivate_access_key':
          next = { ...s, status: to.status };
          break;
        case 'ec2_quarantine_instance': {
          for (const g of to.security_groups as string[]) {
            const exists = await tx.query(
              "SELECT 1 FROM remediation_sim_resources WHERE account = $1 AND kind = 'security_group' AND id = $2",
              [target.account, g],
            );
            if (exists.rows.length === 0)
              throw new BackendError(
                'invalid_target',
                `Security group ${g} does not exist in ${target.account}.`,
              );
          }
          next = { ...s, security_groups: [...(to.security_groups as string[])] };
          break;
        }
      }
      await tx.query(
        'UPDATE remediation_sim_resources SET state = $4::jsonb WHERE account = $1 AND kind = $2 AND id = $3',
        [target.account, kind, target.resource, JSON.stringify(next)],
      );
    });
  }

  /**
   * An out-of-band change, as when someone edits the resource in the console: the whole stored
   * configuration of one resource is replaced (tests use it to make a plan's target drift).
   */
  async setResourceState(
    account: string,
    kind: SimKind,
    id: string,
    state: Record<string, unknown>,
  ): Promise<void> {
    const res = await this.store.query(
      'UPDATE remediation_sim_resources SET state = $4::jsonb WHERE account = $1 AND kind = $2 AND id = $3 RETURNING id',
      [account, kind, id, JSON.stringify(state)],
    );
    if (res.rows.length === 0) throw new BackendError('not_found', `No ${kind} ${id} in account ${account}.`);
  }

  /** The whole stored configuration of one resource (null when absent). */
  async resourceState(account: string, kind: SimKind, id: string): Promise<Record<string, unknown> | null> {
    const res = await this.store.query<{ state: unknown }>(
      'SELECT state FROM remediation_sim_resources WHERE account = $1 AND kind = $2 AND id = $3',
      [account, kind, id],
    );
    const row = res.rows[0];
    return row === undefined ? null : parse(row.state);
  }

  /** Makes the next `times` writes to one resource report success without changing it (verification then fails). */
  async forceWriteFailures(account: string, resource: string, times = 1): Promise<void> {
    await this.store.query(
      `INSERT INTO remediation_sim_faults (account, resource, remaining) VALUES ($1, $2, $3)
       ON CONFLICT (account, resource) DO UPDATE SET remaining = EXCLUDED.remaining`,
      [account, resource, times],
    );
  }
}

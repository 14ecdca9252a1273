/**
 * Approvals for writes with consequences (docs/architecture.md section 4): plan, approve, apply.
 *
 * A plan freezes the canonical arguments of a tool call and their hash. An approver (never the
 * requester) approves it and receives a signed token bound to that hash; apply verifies the token
 * and consumes it exactly once, inside a transaction that locks the plan row. The service is
 * generic: billing refunds and remediation actions both use it. Who may approve, cancel or apply
 * is policy (Cedar) and belongs to the caller; the invariants that must hold whatever policy says
 * (self-approval, single use, expiry, tenant, argument binding) are enforced here.
 */
import { randomUUID } from 'node:crypto';
import { canonicalHash, canonicalJson } from './canonical.js';
import { ConfigError, PortcullisError } from './errors.js';
import { loadJose } from './lazy.js';
import type { Migration, Queryable, Store } from './store.js';

const PLAN_ID = /^plan_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type PlanStatus = 'pending' | 'approved' | 'applied' | 'cancelled';

export interface Plan {
  id: string;
  server: string;
  tool: string;
  tenant: string;
  requester: string;
  arguments: unknown;
  args_hash: string;
  target_version: string | null;
  policies: string[];
  status: PlanStatus;
  approver: string | null;
  approval_id: string | null;
  created_at: string;
  expires_at: string;
  result?: unknown;
}

export interface PlanActor {
  id: string;
  tenant: string;
}

export interface ApprovalServiceOptions {
  store: Store;
  serverName: string;
  /** HMAC key for approval tokens; at least 32 bytes. Every replica must share it. */
  signingKey: Uint8Array;
  /** How long a plan waits for approval and application (default 24 hours). */
  planTtlMs?: number;
  /** How long an approval token is valid, capped by the plan's own expiry (default 15 minutes). */
  tokenTtlMs?: number;
  now?: () => number;
}

export interface ConsumeOptions {
  /**
   * Apply a plan someone else requested (an administrator's override, a separate audited action).
   * Without it only the requester may apply: an approval token is not a bearer token.
   */
  override?: boolean;
}

/** Run by the kit through migrate(store, 'approvals', approvalMigrations). */
export const approvalMigrations: Migration[] = [
  {
    id: '001_plans',
    sql: `
CREATE TABLE IF NOT EXISTS portcullis_plans (
  id text PRIMARY KEY,
  server text NOT NULL,
  tool text NOT NULL,
  tenant text NOT NULL,
  requester text NOT NULL,
  arguments jsonb NOT NULL,
  args_hash text NOT NULL,
  target_version text,
  policies jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'applied', 'cancelled')),
  approver text,
  approval_id text UNIQUE,
  approved_at timestamptz,
  applied_by text,
  applied_at timestamptz,
  cancelled_by text,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  result jsonb
);
CREATE INDEX IF NOT EXISTS portcullis_plans_tenant_idx ON portcullis_plans (server, tenant, status, created_at);
CREATE TABLE IF NOT EXISTS portcullis_approval_tokens_used (
  jti text PRIMARY KEY,
  plan_id text NOT NULL REFERENCES portcullis_plans (id),
  used_by text NOT NULL,
  used_at timestamptz NOT NULL
);
`,
  },
];

// The kit's one canonical form (also the audit chain's): a plan hashes its arguments with it.
export { canonicalJson };

/** sha256 of the canonical JSON, hex. */
export const argsHash = canonicalHash;

/**
 * Arguments of a tool's open plans (pending or approved, not expired) in one tenant whose
 * arguments contain `match` (JSON containment), read through the caller's transaction: a server
 * counts what is already promised (a refund awaiting approval) against a cumulative limit.
 */
export async function openPlanArguments(
  q: Queryable,
  f: { server: string; tenant: string; tool: string; match: Record<string, unknown>; now: number },
): Promise<unknown[]> {
  const res = await q.query<{ arguments: unknown }>(
    `SELECT arguments FROM portcullis_plans
      WHERE server = $1 AND tenant = $2 AND tool = $3 AND status IN ('pending', 'approved')
        AND expires_at > $4 AND arguments @> $5::jsonb`,
    [f.server, f.tenant, f.tool, new Date(f.now).toISOString(), JSON.stringify(f.match)],
  );
  return res.rows.map((r) => parseJson(r.arguments));
}

interface PlanRow {
  id: string;
  server: string;
  tool: string;
  tenant: string;
  requester: string;
  arguments: unknown;
  args_hash: string;
  target_version: string | null;
  policies: unknown;
  status: PlanStatus;
  approver: string | null;
  approval_id: string | null;
  created_at: Date | string;
  expires_at: Date | string;
  result: unknown;
}

interface TokenClaims {
  plan_id: string;
  args_hash: string;
  approver: string;
  tenant: string;
  jti: string;
}

const PLAN_COLUMNS =
  'id, server, tool, tenant, requester, arguments, args_hash, target_version, policies, status, approver, approval_id, created_at, expires_at, result';

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

// Both drivers parse jsonb, but a value stored as a JSON string literal would come back as text.
function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function toPlan(row: PlanRow): Plan {
  const policies = parseJson(row.policies);
  const plan: Plan = {
    id: row.id,
    server: row.server,
    tool: row.tool,
    tenant: row.tenant,
    requester: row.requester,
    arguments: parseJson(row.arguments),
    args_hash: row.args_hash,
    target_version: row.target_version,
    policies: Array.isArray(policies) ? policies.filter((p): p is string => typeof p === 'string') : [],
    status: row.status,
    approver: row.approver,
    approval_id: row.approval_id,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
  };
  if (row.result !== null && row.result !== undefined) plan.result = parseJson(row.result);
  return plan;
}

function refusal(
  code: string,
  category: 'approval_required' | 'forbidden' | 'conflict' | 'not_found',
  message: string,
  remediation: string,
  details?: Record<string, unknown>,
): PortcullisError {
  return new PortcullisError({ code, category, message, remediation, details, retryable: false });
}

const planNotFound = (planId: string): PortcullisError =>
  refusal(
    'plan_not_found',
    'not_found',
    `Plan ${planId} was not found.`,
    'Check the plan id; plans are visible only inside their own tenant.',
  );

export class ApprovalService {
  private readonly store: Store;
  private readonly server: string;
  private readonly key: Uint8Array;
  private readonly planTtlMs: number;
  private readonly tokenTtlMs: number;
  private readonly now: () => number;
  private readonly issuer: string;
  private readonly audience: string;

  constructor(opts: ApprovalServiceOptions) {
    if (opts.signingKey.byteLength < 32)
      throw new ConfigError('The approval signing key must be at least 32 bytes.');
    this.store = opts.store;
    this.server = opts.serverName;
    // A copy, so a caller that reuses its buffer cannot change the key under us.
    this.key = new Uint8Array(opts.signingKey);
    this.planTtlMs = opts.planTtlMs ?? 24 * 60 * 60 * 1000;
    this.tokenTtlMs = opts.tokenTtlMs ?? 15 * 60 * 1000;
    this.now = opts.now ?? (() => Date.now());
    this.issuer = `portcullis-${opts.serverName}`;
    this.audience = `portcullis-${opts.serverName}/approvals`;
  }

  async createPlan(input: {
    /** A plan id the caller chose (`plan_` + UUID), when it names the plan before recording it. */
    id?: string;
    tool: string;
    tenant: string;
    requester: string;
    args: unknown;
    targetVersion: string | null;
    policies: string[];
  }): Promise<Plan> {
    const now = this.now();
    if (input.id !== undefined && !PLAN_ID.test(input.id))
      throw new Error(`A plan id must be plan_ followed by a UUID, not ${input.id.slice(0, 60)}.`);
    const id = input.id ?? `plan_${randomUUID()}`;
    const canonical = canonicalJson(input.args);
    const res = await this.store.query<PlanRow>(
      `INSERT INTO portcullis_plans (id, server, tool, tenant, requester, arguments, args_hash, target_version, policies, status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, 'pending', $10, $11)
       RETURNING ${PLAN_COLUMNS}`,
      [
        id,
        this.server,
        input.tool,
        input.tenant,
        input.requester,
        canonical,
        argsHash(input.args),
        input.targetVersion,
        JSON.stringify([...input.policies].sort()),
        new Date(now).toISOString(),
        new Date(now + this.planTtlMs).toISOString(),
      ],
    );
    const row = res.rows[0];
    if (row === undefined) throw new Error('Plan insert returned no row.');
    return toPlan(row);
  }

  /** The plan in this server and tenant, or null (another tenant's plan is indistinguishable from none). */
  async get(planId: string, tenant: string): Promise<Plan | null> {
    const res = await this.store.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM portcullis_plans WHERE id = $1 AND server = $2 AND tenant = $3`,
      [planId, this.server, tenant],
    );
    const row = res.rows[0];
    return row === undefined ? null : toPlan(row);
  }

  /**
   * Plans of a tenant, newest first (an approver's queue). `after` is the (created_at, id) of the
   * last plan of the previous page; `openOnly` keeps unexpired pending plans; `excludeRequester`
   * leaves out one principal's own requests (they cannot approve them).
   */
  async list(
    tenant: string,
    opts: {
      status?: PlanStatus;
      limit?: number;
      tool?: string;
      openOnly?: boolean;
      excludeRequester?: string;
      after?: { created_at: string; id: string } | null;
    } = {},
  ): Promise<Plan[]> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
    const res = await this.store.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM portcullis_plans
        WHERE server = $1 AND tenant = $2 AND ($3::text IS NULL OR status = $3)
          AND ($4::text IS NULL OR tool = $4)
          AND ($5::timestamptz IS NULL OR (status = 'pending' AND expires_at > $5::timestamptz))
          AND ($6::text IS NULL OR requester <> $6)
          AND ($7::timestamptz IS NULL OR (created_at, id) < ($7::timestamptz, $8::text))
        ORDER BY created_at DESC, id DESC LIMIT $9`,
      [
        this.server,
        tenant,
        opts.status ?? null,
        opts.tool ?? null,
        opts.openOnly ? new Date(this.now()).toISOString() : null,
        opts.excludeRequester ?? null,
        opts.after?.created_at ?? null,
        opts.after?.id ?? null,
        limit,
      ],
    );
    return res.rows.map(toPlan);
  }

  /**
   * Approver must differ from requester, same tenant, plan pending and unexpired. Returns a signed
   * token (HS256 JWT: plan_id, args_hash, approver, tenant, jti = approval_id, exp) bound to the plan hash.
   */
  async approve(
    planId: string,
    approver: PlanActor,
  ): Promise<{ plan: Plan; approval_token: string; expires_at: string }> {
    const now = this.now();
    const { plan, approvalId, tokenExp } = await this.store.transaction(async (tx) => {
      const current = await this.lockPlan(tx, planId, approver.tenant);
      if (current.requester === approver.id) {
        throw refusal(
          'self_approval',
          'forbidden',
          'A plan cannot be approved by the principal that requested it.',
          'Ask a different principal holding the approver role to approve this plan.',
          {
            plan_id: planId,
          },
        );
      }
      this.assertOpen(current, now);
      if (current.status !== 'pending') {
        throw refusal(
          'plan_not_pending',
          'conflict',
          `Plan ${planId} is already ${current.status}.`,
          'Only a pending plan can be approved; request a new plan if needed.',
          {
            plan_id: planId,
            status: current.status,
          },
        );
      }
      const id = `apr_${randomUUID()}`;
      const res = await tx.query<PlanRow>(
        `UPDATE portcullis_plans SET status = 'approved', approver = $2, approval_id = $3, approved_at = $4
          WHERE id = $1 RETURNING ${PLAN_COLUMNS}`,
        [planId, approver.id, id, new Date(now).toISOString()],
      );
      const row = res.rows[0];
      if (row === undefined) throw planNotFound(planId);
      const updated = toPlan(row);
      return {
        plan: updated,
        approvalId: id,
        tokenExp: Math.min(now + this.tokenTtlMs, Date.parse(updated.expires_at)),
      };
    });
    const { SignJWT } = await loadJose();
    const token = await new SignJWT({
      plan_id: plan.id,
      args_hash: plan.args_hash,
      approver: approver.id,
      tenant: plan.tenant,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(approver.id)
      .setJti(approvalId)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(tokenExp / 1000))
      .sign(this.key);
    return {
      plan,
      approval_token: token,
      expires_at: new Date(Math.floor(tokenExp / 1000) * 1000).toISOString(),
    };
  }

  /**
   * Verifies signature, expiry, plan id and argument binding, then consumes the token once
   * (approved → applied under SELECT ... FOR UPDATE). The caller executes the plan afterwards and
   * reports with recordResult (or release when execution failed and may be retried).
   */
  async consume(planId: string, token: string, applier: PlanActor, opts: ConsumeOptions = {}): Promise<Plan> {
    const now = this.now();
    const claims = await this.verifyToken(token, now);
    return this.store.transaction(async (tx) => {
      const plan = await this.lockPlan(tx, planId, applier.tenant);
      if (claims.tenant !== plan.tenant) {
        throw refusal(
          'approval_token_invalid',
          'approval_required',
          'The approval token was not issued for this tenant.',
          'Apply with the token issued when this plan was approved.',
          {
            plan_id: planId,
          },
        );
      }
      if (plan.requester !== applier.id && opts.override !== true) {
        throw refusal(
          'not_plan_requester',
          'forbidden',
          'Only the principal that requested this plan may apply it.',
          'Hand the approval token back to the requester; an administrator override is a separate action.',
          { plan_id: planId },
        );
      }
      // The stored arguments must still hash to the recorded hash: an edited row is not the approved plan.
      if (claims.args_hash !== plan.args_hash || argsHash(plan.arguments) !== plan.args_hash) {
        throw refusal(
          'plan_arguments_changed',
          'approval_required',
          'The approval token was issued for different arguments than this plan holds.',
          'Request a new plan for these arguments and have it approved.',
          { plan_id: planId },
        );
      }
      if (claims.plan_id !== plan.id) {
        throw refusal(
          'approval_token_invalid',
          'approval_required',
          'The approval token was issued for a different plan.',
          'Apply with the token issued when this plan was approved.',
          {
            plan_id: planId,
          },
        );
      }
      const used = await tx.query<{ jti: string }>(
        'SELECT jti FROM portcullis_approval_tokens_used WHERE jti = $1',
        [claims.jti],
      );
      if (used.rows.length > 0 || plan.status === 'applied') {
        throw refusal(
          'approval_token_replayed',
          'conflict',
          'This approval token has already been used; an approval applies once.',
          'Check the plan with its id; request a new plan to act again.',
          {
            plan_id: planId,
          },
        );
      }
      if (plan.status === 'cancelled') {
        throw refusal(
          'plan_cancelled',
          'conflict',
          `Plan ${planId} was cancelled.`,
          'Request a new plan if the action is still needed.',
          { plan_id: planId },
        );
      }
      if (plan.status !== 'approved' || plan.approval_id !== claims.jti) {
        throw refusal(
          'approval_token_invalid',
          'approval_required',
          'The approval token does not match the approval recorded for this plan.',
          'Apply with the token issued when this plan was approved.',
          {
            plan_id: planId,
          },
        );
      }
      if (Date.parse(plan.expires_at) <= now) {
        throw refusal(
          'plan_expired',
          'conflict',
          `Plan ${planId} expired at ${plan.expires_at}.`,
          'Request a new plan and have it approved.',
          { plan_id: planId },
        );
      }
      const at = new Date(now).toISOString();
      await tx.query(
        'INSERT INTO portcullis_approval_tokens_used (jti, plan_id, used_by, used_at) VALUES ($1, $2, $3, $4)',
        [claims.jti, plan.id, applier.id, at],
      );
      const res = await tx.query<PlanRow>(
        `UPDATE portcullis_plans SET status = 'applied', applied_by = $2, applied_at = $3 WHERE id = $1 RETURNING ${PLAN_COLUMNS}`,
        [plan.id, applier.id, at],
      );
      const row = res.rows[0];
      if (row === undefined) throw planNotFound(planId);
      return toPlan(row);
    });
  }

  /** Stores the outcome of an applied plan (shown by get, cited by audit). */
  async recordResult(planId: string, result: unknown): Promise<void> {
    await this.store.query(
      `UPDATE portcullis_plans SET result = $3::jsonb WHERE id = $1 AND server = $2 AND status = 'applied'`,
      [planId, this.server, JSON.stringify(result ?? null)],
    );
  }

  /**
   * Undoes a consume whose execution failed before acting, so the same token may be presented
   * again until it expires. Safe because execution carries the idempotency key `plan:<id>`: a
   * retry of an execution that did act returns that first result instead of acting twice.
   */
  async release(planId: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const res = await tx.query<{ approval_id: string | null }>(
        `SELECT approval_id FROM portcullis_plans WHERE id = $1 AND server = $2 AND status = 'applied' AND result IS NULL FOR UPDATE`,
        [planId, this.server],
      );
      const row = res.rows[0];
      if (row === undefined || row.approval_id === null) return;
      await tx.query('DELETE FROM portcullis_approval_tokens_used WHERE jti = $1', [row.approval_id]);
      await tx.query(
        `UPDATE portcullis_plans SET status = 'approved', applied_by = NULL, applied_at = NULL WHERE id = $1`,
        [planId],
      );
    });
  }

  /** Pending or approved → cancelled. Whether `by` may cancel (requester, approver role) is the caller's policy. */
  async cancel(planId: string, by: PlanActor): Promise<Plan> {
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const plan = await this.lockPlan(tx, planId, by.tenant);
      if (plan.status === 'cancelled') {
        throw refusal(
          'plan_cancelled',
          'conflict',
          `Plan ${planId} is already cancelled.`,
          'Nothing to do.',
          { plan_id: planId },
        );
      }
      if (plan.status === 'applied') {
        throw refusal(
          'plan_not_pending',
          'conflict',
          `Plan ${planId} was already applied and cannot be cancelled.`,
          'Reverse the action with a new request if needed.',
          {
            plan_id: planId,
            status: plan.status,
          },
        );
      }
      const res = await tx.query<PlanRow>(
        `UPDATE portcullis_plans SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3 WHERE id = $1 RETURNING ${PLAN_COLUMNS}`,
        [planId, by.id, new Date(now).toISOString()],
      );
      const row = res.rows[0];
      if (row === undefined) throw planNotFound(planId);
      return toPlan(row);
    });
  }

  private async lockPlan(tx: Queryable, planId: string, tenant: string): Promise<Plan> {
    const res = await tx.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM portcullis_plans WHERE id = $1 AND server = $2 FOR UPDATE`,
      [planId, this.server],
    );
    const row = res.rows[0];
    if (row === undefined || row.tenant !== tenant) throw planNotFound(planId);
    return toPlan(row);
  }

  private assertOpen(plan: Plan, now: number): void {
    if (plan.status === 'cancelled') {
      throw refusal(
        'plan_cancelled',
        'conflict',
        `Plan ${plan.id} was cancelled.`,
        'Request a new plan if the action is still needed.',
        { plan_id: plan.id },
      );
    }
    if (plan.status === 'pending' && Date.parse(plan.expires_at) <= now) {
      throw refusal(
        'plan_expired',
        'conflict',
        `Plan ${plan.id} expired at ${plan.expires_at}.`,
        'Request a new plan.',
        { plan_id: plan.id },
      );
    }
  }

  private async verifyToken(token: string, now: number): Promise<TokenClaims> {
    let payload: Record<string, unknown>;
    const { jwtVerify, errors: joseErrors } = await loadJose();
    try {
      const verified = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: this.audience,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'jti'],
      });
      payload = verified.payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw refusal(
          'approval_token_expired',
          'approval_required',
          'The approval token has expired.',
          'Ask an approver to approve the plan again (a new plan if it has expired too).',
        );
      }
      throw refusal(
        'approval_token_invalid',
        'approval_required',
        'The approval token is not valid for this server.',
        'Apply with the exact token returned when the plan was approved.',
      );
    }
    const { plan_id, args_hash, approver, tenant, jti } = payload;
    if (
      typeof plan_id !== 'string' ||
      typeof args_hash !== 'string' ||
      typeof approver !== 'string' ||
      typeof tenant !== 'string' ||
      typeof jti !== 'string'
    ) {
      throw refusal(
        'approval_token_invalid',
        'approval_required',
        'The approval token is missing required claims.',
        'Apply with the exact token returned when the plan was approved.',
      );
    }
    return { plan_id, args_hash, approver, tenant, jti };
  }
}

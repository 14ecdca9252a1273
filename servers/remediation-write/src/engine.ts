import { randomUUID } from 'node:crypto';
import { PortcullisError, errors } from '@portcullis/core';
import type { CedarValue, Decision, PolicyResource } from '@portcullis/core';
import { canonicalHash } from '@portcullis/core/canonical';
import type { CursorCodec } from '@portcullis/core/cursor';
import type { Queryable, Store } from '@portcullis/core/store';
import { BackendError } from './backend.js';
import type { ActionName, RemediationBackend, Target, TargetState, TicketSink } from './backend.js';
import { CATALOG, type BlastRadius } from './catalog.js';
import { inChangeWindow, type ChangeWindow } from './config.js';

/**
 * The plan → apply engine: a plan freezes the target's "before" (read now), the computed "after",
 * the blast radius and the policy verdict; apply re-reads and refuses on drift, writes, reads back
 * and verifies, and undoes a change that did not verify. Idempotent per plan: a plan is claimed
 * once (ready/approved → applying) and a repeat answers with the stored outcome.
 */

export type Verdict = 'direct' | 'approval_required' | 'ticket' | 'denied';
export type PlanStatus =
  | 'ready'
  | 'pending'
  | 'approved'
  | 'applying'
  | 'applied'
  | 'failed'
  | 'rolled_back'
  | 'ticketed'
  | 'denied';

export interface AccountInfo {
  account: string;
  tenant: string;
  name: string;
  environment: 'production' | 'staging' | 'development';
  change_mode: 'automate' | 'ticket';
}

export interface ApplyOutcome {
  result: 'applied' | 'verification_failed' | 'target_drifted';
  verified: boolean;
  rolled_back: boolean;
  before_hash: string;
  after_hash: string;
  observed_hash: string | null;
  verification_audit_id: string | null;
  rollback_audit_id: string | null;
  applied_by: string;
  applied_at: string;
  approval_id: string | null;
  error?: { code: string; message: string };
}

export interface RemediationPlan {
  id: string;
  tenant: string;
  requester: string;
  kind: 'change' | 'rollback';
  rolls_back: string | null;
  action: ActionName;
  account: string;
  region: string;
  resource: string;
  params: Record<string, unknown>;
  finding_id: string | null;
  reason: string | null;
  before: TargetState;
  after: TargetState;
  before_hash: string;
  after_hash: string;
  blast_radius: BlastRadius;
  verdict: Verdict;
  policies: string[];
  reasons: string[];
  status: PlanStatus;
  content_hash: string;
  approval_id: string | null;
  approver: string | null;
  ticket_key: string | null;
  rollback_plan: string | null;
  created_at: string;
  expires_at: string;
  applied_by: string | null;
  applied_at: string | null;
  outcome: ApplyOutcome | null;
}

export interface KillSwitchState {
  engaged: boolean;
  reason: string;
  changed_by: string;
  changed_at: string | null;
}

export interface EngineOptions {
  store: Store;
  backend: RemediationBackend;
  tickets: TicketSink;
  cursors: CursorCodec;
  window: ChangeWindow | null;
  appliesPerHour: number;
  maxChangesPerPlan: number;
  planTtlMs: number;
  now?: () => number;
}

type Ts = Date | string;
const iso = (v: Ts): string => (v instanceof Date ? v : new Date(v)).toISOString();
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

interface PlanRow {
  id: string;
  tenant: string;
  requester: string;
  kind: 'change' | 'rollback';
  rolls_back: string | null;
  action: ActionName;
  account: string;
  region: string;
  resource: string;
  params: unknown;
  finding_id: string | null;
  reason: string | null;
  before_state: unknown;
  after_state: unknown;
  before_hash: string;
  after_hash: string;
  blast_radius: unknown;
  verdict: Verdict;
  policies: unknown;
  reasons: unknown;
  status: PlanStatus;
  content_hash: string;
  approval_id: string | null;
  approver: string | null;
  ticket_key: string | null;
  rollback_plan: string | null;
  created_at: Ts;
  expires_at: Ts;
  applied_by: string | null;
  applied_at: Ts | null;
  outcome: unknown;
}

function toPlan(r: PlanRow): RemediationPlan {
  return {
    id: r.id,
    tenant: r.tenant,
    requester: r.requester,
    kind: r.kind,
    rolls_back: r.rolls_back,
    action: r.action,
    account: r.account,
    region: r.region,
    resource: r.resource,
    params: json(r.params),
    finding_id: r.finding_id,
    reason: r.reason,
    before: json(r.before_state),
    after: json(r.after_state),
    before_hash: r.before_hash,
    after_hash: r.after_hash,
    blast_radius: json(r.blast_radius),
    verdict: r.verdict,
    policies: json(r.policies),
    reasons: json(r.reasons),
    status: r.status,
    content_hash: r.content_hash,
    approval_id: r.approval_id,
    approver: r.approver,
    ticket_key: r.ticket_key,
    rollback_plan: r.rollback_plan,
    created_at: iso(r.created_at),
    expires_at: iso(r.expires_at),
    applied_by: r.applied_by,
    applied_at: r.applied_at === null ? null : iso(r.applied_at),
    outcome: r.outcome === null || r.outcome === undefined ? null : json(r.outcome),
  };
}

/** What makes a plan the plan that was approved: the kit's approval binds this hash. */
export function contentHashOf(p: {
  id: string;
  tenant: string;
  requester: string;
  kind: string;
  rolls_back: string | null;
  action: string;
  account: string;
  region: string;
  resource: string;
  params: unknown;
  before_hash: string;
  after_hash: string;
}): string {
  return canonicalHash({
    id: p.id,
    tenant: p.tenant,
    requester: p.requester,
    kind: p.kind,
    rolls_back: p.rolls_back,
    action: p.action,
    account: p.account,
    region: p.region,
    resource: p.resource,
    params: p.params,
    before_hash: p.before_hash,
    after_hash: p.after_hash,
  });
}

export const targetOf = (p: RemediationPlan): Target => ({
  tenant: p.tenant,
  account: p.account,
  region: p.region,
  action: p.action,
  resource: p.resource,
  params: p.params,
});

/** A backend failure as the error envelope: the missing permission named, never credentials. */
export function backendError(err: unknown): PortcullisError {
  if (!(err instanceof BackendError)) return errors.internal(err);
  const detail = { ...err.detail };
  switch (err.code) {
    case 'not_found':
      return new PortcullisError({
        code: 'target_not_found',
        category: 'not_found',
        message: err.message,
        remediation: 'Check the account, region and resource id (posture_get_asset shows them).',
        retryable: false,
      });
    case 'access_denied':
      return new PortcullisError({
        code: 'backend_access_denied',
        category: 'upstream',
        message: err.message,
        remediation: detail.permission
          ? `Grant ${detail.permission} to the remediation role of this account.`
          : 'Check the permissions of the remediation role of this account.',
        retryable: false,
        details: detail,
      });
    case 'invalid_target':
      return errors.validation(err.message, 'Check the parameters against remediation_list_actions.');
    case 'throttled':
    case 'unavailable':
      return new PortcullisError({
        code: 'backend_unavailable',
        category: 'upstream',
        message: err.message,
        remediation: 'Try again shortly; nothing was changed by this call unless it says so.',
        retryable: true,
        details: detail,
      });
  }
}

export const killSwitchError = (state: KillSwitchState): PortcullisError =>
  new PortcullisError({
    code: 'kill_switch_engaged',
    category: 'forbidden',
    message: `The remediation kill switch is engaged (${state.reason}): no change is applied or rolled back until an operator turns it off. Plans are still allowed.`,
    remediation:
      'Do not retry; tell a human. An administrator turns it off with POST /admin/kill-switch or the kill-switch command.',
    retryable: false,
    details: { changed_by: state.changed_by, changed_at: state.changed_at },
  });

/**
 * A ticket claim with no key this old is a dead process's, and may be taken over. Longer than a
 * Jira create can take: 4 attempts of at most 15 s each with waits of at most 30 s, twice when a
 * rotated token is re-resolved after a 401 (about 5 minutes).
 */
export const TICKET_CLAIM_STALE_MS = 10 * 60_000;

/**
 * A plan `applying` this long is a dead (or unrecorded) apply's, and is settled from the target's
 * state on its requester's next remediation_apply. Far beyond an apply's own calls (read, write,
 * read back, automatic rollback; each retried by the SDK a few times).
 */
export const APPLY_STALE_MS = 15 * 60_000;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class RemediationEngine {
  readonly store: Store;
  readonly backend: RemediationBackend;
  readonly tickets: TicketSink;
  readonly cursors: CursorCodec;
  readonly appliesPerHour: number;
  readonly maxChangesPerPlan: number;
  readonly planTtlMs: number;
  readonly now: () => number;
  private readonly window: ChangeWindow | null;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.backend = opts.backend;
    this.tickets = opts.tickets;
    this.cursors = opts.cursors;
    this.window = opts.window;
    this.appliesPerHour = opts.appliesPerHour;
    this.maxChangesPerPlan = opts.maxChangesPerPlan;
    this.planTtlMs = opts.planTtlMs;
    this.now = opts.now ?? (() => Date.now());
  }

  // ---------- accounts ----------

  /** One of the tenant's accounts, or null (another tenant's account is indistinguishable from none). */
  async account(tenant: string, account: string): Promise<AccountInfo | null> {
    const res = await this.store.query<AccountInfo>(
      'SELECT account, tenant, name, environment, change_mode FROM remediation_accounts WHERE tenant = $1 AND account = $2',
      [tenant, account],
    );
    return res.rows[0] ?? null;
  }

  // ---------- kill switch ----------

  async killSwitch(): Promise<KillSwitchState> {
    const res = await this.store.query<{
      engaged: boolean;
      reason: string;
      changed_by: string;
      changed_at: Ts;
    }>('SELECT engaged, reason, changed_by, changed_at FROM remediation_kill_switch WHERE id = 1');
    const row = res.rows[0];
    if (row === undefined)
      return { engaged: false, reason: 'never engaged', changed_by: '', changed_at: null };
    return {
      engaged: row.engaged,
      reason: row.reason,
      changed_by: row.changed_by,
      changed_at: iso(row.changed_at),
    };
  }

  async setKillSwitch(engaged: boolean, reason: string, by: string): Promise<KillSwitchState> {
    await this.store.query(
      `INSERT INTO remediation_kill_switch (id, engaged, reason, changed_by, changed_at) VALUES (1, $1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET engaged = EXCLUDED.engaged, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at`,
      [engaged, reason, by, new Date(this.now()).toISOString()],
    );
    return this.killSwitch();
  }

  /** Read from the store on every apply and rollback, so every replica on one database honours it at once. */
  async assertNotKilled(): Promise<void> {
    const state = await this.killSwitch();
    if (state.engaged) throw killSwitchError(state);
  }

  // ---------- policy input ----------

  async appliesLastHour(q: Queryable, tenant: string, principal: string): Promise<number> {
    const res = await q.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM remediation_applies WHERE tenant = $1 AND principal = $2 AND applied_at > $3',
      [tenant, principal, new Date(this.now() - 3_600_000).toISOString()],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /**
   * The change as policy sees it (entity Change): where, what, how big, whose budget, and the
   * call's time against the change window.
   */
  async changeResource(input: {
    id: string;
    tenant: string;
    requester: string;
    kind: 'change' | 'rollback';
    action: ActionName;
    account: AccountInfo;
    changes: number;
  }): Promise<PolicyResource> {
    const now = this.now();
    const d = new Date(now);
    const attributes: Record<string, CedarValue> & { tenant: string } = {
      tenant: input.account.tenant,
      account: input.account.account,
      environment: input.account.environment,
      change_mode: input.account.change_mode,
      action: input.action,
      risk: CATALOG[input.action].risk,
      kind: input.kind,
      changes: input.changes,
      max_changes: this.maxChangesPerPlan,
      applies_last_hour: await this.appliesLastHour(this.store, input.tenant, input.requester),
      applies_per_hour: this.appliesPerHour,
      in_change_window: inChangeWindow(this.window, now),
      utc_hour: d.getUTCHours(),
      utc_weekday: DAYS[d.getUTCDay()]!,
    };
    return { type: 'Change', id: input.id, attributes };
  }

  /**
   * The verdict from the two questions policy answers: may this be automated at all, and how.
   * Only an outright allow automates: a deny with no deciding policy (a policy set whose permits
   * do not cover this change) or any other answer is a ticket, never a direct change.
   */
  verdictOf(automate: Decision, change: Decision): { verdict: Verdict; decision: Decision } {
    if (automate.effect !== 'allow') return { verdict: 'ticket', decision: automate };
    if (change.effect === 'allow') return { verdict: 'direct', decision: change };
    if (change.effect === 'approval_required') return { verdict: 'approval_required', decision: change };
    return { verdict: 'denied', decision: change };
  }

  // ---------- plans ----------

  newPlanId(): string {
    return `plan_${randomUUID()}`;
  }

  async insertPlan(p: RemediationPlan): Promise<void> {
    await this.store.query(
      `INSERT INTO remediation_plans (id, tenant, requester, kind, rolls_back, action, account, region, resource, params, finding_id, reason,
         before_state, after_state, before_hash, after_hash, blast_radius, verdict, policies, reasons, status, content_hash, ticket_key, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13::jsonb, $14::jsonb, $15, $16, $17::jsonb, $18, $19::jsonb, $20::jsonb, $21, $22, $23, $24, $25)`,
      [
        p.id,
        p.tenant,
        p.requester,
        p.kind,
        p.rolls_back,
        p.action,
        p.account,
        p.region,
        p.resource,
        JSON.stringify(p.params),
        p.finding_id,
        p.reason,
        JSON.stringify(p.before),
        JSON.stringify(p.after),
        p.before_hash,
        p.after_hash,
        JSON.stringify(p.blast_radius),
        p.verdict,
        JSON.stringify(p.policies),
        JSON.stringify(p.reasons),
        p.status,
        p.content_hash,
        p.ticket_key,
        p.created_at,
        p.expires_at,
      ],
    );
  }

  async getPlan(
    tenant: string,
    id: string,
    q: Queryable = this.store,
    lock = false,
  ): Promise<RemediationPlan | null> {
    const res = await q.query<PlanRow>(
      `SELECT * FROM remediation_plans WHERE tenant = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [tenant, id],
    );
    const row = res.rows[0];
    return row === undefined ? null : toPlan(row);
  }

  async listPlans(
    tenant: string,
    opts: { status?: PlanStatus; limit: number; after: { c: string; i: string } | null },
  ): Promise<RemediationPlan[]> {
    const res = await this.store.query<PlanRow>(
      `SELECT * FROM remediation_plans
        WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::text))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [tenant, opts.status ?? null, opts.after?.c ?? null, opts.after?.i ?? null, opts.limit],
    );
    return res.rows.map(toPlan);
  }

  async markApproved(tenant: string, id: string, approver: string, approvalId: string): Promise<void> {
    await this.store.query(
      `UPDATE remediation_plans SET status = 'approved', approver = $3, approval_id = $4 WHERE tenant = $1 AND id = $2 AND status = 'pending'`,
      [tenant, id, approver, approvalId],
    );
  }

  async setTicket(tenant: string, id: string, key: string): Promise<void> {
    await this.store.query('UPDATE remediation_plans SET ticket_key = $3 WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
      key,
    ]);
  }

  // ---------- apply ----------

  /**
   * Claims the plan for this apply and counts it against the requester's hourly budget, in one
   * transaction (a concurrent second apply finds it claimed; two applies cannot both pass the budget).
   * Returns null when the plan was no longer claimable (the caller answers with its state).
   */
  /**
   * Claims a plan for one apply (status `applying`, the hourly budget spent). The claim is its
   * time: unclaim and finish act only while the caller still holds it, so an apply that outlived
   * APPLY_STALE_MS and was settled by a later one cannot undo what that one did.
   */
  async claim(
    plan: RemediationPlan,
    from: PlanStatus[],
  ): Promise<(RemediationPlan & { claim: string }) | null> {
    return this.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `remediation-budget:${plan.tenant}:${plan.requester}`,
      ]);
      const current = await this.getPlan(plan.tenant, plan.id, tx, true);
      if (current === null || !from.includes(current.status)) return null;
      const used = await this.appliesLastHour(tx, plan.tenant, plan.requester);
      if (used >= this.appliesPerHour) throw budgetExceeded(used, this.appliesPerHour);
      await tx.query(
        'INSERT INTO remediation_applies (plan_id, tenant, principal, applied_at) VALUES ($1, $2, $3, $4)',
        [plan.id, plan.tenant, plan.requester, new Date(this.now()).toISOString()],
      );
      const claim = new Date(this.now()).toISOString();
      await tx.query(`UPDATE remediation_plans SET status = 'applying', claimed_at = $2 WHERE id = $1`, [
        plan.id,
        claim,
      ]);
      return { ...current, status: 'applying', claim };
    });
  }

  /**
   * Whether a plan's apply claim is older than APPLY_STALE_MS: its apply died, or could not record
   * its outcome. A live apply is never that old. The claim's time is claimed_at, else (claimed
   * before that column existed) the budget row written with the claim; neither means stale.
   */
  async applyClaimIsStale(plan: RemediationPlan): Promise<boolean> {
    const res = await this.store.query<{ stale: boolean }>(
      `SELECT COALESCE(p.claimed_at, a.applied_at, '-infinity'::timestamptz) < $3::timestamptz AS stale
         FROM remediation_plans p LEFT JOIN remediation_applies a ON a.plan_id = p.id
        WHERE p.tenant = $1 AND p.id = $2 AND p.status = 'applying'`,
      [plan.tenant, plan.id, new Date(this.now() - APPLY_STALE_MS).toISOString()],
    );
    return res.rows[0]?.stale === true;
  }

  /**
   * Takes over a stale apply claim (see applyClaimIsStale) for settling: one caller wins (the claim
   * is renewed), any other gets null. Returns when the change was first claimed (the budget row).
   */
  async takeOverStaleApply(plan: RemediationPlan): Promise<{ claimedAt: string; claim: string } | null> {
    const now = this.now();
    const res = await this.store.query<{ applied_at: Ts | null }>(
      `UPDATE remediation_plans p SET claimed_at = $3
        WHERE p.tenant = $1 AND p.id = $2 AND p.status = 'applying'
          AND COALESCE(p.claimed_at, (SELECT a.applied_at FROM remediation_applies a WHERE a.plan_id = p.id),
                       '-infinity'::timestamptz) < $4::timestamptz
        RETURNING (SELECT a.applied_at FROM remediation_applies a WHERE a.plan_id = p.id) AS applied_at`,
      [plan.tenant, plan.id, new Date(now).toISOString(), new Date(now - APPLY_STALE_MS).toISOString()],
    );
    const row = res.rows[0];
    if (row === undefined) return null;
    return { claimedAt: iso(row.applied_at ?? new Date(now)), claim: new Date(now).toISOString() };
  }

  /** Gives the claim back when nothing was changed (the budget is not spent either). */
  async unclaim(plan: RemediationPlan, status: PlanStatus, claim: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.holdsClaim(tx, plan, claim);
      await tx.query('DELETE FROM remediation_applies WHERE plan_id = $1', [plan.id]);
      await tx.query(`UPDATE remediation_plans SET status = $2 WHERE id = $1`, [plan.id, status]);
    });
  }

  /**
   * Makes this claim stale at once (a settle that could not read the target): a new time, so the
   * apply it took over stays refused, and older than APPLY_STALE_MS, so the next apply settles.
   */
  async expireClaim(plan: RemediationPlan, claim: string): Promise<void> {
    await this.store.query(
      `UPDATE remediation_plans SET claimed_at = $3::timestamptz
        WHERE tenant = $1 AND id = $2 AND status = 'applying' AND claimed_at = $4::timestamptz`,
      [plan.tenant, plan.id, new Date(this.now() - APPLY_STALE_MS - 1).toISOString(), claim],
    );
  }

  /** Before a write to the target: refuses (apply_superseded) an apply whose claim was taken. */
  async assertClaim(plan: RemediationPlan, claim: string): Promise<void> {
    await this.holdsClaim(this.store, plan, claim);
  }

  /** Refuses (apply_superseded) unless the plan is still `applying` under this claim; locks it. */
  private async holdsClaim(tx: Queryable, plan: RemediationPlan, claim: string): Promise<void> {
    const held = await tx.query(
      `SELECT 1 FROM remediation_plans
        WHERE id = $1 AND status = 'applying' AND claimed_at = $2::timestamptz FOR UPDATE`,
      [plan.id, claim],
    );
    if (held.rows.length === 0)
      throw new PortcullisError({
        code: 'apply_superseded',
        category: 'conflict',
        message: `This apply of plan ${plan.id} ran so long that a later apply settled the plan; nothing was recorded for this one, and its change may be in place.`,
        remediation:
          'Check the plan with remediation_get_plan and the target itself before doing anything else.',
        retryable: false,
        details: { plan_id: plan.id },
      });
  }

  async finish(
    plan: RemediationPlan,
    status: 'applied' | 'failed',
    outcome: ApplyOutcome,
    opts: { keepBudget: boolean; claim: string },
  ): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.holdsClaim(tx, plan, opts.claim);
      if (!opts.keepBudget) await tx.query('DELETE FROM remediation_applies WHERE plan_id = $1', [plan.id]);
      await tx.query(
        `UPDATE remediation_plans SET status = $2, outcome = $3::jsonb, applied_by = $4, applied_at = $5 WHERE id = $1`,
        [plan.id, status, JSON.stringify(outcome), outcome.applied_by, outcome.applied_at],
      );
      // A verified rollback plan marks the plan it undid.
      if (status === 'applied' && plan.kind === 'rollback' && plan.rolls_back !== null) {
        await tx.query(
          `UPDATE remediation_plans SET status = 'rolled_back', rollback_plan = $3 WHERE tenant = $1 AND id = $2 AND status = 'applied'`,
          [plan.tenant, plan.rolls_back, plan.id],
        );
      }
    });
  }

  async read(target: Target, signal?: AbortSignal): Promise<TargetState> {
    try {
      return await this.backend.read(target, signal);
    } catch (err) {
      throw backendError(err);
    }
  }

  // ---------- tickets ----------

  /**
   * Opens a ticket, once per tenant and finding (posture-read's finding ids are unique within a
   * tenant; every query names the tenant, so another tenant's ticket is never returned). The
   * finding is claimed in the ledger (under a claim id) before the sink is called, so a repeat or a
   * concurrent request answers with the first ticket, or ticket_in_progress while it is opened. A
   * claim still without a key after TICKET_CLAIM_STALE_MS (its process died between claim and
   * record) is taken over: the sink's own record of a ticket for the finding is adopted when it
   * can say (embedded), else a new ticket is opened (jira: a duplicate if the dead call made one).
   */
  async openTicket(
    request: Parameters<TicketSink['create']>[0],
    by: string,
    signal?: AbortSignal,
  ): Promise<{ key: string; url: string | null; deduplicated: boolean; took_over: boolean }> {
    const finding = request.finding_id;
    const claim = randomUUID();
    let tookOver = false;
    if (finding !== undefined) {
      const now = this.now();
      const values = [
        request.tenant,
        finding,
        claim,
        this.tickets.kind,
        request.plan_id ?? null,
        by,
        new Date(now).toISOString(),
      ];
      const claimed = await this.store.query(
        `INSERT INTO remediation_ticket_refs (tenant, finding_id, claim_id, sink, plan_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant, finding_id) DO NOTHING RETURNING finding_id`,
        values,
      );
      if (claimed.rows.length === 0) {
        // One statement: of two callers finding the same stale claim, one takes it over.
        const taken = await this.store.query(
          `UPDATE remediation_ticket_refs
              SET claim_id = $3, sink = $4, plan_id = $5, created_by = $6, created_at = $7
            WHERE tenant = $1 AND finding_id = $2 AND ticket_key IS NULL AND created_at < $8
           RETURNING finding_id`,
          [...values, new Date(now - TICKET_CLAIM_STALE_MS).toISOString()],
        );
        if (taken.rows.length === 0) {
          const existing = await this.store.query<{ ticket_key: string | null; ticket_url: string | null }>(
            'SELECT ticket_key, ticket_url FROM remediation_ticket_refs WHERE tenant = $1 AND finding_id = $2',
            [request.tenant, finding],
          );
          const row = existing.rows[0];
          if (row?.ticket_key)
            return { key: row.ticket_key, url: row.ticket_url, deduplicated: true, took_over: false };
          throw new PortcullisError({
            code: 'ticket_in_progress',
            category: 'conflict',
            message: `A ticket for finding ${finding} is being opened right now.`,
            remediation: 'Call again in a moment to get its key.',
            retryable: true,
            details: { finding_id: finding },
          });
        }
        tookOver = true;
        // The dead claim's ticket, if the sink has it: adopted, not opened twice.
        const found = await this.tickets.find?.(request.tenant, finding, signal);
        if (found) {
          await this.recordTicket(request.tenant, finding, claim, found);
          return { key: found.key, url: found.url ?? null, deduplicated: true, took_over: true };
        }
      }
    }
    let created: { key: string; url?: string };
    try {
      created = await this.tickets.create(request, signal);
    } catch (err) {
      // Nothing was opened: let the next request try again (only this call's claim is given back).
      if (finding !== undefined)
        await this.store.query(
          'DELETE FROM remediation_ticket_refs WHERE tenant = $1 AND finding_id = $2 AND ticket_key IS NULL AND claim_id = $3',
          [request.tenant, finding, claim],
        );
      if (err instanceof PortcullisError) throw err;
      throw errors.upstream(`ticket (${this.tickets.kind})`, err);
    }
    if (finding !== undefined) await this.recordTicket(request.tenant, finding, claim, created);
    return { key: created.key, url: created.url ?? null, deduplicated: false, took_over: tookOver };
  }

  /** Records the ticket on the ledger row, only while this call still holds its claim. */
  private async recordTicket(
    tenant: string,
    finding: string,
    claim: string,
    ticket: { key: string; url?: string },
  ): Promise<void> {
    await this.store.query(
      'UPDATE remediation_ticket_refs SET ticket_key = $4, ticket_url = $5 WHERE tenant = $1 AND finding_id = $2 AND claim_id = $3',
      [tenant, finding, claim, ticket.key, ticket.url ?? null],
    );
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }

  // The store belongs to the kit, which closes it; a backend with connections of its own (aws) closes them.
  async close(): Promise<void> {
    (this.backend as RemediationBackend & { close?: () => void }).close?.();
  }
}

export function budgetExceeded(used: number, limit: number): PortcullisError {
  return new PortcullisError({
    code: 'apply_budget_exceeded',
    category: 'forbidden',
    message: `You have applied ${used} changes in the last hour; the limit is ${limit} per hour.`,
    remediation: 'Wait until earlier applies are more than an hour old, or ask another responder.',
    retryable: false,
    details: { applies_last_hour: used, applies_per_hour: limit },
  });
}

/** A readable before → after for tickets and renderings. */
export function describeChange(
  p: Pick<
    RemediationPlan,
    'action' | 'account' | 'region' | 'resource' | 'before' | 'after' | 'blast_radius'
  >,
): string {
  return [
    `Action: ${p.action} on ${p.resource} in account ${p.account} (${p.region}).`,
    `Before: ${JSON.stringify(p.before)}`,
    `After:  ${JSON.stringify(p.after)}`,
    `Blast radius: ${p.blast_radius.effect}`,
    ...p.blast_radius.items.map((i) => `  - ${i}`),
  ].join('\n');
}

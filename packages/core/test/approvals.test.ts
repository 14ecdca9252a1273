import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService, approvalMigrations, argsHash, canonicalJson } from '../src/approvals.js';
import { PortcullisError } from '../src/errors.js';
import { migrate, openStore } from '../src/store.js';
import type { Store } from '../src/store.js';
import { postgresUnavailableReason, startPostgres } from '@portcullis/test-support/postgres';
import type { PgServer } from '@portcullis/test-support/postgres';
import { lockBarrier } from './pg-barrier.js';

const KEY = randomBytes(32);
const requester = { id: 'agent-1', tenant: 'acme' };
const approver = { id: 'manager-1', tenant: 'acme' };
const stranger = { id: 'manager-9', tenant: 'globex' };

let store: Store;
let clock = Date.parse('2025-06-01T12:00:00Z');
const now = (): number => clock;

function service(opts: { key?: Uint8Array; server?: string } = {}): ApprovalService {
  return new ApprovalService({
    store,
    serverName: opts.server ?? 'billing',
    signingKey: opts.key ?? KEY,
    now,
    planTtlMs: 60 * 60_000,
    tokenTtlMs: 10 * 60_000,
  });
}

async function refusal(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PortcullisError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const args = {
  order_id: '4821',
  amount_minor: 30000,
  reason: 'requested_by_customer',
  idempotency_key: 'idem-0001',
};

async function newPlan(svc = service(), a: unknown = args) {
  return svc.createPlan({
    tool: 'billing_issue_refund',
    tenant: 'acme',
    requester: requester.id,
    args: a,
    targetVersion: '15000',
    policies: ['refund-approval-band'],
  });
}

beforeAll(async () => {
  store = await openStore({});
  await migrate(store, 'approvals', approvalMigrations);
});

afterAll(async () => {
  await store.close();
});

describe('canonical arguments', () => {
  it('hashes equal values equally whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(argsHash({ a: 1, b: 2 })).toBe(argsHash({ b: 2, a: 1 }));
    expect(argsHash({ a: 1, b: undefined })).toBe(argsHash({ a: 1 }));
    expect(argsHash({ a: 1 })).not.toBe(argsHash({ a: 2 }));
  });

  it('is insensitive to key order for any JSON object (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
        (obj) => {
          const reversed = Object.fromEntries(Object.entries(obj).reverse());
          return argsHash(obj) === argsHash(reversed);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ApprovalService', () => {
  it('creates a pending plan with the canonical arguments and their hash', async () => {
    const plan = await newPlan();
    expect(plan).toMatchObject({
      server: 'billing',
      tool: 'billing_issue_refund',
      tenant: 'acme',
      requester: 'agent-1',
      arguments: args,
      args_hash: argsHash(args),
      target_version: '15000',
      policies: ['refund-approval-band'],
      status: 'pending',
      approver: null,
      approval_id: null,
    });
    expect(plan.id).toMatch(/^plan_/);
    expect(Date.parse(plan.expires_at) - Date.parse(plan.created_at)).toBe(60 * 60_000);
    expect(await service().get(plan.id, 'acme')).toEqual(plan);
  });

  it('approve → consume → recordResult, with a token bound to the plan hash', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const approved = await svc.approve(plan.id, approver);
    expect(approved.plan.status).toBe('approved');
    expect(approved.plan.approver).toBe('manager-1');
    const claims = decodeJwt(approved.approval_token);
    expect(claims).toMatchObject({
      plan_id: plan.id,
      args_hash: plan.args_hash,
      approver: 'manager-1',
      tenant: 'acme',
      jti: approved.plan.approval_id,
    });
    expect(claims.exp).toBe(Math.floor((clock + 10 * 60_000) / 1000));
    expect(approved.expires_at).toBe(new Date(clock + 10 * 60_000).toISOString());

    const consumed = await svc.consume(plan.id, approved.approval_token, requester);
    expect(consumed.status).toBe('applied');
    await svc.recordResult(plan.id, { refund_id: 're_1' });
    expect((await svc.get(plan.id, 'acme'))?.result).toEqual({ refund_id: 're_1' });
  });

  it('refuses self-approval', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const err = await refusal(svc.approve(plan.id, requester));
    expect(err).toMatchObject({ code: 'self_approval', category: 'forbidden' });
    expect((await svc.get(plan.id, 'acme'))?.status).toBe('pending');
  });

  it('hides plans from other tenants and other servers', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    expect(await svc.get(plan.id, 'globex')).toBeNull();
    expect(await service({ server: 'remediation-write' }).get(plan.id, 'acme')).toBeNull();
    expect(await refusal(svc.approve(plan.id, stranger))).toMatchObject({
      code: 'plan_not_found',
      category: 'not_found',
    });
    expect(await refusal(svc.cancel(plan.id, stranger))).toMatchObject({ code: 'plan_not_found' });
    const { approval_token } = await svc.approve(plan.id, approver);
    expect(await refusal(svc.consume(plan.id, approval_token, stranger))).toMatchObject({
      code: 'plan_not_found',
    });
    // The refused attempts consumed nothing: the rightful applier still can.
    expect((await svc.consume(plan.id, approval_token, requester)).status).toBe('applied');
  });

  // PGlite is one connection: these two applies queue, so this checks the replay refusal, not the
  // row lock (the race is proven on PostgreSQL below).
  it('refuses a replayed token, also when two applies are issued together', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    const results = await Promise.allSettled([
      svc.consume(plan.id, approval_token, requester),
      svc.consume(plan.id, approval_token, requester),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({
      code: 'approval_token_replayed',
      category: 'conflict',
    });
    expect(await refusal(svc.consume(plan.id, approval_token, requester))).toMatchObject({
      code: 'approval_token_replayed',
    });
  });

  it("refuses a token approved for another plan's arguments", async () => {
    const svc = service();
    const small = await newPlan(svc, { ...args, amount_minor: 25000 });
    const large = await newPlan(svc, { ...args, amount_minor: 50000 });
    const { approval_token } = await svc.approve(small.id, approver);
    expect(await refusal(svc.consume(large.id, approval_token, requester))).toMatchObject({
      code: 'plan_arguments_changed',
      category: 'approval_required',
    });
    // Same arguments, different plan: the token names its plan.
    const twin = await newPlan(svc, { ...args, amount_minor: 25000 });
    await svc.approve(twin.id, approver);
    expect(await refusal(svc.consume(twin.id, approval_token, requester))).toMatchObject({
      code: 'approval_token_invalid',
    });
  });

  it('finding 6: only the requester applies; another principal of the tenant needs an explicit override', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    const colleague = { id: 'agent-2', tenant: 'acme' };
    expect(await refusal(svc.consume(plan.id, approval_token, colleague))).toMatchObject({
      code: 'not_plan_requester',
      category: 'forbidden',
    });
    // The refusal consumed nothing; an override (an administrator's own action) may apply it.
    expect((await svc.get(plan.id, 'acme'))?.status).toBe('approved');
    expect((await svc.consume(plan.id, approval_token, colleague, { override: true })).status).toBe(
      'applied',
    );
  });

  it('refuses a plan whose stored arguments were edited after approval', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    await store.query(
      `UPDATE portcullis_plans SET arguments = jsonb_set(arguments, '{amount_minor}', '99999') WHERE id = $1`,
      [plan.id],
    );
    expect(await refusal(svc.consume(plan.id, approval_token, requester))).toMatchObject({
      code: 'plan_arguments_changed',
    });
  });

  it('refuses forged, tampered and foreign tokens', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    const otherKey = randomBytes(32);
    const forged = await new SignJWT({ ...decodeJwt(approval_token) })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(otherKey);
    expect(await refusal(svc.consume(plan.id, forged, requester))).toMatchObject({
      code: 'approval_token_invalid',
      category: 'approval_required',
    });
    const [h, p, s] = approval_token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, args_hash: argsHash({ x: 1 }) })).toString('base64url')}.${s}`;
    expect(await refusal(svc.consume(plan.id, tampered, requester))).toMatchObject({
      code: 'approval_token_invalid',
    });
    expect(await refusal(svc.consume(plan.id, 'not-a-jwt', requester))).toMatchObject({
      code: 'approval_token_invalid',
    });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect(await refusal(svc.consume(plan.id, unsigned, requester))).toMatchObject({
      code: 'approval_token_invalid',
    });
    // A token from another server's approvals (same key) does not apply here.
    const other = service({ server: 'remediation-write' });
    const foreign = await other.createPlan({
      tool: 'x_do',
      tenant: 'acme',
      requester: requester.id,
      args,
      targetVersion: null,
      policies: [],
    });
    const foreignToken = (await other.approve(foreign.id, approver)).approval_token;
    expect(await refusal(svc.consume(plan.id, foreignToken, requester))).toMatchObject({
      code: 'approval_token_invalid',
    });
    expect((await svc.consume(plan.id, approval_token, requester)).status).toBe('applied');
  });

  it('refuses an expired token, and an expired plan', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    const start = clock;
    try {
      clock += 11 * 60_000;
      expect(await refusal(svc.consume(plan.id, approval_token, requester))).toMatchObject({
        code: 'approval_token_expired',
        category: 'approval_required',
      });
      const pending = await newPlan(svc);
      clock += 61 * 60_000;
      expect(await refusal(svc.approve(pending.id, approver))).toMatchObject({
        code: 'plan_expired',
        category: 'conflict',
      });
    } finally {
      clock = start;
    }
  });

  it('caps the token lifetime at the plan expiry', async () => {
    const svc = new ApprovalService({
      store,
      serverName: 'billing',
      signingKey: KEY,
      now,
      planTtlMs: 5 * 60_000,
      tokenTtlMs: 60 * 60_000,
    });
    const plan = await newPlan(svc);
    const { expires_at } = await svc.approve(plan.id, approver);
    expect(expires_at).toBe(plan.expires_at);
  });

  it('refuses apply after cancel, and a second approval', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    expect(await refusal(svc.approve(plan.id, { id: 'manager-2', tenant: 'acme' }))).toMatchObject({
      code: 'plan_not_pending',
      category: 'conflict',
    });
    const cancelled = await svc.cancel(plan.id, requester);
    expect(cancelled.status).toBe('cancelled');
    expect(await refusal(svc.consume(plan.id, approval_token, requester))).toMatchObject({
      code: 'plan_cancelled',
      category: 'conflict',
    });
    expect(await refusal(svc.cancel(plan.id, requester))).toMatchObject({ code: 'plan_cancelled' });
    expect(await refusal(svc.approve(plan.id, approver))).toMatchObject({ code: 'plan_cancelled' });
  });

  it('does not cancel an applied plan', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    await svc.consume(plan.id, approval_token, requester);
    expect(await refusal(svc.cancel(plan.id, approver))).toMatchObject({ code: 'plan_not_pending' });
  });

  it('release reopens a consumed plan whose execution failed, until a result is recorded', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const { approval_token } = await svc.approve(plan.id, approver);
    await svc.consume(plan.id, approval_token, requester);
    await svc.release(plan.id);
    expect((await svc.get(plan.id, 'acme'))?.status).toBe('approved');
    await svc.consume(plan.id, approval_token, requester);
    await svc.recordResult(plan.id, { ok: true });
    await svc.release(plan.id);
    expect((await svc.get(plan.id, 'acme'))?.status).toBe('applied');
    expect(await refusal(svc.consume(plan.id, approval_token, requester))).toMatchObject({
      code: 'approval_token_replayed',
    });
  });

  it('lists a tenant queue by status', async () => {
    const svc = service();
    const plan = await newPlan(svc);
    const pending = await svc.list('acme', { status: 'pending' });
    expect(pending.map((p) => p.id)).toContain(plan.id);
    expect(pending.every((p) => p.status === 'pending' && p.tenant === 'acme')).toBe(true);
    expect(await svc.list('globex')).toEqual([]);
  });

  it("lists an approver's open queue newest first, in keyset pages, without their own or expired plans", async () => {
    const svc = service({ server: 'queue' });
    const mine = await svc.createPlan({
      tool: 'billing_issue_refund',
      tenant: 'acme',
      requester: approver.id,
      args,
      targetVersion: null,
      policies: [],
    });
    const made = [];
    for (let i = 0; i < 3; i++) {
      clock += 1000;
      made.push(await newPlan(svc, { ...args, amount_minor: 30_000 + i }));
    }
    const first = await svc.list('acme', { openOnly: true, excludeRequester: approver.id, limit: 2 });
    expect(first.map((p) => p.id)).toEqual([made[2]!.id, made[1]!.id]);
    const last = first[first.length - 1]!;
    const second = await svc.list('acme', {
      openOnly: true,
      excludeRequester: approver.id,
      limit: 2,
      after: { created_at: last.created_at, id: last.id },
    });
    expect(second.map((p) => p.id)).toEqual([made[0]!.id]);
    expect(second.map((p) => p.id)).not.toContain(mine.id);
    clock += 2 * 60 * 60_000;
    expect(await svc.list('acme', { openOnly: true })).toEqual([]);
  });

  it('records a plan under an id its server chose (and only a well-formed one), approvable like any other', async () => {
    const svc = service({ server: 'chosen' });
    const id = `plan_${randomUUID()}`;
    const plan = await svc.createPlan({
      id,
      tool: 'remediation_apply',
      tenant: 'acme',
      requester: requester.id,
      args: { plan_id: id },
      targetVersion: 'content-hash',
      policies: ['prod-needs-approval'],
    });
    expect(plan).toMatchObject({ id, status: 'pending', target_version: 'content-hash' });
    const approved = await svc.approve(id, approver);
    expect((await svc.consume(id, approved.approval_token, requester)).status).toBe('applied');
    for (const bad of ['plan_x', `${id}; DROP TABLE portcullis_plans`, 'PLAN_' + randomUUID()]) {
      await expect(
        svc.createPlan({
          id: bad,
          tool: 't',
          tenant: 'acme',
          requester: 'r',
          args: {},
          targetVersion: null,
          policies: [],
        }),
      ).rejects.toThrow(/plan_ followed by a UUID/);
    }
    // The same id twice is refused by the store, never a second plan.
    await expect(
      svc.createPlan({
        id,
        tool: 't',
        tenant: 'acme',
        requester: 'r',
        args: {},
        targetVersion: null,
        policies: [],
      }),
    ).rejects.toThrow();
  });

  it('rejects a short signing key', () => {
    expect(() => service({ key: new Uint8Array(16) })).toThrow(/32 bytes/);
  });
});

// On PostgreSQL two applies of one token run in truly parallel transactions: the row lock decides.
const pgReason = postgresUnavailableReason();
describe.skipIf(pgReason !== null)(
  `ApprovalService on PostgreSQL${pgReason === null ? '' : ` (skipped: ${pgReason})`}`,
  () => {
    let pg: PgServer | null = null;
    let pgStore: Store;

    beforeAll(async () => {
      pg = await startPostgres();
      if (pg === null)
        throw new Error(`PostgreSQL did not start: ${postgresUnavailableReason() ?? 'unknown reason'}`);
      pgStore = await openStore({ databaseUrl: pg.url });
      await migrate(pgStore, 'approvals', approvalMigrations);
    });

    afterAll(async () => {
      await pgStore?.close();
      await pg?.stop();
    });

    async function approvedPlan(svc: ApprovalService) {
      const plan = await svc.createPlan({
        tool: 'billing_issue_refund',
        tenant: 'acme',
        requester: requester.id,
        args,
        targetVersion: null,
        policies: [],
      });
      return plan;
    }

    // The barrier holds the plan row FOR SHARE: plain reads pass it, FOR UPDATE and UPDATE wait.
    // Every apply has begun its transaction and reached the plan when the barrier lifts, so all
    // of them contend at once; without FOR UPDATE they would all read "approved" and the losers
    // would fail on the used-token key instead of being refused as replays.
    it('consumes a token exactly once when eight applies contend in parallel transactions', async () => {
      const svc = new ApprovalService({ store: pgStore, serverName: 'billing', signingKey: KEY, now });
      const plan = await approvedPlan(svc);
      const { approval_token } = await svc.approve(plan.id, approver);
      const barrier = await lockBarrier(pg!.url, 'SELECT 1 FROM portcullis_plans WHERE id = $1 FOR SHARE', [
        plan.id,
      ]);
      const applies = Promise.allSettled(
        Array.from({ length: 8 }, () => svc.consume(plan.id, approval_token, requester)),
      );
      try {
        await barrier.waitForWaiters(8);
      } finally {
        await barrier.release();
      }
      const results = await applies;
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected')
          expect(r.reason).toMatchObject({ code: 'approval_token_replayed', category: 'conflict' });
      const used = await pgStore.query('SELECT jti FROM portcullis_approval_tokens_used WHERE plan_id = $1', [
        plan.id,
      ]);
      expect(used.rowCount).toBe(1);
    });

    it('approves a plan once when four approvers contend in parallel transactions', async () => {
      const svc = new ApprovalService({ store: pgStore, serverName: 'billing', signingKey: KEY, now });
      const plan = await approvedPlan(svc);
      const barrier = await lockBarrier(pg!.url, 'SELECT 1 FROM portcullis_plans WHERE id = $1 FOR SHARE', [
        plan.id,
      ]);
      const approvals = Promise.allSettled(
        ['m1', 'm2', 'm3', 'm4'].map((id) => svc.approve(plan.id, { id, tenant: 'acme' })),
      );
      try {
        await barrier.waitForWaiters(4);
      } finally {
        await barrier.release();
      }
      const results = await approvals;
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'plan_not_pending' });
    });
  },
);

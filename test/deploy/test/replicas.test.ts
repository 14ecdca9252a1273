/**
 * Two billing replicas (the built CLI, --transport http) on one PostgreSQL and one Redis, behind a
 * small round-robin proxy on 127.0.0.1, as a Kubernetes Service would spread them:
 *   - the refund story crosses replicas: planned on A, approved on B (POST /approvals), applied on A;
 *   - the daily refund budget is exact across both under bounded parallel load through the proxy;
 *   - B is killed with SIGKILL mid-load: every acknowledged call has its audit record in the
 *     database, and replaying every idempotency key on A applies no refund twice;
 *   - `portcullis-audit verify --database-url` says the shared chain is intact.
 * Skipped, with the reason, where PostgreSQL or Redis is not installed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { generateApiKey } from '@portcullis/core';
import { postgresUnavailableReason, startPostgres, type PgServer } from '@portcullis/test-support/postgres';
import { redisUnavailableReason, startRedis, type RedisServer } from '@portcullis/test-support/redis';
import {
  AUDIT_CLI,
  REPO_ROOT,
  cleanEnv,
  killAll,
  runProcess,
  spawnHttp,
  trackedTempDir,
  cleanup,
  type ServerProc,
} from '@portcullis/test-support/servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
const CLI = join(REPO_ROOT, 'servers/billing/dist/cli.js');
const reason = existsSync(CLI)
  ? (postgresUnavailableReason() ?? redisUnavailableReason())
  : 'servers/billing/dist/cli.js is not built';
if (reason) process.stderr.write(`[deploy] replica suite skipped: ${reason}\n`);

const PEOPLE = [
  { principal: 'agent-7', roles: ['support'], tenant: 'acme' },
  { principal: 'agent-9', roles: ['support'], tenant: 'acme' },
  { principal: 'agent-11', roles: ['support'], tenant: 'acme' },
  { principal: 'agent-13', roles: ['support'], tenant: 'acme' },
  { principal: 'manager-1', roles: ['approver'], tenant: 'acme' },
];

/** Round-robin over the live upstreams; a refused connection moves on to the next one. */
function roundRobin(
  upstreams: () => string[],
): Promise<{ url: string; server: Server; hits: Map<string, number> }> {
  let next = 0;
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const live = upstreams();
      const attempt = (tries: number) => {
        const base = live[next++ % live.length]!;
        const u = new URL(req.url ?? '/', base);
        const up = request(u, { method: req.method, headers: { ...req.headers, host: u.host } }, (r) => {
          hits.set(base, (hits.get(base) ?? 0) + 1);
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', (err) => {
          // Nothing reached the upstream (connection refused): another replica may take it. A
          // reset after sending is the client's to retry, as with a real load balancer.
          if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED' && tries < live.length)
            attempt(tries + 1);
          else if (!res.headersSent) res.writeHead(502).end();
          else res.destroy();
        });
        up.end(body);
      };
      attempt(1);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits }),
    ),
  );
}

describe.skipIf(reason !== null)(`billing on two replicas${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pgServer: PgServer;
  let redis: RedisServer;
  let a: ServerProc;
  let b: ServerProc;
  let proxy: { url: string; server: Server; hits: Map<string, number> };
  let bAlive = true;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  const connect = async (base: string, who: string): Promise<Client> => {
    const client = new Client({ name: `replicas-${who}`, version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${keys[who]}` } },
      }),
    );
    clients.push(client);
    return client;
  };
  const call = async (c: Client, name: string, args: Row) =>
    (await c.callTool({ name, arguments: args })) as CallToolResult;
  const meta = (r: CallToolResult) => (r._meta ?? {}) as Row;
  const errorOf = (r: CallToolResult): Row => {
    const text = (r.content as { type: string; text: string }[]).find((c) => c.type === 'text')!.text;
    return (JSON.parse(text) as { error: Row }).error;
  };

  beforeAll(async () => {
    pgServer = (await startPostgres())!;
    redis = (await startRedis())!;
    const dir = trackedTempDir('portcullis-replicas-');
    const records = PEOPLE.map((p) => {
      const { key, record } = generateApiKey(p);
      keys[p.principal] = key;
      return record;
    });
    writeFileSync(join(dir, 'api-keys.json'), JSON.stringify(records));
    const env = (name: string) =>
      cleanEnv({
        NODE_ENV: 'production',
        PORTCULLIS_AUTH: 'apikey',
        PORTCULLIS_API_KEYS_FILE: join(dir, 'api-keys.json'),
        PORTCULLIS_DATA_DIR: join(dir, name),
        DATABASE_URL: pgServer.url,
        REDIS_URL: redis.url,
        PORTCULLIS_AUDIT: 'postgres',
        // Every replica signs and checks approval tokens with the same key.
        PORTCULLIS_APPROVAL_KEY: 'env:REPLICA_APPROVAL_KEY',
        // ... and keys the audit chain with the same audit key (required in production).
        PORTCULLIS_AUDIT_KEY: 'env:REPLICA_AUDIT_KEY',
        REPLICA_AUDIT_KEY: 'a'.repeat(24) + 'K'.repeat(24),
        REPLICA_APPROVAL_KEY: 'r'.repeat(24) + 'S'.repeat(24),
        BILLING_SEED: 'demo',
        // Per principal and tool, shared through Redis: low enough for the limit test below,
        // above what any other test here sends on one tool.
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '24/10m',
      });
    // One after the other: the first runs the migrations and the seed, the second finds them done.
    a = await spawnHttp({
      cliPath: CLI,
      name: 'billing A',
      env: env('a'),
      expectHost: '127.0.0.1',
      timeoutMs: 120_000,
    });
    b = await spawnHttp({
      cliPath: CLI,
      name: 'billing B',
      env: env('b'),
      expectHost: '127.0.0.1',
      timeoutMs: 120_000,
    });
    proxy = await roundRobin(() => (bAlive ? [a.base, b.base] : [a.base]));
  }, 300_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    if (proxy) {
      proxy.server.closeAllConnections();
      await new Promise((r) => proxy.server.close(r));
    }
    await killAll();
    await redis?.stop();
    await pgServer?.stop();
    await cleanup();
  });

  it('plans on A, approves on B, applies on A', async () => {
    const onA = await connect(a.base, 'agent-7');
    const planned = await call(onA, 'billing_issue_refund', {
      order_id: '4821',
      amount_minor: 30_000,
      reason: 'requested_by_customer',
      idempotency_key: `story-${randomUUID()}`,
    });
    expect(planned.isError).toBe(true);
    const env = errorOf(planned);
    expect(env.code).toBe('approval_required');
    const planId = String((env.details as Row).plan_id);
    const approved = await fetch(`${b.base}/approvals/${planId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['manager-1']}` },
    });
    expect(approved.status).toBe(200);
    const body = (await approved.json()) as Row;
    expect(body.plan).toMatchObject({ plan_id: planId, status: 'approved', approver: 'manager-1' });
    const applied = await call(onA, 'billing_apply_refund', {
      plan_id: planId,
      approval_token: body.approval_token,
    });
    expect(applied.isError, JSON.stringify(applied.content)).toBeFalsy();
    expect(applied.structuredContent).toMatchObject({ result: { refund: { amount_minor: 30_000 } } });
    // The token is spent for both replicas.
    const onB = await connect(b.base, 'agent-7');
    const again = await call(onB, 'billing_apply_refund', {
      plan_id: planId,
      approval_token: body.approval_token,
    });
    expect(again.isError).toBe(true);
  }, 120_000);

  it('holds the daily refund budget exactly across both replicas under parallel load', async () => {
    const viaProxy = await connect(proxy.url, 'agent-9');
    // 16 direct refunds of $100.00 on 16 orders, 8 at a time: the budget ($1,000.00) admits 10.
    const orders = [
      '4801',
      '4802',
      '4804',
      '4808',
      '4809',
      '4811',
      '4812',
      '4813',
      '4815',
      '4816',
      '4818',
      '4819',
      '4825',
      '4826',
      '4827',
      '4828',
    ];
    const results: CallToolResult[] = [];
    for (let i = 0; i < orders.length; i += 8) {
      results.push(
        ...(await Promise.all(
          orders.slice(i, i + 8).map((order_id) =>
            call(viaProxy, 'billing_issue_refund', {
              order_id,
              amount_minor: 10_000,
              reason: 'requested_by_customer',
              idempotency_key: `budget-${order_id}-${randomUUID()}`,
            }),
          ),
        )),
      );
    }
    const okCount = results.filter((r) => !r.isError).length;
    expect(okCount).toBe(10);
    for (const r of results.filter((x) => x.isError))
      expect(['forbidden', 'conflict']).toContain(errorOf(r).category);
    // Both replicas served the load.
    expect(proxy.hits.get(a.base) ?? 0).toBeGreaterThan(0);
    expect(proxy.hits.get(b.base) ?? 0).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: pgServer.url });
    await db.connect();
    try {
      const used = await db.query<{ total: string }>(
        `SELECT coalesce(sum(amount_minor), 0)::text AS total FROM billing_refunds WHERE requested_by = $1`,
        ['agent-9'],
      );
      expect(Number(used.rows[0]!.total)).toBe(100_000);
    } finally {
      await db.end();
    }
  }, 180_000);

  it('holds the per-principal rate limit exactly across both replicas under parallel load', async () => {
    const viaProxy = await connect(proxy.url, 'agent-13');
    const before = new Map(proxy.hits);
    // 36 reads, 6 at a time, spread over both replicas: the shared limit (24 per 10 min) admits 24.
    const results: CallToolResult[] = [];
    for (let i = 0; i < 36; i += 6)
      results.push(
        ...(await Promise.all(
          Array.from({ length: 6 }, () => call(viaProxy, 'billing_get_order', { order_id: '4821' })),
        )),
      );
    const limited = results.filter((r) => r.isError && errorOf(r).category === 'rate_limited');
    expect(results.filter((r) => !r.isError)).toHaveLength(24);
    expect(limited).toHaveLength(12);
    for (const r of limited) expect(errorOf(r)).toMatchObject({ code: 'rate_limited', retryable: true });
    for (const replica of [a.base, b.base])
      expect((proxy.hits.get(replica) ?? 0) - (before.get(replica) ?? 0), replica).toBeGreaterThan(0);
  }, 180_000);

  it('loses no acknowledged audit record and applies no refund twice when a replica is SIGKILLed mid-load', async () => {
    const viaProxy = await connect(proxy.url, 'agent-11');
    const orders = ['4830', '4834', '4836', '4839', '4840', '4826', '4827', '4819', '4815', '4825'];
    const keysUsed = orders.map((o) => `kill-${o}-${randomUUID()}`);
    const acknowledged: { key: string; auditId: string; refundId?: string }[] = [];
    const issue = (i: number) =>
      call(viaProxy, 'billing_issue_refund', {
        order_id: orders[i]!,
        amount_minor: 5_000,
        reason: 'requested_by_customer',
        idempotency_key: keysUsed[i]!,
      });
    // All ten in flight through the proxy; B dies the moment the first one is acknowledged,
    // with the rest still on the wire to either replica.
    let killed = false;
    const inFlight = orders.map((_, i) =>
      issue(i)
        .then((r) => {
          const auditId = String(meta(r)['portcullis/audit_id'] ?? '');
          if (!r.isError)
            acknowledged.push({
              key: keysUsed[i]!,
              auditId,
              refundId: (r.structuredContent as Row).refund?.id,
            });
          if (!killed) {
            killed = true;
            bAlive = false;
            b.proc.kill('SIGKILL');
          }
        })
        // The connection died with B: not acknowledged; the client retries below.
        .catch(() => undefined),
    );
    await Promise.all(inFlight);
    expect(await b.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(acknowledged.length).toBeGreaterThan(0);

    // Every key again, now all on A: a key that was applied answers with the same refund; none is applied twice.
    const onA = await connect(a.base, 'agent-11');
    for (let i = 0; i < orders.length; i++) {
      const r = await issue(i).catch(() =>
        call(onA, 'billing_issue_refund', {
          order_id: orders[i]!,
          amount_minor: 5_000,
          reason: 'requested_by_customer',
          idempotency_key: keysUsed[i]!,
        }),
      );
      const before = acknowledged.find((x) => x.key === keysUsed[i]);
      if (before?.refundId && !r.isError)
        expect((r.structuredContent as Row).refund?.id).toBe(before.refundId);
    }
    const db = new pg.Client({ connectionString: pgServer.url });
    await db.connect();
    try {
      const perKey = await db.query<{ idempotency_key: string; n: string }>(
        `SELECT idempotency_key, count(*)::text AS n FROM billing_refunds WHERE idempotency_key = ANY($1) GROUP BY idempotency_key`,
        [keysUsed],
      );
      for (const row of perKey.rows) expect(Number(row.n), row.idempotency_key).toBe(1);
      const audited = await db.query<{ id: string }>(`SELECT id FROM portcullis_audit WHERE id = ANY($1)`, [
        acknowledged.map((x) => x.auditId),
      ]);
      expect(audited.rows.map((r) => r.id).sort()).toEqual(acknowledged.map((x) => x.auditId).sort());
    } finally {
      await db.end();
    }
  }, 240_000);

  it('leaves one intact audit chain: portcullis-audit verify --database-url', async () => {
    const r = await runProcess(process.execPath, [AUDIT_CLI, 'verify', '--database-url', pgServer.url], {
      env: cleanEnv(),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/intact/i);
  }, 120_000);
});

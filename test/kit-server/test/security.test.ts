/**
 * Negative security proofs against the spawned kit server: bad tokens, cross-tenant reads, role
 * escalation, list/call consistency, DNS rebinding, Origin, oversized bodies, production
 * refusals, and secrets from every credential source absent from logs, audit and results.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSecretsManager } from '@portcullis/fakes/aws-secrets-manager';
import {
  auditFileOf,
  callToolHttp,
  killAll,
  listToolsHttp,
  makeIssuer,
  metricValue,
  postRpc,
  rawHttp,
  readAudit,
  runKitCli,
  spawnHttp,
  startQuoteServer,
  tempDir,
  unknownToolShape,
  unsignedToken,
  waitFor,
  writeApiKeys,
  type QuoteServer,
  type ServerProc,
  type TestIssuer,
} from './helpers.js';

afterAll(async () => {
  await killAll();
});

describe('JWT negatives: every bad token is 401 with a resource_metadata challenge, nothing runs', () => {
  let srv: ServerProc;
  let iss: TestIssuer;
  let dataDir: string;
  let challengeUrl: string;
  const claims = { sub: 'eve', tenant: 'acme', roles: ['admin'] };
  const presented: string[] = [];

  beforeAll(async () => {
    dataDir = tempDir();
    iss = await makeIssuer(dataDir);
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: iss.issuer,
      PORTCULLIS_JWKS_FILE: iss.jwksFile,
    });
    challengeUrl = `${srv.base}/.well-known/oauth-protected-resource/mcp`;
  });

  const call = (headers: Record<string, string>) =>
    postRpc(
      srv.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'kit_echo', arguments: { message: 'should not run' } },
      },
      headers,
    );

  it('control: a good token is accepted (so the negatives below can fail)', async () => {
    const r = await call({ authorization: `Bearer ${await iss.mint(claims, { audience: srv.url })}` });
    expect(r.status).toBe(200);
    expect((r.json as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({
      message: 'should not run',
    });
  });

  it('missing token: 401, challenge without error=, only resource_metadata', async () => {
    const r = await call({});
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(`Bearer resource_metadata="${challengeUrl}"`);
  });

  const cases: [string, () => Promise<string>][] = [
    ['expired', () => iss.mint(claims, { audience: srv.url, expiresIn: -3600 })],
    [
      'forged signature (another key, same kid)',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return iss.mint(claims, { audience: srv.url, key: privateKey });
      },
    ],
    [
      'tampered payload (roles edited after signing)',
      async () => {
        const t = await iss.mint({ ...claims, roles: ['viewer'] }, { audience: srv.url });
        const [h, p, s] = t.split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
        payload.roles = ['admin'];
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      },
    ],
    [
      'alg: none',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        return unsignedToken({ ...claims, iss: iss.issuer, aud: srv.url, iat: now, exp: now + 300 });
      },
    ],
    [
      'HS256 signed with the public key (algorithm confusion)',
      async () =>
        iss.mint(claims, { audience: srv.url, alg: 'HS256', key: new TextEncoder().encode(iss.publicPem) }),
    ],
    [
      'HS256 signed with the JWK modulus (algorithm confusion, JWK form)',
      async () =>
        iss.mint(claims, {
          audience: srv.url,
          alg: 'HS256',
          key: new TextEncoder().encode(JSON.stringify(iss.publicJwk)),
        }),
    ],
    ['wrong issuer', () => iss.mint(claims, { audience: srv.url, issuer: 'https://evil.example' })],
    ['wrong audience', () => iss.mint(claims, { audience: 'https://another-server.example/mcp' })],
    ['no tenant claim', () => iss.mint({ sub: 'eve', roles: ['admin'] }, { audience: srv.url })],
    [
      'no exp claim',
      async () =>
        new SignJWT({ tenant: 'acme', roles: ['admin'] })
          .setProtectedHeader({ alg: 'RS256', kid: iss.kid })
          .setSubject('eve')
          .setIssuer(iss.issuer)
          .setAudience(srv.url)
          .setIssuedAt()
          .sign(iss.privateKey),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ];

  for (const [name, make] of cases) {
    it(`${name}: 401 with WWW-Authenticate error="invalid_token" and resource_metadata`, async () => {
      const token = await make();
      presented.push(token);
      const r = await call({ authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      const challenge = String(r.headers['www-authenticate']);
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain(`resource_metadata="${challengeUrl}"`);
      expect(r.text).not.toContain('should not run');
    });
  }

  it('a token in the wrong scheme or via X-API-Key is refused', async () => {
    const t = await iss.mint(claims, { audience: srv.url });
    expect((await call({ authorization: `Basic ${t}` })).status).toBe(401);
    expect((await call({ authorization: t })).status).toBe(401);
    expect((await call({ 'x-api-key': t })).status).toBe(401);
  });

  it('no refused request ran a tool or wrote an audit record', async () => {
    const recs = readAudit(auditFileOf(dataDir));
    expect(recs).toHaveLength(1); // only the control call
    expect(recs[0]).toMatchObject({ principal: 'eve', tool: 'kit_echo', outcome: 'ok' });
    const metrics = (await rawHttp(`${srv.base}/metrics`)).text;
    expect(metricValue(metrics, 'portcullis_tool_calls_total', { tool: 'kit_echo', outcome: 'ok' })).toBe(1);
    // the log says why, without the token
    await waitFor(
      () => srv.stderr.filter((l) => l.includes('request refused: unauthenticated')).length >= cases.length,
      10_000,
      'a log line per refusal',
    );
    const log = srv.stderr.join('\n');
    expect(presented.length).toBeGreaterThanOrEqual(cases.length);
    for (const t of presented) expect(log.includes(t)).toBe(false);
  });
});

describe('tenant isolation and role escalation (JWT over HTTP)', () => {
  let srv: ServerProc;
  let iss: TestIssuer;
  let dataDir: string;
  const as = async (sub: string, tenant: string, roles: string[]) => ({
    authorization: `Bearer ${await iss.mint({ sub, tenant, roles }, { audience: srv.url })}`,
  });

  beforeAll(async () => {
    dataDir = tempDir();
    iss = await makeIssuer(dataDir);
    srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'jwt',
      PORTCULLIS_JWT_ISSUER: iss.issuer,
      PORTCULLIS_JWKS_FILE: iss.jwksFile,
    });
  });

  it('a tenant-A principal reading a tenant-B note is forbidden, audited with the deciding policy id', async () => {
    const h = await as('alice', 'acme', ['admin']);
    const r = await callToolHttp(srv.url, 'kit_get_note', { id: 'note_0002' }, h); // note_0002 belongs to globex
    expect(r.isError).toBe(true);
    expect(r.envelope).toMatchObject({
      category: 'forbidden',
      code: 'denied_by_policy',
      retryable: false,
      details: { policies: ['kit-tenant-isolation'] },
    });
    expect(r.text).not.toContain('Body of note 2');
    expect(JSON.stringify(r.raw)).not.toContain('Note 2 about');
    const rec = readAudit(auditFileOf(dataDir)).find((x) => x.id === r.auditId);
    expect(rec).toMatchObject({
      principal: 'alice',
      tenant: 'acme',
      tool: 'kit_get_note',
      outcome: 'denied',
      decision: { effect: 'deny', policies: ['kit-tenant-isolation'] },
    });
    // the same note is readable in its own tenant (the denial is about the tenant, not the note)
    const own = await callToolHttp(
      srv.url,
      'kit_get_note',
      { id: 'note_0002' },
      await as('gina', 'globex', ['viewer']),
    );
    expect(own.structured).toMatchObject({ id: 'note_0002', tenant: 'globex' });
  });

  it('cross-tenant delete by an admin is forbidden and deletes nothing', async () => {
    const r = await callToolHttp(
      srv.url,
      'kit_delete_note',
      { id: 'note_0004', version: 1 },
      await as('alice', 'acme', ['admin']),
    );
    expect(r.envelope).toMatchObject({
      category: 'forbidden',
      details: { policies: ['kit-tenant-isolation'] },
    });
    expect(
      (
        await callToolHttp(
          srv.url,
          'kit_get_note',
          { id: 'note_0004' },
          await as('gina', 'globex', ['viewer']),
        )
      ).isError,
    ).toBe(false);
  });

  it("search never returns another tenant's notes, whatever the query", async () => {
    const h = await as('alice', 'acme', ['admin']);
    for (const query of ['', 'Note 2', '%', '_', "' OR 1=1 --", '\\']) {
      const r = await callToolHttp(srv.url, 'kit_search_notes', { query, limit: 100 }, h);
      expect(r.isError, query).toBe(false);
      expect(
        (r.structured!.notes as { tenant: string }[]).every((n) => n.tenant === 'acme'),
        query,
      ).toBe(true);
    }
    const pct = await callToolHttp(srv.url, 'kit_search_notes', { query: '%', limit: 100 }, h);
    expect(pct.structured!.notes).toEqual([]); // % is a literal, not a wildcard
  });

  it('a viewer calling kit_create_note: absent from its list, answered as an unknown tool, audited as denied', async () => {
    const h = await as('vic', 'acme', ['viewer']);
    const listed = await listToolsHttp(srv.url, h);
    expect(listed).not.toContain('kit_create_note');
    expect(listed).not.toContain('kit_delete_note');
    const hidden = await callToolHttp(srv.url, 'kit_create_note', { title: 'escalate' }, h);
    const unknown = await callToolHttp(srv.url, 'kit_make_me_admin', { title: 'escalate' }, h);
    expect(hidden.status).toBe(200);
    expect(hidden.rpcError).toBeDefined();
    expect(hidden.rpcError!.code).toBe(-32602);
    expect(hidden.rpcError!.code).toBe(unknown.rpcError!.code);
    expect(unknownToolShape(hidden.rpcError!.message, 'kit_create_note')).toBe(
      unknownToolShape(unknown.rpcError!.message, 'kit_make_me_admin'),
    );
    expect(Object.keys(hidden.rpcError!).sort()).toEqual(Object.keys(unknown.rpcError!).sort());
    const recs = readAudit(auditFileOf(dataDir)).filter((r) => r.principal === 'vic');
    expect(recs.map((r) => [r.tool, r.outcome, r.error_code])).toEqual([
      ['kit_create_note', 'denied', 'unknown_tool'],
      ['kit_make_me_admin', 'denied', 'unknown_tool'],
    ]);
    // nothing was created
    const titles = (
      (await callToolHttp(srv.url, 'kit_search_notes', { query: 'escalate', limit: 100 }, h)).structured!
        .notes as unknown[]
    ).length;
    expect(titles).toBe(0);
  });

  it('list/call consistency: for each role, every listed tool is callable and every unlisted one is unknown', async () => {
    const all = [
      'kit_create_note',
      'kit_delete_note',
      'kit_echo',
      'kit_fetch_quote',
      'kit_get_note',
      'kit_search_notes',
    ];
    for (const roles of [[], ['viewer'], ['editor'], ['admin'], ['viewer', 'editor'], ['superuser']]) {
      const h = await as(`role-${roles.join('-') || 'none'}`, 'acme', roles);
      const listed = await listToolsHttp(srv.url, h);
      for (const tool of all) {
        const r = await callToolHttp(srv.url, tool, {}, h);
        // listed tools answer with a tool result (here: validation errors for empty args, or success)
        if (listed.includes(tool)) expect(r.rpcError, `${roles.join(',')} ${tool}`).toBeUndefined();
        else expect(r.rpcError?.code, `${roles.join(',')} ${tool}`).toBe(-32602);
      }
    }
  });

  it('an editor cannot delete a note it does not own; the owner can', async () => {
    // note_0003: acme, owner bob
    const r = await callToolHttp(
      srv.url,
      'kit_delete_note',
      { id: 'note_0003', version: 1 },
      await as('alice', 'acme', ['editor']),
    );
    expect(r.envelope).toMatchObject({ category: 'forbidden' });
    expect(readAudit(auditFileOf(dataDir)).find((x) => x.id === r.auditId)).toMatchObject({
      outcome: 'denied',
      decision: { effect: 'deny' },
    });
    const byOwner = await callToolHttp(
      srv.url,
      'kit_delete_note',
      { id: 'note_0003', version: 1 },
      await as('bob', 'acme', ['editor']),
    );
    expect(byOwner.structured).toEqual({ deleted: 'note_0003' });
  });

  it('roles as a space-separated string claim work; claims cannot be smuggled via arguments', async () => {
    const t = await iss.mint({ sub: 'sam', tenant: 'acme', roles: 'viewer editor' }, { audience: srv.url });
    const h = { authorization: `Bearer ${t}` };
    expect(await listToolsHttp(srv.url, h)).toContain('kit_create_note');
    const r = await callToolHttp(
      srv.url,
      'kit_create_note',
      { title: 'mine', tenant: 'globex', owner: 'root' },
      h,
    );
    expect(r.structured).toMatchObject({ tenant: 'acme', owner: 'sam' });
  });
});

describe('transport hardening (Host, Origin, body size)', () => {
  let srv: ServerProc;
  let key: string;
  beforeAll(async () => {
    const dataDir = tempDir();
    key = writeApiKeys(dataDir, [{ principal: 'hardening', roles: ['viewer'], tenant: 'acme' }]).keys
      .hardening!;
    srv = await spawnHttp({ PORTCULLIS_DATA_DIR: dataDir });
  });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const post = (headers: Record<string, string>, b = body) =>
    rawHttp(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: b,
    });

  it('DNS rebinding: a foreign Host header is 403 (before authentication)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${srv.port}`,
      `127.0.0.1.nip.io:${srv.port}`,
      `localhost:${srv.port + 1}`,
    ]) {
      const r = await post({ host });
      expect(r.status, host).toBe(403);
      expect((r.json as { error: { message: string } }).error.message).toContain('Host');
    }
    for (const path of ['/healthz', '/metrics', '/.well-known/oauth-protected-resource']) {
      expect((await rawHttp(`${srv.base}${path}`, { headers: { host: 'evil.example' } })).status, path).toBe(
        403,
      );
    }
    // control: loopback names on the right port are served
    for (const host of [`127.0.0.1:${srv.port}`, `localhost:${srv.port}`])
      expect((await post({ host })).status, host).toBe(200);
  });

  it("an Origin that is not allowed is 403; the server's own origin is served", async () => {
    for (const origin of [
      'http://evil.example',
      'https://127.0.0.1',
      `http://127.0.0.1:${srv.port + 1}`,
      'null',
    ]) {
      const r = await post({ origin });
      expect(r.status, origin).toBe(403);
      expect((r.json as { error: { message: string } }).error.message).toContain('Origin');
    }
    expect((await post({ origin: `http://127.0.0.1:${srv.port}` })).status).toBe(200);
  });

  it('an oversized body is 413 with a JSON-RPC error, and the server keeps serving', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'kit_echo', arguments: { message: 'x'.repeat(1_200_000) } },
    });
    const r = await post({}, big);
    expect(r.status).toBe(413);
    expect((r.json as { error: { code: number } }).error.code).toBe(-32600);
    expect((await post({})).status).toBe(200);
  });

  it('malformed JSON is 400 -32700, no stack trace', async () => {
    const r = await post({}, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(r.status).toBe(400);
    expect((r.json as { error: { code: number } }).error.code).toBe(-32700);
    expect(r.text).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('production refusals', () => {
  it('NODE_ENV=production with PORTCULLIS_AUTH=none: start-up refused, exit 1', async () => {
    const r = await runKitCli({
      NODE_ENV: 'production',
      PORTCULLIS_AUTH: 'none',
      PORTCULLIS_DATA_DIR: tempDir(),
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-kit: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('portcullis-kit: PORTCULLIS_AUTH=none is refused when NODE_ENV=production');
    expect(r.stderr).not.toContain('serving MCP');
  });

  it('finding 14: NODE_ENV=Production (any case) with PORTCULLIS_AUTH=none: start-up refused, exit 1', async () => {
    const r = await runKitCli({
      NODE_ENV: 'Production',
      PORTCULLIS_AUTH: 'none',
      PORTCULLIS_DATA_DIR: tempDir(),
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-kit: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('portcullis-kit: PORTCULLIS_AUTH=none is refused when NODE_ENV=production');
    expect(r.stderr).not.toContain('serving MCP');
  });

  it('finding 8: NODE_ENV=production without PORTCULLIS_AUDIT_KEY: start-up refused in one line', async () => {
    const dir = tempDir();
    const prod = writeApiKeys(dir, [{ principal: 'ops', roles: ['admin'], tenant: 'acme' }]);
    const r = await runKitCli({
      NODE_ENV: 'production',
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: prod.file,
      PORTCULLIS_DATA_DIR: tempDir(),
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('portcullis-kit: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^portcullis-kit: PORTCULLIS_AUDIT_KEY is required when NODE_ENV=production/);
  });

  it('dev API keys are refused in production; the same file without dev keys starts', async () => {
    const dir = tempDir();
    const dev = writeApiKeys(
      dir,
      [
        { principal: 'ops', roles: ['admin'], tenant: 'acme' },
        { principal: 'local-dev', roles: ['admin'], tenant: 'acme', dev: true },
      ],
      'dev-keys.json',
    );
    const r = await runKitCli({
      NODE_ENV: 'production',
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: dev.file,
      PORTCULLIS_DATA_DIR: tempDir(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/development key [0-9a-f]+ is refused when NODE_ENV=production/);
    expect(r.stderr).not.toContain(dev.keys['local-dev']!);

    const prod = writeApiKeys(
      dir,
      [{ principal: 'ops', roles: ['admin'], tenant: 'acme' }],
      'prod-keys.json',
    );
    const auditKey = join(dir, 'audit.key');
    writeFileSync(auditKey, 'k'.repeat(48), { mode: 0o600 });
    const srv = await spawnHttp({
      NODE_ENV: 'production',
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: prod.file,
      PORTCULLIS_AUDIT_KEY: `file:${auditKey}`,
      PORTCULLIS_DATA_DIR: tempDir(),
    });
    try {
      expect(await listToolsHttp(srv.url, { authorization: `Bearer ${prod.keys.ops}` })).toHaveLength(6);
    } finally {
      expect((await srv.stop()).code).toBe(0);
    }
  });

  it('symmetric or none JWT algorithms cannot be configured', async () => {
    const dir = tempDir();
    const iss = await makeIssuer(dir);
    for (const algs of ['HS256', 'RS256,none']) {
      const r = await runKitCli({
        PORTCULLIS_AUTH: 'jwt',
        PORTCULLIS_JWT_ISSUER: iss.issuer,
        PORTCULLIS_JWKS_FILE: iss.jwksFile,
        PORTCULLIS_JWT_ALGORITHMS: algs,
        PORTCULLIS_DATA_DIR: tempDir(),
      });
      expect(r.code, algs).toBe(1);
      expect(r.stderr).toContain('PORTCULLIS_JWT_ALGORITHMS');
    }
  });
});

describe('secrets from env:, file: and aws-sm: never reach logs, audit records or results', () => {
  let quotes: QuoteServer;
  beforeAll(async () => {
    quotes = await startQuoteServer();
  });
  afterAll(async () => {
    await quotes?.close();
  });

  /**
   * Starts a server whose upstream token comes from `ref`, then works hard to leak it: the
   * upstream echoes the token in a successful quote and in failure bodies and headers, the
   * model passes it as an argument, the credential is rotated (401 → re-resolve, which logs),
   * and the upstream fails permanently (which logs the internal error). Then greps everything.
   */
  async function provesNoLeak(
    secrets: string[],
    env: Record<string, string>,
    rotate?: () => Promise<string>,
  ): Promise<void> {
    const dataDir = tempDir();
    const { keys } = writeApiKeys(dataDir, [{ principal: 'leak-tester', roles: ['admin'], tenant: 'acme' }]);
    const srv = await spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      KIT_UPSTREAM_URL: quotes.url,
      PORTCULLIS_LOG_LEVEL: 'debug',
      ...env,
    });
    const h = { authorization: `Bearer ${keys['leak-tester']}` };
    const results: unknown[] = [];
    const current = secrets[0]!;
    try {
      quotes.validToken = current;
      // the upstream puts the token in its answer
      quotes.queue('leak', {
        status: 200,
        body: JSON.stringify({ quote: `your token is ${current} (keep it secret)` }),
      });
      const ok = await callToolHttp(srv.url, 'kit_fetch_quote', { topic: 'leak' }, h);
      expect(ok.isError).toBe(false);
      expect(String(ok.structured!.quote)).toContain('[REDACTED]');
      results.push(ok.raw);
      // the model passes the secret as an argument
      const echo = await callToolHttp(srv.url, 'kit_echo', { message: `echo ${current}` }, h);
      results.push(echo.raw);
      // a permanent upstream failure that reflects the token in body and headers (logged as an internal error)
      quotes.always('fail', {
        status: 503,
        body: JSON.stringify({ error: `bad ${current}` }),
        headers: { 'x-echo-token': current },
      });
      const failed = await callToolHttp(srv.url, 'kit_fetch_quote', { topic: 'fail' }, h);
      quotes.always('fail', null);
      expect(failed.envelope?.category).toBe('upstream');
      results.push(failed.raw);
      // a rejected token (401 whose body quotes it) → the credential is re-resolved once
      if (rotate) {
        const next = await rotate();
        quotes.validToken = next;
        const rotated = await callToolHttp(srv.url, 'kit_fetch_quote', { topic: 'after' }, h);
        expect(rotated.isError).toBe(false);
        results.push(rotated.raw);
        quotes.queue('leaktwo', { status: 200, body: JSON.stringify({ quote: `now ${next}` }) });
        const leak2 = await callToolHttp(srv.url, 'kit_fetch_quote', { topic: 'leaktwo' }, h);
        expect(String(leak2.structured!.quote)).toBe('now [REDACTED]');
        results.push(leak2.raw);
        expect(srv.stderr.some((l) => l.includes('credential re-resolved after an upstream 401'))).toBe(true);
      }
    } finally {
      quotes.validToken = null;
      expect((await srv.stop()).code).toBe(0);
    }
    // the failure really was logged (so the grep below looks at a log that had the chance to leak)
    expect(srv.stderr.some((l) => l.includes('tool call failed'))).toBe(true);
    const stderr = srv.stderr.join('\n');
    const audit = readFileSync(auditFileOf(dataDir), 'utf8');
    const replies = JSON.stringify(results);
    const auditDir = join(dataDir, 'audit');
    const otherAuditFiles = readdirSync(auditDir)
      .map((f) => readFileSync(join(auditDir, f), 'utf8'))
      .join('\n');
    for (const s of secrets) {
      expect(stderr.includes(s), `secret in stderr: ${s}`).toBe(false);
      expect(audit.includes(s), `secret in audit: ${s}`).toBe(false);
      expect(otherAuditFiles.includes(s), `secret in audit dir: ${s}`).toBe(false);
      expect(replies.includes(s), `secret in a result: ${s}`).toBe(false);
    }
    expect(audit).toContain('[REDACTED]'); // the echoed argument was masked, not dropped
  }

  it('env:NAME', async () => {
    const secret = 'env-secret-7f3a9c1e5b2d4f60a8e1';
    await provesNoLeak([secret], { KIT_UPSTREAM_TOKEN: 'env:QUOTES_SECRET', QUOTES_SECRET: secret });
  });

  it('file:/path, rotated on disk (401 → re-resolved once)', async () => {
    const dir = tempDir();
    const file = join(dir, 'quotes-token');
    const v1 = 'file-secret-v1-2b4d6f8a0c1e3a5c7e9';
    const v2 = 'file-secret-v2-9e7c5a3e1c0a8f6d4b2';
    writeFileSync(file, `${v1}\n`, { mode: 0o600 });
    await provesNoLeak([v1, v2], { KIT_UPSTREAM_TOKEN: `file:${file}` }, async () => {
      writeFileSync(file, `${v2}\n`);
      return v2;
    });
  });

  it('aws-sm:secret-id and aws-sm:secret-id#json-key (fake Secrets Manager), rotated in the store', async () => {
    const v1 = 'awssm-secret-v1-4c6e8a0b2d4f6a8c0e';
    const v2 = 'awssm-secret-v2-1f3e5d7c9b1a3f5e7d';
    const sm = await startFakeSecretsManager({
      'kit/quotes': v1,
      'kit/quotes-json': JSON.stringify({ token: v1, note: 'json form' }),
    });
    const awsEnv = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0001',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key-for-tests-only',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    try {
      await provesNoLeak([v1, v2], { ...awsEnv, KIT_UPSTREAM_TOKEN: 'aws-sm:kit/quotes' }, async () => {
        sm.setSecret('kit/quotes', v2);
        return v2;
      });
      expect(sm.calls('GetSecretValue')).toBeGreaterThanOrEqual(2);
      const j1 = 'awssm-json-v1-6a8c0e2b4d6f8a0c2e';
      sm.setSecret('kit/quotes-json', JSON.stringify({ token: j1 }));
      await provesNoLeak([j1], { ...awsEnv, KIT_UPSTREAM_TOKEN: 'aws-sm:kit/quotes-json#token' });
    } finally {
      await sm.close();
    }
  });

  it('a credential that cannot be resolved stops start-up without echoing the reference value', async () => {
    const r = await runKitCli({
      PORTCULLIS_DATA_DIR: tempDir(),
      PORTCULLIS_AUTH: 'none',
      KIT_UPSTREAM_URL: quotes.url,
      KIT_UPSTREAM_TOKEN: 'env:NOT_SET_ANYWHERE',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('KIT_UPSTREAM_TOKEN');
    const pasted = 'sk_live_pasted_secret_0123456789abcdef';
    const bad = await runKitCli({
      PORTCULLIS_DATA_DIR: tempDir(),
      PORTCULLIS_AUTH: 'none',
      KIT_UPSTREAM_URL: quotes.url,
      KIT_UPSTREAM_TOKEN: pasted,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('KIT_UPSTREAM_TOKEN');
    expect(bad.stderr).not.toContain(pasted);
  });
});

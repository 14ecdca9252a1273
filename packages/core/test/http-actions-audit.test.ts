/**
 * A plain-HTTP action (ServerDefinition.httpActions, as POST /approvals/{plan_id}) answers with its
 * tool's result or error envelope and a status. While the audit trail cannot be written nothing
 * runs, and the status says the server is unavailable for now (503), which clients and proxies
 * retry; once a record is written again the action runs. A failure around the call is a 500.
 */
import type { AuditSink } from '@portcullis/core/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/http-lazy.js';
import { ApiKeyAuthenticator, generateApiKey } from '../src/identity.js';
import { startInProcess, type InProcessHarness } from '../src/testing.js';
import { thingsServer } from './fixtures/things-server.js';

describe('a plain-HTTP action while the audit trail cannot be written', () => {
  let h: InProcessHarness<unknown>;
  let srv: { url: string; close: () => Promise<void> };
  let failing = false;
  let key = '';

  beforeAll(async () => {
    h = await startInProcess(
      thingsServer({ httpActions: [{ path: '/things/get', tool: 'sys_get_thing' }] }),
      {
        principal: { id: 'p', tenant: 't' },
        env: { PORTCULLIS_LOG_LEVEL: 'silent' },
      },
    );
    const sink = (h.runtime.host as unknown as { audit: AuditSink }).audit;
    const append = sink.append.bind(sink);
    sink.append = async (event) => {
      if (failing) throw new Error('ENOSPC: no space left on device, write');
      return append(event);
    };
    const apiKey = generateApiKey({ principal: 'p', roles: [], tenant: 't' });
    key = apiKey.key;
    const app = await createHttpApp(h.runtime, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator([apiKey.record], false),
    });
    srv = await app.listen();
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  const act = () =>
    fetch(`${srv.url}/things/get`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });

  it('answers 503 audit_unavailable, then runs once a record is written again', async () => {
    expect((await act()).status).toBe(200);
    failing = true;
    // The call whose own record fails has run: an internal error (500).
    expect((await act()).status).toBe(500);
    const refused = await act();
    expect(refused.status).toBe(503);
    const body = await refused.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'audit_unavailable', retryable: true } });
    expect(body).not.toMatch(/ENOSPC|no space/);
    failing = false;
    // The next refusal is recorded, and that record ends it.
    expect((await act()).status).toBe(503);
    expect((await act()).status).toBe(200);
  });

  it("answers a failure around the call as the server's (500), not as a refusal (403)", async () => {
    const runtime = h.runtime as unknown as { callTool: (...a: unknown[]) => Promise<unknown> };
    const callTool = runtime.callTool;
    runtime.callTool = () => Promise.reject(new Error('connect ECONNREFUSED postgres://ops:s3cret@db'));
    try {
      const failed = await act();
      expect(failed.status).toBe(500);
      const body = await failed.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'internal_error', category: 'internal' } });
      expect(body).not.toMatch(/s3cret|ECONNREFUSED/);
    } finally {
      runtime.callTool = callTool;
    }
    expect((await act()).status).toBe(200);
  });
});

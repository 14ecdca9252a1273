/**
 * A caller assertion the server refuses (forged, another tenant's, or sent by a principal without
 * the broker role) is a refusal like any other: it is on the audit trail, as the authenticated
 * principal, with what the request asked for (never the assertion itself), and is rate limited
 * under one bucket, on the SDK's path and on the HTTP fast path alike. An accepted one acts as the
 * caller it names.
 */
import { generateKeyPairSync } from 'node:crypto';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  CALLER_ASSERTION_META_KEY,
  CallerAssertionSigner,
  createHttpApp,
  generateApiKey,
} from '@portcullis/core';
import type { AuditRecord } from '@portcullis/core/audit';
import { ApiKeyAuthenticator } from '@portcullis/core/identity';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { server as kit, type KitBackend } from '@portcullis/test-kit-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRpc } from './helpers.js';

const pem = (pair: ReturnType<typeof generateKeyPairSync>) => ({
  priv: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  pub: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});
const BROKER = pem(generateKeyPairSync('ed25519'));
const FORGER = pem(generateKeyPairSync('ed25519'));
const ALICE = {
  id: 'alice',
  roles: ['editor'],
  tenant: 'acme',
  attributes: {},
  onBehalfOf: null,
  via: 'apikey' as const,
};

describe('a refused caller assertion', () => {
  let h: InProcessHarness<KitBackend>;
  let srv: { url: string; close: () => Promise<void> };
  let brokerKey = '';
  let signer: CallerAssertionSigner;
  let forger: CallerAssertionSigner;

  beforeAll(async () => {
    // The kit's system with one unguarded resource, so a read carries an assertion too.
    const withResource = {
      ...kit,
      resources: [{ uri: 'kit://about', name: 'about', description: 'About.', read: async () => 'about' }],
    };
    h = await startInProcess(withResource, {
      principal: { id: 'broker-svc', roles: ['editor', 'broker'], tenant: 'acme' },
      env: {
        PORTCULLIS_LOG_LEVEL: 'silent',
        PORTCULLIS_BROKER_PUBLIC_KEY: 'env:BROKER_PUB',
        BROKER_PUB: BROKER.pub,
        // Four refusals a minute for a principal; the fifth is rate limited.
        PORTCULLIS_RATE_PRINCIPAL_TOOL: '4/60s',
      },
    });
    const key = generateApiKey({ principal: 'broker-svc', roles: ['editor', 'broker'], tenant: 'acme' });
    brokerKey = key.key;
    const app = await createHttpApp(h.runtime, {
      host: '127.0.0.1',
      port: 0,
      authenticator: new ApiKeyAuthenticator([key.record], false),
    });
    srv = await app.listen();
    signer = await CallerAssertionSigner.fromPem(BROKER.priv);
    forger = await CallerAssertionSigner.fromPem(FORGER.priv);
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  const last = (): AuditRecord => h.auditRecords().at(-1)!;
  const refusedCall = (assertion: string) =>
    h.client
      .callTool({
        name: 'kit_create_note',
        arguments: { title: 'via-broker', body: 'b' },
        _meta: { [CALLER_ASSERTION_META_KEY]: assertion },
      })
      .then(
        () => null,
        (err: unknown) => err,
      );

  it('is recorded as a denial of the authenticated principal, then rate limited', async () => {
    // An accepted assertion acts as alice, the broker as actor.
    const ok = await h.client.callTool({
      name: 'kit_search_notes',
      arguments: { query: 'x' },
      _meta: { [CALLER_ASSERTION_META_KEY]: await signer.sign(ALICE) },
    });
    expect(ok.isError).toBeFalsy();
    expect(last()).toMatchObject({ principal: 'broker-svc', on_behalf_of: 'alice', outcome: 'ok' });

    const forged = await forger.sign(ALICE);
    const before = h.auditRecords().length;
    const err = await refusedCall(forged);
    expect(err).toBeInstanceOf(McpError);
    expect(String((err as Error).message)).toMatch(/caller assertion is not valid/);
    expect(h.auditRecords()).toHaveLength(before + 1);
    expect(last()).toMatchObject({
      tool: 'kit_create_note',
      principal: 'broker-svc',
      on_behalf_of: null,
      tenant: 'acme',
      outcome: 'denied',
      error_code: 'invalid_caller_assertion',
      arguments: { title: 'via-broker', body: 'b' },
    });
    expect(JSON.stringify(last())).not.toContain(forged);

    // Another tenant's caller, named by the real key.
    expect(
      String(((await refusedCall(await signer.sign({ ...ALICE, tenant: 'globex' }))) as Error).message),
    ).toMatch(/another tenant/);
    expect(last()).toMatchObject({ tool: 'kit_create_note', outcome: 'denied', on_behalf_of: null });

    // A resource read carrying a forged assertion.
    const read = await h.client
      .readResource({ uri: 'kit://about', _meta: { [CALLER_ASSERTION_META_KEY]: forged } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(read).toBeInstanceOf(McpError);
    expect(last()).toMatchObject({
      tool: 'resources/read',
      outcome: 'denied',
      error_code: 'invalid_caller_assertion',
      arguments: { uri: 'kit://about' },
    });

    // The HTTP fast path records it the same way.
    const call = (id: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'kit_search_notes',
        arguments: { query: 'fast' },
        _meta: { [CALLER_ASSERTION_META_KEY]: forged },
      },
    });
    const auth = { authorization: `Bearer ${brokerKey}` };
    const fast = await postRpc(`${srv.url}/mcp`, call(1), auth);
    expect(fast.text).toMatch(/caller assertion is not valid/);
    expect(last()).toMatchObject({
      tool: 'kit_search_notes',
      principal: 'broker-svc',
      outcome: 'denied',
      error_code: 'invalid_caller_assertion',
    });

    // The fifth refusal in the minute is rate limited, and recorded so.
    const limited = await postRpc(`${srv.url}/mcp`, call(2), auth);
    expect(limited.text).toMatch(/too many calls/);
    expect(last()).toMatchObject({
      tool: 'kit_search_notes',
      outcome: 'rate_limited',
      error_code: 'rate_limited',
    });
    // The refusals spent their own bucket, not the tool's: the broker's whole window for the tool
    // (four a minute) is still there.
    for (let i = 0; i < 4; i++) {
      const after = await h.client.callTool({ name: 'kit_search_notes', arguments: { query: 'x' } });
      expect(after.isError, `call ${i + 1}`).toBeFalsy();
    }
  });
});

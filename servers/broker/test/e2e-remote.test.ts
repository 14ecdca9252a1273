/**
 * The built CLIs end to end with a remote Portcullis CRM: the CRM's own CLI over HTTP (API keys,
 * accepting caller assertions from the broker's key), the broker's CLI fronting it with
 * `caller_assertion: true`, driven over stdio and over HTTP. The CRM's own audit trail names the
 * real caller (`on_behalf_of`) with the broker as the actor, and both audit chains verify with the
 * `portcullis-audit` CLI after a clean stop.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness } from '@portcullis/test-support/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile } from './helpers.js';

const BROKER_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CRM_CLI = fileURLToPath(new URL('../../crm/dist/cli.js', import.meta.url));
const TIMEOUT = 300_000;
type Row = Record<string, unknown>;

const pair = generateKeyPairSync('ed25519');
const BROKER_PRIV = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const BROKER_PUB = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const broker = serverHarness({
  cliPath: BROKER_CLI,
  name: 'broker CLI',
  tempPrefix: 'broker-e2er-',
  timeoutMs: TIMEOUT,
});
const crm = serverHarness({
  cliPath: CRM_CLI,
  name: 'crm CLI',
  tempPrefix: 'broker-e2er-crm-',
  timeoutMs: TIMEOUT,
});
afterAll(async () => {
  await broker.cleanup();
  await crm.cleanup();
}, TIMEOUT);

describe('a remote Portcullis CRM behind the broker, both built CLIs', () => {
  let remote: Awaited<ReturnType<typeof crm.spawnHttp>>;
  let remoteData: string;
  let brokerToken: string;
  let config: string;
  /** The broker's record id of each call, and whose call it was. */
  const calls: { auditId: string; caller: string; brokerData: string }[] = [];

  beforeAll(async () => {
    remoteData = crm.tempDir();
    const dir = crm.tempDir();
    // The CRM knows only the broker's own credential, which holds the `broker` role.
    const { keys } = crm.writeApiKeys(
      dir,
      [
        {
          principal: 'broker-svc',
          roles: ['manager', 'broker'],
          tenant: 'acme',
          attributes: { team: 'east' },
        },
      ],
      generateApiKey,
    );
    brokerToken = keys['broker-svc']!;
    remote = await crm.spawnHttp({
      PORTCULLIS_DATA_DIR: remoteData,
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: join(dir, 'api-keys.json'),
      PORTCULLIS_BROKER_PUBLIC_KEY: 'env:BROKER_PUB',
      BROKER_PUB,
    });
    config = configFile(
      [
        'upstreams:',
        '  - name: remote-crm',
        `    url: ${remote.url}`,
        '    auth: { bearer: env:REMOTE_CRM_TOKEN }',
        '    prefix: remote_',
        '    caller_assertion: true',
        '    timeout_ms: 10000',
        '',
      ].join('\n'),
      broker.tempDir(),
    );
  }, TIMEOUT);

  const brokerEnv = (extra: Record<string, string>) => ({
    REMOTE_CRM_TOKEN: brokerToken,
    PORTCULLIS_BROKER_SIGNING_KEY: 'env:BROKER_PRIV',
    BROKER_PRIV,
    ...extra,
  });

  it(
    'stdio: the broker as one desktop entry calls the remote CRM as the desktop user',
    async () => {
      const brokerData = broker.tempDir();
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BROKER_CLI, '--config', config],
        env: broker.cleanEnv(
          brokerEnv({
            PORTCULLIS_DATA_DIR: brokerData,
            PORTCULLIS_PRINCIPAL: 'alice',
            PORTCULLIS_ROLES: 'rep',
            PORTCULLIS_TENANT: 'acme',
          }),
        ),
        stderr: 'pipe',
      });
      const client = new Client({ name: 'broker-e2er-stdio', version: '1.0.0' });
      await client.connect(transport);
      if (transport.pid !== null) broker.trackPid(transport.pid);
      try {
        expect((await client.listTools()).tools.map((t) => t.name)).toContain('remote_crm_search_accounts');
        const r = (await client.callTool({ name: 'remote_crm_search_accounts', arguments: {} })) as Row;
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        calls.push({
          auditId: (r._meta as Row)['portcullis/audit_id'] as string,
          caller: 'alice',
          brokerData,
        });
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );

  it(
    'HTTP: the broker with API keys calls the remote CRM as each authenticated caller',
    async () => {
      const brokerData = broker.tempDir();
      const dir = broker.tempDir();
      const { keys } = broker.writeApiKeys(
        dir,
        [{ principal: 'bob', roles: ['rep'], tenant: 'acme', attributes: { team: 'east' } }],
        generateApiKey,
      );
      const srv = await broker.spawnHttp(
        brokerEnv({
          PORTCULLIS_DATA_DIR: brokerData,
          PORTCULLIS_AUTH: 'apikey',
          PORTCULLIS_API_KEYS_FILE: join(dir, 'api-keys.json'),
          PORTCULLIS_BROKER_CONFIG: config,
        }),
      );
      const client = new Client({ name: 'broker-e2er-http', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(srv.url), {
          requestInit: { headers: { Authorization: `Bearer ${keys.bob}` } },
        }),
      );
      const r = (await client.callTool({ name: 'remote_crm_search_accounts', arguments: {} })) as Row;
      expect(r.isError, JSON.stringify(r)).toBeFalsy();
      calls.push({ auditId: (r._meta as Row)['portcullis/audit_id'] as string, caller: 'bob', brokerData });
      await client.close();
      expect((await srv.stop('SIGTERM')).code).toBe(0);
    },
    TIMEOUT,
  );

  it(
    "the CRM's own audit names each real caller with the broker as actor, and every chain verifies",
    async () => {
      expect(calls.map((c) => c.caller)).toEqual(['alice', 'bob']);
      expect((await remote.stop('SIGTERM')).code).toBe(0);
      const remoteFile = join(remoteData, 'audit', 'portcullis-crm.audit.jsonl');
      const v = await crm.verifyAudit(remoteFile);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const remoteRecords = crm.readAudit(remoteFile);
      for (const { auditId, caller, brokerData } of calls) {
        const brokerFile = join(brokerData, 'audit', 'portcullis-broker.audit.jsonl');
        const bv = await broker.verifyAudit(brokerFile);
        expect(bv.code, bv.stdout + bv.stderr).toBe(0);
        const door = broker.readAudit(brokerFile).find((x) => x.id === auditId)!;
        expect(door).toMatchObject({
          server: 'portcullis-broker',
          tool: 'remote_crm_search_accounts',
          principal: caller,
          outcome: 'ok',
          refs: { upstream: 'remote-crm', upstream_audit_id: expect.any(String) },
        });
        expect(remoteRecords.find((x) => x.id === door.refs.upstream_audit_id)).toMatchObject({
          server: 'portcullis-crm',
          tool: 'crm_search_accounts',
          principal: 'broker-svc',
          on_behalf_of: caller,
          tenant: 'acme',
          outcome: 'ok',
          trace_id: door.trace_id,
        });
      }
    },
    TIMEOUT,
  );
});

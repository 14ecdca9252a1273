/**
 * The built CLI end to end: over stdio (one Claude Desktop entry giving every system in one
 * process: crm, billing and posture-read in-process, server-everything spawned as a third party)
 * and over Streamable HTTP with API keys, after which the one audit chain verifies with the
 * `portcullis-audit` CLI and the broker's records reference the systems' records.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness } from '@portcullis/test-support/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile, everythingEntry } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const HOOK_TIMEOUT = 300_000;
type Row = Record<string, unknown>;

const harness = serverHarness({
  cliPath: CLI,
  name: 'broker CLI',
  tempPrefix: 'broker-e2e-',
  timeoutMs: HOOK_TIMEOUT,
});
afterAll(harness.cleanup, HOOK_TIMEOUT);

const CONFIG = [
  'upstreams:',
  '  - name: crm',
  '    local: crm',
  '  - name: billing',
  '    local: billing',
  '  - name: posture-read',
  '    local: posture-read',
  '  - name: everything',
  `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everythingEntry())}, stdio] }`,
  '    prefix: everything_',
  '    tools: { allow: [echo, get-sum] }',
  '',
].join('\n');

describe('stdio: the built CLI as one Claude Desktop entry', () => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--config', configFile(CONFIG, harness.tempDir())],
      env: harness.cleanEnv({
        PORTCULLIS_DATA_DIR: harness.tempDir(),
        PORTCULLIS_PRINCIPAL: 'agent-7',
        PORTCULLIS_ROLES: 'support',
        PORTCULLIS_TENANT: 'acme',
        PORTCULLIS_LOG_LEVEL: 'info',
      }),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    client = new Client({ name: 'broker-e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    if (transport.pid !== null) harness.trackPid(transport.pid);
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await client?.close();
  });

  it('issue 13: ran its first start (a new data directory, local systems) in a child process that exited', async () => {
    // A call waits for start-up; the local systems' demo data is there, and the serving process
    // only opened what the child prepared.
    const order = (await client.callTool({
      name: 'billing_get_order',
      arguments: { order_id: '4821' },
    })) as Row;
    expect(order.isError).toBeFalsy();
    expect(stderr).toContain('first start: data directory prepared in a separate process');
    expect(stderr).toMatch(/"msg":"data directory prepared"/); // the child's own last line
    expect(stderr.match(/embedded store created from the PGlite template/g) ?? []).toHaveLength(1);
  });

  it(
    'serves every system in one process under one name',
    async () => {
      expect(client.getServerVersion()?.name).toBe('portcullis-broker');
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(['billing_get_order', 'everything_echo', 'everything_get-sum']),
      );
      const order = (await client.callTool({
        name: 'billing_get_order',
        arguments: { order_id: '4821' },
      })) as Row;
      expect(order.isError).toBeFalsy();
      const sum = (await client.callTool({ name: 'everything_get-sum', arguments: { a: 40, b: 2 } })) as Row;
      expect(JSON.stringify(sum.content)).toContain('42');
    },
    HOOK_TIMEOUT,
  );
});

describe('HTTP: the built CLI with API keys; the audit chain verifies after SIGTERM', () => {
  let srv: Awaited<ReturnType<typeof harness.spawnHttp>>;
  let keys: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = harness.tempDir();
    const dir = harness.tempDir();
    ({ keys } = harness.writeApiKeys(
      dir,
      [{ principal: 'agent-7', roles: ['support'], tenant: 'acme', attributes: {} }],
      generateApiKey,
    ));
    srv = await harness.spawnHttp({
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_AUTH: 'apikey',
      PORTCULLIS_API_KEYS_FILE: join(dir, 'api-keys.json'),
      PORTCULLIS_BROKER_CONFIG: configFile(CONFIG, dir),
    });
  }, HOOK_TIMEOUT);

  it(
    'lists and calls through the door; every broker record references the system record',
    async () => {
      const client = new Client({ name: 'broker-e2e-http', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(srv.url), {
          requestInit: { headers: { Authorization: `Bearer ${keys['agent-7']}` } },
        }),
      );
      const r = (await client.callTool({
        name: 'billing_get_order',
        arguments: { order_id: '4821' },
      })) as Row;
      expect(r.isError).toBeFalsy();
      const auditId = (r._meta as Row)['portcullis/audit_id'] as string;
      await client.close();
      expect((await srv.stop('SIGTERM')).code).toBe(0);

      const file = join(dataDir, 'audit', 'portcullis-broker.audit.jsonl');
      const v = await harness.verifyAudit(file);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const records = harness.readAudit(file);
      const door = records.find((x) => x.id === auditId)!;
      expect(door).toMatchObject({
        server: 'portcullis-broker',
        principal: 'agent-7',
        refs: { upstream: 'billing' },
      });
      expect(records.find((x) => x.id === door.refs.upstream_audit_id)).toMatchObject({
        server: 'portcullis-billing',
        principal: 'agent-7',
      });
    },
    HOOK_TIMEOUT,
  );
});

/**
 * notifications/tools/list_changed: when an upstream's tools change (its own listChanged, a
 * fail-open upstream that was down answering again), the broker re-lists them and tells its
 * connected clients, over stdio and in stateful HTTP sessions; the new tools are then listed and
 * callable.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { generateApiKey } from '@portcullis/core';
import { serverHarness } from '@portcullis/test-support/servers';
import { afterAll, describe, expect, it } from 'vitest';
import { configFile, until } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/changing-server.mjs', import.meta.url));
const TIMEOUT = 300_000;
type Row = Record<string, unknown>;

const harness = serverHarness({
  cliPath: CLI,
  name: 'broker CLI',
  tempPrefix: 'broker-lc-',
  timeoutMs: TIMEOUT,
});
afterAll(harness.cleanup, TIMEOUT);

/** A broker config with one `changing` upstream (prefix chg_) and crm in-process. */
function config(dir: string, env: Record<string, string>, extra = ''): string {
  return configFile(
    [
      'upstreams:',
      '  - name: crm',
      '    local: crm',
      '  - name: chg',
      `    stdio: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FIXTURE)}], env: ${JSON.stringify(env)} }`,
      extra,
      '',
    ].join('\n'),
    dir,
  );
}

function listen(client: Client): { count: () => number } {
  let n = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    n++;
  });
  return { count: () => n };
}

async function names(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

async function stdioClient(cfg: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--config', cfg],
    env: harness.cleanEnv({
      PORTCULLIS_DATA_DIR: harness.tempDir(),
      PORTCULLIS_PRINCIPAL: 'agent-7',
      PORTCULLIS_ROLES: 'support',
      PORTCULLIS_TENANT: 'acme',
    }),
    stderr: 'pipe',
  });
  const client = new Client({ name: 'broker-lc', version: '1.0.0' });
  await client.connect(transport);
  if (transport.pid !== null) harness.trackPid(transport.pid);
  return client;
}

describe('tools/list_changed reaches the broker’s clients', () => {
  it(
    'stdio: an upstream adds a tool; the client is told, lists it and calls it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-lc-'));
      const add = join(dir, 'add');
      const client = await stdioClient(config(dir, { ADD_FILE: add }));
      try {
        expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
        const heard = listen(client);
        expect(await names(client)).toContain('chg_first');
        expect(await names(client)).not.toContain('chg_second');
        writeFileSync(add, '');
        await until(() => heard.count() > 0, 'notifications/tools/list_changed');
        expect(await names(client)).toEqual(
          expect.arrayContaining(['chg_first', 'chg_second', 'crm_list_templates']),
        );
        const r = (await client.callTool({ name: 'chg_second', arguments: { n: 7 } })) as Row;
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        expect(JSON.stringify(r.content)).toContain('two 7');
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );

  it(
    'stdio: a fail-open upstream unreachable at start joins when it answers, and the client is told',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-lc-'));
      const dead = join(dir, 'dead');
      writeFileSync(dead, '');
      const client = await stdioClient(config(dir, { DEAD_FILE: dead }, '    on_failure: open'));
      try {
        const heard = listen(client);
        const before = await names(client);
        expect(before).toContain('crm_list_templates');
        expect(before).not.toContain('chg_first');
        // Never listed, so unknown (not merely refused) until it joins.
        await expect(client.callTool({ name: 'chg_first', arguments: {} })).rejects.toThrow(/Unknown tool/);
        rmSync(dead);
        expect(existsSync(dead)).toBe(false);
        await until(() => heard.count() > 0, 'notifications/tools/list_changed', 60_000);
        await until(async () => (await names(client)).includes('chg_first'), 'chg_first listed');
        const r = (await client.callTool({ name: 'chg_first', arguments: {} })) as Row;
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        expect(JSON.stringify(r.content)).toContain('one');
      } finally {
        await client.close();
      }
    },
    TIMEOUT,
  );

  it(
    'HTTP (stateful session): an upstream adds a tool; the session is told, lists it and calls it',
    async () => {
      const dir = harness.tempDir();
      const add = join(dir, 'add');
      const { keys } = harness.writeApiKeys(
        dir,
        [{ principal: 'agent-7', roles: ['support'], tenant: 'acme', attributes: {} }],
        generateApiKey,
      );
      const srv = await harness.spawnHttp({
        PORTCULLIS_DATA_DIR: harness.tempDir(),
        PORTCULLIS_AUTH: 'apikey',
        PORTCULLIS_API_KEYS_FILE: join(dir, 'api-keys.json'),
        PORTCULLIS_HTTP_MODE: 'stateful',
        PORTCULLIS_BROKER_CONFIG: config(dir, { ADD_FILE: add }),
      });
      const client = new Client({ name: 'broker-lc-http', version: '1.0.0' });
      try {
        const heard = listen(client);
        // The session's standalone stream (GET) carries notifications: note when it is open.
        let streamOpen = false;
        const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
          requestInit: { headers: { Authorization: `Bearer ${keys['agent-7']}` } },
          fetch: async (url, init) => {
            const res = await fetch(url, init);
            if (init?.method === 'GET' && res.ok) streamOpen = true;
            return res;
          },
        });
        await client.connect(transport);
        expect(transport.sessionId).toBeTruthy();
        expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
        expect(await names(client)).not.toContain('chg_second');
        await until(() => streamOpen, 'the session stream');
        writeFileSync(add, '');
        await until(() => heard.count() > 0, 'notifications/tools/list_changed');
        expect(await names(client)).toContain('chg_second');
        const r = (await client.callTool({ name: 'chg_second', arguments: { n: 3 } })) as Row;
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        expect(JSON.stringify(r.content)).toContain('two 3');
      } finally {
        await client.close();
        await srv.stop('SIGTERM');
      }
    },
    TIMEOUT,
  );
});

/**
 * broker.yaml is a public contract: the issue's example works as written, YAML and JSON give the
 * same configuration, and an invalid file stops start-up with one line naming the key.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../src/index.js';
import { CLI, scratchDirs } from './helpers.js';

const scratch = scratchDirs();

const ISSUE_EXAMPLE = `upstreams:
  - name: crm
    local: crm                      # crm | billing | posture-read | remediation-write
  - name: everything
    stdio: { command: node, args: [path/to/server.js], env: { TOKEN: env:EVERYTHING_TOKEN } }
    prefix: everything_
  - name: remote-crm
    url: http://127.0.0.1:7301/mcp
    auth: { bearer: env:REMOTE_CRM_TOKEN }   # any credential reference
    prefix: remote_
    tools: { deny: [crm_update_contact] }
    timeout_ms: 10000
    on_failure: closed              # closed | open
lock: tools.lock.json               # default: beside the config file
`;

function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'broker-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('broker configuration file', () => {
  it("reads the issue's example as written", () => {
    const path = write('broker.yaml', ISSUE_EXAMPLE);
    const c = loadBrokerConfig(path);
    expect(c.upstreams.map((u) => [u.name, u.kind, u.prefix])).toEqual([
      ['crm', 'local', ''],
      ['everything', 'stdio', 'everything_'],
      ['remote-crm', 'remote', 'remote_'],
    ]);
    expect(c.upstreams[1]).toMatchObject({
      stdio: { command: 'node', args: ['path/to/server.js'], env: { TOKEN: 'env:EVERYTHING_TOKEN' } },
      on_failure: 'closed',
    });
    expect(c.upstreams[2]).toMatchObject({
      url: 'http://127.0.0.1:7301/mcp',
      auth: { bearer: 'env:REMOTE_CRM_TOKEN' },
      tools: { deny: ['crm_update_contact'] },
      timeout_ms: 10000,
    });
    expect(c.lock).toBe(join(path, '..', 'tools.lock.json'));
  });

  it('reads the same keys from JSON, and puts the lock beside the file by default', () => {
    const doc = parse(ISSUE_EXAMPLE) as Record<string, unknown>;
    delete doc.lock;
    const path = write('broker.json', JSON.stringify(doc));
    const c = loadBrokerConfig(path);
    expect(c.upstreams).toEqual(loadBrokerConfig(write('b.yaml', ISSUE_EXAMPLE)).upstreams);
    expect(c.lock).toBe(join(path, '..', 'tools.lock.json'));
  });

  it.each([
    ['upstreams: []', /upstreams: must NOT have fewer than 1 items/],
    [
      'upstreams:\n  - name: crm\n    local: erp',
      /upstreams\[0\]\.local: must be one of crm, billing, posture-read/,
    ],
    ['upstreams:\n  - local: crm', /upstreams\[0\]\.name: is required/],
    ['upstreams:\n  - name: crm\n    local: crm\n    colour: red', /upstreams\[0\]\.colour: unknown key/],
    [
      'upstreams:\n  - name: r\n    url: http://127.0.0.1:1/mcp\n    timeout_ms: ten',
      /upstreams\[0\]\.timeout_ms: must be integer/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://127.0.0.1:1/mcp\n    auth: { bearer: s3cret }',
      /upstreams\[0\]\.auth\.bearer: must be a credential reference/,
    ],
    [
      'upstreams:\n  - name: r\n    url: https://svc:hunter2@crm.example/mcp',
      /upstreams\[0\]\.url: holds a user name or password; give the credential by reference in auth instead\.$/,
    ],
    [
      'upstreams:\n  - name: r\n    url: https://crm.example/mcp?tenant=acme&api_key=sk_live_51abc',
      /upstreams\[0\]\.url: its query parameter 'api_key' looks like a credential; give it by reference in auth/,
    ],
    [
      'upstreams:\n  - name: r\n    url: https://crm.example/mcp?X-Amz-Signature=abc123',
      /query parameter 'X-Amz-Signature' looks like a credential/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    local: crm',
      /upstreams\[0\]: give exactly one of local, stdio or url \(local and url\)/,
    ],
    [
      'upstreams:\n  - name: crm\n    local: crm\n    prefix: x_',
      /upstreams\[0\]\.prefix: does not apply to a local system/,
    ],
    [
      'upstreams:\n  - name: crm\n    local: crm\n    max_message_bytes: 65536',
      /upstreams\[0\]\.max_message_bytes: does not apply to a local system/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    max_message_bytes: 100',
      /upstreams\[0\]\.max_message_bytes: must be >= 1024/,
    ],
    [
      'upstreams:\n  - name: a\n    local: crm\n  - name: a\n    local: billing',
      /upstreams\[1\]\.name: upstream a is named twice/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x/mcp\n    on_failure: maybe',
      /upstreams\[0\]\.on_failure: must be one of closed, open/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { oauth: { token_url: https://as/token, client_id: b, client_secret: plain } }',
      /upstreams\[0\]\.auth\.oauth\.client_secret: must be a credential reference/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { oauth: { token_url: https://as/token, client_secret: env:S } }',
      /upstreams\[0\]\.auth\.oauth\.client_id: is required/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { oauth: { token_url: http://as.example/token, client_id: b, client_secret: env:S } }',
      /upstreams\[0\]\.auth\.oauth\.token_url: must use https \(plain http is accepted only on loopback\)/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { bearer: env:T, oauth: { token_url: https://as/token, client_id: b, client_secret: env:S } }',
      /upstreams\[0\]\.auth: give one of bearer, api_key, oauth or token_exchange \(got bearer and oauth\)/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    caller_assertion: true\n    auth: { token_exchange: { token_url: https://as/token, client_id: b, client_secret: env:S } }',
      /upstreams\[0\]\.caller_assertion: not with auth\.token_exchange/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { token_exchange: { token_url: http://as.example/token, client_id: b, client_secret: env:S } }',
      /upstreams\[0\]\.auth\.token_exchange\.token_url: must use https/,
    ],
    [
      'upstreams:\n  - name: r\n    url: http://x/mcp\n    auth: { oauth: { token_url: https://as/token, client_id: b, client_secret: env:S, auth_method: private_key_jwt } }',
      /upstreams\[0\]\.auth\.oauth\.auth_method: must be one of client_secret_basic, client_secret_post/,
    ],
  ])('refuses %j naming the key', (text, message) => {
    expect(() => loadBrokerConfig(write('broker.yaml', text))).toThrow(message);
  });

  it('names a credential-like query parameter, never its value, and keeps other parameters', () => {
    const refused = () =>
      loadBrokerConfig(
        write(
          'broker.yaml',
          'upstreams:\n  - name: r\n    url: https://crm.example/mcp?access_token=sk_live_51abc\n',
        ),
      );
    expect(refused).toThrow(/'access_token' looks like a credential/);
    expect(refused).not.toThrow(/sk_live_51abc/);
    const kept = 'tenant=acme&keyword=x&author=y&max_tokens=5&project_key=P&signal=1&session_mode=z';
    const ok = loadBrokerConfig(
      write('broker.yaml', `upstreams:\n  - name: r\n    url: https://crm.example/mcp?${kept}\n`),
    );
    expect(ok.upstreams[0]!.url).toBe(`https://crm.example/mcp?${kept}`);
    for (const name of ['apiKey', 'client_secret', 'sas-key', 'key', 'sig', 'id_token'])
      expect(() =>
        loadBrokerConfig(
          write('broker.yaml', `upstreams:\n  - name: r\n    url: https://x.example/mcp?${name}=v\n`),
        ),
      ).toThrow(`query parameter '${name}' looks like a credential`);
  });

  it('an invalid file stops the CLI before start-up with one line naming the key', () => {
    const path = write('broker.yaml', 'upstreams:\n  - name: crm\n    local: crm\n    timeout_ms: -5\n');
    const r = spawnSync(process.execPath, [CLI, '--config', path], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^portcullis-broker: .*broker\.yaml: upstreams\[0\]\.timeout_ms: must be >= 1\.$/,
    );
  });

  it('without a configuration the CLI says how to give one (over HTTP; no-config.test.ts has stdio)', () => {
    const r = spawnSync(process.execPath, [CLI, '--transport', 'http'], {
      encoding: 'utf8',
      // A data directory of its own, should the refusal ever fail.
      env: {
        PATH: process.env.PATH ?? '',
        PORTCULLIS_DATA_DIR: scratch('broker-config-refused-'),
      },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--config broker\.yaml or set PORTCULLIS_BROKER_CONFIG/);
  });
});

describe('the shipped example', () => {
  it('broker.example.yaml is a valid configuration', () => {
    const c = loadBrokerConfig(fileURLToPath(new URL('../broker.example.yaml', import.meta.url)));
    expect(c.upstreams.map((u) => u.kind)).toEqual(['local', 'local', 'stdio', 'remote']);
    expect(c.upstreams[3]).toMatchObject({ caller_assertion: true, rate_limit: '600/60s', concurrency: 10 });
  });
});

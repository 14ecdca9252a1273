import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  assertAuthAllowedOnHost,
  dataDirOf,
  isProduction,
  parseCommonConfig,
  parseServerConfig,
} from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('configuration', () => {
  it('names the variable of a bad value', () => {
    expect(() => parseCommonConfig({ PORTCULLIS_AUTH: 'magic' }, 'x', 'http')).toThrow(/PORTCULLIS_AUTH/);
    expect(() => parseCommonConfig({ DATABASE_URL: 'mysql://x' }, 'x', 'http')).toThrow(/DATABASE_URL/);
    expect(() => parseCommonConfig({ PORTCULLIS_AUDIT: 'syslog' }, 'x', 'http')).toThrow(/PORTCULLIS_AUDIT/);
    expect(() => parseCommonConfig({ PORTCULLIS_READ_ONLY: 'maybe' }, 'x', 'http')).toThrow(
      /PORTCULLIS_READ_ONLY/,
    );
    // v8-tuning.ts falls back to its default on this value before the command line is parsed; the
    // configuration then stops the start
    expect(() => parseCommonConfig({ PORTCULLIS_WASM_TIERING: 'turbofan' }, 'x', 'http')).toThrow(
      /PORTCULLIS_WASM_TIERING/,
    );
    expect(() => parseCommonConfig({ PORTCULLIS_WASM_TIERING: 'baseline' }, 'x', 'http')).not.toThrow();
  });

  it('refuses auth=none over HTTP in production, allows it for stdio', () => {
    expect(() => parseCommonConfig({ NODE_ENV: 'production', PORTCULLIS_AUTH: 'none' }, 'x', 'http')).toThrow(
      ConfigError,
    );
    expect(parseCommonConfig({ NODE_ENV: 'production' }, 'x', 'stdio').auth).toBe('none');
  });

  it('reads NODE_ENV as production whatever its case and surrounding blanks, in one place', () => {
    for (const v of ['production', 'Production', ' PRODUCTION', 'production\n', '\tproduction ']) {
      expect(isProduction(v), JSON.stringify(v)).toBe(true);
      expect(parseCommonConfig({ NODE_ENV: v }, 'x', 'stdio').production, JSON.stringify(v)).toBe(true);
      expect(() => parseCommonConfig({ NODE_ENV: v, PORTCULLIS_AUTH: 'none' }, 'x', 'http')).toThrow(
        ConfigError,
      );
    }
    for (const v of [undefined, '', 'development', 'test', 'productions', 'pre-production'])
      expect(isProduction(v), JSON.stringify(v)).toBe(false);
  });

  it('puts the data directory where PORTCULLIS_DATA_DIR says, else under XDG_DATA_HOME, else the home folder', () => {
    expect(dataDirOf({ PORTCULLIS_DATA_DIR: '/srv/pc', XDG_DATA_HOME: '/x' }, 'crm')).toBe('/srv/pc');
    expect(dataDirOf({ XDG_DATA_HOME: '/x' }, 'crm')).toBe('/x/portcullis/crm');
    expect(dataDirOf({}, 'broker')).toBe(join(homedir(), '.local', 'share', 'portcullis', 'broker'));
    expect(dataDirOf({ PORTCULLIS_DATA_DIR: 'rel' }, 'crm')).toBe(resolve('rel'));
    // An empty or relative XDG_DATA_HOME is ignored (the XDG specification), never the current folder.
    const home = join(homedir(), '.local', 'share', 'portcullis', 'crm');
    expect(dataDirOf({ XDG_DATA_HOME: '' }, 'crm')).toBe(home);
    expect(dataDirOf({ XDG_DATA_HOME: 'data' }, 'crm')).toBe(home);
    // Set but empty is refused, by the kit's start as here.
    expect(() => dataDirOf({ PORTCULLIS_DATA_DIR: '' }, 'crm')).toThrow(ConfigError);
    expect(() => parseCommonConfig({ PORTCULLIS_DATA_DIR: '' }, 'crm', 'stdio')).toThrow(
      /PORTCULLIS_DATA_DIR/,
    );
    // The kit's own reading is the same function.
    expect(parseCommonConfig({ XDG_DATA_HOME: '/x' }, 'billing', 'stdio').dataDir).toBe(
      '/x/portcullis/billing',
    );
  });

  it('defaults HTTP to API keys and parses lists', () => {
    const c = parseCommonConfig(
      { PORTCULLIS_TOOLS: 'a, b', PORTCULLIS_READ_ONLY: 'true', PORTCULLIS_DATA_DIR: '/tmp/pc' },
      'x',
      'http',
    );
    expect(c).toMatchObject({
      auth: 'apikey',
      tools: ['a', 'b'],
      readOnly: true,
      dataDir: '/tmp/pc',
      apiKeysFile: '/tmp/pc/api-keys.json',
      httpMode: 'stateless',
    });
  });

  it('validates server settings the same way', () => {
    const schema = z.object({ CRM_BACKEND: z.enum(['embedded', 'hubspot']).default('embedded') });
    expect(parseServerConfig(schema, {})).toEqual({ CRM_BACKEND: 'embedded' });
    expect(() => parseServerConfig(schema, { CRM_BACKEND: 'salesforce' })).toThrow(/CRM_BACKEND/);
  });
});

describe('finding 14: production detection and where auth=none may listen', () => {
  it('finding 14: NODE_ENV is compared case-insensitively (Production, PRODUCTION, " production ")', () => {
    for (const v of ['Production', 'PRODUCTION', ' production ']) {
      expect(parseCommonConfig({ NODE_ENV: v }, 'x', 'stdio').production).toBe(true);
      expect(() => parseCommonConfig({ NODE_ENV: v, PORTCULLIS_AUTH: 'none' }, 'x', 'http')).toThrow(
        /PORTCULLIS_AUTH=none is refused/,
      );
    }
    expect(parseCommonConfig({ NODE_ENV: 'development' }, 'x', 'stdio').production).toBe(false);
  });

  it('finding 14: PORTCULLIS_AUTH=none is refused on any listener that is not loopback', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.internal', '']) {
      expect(() => assertAuthAllowedOnHost('none', host)).toThrow(ConfigError);
      expect(() => assertAuthAllowedOnHost('none', host)).toThrow(/PORTCULLIS_AUTH=none .*loopback/);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '[::1]']) {
      expect(() => assertAuthAllowedOnHost('none', host)).not.toThrow();
    }
    expect(() => assertAuthAllowedOnHost('jwt', '0.0.0.0')).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { transportIn } from '../src/v8-tuning.js';

describe('transportIn (read by tune-v8 before the command line is parsed)', () => {
  it('is http only when the command line asks for it, in either form', () => {
    expect(transportIn(['--transport', 'http', '--port', '0'])).toBe('http');
    expect(transportIn(['--port=0', '--transport=http'])).toBe('http');
    expect(transportIn([])).toBe('stdio');
    expect(transportIn(['--transport', 'stdio'])).toBe('stdio');
    // a value the CLI refuses later is not http either: the stdio settings are the lighter ones
    expect(transportIn(['--transport', 'HTTP'])).toBe('stdio');
    expect(transportIn(['--transport'])).toBe('stdio');
  });
});

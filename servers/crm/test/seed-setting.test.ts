import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.js';

// Demo data never reaches a production store unless CRM_SEED=demo says so by name.
describe('CRM_SEED', () => {
  it('defaults to none in production and to demo elsewhere; an explicit value wins', () => {
    expect(readConfig({ NODE_ENV: 'production' }).CRM_SEED).toBe('none');
    // Production to the kit's guards is production here too (no demo data).
    expect(readConfig({ NODE_ENV: ' Production\n' }).CRM_SEED).toBe('none');
    expect(readConfig({ NODE_ENV: 'development' }).CRM_SEED).toBe('demo');
    expect(readConfig({}).CRM_SEED).toBe('demo');
    expect(readConfig({ NODE_ENV: 'production', CRM_SEED: 'demo' }).CRM_SEED).toBe('demo');
    expect(readConfig({ CRM_SEED: 'none' }).CRM_SEED).toBe('none');
    expect(() => readConfig({ CRM_SEED: 'yes' })).toThrow(/CRM_SEED/);
  });
});

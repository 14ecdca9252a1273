import { describe, expect, it } from 'vitest';
import { remediationConfigSchema, remediationSeedFor } from '../src/config.js';

// The demo cloud never reaches a production store unless REMEDIATION_SEED=demo says so by name.
describe('REMEDIATION_SEED', () => {
  it('defaults to none in production, as the kit reads NODE_ENV, and to demo elsewhere', () => {
    const cfg = remediationConfigSchema.parse({});
    expect(remediationSeedFor(cfg, { NODE_ENV: 'production' })).toBe('none');
    // Production to the kit's guards is production here too.
    expect(remediationSeedFor(cfg, { NODE_ENV: ' Production\n' })).toBe('none');
    expect(remediationSeedFor(cfg, { NODE_ENV: 'development' })).toBe('demo');
    expect(remediationSeedFor(cfg, {})).toBe('demo');
    const named = remediationConfigSchema.parse({ REMEDIATION_SEED: 'demo' });
    expect(remediationSeedFor(named, { NODE_ENV: 'production' })).toBe('demo');
    expect(() => remediationConfigSchema.parse({ REMEDIATION_SEED: 'yes' })).toThrow();
  });
});

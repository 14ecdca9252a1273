import { defineConfig } from 'vitest/config';

// One run for the whole monorepo: unit, in-process, end-to-end, security, fuzz and conformance suites.
// Packages are imported through their built exports, so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'servers/*/test/**/*.test.ts', 'test/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['./vitest.global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    env: { AWS_EC2_METADATA_DISABLED: 'true', TURBO_TELEMETRY_DISABLED: '1' },
  },
});

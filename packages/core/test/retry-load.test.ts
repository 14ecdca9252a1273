/**
 * p-retry loads on the first upstream call (lazy.ts). An install where it cannot load fails that
 * call as the kit's own error (category internal), never as the upstream's, and never raw.
 */
import { describe, expect, it, vi } from 'vitest';
import { PortcullisError } from '../src/errors.js';

vi.mock('../src/lazy.js', () => ({
  loadPRetry: () =>
    Promise.reject(
      Object.assign(new Error("Cannot find package 'p-retry'"), { code: 'ERR_MODULE_NOT_FOUND' }),
    ),
}));

const { withRetry } = await import('../src/retry.js');

describe('withRetry when p-retry cannot load', () => {
  it('answers an internal PortcullisError and never calls the upstream', async () => {
    const fn = vi.fn(async () => 'never');
    const err = await withRetry(fn, { system: 'hubspot' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortcullisError);
    expect((err as PortcullisError).category).toBe('internal');
    expect(fn).not.toHaveBeenCalled();
  });
});

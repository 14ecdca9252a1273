import type { createHttpApp as Create } from './http.js';

/** Loads the HTTP stack (express) on demand, so stdio servers never pay for it at start-up. */
export async function createHttpApp(...args: Parameters<typeof Create>): Promise<ReturnType<typeof Create>> {
  const { createHttpApp: create } = await import('./http.js');
  return create(...args);
}

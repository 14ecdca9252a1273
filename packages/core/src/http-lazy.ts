import type { createHttpApp as Create, HttpOptions } from './http.js';
import type { ServerRuntime } from './runtime.js';

/** Loads the HTTP stack (express) on demand, so stdio servers never pay for it at start-up. */
export async function createHttpApp<B>(
  runtime: ServerRuntime<B>,
  opts: HttpOptions,
): Promise<ReturnType<typeof Create<B>>> {
  const { createHttpApp: create } = await import('./http.js');
  return create(runtime, opts);
}

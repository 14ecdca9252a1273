import { z } from 'zod';
import { parseServerConfig } from '@portcullis/core';

/**
 * The posture server's own settings (docs/architecture.md section 6), validated at start: a bad
 * value stops the server with a message naming the variable. No setting holds a secret.
 */
export const configSchema = z.object({
  POSTURE_BACKEND: z.enum(['embedded']).default('embedded'),
  // No default here: postureSeedFor picks one from NODE_ENV (demo data never in production).
  POSTURE_SEED: z.enum(['demo', 'none']).optional(),
});

export type PostureConfig = z.output<typeof configSchema>;

/** The settings as the server uses them, with POSTURE_SEED's environment-dependent default applied. */
export function readConfig(env: NodeJS.ProcessEnv): PostureConfig {
  const cfg = parseServerConfig(configSchema, env);
  return { ...cfg, POSTURE_SEED: postureSeedFor(cfg, env) };
}

/** Whether an empty store gets the demo data: POSTURE_SEED, else none in production, demo elsewhere. */
export function postureSeedFor(
  config: { POSTURE_SEED?: 'demo' | 'none' },
  env: NodeJS.ProcessEnv,
): 'demo' | 'none' {
  return config.POSTURE_SEED ?? (/^production$/i.test(env.NODE_ENV ?? '') ? 'none' : 'demo');
}

// A complete, if tiny, Portcullis server: a "things" system with one read tool guarded by a
// resource rule and one stage of its own. Type-checked with the repository (npm run lint), and
// included verbatim in the core README, so the example cannot drift from the API.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  defineServer,
  loadedRecord,
  PortcullisError,
  runServerCli,
  toolsFor,
  withRecord,
  type Stage,
} from '@portcullis/core';

interface Thing {
  id: string;
  tenant: string;
  owner: string;
  name: string;
}

interface ThingsBackend {
  get(id: string): Promise<Thing | null>;
}

const tool = toolsFor<ThingsBackend>();

const getThing = tool({
  name: 'things_get_thing',
  title: 'Get a thing',
  description: 'Returns one thing by id.',
  toolset: 'things',
  access: 'read',
  resourceType: 'Thing',
  input: z.object({ id: z.string().min(1).max(64) }),
  output: z.object({ id: z.string(), name: z.string() }),
  // Loaded before policy decides: the record's own tenant and owner (null answers not_found).
  // withRecord hands the handler the very record policy decided on: one read per call.
  resource: async ({ id }, { backend }) => {
    const t = await backend.get(id);
    return t && withRecord({ type: 'Thing', id: t.id, attributes: { tenant: t.tenant, owner: t.owner } }, t);
  },
  handler: async ({ id }, { resource }) => {
    const t = loadedRecord<Thing>(resource);
    if (!t)
      throw new PortcullisError({ code: 'not_found', category: 'not_found', message: `No thing ${id}.` });
    return { id: t.id, name: t.name };
  },
});

// A stage of this server's own, placed after the kit's `authorize` stage.
const businessHours: Stage = {
  name: 'business_hours',
  run: async (call, next) => {
    const hour = new Date().getUTCHours();
    if (call.tool.access !== 'read' && (hour < 6 || hour > 20)) {
      throw new PortcullisError({
        code: 'outside_business_hours',
        category: 'forbidden',
        message: 'Writes are allowed between 06:00 and 20:59 UTC.',
      });
    }
    await next();
  },
};

const things = new Map<string, Thing>([['t1', { id: 't1', tenant: 'acme', owner: 'alice', name: 'First' }]]);

export const server = defineServer<ThingsBackend>({
  name: 'things',
  version: '0.1.0',
  title: 'Things',
  description: 'An example system.',
  defaultPort: 7399,
  toolsets: [{ id: 'things', description: 'Read things.', default: true }],
  tools: [getThing],
  policyDir: fileURLToPath(new URL('../policies/', import.meta.url)),
  stages: [{ after: 'authorize', stage: businessHours }],
  createBackend: async () => ({ get: async (id) => things.get(id) ?? null }),
});

// cli.ts is one line:
export const main = () => runServerCli(server);

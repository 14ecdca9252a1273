import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  defineServer,
  errors,
  toolsFor,
  type KitServices,
  type PolicyResource,
  type Queryable,
} from '@portcullis/core';

/**
 * The kit's proving ground: a notes "system" in the kit's own store, plus one tool that calls an
 * upstream HTTP API with a credential, so every control (identity, visibility, policy, rate
 * limits, retries, credentials, audit, store) is exercised by tests, the conformance suite and
 * the benchmark. Not a product server.
 */
export interface Note {
  id: string;
  tenant: string;
  owner: string;
  title: string;
  body: string;
  version: number;
}

export interface KitBackend {
  db: Queryable;
  services: KitServices;
  upstreamUrl: string | undefined;
  upstreamTokenRef: string | undefined;
}

const defineTool = toolsFor<KitBackend>();

const noteShape = z.object({
  id: z.string(),
  tenant: z.string(),
  owner: z.string(),
  title: z.string(),
  body: z.string(),
  version: z.number().int(),
});

function noteResource(n: Note): PolicyResource {
  return { type: 'Note', id: n.id, attributes: { tenant: n.tenant, owner: n.owner, version: n.version } };
}

async function loadNote(db: Queryable, id: string): Promise<Note | null> {
  const r = await db.query<Note>(
    'SELECT id, tenant, owner, title, body, version FROM kit_notes WHERE id = $1',
    [id],
  );
  return r.rows[0] ?? null;
}

const echo = defineTool({
  name: 'kit_echo',
  title: 'Echo',
  description: 'Returns the message it is given. Used to measure the cost of the kit around a trivial tool.',
  toolset: 'diagnostics',
  access: 'read',
  input: z.object({ message: z.string().max(4096).describe('Text to echo back.') }),
  output: z.object({ message: z.string() }),
  handler: async ({ message }) => ({ message }),
  render: (o) => o.message,
});

const getNote = defineTool({
  name: 'kit_get_note',
  title: 'Get a note',
  description: 'Reads one note by id. Only notes of your own tenant are readable.',
  toolset: 'notes',
  access: 'read',
  resourceType: 'Note',
  input: z.object({ id: z.string().min(1).max(64).describe('Note id, e.g. note_1.') }),
  output: noteShape,
  resource: async ({ id }, { backend }) => {
    const n = await loadNote(backend.db, id);
    return n ? noteResource(n) : null;
  },
  handler: async ({ id }, { backend }) => {
    const n = await loadNote(backend.db, id);
    if (!n) throw errors.notFound('The note');
    return n;
  },
});

const searchNotes = defineTool({
  name: 'kit_search_notes',
  title: 'Search notes',
  description: 'Lists notes of your tenant whose title contains the query, oldest first, a page at a time.',
  toolset: 'notes',
  access: 'read',
  input: z.object({
    query: z
      .string()
      .max(200)
      .default('')
      .describe('Case-insensitive text to find in titles; empty lists all.'),
    limit: z.number().int().min(1).max(100).default(20).describe('Page size, 1 to 100.'),
    cursor: z.string().max(200).optional().describe('Opaque cursor from a previous page.'),
  }),
  output: z.object({ notes: z.array(noteShape), next_cursor: z.string().nullable() }),
  handler: async ({ query, limit, cursor }, { backend, principal }) => {
    let after = '';
    if (cursor) {
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!decoded.startsWith('n:'))
        throw errors.validation(
          'The cursor is not valid.',
          'Pass next_cursor from the previous page unchanged.',
        );
      after = decoded.slice(2);
    }
    const r = await backend.db.query<Note>(
      `SELECT id, tenant, owner, title, body, version FROM kit_notes
       WHERE tenant = $1 AND title ILIKE $2 AND id > $3 ORDER BY id LIMIT $4`,
      [principal.tenant, `%${query.replace(/[%_\\]/g, '\\$&')}%`, after, limit + 1],
    );
    const page = r.rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      notes: page,
      next_cursor: r.rows.length > limit && last ? Buffer.from(`n:${last.id}`).toString('base64url') : null,
    };
  },
});

const createNote = defineTool({
  name: 'kit_create_note',
  title: 'Create a note',
  description:
    'Creates a note owned by you in your tenant. Repeating a call with the same idempotency_key returns the first note and writes nothing.',
  toolset: 'notes',
  access: 'write',
  idempotent: true,
  input: z.object({
    title: z.string().min(1).max(200).describe('Title, 1 to 200 characters.'),
    body: z.string().max(10_000).default('').describe('Body text, at most 10,000 characters.'),
    idempotency_key: z
      .string()
      .min(8)
      .max(128)
      .optional()
      .describe('Makes retries safe: the same key returns the first result.'),
  }),
  output: noteShape,
  handler: async ({ title, body }, { backend, principal, idempotencyKey }) =>
    backend.services.store.transaction(async (tx) => {
      if (idempotencyKey) {
        const prior = await tx.query<{ note_id: string }>(
          'SELECT note_id FROM kit_idempotency WHERE tenant = $1 AND key = $2',
          [principal.tenant, idempotencyKey],
        );
        const id = prior.rows[0]?.note_id;
        if (id) {
          const n = await loadNote(tx, id);
          if (n) return n;
        }
      }
      const id = `note_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      await tx.query(
        'INSERT INTO kit_notes (id, tenant, owner, title, body, version) VALUES ($1, $2, $3, $4, $5, 1)',
        [id, principal.tenant, principal.id, title, body],
      );
      if (idempotencyKey)
        await tx.query('INSERT INTO kit_idempotency (tenant, key, note_id) VALUES ($1, $2, $3)', [
          principal.tenant,
          idempotencyKey,
          id,
        ]);
      return { id, tenant: principal.tenant, owner: principal.id, title, body, version: 1 };
    }),
});

const deleteNote = defineTool({
  name: 'kit_delete_note',
  title: 'Delete a note',
  description:
    'Deletes a note. Owners may delete their own notes; admins any note of their tenant. Pass the version you read: a stale version is a conflict.',
  toolset: 'notes',
  access: 'destructive',
  resourceType: 'Note',
  input: z.object({
    id: z.string().min(1).max(64).describe('Note id.'),
    version: z
      .number()
      .int()
      .min(1)
      .describe('The version you read; the delete fails if the note changed since.'),
  }),
  output: z.object({ deleted: z.string() }),
  resource: async ({ id }, { backend }) => {
    const n = await loadNote(backend.db, id);
    return n ? noteResource(n) : null;
  },
  handler: async ({ id, version }, { backend }) => {
    const r = await backend.db.query('DELETE FROM kit_notes WHERE id = $1 AND version = $2', [id, version]);
    if (r.rowCount === 0)
      throw errors.conflict(
        'stale_version',
        'The note changed since you read it.',
        'Read it again and retry with the new version.',
      );
    return { deleted: id };
  },
});

const fetchQuote = defineTool({
  name: 'kit_fetch_quote',
  title: 'Fetch a quote',
  description:
    'Fetches the quote of the day from the configured upstream service (KIT_UPSTREAM_URL), retrying transient failures.',
  toolset: 'upstream',
  access: 'read',
  openWorld: true,
  input: z.object({
    topic: z
      .string()
      .min(1)
      .max(50)
      .regex(/^[a-z]+$/)
      .describe('Lower-case topic, e.g. security.'),
  }),
  output: z.object({ topic: z.string(), quote: z.string() }),
  handler: async ({ topic }, { backend, upstream }) => {
    const base = backend.upstreamUrl;
    const ref = backend.upstreamTokenRef;
    if (!base || !ref)
      throw errors.validation(
        'No upstream is configured for this server.',
        'Set KIT_UPSTREAM_URL and KIT_UPSTREAM_TOKEN.',
      );
    return backend.services.credentials.withSecret(ref, 'KIT_UPSTREAM_TOKEN', (token) =>
      upstream('quotes', async (signal) => {
        const res = await fetch(`${base}/quotes/${topic}`, {
          headers: { authorization: `Bearer ${token}` },
          signal,
        });
        if (!res.ok) {
          throw Object.assign(new Error(`quotes answered ${res.status}`), {
            status: res.status,
            headers: Object.fromEntries(res.headers),
          });
        }
        const body = (await res.json()) as { quote?: unknown };
        if (typeof body.quote !== 'string')
          throw Object.assign(new Error('quotes answered without a quote'), { status: 502 });
        return { topic, quote: body.quote };
      }),
    );
  },
});

export const server = defineServer<KitBackend>({
  name: 'kit',
  version: '0.1.0',
  title: 'Portcullis kit test server',
  description:
    'Exercises every control of @portcullis/core; used by tests, the conformance suite and the benchmark.',
  instructions: 'Test server: notes in the caller tenant, an echo tool and one upstream call.',
  defaultPort: 7399,
  toolsets: [
    { id: 'diagnostics', description: 'An echo of the arguments and the caller.', default: true },
    { id: 'notes', description: 'Notes in the caller tenant: read, search, write, delete.', default: true },
    { id: 'upstream', description: 'One call to an upstream HTTP system.', default: true },
  ],
  tools: [echo, getNote, searchNotes, createNote, deleteNote, fetchQuote],
  policyDir: fileURLToPath(new URL('../policies', import.meta.url)),
  configSchema: z.object({
    KIT_UPSTREAM_URL: z.url().optional(),
    KIT_UPSTREAM_TOKEN: z.string().optional(),
    KIT_SEED_NOTES: z.coerce.number().int().min(0).max(10_000).default(50),
  }),
  migrations: [
    {
      id: '001_notes',
      sql: `CREATE TABLE kit_notes (id text PRIMARY KEY, tenant text NOT NULL, owner text NOT NULL, title text NOT NULL, body text NOT NULL, version integer NOT NULL);
            CREATE INDEX kit_notes_tenant ON kit_notes (tenant, id);
            CREATE TABLE kit_idempotency (tenant text NOT NULL, key text NOT NULL, note_id text NOT NULL, PRIMARY KEY (tenant, key));`,
    },
  ],
  createBackend: async (services) => {
    const env = services.env;
    if (env.KIT_UPSTREAM_TOKEN) await services.credentials.get(env.KIT_UPSTREAM_TOKEN, 'KIT_UPSTREAM_TOKEN'); // fail closed at start
    const seed = Number(env.KIT_SEED_NOTES ?? 50);
    const existing = await services.store.query<{ n: number }>('SELECT count(*)::int AS n FROM kit_notes');
    if ((existing.rows[0]?.n ?? 0) === 0 && seed > 0) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 1; i <= seed; i++) {
        const tenant = i % 2 === 0 ? 'globex' : 'acme';
        const owner = i % 3 === 0 ? 'bob' : 'alice';
        params.push(
          `note_${String(i).padStart(4, '0')}`,
          tenant,
          owner,
          `Note ${i} about ${i % 5 === 0 ? 'security' : 'planning'}`,
          `Body of note ${i}`,
        );
        const b = params.length - 4;
        values.push(`($${b}, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, 1)`);
      }
      await services.store.query(
        `INSERT INTO kit_notes (id, tenant, owner, title, body, version) VALUES ${values.join(', ')}`,
        params,
      );
    }
    return {
      db: services.store,
      services,
      upstreamUrl: env.KIT_UPSTREAM_URL,
      upstreamTokenRef: env.KIT_UPSTREAM_TOKEN,
    };
  },
});

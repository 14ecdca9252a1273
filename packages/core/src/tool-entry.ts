/**
 * One contract for both kinds of tool: zod tools (our own) and JSON-Schema tools (proxied from
 * elsewhere) become the same entry, with one validation path for arguments and output.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation';
import { z } from 'zod';
import { errors, type PortcullisError } from './errors.js';
import {
  deriveAnnotations,
  isJsonSchemaTool,
  type AnyToolDefinition,
  type JsonObjectSchema,
  type ToolAnnotations,
  type ToolOutput,
} from './tool.js';

/** What tools/list shows for one tool: computed once at start. */
export interface ToolListing {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonObjectSchema;
  outputSchema?: JsonObjectSchema;
  annotations: ToolAnnotations;
  _meta: { 'portcullis/toolset': string; 'portcullis/access': string };
}

export type Checked<T> = { ok: true; data: T } | { ok: false; error: PortcullisError };

export interface ToolEntry<B = unknown> {
  def: AnyToolDefinition<B>;
  listing: ToolListing;
  sensitive: string[];
  validateInput(raw: unknown): Checked<Record<string, unknown>>;
  /** Checks what the handler returned against the output contract. */
  checkOutput(out: unknown): Checked<unknown>;
  /** The structured part of a checked output (hashed into the audit record). */
  structuredOf(out: unknown): Record<string, unknown> | undefined;
  /** MCP content for a checked output; `mask` removes known secrets from text. */
  contentOf(out: unknown, mask: <T>(v: T) => T): { type: string; [k: string]: unknown }[];
}

let ajv: AjvJsonSchemaValidator | undefined;
const validator = () => (ajv ??= new AjvJsonSchemaValidator());

/**
 * The one JSON Schema validator of the process, built on first use: JSON-Schema tools and every SDK
 * Server share it (the SDK's Server otherwise builds its own Ajv, with its formats compiled, in its
 * constructor: ~50 ms before a stdio server answers initialize, and once per stateful session).
 */
export const sharedJsonSchemaValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType) => validator().getValidator<T>(schema),
};

type Compiled<T> = { ok: true; check: JsonSchemaValidator<T> } | { ok: false; error: PortcullisError };

/**
 * A JSON-Schema tool's validator for one of its schemas, or, for a schema Ajv cannot compile (an
 * unknown keyword or format, a $ref it cannot resolve), the internal error every call of the tool
 * then fails with (closed; the detail, naming the tool and the schema, is logged, never returned).
 */
function compiled<T>(tool: string, which: 'input' | 'output', schema: JsonSchemaType): Compiled<T> {
  try {
    return { ok: true, check: validator().getValidator<T>(schema) };
  } catch (err) {
    return {
      ok: false,
      error: errors.internal(
        new Error(`${tool}: its ${which} schema cannot be compiled: ${(err as Error).message}`),
      ),
    };
  }
}

export function toolEntry<B>(def: AnyToolDefinition<B>): ToolEntry<B> {
  const base = {
    def,
    sensitive: [...(def.sensitiveFields ?? [])],
  };
  const meta = { 'portcullis/toolset': def.toolset, 'portcullis/access': def.access };
  if (isJsonSchemaTool(def)) {
    // Compiled on the tool's first call, not at start-up: Ajv's compile of every tool a broker
    // discovers (~40 tools of four local systems, input and output) took ~140 ms of CPU and as much
    // again in garbage collection before the broker's first answer. A schema Ajv cannot compile
    // fails that tool's calls (an internal error, the schema named), not the whole start.
    const outputSchema = def.outputSchema;
    let validateIn: Compiled<Record<string, unknown>> | undefined;
    let validateOut: Compiled<unknown> | undefined;
    return {
      ...base,
      listing: {
        name: def.name,
        title: def.title,
        description: def.description,
        inputSchema: def.inputSchema,
        ...(def.outputSchema ? { outputSchema: def.outputSchema } : {}),
        annotations: deriveAnnotations(def),
        _meta: meta,
      },
      validateInput(raw) {
        const value = raw ?? {};
        if (typeof value !== 'object' || Array.isArray(value))
          return { ok: false, error: invalid([{ path: '(arguments)', message: 'must be an object' }]) };
        validateIn ??= compiled<Record<string, unknown>>(def.name, 'input', def.inputSchema);
        if (!validateIn.ok) return { ok: false, error: validateIn.error };
        const r = validateIn.check(value);
        if (r.valid) return { ok: true, data: r.data };
        return { ok: false, error: invalid([{ path: '(arguments)', message: r.errorMessage }]) };
      },
      checkOutput(out) {
        const o = out as ToolOutput | undefined;
        if (!o || !Array.isArray(o.content))
          return { ok: false, error: errors.internal(new Error(`${def.name} returned no content`)) };
        if (outputSchema && o.structuredContent !== undefined) {
          validateOut ??= compiled(def.name, 'output', outputSchema);
          if (!validateOut.ok) return { ok: false, error: validateOut.error };
          const r = validateOut.check(o.structuredContent);
          if (!r.valid)
            return {
              ok: false,
              error: errors.internal(
                new Error(`${def.name} returned output that does not match its schema: ${r.errorMessage}`),
              ),
            };
        }
        return { ok: true, data: o };
      },
      structuredOf: (out) => (out as ToolOutput).structuredContent,
      contentOf: (out, mask) => mask((out as ToolOutput).content),
    };
  }
  let listing: ToolListing | undefined;
  return {
    ...base,
    // Built on the first tools/list, not at start-up: converting every tool's zod schemas to JSON
    // Schema took ~50 ms before a stdio server could answer initialize.
    get listing() {
      return (listing ??= {
        name: def.name,
        title: def.title,
        description: def.description,
        inputSchema: jsonSchemaOf(def.input as z.ZodType, 'input'),
        outputSchema: jsonSchemaOf(def.output as z.ZodType, 'output'),
        annotations: deriveAnnotations(def),
        _meta: meta,
      });
    },
    validateInput(raw) {
      const parsed = (def.input as z.ZodType).safeParse(raw ?? {});
      if (parsed.success) return { ok: true, data: parsed.data as Record<string, unknown> };
      return {
        ok: false,
        error: invalid(
          parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(arguments)', message: i.message })),
        ),
      };
    },
    checkOutput(out) {
      const checked = (def.output as z.ZodType).safeParse(out);
      if (checked.success) return { ok: true, data: checked.data };
      return {
        ok: false,
        error: errors.internal(
          new Error(`${def.name} returned output that does not match its schema: ${checked.error.message}`),
        ),
      };
    },
    structuredOf: (out) => out as Record<string, unknown>,
    contentOf: (out, mask) => [
      { type: 'text', text: def.render ? mask(def.render(out as never)) : JSON.stringify(mask(out)) },
    ],
  };
}

/** The validation envelope every tool's bad arguments get, whichever schema kind it has. */
export function invalid(all: { path: string; message: string }[]): PortcullisError {
  const issues = all.slice(0, 10);
  return errors.validation(
    `Invalid arguments: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    'Fix the named fields and call again; the tool input schema lists what is valid.',
    { issues },
  );
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObjectSchema {
  const js = z.toJSONSchema(schema, { io, target: 'draft-7', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete js.$schema;
  return { ...js, type: 'object' };
}

/** The validated arguments' shape as JSON Schema, whichever kind of tool (Cedar's context is built from it). */
/** What the policy engine needs of a tool: its name, resource type and argument schema (either kind). */
export type PolicyTool = { name: string; resourceType?: string } & (
  { input: z.ZodType } | { inputSchema: JsonObjectSchema }
);

export function argsJsonSchemaOf(def: PolicyTool): JsonObjectSchema {
  return 'input' in def ? jsonSchemaOf(def.input, 'output') : def.inputSchema;
}

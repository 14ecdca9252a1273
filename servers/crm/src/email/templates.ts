import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, errors } from '@portcullis/core';

/**
 * E-mail templates: reviewed JSON files shipped with the server (`templates/`), plus an operator
 * folder (CRM_EMAIL_TEMPLATE_DIR). The model picks a template by name and fills its declared
 * variables; it never writes a subject, a body or an address. Placeholders are `{{name}}`, the
 * built-ins `{{contact.first_name}}`, `{{contact.last_name}}` and `{{sender.name}}`, and optional
 * sections `{{#name}}...{{/name}}` that render only when that variable is given.
 */

export const TEMPLATE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** The only free text a template may accept, and only when it declares it. */
export const NOTE_VARIABLE = 'note';
export const MAX_NOTE_LENGTH = 1000;
/** Upper bound on any one variable, whatever a template says. */
export const MAX_VARIABLE_LENGTH = 1000;

const BUILTINS = ['contact.first_name', 'contact.last_name', 'sender.name'] as const;
type Builtin = (typeof BUILTINS)[number];

const variableSpec = z
  .object({
    description: z.string().min(1).max(300),
    max_length: z.number().int().min(1).max(MAX_VARIABLE_LENGTH),
    pattern: z
      .string()
      .max(300)
      .refine((p) => {
        try {
          new RegExp(p, 'u');
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression')
      .optional(),
    required: z.boolean().default(true),
  })
  .strict();

const templateFile = z
  .object({
    name: z.string().regex(TEMPLATE_NAME, 'lower snake_case, at most 64 characters'),
    description: z.string().min(1).max(300),
    policy: z
      .object({
        category: z.enum(['sales', 'service']),
        customer_facing: z.boolean(),
        requires_manager: z.boolean(),
      })
      .strict(),
    variables: z.record(z.string().regex(VARIABLE_NAME, 'lower snake_case variable names'), variableSpec),
    subject: z.string().min(1).max(200),
    text: z.string().min(1).max(20_000),
    html: z.string().min(1).max(50_000).optional(),
  })
  .strict();

export type VariableSpec = z.output<typeof variableSpec>;
export type TemplatePolicy = z.output<typeof templateFile>['policy'];

export interface EmailTemplate extends z.output<typeof templateFile> {
  /** `shipped` (reviewed with the server) or `operator` (CRM_EMAIL_TEMPLATE_DIR). */
  source: 'shipped' | 'operator';
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string | null;
}

export interface RenderInput {
  contact: { first_name: string; last_name: string };
  sender: { name: string };
  variables: Record<string, string>;
}

const TOKEN = /\{\{\s*([#/]?)([a-z][a-z0-9_.]*)\s*\}\}/g;

/** Every placeholder and section of a template text must name a declared variable or a built-in. */
function checkPlaceholders(t: z.output<typeof templateFile>, field: string, text: string): void {
  const open: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const [, kind, name = ''] = m;
    const known = name in t.variables || (BUILTINS as readonly string[]).includes(name);
    if (!known)
      throw new Error(`${field} uses {{${name}}}, which is neither a declared variable nor a built-in`);
    if (kind === '#') {
      if (!(name in t.variables) || t.variables[name]?.required !== false)
        throw new Error(`${field}: section {{#${name}}} needs an optional declared variable`);
      open.push(name);
    } else if (kind === '/') {
      if (open.pop() !== name) throw new Error(`${field}: {{/${name}}} closes no open section`);
    }
  }
  if (open.length > 0) throw new Error(`${field}: section {{#${open[0]}}} is never closed`);
  if (/\{\{|\}\}/.test(text.replace(TOKEN, ''))) throw new Error(`${field} has a malformed placeholder`);
}

function parseTemplate(path: string, source: EmailTemplate['source']): EmailTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`E-mail template ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const r = templateFile.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(
      `E-mail template ${path}: ${r.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`,
    );
  }
  const t = r.data;
  try {
    if (/[\r\n]/.test(t.subject)) throw new Error('subject must be one line');
    const note = t.variables[NOTE_VARIABLE];
    if (note !== undefined && note.max_length > MAX_NOTE_LENGTH)
      throw new Error(`note may be at most ${MAX_NOTE_LENGTH} characters`);
    checkPlaceholders(t, 'subject', t.subject);
    checkPlaceholders(t, 'text', t.text);
    if (t.html !== undefined) checkPlaceholders(t, 'html', t.html);
  } catch (err) {
    throw new ConfigError(`E-mail template ${path}: ${(err as Error).message}`);
  }
  const base = path.split('/').pop() ?? '';
  if (base !== `${t.name}.json`)
    throw new ConfigError(`E-mail template ${path} must be named ${t.name}.json`);
  return { ...t, source };
}

/**
 * Loads the shipped templates and the operator's. An invalid file, or an operator template that
 * reuses a shipped name, stops start-up: the reviewed wording cannot be replaced silently.
 */
export function loadTemplates(shippedDir: string, operatorDir?: string): Map<string, EmailTemplate> {
  const out = new Map<string, EmailTemplate>();
  const load = (dir: string, source: EmailTemplate['source']): void => {
    if (!existsSync(dir)) {
      throw new ConfigError(`CRM_EMAIL_TEMPLATE_DIR: template folder ${dir} does not exist.`);
    }
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const t = parseTemplate(join(dir, f), source);
      if (out.has(t.name))
        throw new ConfigError(`E-mail template ${t.name} is defined twice (${join(dir, f)}).`);
      out.set(t.name, t);
    }
  };
  load(shippedDir, 'shipped');
  if (operatorDir !== undefined) load(operatorDir, 'operator');
  return out;
}

/**
 * Checks the variables against the template: no unknown ones, every required one present, each
 * within its length and pattern. (The tool's input schema already refused CR/LF, control
 * characters, markup and anything over MAX_VARIABLE_LENGTH.)
 */
export function checkVariables(t: EmailTemplate, vars: Record<string, string>): void {
  const issues: { path: string; message: string }[] = [];
  for (const name of Object.keys(vars)) {
    if (!(name in t.variables))
      issues.push({ path: `variables.${name}`, message: `not a variable of ${t.name}` });
  }
  for (const [name, spec] of Object.entries(t.variables)) {
    const v = vars[name];
    if (v === undefined || v === '') {
      if (spec.required) issues.push({ path: `variables.${name}`, message: 'is required' });
      continue;
    }
    if ([...v].length > spec.max_length)
      issues.push({ path: `variables.${name}`, message: `at most ${spec.max_length} characters` });
    else if (spec.pattern !== undefined && !new RegExp(spec.pattern, 'u').test(v))
      issues.push({
        path: `variables.${name}`,
        message: `does not have the expected form (${spec.description})`,
      });
  }
  if (issues.length > 0) {
    throw errors.validation(
      `Invalid arguments: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`,
      `crm_list_templates lists the variables of ${t.name} with their limits.`,
      { issues },
    );
  }
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function fill(text: string, values: Map<string, string>, escape: (s: string) => string): string {
  // Sections first (they cannot nest: checkPlaceholders allows one level, closed in order).
  const withSections = text.replace(
    /\{\{\s*#([a-z][a-z0-9_]*)\s*\}\}([\s\S]*?)\{\{\s*\/\1\s*\}\}/g,
    (_m, name: string, inner: string) => ((values.get(name) ?? '') === '' ? '' : inner),
  );
  return withSections.replace(TOKEN, (_m, _kind: string, name: string) => escape(values.get(name) ?? ''));
}

/** Renders subject, text and (when the template has one) HTML; HTML gets every value escaped. */
export function renderTemplate(t: EmailTemplate, input: RenderInput): RenderedEmail {
  const values = new Map<string, string>(Object.entries(input.variables));
  const builtins: Record<Builtin, string> = {
    'contact.first_name': input.contact.first_name,
    'contact.last_name': input.contact.last_name,
    'sender.name': input.sender.name,
  };
  for (const [k, v] of Object.entries(builtins)) values.set(k, v.replace(/[\r\n\t]+/g, ' '));
  const subject = fill(t.subject, values, (s) => s).trim();
  // Values were refused with CR/LF at validation; this keeps a header line a header line regardless.
  if (/[\r\n]/.test(subject))
    throw errors.internal(new Error(`template ${t.name} rendered a multi-line subject`));
  return {
    subject,
    text: fill(t.text, values, (s) => s),
    html: t.html === undefined ? null : fill(t.html, values, escapeHtml),
  };
}

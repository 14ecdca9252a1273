import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ConfigError, errors } from './errors.js';
import { ownedPrivately } from './private-path.js';
import type { CedarValue, PolicyResource, Principal } from './tool.js';
import { argsJsonSchemaOf, type PolicyTool } from './tool-entry.js';

export type Effect = 'allow' | 'deny' | 'approval_required';

export interface Decision {
  effect: Effect;
  /** Ids of the policies that decided (empty for the default deny: nothing permitted). */
  policies: string[];
  /**
   * Policies that failed to evaluate. Cedar treats them as not applying: a permit that errs does
   * not permit, and a forbid that errs denies here (it is then among `policies`), so an error can
   * only ever deny.
   */
  errors: string[];
  /**
   * Why, in the policies' own words: policy id → its `@reason("…")` annotation, for each deciding
   * policy that has one. A server explains a decision with these instead of restating its rules.
   */
  reasons?: Record<string, string>;
}

export interface PolicyEngineOptions {
  /** Server name, used to keep the pre-parsed policy set id unique in this process. */
  serverName: string;
  policyDir: string;
  /** The tools (zod or JSON Schema): each becomes an action whose context types its arguments. */
  tools: readonly PolicyTool[];
  extraActions?: readonly { name: string; resourceTypes: string[] }[];
  /**
   * A folder (in the data directory) for the result of parsing and validating: a start whose
   * policy files, entity schema, tool declarations and Cedar version hash to the same key as an
   * earlier start that validated them skips the parse and strict validation (~0.3-0.5 s of a
   * stdio start) and only loads the policies. Any change to an input is a new key, so a changed
   * or invalid policy is always validated (and refused) before it loads. Unset: no cache.
   */
  cacheDir?: string;
}

/** Bumped when what the cache holds changes shape. */
const POLICY_CACHE_FORMAT = 3;

interface PolicyCacheEntry {
  key: string;
  policies: Record<string, string>;
  annotations: Record<string, Record<string, string>>;
  shapes: Record<string, PolicyShape>;
}

/** What the engine reads from a policy before deciding with it (kept in the policy cache with it). */
export interface PolicyShape {
  effect: 'permit' | 'forbid';
  /** The actions it can apply to. */
  actions: ActionScope;
  /** Every attribute name it reads (`.name`, `has name`), on any entity or record; `'all'` if unsure. */
  attributes: 'all' | readonly string[];
}

/** A policy's shape from its JSON form (cedar.policyToJson). */
export function policyShapeOf(json: {
  effect?: unknown;
  action?: unknown;
  conditions?: unknown;
}): PolicyShape {
  return {
    // Anything but a permit is treated as a forbid: an error in it then denies (see authorize).
    effect: json.effect === 'permit' ? 'permit' : 'forbid',
    actions: actionScopeOf(json),
    attributes: attributesReadBy(json.conditions),
  };
}

/**
 * Every attribute name a policy's conditions read. Cedar reads an attribute only through a `.`
 * or `has` node naming it (`e["name"]` is a `.` node too), so every such node anywhere in the
 * conditions is collected; a node of either kind without a readable name gives `'all'`.
 */
export function attributesReadBy(conditions: unknown): 'all' | string[] {
  const names = new Set<string>();
  let unsure = false;
  const visit = (node: unknown, depth: number): void => {
    if (unsure || node === null || typeof node !== 'object') return;
    if (depth > 200) {
      unsure = true;
      return;
    }
    if (Array.isArray(node)) {
      for (const n of node) visit(n, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === '.' || key === 'has') {
        const attr = (value as { attr?: unknown } | null)?.attr;
        const list = Array.isArray(attr) ? attr : [attr];
        if (list.length === 0 || !list.every((a): a is string => typeof a === 'string')) unsure = true;
        else for (const a of list) names.add(a);
      }
      visit(value, depth + 1);
    }
  };
  visit(conditions, 0);
  return unsure ? 'all' : [...names].sort();
}

/**
 * The code that reads a policy's shape, as this build has it: part of the cache key, so shapes
 * cached by a build that read them differently are read again, with no version to remember to bump.
 */
const SHAPE_READER = [policyShapeOf, actionScopeOf, attributesReadBy].map(String).join('\n');

function isPolicyShape(x: unknown): x is PolicyShape {
  const names = (v: unknown) => v === 'all' || (Array.isArray(v) && v.every((a) => typeof a === 'string'));
  const s = x as Partial<PolicyShape> | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    (s.effect === 'permit' || s.effect === 'forbid') &&
    names(s.actions) &&
    names(s.attributes)
  );
}

/**
 * The actions a policy can apply to, read from its action scope: `action == A` and
 * `action in [A, B]` name them; `'all'` for every other scope (`action`, `action in` one action
 * group, anything unexpected), so such a policy is kept for every action. The kit passes Cedar no
 * action entities, so a request's action has no parents and `in` a list is membership.
 */
export type ActionScope = 'all' | readonly string[];

/** The action scope of a policy in Cedar's JSON form (cedar.policyToJson). */
export function actionScopeOf(json: { action?: unknown }): ActionScope {
  const a = json.action as { op?: unknown; entity?: unknown; entities?: unknown } | undefined;
  const actionId = (e: unknown): string | undefined => {
    const uid = (e as { __entity?: unknown } | null)?.__entity ?? e;
    const t = uid as { type?: unknown; id?: unknown } | null;
    return t !== null && typeof t === 'object' && t.type === 'Action' && typeof t.id === 'string'
      ? t.id
      : undefined;
  };
  if (a?.op === '==') {
    const id = actionId(a.entity);
    return id === undefined ? 'all' : [id];
  }
  if (a?.op === 'in' && Array.isArray(a.entities)) {
    const ids = a.entities.map(actionId);
    return ids.every((id): id is string => id !== undefined) ? ids : 'all';
  }
  return 'all';
}

/** More distinct actions than any server declares: past it, decisions use the whole set (same answers). */
const MAX_SLICES = 1_000;

interface CedarType {
  type: string;
  element?: CedarType;
  attributes?: Record<string, CedarType & { required?: boolean }>;
  required?: boolean;
  additionalAttributes?: boolean;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

let engineCounter = 0;

/**
 * Cedar policies, parsed and validated (strict mode) once at start-up against the server's entity
 * schema plus action declarations generated from the tools, then evaluated from the pre-parsed
 * set on every call. Deny wins; a permit annotated `@approval("required")` asks for an approval.
 */
export class PolicyEngine {
  readonly policyIds: string[];
  private readonly psetId: string;
  private readonly annotations = new Map<string, Record<string, string>>();
  private readonly staticPolicies: Record<string, string>;
  /** Each policy's effect, action scope and the attributes it reads. */
  private readonly shapes = new Map<string, PolicyShape>();
  /** Action → its slice: only the policies whose action scope can match it, pre-parsed. */
  private readonly slices = new Map<string, Slice>();
  private readonly visibilityCache = new Map<string, boolean>();
  private readonly cacheKey: string;
  private readonly cacheFile: string | undefined;
  /** Parsed and validated by this start (not taken from the cache): saveCache writes the result. */
  private validatedNow = false;
  /** The policies came from the cache of an earlier start with exactly these inputs. */
  readonly fromCache: boolean;

  constructor(opts: PolicyEngineOptions) {
    const dir = opts.policyDir;
    if (!existsSync(dir))
      throw new ConfigError(`PORTCULLIS_POLICY_DIR: policy folder ${dir} does not exist.`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cedar'))
      .sort();
    if (files.length === 0)
      throw new ConfigError(`PORTCULLIS_POLICY_DIR: no *.cedar policy files in ${dir}.`);
    const schemaPath = join(dir, 'schema.cedarschema');
    if (!existsSync(schemaPath))
      throw new ConfigError(`PORTCULLIS_POLICY_DIR: ${schemaPath} (the entity schema) is missing.`);

    const sources = files.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
    const entityText = readFileSync(schemaPath, 'utf8');
    const actions = actionDeclarations(opts);
    // Parsing and strict validation are pure functions of these inputs: a start with the same
    // inputs as one that validated reuses its result (see PolicyEngineOptions.cacheDir).
    this.cacheKey = createHash('sha256')
      .update(
        JSON.stringify([
          POLICY_CACHE_FORMAT,
          SHAPE_READER,
          cedar.getCedarVersion(),
          entityText,
          sources,
          actions,
        ]),
      )
      .digest('hex');
    this.cacheFile = opts.cacheDir ? join(opts.cacheDir, `${opts.serverName}.json`) : undefined;
    const cached = this.cacheFile ? readPolicyCache(this.cacheFile, this.cacheKey) : undefined;
    this.fromCache = cached !== undefined;
    if (cached) {
      this.staticPolicies = cached.policies;
      for (const [id, ann] of Object.entries(cached.annotations)) this.annotations.set(id, ann);
      for (const [id, shape] of Object.entries(cached.shapes)) this.shapes.set(id, shape);
    } else {
      this.staticPolicies = parsePolicies(sources, this.annotations, this.shapes);
      validatePolicies(entityText, actions, this.staticPolicies);
      this.validatedNow = true;
    }
    this.policyIds = Object.keys(this.staticPolicies);

    this.psetId = `${opts.serverName}-${++engineCounter}`;
    const pre = cedar.preparsePolicySet(this.psetId, { staticPolicies: this.staticPolicies });
    if (pre.type !== 'success')
      throw new ConfigError(`Policies could not be loaded: ${pre.errors.map((e) => e.message).join('; ')}`);
  }

  /**
   * Writes what this start parsed and validated, for the next start with the same inputs (once
   * the data directory exists; owner-only like the rest of it). Best effort: a cache that cannot be
   * written costs the next start its validation time, nothing else.
   */
  saveCache(): void {
    if (!this.cacheFile || !this.validatedNow) return;
    const entry: PolicyCacheEntry = {
      key: this.cacheKey,
      policies: this.staticPolicies,
      annotations: Object.fromEntries(this.annotations),
      shapes: Object.fromEntries(this.shapes),
    };
    try {
      mkdirSync(dirname(this.cacheFile), { recursive: true, mode: 0o700 });
      const tmp = `${this.cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
      renameSync(tmp, this.cacheFile);
      this.validatedNow = false;
    } catch {
      // Read-only or full data directory: the next start validates again.
    }
  }

  /** Decides one request. `approved` marks a call that carries a verified approval for this exact plan. */
  authorize(req: {
    principal: Principal;
    action: string;
    resource: PolicyResource;
    context: Record<string, CedarValue>;
    approved?: boolean;
  }): Decision {
    // Cedar (serde_json inside the wasm) throws on unpaired UTF-16 surrogates. In the caller's
    // arguments that is bad input; in the principal or the resource, fail closed.
    if (hasLoneSurrogate(req.context)) {
      throw errors.validation(
        'The arguments contain text that is not valid Unicode (an unpaired surrogate).',
        'Send well-formed text and call again.',
      );
    }
    if (
      hasLoneSurrogate([
        req.principal.id,
        req.principal.tenant,
        req.principal.roles,
        req.principal.attributes,
        req.resource,
      ])
    ) {
      return {
        effect: 'deny',
        policies: [],
        errors: ['the principal or the resource holds text that is not valid Unicode'],
      };
    }
    const slice = this.sliceFor(req.action);
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'User', id: req.principal.id },
      action: { type: 'Action', id: req.action },
      resource: { type: req.resource.type, id: req.resource.id },
      context: req.context,
      preparsedPolicySetId: slice.setId,
      // Only the attributes the slice's policies read: Cedar converts every attribute it is
      // given (~8 µs each), and one no policy names cannot change a decision.
      entities: [
        principalEntity(req.principal, slice.attributes),
        resourceEntity(req.resource, slice.attributes),
      ],
    });
    if (answer.type !== 'success') {
      // An evaluation failure must never become an allow.
      return { effect: 'deny', policies: [], errors: answer.errors.map((e) => e.message) };
    }
    const { decision, diagnostics } = answer.response;
    const errs = diagnostics.errors.map((e) => e.policyId).sort();
    // Cedar skips a policy that errs. For a permit that fails closed; for a forbid it would fail
    // open (an attribute of an unexpected type or missing, an overflow), so an erring forbid denies
    // and is named as the deciding policy.
    const erringForbids = errs.filter((id) => this.shapes.get(id)?.effect !== 'permit');
    if (erringForbids.length > 0) {
      // With the forbids that did apply, if any (a permit that applied decided nothing). A rule
      // that could not be evaluated is not explained in its own words: they would say it applied.
      const applied = decision === 'deny' ? [...diagnostics.reason] : [];
      const deciding = [...new Set([...applied, ...erringForbids])].sort();
      const reasons = this.reasonsOf(applied).reasons ?? {};
      for (const id of erringForbids)
        reasons[id] ??= 'This rule could not be evaluated for this request, so the request is denied.';
      return { effect: 'deny', policies: deciding, errors: errs, reasons };
    }
    const policies = [...diagnostics.reason].sort();
    const reasons = this.reasonsOf(policies);
    if (decision === 'deny') return { effect: 'deny', policies, errors: errs, ...reasons };
    const needsApproval =
      policies.length > 0 && policies.every((id) => this.annotations.get(id)?.approval === 'required');
    return {
      effect: needsApproval && !req.approved ? 'approval_required' : 'allow',
      policies,
      errors: errs,
      ...reasons,
    };
  }

  /**
   * False when no resource and no arguments could ever make policy permit this principal the
   * action (Cedar partial evaluation with the resource and context unknown): such tools are hidden.
   * A tool whose resource is known without its arguments passes it, and only the context stays unknown.
   */
  mayEverPermit(principal: Principal, action: string, resource?: PolicyResource): boolean {
    const key = JSON.stringify([
      action,
      principal.id,
      principal.tenant,
      principal.roles,
      principal.attributes,
      resource ?? null,
    ]);
    const cached = this.visibilityCache.get(key);
    if (cached !== undefined) return cached;
    if (
      hasLoneSurrogate([
        principal.id,
        principal.tenant,
        principal.roles,
        principal.attributes,
        resource ?? null,
      ])
    )
      return false; // Cedar would throw; fail closed
    const answer = cedar.isAuthorizedPartial({
      principal: { type: 'User', id: principal.id },
      action: { type: 'Action', id: action },
      // Known before the call (a proxied tool's own description): decided now, only the context stays unknown.
      resource: resource ? { type: resource.type, id: resource.id } : null,
      context: {
        args: { __extn: { fn: 'unknown', arg: 'args' } },
        now: { __extn: { fn: 'unknown', arg: 'now' } },
      },
      policies: { staticPolicies: this.sliceFor(action).policies },
      entities: resource
        ? [principalEntity(principal), resourceEntity(resource)]
        : [principalEntity(principal)],
    });
    // Only a residual answer can show a tool: a failure (a principal Cedar cannot evaluate) hides it.
    const visible = answer.type === 'residuals' && residualMayPermit(answer.response);
    if (this.visibilityCache.size > 10_000) this.visibilityCache.clear();
    this.visibilityCache.set(key, visible);
    return visible;
  }

  /**
   * The policies a request for `action` is decided by: those whose action scope can match it,
   * pre-parsed on the first request for the action. A policy whose action scope excludes the action
   * is never satisfied and never errs for it (the scope is checked before the conditions), so the
   * slice gives the same decision, deciding policies and errors as the whole set (and the same
   * residuals in mayEverPermit), without Cedar evaluating every other action's policies on each
   * decision (~4-5 µs each) or parsing them on each partial evaluation.
   */
  private sliceFor(action: string): Slice {
    const known = this.slices.get(action);
    if (known !== undefined) return known;
    const whole: Slice = { setId: this.psetId, policies: this.staticPolicies, attributes: 'all' };
    if (this.slices.size >= MAX_SLICES) return whole;
    const policies: Record<string, string> = {};
    const names = new Set<string>();
    let allNames = false;
    for (const [id, text] of Object.entries(this.staticPolicies)) {
      const shape = this.shapes.get(id);
      const actions = shape?.actions ?? 'all';
      if (actions !== 'all' && !actions.includes(action)) continue;
      policies[id] = text;
      if (shape === undefined || shape.attributes === 'all') allNames = true;
      else for (const a of shape.attributes) names.add(a);
    }
    const setId = `${this.psetId}/${this.slices.size}`;
    // The whole set loaded, so a part of it loads too; should it not, the whole set decides.
    const loaded = cedar.preparsePolicySet(setId, { staticPolicies: policies }).type === 'success';
    const slice: Slice = loaded ? { setId, policies, attributes: allNames ? 'all' : names } : whole;
    this.slices.set(action, slice);
    return slice;
  }

  annotationsOf(policyId: string): Record<string, string> | undefined {
    return this.annotations.get(policyId);
  }

  /** A policy's `@reason("…")` annotation: the rule's own explanation, if it gives one. */
  reasonOf(policyId: string): string | undefined {
    return this.annotations.get(policyId)?.reason;
  }

  /** `{ reasons }` when any deciding policy gives one, else nothing (decisions stay minimal). */
  private reasonsOf(policyIds: string[]): { reasons?: Record<string, string> } {
    const out: Record<string, string> = {};
    for (const id of policyIds) {
      const reason = this.reasonOf(id);
      if (reason !== undefined) out[id] = reason;
    }
    return Object.keys(out).length > 0 ? { reasons: out } : {};
  }
}

type Expr = Record<string, unknown>;

/** Folds a residual expression: true/false when known, undefined while it still depends on unknowns. */
function fold(e: unknown): boolean | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const x = e as Expr;
  if ('Value' in x) return typeof x.Value === 'boolean' ? x.Value : undefined;
  const bin = (op: '&&' | '||') => {
    const b = x[op] as { left: unknown; right: unknown } | undefined;
    if (!b) return undefined;
    const l = fold(b.left);
    const r = fold(b.right);
    if (op === '&&') return l === false || r === false ? false : l === true && r === true ? true : undefined;
    return l === true || r === true ? true : l === false && r === false ? false : undefined;
  };
  if ('&&' in x) return bin('&&');
  if ('||' in x) return bin('||');
  if ('!' in x) {
    const v = fold((x['!'] as { arg: unknown }).arg);
    return v === undefined ? undefined : !v;
  }
  return undefined;
}

/** Could any permit still apply, and is no forbid already certain? (Partial evaluation leaves `x && false` unfolded.) */
function residualMayPermit(r: cedar.ResidualResponse): boolean {
  if (r.decision === 'deny') return false;
  if (r.decision === 'allow') return true;
  let permitPossible = false;
  for (const [, policy] of Object.entries(r.residuals)) {
    let state: boolean | undefined = true;
    for (const c of policy.conditions as { kind: 'when' | 'unless'; body: unknown }[]) {
      const v = fold(c.body);
      const holds = v === undefined ? undefined : c.kind === 'when' ? v : !v;
      if (holds === false) {
        state = false;
        break;
      }
      if (holds === undefined) state = undefined;
    }
    if (policy.effect === 'forbid' && state === true) return false;
    if (policy.effect === 'permit' && state !== false) permitPossible = true;
  }
  return permitPossible;
}

function principalEntity(p: Principal, read: ReadNames = 'all'): cedar.EntityJson {
  return {
    uid: { type: 'User', id: p.id },
    attrs: only(
      {
        ...(p.attributes as Record<string, cedar.CedarValueJson>),
        id: p.id,
        tenant: p.tenant,
        roles: p.roles,
      },
      read,
    ),
    parents: [],
  };
}

function resourceEntity(r: PolicyResource, read: ReadNames = 'all'): cedar.EntityJson {
  return { uid: { type: r.type, id: r.id }, attrs: only(r.attributes, read), parents: [] };
}

/** Attribute names some policy reads, or 'all'. */
type ReadNames = 'all' | ReadonlySet<string>;

/**
 * The entity's attributes that some policy reads (top level: a record attribute is kept whole).
 * An attribute no policy reads is left out only if Cedar would surely accept it: one it would
 * refuse (null, a fraction, a number past a Long, an escape it checks) fails the whole request
 * and so denies, as with every attribute given.
 */
function only<T>(attrs: Record<string, T>, read: ReadNames): Record<string, T> {
  if (read === 'all') return attrs;
  // Own data properties (an attribute named __proto__ included), never the prototype's setter.
  return Object.fromEntries(
    Object.entries(attrs).filter(([key, value]) => read.has(key) || !plainlyConvertible(value, 0)),
  );
}

/** `{ __entity: { type, id } }` with a one-word capitalised type (never one of Cedar's reserved words, all lower case). */
function isPlainEntityRef(value: object): boolean {
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== '__entity') return false;
  const uid = (value as { __entity: unknown }).__entity as Record<string, unknown> | null;
  if (uid === null || typeof uid !== 'object' || Object.getPrototypeOf(uid) !== Object.prototype)
    return false;
  const uk = Object.keys(uid).sort();
  return (
    uk.length === 2 &&
    uk[0] === 'id' &&
    uk[1] === 'type' &&
    typeof uid.id === 'string' &&
    typeof uid.type === 'string' &&
    /^[A-Z][A-Za-z0-9_]*$/.test(uid.type)
  );
}

/** A value Cedar's JSON form surely accepts without a schema: text, true/false, safe integers, plain entity references, and sets and records of them. */
function plainlyConvertible(value: unknown, depth: number): boolean {
  if (typeof value === 'string' || typeof value === 'boolean' || value === undefined) return true;
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.every((v) => plainlyConvertible(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (isPlainEntityRef(value)) return true;
  // __extn, other escapes, odd entity references: left for Cedar to judge.
  return Object.entries(value).every(([k, v]) => !k.startsWith('__') && plainlyConvertible(v, depth + 1));
}

/** The policies one action is decided by, pre-parsed, and the attribute names they read. */
interface Slice {
  setId: string;
  policies: Record<string, string>;
  attributes: ReadNames;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Does any string (or object key) in the value hold an unpaired surrogate? */
function hasLoneSurrogate(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some((v) => hasLoneSurrogate(v, depth + 1));
  return Object.entries(value as Record<string, unknown>).some(
    ([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v, depth + 1),
  );
}

export { toCedarValue } from './cedar-values.js';

/**
 * The cache entry for `key`, or undefined when there is none, it is for other inputs, it is
 * unreadable, or it (its folder or the data directory) is not this user's alone.
 */
function readPolicyCache(file: string, key: string): PolicyCacheEntry | undefined {
  let entry: Partial<PolicyCacheEntry>;
  try {
    const folder = dirname(file);
    // The data directory may be reached through a link its owner made; the cache itself may not.
    if (!ownedPrivately(dirname(folder), false, true) || !ownedPrivately(folder, false)) return undefined;
    if (!ownedPrivately(file, true)) return undefined;
    entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<PolicyCacheEntry>;
  } catch {
    return undefined;
  }
  if (
    entry.key !== key ||
    typeof entry.policies !== 'object' ||
    typeof entry.annotations !== 'object' ||
    typeof entry.shapes !== 'object'
  )
    return undefined;
  if (entry.policies === null || entry.annotations === null || entry.shapes === null) return undefined;
  // Every policy has a well-formed shape.
  for (const id of Object.keys(entry.policies)) if (!isPolicyShape(entry.shapes[id])) return undefined;
  return entry as PolicyCacheEntry;
}

/** Splits the policy files into single policies keyed by their `@id` (or file#index), with annotations and shapes. */
function parsePolicies(
  sources: readonly { file: string; text: string }[],
  annotations: Map<string, Record<string, string>>,
  shapes: Map<string, PolicyShape>,
): Record<string, string> {
  const policies: Record<string, string> = {};
  for (const { file, text: fileText } of sources) {
    const parts = cedar.policySetTextToParts(fileText);
    if (parts.type !== 'success') {
      throw new ConfigError(`Invalid policy file ${file}: ${parts.errors.map((e) => e.message).join('; ')}`);
    }
    if (parts.policy_templates.length > 0)
      throw new ConfigError(`Policy file ${file}: templates are not supported.`);
    parts.policies.forEach((text, i) => {
      const json = cedar.policyToJson(text);
      if (json.type !== 'success')
        throw new ConfigError(`Invalid policy ${file}#${i}: ${json.errors.map((e) => e.message).join('; ')}`);
      const ann = json.json.annotations ?? {};
      const id = ann.id ?? `${file}#${i}`;
      if (policies[id] !== undefined) throw new ConfigError(`Policy id ${id} is used twice (${file}).`);
      policies[id] = text;
      annotations.set(id, ann);
      shapes.set(id, policyShapeOf(json.json));
    });
  }
  return policies;
}

/** Strict validation against the entity schema plus the generated action declarations. */
function validatePolicies(
  entityText: string,
  actions: Record<string, unknown>,
  staticPolicies: Record<string, string>,
): void {
  const validation = cedar.validate({
    schema: buildSchema(entityText, actions),
    policies: { staticPolicies },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type !== 'success') {
    throw new ConfigError(`Policy schema is invalid: ${validation.errors.map((e) => e.message).join('; ')}`);
  }
  if (validation.validationErrors.length > 0) {
    const first = validation.validationErrors.slice(0, 5).map((e) => `${e.policyId}: ${e.error.message}`);
    throw new ConfigError(`Policies do not validate against the schema: ${first.join('; ')}`);
  }
}

function buildSchema(entityText: string, actions: Record<string, unknown>): cedar.Schema {
  const parsed = cedar.schemaToJson(entityText);
  if (parsed.type !== 'success') {
    throw new ConfigError(`schema.cedarschema is invalid: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  const json = parsed.json as Record<
    string,
    { entityTypes: Record<string, unknown>; actions: Record<string, unknown> }
  >;
  const ns = json[''] ?? { entityTypes: {}, actions: {} };
  json[''] = ns;
  for (const required of ['User', 'Tenant']) {
    if (!(required in ns.entityTypes))
      throw new ConfigError(`schema.cedarschema must declare entity ${required}.`);
  }
  Object.assign(ns.actions, actions);
  return json as unknown as cedar.Schema;
}

/** One action per tool (its arguments typed in the context) and per extra action. */
function actionDeclarations(opts: PolicyEngineOptions): Record<string, unknown> {
  const actions: Record<string, unknown> = {};
  const nowType = { type: 'Long', required: true };
  for (const tool of opts.tools) {
    const argsType = jsonSchemaToCedar(argsJsonSchemaOf(tool)) ?? {
      type: 'Record',
      attributes: {},
    };
    actions[tool.name] = {
      appliesTo: {
        principalTypes: ['User'],
        resourceTypes: [tool.resourceType ?? 'Tenant'],
        context: { type: 'Record', attributes: { args: { ...argsType, required: true }, now: nowType } },
      },
    };
  }
  for (const extra of opts.extraActions ?? []) {
    actions[extra.name] = {
      appliesTo: {
        principalTypes: ['User'],
        resourceTypes: extra.resourceTypes,
        context: {
          type: 'Record',
          attributes: { args: { type: 'Record', attributes: {}, required: true }, now: nowType },
        },
      },
    };
  }
  return actions;
}

function jsonSchemaToCedar(js: JsonSchema): CedarType | undefined {
  if (js.anyOf) {
    const nonNull = js.anyOf.filter((s) => s.type !== 'null');
    return nonNull.length === 1 && nonNull[0] ? jsonSchemaToCedar(nonNull[0]) : undefined;
  }
  const type = Array.isArray(js.type) ? js.type.find((t) => t !== 'null') : js.type;
  switch (type) {
    case 'string':
      return { type: 'String' };
    case 'integer':
      return { type: 'Long' };
    case 'boolean':
      return { type: 'Boolean' };
    case 'array': {
      const el = js.items ? jsonSchemaToCedar(js.items) : undefined;
      return el ? { type: 'Set', element: el } : undefined;
    }
    case 'object': {
      const attributes: Record<string, CedarType> = {};
      const required = new Set(js.required ?? []);
      for (const [k, v] of Object.entries(js.properties ?? {})) {
        const t = jsonSchemaToCedar(v);
        if (t) attributes[k] = { ...t, required: required.has(k) };
      }
      return { type: 'Record', attributes };
    }
    default:
      return undefined;
  }
}

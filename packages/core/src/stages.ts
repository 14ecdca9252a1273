/**
 * The call pipeline as an ordered list of named stages with one signature (docs/architecture.md
 * section 3). A stage receives the call and `next`; it acts before `await next()` on the way in
 * and after it on the way out, so `audit` (outermost) records whatever happened inside it and
 * `output` checks what `execute` produced. A server adds a stage before or after a named one
 * through `ServerDefinition.stages`, never by editing the loop.
 */
import type { Decision } from './policy.js';
import type { Logger } from './log.js';
import type { Plan } from './approvals.js';
import type { PolicyResource, Principal } from './tool.js';

/** The kit's stages in the order a call enters them. */
export const STAGE_ORDER = [
  'audit',
  'rate_limit',
  'validate',
  'resolve',
  'authorize',
  'approval',
  'output',
  'execute',
] as const;
export type KitStageName = (typeof STAGE_ORDER)[number];

/** Why this pass through the pipeline runs. */
export type CallMode =
  /** An ordinary tools/call. */
  | 'call'
  /** Executing an approved plan inside the apply tool's call (no second audit record or rate-limit charge). */
  | 'apply'
  /** A guarded resource read: the guard tool's checks, then the resource's own read instead of the handler. */
  | 'resource';

/** Everything the stages know about one call; each stage reads and fills its part. */
export interface ToolCall {
  readonly system: string;
  readonly tool: { readonly name: string; readonly access: string; readonly toolset: string };
  readonly principal: Principal;
  readonly mode: CallMode;
  readonly traceId: string;
  readonly signal: AbortSignal;
  readonly meta: Record<string, unknown> | undefined;
  readonly logger: Logger;
  /** The arguments as received; replaced by the validated ones in `validate`. */
  args: unknown;
  /** The record the call acts on, loaded in `resolve` (null for tools without one). */
  resource: PolicyResource | null;
  decision: Decision | null;
  /** The approved plan being applied (mode `apply`). */
  plan: Plan | null;
  /** The caller's idempotency key (argument or `_meta`), or `plan:<id>` when applying. */
  idempotencyKey: string | null;
  /** What `execute` produced. */
  output: unknown;
  /** References for the audit record (plan ids, approval ids, resource URIs ...). */
  refs: Record<string, string>;
  /** The audit record written for this call, once `audit` has run. */
  auditId: string | null;
}

export type Next = () => Promise<void>;

export interface Stage {
  readonly name: string;
  run(call: ToolCall, next: Next): Promise<void>;
}

/** Where a server's own stage goes: before or after one of the named stages. */
export type StageExtension = { stage: Stage } & ({ before: string } | { after: string });

/** Inserts extensions next to the stages they name; an unknown name is a definition error. */
export function withExtensions(base: readonly Stage[], extensions: readonly StageExtension[] = []): Stage[] {
  const out = [...base];
  for (const ext of extensions) {
    const anchor = 'before' in ext ? ext.before : ext.after;
    const i = out.findIndex((s) => s.name === anchor);
    if (i < 0)
      throw new Error(
        `Stage ${ext.stage.name}: no stage named ${anchor} (known: ${out.map((s) => s.name).join(', ')}).`,
      );
    if (out.some((s) => s.name === ext.stage.name))
      throw new Error(`Stage ${ext.stage.name} is defined twice.`);
    out.splice('before' in ext ? i : i + 1, 0, ext.stage);
  }
  return out;
}

/** Runs the stages in order; each continues the chain by awaiting `next` once. */
export function runStages(stages: readonly Stage[], call: ToolCall): Promise<void> {
  const dispatch = async (i: number): Promise<void> => {
    const stage = stages[i];
    if (!stage) return;
    let called = false;
    await stage.run(call, () => {
      if (called) return Promise.reject(new Error(`stage ${stage.name} called next() twice`));
      called = true;
      return dispatch(i + 1);
    });
  };
  return dispatch(0);
}

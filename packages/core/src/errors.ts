/**
 * The one error envelope every Portcullis tool error uses (docs/architecture.md section 3).
 * A PortcullisError has two faces: the public fields go to the model, `internal` goes only
 * to logs and the audit record.
 */
export const ERROR_CATEGORIES = [
  'unauthenticated',
  'forbidden',
  'validation',
  'not_found',
  'conflict',
  'rate_limited',
  'approval_required',
  'upstream',
  'internal',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface ErrorEnvelope {
  code: string;
  category: ErrorCategory;
  message: string;
  retryable: boolean;
  retry_after_ms?: number;
  remediation?: string;
  audit_id: string;
  /** Extra public, structured detail (for example a plan id for approval_required). */
  details?: Record<string, unknown>;
}

export interface PortcullisErrorInit {
  code: string;
  category: ErrorCategory;
  message: string;
  retryable?: boolean;
  retryAfterMs?: number;
  remediation?: string;
  details?: Record<string, unknown>;
  /** Never shown to the model: logs and audit only. */
  internal?: unknown;
  cause?: unknown;
}

export class PortcullisError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly remediation: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly internal: unknown;

  constructor(init: PortcullisErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PortcullisError';
    this.code = init.code;
    this.category = init.category;
    this.retryable = init.retryable ?? (init.category === 'rate_limited' || init.category === 'upstream');
    this.retryAfterMs = init.retryAfterMs;
    this.remediation = init.remediation;
    this.details = init.details;
    this.internal = init.internal;
  }

  toEnvelope(auditId: string): ErrorEnvelope {
    const env: ErrorEnvelope = {
      code: this.code,
      category: this.category,
      message: this.message,
      retryable: this.retryable,
      audit_id: auditId,
    };
    if (this.retryAfterMs !== undefined) env.retry_after_ms = Math.max(0, Math.ceil(this.retryAfterMs));
    if (this.remediation !== undefined) env.remediation = this.remediation;
    if (this.details !== undefined) env.details = this.details;
    return env;
  }
}

/** Shorthands for the common cases, so call sites read as intent. */
export const errors = {
  validation: (message: string, remediation?: string, details?: Record<string, unknown>) =>
    new PortcullisError({ code: 'invalid_arguments', category: 'validation', message, remediation, details }),
  notFound: (what: string, remediation?: string) =>
    new PortcullisError({
      code: 'not_found',
      category: 'not_found',
      message: `${what} was not found.`,
      remediation,
    }),
  forbidden: (message: string, details?: Record<string, unknown>, remediation?: string) =>
    new PortcullisError({ code: 'forbidden', category: 'forbidden', message, details, remediation }),
  /** A policy decision that is not an allow, worded as the policy stage words it. */
  denied: (policies: string[]) =>
    new PortcullisError({
      code: policies.length > 0 ? 'denied_by_policy' : 'not_permitted',
      category: 'forbidden',
      message:
        policies.length > 0
          ? `Policy ${policies.join(', ')} does not allow this call.`
          : 'No policy permits this call for you.',
      retryable: false,
      remediation: 'Ask an administrator for the role or ownership this needs; do not retry.',
      details: { policies },
    }),
  conflict: (code: string, message: string, remediation?: string, details?: Record<string, unknown>) =>
    new PortcullisError({ code, category: 'conflict', message, remediation, details }),
  rateLimited: (message: string, retryAfterMs: number, details?: Record<string, unknown>) =>
    new PortcullisError({
      code: 'rate_limited',
      category: 'rate_limited',
      message,
      retryable: true,
      retryAfterMs,
      remediation: 'Wait for retry_after_ms before calling again.',
      details,
    }),
  upstream: (system: string, internal: unknown, retryable = true, retryAfterMs?: number) =>
    new PortcullisError({
      code: 'upstream_unavailable',
      category: 'upstream',
      message: `The ${system} system did not answer successfully.`,
      retryable,
      retryAfterMs,
      remediation: retryable ? 'Try again shortly.' : 'Ask an operator to check the upstream system.',
      internal,
    }),
  auditUnavailable: () =>
    new PortcullisError({
      code: 'audit_unavailable',
      category: 'internal',
      message: 'The server cannot write its audit trail right now, so it ran nothing for this call.',
      retryable: true,
      remediation: 'Try again shortly. If it persists, ask an operator to check the audit trail.',
    }),
  internal: (internal: unknown) =>
    new PortcullisError({
      code: 'internal_error',
      category: 'internal',
      message: 'The server could not complete the call. The audit record id identifies it for an operator.',
      retryable: false,
      internal,
    }),
};

/** A configuration problem found at start-up: the message names the variable and stops the server. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function toPortcullisError(err: unknown): PortcullisError {
  if (err instanceof PortcullisError) return err;
  return errors.internal(err);
}

import { loadPRetry } from './lazy.js';
import { PortcullisError, errors } from './errors.js';

/** How an upstream failure should be treated: retried or not, and what the upstream told us. */
export interface UpstreamFailure {
  transient: boolean;
  status?: number;
  retryAfterMs?: number;
  unauthorized?: boolean;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
]);

// Bounded because `cause` chains are attacker-shaped in the worst case (an SDK wrapping an SDK ...).
const MAX_CAUSE_DEPTH = 5;

type Bag = Record<string, unknown>;

function asBag(v: unknown): Bag | undefined {
  return v !== null && (typeof v === 'object' || typeof v === 'function') ? (v as Bag) : undefined;
}

function asStatus(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
  if (typeof v === 'string' && /^[1-5]\d\d$/.test(v)) return Number(v);
  return undefined;
}

function statusOf(e: Bag): number | undefined {
  const response = asBag(e.response);
  const metadata = asBag(e.$metadata); // AWS SDK v3 service exceptions
  return (
    asStatus(e.status) ??
    asStatus(e.statusCode) ??
    (typeof e.code === 'number' ? asStatus(e.code) : undefined) ??
    (response ? (asStatus(response.status) ?? asStatus(response.statusCode)) : undefined) ??
    (metadata ? asStatus(metadata.httpStatusCode) : undefined)
  );
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || headers === undefined) return undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const bag = asBag(headers);
  if (!bag) return undefined;
  if (typeof bag.get === 'function') {
    const v: unknown = (bag.get as (n: string) => unknown).call(headers, name);
    return typeof v === 'string' ? v : undefined;
  }
  for (const [k, v] of Object.entries(bag)) {
    if (k.toLowerCase() !== name) continue;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  }
  return undefined;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function retryAfterOf(e: Bag): number | undefined {
  if (typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0)
    return e.retryAfterMs;
  const response = asBag(e.response);
  return parseRetryAfter(
    headerValue(e.headers, 'retry-after') ??
      (response ? headerValue(response.headers, 'retry-after') : undefined),
  );
}

function isNetworkLevel(e: Bag): boolean {
  const code = e.code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'TimeoutError') return true;
  const message = typeof e.message === 'string' ? e.message.toLowerCase() : '';
  return message.includes('socket hang up') || (name === 'TypeError' && message === 'fetch failed');
}

/**
 * Classifies any error from an upstream call: network errors, timeouts, HTTP 408, 429 and 5xx
 * are transient; other 4xx are not. A PortcullisError (for example from a nested withRetry)
 * keeps its own verdict, with the upstream status read from its internal error.
 */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  if (err instanceof PortcullisError) {
    const inner = err.internal === undefined ? undefined : classifyUpstreamError(err.internal);
    const failure: UpstreamFailure = { transient: err.retryable };
    const retryAfterMs = err.retryAfterMs ?? inner?.retryAfterMs;
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    if (inner?.status !== undefined) failure.status = inner.status;
    if (inner?.unauthorized || err.category === 'unauthenticated') failure.unauthorized = true;
    return failure;
  }

  let status: number | undefined;
  let retryAfterMs: number | undefined;
  let network = false;
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    const e = asBag(current);
    if (!e) break;
    status ??= statusOf(e);
    retryAfterMs ??= retryAfterOf(e);
    network ||= isNetworkLevel(e);
    if (status !== undefined) break; // the outermost HTTP status decides
    current = e.cause;
  }

  const failure: UpstreamFailure = { transient: false };
  if (status !== undefined) {
    failure.status = status;
    failure.transient = status === 408 || status === 429 || status >= 500;
    if (status === 401) failure.unauthorized = true;
  } else {
    failure.transient = network;
  }
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
}

export interface RetryOptions {
  /** Upstream system name, for errors and metrics. */
  system: string;
  /** The client's cancellation: stop immediately, no further attempts. */
  signal?: AbortSignal;
  /** Default 3 (so 4 attempts at most). */
  retries?: number;
  /** Default 100. */
  minTimeoutMs?: number;
  /** Default 2000. */
  maxTimeoutMs?: number;
  /** Default 10000: a longer Retry-After is not waited for; the call fails carrying retryAfterMs. */
  maxRetryAfterMs?: number;
  /** Default 15000: total budget including waits; every attempt is also cut off at the budget. */
  maxTotalMs?: number;
  /** Optional per-attempt timeout (the attempt's signal aborts). */
  attemptTimeoutMs?: number;
  classify?: (err: unknown) => UpstreamFailure;
  /** `attempt` is the number of the attempt that just failed; `delayMs` the wait before the next. */
  onRetry?: (info: { system: string; attempt: number; delayMs: number; failure: UpstreamFailure }) => void;
}

/** The client went away: no one is waiting for the answer, so nothing is retried. */
export function cancelledError(system: string, internal?: unknown): PortcullisError {
  return new PortcullisError({
    code: 'cancelled',
    category: 'upstream',
    message: `The call to the ${system} system was cancelled.`,
    retryable: false,
    internal,
  });
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function timeoutError(message: string): Error {
  const err = new Error(message) as Error & { code: string };
  err.name = 'TimeoutError';
  err.code = 'ETIMEDOUT';
  return err;
}

/** Waits, unless the signal fires first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one attempt with its own signal, which fires on the client's cancellation or at the
 * attempt deadline. The attempt is raced against that signal, so an fn that ignores its signal
 * still cannot hold the call past the budget.
 */
async function runAttempt<T>(
  fn: (attempt: { number: number; signal: AbortSignal }) => Promise<T>,
  number: number,
  deadlineMs: number,
  clientSignal: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const onClientAbort = (): void => controller.abort(clientSignal?.reason);
  clientSignal?.addEventListener('abort', onClientAbort, { once: true });
  // setTimeout fires at once for delays beyond 2^31-1 ms; an unbounded attempt simply has no timer.
  const timer =
    deadlineMs <= MAX_TIMER_MS
      ? setTimeout(
          () => controller.abort(timeoutError(`attempt ${number} timed out after ${deadlineMs} ms`)),
          deadlineMs,
        )
      : undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(controller.signal.reason as Error);
    controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([fn({ number, signal: controller.signal }), aborted]);
  } catch (err) {
    // However fn reacted to the abort, the reason (timeout or cancellation) is what happened.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
    clientSignal?.removeEventListener('abort', onClientAbort);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs fn, retrying transient failures only (network errors, timeouts, 429, 5xx) with
 * exponential backoff and jitter, honouring Retry-After, within a total time budget. The final
 * failure is a PortcullisError (category upstream, internal = the original error); a
 * PortcullisError thrown by fn passes through untouched and unretried; the client's abort
 * yields code 'cancelled'.
 */
export async function withRetry<T>(
  fn: (attempt: { number: number; signal: AbortSignal }) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const retries = opts.retries ?? 3;
  const minTimeoutMs = opts.minTimeoutMs ?? 100;
  const maxTimeoutMs = opts.maxTimeoutMs ?? 2000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 10_000;
  const maxTotalMs = opts.maxTotalMs ?? 15_000;
  const classify = opts.classify ?? classifyUpstreamError;
  const { signal, system } = opts;
  const start = performance.now();
  const remaining = (): number => maxTotalMs - (performance.now() - start);

  if (signal?.aborted) throw cancelledError(system, signal.reason);

  // Loaded on the first upstream call (lazy.ts); a broken install is the kit's failure, not the upstream's.
  const { default: pRetry, AbortError } = await loadPRetry().catch((err: unknown) => {
    throw errors.internal(err);
  });
  try {
    return await pRetry(
      async (attemptNumber) => {
        const left = remaining();
        if (left <= 0) throw timeoutError(`retry budget of ${maxTotalMs} ms exhausted`);
        const deadline = Math.max(1, Math.min(opts.attemptTimeoutMs ?? Number.POSITIVE_INFINITY, left));
        try {
          return await runAttempt(fn, attemptNumber, Math.ceil(deadline), signal);
        } catch (err) {
          // A connector has already translated this failure (404, 409 ...): it is final.
          if (err instanceof PortcullisError) throw new AbortError(err);
          throw err;
        }
      },
      {
        retries,
        // p-retry's own backoff is a pure function of the attempt number and cannot honour
        // Retry-After, so the wait happens in shouldRetry, where the failure is known. p-retry
        // still owns the attempt loop, the retry count, the time budget and cancellation.
        minTimeout: 0,
        maxRetryTime: maxTotalMs,
        signal,
        shouldRetry: async ({ error, attemptNumber }) => {
          if (signal?.aborted) return false;
          const failure = classify(error);
          if (!failure.transient) return false;
          let delayMs = backoff(attemptNumber, minTimeoutMs, maxTimeoutMs);
          if (failure.retryAfterMs !== undefined) {
            if (failure.retryAfterMs > maxRetryAfterMs) return false;
            delayMs = Math.max(delayMs, failure.retryAfterMs);
          }
          // Waiting past the budget only to be cut off would waste the client's time.
          if (delayMs >= remaining()) return false;
          opts.onRetry?.({ system, attempt: attemptNumber, delayMs, failure });
          await sleep(delayMs, signal);
          return true;
        },
      },
    );
  } catch (err) {
    if (signal?.aborted) throw cancelledError(system, signal.reason);
    if (err instanceof PortcullisError) throw err;
    const failure = classify(err);
    // A Retry-After on a final, non-transient failure would tell the client to retry what it must not.
    throw errors.upstream(
      system,
      err,
      failure.transient,
      failure.transient ? failure.retryAfterMs : undefined,
    );
  }
}

/** Exponential backoff with equal jitter: never less than half the step, so waits keep growing. */
function backoff(attempt: number, minMs: number, maxMs: number): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

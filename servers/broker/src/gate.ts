/**
 * Per-upstream protection the broker applies before it forwards a call: a concurrency limit with a
 * bounded queue, a call-rate window, and a circuit breaker that fails fast while an upstream is
 * down instead of letting every caller wait for its timeout.
 */
import { PortcullisError } from '@portcullis/core';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseRate(value: string): { points: number; windowMs: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(value);
  if (!m) throw new Error(`not a rate: ${value}`);
  return { points: Number(m[1]), windowMs: Number(m[2]) * UNIT_MS[m[3]!]! };
}

function limited(upstream: string, message: string, retryAfterMs: number): PortcullisError {
  return new PortcullisError({
    code: 'rate_limited',
    category: 'rate_limited',
    message,
    retryable: true,
    retryAfterMs,
    remediation: 'Wait for retry_after_ms before calling again.',
    details: { scope: 'upstream', upstream },
  });
}

/** Concurrency (with up to `maxQueued` waiting) and a fixed-window rate, for one upstream. */
export class UpstreamGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly upstream: string,
    private readonly concurrency: number,
    private readonly rate: { points: number; windowMs: number } | null,
    private readonly maxQueued = 100,
  ) {}

  async run<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.rate) {
      const now = Date.now();
      if (now - this.windowStart >= this.rate.windowMs) {
        this.windowStart = now;
        this.used = 0;
      }
      if (this.used >= this.rate.points)
        throw limited(
          this.upstream,
          `The ${this.upstream} upstream's call rate is used up for now.`,
          this.windowStart + this.rate.windowMs - now,
        );
      this.used++;
    }
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued)
        throw limited(this.upstream, `Too many calls are waiting for the ${this.upstream} upstream.`, 1000);
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', abort, { once: true });
        this.waiting.push(go);
      });
    } else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is released.
      if (next) next();
      else this.running--;
    }
  }
}

/** The half-open probe's hold on the breaker: a token only the call that took it can hand back. */
export type Probe = symbol;

/**
 * Closed while calls succeed; open for `cooldownMs` after `failures` consecutive failures (calls
 * then fail fast); then half-open: one probe call decides whether it closes again.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  /** The probe in flight while half-open: it alone holds the slot, so only it may free it. */
  private probing: Probe | null = null;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
  ) {}

  /**
   * How long until the next probe (a number), or what lets this call go ahead: null while
   * closed, the probe while half-open. The probe ends with success(), failure() or, when it never
   * got an answer or a failure from the upstream (cancelled, refused on the way), release(): else
   * the slot stays taken and every later call is refused until a restart.
   */
  admit(): number | Probe | null {
    if (this.openUntil === 0) return null;
    const now = Date.now();
    if (now < this.openUntil) return this.openUntil - now;
    if (this.probing) return this.cooldownMs;
    this.probing = Symbol('probe');
    return this.probing;
  }

  /** Frees the slot of a probe that reached no verdict; a later probe's slot is left alone. */
  release(probe: Probe): void {
    if (this.probing === probe) this.probing = null;
  }

  get isOpen(): boolean {
    return this.openUntil !== 0;
  }

  success(): void {
    this.consecutive = 0;
    this.openUntil = 0;
    this.probing = null;
  }

  failure(): void {
    this.probing = null;
    this.consecutive++;
    if (this.consecutive >= this.failures) this.openUntil = Date.now() + this.cooldownMs;
  }

  /** Opens at once (the upstream was unreachable at start, or its process exited). */
  trip(): void {
    this.consecutive = this.failures;
    this.probing = null;
    this.openUntil = Date.now() + this.cooldownMs;
  }
}

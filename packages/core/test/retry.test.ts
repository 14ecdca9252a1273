import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@portcullis/test-support/ports';
import { PortcullisError, errors } from '../src/errors.js';
import { classifyUpstreamError, parseRetryAfter, withRetry, type RetryOptions } from '../src/retry.js';

type Step = { status: number; headers?: Record<string, string> } | 'hang';

interface Scripted {
  url: string;
  /** Server-side arrival time of each request. */
  arrivals: number[];
  onRequest?: () => void;
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** An upstream that answers the scripted steps in order, then the last step forever. */
async function scripted(steps: Step[]): Promise<Scripted> {
  const state: Scripted = { url: '', arrivals: [] };
  const server = createServer((req, res) => {
    const step = steps[Math.min(state.arrivals.length, steps.length - 1)] ?? { status: 200 };
    state.arrivals.push(Date.now());
    state.onRequest?.();
    req.resume();
    if (step === 'hang') return; // never answers; closed by afterEach
    res
      .writeHead(step.status, { 'content-type': 'text/plain', ...step.headers })
      .end(step.status < 400 ? 'ok' : 'upstream says no');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`;
  return state;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}`);
  }
}

/** What a connector does: one HTTP request, non-2xx thrown with its status and headers. */
async function get(url: string, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  const body = await res.text();
  if (!res.ok) throw new HttpError(res.status, res.headers);
  return body;
}

const fast: Partial<RetryOptions> = { minTimeoutMs: 1, maxTimeoutMs: 5 };

async function rejection(p: Promise<unknown>): Promise<PortcullisError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PortcullisError);
    return err as PortcullisError;
  }
  throw new Error('expected a rejection');
}

describe('withRetry', () => {
  it('retries a 503 and then succeeds', async () => {
    const up = await scripted([{ status: 503 }, { status: 200 }]);
    const result = await withRetry(({ signal }) => get(up.url, signal), { system: 'crm', ...fast });
    expect(result).toBe('ok');
    expect(up.arrivals).toHaveLength(2);
  });

  it('honours Retry-After on a 429: the next attempt waits for the stated delay', async () => {
    const up = await scripted([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const delays: number[] = [];
    const result = await withRetry(({ signal }) => get(up.url, signal), {
      system: 'crm',
      ...fast,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    expect(result).toBe('ok');
    expect(up.arrivals).toHaveLength(2);
    expect(delays).toEqual([1000]);
    const [first, second] = up.arrivals as [number, number];
    // The backoff alone would be a few ms; only Retry-After explains a gap near a second.
    expect(second - first).toBeGreaterThanOrEqual(900);
  });

  it.each([400, 404, 409, 422])('does not retry a %i', async (status) => {
    const up = await scripted([{ status }]);
    const err = await rejection(withRetry(({ signal }) => get(up.url, signal), { system: 'crm', ...fast }));
    expect(up.arrivals).toHaveLength(1);
    expect(err.category).toBe('upstream');
    expect(err.retryable).toBe(false);
    expect(err.internal).toBeInstanceOf(HttpError);
    expect((err.internal as HttpError).status).toBe(status);
    // Upstream detail stays internal.
    expect(err.message).not.toContain(String(status));
  });

  it('retries ECONNREFUSED, bounded by the retry count', async () => {
    // A refused connection needs a closed port: the one exception to ports from listen(0).
    const port = await freePort(); // nothing listens there
    let attempts = 0;
    const err = await rejection(
      withRetry(
        ({ signal }) => {
          attempts++;
          return get(`http://127.0.0.1:${port}/`, signal);
        },
        { system: 'billing', retries: 2, ...fast },
      ),
    );
    expect(attempts).toBe(3);
    expect(err.category).toBe('upstream');
    expect(err.retryable).toBe(true);
    expect(classifyUpstreamError(err.internal).transient).toBe(true);
  });

  it('stops after retries + 1 attempts when the upstream keeps failing', async () => {
    const up = await scripted([{ status: 502 }]);
    const err = await rejection(
      withRetry(({ signal }) => get(up.url, signal), { system: 'crm', retries: 3, ...fast }),
    );
    expect(up.arrivals).toHaveLength(4);
    expect(err.retryable).toBe(true);
    expect((err.internal as HttpError).status).toBe(502);
  });

  it('the total time budget cuts off a hanging upstream and stops retrying', async () => {
    const up = await scripted(['hang']);
    const err = await rejection(
      withRetry(({ signal }) => get(up.url, signal), { system: 'crm', retries: 5, maxTotalMs: 300, ...fast }),
    );
    expect(up.arrivals).toHaveLength(1);
    expect(err.retryable).toBe(true);
    expect(classifyUpstreamError(err.internal).transient).toBe(true);
  });

  it('does not wait for a Retry-After that would overrun the budget, and reports it', async () => {
    const up = await scripted([{ status: 503, headers: { 'retry-after': '5' } }, { status: 200 }]);
    const err = await rejection(
      withRetry(({ signal }) => get(up.url, signal), { system: 'crm', maxTotalMs: 2000, ...fast }),
    );
    expect(up.arrivals).toHaveLength(1);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(5000);
    expect(err.toEnvelope('a1').retry_after_ms).toBe(5000);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterMs', async () => {
    const up = await scripted([{ status: 429, headers: { 'retry-after': '120' } }, { status: 200 }]);
    const err = await rejection(withRetry(({ signal }) => get(up.url, signal), { system: 'crm', ...fast }));
    expect(up.arrivals).toHaveLength(1);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('a per-attempt timeout aborts the attempt and the next one succeeds', async () => {
    const up = await scripted(['hang', { status: 200 }]);
    const result = await withRetry(({ signal }) => get(up.url, signal), {
      system: 'crm',
      attemptTimeoutMs: 200,
      ...fast,
    });
    expect(result).toBe('ok');
    expect(up.arrivals).toHaveLength(2);
  });

  it('the client abort stops an attempt in flight: code cancelled, no further attempts', async () => {
    const up = await scripted(['hang', { status: 200 }]);
    const controller = new AbortController();
    up.onRequest = () => controller.abort();
    let attempts = 0;
    const err = await rejection(
      withRetry(
        ({ signal }) => {
          attempts++;
          return get(up.url, signal);
        },
        { system: 'crm', signal: controller.signal, ...fast },
      ),
    );
    expect(err.code).toBe('cancelled');
    expect(err.retryable).toBe(false);
    // withRetry has settled, so no attempt can follow: one was made, and it is the one that arrived.
    expect(attempts).toBe(1);
    expect(up.arrivals).toHaveLength(1);
  });

  it('the client abort during a backoff wait stops at once', async () => {
    const up = await scripted([{ status: 503, headers: { 'retry-after': '8' } }, { status: 200 }]);
    const controller = new AbortController();
    const err = await rejection(
      withRetry(({ signal }) => get(up.url, signal), {
        system: 'crm',
        signal: controller.signal,
        ...fast,
        onRetry: () => controller.abort(),
      }),
    );
    expect(err.code).toBe('cancelled');
    expect(up.arrivals).toHaveLength(1);
  });

  it('an already-aborted signal makes no attempt', async () => {
    let attempts = 0;
    const err = await rejection(
      withRetry(
        async () => {
          attempts++;
          return 1;
        },
        { system: 'crm', signal: AbortSignal.abort() },
      ),
    );
    expect(err.code).toBe('cancelled');
    expect(attempts).toBe(0);
  });

  it('calls onRetry for each retry with the failed attempt number', async () => {
    const up = await scripted([{ status: 503 }, { status: 500 }, { status: 200 }]);
    const seen: Array<{ system: string; attempt: number; status?: number }> = [];
    await withRetry(({ signal }) => get(up.url, signal), {
      system: 'stripe',
      ...fast,
      onRetry: ({ system, attempt, delayMs, failure }) => {
        expect(delayMs).toBeGreaterThanOrEqual(0);
        seen.push({ system, attempt, status: failure.status });
      },
    });
    expect(seen).toEqual([
      { system: 'stripe', attempt: 1, status: 503 },
      { system: 'stripe', attempt: 2, status: 500 },
    ]);
  });

  it('lets a PortcullisError from the caller through untouched and unretried', async () => {
    const notFound = errors.notFound('Account 42');
    let attempts = 0;
    const err = await rejection(
      withRetry(
        async () => {
          attempts++;
          throw notFound;
        },
        { system: 'crm', ...fast },
      ),
    );
    expect(err).toBe(notFound);
    expect(attempts).toBe(1);
  });

  it('a custom classify decides what is retried', async () => {
    const up = await scripted([{ status: 409 }, { status: 200 }]);
    const result = await withRetry(({ signal }) => get(up.url, signal), {
      system: 'crm',
      ...fast,
      classify: (err) => ({ ...classifyUpstreamError(err), transient: true }),
    });
    expect(result).toBe('ok');
    expect(up.arrivals).toHaveLength(2);
  });
});

describe('classifyUpstreamError', () => {
  const withCode = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

  it('treats network errors and timeouts as transient', () => {
    for (const code of [
      'ECONNRESET',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'EPIPE',
      'EAI_AGAIN',
      'UND_ERR_SOCKET',
      'UND_ERR_CONNECT_TIMEOUT',
    ]) {
      expect(classifyUpstreamError(withCode(code)).transient, code).toBe(true);
    }
    expect(classifyUpstreamError(new Error('socket hang up')).transient).toBe(true);
    expect(
      classifyUpstreamError(new TypeError('fetch failed', { cause: withCode('ECONNRESET') })).transient,
    ).toBe(true);
    expect(classifyUpstreamError(new DOMException('timed out', 'TimeoutError')).transient).toBe(true);
  });

  it('reads the status wherever SDKs put it', () => {
    expect(classifyUpstreamError({ status: 503 })).toEqual({ transient: true, status: 503 });
    expect(classifyUpstreamError({ statusCode: 429 })).toMatchObject({ transient: true, status: 429 });
    expect(classifyUpstreamError({ code: 502 })).toMatchObject({ transient: true, status: 502 });
    expect(classifyUpstreamError({ response: { status: 404 } })).toEqual({ transient: false, status: 404 });
    expect(classifyUpstreamError({ response: { statusCode: 500 } })).toMatchObject({
      transient: true,
      status: 500,
    });
    expect(classifyUpstreamError({ $metadata: { httpStatusCode: 503 } })).toMatchObject({
      transient: true,
      status: 503,
    });
    expect(classifyUpstreamError({ status: 401 })).toEqual({
      transient: false,
      status: 401,
      unauthorized: true,
    });
    expect(classifyUpstreamError({ status: 403 }).transient).toBe(false);
    expect(classifyUpstreamError(new Error('plain bug')).transient).toBe(false);
    expect(classifyUpstreamError('a string').transient).toBe(false);
    expect(classifyUpstreamError(null).transient).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date, from plain headers or Headers', () => {
    expect(classifyUpstreamError({ status: 429, headers: { 'Retry-After': '3' } }).retryAfterMs).toBe(3000);
    expect(
      classifyUpstreamError({ status: 503, response: { headers: new Headers({ 'retry-after': '2' }) } })
        .retryAfterMs,
    ).toBe(2000);
    expect(classifyUpstreamError({ status: 429, retryAfterMs: 1234 }).retryAfterMs).toBe(1234);
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('sees through a PortcullisError to the upstream status', () => {
    const wrapped = errors.upstream('crm', { status: 401 }, false);
    expect(classifyUpstreamError(wrapped)).toMatchObject({
      transient: false,
      status: 401,
      unauthorized: true,
    });
  });
});

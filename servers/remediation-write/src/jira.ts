/**
 * The Jira Cloud ticket sink: one issue per ticket through REST API v3 "Create issue"
 * (`POST /rest/api/3/issue`), the description in Atlassian Document Format.
 *
 * Atlassian publishes no official Node SDK for Jira Cloud's REST API, so this uses Node's built-in
 * fetch (undici) against the documented endpoint. Auth is basic auth with the account's email and an
 * API token; the token is a credential reference resolved by the kit (registered with the redactor,
 * re-resolved once after a 401 in case it was rotated) and never appears in an error or a log.
 */
import type { CredentialResolver } from '@portcullis/core/credentials';
import { parseRetryAfter } from '@portcullis/core/retry';
import { BackendError, type TicketRequest, type TicketSink } from './backend.js';

export interface JiraSinkOptions {
  /** The site, e.g. https://your-domain.atlassian.net (https required except on loopback). */
  baseUrl: string;
  /** The Atlassian account's email (basic auth user). */
  email: string;
  /** Credential reference (env:, file:, aws-sm:) of the API token. */
  apiTokenRef: string;
  /** The setting the reference came from, for error messages (default JIRA_API_TOKEN). */
  apiTokenSetting?: string;
  credentials: CredentialResolver;
  /** The project issues are created in, e.g. SEC. */
  projectKey: string;
  /** Default Task. */
  issueType?: string;
  /** Attempts per ticket for 429 and 5xx (default 4). */
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited for: the call fails as throttled (default 30000). */
  maxRetryAfterMs?: number;
  /** Backoff when Jira gives no Retry-After (default 500, doubling). */
  baseDelayMs?: number;
  /** Per-request timeout (default 15000). */
  timeoutMs?: number;
}

const SUMMARY_MAX = 255;
const DESCRIPTION_MAX = 30_000;

/** Jira labels may not contain spaces; they are kept short and lower case. */
function label(s: string): string {
  return s
    .trim()
    .replace(/\s+/g, '-')
    .replace(/[^\w.:@-]/g, '')
    .slice(0, 255);
}

/** Plain text as an ADF document: one paragraph per non-empty line (ADF text nodes may not be empty). */
export function toAdf(text: string, facts: [string, string | undefined][]): Record<string, unknown> {
  const paragraph = (t: string) => ({ type: 'paragraph', content: [{ type: 'text', text: t }] });
  const lines = text
    .slice(0, DESCRIPTION_MAX)
    .split(/\r?\n/)
    .map((l) => stripControls(l, ''))
    .filter((l) => l.trim() !== '');
  const known = facts.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
  const content: Record<string, unknown>[] = lines.map(paragraph);
  if (known.length > 0)
    content.push({
      type: 'bulletList',
      content: known.map(([k, v]) => ({
        type: 'listItem',
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: `${k}: `, marks: [{ type: 'strong' }] },
              { type: 'text', text: v },
            ],
          },
        ],
      })),
    });
  return { type: 'doc', version: 1, content };
}

/** The sink. */
export function createJiraSink(options: JiraSinkOptions): TicketSink {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new BackendError(
      'invalid_target',
      'The Jira site URL is not a URL (e.g. https://your-domain.atlassian.net).',
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname);
  if (base.protocol !== 'https:' && !(loopback && base.protocol === 'http:'))
    throw new BackendError('invalid_target', 'The Jira site URL must use https.');
  if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(options.projectKey))
    throw new BackendError(
      'invalid_target',
      'The Jira project key must be upper-case letters and digits, e.g. SEC.',
    );
  const site = base.origin;
  const setting = options.apiTokenSetting ?? 'JIRA_API_TOKEN';
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 15_000;

  const create = async (
    request: TicketRequest,
    signal?: AbortSignal,
  ): Promise<{ key: string; url?: string }> => {
    const summary = request.summary
      .replace(/[\r\n\t]+/g, ' ')
      .trim()
      .slice(0, SUMMARY_MAX);
    if (summary === '') throw new BackendError('invalid_target', 'A ticket needs a summary.');
    const labels = [
      ...new Set(
        ['portcullis', ...request.labels, ...(request.severity ? [`severity-${request.severity}`] : [])]
          .map(label)
          .filter(Boolean),
      ),
    ];
    const body = JSON.stringify({
      fields: {
        project: { key: options.projectKey },
        issuetype: { name: options.issueType ?? 'Task' },
        summary,
        description: toAdf(request.description, [
          ['Tenant', request.tenant],
          ['Severity', request.severity],
          ['AWS account', request.account],
          ['Resource', request.resource],
          ['Finding', request.finding_id],
          ['Plan', request.plan_id],
        ]),
        labels,
      },
    });

    const post = async (token: string): Promise<Response> => {
      const auth = `Basic ${Buffer.from(`${options.email}:${token}`).toString('base64')}`;
      for (let attempt = 1; ; attempt++) {
        const timeout = AbortSignal.timeout(timeoutMs);
        let res: Response;
        try {
          res = await fetch(`${site}/rest/api/3/issue`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
            body,
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          });
        } catch {
          if (signal?.aborted) throw new BackendError('unavailable', 'The Jira call was cancelled.');
          if (attempt >= maxAttempts)
            throw new BackendError(
              'unavailable',
              `Jira at ${site} could not be reached after ${attempt} attempts.`,
            );
          await sleep(backoff(attempt), signal);
          continue;
        }
        const retryable = res.status === 429 || res.status >= 500;
        if (!retryable || attempt >= maxAttempts) return res;
        const after = parseRetryAfter(res.headers.get('retry-after') ?? undefined);
        if (after !== undefined && after > maxRetryAfterMs) return res;
        await res.body?.cancel();
        await sleep(Math.max(after ?? 0, after === undefined ? backoff(attempt) : 0), signal);
      }
    };
    const backoff = (attempt: number): number =>
      Math.min(10_000, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

    const res = await options.credentials
      .withSecret(
        options.apiTokenRef,
        setting,
        async (token) => {
          const r = await post(token);
          if (r.status === 401) {
            await r.body?.cancel();
            throw Object.assign(new Error('jira 401'), { status: 401 });
          }
          return r;
        },
        (err) => (err as { status?: unknown }).status === 401,
      )
      .catch((err: unknown) => {
        if ((err as { status?: unknown }).status === 401)
          throw new BackendError(
            'access_denied',
            `Jira did not accept the credentials (the email ${options.email} with the API token from ${setting}): check the token is current and belongs to that account.`,
          );
        throw err;
      });

    const text = await res.text();
    if (res.status === 201 || res.status === 200) {
      let key: unknown;
      try {
        key = (JSON.parse(text) as { key?: unknown }).key;
      } catch {
        key = undefined;
      }
      if (typeof key !== 'string' || !/^[A-Z][A-Z0-9_]*-\d+$/.test(key))
        throw new BackendError('unavailable', 'Jira answered without an issue key.');
      return { key, url: `${site}/browse/${key}` };
    }
    const detail = jiraMessages(text);
    switch (res.status) {
      case 400:
        throw new BackendError('invalid_target', `Jira rejected the issue${detail ? `: ${detail}` : ''}.`);
      case 403:
        throw new BackendError(
          'access_denied',
          `Jira refused to create issues in project ${options.projectKey} for ${options.email}${detail ? ` (${detail})` : ''}: grant the account the Create issues permission.`,
        );
      case 404:
        throw new BackendError(
          'not_found',
          `Jira at ${site} has no issue API here, or project ${options.projectKey} is not visible.`,
        );
      case 429:
        throw new BackendError(
          'throttled',
          `Jira kept rate-limiting ticket creation after ${maxAttempts} attempts.`,
        );
      default:
        throw new BackendError(
          'unavailable',
          `Jira answered HTTP ${res.status} after ${maxAttempts} attempts.`,
        );
    }
  };

  return { kind: 'jira', create };
}

/** Jira's error body (`errorMessages` and per-field `errors`) as one short line. */
function jiraMessages(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return '';
  }
  const p = (parsed ?? {}) as { errorMessages?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (Array.isArray(p.errorMessages))
    for (const m of p.errorMessages) if (typeof m === 'string') parts.push(m);
  if (typeof p.errors === 'object' && p.errors !== null)
    for (const [k, v] of Object.entries(p.errors)) if (typeof v === 'string') parts.push(`${k}: ${v}`);
  return stripControls(parts.join('; '), ' ').slice(0, 500);
}

/** Without C0 control characters and DEL (tab kept), each replaced by `by`. */
function stripControls(s: string, by: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += (c < 0x20 && c !== 0x09) || c === 0x7f ? by : ch;
  }
  return out;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new BackendError('unavailable', 'The Jira call was cancelled.'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BackendError('unavailable', 'The Jira call was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

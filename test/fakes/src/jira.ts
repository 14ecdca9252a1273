import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Jira Cloud on 127.0.0.1: `POST /rest/api/3/issue` (REST API v3 "Create issue") with basic
 * auth (account email + API token), a JSON body `{ fields: { project: { key }, issuetype: { name },
 * summary, description (Atlassian Document Format), labels } }`, answered `201 { id, key, self }`.
 * As Jira Cloud does: 401 without valid credentials, 403 when the user may not create issues in the
 * project, 400 `{ errorMessages: [], errors: { field: message } }` for an invalid issue (unknown
 * project or issue type, missing or over-long summary, description that is not an ADF document,
 * labels with spaces), and 429 with Retry-After when a test injects it.
 */
export interface FakeJiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  /** The email of the account that created it. */
  creator: string;
}

export interface FakeJiraFailure {
  status: 429 | 500 | 503;
  retryAfterSeconds?: number;
}

export interface FakeJira {
  /** The site URL, e.g. https://your-domain.atlassian.net (here http://127.0.0.1:port). */
  url: string;
  readonly issues: FakeJiraIssue[];
  /** Every request: its status and whether it carried valid credentials. */
  readonly requests: { method: string; path: string; status: number; authorized: boolean }[];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  /** Replaces the accepted credentials (a rotated API token). */
  setCredentials(email: string, token: string): void;
  /** Projects the account may browse but not create issues in (403). */
  readonly readOnlyProjects: Set<string>;
  failNext(count: number, failure: FakeJiraFailure): void;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;

class JiraError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`jira ${status}`);
  }
}

function isAdfDoc(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as { type?: unknown; version?: unknown; content?: unknown };
  if (d.type !== 'doc' || d.version !== 1 || !Array.isArray(d.content)) return false;
  const node = (n: unknown): boolean => {
    if (typeof n !== 'object' || n === null) return false;
    const x = n as { type?: unknown; text?: unknown; content?: unknown };
    if (typeof x.type !== 'string') return false;
    if (x.type === 'text') return typeof x.text === 'string' && x.text.length > 0;
    return x.content === undefined || (Array.isArray(x.content) && x.content.every(node));
  };
  return d.content.every(node);
}

export async function startFakeJira(opts: {
  email: string;
  token: string;
  projects: Record<string, string[]>;
}): Promise<FakeJira> {
  let credentials = `${opts.email}:${opts.token}`;
  const issues: FakeJiraIssue[] = [];
  const requests: FakeJira['requests'] = [];
  const failures: FakeJiraFailure[] = [];
  const readOnlyProjects = new Set<string>();
  const counters = new Map<string, number>();
  let url = '';

  const read = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY)
        throw new JiraError(413, { errorMessages: ['Request entity too large'], errors: {} });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const create = (body: unknown, creator: string): FakeJiraIssue => {
    const fields = ((body as { fields?: unknown } | null)?.fields ?? null) as Record<string, unknown> | null;
    if (fields === null || typeof fields !== 'object')
      throw new JiraError(400, { errorMessages: ['No fields were supplied.'], errors: {} });
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    const types = typeof project === 'string' ? opts.projects[project] : undefined;
    if (types === undefined) errors.project = 'Specify a valid project ID or key';
    const type = (fields.issuetype as { name?: unknown } | undefined)?.name;
    if (types !== undefined && (typeof type !== 'string' || !types.includes(type)))
      errors.issuetype = 'Specify a valid issue type';
    const summary = fields.summary;
    if (typeof summary !== 'string' || summary.trim() === '')
      errors.summary = 'You must specify a summary of the issue.';
    else if (summary.length > 255) errors.summary = 'Summary must be less than 255 characters.';
    else if (/[\r\n]/.test(summary))
      errors.summary = 'The summary is invalid because it contains newline characters.';
    if (fields.description !== undefined && !isAdfDoc(fields.description))
      errors.description =
        'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    if (
      fields.labels !== undefined &&
      (!Array.isArray(fields.labels) ||
        !fields.labels.every((l) => typeof l === 'string' && l !== '' && !/\s/.test(l)))
    )
      errors.labels = 'The label must not contain spaces.';
    if (Object.keys(errors).length > 0) throw new JiraError(400, { errorMessages: [], errors });
    if (readOnlyProjects.has(project as string))
      throw new JiraError(403, {
        errorMessages: ['You do not have permission to create issues in this project.'],
        errors: {},
      });
    const n = (counters.get(project as string) ?? 0) + 1;
    counters.set(project as string, n);
    const issue = { id: String(10_000 + issues.length), key: `${String(project)}-${n}`, fields, creator };
    issues.push(issue);
    return issue;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const entry = { method: req.method ?? '', path, status: 200, authorized: false };
    try {
      const raw = await read(req);
      const auth = req.headers.authorization ?? '';
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
      if (basic !== credentials)
        throw new JiraError(401, {
          errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
        });
      entry.authorized = true;
      const failure = failures.shift();
      if (failure)
        throw new JiraError(
          failure.status,
          { errorMessages: ['Rate limit exceeded.'] },
          failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
        );
      if (req.method !== 'POST' || path !== '/rest/api/3/issue')
        throw new JiraError(404, { errorMessages: ['The fake implements only POST /rest/api/3/issue'] });
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        throw new JiraError(415, { errorMessages: ['Unsupported Media Type'] });
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new JiraError(400, { errorMessages: ['Unexpected character in the JSON body.'], errors: {} });
      }
      const issue = create(body, basic.slice(0, basic.indexOf(':')));
      entry.status = 201;
      res.writeHead(201, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ id: issue.id, key: issue.key, self: `${url}/rest/api/3/issue/${issue.id}` }));
    } catch (err) {
      const e =
        err instanceof JiraError ? err : new JiraError(500, { errorMessages: ['Internal server error'] });
      entry.status = e.status;
      res.writeHead(e.status, { 'content-type': 'application/json;charset=UTF-8', ...e.headers });
      res.end(JSON.stringify(e.body));
    } finally {
      requests.push(entry);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    issues,
    requests,
    get connections() {
      return connections;
    },
    readOnlyProjects,
    setCredentials(email, token) {
      credentials = `${email}:${token}`;
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

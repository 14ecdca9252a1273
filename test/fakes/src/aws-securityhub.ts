import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake AWS Security Hub on 127.0.0.1, speaking the service's REST-JSON protocol as the AWS SDK
 * sends it. GetFindings is `POST /findings` with `{ Filters, SortCriteria, NextToken, MaxResults }`
 * (MaxResults 1 to 100, default 100), answered `{ Findings: [ASFF ...], NextToken }`; the token is
 * opaque and only valid with the same filters. Filters honoured: string filters (EQUALS,
 * PREFIX, NOT_EQUALS, CONTAINS) on AwsAccountId, Region, SeverityLabel, WorkflowStatus,
 * RecordState, ResourceType, ResourceId, GeneratorId, Title, ComplianceStatus,
 * ComplianceSecurityControlId, Id, and date filters (Start/End) on UpdatedAt. SortCriteria (up to
 * three) sorts by SeverityNormalized or any top-level or filterable field, asc or desc.
 * GetFindingHistory is `POST /findingHistory/get` with `{ FindingIdentifier: { Id, ProductArn },
 * StartTime, EndTime, NextToken, MaxResults }` (both identifier fields required, MaxResults 1 to
 * 100), answered `{ Records: [{ FindingIdentifier, UpdateTime, FindingCreated, UpdateSource:
 * { Type, Identity }, Updates: [{ UpdatedField, OldValue, NewValue }] }], NextToken }`: the records
 * a test put in `histories` (by finding Id), else one FindingCreated record at the finding's
 * CreatedAt; an unknown finding has no records. A SigV4 Authorization header for service `securityhub` is
 * required (signatures are not verified). Errors use the REST-JSON shape: the type in
 * `x-amzn-ErrorType` and `{ "message": ... }`; tests inject 429 TooManyRequestsException (with
 * Retry-After), 403 AccessDeniedException or 5xx. Every request's operation (from method and path)
 * is logged, so a test can prove what a connector called.
 */
export interface FakeSecurityHubRequest {
  /** The Security Hub API operation the method and path name (GetFindings, BatchUpdateFindings ...). */
  operation: string;
  status: number;
  region: string;
  accessKeyId: string;
  /** x-amz-security-token: set when temporary (assumed-role) credentials signed the call. */
  sessionToken?: string;
  body: Record<string, unknown> | null;
}

export interface FakeSecurityHubFailure {
  status: 400 | 403 | 429 | 500 | 503;
  type: string;
  message?: string;
  retryAfterSeconds?: number;
}

export interface FakeSecurityHub {
  /** Pass as `endpoint` to SecurityHubClient (POSTURE_SECURITYHUB_ENDPOINT). */
  endpoint: string;
  /** The findings served, by region; tests may add or change them between calls. */
  readonly findings: Map<string, Record<string, unknown>[]>;
  /** GetFindingHistory's records, by finding Id (in the response's shape, times as ISO 8601 strings). */
  readonly histories: Map<string, Record<string, unknown>[]>;
  readonly requests: FakeSecurityHubRequest[];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  failNext(count: number, failure: FakeSecurityHubFailure): void;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/securityhub\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;
const MAX_BODY = 1024 * 1024;

// Method + path → operation, for the read and write operations a connector could reach.
const OPERATIONS: [string, RegExp, string][] = [
  ['POST', /^\/findings$/, 'GetFindings'],
  ['PATCH', /^\/findings$/, 'UpdateFindings'],
  ['POST', /^\/findings\/import$/, 'BatchImportFindings'],
  ['PATCH', /^\/findings\/batchupdate$/, 'BatchUpdateFindings'],
  ['POST', /^\/findingsv2$/, 'GetFindingsV2'],
  ['POST', /^\/findingHistory\/get$/, 'GetFindingHistory'],
  ['POST', /^\/insights\/get$/, 'GetInsights'],
  ['GET', /^\/insights\/results\/.+$/, 'GetInsightResults'],
  ['GET', /^\/accounts$/, 'DescribeHub'],
  ['GET', /^\/products$/, 'DescribeProducts'],
  ['GET', /^\/standards\/subscription$/, 'GetEnabledStandards'],
  ['POST', /^\/standards\/get$/, 'GetEnabledStandards'],
];

const STRING_FIELDS: Record<string, (f: Record<string, unknown>) => unknown[]> = {
  Id: (f) => [f.Id],
  AwsAccountId: (f) => [f.AwsAccountId],
  Region: (f) => [f.Region],
  SeverityLabel: (f) => [(f.Severity as { Label?: unknown } | undefined)?.Label],
  WorkflowStatus: (f) => [(f.Workflow as { Status?: unknown } | undefined)?.Status],
  RecordState: (f) => [f.RecordState],
  ResourceType: (f) => resources(f).map((r) => r.Type),
  ResourceId: (f) => resources(f).map((r) => r.Id),
  GeneratorId: (f) => [f.GeneratorId],
  Title: (f) => [f.Title],
  ComplianceStatus: (f) => [(f.Compliance as { Status?: unknown } | undefined)?.Status],
  ComplianceSecurityControlId: (f) => [
    (f.Compliance as { SecurityControlId?: unknown } | undefined)?.SecurityControlId,
  ],
};

function resources(f: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(f.Resources) ? (f.Resources as Record<string, unknown>[]) : [];
}

class HubError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function matchString(values: unknown[], filters: unknown): boolean {
  if (!Array.isArray(filters) || filters.length === 0) return true;
  const strs = values.filter((v): v is string => typeof v === 'string');
  const test = (flt: { Value?: unknown; Comparison?: unknown }): boolean => {
    if (typeof flt.Value !== 'string')
      throw new HubError(400, 'InvalidInputException', 'Filter Value is required');
    const v = flt.Value;
    switch (flt.Comparison) {
      case 'EQUALS':
        return strs.includes(v);
      case 'PREFIX':
        return strs.some((s) => s.startsWith(v));
      case 'CONTAINS':
        return strs.some((s) => s.includes(v));
      case 'NOT_EQUALS':
        return !strs.includes(v);
      case 'PREFIX_NOT_EQUALS':
        return !strs.some((s) => s.startsWith(v));
      case 'NOT_CONTAINS':
        return !strs.some((s) => s.includes(v));
      default:
        throw new HubError(400, 'InvalidInputException', `Unsupported Comparison ${String(flt.Comparison)}`);
    }
  };
  const list = filters as { Value?: unknown; Comparison?: unknown }[];
  // As Security Hub does: positive comparisons on one field are ORed, negative ones ANDed.
  const negative = list.filter((f) => typeof f.Comparison === 'string' && f.Comparison.includes('NOT'));
  const positive = list.filter((f) => !negative.includes(f));
  return (positive.length === 0 || positive.some(test)) && negative.every(test);
}

/** A finding's value for a SortCriteria field: a number for SeverityNormalized, else a string. */
function sortValue(f: Record<string, unknown>, field: string): number | string {
  if (field === 'SeverityNormalized') {
    const n = (f.Severity as { Normalized?: unknown } | undefined)?.Normalized;
    return typeof n === 'number' ? n : -1;
  }
  const v = field in STRING_FIELDS ? STRING_FIELDS[field]!(f)[0] : f[field];
  return typeof v === 'string' ? v : '';
}

function sortFindings(all: Record<string, unknown>[], criteria: unknown): Record<string, unknown>[] {
  if (criteria === undefined || criteria === null) return all;
  if (!Array.isArray(criteria) || criteria.length > 3)
    throw new HubError(400, 'InvalidInputException', 'SortCriteria must be a list of at most 3 criteria');
  const list = criteria as { Field?: unknown; SortOrder?: unknown }[];
  for (const c of list)
    if (typeof c.Field !== 'string' || (c.SortOrder !== 'asc' && c.SortOrder !== 'desc'))
      throw new HubError(400, 'InvalidInputException', 'SortCriteria need Field and SortOrder asc|desc');
  // Array.prototype.sort is stable: ties keep the order the findings were added in.
  return [...all].sort((a, b) => {
    for (const c of list) {
      const x = sortValue(a, c.Field as string);
      const y = sortValue(b, c.Field as string);
      const d = x < y ? -1 : x > y ? 1 : 0;
      if (d !== 0) return c.SortOrder === 'desc' ? -d : d;
    }
    return 0;
  });
}

function matchDate(value: unknown, filters: unknown): boolean {
  if (!Array.isArray(filters) || filters.length === 0) return true;
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return (filters as { Start?: unknown; End?: unknown }[]).every((flt) => {
    const start = typeof flt.Start === 'string' ? Date.parse(flt.Start) : -Infinity;
    const end = typeof flt.End === 'string' ? Date.parse(flt.End) : Infinity;
    if (Number.isNaN(start) || Number.isNaN(end))
      throw new HubError(400, 'InvalidInputException', 'DateFilter Start/End must be ISO 8601');
    return t >= start && t <= end;
  });
}

export async function startFakeSecurityHub(): Promise<FakeSecurityHub> {
  const findings = new Map<string, Record<string, unknown>[]>();
  const histories = new Map<string, Record<string, unknown>[]>();
  const requests: FakeSecurityHubRequest[] = [];
  const failures: FakeSecurityHubFailure[] = [];
  // NextToken → the filters it was issued for and the offset it continues at.
  const tokens = new Map<string, { key: string; offset: number }>();

  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) reject(new HubError(400, 'InvalidInputException', 'Request too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const getFindings = (region: string, body: Record<string, unknown>): Record<string, unknown> => {
    const filters = (body.Filters ?? {}) as Record<string, unknown>;
    if (typeof filters !== 'object' || Array.isArray(filters))
      throw new HubError(400, 'InvalidInputException', 'Filters must be an object');
    for (const k of Object.keys(filters))
      if (!(k in STRING_FIELDS) && k !== 'UpdatedAt')
        throw new HubError(400, 'InvalidInputException', `The fake does not support the filter ${k}`);
    const max = body.MaxResults ?? 100;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
      throw new HubError(400, 'InvalidInputException', 'MaxResults must be between 1 and 100');
    const key = JSON.stringify([region, filters, body.SortCriteria ?? null]);
    let offset = 0;
    if (body.NextToken !== undefined) {
      const t = typeof body.NextToken === 'string' ? tokens.get(body.NextToken) : undefined;
      if (!t || t.key !== key) throw new HubError(400, 'InvalidInputException', 'Invalid NextToken');
      offset = t.offset;
    }
    const all = sortFindings(
      (findings.get(region) ?? []).filter(
        (f) =>
          Object.entries(STRING_FIELDS).every(([k, get]) => matchString(get(f), filters[k])) &&
          matchDate(f.UpdatedAt, filters.UpdatedAt),
      ),
      body.SortCriteria,
    );
    const page = all.slice(offset, offset + max);
    const out: Record<string, unknown> = { Findings: page };
    if (offset + max < all.length) {
      const token = randomBytes(24).toString('base64');
      tokens.set(token, { key, offset: offset + max });
      out.NextToken = token;
    }
    return out;
  };

  const getFindingHistory = (region: string, body: Record<string, unknown>): Record<string, unknown> => {
    const ident = body.FindingIdentifier as { Id?: unknown; ProductArn?: unknown } | undefined;
    if (typeof ident?.Id !== 'string' || typeof ident.ProductArn !== 'string')
      throw new HubError(400, 'InvalidInputException', 'FindingIdentifier.Id and ProductArn are required');
    const max = body.MaxResults ?? 100;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
      throw new HubError(400, 'InvalidInputException', 'MaxResults must be between 1 and 100');
    const start = typeof body.StartTime === 'string' ? Date.parse(body.StartTime) : -Infinity;
    const end = typeof body.EndTime === 'string' ? Date.parse(body.EndTime) : Infinity;
    if (Number.isNaN(start) || Number.isNaN(end))
      throw new HubError(400, 'InvalidInputException', 'StartTime and EndTime must be ISO 8601');
    const finding = (findings.get(region) ?? []).find(
      (f) => f.Id === ident.Id && f.ProductArn === ident.ProductArn,
    );
    const identifier = { Id: ident.Id, ProductArn: ident.ProductArn };
    const all = (
      finding === undefined
        ? []
        : (histories.get(ident.Id) ?? [
            {
              UpdateTime: finding.CreatedAt,
              FindingCreated: true,
              UpdateSource: { Type: 'BATCH_IMPORT_FINDINGS', Identity: finding.ProductArn },
              Updates: [],
            },
          ])
    )
      .map((r): Record<string, unknown> => ({ FindingIdentifier: identifier, ...r }))
      .filter((r) => {
        const t = typeof r.UpdateTime === 'string' ? Date.parse(r.UpdateTime) : NaN;
        return t >= start && t <= end;
      });
    const key = JSON.stringify(['history', region, identifier, body.StartTime ?? null, body.EndTime ?? null]);
    let offset = 0;
    if (body.NextToken !== undefined) {
      const t = typeof body.NextToken === 'string' ? tokens.get(body.NextToken) : undefined;
      if (!t || t.key !== key) throw new HubError(400, 'InvalidInputException', 'Invalid NextToken');
      offset = t.offset;
    }
    const out: Record<string, unknown> = { Records: all.slice(offset, offset + max) };
    if (offset + max < all.length) {
      const token = randomBytes(24).toString('base64');
      tokens.set(token, { key, offset: offset + max });
      out.NextToken = token;
    }
    return out;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const operation =
      OPERATIONS.find(([m, p]) => m === req.method && p.test(path))?.[2] ?? `${req.method ?? '?'} ${path}`;
    const entry: FakeSecurityHubRequest = { operation, status: 200, region: '', accessKeyId: '', body: null };
    try {
      const auth = SIGV4.exec(req.headers.authorization ?? '');
      if (!auth || req.headers['x-amz-date'] === undefined)
        throw new HubError(403, 'UnrecognizedClientException', 'Missing or malformed SigV4 authentication');
      entry.accessKeyId = auth[1] ?? '';
      entry.region = auth[3] ?? '';
      const token = req.headers['x-amz-security-token'];
      if (typeof token === 'string') entry.sessionToken = token;
      const raw = await read(req);
      if (raw !== '') {
        try {
          entry.body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw new HubError(400, 'InvalidInputException', 'Body is not JSON');
        }
      }
      const failure = failures.shift();
      if (failure) {
        if (failure.retryAfterSeconds !== undefined)
          res.setHeader('Retry-After', String(failure.retryAfterSeconds));
        throw new HubError(failure.status, failure.type, failure.message ?? failure.type);
      }
      const out =
        operation === 'GetFindings'
          ? getFindings(entry.region, entry.body ?? {})
          : operation === 'GetFindingHistory'
            ? getFindingHistory(entry.region, entry.body ?? {})
            : null;
      if (out === null)
        throw new HubError(404, 'ResourceNotFoundException', `The fake does not implement ${operation}`);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomBytes(16).toString('hex'),
      });
      res.end(JSON.stringify(out));
    } catch (err) {
      const e = err instanceof HubError ? err : new HubError(500, 'InternalException', 'internal error');
      entry.status = e.status;
      res.writeHead(e.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': e.type,
        'x-amzn-requestid': randomBytes(16).toString('hex'),
      });
      res.end(JSON.stringify({ message: e.message }));
    } finally {
      requests.push(entry);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    findings,
    histories,
    requests,
    get connections() {
      return connections;
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

import {
  GetFindingHistoryCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFindingFilters,
  type FindingHistoryRecord,
} from '@aws-sdk/client-securityhub';
import { PortcullisError } from '@portcullis/core';
import type { AwsCredentialsProvider } from '@portcullis/core/aws-accounts';
import { withRetry } from '@portcullis/core/retry';

/** GetFindings' page size limit. */
export const SECURITYHUB_PAGE_SIZE = 100;

export interface SecurityHubOptions {
  region: string;
  /** A local fake in tests (POSTURE_SECURITYHUB_ENDPOINT); otherwise the region's public endpoint. */
  endpoint?: string;
  /**
   * Runs one upstream call with the kit's retry (and limiter, where there is one). Defaults to the
   * kit's withRetry for system `securityhub`.
   */
  callUpstream?: <T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => Promise<T>;
  /** The account's credentials (an assumed role, @portcullis/core/aws-accounts); default the SDK's chain. */
  credentials?: AwsCredentialsProvider;
}

/** GetFindings' SortCriteria. */
export type SortCriteria = { Field: string; SortOrder: 'asc' | 'desc' }[];

/** Oldest change first, so a sync that stops part-way is resumed by --since. */
const SYNC_SORT: SortCriteria = [{ Field: 'UpdatedAt', SortOrder: 'asc' }];

/**
 * AWS Security Hub through the official SDK, reads only (GetFindings, GetFindingHistory). Credentials come from the
 * SDK's default chain (environment, shared config, SSO, web identity, container or instance role):
 * no setting of this server holds a secret. SDK retries are off (maxAttempts 1) so the kit's retry
 * policy sees every attempt: throttling (429 TooManyRequestsException, honouring Retry-After) and
 * 5xx are retried there; an access denial or a rejected request is final, with a clear error.
 */
export class SecurityHubSource {
  private readonly client: SecurityHubClient;
  private readonly call: <T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => Promise<T>;

  constructor(readonly opts: SecurityHubOptions) {
    this.client = new SecurityHubClient({
      region: opts.region,
      maxAttempts: 1,
      ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    });
    this.call =
      opts.callUpstream ??
      (<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) =>
        withRetry(({ signal: s }) => fn(s), { system: 'securityhub', ...(signal ? { signal } : {}) }));
  }

  /** One GetFindings page. */
  async getFindingsPage(
    filters: AwsSecurityFindingFilters,
    nextToken: string | undefined,
    maxResults = SECURITYHUB_PAGE_SIZE,
    signal?: AbortSignal,
    sort: SortCriteria = SYNC_SORT,
  ): Promise<{ findings: unknown[]; nextToken: string | undefined }> {
    const out = await this.call(async (s) => {
      try {
        return await this.client.send(
          new GetFindingsCommand({
            Filters: filters,
            MaxResults: maxResults,
            SortCriteria: sort,
            ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          }),
          { abortSignal: s },
        );
      } catch (err) {
        throw translate(err);
      }
    }, signal);
    return {
      findings: out.Findings ?? [],
      nextToken: out.NextToken === undefined || out.NextToken === '' ? undefined : out.NextToken,
    };
  }

  /**
   * A finding's change records (GetFindingHistory: the last 90 days), every page. A page may hold
   * fewer than MaxResults while more follow, so only a missing NextToken ends it; bounded, as a
   * finding with more than 5,000 change records is not one a tool answer can show anyway.
   */
  async findingHistory(
    finding: { Id: string; ProductArn: string },
    signal?: AbortSignal,
  ): Promise<FindingHistoryRecord[]> {
    const records: FindingHistoryRecord[] = [];
    let token: string | undefined;
    for (let page = 0; page < 50; page++) {
      const out = await this.call(async (s) => {
        try {
          return await this.client.send(
            new GetFindingHistoryCommand({
              FindingIdentifier: finding,
              MaxResults: SECURITYHUB_PAGE_SIZE,
              ...(token !== undefined ? { NextToken: token } : {}),
            }),
            { abortSignal: s },
          );
        } catch (err) {
          throw translate(err);
        }
      }, signal);
      records.push(...(out.Records ?? []));
      token = out.NextToken === undefined || out.NextToken === '' ? undefined : out.NextToken;
      if (token === undefined) break;
    }
    return records;
  }

  /** Every finding the filters match, page by page (GetFindings with NextToken until there is none). */
  async *findings(filters: AwsSecurityFindingFilters, signal?: AbortSignal): AsyncGenerator<unknown> {
    let token: string | undefined;
    // Bounded: a token that never ends (a broken upstream) stops after a million findings.
    for (let page = 0; page < 10_000; page++) {
      const res = await this.getFindingsPage(filters, token, SECURITYHUB_PAGE_SIZE, signal);
      yield* res.findings;
      token = res.nextToken;
      if (token === undefined) return;
    }
    throw new PortcullisError({
      code: 'upstream_paging',
      category: 'upstream',
      message: 'Security Hub kept returning pages past 10,000; stopped.',
      retryable: false,
    });
  }

  close(): void {
    this.client.destroy();
  }
}

/** The filters a sync sends: findings of one region, changed since a time if given. */
export function syncFilters(region: string, since?: string): AwsSecurityFindingFilters {
  return {
    Region: [{ Value: region, Comparison: 'EQUALS' }],
    ...(since !== undefined ? { UpdatedAt: [{ Start: since, End: new Date().toISOString() }] } : {}),
  };
}

/**
 * Definite answers become PortcullisErrors (final, never retried) with a message an operator can
 * act on; throttling, 5xx and network failures stay raw (with their status) for the kit's retry.
 */
function translate(err: unknown): unknown {
  if (err instanceof PortcullisError) return err;
  const e = (err ?? {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string> };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  // Only the status, the error type and Retry-After go on; the upstream message stays internal.
  const internal = Object.assign(new Error(`securityhub: ${name} (${status ?? 'no status'})`), {
    name,
    ...(status !== undefined ? { status } : {}),
    ...((err as { code?: unknown }).code !== undefined ? { code: (err as { code?: unknown }).code } : {}),
  });
  // The account's role could not be assumed: its message names the role (never the external id).
  if (name === 'AssumeRoleError' && err instanceof Error)
    return new PortcullisError({
      code: 'upstream_forbidden',
      category: 'upstream',
      message: err.message,
      remediation:
        'Check AWS_ACCOUNT_ROLES: the role must exist, trust the credentials the server runs with, and expect the configured external id.',
      retryable: status === 429 || (status !== undefined && status >= 500),
      internal,
    });
  const retryAfter = e.$response?.headers?.['retry-after'];
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException' || status === 429)
    return Object.assign(internal, {
      status: 429,
      ...(retryAfter !== undefined ? { headers: { 'retry-after': retryAfter } } : {}),
    });
  if (status === 403 || name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new PortcullisError({
      code: 'upstream_forbidden',
      category: 'upstream',
      message: `Security Hub denied access (${name}): the credentials in use may not call securityhub:GetFindings (or GetFindingHistory) in this account and region, or Security Hub is not enabled there.`,
      remediation:
        'Grant securityhub:GetFindings and securityhub:GetFindingHistory to the role or user the AWS SDK picks up, and check that Security Hub is enabled in the region.',
      retryable: false,
      internal,
    });
  }
  if (status === 401 || name === 'InvalidSignatureException' || name === 'ExpiredTokenException')
    return new PortcullisError({
      code: 'upstream_unauthenticated',
      category: 'upstream',
      message: `Security Hub did not accept the AWS credentials (${name}).`,
      remediation: 'Check the credentials the AWS SDK picks up (AWS_PROFILE, SSO session, instance role).',
      retryable: false,
      internal,
    });
  if (status === 400 || name === 'InvalidInputException' || name === 'InvalidAccessException')
    return new PortcullisError({
      code: 'upstream_rejected',
      category: 'upstream',
      message: `Security Hub rejected the request (${name}).`,
      retryable: false,
      internal,
    });
  return internal;
}

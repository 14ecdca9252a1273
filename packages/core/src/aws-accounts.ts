/**
 * AWS credentials per target account: a role to assume in each account (AWS_ACCOUNT_ROLES), or the
 * SDK's default credential chain for an account without one. The external id of a role is a
 * credential reference resolved through the kit's CredentialResolver, so no secret sits in config
 * and the value is registered with the redactor before any request carries it.
 *
 * The AWS SDK is imported lazily, on the first credentials request: a server that never calls AWS
 * never loads it.
 */
import { ConfigError } from './errors.js';
import type { CredentialResolver } from './credentials.js';
import { parseCredentialRef } from './credentials.js';

/** The setting holding the per-account role map (JSON). */
export const AWS_ACCOUNT_ROLES_SETTING = 'AWS_ACCOUNT_ROLES';

/** One account's role to assume. */
export interface AccountRole {
  /** 12-digit AWS account id. */
  account: string;
  roleArn: string;
  /** A credential reference (env:, file:, aws-sm:) for the role's sts:ExternalId condition. */
  externalIdRef?: string;
}

/** Credentials as the AWS SDK v3 takes them (structurally its AwsCredentialIdentity). */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credentials provider the SDK clients accept as `credentials`. */
export type AwsCredentialsProvider = () => Promise<AwsCredentialIdentity>;

const ACCOUNT_ID = /^\d{12}$/;
// arn:<partition>:iam::<account>:role/<optional path/>name (IAM names: letters, digits and +=,.@_-).
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
// STS RoleSessionName: 2 to 64 of [\w+=,.@-].
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Parses AWS_ACCOUNT_ROLES: `{"111111111111": {"role_arn": "arn:aws:iam::111111111111:role/x",
 * "external_id": "env:X"}}`. A role must live in the account it is for (the ARN's account is the
 * key), and external_id must be a credential reference. Messages name the setting and the account,
 * never an external id (a malformed one is often a pasted secret).
 */
export function parseAccountRoles(
  raw: string | undefined,
  setting = AWS_ACCOUNT_ROLES_SETTING,
): Map<string, AccountRole> {
  const roles = new Map<string, AccountRole>();
  if (raw === undefined || raw.trim() === '') return roles;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `${setting} must be JSON: {"<account id>": {"role_arn": "arn:aws:iam::<account id>:role/<name>", "external_id": "env:NAME"}}.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`${setting} must be a JSON object keyed by 12-digit AWS account id.`);
  for (const [account, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (!ACCOUNT_ID.test(account))
      throw new ConfigError(`${setting}: every key must be a 12-digit AWS account id.`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ConfigError(
        `${setting}["${account}"] must be an object with role_arn (and optionally external_id).`,
      );
    const { role_arn: roleArn, external_id: externalId, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      throw new ConfigError(
        `${setting}["${account}"]: unknown field ${unknown
          .map((k) => `'${k.slice(0, 40)}'`)
          .join(', ')}; the fields are role_arn and external_id.`,
      );
    if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn))
      throw new ConfigError(
        `${setting}["${account}"].role_arn must be an IAM role ARN (arn:aws:iam::${account}:role/<name>).`,
      );
    if (ROLE_ARN.exec(roleArn)?.[2] !== account)
      throw new ConfigError(
        `${setting}["${account}"].role_arn names a role in another account; the role to assume must be in ${account}.`,
      );
    const role: AccountRole = { account, roleArn };
    if (externalId !== undefined) {
      if (typeof externalId !== 'string')
        throw new ConfigError(`${setting}["${account}"].external_id must be a credential reference string.`);
      parseCredentialRef(externalId, `${setting}["${account}"].external_id`);
      role.externalIdRef = externalId;
    }
    roles.set(account, role);
  }
  return roles;
}

/** Assuming an account's role failed; carries STS's error code and status, never the external id. */
export class AssumeRoleError extends Error {
  constructor(
    readonly account: string,
    readonly roleArn: string,
    /** STS's error code, e.g. AccessDenied, or the error's name. */
    readonly code: string,
    readonly status: number | undefined,
    cause: unknown,
  ) {
    super(
      `Could not assume ${roleArn} for AWS account ${account} (${code}${status !== undefined ? `, HTTP ${status}` : ''}): the base credentials need sts:AssumeRole on it, and its trust policy must allow them (with the configured external id, if any).`,
      { cause },
    );
    this.name = 'AssumeRoleError';
  }

  /** For the kit's retry classification: STS throttling and 5xx are transient. */
  get $metadata(): { httpStatusCode?: number } {
    return this.status !== undefined ? { httpStatusCode: this.status } : {};
  }
}

export interface AwsAccountCredentialsOptions {
  roles: ReadonlyMap<string, AccountRole>;
  /** The system name; the session name is `portcullis-<system>`, visible in CloudTrail. */
  system: string;
  /** Resolves external ids; required when any role has one. */
  credentials?: CredentialResolver;
  /** The STS region (regional endpoint); else AWS_REGION, else us-east-1. */
  region?: string;
  /** A local STS in tests (AWS_ENDPOINT_URL_STS); otherwise the region's endpoint. */
  stsEndpoint?: string;
  /** The credentials that assume the roles; default the SDK's default chain. */
  masterCredentials?: AwsCredentialIdentity | AwsCredentialsProvider;
  /** Lifetime of assumed-role credentials; default 3600 (STS's minimum is 900). */
  durationSeconds?: number;
  /** Attempts of one AssumeRole call inside the STS client; default 3. */
  maxAttempts?: number;
  /**
   * Serve an account that has no role from the default chain only if those credentials belong to
   * it (STS GetCallerIdentity, once per access key); otherwise every request for it fails with an
   * AccountIdentityError. A server that changes things sets it: without it, an action aimed at an
   * account with no role would run with the server's own credentials, on the resource of the same
   * name or id in the server's own account (an IAM user's access key, a security group).
   */
  ownAccountOnly?: boolean;
}

/**
 * An account with no role in AWS_ACCOUNT_ROLES, and base credentials that belong to another account
 * (or whose account STS would not confirm). The message names the target account and the setting,
 * never the account the credentials belong to.
 */
export class AccountIdentityError extends Error {
  constructor(
    readonly account: string,
    /** The account STS names for the base credentials; undefined when it could not be asked. */
    readonly actual: string | undefined,
    cause?: unknown,
  ) {
    super(
      actual === undefined
        ? `Could not confirm with STS that the server's own AWS credentials belong to account ${account}, which has no role in ${AWS_ACCOUNT_ROLES_SETTING}.`
        : `AWS account ${account} has no role in ${AWS_ACCOUNT_ROLES_SETTING}, and the server's own AWS credentials belong to another account: add a role for it.`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'AccountIdentityError';
  }

  /** For the kit's retry classification: an STS failure (no answer) may be transient. */
  get $metadata(): { httpStatusCode?: number } {
    const status = (this.cause as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata
      ?.httpStatusCode;
    return typeof status === 'number' ? { httpStatusCode: status } : {};
  }
}

// Accounts confirmed for base access keys; a rotated key is asked again, and the map stays small.
const MAX_CONFIRMED_KEYS = 16;

// Assumed credentials are renewed this long before they expire, so no signed call carries a
// token that expires in flight.
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Per-account AWS credentials providers. `provider(account)` is synchronous and cheap; the role is
 * assumed (and the SDK loaded) on the first credentials request, and the assumed credentials are
 * shared by every client of that account until shortly before they expire.
 */
export class AwsAccountCredentials {
  private readonly providers = new Map<string, AwsCredentialsProvider>();
  private defaultChain: Promise<AwsCredentialsProvider> | undefined;
  /** With ownAccountOnly: the account STS named for each base access key (in flight or done). */
  private readonly confirmed = new Map<string, Promise<string>>();
  readonly sessionName: string;

  constructor(private readonly opts: AwsAccountCredentialsOptions) {
    this.sessionName = `portcullis-${opts.system}`;
    if (!SESSION_NAME.test(this.sessionName))
      throw new ConfigError(
        `The AWS role session name '${this.sessionName.slice(0, 80)}' is not valid for STS.`,
      );
    const needsResolver = [...opts.roles.values()].some((r) => r.externalIdRef !== undefined);
    if (needsResolver && opts.credentials === undefined)
      throw new ConfigError(
        `${AWS_ACCOUNT_ROLES_SETTING}: an external_id needs the kit's credential resolver.`,
      );
  }

  /** The role assumed for an account, or undefined when the default chain serves it. */
  roleFor(account: string): AccountRole | undefined {
    return this.opts.roles.get(account);
  }

  /** The credentials provider for an account's clients. */
  provider(account: string): AwsCredentialsProvider {
    let p = this.providers.get(account);
    if (p === undefined) {
      const role = this.opts.roles.get(account);
      p =
        role !== undefined
          ? this.assumed(role)
          : this.opts.ownAccountOnly === true
            ? () => this.ownAccount(account)
            : () => this.fromDefaultChain();
      this.providers.set(account, p);
    }
    return p;
  }

  private async fromDefaultChain(): Promise<AwsCredentialIdentity> {
    const master = this.opts.masterCredentials;
    if (master !== undefined) return typeof master === 'function' ? master() : master;
    this.defaultChain ??= import('@aws-sdk/credential-providers').then((m) => m.fromNodeProviderChain());
    return (await this.defaultChain)();
  }

  /** The base credentials, for an account they belong to (ownAccountOnly). */
  private async ownAccount(account: string): Promise<AwsCredentialIdentity> {
    const base = await this.fromDefaultChain();
    let asked = this.confirmed.get(base.accessKeyId);
    if (asked === undefined) {
      if (this.confirmed.size >= MAX_CONFIRMED_KEYS) this.confirmed.clear();
      asked = this.callerAccount(base, account);
      this.confirmed.set(base.accessKeyId, asked);
      // A failed question is asked again on the next request, not remembered.
      const mine = asked;
      mine.catch(() => {
        if (this.confirmed.get(base.accessKeyId) === mine) this.confirmed.delete(base.accessKeyId);
      });
    }
    const actual = await asked;
    if (actual !== account) throw new AccountIdentityError(account, actual);
    return base;
  }

  /** STS GetCallerIdentity for these credentials: the 12-digit account they belong to. */
  private async callerAccount(base: AwsCredentialIdentity, account: string): Promise<string> {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      region: this.stsRegion(),
      credentials: base,
      maxAttempts: this.opts.maxAttempts ?? 3,
      ...(this.opts.stsEndpoint !== undefined ? { endpoint: this.opts.stsEndpoint } : {}),
    });
    try {
      const out = await client.send(new GetCallerIdentityCommand({}));
      if (typeof out.Account !== 'string' || !ACCOUNT_ID.test(out.Account))
        throw new AccountIdentityError(account, undefined);
      return out.Account;
    } catch (err) {
      if (err instanceof AccountIdentityError) throw err;
      throw new AccountIdentityError(account, undefined, err);
    } finally {
      client.destroy();
    }
  }

  private stsRegion(): string {
    return this.opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  }

  private assumed(role: AccountRole): AwsCredentialsProvider {
    let cached: AwsCredentialIdentity | undefined;
    let inflight: Promise<AwsCredentialIdentity> | undefined;
    const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
      c !== undefined &&
      (c.expiration === undefined || c.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS);
    return async () => {
      if (fresh(cached)) return cached;
      inflight ??= this.assume(role).finally(() => {
        inflight = undefined;
      });
      cached = await inflight;
      return cached;
    };
  }

  private async assume(role: AccountRole): Promise<AwsCredentialIdentity> {
    const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
    const externalId =
      role.externalIdRef === undefined
        ? undefined
        : // Resolved per assumption (cached by the resolver for its TTL), so a rotated id is picked up.
          await this.opts.credentials!.get(
            role.externalIdRef,
            `${AWS_ACCOUNT_ROLES_SETTING}["${role.account}"].external_id`,
          );
    const region = this.stsRegion();
    const master = this.opts.masterCredentials;
    const provider = fromTemporaryCredentials({
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: this.sessionName,
        DurationSeconds: this.opts.durationSeconds ?? 3600,
        ...(externalId !== undefined ? { ExternalId: externalId } : {}),
      },
      ...(master !== undefined ? { masterCredentials: master } : {}),
      clientConfig: {
        region,
        maxAttempts: this.opts.maxAttempts ?? 3,
        ...(this.opts.stsEndpoint !== undefined ? { endpoint: this.opts.stsEndpoint } : {}),
      },
    });
    try {
      return await provider();
    } catch (err) {
      const e = (err ?? {}) as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
      const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
      const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
      throw new AssumeRoleError(role.account, role.roleArn, code, status, err);
    }
  }
}

/**
 * The per-account credentials of a server from its environment: AWS_ACCOUNT_ROLES, and
 * AWS_ENDPOINT_URL_STS (a local STS in tests).
 */
export function awsAccountCredentialsFromEnv(
  env: NodeJS.ProcessEnv,
  opts: Omit<AwsAccountCredentialsOptions, 'roles'>,
): AwsAccountCredentials {
  const stsEndpoint = opts.stsEndpoint ?? (env.AWS_ENDPOINT_URL_STS || undefined);
  return new AwsAccountCredentials({
    ...opts,
    roles: parseAccountRoles(env[AWS_ACCOUNT_ROLES_SETTING]),
    ...(stsEndpoint !== undefined ? { stsEndpoint } : {}),
  });
}

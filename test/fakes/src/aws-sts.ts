import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake AWS STS on 127.0.0.1 speaking the service's query protocol as the AWS SDK sends it:
 * `POST /` with an `application/x-www-form-urlencoded` body (`Action=AssumeRole&Version=2011-06-15
 * &RoleArn=...&RoleSessionName=...&ExternalId=...&DurationSeconds=...`), answered in XML
 * (`<AssumeRoleResponse><AssumeRoleResult><Credentials>...`). Errors use the query protocol's
 * `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>...` shape. A SigV4
 * Authorization header for service `sts` is required (signatures are not verified).
 *
 * Roles are registered with `allowRole`; AssumeRole on any other role, or without the role's
 * external id, is 403 AccessDenied, as the role's trust policy would make it. Every issued set of
 * temporary credentials is remembered, so other fakes (or tests) can tell which role signed a call.
 * GetCallerIdentity answers for the caller's credentials (assumed-role ARN for issued ones; for a
 * base key, the account `setBaseAccount` gave it, else 000000000000).
 */
export interface FakeStsAssumeRole {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds?: number;
  /** The access key id that signed the AssumeRole call (the base credentials). */
  callerAccessKeyId: string;
  status: number;
}

export interface FakeStsIssued {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  sessionName: string;
  expiration: Date;
}

export interface FakeSts {
  /** Pass as the STS endpoint (AWS_ENDPOINT_URL_STS). */
  endpoint: string;
  /** Lets AssumeRole succeed for this role (with this external id, if given). */
  allowRole(roleArn: string, opts?: { externalId?: string }): void;
  readonly assumeRoleCalls: FakeStsAssumeRole[];
  /** The access key id of every GetCallerIdentity call answered. */
  readonly callerIdentityCalls: string[];
  /** The account GetCallerIdentity names for a base (non-issued) access key. */
  setBaseAccount(accessKeyId: string, account: string): void;
  /** Temporary credentials issued, by access key id. */
  readonly issued: Map<string, FakeStsIssued>;
  /** The next `count` requests fail with this query-protocol error. */
  failNext(count: number, failure: { status: number; code: string; message?: string }): void;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MAX_BODY = 64 * 1024;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startFakeSts(): Promise<FakeSts> {
  const roles = new Map<string, { externalId?: string }>();
  const assumeRoleCalls: FakeStsAssumeRole[] = [];
  const callerIdentityCalls: string[] = [];
  const baseAccounts = new Map<string, string>();
  const issued = new Map<string, FakeStsIssued>();
  const failures: { status: number; code: string; message?: string }[] = [];

  const read = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw new StsError(413, 'RequestEntityTooLarge', 'Request body too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const assumeRole = (form: URLSearchParams, caller: string): string => {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const externalId = form.get('ExternalId') ?? undefined;
    const durationRaw = form.get('DurationSeconds');
    const durationSeconds = durationRaw === null ? undefined : Number(durationRaw);
    const call: FakeStsAssumeRole = {
      roleArn,
      sessionName,
      callerAccessKeyId: caller,
      status: 200,
      ...(externalId !== undefined ? { externalId } : {}),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    };
    assumeRoleCalls.push(call);
    try {
      const arn = ROLE_ARN.exec(roleArn);
      if (!arn) throw new StsError(400, 'ValidationError', 'RoleArn is not a valid IAM role ARN');
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
        throw new StsError(400, 'ValidationError', 'RoleSessionName is not valid');
      if (durationSeconds !== undefined && !(durationSeconds >= 900 && durationSeconds <= 43_200))
        throw new StsError(400, 'ValidationError', 'DurationSeconds must be between 900 and 43200');
      const role = roles.get(roleArn);
      if (!role || role.externalId !== externalId)
        throw new StsError(
          403,
          'AccessDenied',
          `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      const expiration = new Date(Date.now() + (durationSeconds ?? 3600) * 1000);
      const creds: FakeStsIssued = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(48).toString('base64'),
        roleArn,
        sessionName,
        expiration,
      };
      issued.set(creds.accessKeyId, creds);
      const account = arn[1] ?? '';
      const roleName = arn[2] ?? '';
      return `<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <SourceIdentity></SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn>
      <AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${creds.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(creds.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(creds.sessionToken)}</SessionToken>
      <Expiration>${expiration.toISOString()}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;
    } catch (err) {
      if (err instanceof StsError) call.status = err.status;
      throw err;
    }
  };

  const getCallerIdentity = (caller: string, token: string | undefined): string => {
    const creds = issued.get(caller);
    let account = baseAccounts.get(caller) ?? '000000000000';
    let arn = `arn:aws:iam::${account}:user/base`;
    if (creds) {
      if (token !== creds.sessionToken)
        throw new StsError(
          403,
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
        );
      const m = ROLE_ARN.exec(creds.roleArn);
      account = m?.[1] ?? account;
      arn = `arn:aws:sts::${account}:assumed-role/${m?.[2] ?? ''}/${creds.sessionName}`;
    }
    callerIdentityCalls.push(caller);
    return `<GetCallerIdentityResponse xmlns="${NS}">
  <GetCallerIdentityResult>
    <Arn>${xmlEscape(arn)}</Arn>
    <UserId>${caller}</UserId>
    <Account>${account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const body = await read(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/')
        throw new StsError(400, 'InvalidAction', 'Only POST / is supported');
      const auth = SIGV4.exec(req.headers.authorization ?? '');
      if (!auth || req.headers['x-amz-date'] === undefined)
        throw new StsError(403, 'IncompleteSignature', 'Missing or malformed SigV4 authentication');
      const caller = auth[1] ?? '';
      const form = new URLSearchParams(body);
      if (form.get('Version') !== '2011-06-15')
        throw new StsError(400, 'InvalidParameterValue', 'Version must be 2011-06-15');
      const failure = failures.shift();
      if (failure) throw new StsError(failure.status, failure.code, failure.message ?? failure.code);
      const token = req.headers['x-amz-security-token'];
      const action = form.get('Action');
      let xml: string;
      if (action === 'AssumeRole') xml = assumeRole(form, caller);
      else if (action === 'GetCallerIdentity')
        xml = getCallerIdentity(caller, typeof token === 'string' ? token : undefined);
      else throw new StsError(400, 'InvalidAction', `The fake does not implement ${action ?? '(none)'}`);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(xml);
    } catch (err) {
      const e = err instanceof StsError ? err : new StsError(500, 'InternalFailure', 'internal error');
      res.writeHead(e.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="${NS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomBytes(16).toString('hex')}</RequestId></ErrorResponse>`,
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    allowRole(roleArn, opts = {}) {
      roles.set(roleArn, opts.externalId !== undefined ? { externalId: opts.externalId } : {});
    },
    assumeRoleCalls,
    callerIdentityCalls,
    setBaseAccount(accessKeyId, account) {
      baseAccounts.set(accessKeyId, account);
    },
    issued,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

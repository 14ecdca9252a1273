import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake AWS Secrets Manager on 127.0.0.1 speaking the service's JSON 1.1 protocol as the AWS
 * SDK sends it: POST / with X-Amz-Target: secretsmanager.<Operation>. Signatures are not
 * verified, but a SigV4 Authorization header is required, as AWS requires one.
 */
export interface FakeSecretsManager {
  /** Pass as `endpoint` to SecretsManagerClient (or AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  endpoint: string;
  /** Creates the secret, or rotates it: a new version becomes AWSCURRENT. */
  setSecret(id: string, value: string | Uint8Array): void;
  /** Requests served, optionally only for one operation ('GetSecretValue' or 'secretsmanager.GetSecretValue'). */
  calls(target?: string): number;
  /** Who signed each accepted request: the SigV4 access key id and the x-amz-security-token, if any. */
  readonly signers: { accessKeyId: string; sessionToken?: string }[];
  close(): Promise<void>;
}

interface Version {
  id: string;
  string?: string;
  binary?: Uint8Array;
  created: number;
}

interface Secret {
  name: string;
  arn: string;
  created: number;
  changed: number;
  current: Version;
  previous?: Version;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const JSON_11 = 'application/x-amz-json-1.1';
const MAX_BODY = 1024 * 1024;
const TARGET_PREFIX = 'secretsmanager.';

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const NOT_FOUND = (): AwsError =>
  new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export async function startFakeSecretsManager(
  initial: Record<string, string> = {},
): Promise<FakeSecretsManager> {
  const secrets = new Map<string, Secret>();
  const counts = new Map<string, number>();
  let total = 0;
  const signers: { accessKeyId: string; sessionToken?: string }[] = [];

  const epoch = (): number => Math.floor(Date.now() / 1000);

  const find = (id: unknown): Secret => {
    if (typeof id !== 'string' || id === '')
      throw new AwsError('InvalidParameterException', 'You must provide a SecretId.');
    const byName = secrets.get(id);
    if (byName) return byName;
    for (const s of secrets.values()) if (s.arn === id) return s;
    throw NOT_FOUND();
  };

  const put = (name: string, value: string | Uint8Array, versionId?: string): Secret => {
    const version: Version = {
      id: versionId ?? randomUUID(),
      created: epoch(),
      ...(typeof value === 'string' ? { string: value } : { binary: value }),
    };
    const existing = secrets.get(name);
    if (existing) {
      existing.previous = existing.current;
      existing.current = version;
      existing.changed = version.created;
      return existing;
    }
    const secret: Secret = {
      name,
      // AWS appends six random characters to the name in a secret's ARN.
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomBytes(3).toString('hex')}`,
      created: version.created,
      changed: version.created,
      current: version,
    };
    secrets.set(name, secret);
    return secret;
  };

  for (const [name, value] of Object.entries(initial)) put(name, value);

  const versionOf = (s: Secret, body: Record<string, unknown>): { version: Version; stages: string[] } => {
    const wantedId = body.VersionId;
    const wantedStage = body.VersionStage;
    if (wantedId !== undefined) {
      if (wantedId === s.current.id) return { version: s.current, stages: ['AWSCURRENT'] };
      if (s.previous && wantedId === s.previous.id) return { version: s.previous, stages: ['AWSPREVIOUS'] };
      throw new AwsError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${JSON.stringify(wantedId)}`,
      );
    }
    if (wantedStage === undefined || wantedStage === 'AWSCURRENT')
      return { version: s.current, stages: ['AWSCURRENT'] };
    if (wantedStage === 'AWSPREVIOUS' && s.previous) return { version: s.previous, stages: ['AWSPREVIOUS'] };
    throw new AwsError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for staging label: ${JSON.stringify(wantedStage)}`,
    );
  };

  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GetSecretValue: (body) => {
      const s = find(body.SecretId);
      const { version, stages } = versionOf(s, body);
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: version.id,
        ...(version.string !== undefined ? { SecretString: version.string } : {}),
        ...(version.binary !== undefined
          ? { SecretBinary: Buffer.from(version.binary).toString('base64') }
          : {}),
        VersionStages: stages,
        CreatedDate: version.created,
      };
    },
    PutSecretValue: (body) => {
      const s = find(body.SecretId);
      const value =
        typeof body.SecretString === 'string'
          ? body.SecretString
          : typeof body.SecretBinary === 'string'
            ? new Uint8Array(Buffer.from(body.SecretBinary, 'base64'))
            : undefined;
      if (value === undefined)
        throw new AwsError(
          'InvalidParameterException',
          'You must provide either SecretString or SecretBinary.',
        );
      const token = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : undefined;
      // Same token twice is an idempotent retry in AWS: no new version.
      if (token !== undefined && token === s.current.id)
        return { ARN: s.arn, Name: s.name, VersionId: s.current.id, VersionStages: ['AWSCURRENT'] };
      const updated = put(s.name, value, token);
      return {
        ARN: updated.arn,
        Name: updated.name,
        VersionId: updated.current.id,
        VersionStages: ['AWSCURRENT'],
      };
    },
    DescribeSecret: (body) => {
      const s = find(body.SecretId);
      const stages: Record<string, string[]> = { [s.current.id]: ['AWSCURRENT'] };
      if (s.previous) stages[s.previous.id] = ['AWSPREVIOUS'];
      return {
        ARN: s.arn,
        Name: s.name,
        CreatedDate: s.created,
        LastChangedDate: s.changed,
        VersionIdsToStages: stages,
      };
    },
  };

  const send = (
    res: ServerResponse,
    status: number,
    payload: Record<string, unknown>,
    errorType?: string,
  ): void => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string | number> = {
      'content-type': JSON_11,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
    };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers).end(body);
  };

  const fail = (res: ServerResponse, err: AwsError): void =>
    send(res, err.status, { __type: err.type, message: err.message }, err.type);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY)
        return fail(res, new AwsError('SerializationException', 'Request body too large.', 413));
      chunks.push(chunk);
    }
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      return fail(res, new AwsError('UnknownOperationException', 'Only POST / is supported.', 404));
    }
    const auth = req.headers.authorization;
    if (auth === undefined || auth === '') {
      return fail(res, new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token'));
    }
    if (!auth.startsWith('AWS4-HMAC-SHA256')) {
      return fail(
        res,
        new AwsError(
          'IncompleteSignatureException',
          `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' for AWS4-HMAC-SHA256.`,
        ),
      );
    }
    const rawTarget = req.headers['x-amz-target'];
    const target = Array.isArray(rawTarget) ? rawTarget[0] : rawTarget;
    const operation = target?.startsWith(TARGET_PREFIX)
      ? operations[target.slice(TARGET_PREFIX.length)]
      : undefined;
    if (!target || !operation)
      return fail(res, new AwsError('UnknownOperationException', `Unknown operation ${target ?? '(none)'}.`));
    const opName = target.slice(TARGET_PREFIX.length);
    total++;
    const token = req.headers['x-amz-security-token'];
    signers.push({
      accessKeyId: /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? '',
      ...(typeof token === 'string' ? { sessionToken: token } : {}),
    });
    counts.set(opName, (counts.get(opName) ?? 0) + 1);

    let body: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      return fail(
        res,
        new AwsError('SerializationException', 'Start of structure or map found where not expected.'),
      );
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return fail(res, new AwsError('SerializationException', 'Expected a JSON object.'));
    try {
      send(res, 200, operation(body as Record<string, unknown>));
    } catch (err) {
      if (err instanceof AwsError) return fail(res, err);
      return fail(res, new AwsError('InternalServiceError', 'An error occurred on the server side.', 500));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        fail(res, new AwsError('InternalServiceError', 'An error occurred on the server side.', 500));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setSecret: (id, value) => {
      put(id, value);
    },
    signers,
    calls: (target) => {
      if (target === undefined) return total;
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      return counts.get(op) ?? 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Amazon S3 on 127.0.0.1 for the bucket settings remediation changes, speaking S3's
 * REST-XML protocol as the AWS SDK sends it with `forcePathStyle: true`:
 *
 * - `GET|PUT|DELETE /{bucket}?publicAccessBlock`: GetPublicAccessBlock (XML
 *   `<PublicAccessBlockConfiguration>`, 404 NoSuchPublicAccessBlockConfiguration when none is set),
 *   PutPublicAccessBlock (that XML as the body; 200), DeletePublicAccessBlock (204);
 * - `GET|PUT|DELETE /{bucket}?encryption`: GetBucketEncryption (`<ServerSideEncryptionConfiguration>`,
 *   404 ServerSideEncryptionConfigurationNotFoundError when none), PutBucketEncryption,
 *   DeleteBucketEncryption (204).
 *
 * A SigV4 Authorization header for service `s3` is required (signatures are not verified). Errors use
 * S3's `<Error><Code>...</Code><Message>...</Message><RequestId>...` shape: NoSuchBucket (404), and
 * a bucket owned by another account than `x-amz-expected-bucket-owner` is 403 AccessDenied, as S3
 * answers. Tests inject failures per operation (503 SlowDown, 403 AccessDenied ...). Every request
 * is logged with its operation and the access key that signed it.
 */
export interface FakeS3Request {
  operation: string;
  bucket: string;
  status: number;
  accessKeyId: string;
  sessionToken?: string;
  expectedOwner?: string;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface BucketEncryption {
  SSEAlgorithm: string;
  KMSMasterKeyID?: string;
}

export interface FakeBucket {
  /** The owning AWS account id. */
  owner: string;
  publicAccessBlock: PublicAccessBlock | null;
  encryption: BucketEncryption | null;
}

export interface FakeS3Failure {
  status: number;
  code: string;
  message?: string;
  /** Only requests of this operation fail (default: any). */
  operation?: string;
}

export interface FakeS3 {
  /** Pass as `endpoint` to S3Client, with `forcePathStyle: true`. */
  endpoint: string;
  readonly buckets: Map<string, FakeBucket>;
  readonly requests: FakeS3Request[];
  failNext(count: number, failure: FakeS3Failure): void;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MAX_BODY = 64 * 1024;
const PAB_FIELDS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;

class S3Error extends Error {
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

/** The text of the first <tag>...</tag> in xml, or undefined. */
function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1];
}

function operationOf(method: string, query: URLSearchParams): string {
  const sub = query.has('publicAccessBlock')
    ? 'PublicAccessBlock'
    : query.has('encryption')
      ? 'BucketEncryption'
      : '';
  if (sub === '') return `${method} (unsupported)`;
  const verb = method === 'GET' ? 'Get' : method === 'PUT' ? 'Put' : method === 'DELETE' ? 'Delete' : method;
  return `${verb}${sub}`;
}

function parsePab(body: string): PublicAccessBlock {
  if (!body.includes('<PublicAccessBlockConfiguration'))
    throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed.');
  const out = {} as PublicAccessBlock;
  for (const f of PAB_FIELDS) {
    const v = tag(body, f);
    if (v !== undefined && v !== 'true' && v !== 'false')
      throw new S3Error(400, 'MalformedXML', `${f} must be true or false.`);
    out[f] = v === 'true';
  }
  return out;
}

function parseEncryption(body: string): BucketEncryption {
  if (!body.includes('<ServerSideEncryptionConfiguration'))
    throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed.');
  const algorithm = tag(body, 'SSEAlgorithm');
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse')
    throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported');
  const key = tag(body, 'KMSMasterKeyID');
  if (key !== undefined && algorithm === 'AES256')
    throw new S3Error(
      400,
      'InvalidArgument',
      'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms',
    );
  return { SSEAlgorithm: algorithm, ...(key !== undefined ? { KMSMasterKeyID: key } : {}) };
}

export async function startFakeS3(): Promise<FakeS3> {
  const buckets = new Map<string, FakeBucket>();
  const requests: FakeS3Request[] = [];
  const failures: FakeS3Failure[] = [];

  const read = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY)
        throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const bucketName = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    const operation = operationOf(req.method ?? '', url.searchParams);
    const entry: FakeS3Request = { operation, bucket: bucketName, status: 200, accessKeyId: '' };
    try {
      const body = await read(req);
      const auth = SIGV4.exec(req.headers.authorization ?? '');
      if (!auth || req.headers['x-amz-date'] === undefined)
        throw new S3Error(403, 'AccessDenied', 'Missing or malformed SigV4 authentication');
      entry.accessKeyId = auth[1] ?? '';
      const token = req.headers['x-amz-security-token'];
      if (typeof token === 'string') entry.sessionToken = token;
      const owner = req.headers['x-amz-expected-bucket-owner'];
      if (typeof owner === 'string') entry.expectedOwner = owner;
      const i = failures.findIndex((f) => f.operation === undefined || f.operation === operation);
      if (i !== -1) {
        const [f] = failures.splice(i, 1);
        throw new S3Error(f!.status, f!.code, f!.message ?? f!.code);
      }
      if (operation.endsWith('(unsupported)'))
        throw new S3Error(
          501,
          'NotImplemented',
          'The fake implements only ?publicAccessBlock and ?encryption',
        );
      const bucket = buckets.get(bucketName);
      if (bucket === undefined) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (typeof owner === 'string' && owner !== bucket.owner)
        throw new S3Error(403, 'AccessDenied', 'Access Denied');
      let xml: string | null = null;
      let status = 200;
      switch (operation) {
        case 'GetPublicAccessBlock': {
          const p = bucket.publicAccessBlock;
          if (p === null)
            throw new S3Error(
              404,
              'NoSuchPublicAccessBlockConfiguration',
              'The public access block configuration was not found',
            );
          xml = `<PublicAccessBlockConfiguration xmlns="${NS}">${PAB_FIELDS.map((f) => `<${f}>${String(p[f])}</${f}>`).join('')}</PublicAccessBlockConfiguration>`;
          break;
        }
        case 'PutPublicAccessBlock':
          bucket.publicAccessBlock = parsePab(body);
          break;
        case 'DeletePublicAccessBlock':
          bucket.publicAccessBlock = null;
          status = 204;
          break;
        case 'GetBucketEncryption': {
          const e = bucket.encryption;
          if (e === null)
            throw new S3Error(
              404,
              'ServerSideEncryptionConfigurationNotFoundError',
              'The server side encryption configuration was not found',
            );
          xml = `<ServerSideEncryptionConfiguration xmlns="${NS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${xmlEscape(e.SSEAlgorithm)}</SSEAlgorithm>${e.KMSMasterKeyID !== undefined ? `<KMSMasterKeyID>${xmlEscape(e.KMSMasterKeyID)}</KMSMasterKeyID>` : ''}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`;
          break;
        }
        case 'PutBucketEncryption':
          bucket.encryption = parseEncryption(body);
          break;
        case 'DeleteBucketEncryption':
          bucket.encryption = null;
          status = 204;
          break;
        default:
          throw new S3Error(
            405,
            'MethodNotAllowed',
            'The specified method is not allowed against this resource.',
          );
      }
      res.writeHead(status, {
        'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
        ...(xml !== null ? { 'content-type': 'application/xml' } : {}),
      });
      res.end(xml === null ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      entry.status = status;
    } catch (err) {
      const e =
        err instanceof S3Error
          ? err
          : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      entry.status = e.status;
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      res.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message>${bucketName ? `<BucketName>${xmlEscape(bucketName)}</BucketName>` : ''}<RequestId>${requestId}</RequestId><HostId>${randomBytes(12).toString('base64')}</HostId></Error>`,
      );
    } finally {
      requests.push(entry);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

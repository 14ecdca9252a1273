import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Amazon SES v2 SendEmail API on 127.0.0.1, speaking the service's REST-JSON protocol as
 * the AWS SDK sends it: POST /v2/email/outbound-emails with a JSON body (FromEmailAddress,
 * Destination, Content.Simple | Content.Raw, ConfigurationSetName ...), answered
 * `{ "MessageId": "..." }`. A SigV4 Authorization header for service `ses` is required (signatures
 * are not verified). Errors use the REST-JSON shape: the type in `x-amzn-ErrorType` and
 * `{ "message": ... }`; throttling answers 429 TooManyRequestsException (with Retry-After when a
 * test asks), and tests may inject 400 MessageRejected or 5xx.
 */
export interface FakeSesMessage {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: { Name: string; Value: string }[];
  configurationSet: string | null;
  /** The access key id named in the Authorization header. */
  accessKeyId: string;
  region: string;
}

export interface FakeSesFailure {
  status: 400 | 429 | 500 | 503;
  type: string;
  message?: string;
  retryAfterSeconds?: number;
  /** Accept the message, then answer with the failure (a lost response: the provider has it). */
  afterAccept?: boolean;
}

export interface FakeSes {
  /** Pass as `endpoint` to SESv2Client (CRM_SES_ENDPOINT). */
  endpoint: string;
  /** Messages accepted, oldest first. */
  readonly messages: FakeSesMessage[];
  /** Every SendEmail request with its answer status, oldest first. */
  readonly requests: { status: number; authorization: string }[];
  failNext(count: number, failure: FakeSesFailure): void;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/ses\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;
const MAX_BODY = 10 * 1024 * 1024;

class SesError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeSes(): Promise<FakeSes> {
  const messages: FakeSesMessage[] = [];
  const requests: { status: number; authorization: string }[] = [];
  const failures: FakeSesFailure[] = [];

  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) reject(new SesError(400, 'BadRequestException', 'Message too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const send = (body: Record<string, unknown>, accessKeyId: string, region: string): FakeSesMessage => {
    const from = body.FromEmailAddress;
    if (typeof from !== 'string' || from === '')
      throw new SesError(400, 'BadRequestException', 'FromEmailAddress is required');
    const dest = (body.Destination ?? {}) as { ToAddresses?: unknown };
    const to = Array.isArray(dest.ToAddresses) ? dest.ToAddresses.filter((x) => typeof x === 'string') : [];
    if (to.length === 0)
      throw new SesError(400, 'BadRequestException', 'Destination needs at least one address');
    const content = (body.Content ?? {}) as {
      Simple?: {
        Subject?: { Data?: string };
        Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
        Headers?: { Name: string; Value: string }[];
      };
    };
    const simple = content.Simple;
    if (!simple?.Subject?.Data || (!simple.Body?.Text?.Data && !simple.Body?.Html?.Data))
      throw new SesError(400, 'BadRequestException', 'Content.Simple needs a Subject and a Body');
    for (const v of [simple.Subject.Data, ...to, from]) {
      if (/[\r\n]/.test(v)) throw new SesError(400, 'BadRequestException', 'Header values must be one line');
    }
    const msg: FakeSesMessage = {
      messageId: `0100${randomBytes(8).toString('hex')}-${randomBytes(4).toString('hex')}-000000`,
      from,
      to,
      subject: simple.Subject.Data,
      text: simple.Body?.Text?.Data ?? null,
      html: simple.Body?.Html?.Data ?? null,
      headers: simple.Headers ?? [],
      configurationSet: typeof body.ConfigurationSetName === 'string' ? body.ConfigurationSetName : null,
      accessKeyId,
      region,
    };
    messages.push(msg);
    return msg;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const authorization = req.headers.authorization ?? '';
    let status = 200;
    try {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v2/email/outbound-emails')
        throw new SesError(404, 'NotFoundException', 'Unknown operation');
      const auth = SIGV4.exec(authorization);
      if (!auth || req.headers['x-amz-date'] === undefined)
        throw new SesError(403, 'UnrecognizedClientException', 'Missing or malformed SigV4 authentication');
      const raw = await read(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        throw new SesError(400, 'BadRequestException', 'Body is not JSON');
      }
      const failure = failures.shift();
      if (failure && !failure.afterAccept) {
        if (failure.retryAfterSeconds !== undefined)
          res.setHeader('Retry-After', String(failure.retryAfterSeconds));
        throw new SesError(failure.status, failure.type, failure.message ?? failure.type);
      }
      const msg = send(body, auth[1] ?? '', auth[3] ?? '');
      if (failure?.afterAccept)
        throw new SesError(failure.status, failure.type, failure.message ?? failure.type);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomBytes(16).toString('hex'),
      });
      res.end(JSON.stringify({ MessageId: msg.messageId }));
    } catch (err) {
      const e = err instanceof SesError ? err : new SesError(500, 'InternalFailure', 'internal error');
      status = e.status;
      res.writeHead(e.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': e.type,
        'x-amzn-requestid': randomBytes(16).toString('hex'),
      });
      res.end(JSON.stringify({ message: e.message }));
    } finally {
      requests.push({ status, authorization });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    messages,
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

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Type-only: nodemailer and the SES SDK load on the first message, not when the server starts.
import type * as SesSdk from '@aws-sdk/client-sesv2';
import type * as Nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { PortcullisError, errors } from '@portcullis/core';

let nodemailerModule: Promise<typeof Nodemailer> | undefined;
async function nodemailer(): Promise<typeof Nodemailer> {
  nodemailerModule ??= import('nodemailer');
  return (await nodemailerModule).default as unknown as typeof Nodemailer;
}

/** One composed message, ready for a transport. */
export interface OutgoingMessage {
  /** The outbox id: names the .eml file and goes into X-Portcullis-Message-Id. */
  id: string;
  /** RFC 5322 Message-ID, angle brackets included. */
  rfcMessageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

export interface EmailTransport {
  readonly kind: 'file' | 'smtp' | 'ses';
  /** The upstream system name for the kit's limiter and retries. */
  readonly system: string;
  /** Resolves with the provider's id once the provider has accepted the message. */
  send(msg: OutgoingMessage, signal: AbortSignal): Promise<{ providerMessageId: string }>;
  close(): Promise<void>;
}

function mailOptions(msg: OutgoingMessage): SendMailOptions {
  return {
    from: msg.from,
    to: msg.to,
    subject: msg.subject,
    text: msg.text,
    ...(msg.html === null ? {} : { html: msg.html }),
    messageId: msg.rfcMessageId,
    headers: { 'X-Portcullis-Message-Id': msg.id },
    // Never let a value decide where the message goes: the envelope is exactly the resolved address.
    envelope: { from: addressOf(msg.from), to: [msg.to] },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function addressOf(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m?.[1] ?? from).trim();
}

/**
 * The embedded default: each message is composed as a real RFC 5322 message (nodemailer's
 * stream transport) and written to `<data dir>/outbox/<id>.eml`, readable by the owner only.
 */
export class FileTransport implements EmailTransport {
  readonly kind = 'file' as const;
  readonly system = 'email_file';
  private composer: Promise<Transporter> | undefined;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir keeps an existing folder's mode; the messages hold personal data.
    chmodSync(dir, 0o700);
  }

  async send(msg: OutgoingMessage): Promise<{ providerMessageId: string }> {
    this.composer ??= nodemailer().then((m) =>
      m.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    const info = await (await this.composer).sendMail(mailOptions(msg));
    const raw = info.message as unknown as Buffer;
    writeFileSync(join(this.dir, `${msg.id}.eml`), raw, { mode: 0o600, flag: 'wx' });
    return { providerMessageId: `file:${msg.id}.eml` };
  }

  async close(): Promise<void> {
    (await this.composer)?.close();
  }
}

export interface SmtpOptions {
  host: string;
  port: number;
  /** `tls` (implicit TLS, port 465), `starttls` (required upgrade) or `none` (local relays only). */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  /** Runs fn with the resolved password (credential reference), re-resolving once after an auth failure. */
  withPassword?: <T>(fn: (password: string) => Promise<T>) => Promise<T>;
  /** Extra CA for the relay's certificate (tests, private relays). */
  ca?: string;
  timeoutMs?: number;
}

const SMTP_TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET']);

/** SMTP through nodemailer. 4xx replies and connection failures are transient; 5xx are final. */
export class SmtpTransport implements EmailTransport {
  readonly kind = 'smtp' as const;
  readonly system = 'smtp';
  private cached: { password: string | undefined; t: Transporter } | null = null;

  constructor(private readonly o: SmtpOptions) {}

  private async transporter(password: string | undefined): Promise<Transporter> {
    const cached = this.cached;
    if (cached !== null && cached.password === password) return cached.t;
    const m = await nodemailer();
    if (this.cached !== null && this.cached.password === password) return this.cached.t;
    this.cached?.t.close();
    const timeout = this.o.timeoutMs ?? 10_000;
    const t = m.createTransport({
      host: this.o.host,
      port: this.o.port,
      secure: this.o.security === 'tls',
      requireTLS: this.o.security === 'starttls',
      ignoreTLS: this.o.security === 'none',
      ...(this.o.user !== undefined && password !== undefined
        ? { auth: { user: this.o.user, pass: password } }
        : {}),
      tls: { minVersion: 'TLSv1.2', ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}) },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    this.cached = { password, t };
    return t;
  }

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<{ providerMessageId: string }> {
    signal.throwIfAborted();
    const run = async (password: string | undefined) => {
      try {
        const info = (await (await this.transporter(password)).sendMail(mailOptions(msg))) as {
          messageId?: string;
          response?: string;
        };
        // "250 2.0.0 Ok: queued as 4F1..." names the relay's queue id when it gives one.
        const queued = /queued as ([A-Za-z0-9._-]+)/i.exec(info.response ?? '')?.[1];
        return { providerMessageId: queued ?? info.messageId ?? msg.rfcMessageId };
      } catch (err) {
        throw smtpError(err);
      }
    };
    return this.o.withPassword ? this.o.withPassword((p) => run(p)) : run(undefined);
  }

  close(): Promise<void> {
    this.cached?.t.close();
    this.cached = null;
    return Promise.resolve();
  }
}

/**
 * Provider messages may quote the recipient, or any other contact detail in free text: keep
 * addresses and phone-like numbers (seven digits or more, with the usual separators) out of logs
 * and audit. Status codes such as `550 5.1.1` have too few digits to be taken for a number.
 */
export function withoutAddresses(s: string): string {
  return s
    .replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '[address]')
    .replace(/\+?\(?\d[\d\s()./-]{5,}\d/g, (m) => (m.replace(/\D/g, '').length >= 7 ? '[number]' : m))
    .slice(0, 300);
}

/** A provider error reduced to what operators need (status, codes), with any address removed. */
function sanitized(system: string, err: unknown, extra: Record<string, unknown> = {}): Error {
  const e = (err ?? {}) as { name?: string; message?: string; code?: unknown; responseCode?: unknown };
  const out = new Error(`${system}: ${withoutAddresses(String(e.message ?? 'failed'))}`);
  out.name = typeof e.name === 'string' ? e.name : 'Error';
  return Object.assign(out, {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...extra,
  });
}

/**
 * The kit retries plain errors it classifies as transient and treats a PortcullisError as final,
 * so a temporary SMTP failure leaves as a plain error carrying an HTTP-like status (a 4xx reply is
 * "try later", like 503) or its network code, and a final one as a PortcullisError.
 */
function smtpError(err: unknown): unknown {
  const e = (err ?? {}) as { responseCode?: number; code?: string };
  const internal = sanitized('smtp', err);
  if (e.code === 'EAUTH' || e.responseCode === 535) {
    return new PortcullisError({
      code: 'upstream_unauthorized',
      category: 'unauthenticated',
      message: 'The mail relay refused the configured credentials.',
      retryable: false,
      remediation: 'Ask an operator to check CRM_SMTP_USER and CRM_SMTP_PASSWORD.',
      internal,
    });
  }
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500)
    return Object.assign(internal, { status: 503 });
  if (e.code !== undefined && SMTP_TRANSIENT_CODES.has(e.code))
    return Object.assign(internal, { code: 'ECONNRESET' });
  return errors.upstream('smtp', internal, false);
}

export interface SesOptions {
  region: string;
  endpoint?: string;
  configurationSet?: string;
  /** Static credentials from credential references; otherwise the SDK's default chain (IAM role). */
  credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string }>;
}

/**
 * Amazon SES v2 SendEmail through the official SDK. SDK retries are off (maxAttempts 1) so the
 * kit's retry policy sees every attempt: throttling (429, ThrottlingException) and 5xx are retried
 * there, honouring Retry-After; other errors are final.
 */
export class SesTransport implements EmailTransport {
  readonly kind = 'ses' as const;
  readonly system = 'ses';
  private sdk: Promise<{ client: SesSdk.SESv2Client; sdk: typeof SesSdk }> | undefined;

  constructor(private readonly o: SesOptions) {}

  private open(): Promise<{ client: SesSdk.SESv2Client; sdk: typeof SesSdk }> {
    this.sdk ??= import('@aws-sdk/client-sesv2').then((sdk) => ({
      sdk,
      client: new sdk.SESv2Client({
        region: this.o.region,
        maxAttempts: 1,
        ...(this.o.endpoint !== undefined ? { endpoint: this.o.endpoint } : {}),
        ...(this.o.credentials !== undefined ? { credentials: this.o.credentials } : {}),
      }),
    }));
    return this.sdk;
  }

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<{ providerMessageId: string }> {
    try {
      const { client, sdk } = await this.open();
      const out = await client.send(
        new sdk.SendEmailCommand({
          FromEmailAddress: msg.from,
          Destination: { ToAddresses: [msg.to] },
          Content: {
            Simple: {
              Subject: { Data: msg.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: msg.text, Charset: 'UTF-8' },
                ...(msg.html === null ? {} : { Html: { Data: msg.html, Charset: 'UTF-8' } }),
              },
              Headers: [{ Name: 'X-Portcullis-Message-Id', Value: msg.id }],
            },
          },
          ...(this.o.configurationSet !== undefined ? { ConfigurationSetName: this.o.configurationSet } : {}),
        }),
        { abortSignal: signal },
      );
      if (out.MessageId === undefined)
        throw errors.upstream('ses', new Error('SendEmail returned no MessageId'), false);
      return { providerMessageId: out.MessageId };
    } catch (err) {
      throw sesError(err);
    }
  }

  async close(): Promise<void> {
    if (this.sdk !== undefined) (await this.sdk).client.destroy();
  }
}

function sesError(err: unknown): unknown {
  if (err instanceof PortcullisError) return err;
  const e = (err ?? {}) as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string> };
  };
  const status = e.$metadata?.httpStatusCode;
  const retryAfter = e.$response?.headers?.['retry-after'];
  const headers = retryAfter !== undefined ? { headers: { 'retry-after': retryAfter } } : {};
  if (e.name === 'ThrottlingException' || e.name === 'TooManyRequestsException' || status === 429) {
    // SES throttles with 429 or a 400 ThrottlingException: both are "slow down", so transient.
    return sanitized('ses', err, { status: 429, ...headers });
  }
  if (status === undefined) return sanitized('ses', err); // network level: the kit reads the code
  // The kit classifies by status: 5xx retried, other 4xx final.
  return sanitized('ses', err, { status, ...headers });
}

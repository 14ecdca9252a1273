/**
 * The redactor: every resolved secret is registered here, and every log line, audit record and
 * tool result passes through it. Sensitive field names are masked wherever they appear.
 */
export const REDACTED = '[REDACTED]';

const DEFAULT_SENSITIVE_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'authorization',
  'cookie',
  'client_secret',
  'private_key',
  'approval_token',
];

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;
  private readonly sensitiveKeys: Set<string>;

  constructor(extraSensitiveKeys: Iterable<string> = []) {
    this.sensitiveKeys = new Set(
      [...DEFAULT_SENSITIVE_KEYS, ...extraSensitiveKeys].map((k) => k.toLowerCase()),
    );
  }

  /** Registers a secret value; short values are ignored because masking them would mangle ordinary text. */
  addSecret(value: string | undefined | null): void {
    if (!value || value.length < 6 || this.secrets.has(value)) return;
    this.secrets.add(value);
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }

  addSensitiveKey(key: string): void {
    this.sensitiveKeys.add(key.toLowerCase());
  }

  isSensitiveKey(key: string): boolean {
    return this.sensitiveKeys.has(key.toLowerCase());
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  redactString(s: string): string {
    if (this.pattern === null) return s;
    this.pattern.lastIndex = 0;
    return this.pattern.test(s) ? s.replace(this.pattern, REDACTED) : s;
  }

  /** Returns a copy with secrets masked and sensitive keys (defaults plus `keys`) replaced. */
  redact<T>(value: T, keys: Iterable<string> = []): T {
    const extra = new Set([...keys].map((k) => k.toLowerCase()));
    return this.walk(value, extra, 0) as T;
  }

  /** Masks registered secret values only (results may legitimately carry fields named "token"). */
  maskSecrets<T>(value: T): T {
    if (this.pattern === null) return value;
    return this.walkSecrets(value, 0) as T;
  }

  private walkSecrets(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.walkSecrets(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      setData(out, k, this.walkSecrets(v, depth + 1));
    return out;
  }

  private walk(value: unknown, extra: Set<string>, depth: number): unknown {
    if (depth > 32) return REDACTED;
    if (typeof value === 'string') return this.redactString(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, extra, depth + 1));
    if (value instanceof Error) {
      // Error fields are not enumerable: copy the useful ones or logs show only "err":{}.
      const e = value as Error & { code?: unknown; status?: unknown; cause?: unknown };
      const out: Record<string, unknown> = { type: e.name, message: this.redactString(e.message) };
      if (e.stack) out.stack = this.redactString(e.stack);
      if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
      if (typeof e.status === 'number') out.status = e.status;
      if (e.cause !== undefined) out.cause = this.walk(e.cause, extra, depth + 1);
      return out;
    }
    if (value !== null && typeof value === 'object') {
      if (value instanceof Date) return value.toISOString();
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const lk = k.toLowerCase();
        setData(
          out,
          k,
          (this.sensitiveKeys.has(lk) || extra.has(lk)) && v !== undefined && v !== null
            ? REDACTED
            : this.walk(v, extra, depth + 1),
        );
      }
      return out;
    }
    return value;
  }
}

/**
 * `out[k] = v` with k "__proto__" would call the prototype setter: the key would vanish from what
 * is recorded and the copy's prototype would become attacker data. A data property keeps it as sent.
 * So is any other name Object.prototype has (`toString`, `constructor`: assigning one fails if the
 * prototype is ever frozen). Every other key is assigned, which on a fresh `{}` makes the same data
 * property: defining every key would turn each copy into a slow dictionary object for everything
 * that reads it afterwards (the audit hash, the JSON answer).
 */
export function setData(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key in Object.prototype)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

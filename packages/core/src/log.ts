import { pino, type Logger } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger } from 'pino';

/**
 * JSON lines on stderr (stdout belongs to the stdio protocol). Every line passes the redactor,
 * so a registered secret never reaches a log, whatever field it hides in.
 */
export function createLogger(opts: {
  name: string;
  level?: string;
  redactor: Redactor;
  destination?: number;
}): Logger {
  const { redactor } = opts;
  return pino(
    {
      name: opts.name,
      level: opts.level ?? process.env.PORTCULLIS_LOG_LEVEL ?? 'info',
      base: { server: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactor.redact(obj),
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) =>
            typeof a === 'string' ? redactor.redactString(a) : a,
          ) as Parameters<typeof method>;
          method.apply(this, redacted);
        },
      },
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error);
          return redactor.redact(s);
        },
      },
    },
    pino.destination({ dest: opts.destination ?? 2, sync: true }),
  );
}

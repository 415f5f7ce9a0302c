/**
 * One structured logger (pino, JSON lines) for the API, the worker and Temporal's own runtime logs.
 * Every line written while a request is handled carries its `requestId` (through AsyncLocalStorage,
 * so code far from the request — account rules, Temporal calls — needs no logger handed down).
 * Secrets never reach a line: known fields are censored by pino's `redact`, and a failed query's
 * parameters (a token or password hash may be among them) are cut from error messages.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SECRET_FIELDS = ['password', 'passwordConfirmation', 'newPassword', 'currentPassword', 'token', 'authorization', 'cookie'];

/** The field itself, and the same field one and two levels down (headers, bodies, error details). */
export const REDACTED_PATHS = [...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]), '*["set-cookie"]'];

const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` with `requestId` attached to every log line written meanwhile (and in what it starts). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run({ requestId }, fn);
}

/** Drizzle puts a failed query's parameters in the error message: they may hold a hash or a token. */
function errorWithoutParams(error: Error) {
  const serialized = pino.stdSerializers.err(error);
  const strip = (text: string | undefined) => text?.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/, '\nparams: [redacted]');
  return { ...serialized, message: strip(serialized.message) ?? '', stack: strip(serialized.stack) ?? '' };
}

export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: errorWithoutParams, error: (e: unknown) => (e instanceof Error ? errorWithoutParams(e) : e) },
      mixin: () => {
        const context = requestContext.getStore();
        return context ? { requestId: context.requestId } : {};
      },
    },
    options.destination,
  );
}

/**
 * The process's logger. `LOG_LEVEL` is read from the validated configuration by `configureLogging`
 * (api/main.ts, worker/main.ts); until then, info to stdout.
 */
export let log: Logger = createLogger({ level: 'info' });

export function configureLogging(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  log = createLogger(options);
  return log;
}

/**
 * A process's start banner ("listening on", "polling"): written whatever `LOG_LEVEL` says, because
 * the launcher (dev/start.ts) and the drill wait for it.
 */
export function logStarted(message: string, fields: Record<string, unknown> = {}): void {
  log.child({}, { level: 'info' }).info(fields, message);
}

import { pino, stdSerializers, type Logger } from 'pino';
import { config } from './config';

/** Fields a failed query's error carries (drizzle: `query`, `params`; postgres.js: `parameters`, `args`): never logged. */
const QUERY_FIELDS = ['query', 'params', 'parameters', 'args'];
const EMAIL_ADDRESS = /[^\s@"'<>()[\],;:]+@[^\s@"'<>()[\],;:]+\.[A-Za-z]{2,}/g;

/** Drops drizzle's `params: …` line (the values of a failed query) and any email address from a message or stack. */
function scrubbed(text: string): string {
  return text.replace(/\nparams: [^\n]*/g, '\nparams: [redacted]').replace(EMAIL_ADDRESS, '[email]');
}

/**
 * Errors as pino logs them, without what a query was given: drizzle puts the parameters in the
 * message and the stack as well as in fields, and a constraint's `detail` names the value.
 */
function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  const fields = serialized as Record<string, unknown>;
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'raw' || QUERY_FIELDS.includes(key)) continue;
    clean[key] = typeof value === 'string' ? scrubbed(value) : value;
  }
  return clean;
}

let instance: Logger | undefined;

/** Pino's options: what is never written (query parameters, email addresses, secrets) wherever it appears. */
export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: undefined,
    serializers: { err: serializeError },
    redact: {
      paths: ['email', '*.email', 'password', '*.password', 'params', '*.params', 'parameters', '*.parameters'],
      censor: '[redacted]',
    },
  };
}

/** One structured JSON line per event on standard output. */
export function logger(): Logger {
  instance ??= pino(loggerOptions(process.env.VITEST ? 'silent' : config().logLevel));
  return instance;
}

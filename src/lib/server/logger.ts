import { pino, type Logger } from 'pino';
import { config } from './config';

let instance: Logger | undefined;

/** One structured JSON line per event on standard output. */
export function logger(): Logger {
  instance ??= pino({ level: process.env.VITEST ? 'silent' : config().logLevel, base: undefined });
  return instance;
}

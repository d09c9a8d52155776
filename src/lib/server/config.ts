import path from 'node:path';
import { z } from 'zod';

const portSchema = z.coerce.number({ error: 'must be a whole number from 1 to 65535' }).int('must be a whole number from 1 to 65535').min(1, 'must be a whole number from 1 to 65535').max(65_535, 'must be a whole number from 1 to 65535');
const urlWithoutTrailingSlash = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const environmentSchema = z.object({
  HOST: z.string().min(1).default('localhost'),
  PORT: portSchema.default(4321),
  PUBLIC_URL: urlWithoutTrailingSlash.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Trust X-Forwarded-For for the client address (rate limits) when behind a reverse proxy. */
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
});

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  trustProxy: boolean;
  /** True when PUBLIC_URL is https: cookies get `Secure` and responses HSTS. */
  secure: boolean;
}

export class ConfigError extends Error {}

/** Parses the environment; a bad value throws one line naming the variable and the problem. */
export function parseConfig(environment: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid environment variable ${variable}: ${issue.message}`);
  }
  const values = result.data;
  const publicUrl = values.PUBLIC_URL ?? `http://${values.HOST === '0.0.0.0' ? 'localhost' : values.HOST}:${values.PORT}`;
  return {
    host: values.HOST,
    port: values.PORT,
    publicUrl,
    dataDir: path.resolve(values.DATA_DIR),
    databaseUrl: values.DATABASE_URL,
    logLevel: values.LOG_LEVEL,
    trustProxy: values.TRUST_PROXY,
    secure: publicUrl.startsWith('https://'),
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed once from `process.env`. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const portSchema = z.coerce
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65_535, 'must be a whole number from 1 to 65535');
const urlWithoutTrailingSlash = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const environmentSchema = z.object({
  HOST: z.string().min(1).default('localhost'),
  PORT: portSchema.default(4321),
  PUBLIC_URL: urlWithoutTrailingSlash.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL (credentials may go in it: smtp://user:pass@host:587)' })
    .optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .refine(
      (value) => /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value),
      'must be an address such as updates@example.com or "Example Status <updates@example.com>"',
    )
    .optional(),
  DKIM_DOMAIN: z.string().trim().min(1).optional(),
  DKIM_SELECTOR: z.string().trim().min(1).optional(),
  /** The private key in PEM, or the path of a file holding it. */
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  /** Run the job worker in this process (default); set to false on web-only instances. */
  WORKER: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Job retries after the first attempt (exponential backoff with jitter). */
  JOB_RETRY_LIMIT: z.coerce
    .number({ error: 'must be a whole number from 0 to 100' })
    .int('must be a whole number from 0 to 100')
    .min(0, 'must be a whole number from 0 to 100')
    .max(100, 'must be a whole number from 0 to 100')
    .default(8),
  /** Seconds before a job's first retry. */
  JOB_RETRY_DELAY_SECONDS: z.coerce
    .number({ error: 'must be a whole number from 1 to 3600' })
    .int('must be a whole number from 1 to 3600')
    .min(1, 'must be a whole number from 1 to 3600')
    .max(3600, 'must be a whole number from 1 to 3600')
    .default(5),
  /** Seconds after which a job whose worker went silent is retried. */
  JOB_EXPIRE_SECONDS: z.coerce
    .number({ error: 'must be a whole number from 5 to 86400' })
    .int('must be a whole number from 5 to 86400')
    .min(5, 'must be a whole number from 5 to 86400')
    .max(86_400, 'must be a whole number from 5 to 86400')
    .default(300),
  /** Requests per minute each API key may make (management API and alert intake). */
  API_RATE_LIMIT: z.coerce
    .number({ error: 'must be a whole number from 1 to 100000' })
    .int('must be a whole number from 1 to 100000')
    .min(1, 'must be a whole number from 1 to 100000')
    .max(100_000, 'must be a whole number from 1 to 100000')
    .default(300),
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
  smtpUrl: string | undefined;
  mailFrom: string;
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  runWorker: boolean;
  jobs: { retryLimit: number; retryDelaySeconds: number; expireInSeconds: number };
  /** Requests per minute per API key. */
  apiRateLimit: number;
}

export class ConfigError extends Error {}

function readPrivateKey(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return fs.readFileSync(value, 'utf8');
  } catch {
    throw new ConfigError(
      'Invalid environment variable DKIM_PRIVATE_KEY: must be a PEM private key or the path of a readable file holding one',
    );
  }
}

/** Parses the environment; a bad value throws one line naming the variable and the problem. */
export function parseConfig(environment: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    // A failed parse has at least one issue; the first is the one reported.
    const [issue] = result.error.issues;
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid environment variable ${variable}: ${issue?.message ?? result.error.message}`);
  }
  const values = result.data;
  const publicUrl = values.PUBLIC_URL ?? `http://${values.HOST === '0.0.0.0' ? 'localhost' : values.HOST}:${values.PORT}`;
  const { DKIM_DOMAIN: dkimDomain, DKIM_SELECTOR: dkimSelector, DKIM_PRIVATE_KEY: dkimPrivateKey } = values;
  const dkimParts = [dkimDomain, dkimSelector, dkimPrivateKey];
  if (dkimParts.some(Boolean) && !dkimParts.every(Boolean)) {
    const missing = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'].filter((_, index) => !dkimParts[index]);
    throw new ConfigError(
      `Invalid environment variable ${missing[0]}: DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together`,
    );
  }
  return {
    host: values.HOST,
    port: values.PORT,
    publicUrl,
    dataDir: path.resolve(values.DATA_DIR),
    databaseUrl: values.DATABASE_URL,
    logLevel: values.LOG_LEVEL,
    trustProxy: values.TRUST_PROXY,
    secure: publicUrl.startsWith('https://'),
    smtpUrl: values.SMTP_URL,
    mailFrom: values.MAIL_FROM ?? `updates@${new URL(publicUrl).hostname}`,
    dkim:
      dkimDomain && dkimSelector && dkimPrivateKey
        ? { domainName: dkimDomain, keySelector: dkimSelector, privateKey: readPrivateKey(dkimPrivateKey) }
        : undefined,
    runWorker: values.WORKER,
    jobs: {
      retryLimit: values.JOB_RETRY_LIMIT,
      retryDelaySeconds: values.JOB_RETRY_DELAY_SECONDS,
      expireInSeconds: values.JOB_EXPIRE_SECONDS,
    },
    apiRateLimit: values.API_RATE_LIMIT,
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed once from `process.env`. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

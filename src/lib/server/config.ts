import fs from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { Role } from '../domain/roles';
import { DEFAULT_BACKUP_SCHEDULE, isBackupSchedule } from './services/backup/backup-schedule';

const portSchema = z.coerce
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65_535, 'must be a whole number from 1 to 65535');
const urlWithoutTrailingSlash = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * Whose X-Forwarded-For is believed: nobody; whichever peer connects (`true`: right only when
 * nothing but the proxy can reach Herald); or only the proxies listed (addresses and CIDR ranges).
 */
export type ProxyTrust = { kind: 'none' } | { kind: 'any' } | { kind: 'listed'; proxies: BlockList };

/** TRUST_PROXY read: `true`/`1`, `false`/`0`, or `10.0.0.0/8, ::1`; a string says what is wrong. */
function proxyTrustOf(text: string): ProxyTrust | string {
  const value = text.trim();
  if (value === 'true' || value === '1') return { kind: 'any' };
  if (value === 'false' || value === '0') return { kind: 'none' };
  const proxies = new BlockList();
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const width = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= width)) {
      return `must be true, false, or a comma-separated list of proxy addresses or CIDR ranges (such as 10.0.0.0/8,::1); ${JSON.stringify(entry)} is not one`;
    }
    proxies.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return { kind: 'listed', proxies };
}

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
  /** Trust X-Forwarded-For for the client address (rate limits) when behind a reverse proxy: any peer, or the ones listed. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, context) => {
      const trust = proxyTrustOf(value);
      if (typeof trust === 'string') {
        context.addIssue({ code: 'custom', message: trust });
        return z.NEVER;
      }
      return trust;
    }),
  /** The one-time token /setup asks for; printed at the first start when unset. */
  HERALD_SETUP_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').max(200, 'must be at most 200 characters').optional(),
  /** The bearer token a Prometheus scrape of /metrics must present; without it (or METRICS_PORT) there is no /metrics. */
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(32, 'must be at least 32 characters')
    .max(200, 'must be at most 200 characters')
    .regex(/^\S+$/, 'must not contain spaces')
    .optional(),
  /** A port that serves only /metrics, on 127.0.0.1, for a Prometheus on the same machine. */
  METRICS_PORT: portSchema.optional(),
  /** Single sign-on with OpenID Connect: the issuer, the client Herald is registered as, and how claims map to roles. */
  OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'must be the https:// URL of your OpenID provider (its issuer)' }).optional(),
  OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The provider's name on the sign-in button ("Sign in with Okta"). */
  OIDC_NAME: z.string().trim().min(1).max(60, 'must be at most 60 characters').default('single sign-on'),
  /** The id-token (or userinfo) claim that holds the user's groups or roles. */
  OIDC_ROLE_CLAIM: z.string().trim().min(1).max(200).default('groups'),
  /** Comma-separated claim values that give each role; the highest match wins. */
  OIDC_OWNER_VALUES: z.string().optional(),
  OIDC_ADMIN_VALUES: z.string().optional(),
  OIDC_RESPONDER_VALUES: z.string().optional(),
  OIDC_VIEWER_VALUES: z.string().optional(),
  /** Create a Herald user on a first SSO sign-in (otherwise only existing users, matched by email, may sign in). */
  OIDC_CREATE_USERS: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** SSO only: passwords work only for owners with a second factor (the break-glass accounts). */
  OIDC_ONLY: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Where the scheduled backups go (default `<DATA_DIR>/backups`). */
  BACKUP_DIR: z.string().trim().min(1).optional(),
  /** How many verified backups are kept. */
  BACKUP_KEEP: z.coerce
    .number({ error: 'must be a whole number from 1 to 365' })
    .int('must be a whole number from 1 to 365')
    .min(1, 'must be a whole number from 1 to 365')
    .max(365, 'must be a whole number from 1 to 365')
    .default(7),
  /** When the backup runs: a five-field cron expression in UTC (default daily at 03:17). */
  BACKUP_SCHEDULE: z
    .string()
    .trim()
    .default(DEFAULT_BACKUP_SCHEDULE)
    .refine(isBackupSchedule, 'must be a cron expression of five fields in UTC, such as "17 3 * * *" (daily at 03:17)'),
});

/** Single sign-on settings, present when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set. */
export interface SsoConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  roleClaim: string;
  /** The claim values that give each role. */
  roleValues: Record<Role, string[]>;
  createUsers: boolean;
  only: boolean;
}

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  /** DATA_DIR as the person gave it (relative if it was), for messages. */
  dataDirAsGiven: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** From which peers X-Forwarded-For (and X-Request-Id) is believed: none, any, or the listed proxies. */
  proxyTrust: ProxyTrust;
  /** True when PUBLIC_URL is https: cookies get `Secure` and responses HSTS. */
  secure: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  runWorker: boolean;
  jobs: { retryLimit: number; retryDelaySeconds: number; expireInSeconds: number };
  /** Requests per minute per API key. */
  apiRateLimit: number;
  setupToken: string | undefined;
  sso: SsoConfig | undefined;
  /** /metrics: on the main port with the bearer token, and/or on a port of its own bound to 127.0.0.1. */
  metrics: { token: string | undefined; port: number | undefined };
  /** The scheduled backup: its folder (absolute), how many verified files are kept, and its cron (UTC). */
  backup: { dir: string; keep: number; schedule: string };
}

const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function ssoConfig(values: z.infer<typeof environmentSchema>): SsoConfig | undefined {
  const parts = { OIDC_ISSUER: values.OIDC_ISSUER, OIDC_CLIENT_ID: values.OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: values.OIDC_CLIENT_SECRET };
  const missing = Object.entries(parts).filter(([, value]) => !value);
  if (missing.length === 3) {
    if (values.OIDC_ONLY)
      throw new ConfigError(
        'Invalid environment variable OIDC_ONLY: SSO-only mode needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET',
      );
    return undefined;
  }
  const [firstMissing] = missing;
  if (firstMissing)
    throw new ConfigError(
      `Invalid environment variable ${firstMissing[0]}: single sign-on needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together`,
    );
  const roleValues: Record<Role, string[]> = {
    owner: listOf(values.OIDC_OWNER_VALUES),
    admin: listOf(values.OIDC_ADMIN_VALUES),
    responder: listOf(values.OIDC_RESPONDER_VALUES),
    viewer: listOf(values.OIDC_VIEWER_VALUES),
  };
  if (Object.values(roleValues).every((list) => list.length === 0)) {
    throw new ConfigError(
      'Invalid environment variable OIDC_VIEWER_VALUES: map at least one claim value to a role (OIDC_OWNER_VALUES, OIDC_ADMIN_VALUES, OIDC_RESPONDER_VALUES or OIDC_VIEWER_VALUES)',
    );
  }
  return {
    issuer: values.OIDC_ISSUER ?? '',
    clientId: values.OIDC_CLIENT_ID ?? '',
    clientSecret: values.OIDC_CLIENT_SECRET ?? '',
    name: values.OIDC_NAME,
    roleClaim: values.OIDC_ROLE_CLAIM,
    roleValues,
    createUsers: values.OIDC_CREATE_USERS,
    only: values.OIDC_ONLY,
  };
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
  if (values.METRICS_PORT !== undefined && values.METRICS_PORT === values.PORT) {
    throw new ConfigError('Invalid environment variable METRICS_PORT: must be another port than PORT');
  }
  return {
    host: values.HOST,
    port: values.PORT,
    publicUrl,
    dataDir: path.resolve(values.DATA_DIR),
    dataDirAsGiven: values.DATA_DIR,
    databaseUrl: values.DATABASE_URL,
    logLevel: values.LOG_LEVEL,
    proxyTrust: values.TRUST_PROXY,
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
    setupToken: values.HERALD_SETUP_TOKEN,
    sso: ssoConfig(values),
    metrics: { token: values.METRICS_TOKEN, port: values.METRICS_PORT },
    backup: {
      dir: path.resolve(values.BACKUP_DIR ?? path.join(values.DATA_DIR, 'backups')),
      keep: values.BACKUP_KEEP,
      schedule: values.BACKUP_SCHEDULE,
    },
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed once from `process.env`. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

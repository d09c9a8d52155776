import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/lib/server/config';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

describe('parseConfig defaults', () => {
  const config = parseConfig({});

  it('listens on localhost:4321', () => {
    expect(config.host).toBe('localhost');
    expect(config.port).toBe(4321);
  });

  it('PUBLIC_URL defaults to http://localhost:4321 and is not secure', () => {
    expect(config.publicUrl).toBe('http://localhost:4321');
    expect(config.secure).toBe(false);
  });

  it('DATA_DIR defaults to ./data, resolved to an absolute path', () => {
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(path.resolve('data'));
  });

  it('there is no DATABASE_URL (the built-in database is used)', () => {
    expect(config.databaseUrl).toBeUndefined();
  });

  it('logs at info and does not trust a proxy', () => {
    expect(config.logLevel).toBe('info');
    expect(config.proxyTrust.kind).toBe('none');
  });
});

describe('parseConfig values', () => {
  it('the default PUBLIC_URL follows HOST and PORT', () => {
    expect(parseConfig({ HOST: 'status.lan', PORT: '8080' }).publicUrl).toBe('http://status.lan:8080');
  });

  it('HOST 0.0.0.0 still gives a PUBLIC_URL on localhost', () => {
    const config = parseConfig({ HOST: '0.0.0.0' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toBe('http://localhost:4321');
  });

  it('a trailing slash is removed from PUBLIC_URL', () => {
    expect(parseConfig({ PUBLIC_URL: 'http://status.example.com/' }).publicUrl).toBe('http://status.example.com');
    expect(parseConfig({ PUBLIC_URL: 'https://example.com/status//' }).publicUrl).toBe('https://example.com/status');
  });

  it('an https PUBLIC_URL makes the site secure', () => {
    const config = parseConfig({ PUBLIC_URL: 'https://status.example.com/' });
    expect(config.publicUrl).toBe('https://status.example.com');
    expect(config.secure).toBe(true);
  });

  it('an http PUBLIC_URL is not secure', () => {
    expect(parseConfig({ PUBLIC_URL: 'http://status.example.com' }).secure).toBe(false);
  });

  it('a relative DATA_DIR is resolved to an absolute path; an absolute one is kept', () => {
    expect(parseConfig({ DATA_DIR: 'var/herald' }).dataDir).toBe(path.resolve('var/herald'));
    expect(parseConfig({ DATA_DIR: '/srv/herald' }).dataDir).toBe(path.resolve('/srv/herald'));
  });

  it('postgres:// and postgresql:// DATABASE_URLs are accepted', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@db:5432/herald' }).databaseUrl).toBe('postgres://u:p@db:5432/herald');
    expect(parseConfig({ DATABASE_URL: 'postgresql://db/herald' }).databaseUrl).toBe('postgresql://db/herald');
  });

  it.each<[string, boolean]>([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('TRUST_PROXY=%s means %s', (value, expected) => {
    expect(parseConfig({ TRUST_PROXY: value }).proxyTrust.kind).toBe(expected ? 'any' : 'none');
  });

  it('TRUST_PROXY takes a comma-separated list of proxy addresses and CIDR ranges', () => {
    const config = parseConfig({ TRUST_PROXY: ' 10.0.0.0/8 ,192.168.1.1, ::1, fd00::/8' });
    const trust = config.proxyTrust;
    expect(trust.kind).toBe('listed');
    if (trust.kind !== 'listed') return;
    expect(trust.proxies.check('10.200.0.1', 'ipv4')).toBe(true);
    expect(trust.proxies.check('192.168.1.1', 'ipv4')).toBe(true);
    expect(trust.proxies.check('192.168.1.2', 'ipv4')).toBe(false);
    expect(trust.proxies.check('::1', 'ipv6')).toBe(true);
    expect(trust.proxies.check('fd12::3', 'ipv6')).toBe(true);
    expect(trust.proxies.check('2001:db8::1', 'ipv6')).toBe(false);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/8/1', 'proxy.example.com', '10.0.0.1,', '::1/129', '10.0.0.0/x', '10.0.0.1, maybe'])(
    'TRUST_PROXY=%s is refused with one line naming it',
    (value) => {
      const error = configError({ TRUST_PROXY: value });
      expect(error.message).toMatch(/^Invalid environment variable TRUST_PROXY: must be true, false, or a comma-separated list/);
      expect(error.message).not.toMatch(/[\r\n]/);
    },
  );

  it('PORT at the ends of its range is accepted', () => {
    expect(parseConfig({ PORT: '1' }).port).toBe(1);
    expect(parseConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('LOG_LEVEL takes one of the logger levels', () => {
    expect(parseConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(parseConfig({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });

  it('unrelated variables are ignored', () => {
    expect(() => parseConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'test' })).not.toThrow();
  });
});

describe('parseConfig errors', () => {
  it.each<[string, string]>([
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PUBLIC_URL', 'ftp://x'],
    ['PUBLIC_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'maybe'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['MAIL_FROM', 'not an address'],
    ['WORKER', 'sometimes'],
    ['JOB_RETRY_LIMIT', '-1'],
    ['JOB_RETRY_DELAY_SECONDS', '0'],
    ['JOB_EXPIRE_SECONDS', '1'],
  ])('%s=%s throws a ConfigError whose message is one line naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message).toContain(variable);
    expect(error.message.startsWith(`Invalid environment variable ${variable}:`)).toBe(true);
    expect(error.message.length).toBeGreaterThan(`Invalid environment variable ${variable}: `.length);
  });

  it('a ConfigError is an Error', () => {
    expect(configError({ PORT: 'abc' })).toBeInstanceOf(Error);
  });
});

describe('parseConfig empty strings', () => {
  it('every variable set to an empty string counts as unset', () => {
    const config = parseConfig({
      HOST: '',
      PORT: '',
      PUBLIC_URL: '',
      DATA_DIR: '',
      DATABASE_URL: '',
      LOG_LEVEL: '',
      TRUST_PROXY: '',
    });
    expect(config).toEqual(parseConfig({}));
  });

  it('undefined values count as unset', () => {
    expect(parseConfig({ PORT: undefined, PUBLIC_URL: undefined })).toEqual(parseConfig({}));
  });
});

describe('parseConfig mail settings', () => {
  it('sends from updates@<PUBLIC_URL host> unless MAIL_FROM says otherwise', () => {
    expect(parseConfig({ PUBLIC_URL: 'https://status.example.com' }).mailFrom).toBe('updates@status.example.com');
    expect(parseConfig({ MAIL_FROM: 'Example Status <news@example.com>' }).mailFrom).toBe('Example Status <news@example.com>');
  });

  it('needs the three DKIM variables together, naming the first one missing', () => {
    expect(() => parseConfig({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald' })).toThrow(/DKIM_PRIVATE_KEY/);
  });

  it('reads a DKIM key given as PEM text', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----';
    expect(parseConfig({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald', DKIM_PRIVATE_KEY: key }).dkim).toEqual({
      domainName: 'example.com',
      keySelector: 'herald',
      privateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    });
  });

  it('refuses a DKIM key path that cannot be read', () => {
    expect(() => parseConfig({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald', DKIM_PRIVATE_KEY: '/nonexistent/key.pem' })).toThrow(
      /DKIM_PRIVATE_KEY/,
    );
  });

  it('runs the worker in the web process unless WORKER=false', () => {
    expect(parseConfig({}).runWorker).toBe(true);
    expect(parseConfig({ WORKER: 'false' }).runWorker).toBe(false);
  });
});

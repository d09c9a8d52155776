import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AccountClaims, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID provider for the SSO tests: `oidc-provider` on a loopback port, with one
 * confidential client (Herald), PKCE required, and its development login page, which accepts
 * any login name with any password. Who the login name is comes from `accounts`, or else from
 * the name itself (`accountFromLogin`), so the browser tests need not register anyone.
 */

/** The claims an account has at the provider. */
interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: unknown;
}

/** The client Herald is registered as (the browser tests' playwright.config.ts repeats these). */
export const TEST_CLIENT = { clientId: 'herald-test', clientSecret: 'herald-test-client-secret-0123456789' } as const;

/** The groups an account gets from the first word of its login name; OIDC_<ROLE>_VALUES map them to roles. */
const GROUPS_BY_LOGIN_PREFIX: Record<string, string[]> = {
  owner: ['staff', 'herald-owners'],
  admin: ['staff', 'herald-admins'],
  responder: ['staff', 'oncall'],
  viewer: ['staff'],
  outsider: ['finance'],
};

/**
 * An account described by its login name alone: `responder-x1@example.test` is in the groups of
 * `responder` (an unknown first word gives none), with that verified email and the name "Responder X1".
 */
function accountFromLogin(login: string): TestAccount {
  const email = (login.includes('@') ? login : `${login}@sso.test`).toLowerCase();
  const words = email.split('@')[0]!.split(/[-.]/).filter(Boolean);
  const name = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
  return { email, email_verified: true, name, groups: GROUPS_BY_LOGIN_PREFIX[words[0] ?? ''] ?? [] };
}

export interface TestOidcProvider {
  issuer: string;
  /** Accounts by login name (the `sub`), which may be changed between sign-ins. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export async function startOidcProvider(options: {
  redirectUris: string[];
  /** A fixed port (the browser tests'); a free one when omitted. */
  port?: number;
  /** Put the profile claims in the ID token too; by default (as at many providers) they come from userinfo only. */
  claimsInIdToken?: boolean;
}): Promise<TestOidcProvider> {
  const accounts = new Map<string, TestAccount>();
  // The issuer names the port, so the provider is made once the server listens, and then answers its requests.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT.clientId,
        client_secret: TEST_CLIENT.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    conformIdTokenClaims: !options.claimsInIdToken,
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    ttl: { AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_context, id) {
      const account = accounts.get(id) ?? accountFromLogin(id);
      return { accountId: id, claims: (): AccountClaims => ({ sub: id, ...account }) };
    },
    // Herald is a first-party client: the user is never asked to consent to the standard scopes.
    async loadExistingGrant(context: KoaContextWithOIDC) {
      const { client, session, result, provider: self } = context.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return self.Grant.find(grantId);
      const grant = new self.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());

  return {
    issuer,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies by name, kept by hand between the provider's redirects (it scopes them by path, which this ignores). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Goes through the provider's pages as a browser would, from Herald's authorization URL: signs
 * in as `login` at the login page (or, with `cancel`, presses its Cancel link), and returns
 * where the provider sends the browser back to, Herald's callback with the code or the error.
 */
export async function signInAtProvider(authorizationUrl: URL, login: string, options: { cancel?: boolean } = {}): Promise<URL> {
  const jar = new CookieJar();
  const send = async (url: URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('cookie', jar.header());
    const response = await fetch(url, { ...init, redirect: 'manual', headers });
    jar.keep(response);
    return response;
  };
  let url = authorizationUrl;
  let response = await send(url);
  for (let step = 0; step < 10; step += 1) {
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.origin !== authorizationUrl.origin) return next;
      url = next;
      response = await send(url);
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action || !page.includes('name="login"')) {
      throw new Error(`the provider answered ${response.status} at ${url.href}: ${page.slice(0, 300)}`);
    }
    const form = new URL(action, url);
    response = options.cancel
      ? await send(new URL(`${form.pathname}/abort`, url))
      : await send(form, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ prompt: 'login', login, password: 'any password' }).toString(),
        });
  }
  throw new Error('the provider redirected too many times');
}

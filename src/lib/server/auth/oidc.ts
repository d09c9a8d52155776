import * as oidc from 'openid-client';
import { z } from 'zod';
import type { SsoConfig } from '../config';
import { logger } from '../logger';

/** Why a user goes through the provider: to sign in, or to prove who they are again (/admin/confirm). */
export type SsoPurpose = 'sign-in' | 'reauth';

/** How long a started sign-in may take at the provider (the flow cookie's lifetime too). */
export const SSO_FLOW_TTL_MS = 10 * 60 * 1000;

/** Only the standard scopes: providers refuse unknown ones (the role claim is configured at the provider, see README). */
const SCOPES = 'openid email profile';

/** What the short-lived flow cookie carries from the start of a sign-in to its callback. */
const flowStateSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43),
  next: z.string(),
  purpose: z.enum(['sign-in', 'reauth']),
  expiresAt: z.number().int(),
});
export type SsoFlowState = z.infer<typeof flowStateSchema>;

/** What Herald learns about the user from the provider (the ID token, completed by userinfo). */
export interface SsoIdentity {
  /** `<issuer> <sub>`: the account at the provider, stable across email changes. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The configured role claim as the provider sent it (a string, an array, or anything). */
  roleClaim: unknown;
}

/** A flow that cannot go on: `unreachable` is the provider's fault (503), `invalid` the answer's (400). */
export interface SsoFlowFailure {
  reason: 'unreachable' | 'invalid';
  message: string;
}

type SsoOutcome<T> = ({ ok: true } & T) | { ok: false; failure: SsoFlowFailure };

type Provider = Pick<SsoConfig, 'issuer' | 'clientId' | 'clientSecret' | 'name'>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

let discovered: { key: string; configuration: Promise<oidc.Configuration> } | undefined;

function discover(provider: Provider): Promise<oidc.Configuration> {
  const issuer = new URL(provider.issuer);
  // openid-client speaks only https to a provider. A provider on this machine (the tests' own,
  // or one being tried out) may use plain http; anything else must be https.
  const execute = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname) ? [oidc.allowInsecureRequests] : [];
  return oidc.discovery(issuer, provider.clientId, provider.clientSecret, undefined, { execute, timeout: 10 });
}

/** The provider's discovered configuration, fetched once per process; a failed discovery is tried again next time. */
function providerConfiguration(provider: Provider): Promise<oidc.Configuration> {
  const key = JSON.stringify([provider.issuer, provider.clientId, provider.clientSecret]);
  if (discovered?.key !== key) {
    const configuration = discover(provider);
    const entry = { key, configuration };
    discovered = entry;
    void configuration.catch(() => {
      if (discovered === entry) discovered = undefined;
    });
  }
  return discovered.configuration;
}

function unreachable(provider: Provider, error: unknown): { ok: false; failure: SsoFlowFailure } {
  logger().warn({ err: error, issuer: provider.issuer }, 'single sign-on: the OpenID provider could not be reached');
  return {
    ok: false,
    failure: {
      reason: 'unreachable',
      message: `Herald could not reach ${provider.name}. Try again in a moment; if it keeps failing, an admin should check the OIDC_* settings.`,
    },
  };
}

function invalid(message: string): { ok: false; failure: SsoFlowFailure } {
  return { ok: false, failure: { reason: 'invalid', message } };
}

/** A request that never got an answer (refused connection, DNS, timeout), as opposed to a wrong answer. */
function isNetworkFailure(error: unknown): boolean {
  if (error instanceof oidc.ClientError) return error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT';
  return error instanceof TypeError && error.message === 'fetch failed';
}

/** The flow state as cookie text (base64url JSON: nothing in it is secret from the browser that holds it). */
export function encodeFlowState(flow: SsoFlowState): string {
  return Buffer.from(JSON.stringify(flow)).toString('base64url');
}

/** The flow state a cookie holds; null when it is missing or not one of ours. */
export function decodeFlowState(text: string | undefined): SsoFlowState | null {
  if (!text) return null;
  try {
    const parsed = flowStateSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Starts a sign-in: the provider's authorization URL (code flow with PKCE S256, state and nonce)
 * and the flow state to keep in the browser until the callback. Re-authentication asks the
 * provider to make the user sign in again (`prompt=login`, `max_age=0`).
 */
export async function beginSsoFlow(
  provider: Provider,
  redirectUri: string,
  request: { next: string; purpose: SsoPurpose },
  now: Date,
): Promise<SsoOutcome<{ url: URL; flow: SsoFlowState }>> {
  let configuration: oidc.Configuration;
  try {
    configuration = await providerConfiguration(provider);
  } catch (error) {
    return unreachable(provider, error);
  }
  const flow: SsoFlowState = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    next: request.next,
    purpose: request.purpose,
    expiresAt: now.getTime() + SSO_FLOW_TTL_MS,
  };
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: SCOPES,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (request.purpose === 'reauth') Object.assign(parameters, { prompt: 'login', max_age: '0' });
  return { ok: true, url: oidc.buildAuthorizationUrl(configuration, parameters), flow };
}

/** The provider's own `?error=` on the callback, in words; its free-text description is not shown (anyone can write one into a link). */
function providerRefusal(provider: Provider, error: string): string {
  if (error === 'access_denied') return `${provider.name} did not sign you in (access denied). Start again if you meant to sign in.`;
  if (error === 'login_required' || error === 'interaction_required')
    return `${provider.name} needs you to sign in there first. Start again and sign in at ${provider.name}.`;
  const code = /^[a-z_]{1,60}$/.test(error) ? error : 'unknown_error';
  return `${provider.name} could not sign you in (${code}). Start again; if it keeps failing, an admin should check the Herald client at ${provider.name}.`;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The claims Herald reads, from the ID token, and from userinfo for those the ID token leaves out. */
async function readIdentity(
  configuration: oidc.Configuration,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  roleClaim: string,
): Promise<SsoIdentity> {
  // expectedNonce makes openid-client require and validate an ID token, so this never throws.
  const idToken = tokens.claims();
  if (!idToken) throw new Error('the token response has no ID token');
  let claims: Record<string, unknown> = idToken;
  const wanted = [roleClaim, 'email', 'email_verified', 'name'];
  if (wanted.some((claim) => !(claim in idToken)) && configuration.serverMetadata().userinfo_endpoint) {
    // Userinfo answers for the same subject (openid-client checks `sub`); the ID token's own claims win.
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
    claims = { ...userinfo, ...idToken };
  }
  const email = stringClaim(claims.email)?.toLowerCase() ?? null;
  return {
    subject: `${idToken.iss} ${idToken.sub}`,
    email,
    // Some providers send the boolean as a string.
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    name: stringClaim(claims.name),
    roleClaim: claims[roleClaim],
  };
}

/**
 * Finishes a sign-in at the callback: checks the flow state against the answer, exchanges the
 * code (with the PKCE verifier), and lets openid-client validate the ID token (signature,
 * issuer, audience, expiry, nonce, and for re-authentication a fresh `auth_time`).
 */
export async function completeSsoFlow(
  provider: Provider & Pick<SsoConfig, 'roleClaim'>,
  callbackUrl: URL,
  flow: SsoFlowState | null,
  now: Date,
): Promise<SsoOutcome<{ identity: SsoIdentity; flow: SsoFlowState }>> {
  const providerError = callbackUrl.searchParams.get('error');
  if (providerError !== null) return invalid(providerRefusal(provider, providerError));
  if (!flow || flow.expiresAt <= now.getTime() || callbackUrl.searchParams.get('state') !== flow.state) {
    return invalid(
      'This sign-in could not be verified: it expired, or it was started in another browser or tab. Start again from the sign-in page.',
    );
  }
  let configuration: oidc.Configuration;
  try {
    configuration = await providerConfiguration(provider);
  } catch (error) {
    return unreachable(provider, error);
  }
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      pkceCodeVerifier: flow.codeVerifier,
      ...(flow.purpose === 'reauth' ? { maxAge: 0 } : {}),
    });
    return { ok: true, identity: await readIdentity(configuration, tokens, provider.roleClaim), flow };
  } catch (error) {
    if (isNetworkFailure(error)) return unreachable(provider, error);
    logger().warn({ err: error, issuer: provider.issuer }, 'single sign-on: the answer from the provider was refused');
    if (error instanceof oidc.ResponseBodyError) {
      return invalid(
        `${provider.name} did not accept this sign-in (${error.error}): it may have been used already or expired. Start again.`,
      );
    }
    if (error instanceof oidc.AuthorizationResponseError) return invalid(providerRefusal(provider, error.error));
    return invalid(`${provider.name}'s answer could not be verified, so nobody was signed in. Start again.`);
  }
}

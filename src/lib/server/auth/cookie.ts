import { config } from '../config';

/**
 * A cookie's name: under https it carries the `__Host-` prefix, which browsers accept only when
 * Secure, for path / and without a Domain, so no other subdomain can plant one.
 */
function hostCookieName(name: string): string {
  return config().secure ? `__Host-${name}` : name;
}

/**
 * Every staff cookie: HttpOnly, SameSite=Lax, and Secure whenever PUBLIC_URL is https. Deleting
 * one needs the same attributes: a browser ignores a `__Host-` Set-Cookie without Secure.
 */
export function staffCookieAttributes() {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config().secure };
}

export function staffCookieOptions(expires: Date) {
  return { ...staffCookieAttributes(), expires };
}

export const sessionCookieName = () => hostCookieName('herald_session');

/** The half-finished sign-in waiting for its second factor (10 minutes). */
export const pendingSignInCookieName = () => hostCookieName('herald_sign_in');

/** The device cookie: this browser signed in to the account before (see services/access/known-devices.ts). */
export const deviceCookieName = () => hostCookieName('herald_device');

/** The single sign-on flow under way (state, nonce, PKCE verifier), for 10 minutes. */
export const ssoFlowCookieName = () => hostCookieName('herald_sso');

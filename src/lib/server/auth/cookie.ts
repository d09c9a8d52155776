import { config } from '../config';

/**
 * The session cookie's name: under https it carries the `__Host-` prefix, which browsers accept
 * only when Secure, for path / and without a Domain, so no other subdomain can plant one.
 */
export function sessionCookieName(): string {
  return config().secure ? '__Host-herald_session' : 'herald_session';
}

/** HttpOnly, SameSite=Lax, and Secure whenever PUBLIC_URL is https. */
export function sessionCookieOptions(expires: Date) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config().secure, expires };
}

import { config } from '../config';

/** HttpOnly, SameSite=Lax, and Secure whenever PUBLIC_URL is https. */
export function sessionCookieOptions(expires: Date) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config().secure, expires };
}

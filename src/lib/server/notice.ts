import type { AstroCookies } from 'astro';
import { config } from './config';

/** The one-time message a form leaves for the page it redirects to, in a short-lived cookie. */
const NOTICE_COOKIE = 'herald_notice';

export function setNotice(cookies: AstroCookies, notice: string): void {
  cookies.set(NOTICE_COOKIE, notice.slice(0, 300), { path: '/', httpOnly: true, sameSite: 'lax', secure: config().secure, maxAge: 60 });
}

/** The one-time message left by the previous form, removed once read. */
export function takeNotice(cookies: AstroCookies): string | null {
  const notice = cookies.get(NOTICE_COOKIE)?.value ?? null;
  if (notice !== null) cookies.delete(NOTICE_COOKIE, { path: '/' });
  return notice;
}

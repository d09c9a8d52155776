import { sessionCookieName, staffCookieAttributes, staffCookieOptions } from '../lib/server/auth/cookie';
import { createSession, invalidateSession, type SignInMethod } from '../lib/server/auth/session';
import { sessionCookieExpiry } from '../lib/domain/session-policy';
import { getSecurityPolicy } from '../lib/server/services/access/security-policy';
import { statusOfFailure } from '../lib/server/http';
import type { ServiceFailure } from '../lib/server/services/kernel/errors';
import { config } from '../lib/server/config';
import { createFirstOwner } from '../lib/server/services/access/setup';
import { readForm, type FormRequest } from './form';
import { setNotice } from '../lib/server/notice';
import { fieldText, type FormFailure } from './posted';

/** Only a path on this site is a safe place to return to after signing in. */
export function safeNextPath(next: string | null | undefined): string {
  // Browsers ignore tabs and newlines in URLs and read `\` as `/`, so `/\t/evil.com` would leave the site.
  if (!next || !/^\/(?![/\\])/.test(next) || hasUnsafeUrlCharacter(next)) return '/admin';
  return next;
}

/** Whether the text has a control character, a space, a backslash or DEL (U+0000–U+0020, U+005C, U+007F). */
function hasUnsafeUrlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code === 0x5c || code === 0x7f) return true;
  }
  return false;
}

export async function readPostedForm(request: Request) {
  return (await readForm(request)) ?? {};
}

export function failure(
  intent: string,
  status: number,
  message: string,
  values: Record<string, unknown>,
  fieldErrors: Record<string, string> = {},
): FormFailure {
  // Passwords are never sent back into a page.
  const { password: _password, confirmPassword: _confirm, ...safeValues } = values;
  return { intent, status, message, fieldErrors, values: safeValues };
}

/** Signs the user in: a new session, told how it began and from where, in the session cookie. */
export async function startSession(astro: FormRequest, userId: string, method: SignInMethod): Promise<void> {
  const { db, clock } = astro.locals.context;
  const policy = await getSecurityPolicy(db);
  const origin = { method, userAgent: astro.request.headers.get('user-agent') ?? '', address: astro.locals.clientAddress };
  const { token, times } = await createSession(db, userId, clock.now(), origin);
  astro.cookies.set(sessionCookieName(), token, staffCookieOptions(sessionCookieExpiry(times, policy.session)));
}

export async function signOut(astro: FormRequest): Promise<Response> {
  if (astro.locals.sessionId) await invalidateSession(astro.locals.context.db, astro.locals.sessionId);
  astro.cookies.delete(sessionCookieName(), staffCookieAttributes());
  setNotice(astro.cookies, 'You are signed out.');
  return astro.redirect('/login', 303);
}

/** The failure a form shows for a failed service result; null on success. */
function failureOf(intent: string, values: Record<string, unknown>, serviceFailure: ServiceFailure): FormFailure {
  const fieldErrors = 'fieldErrors' in serviceFailure ? serviceFailure.fieldErrors : {};
  return failure(intent, statusOfFailure(serviceFailure), serviceFailure.message, values, fieldErrors);
}

/** Creates the owner account on first run, for the holder of the setup token, and signs them in. */
export async function setUpOwner(astro: FormRequest): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const result = await createFirstOwner(
    astro.locals.context,
    {
      setupToken: fieldText(values.setupToken),
      email: fieldText(values.email),
      name: fieldText(values.name),
      password: fieldText(values.password),
      confirmPassword: fieldText(values.confirmPassword),
    },
    { clientKey: astro.locals.clientKey, configuredToken: config().setupToken },
  );
  if (!result.ok) {
    if ('throttled' in result) return failure('setup', 429, result.throttled.message, values);
    // The only `forbidden` answer is a wrong setup token: said beside its field.
    const { failure: refused } = result;
    if (refused.kind === 'forbidden') return failure('setup', 403, refused.message, values, { setupToken: refused.message });
    return failureOf('setup', values, refused);
  }
  await startSession(astro, result.value.id, 'password');
  setNotice(astro.cookies, 'Welcome to Herald. Start by adding the components your customers rely on.');
  return astro.redirect('/admin/components', 303);
}

import { z } from 'zod';
import { sessionCookieName, sessionCookieOptions } from '../lib/server/auth/cookie';
import { clearRateLimit, consumeRateLimit, peekRateLimit, type RateLimitRule } from '../lib/server/auth/rate-limit';
import { createSession, invalidateSession, sessionCookieExpiry } from '../lib/server/auth/session';
import { statusOfFailure } from '../lib/server/http';
import type { ServiceFailure } from '../lib/server/services/kernel/errors';
import { authenticate, createFirstOwner, setPasswordWithToken } from '../lib/server/services/access/users';
import { readForm, type FormRequest } from './form';
import { setNotice } from '../lib/server/notice';
import { fieldText, type FormFailure } from './posted';

const WINDOW_MS = 15 * 60 * 1000;
/** Every attempt from one client address. */
const LOGIN_PER_ADDRESS: RateLimitRule = { limit: 20, windowMs: WINDOW_MS };
/**
 * Failed attempts on one account: strict from one address, looser from everywhere, so that a
 * stranger who knows a staff email cannot lock its owner out from another address.
 */
const FAILURES_PER_EMAIL_AND_ADDRESS: RateLimitRule = { limit: 10, windowMs: WINDOW_MS };
const FAILURES_PER_EMAIL: RateLimitRule = { limit: 100, windowMs: WINDOW_MS };
const GENERIC_LOGIN_ERROR = 'Email or password is incorrect.';

const loginInput = z.object({
  email: z.string().trim().min(1, 'Enter your email.').max(254, GENERIC_LOGIN_ERROR),
  password: z.string().min(1, 'Enter your password.').max(256, GENERIC_LOGIN_ERROR),
});

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

async function readPostedForm(request: Request) {
  return (await readForm(request)) ?? {};
}

function failure(
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

async function startSession(astro: FormRequest, userId: string): Promise<void> {
  const { db, clock } = astro.locals.context;
  const { token, times } = await createSession(db, userId, clock.now());
  astro.cookies.set(sessionCookieName(), token, sessionCookieOptions(sessionCookieExpiry(times)));
}

/** Signs in with one generic error for any wrong email or password, limited per address and per email. */
export async function signIn(astro: FormRequest, next: string | null): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const parsed = loginInput.safeParse(values);
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message]));
    return failure('login', 422, 'Please fill in both fields.', values, fieldErrors);
  }
  const { db, clock } = astro.locals.context;
  const now = clock.now();
  const email = parsed.data.email.toLowerCase();
  const address = astro.locals.clientAddress;
  const failureKeys = [
    [`login:failures:${email}|${address}`, FAILURES_PER_EMAIL_AND_ADDRESS],
    [`login:failures:${email}`, FAILURES_PER_EMAIL],
  ] as const;
  const tooMany = (retryAfterSeconds: number) => {
    const minutes = Math.ceil(retryAfterSeconds / 60);
    return failure('login', 429, `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, values);
  };
  const attempt = await consumeRateLimit(db, `login:address:${address}`, LOGIN_PER_ADDRESS, now);
  if (!attempt.allowed) return tooMany(attempt.retryAfterSeconds);
  for (const [key, rule] of failureKeys) {
    const verdict = await peekRateLimit(db, key, rule, now);
    if (!verdict.allowed) return tooMany(verdict.retryAfterSeconds);
  }
  const user = await authenticate(astro.locals.context, email, parsed.data.password);
  if (!user) {
    for (const [key, rule] of failureKeys) await consumeRateLimit(db, key, rule, now);
    return failure('login', 401, GENERIC_LOGIN_ERROR, values);
  }
  await clearRateLimit(db, failureKeys[0][0]);
  await startSession(astro, user.id);
  return astro.redirect(safeNextPath(next), 303);
}

export async function signOut(astro: FormRequest): Promise<Response> {
  if (astro.locals.sessionId) await invalidateSession(astro.locals.context.db, astro.locals.sessionId);
  astro.cookies.delete(sessionCookieName(), { path: '/' });
  setNotice(astro.cookies, 'You are signed out.');
  return astro.redirect('/login', 303);
}

/** The failure a form shows for a failed service result; null on success. */
function failureOf(intent: string, values: Record<string, unknown>, serviceFailure: ServiceFailure): FormFailure {
  const fieldErrors = 'fieldErrors' in serviceFailure ? serviceFailure.fieldErrors : {};
  return failure(intent, statusOfFailure(serviceFailure), serviceFailure.message, values, fieldErrors);
}

/** Creates the owner account on first run and signs them in. */
export async function setUpOwner(astro: FormRequest): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const result = await createFirstOwner(astro.locals.context, {
    email: fieldText(values.email),
    name: fieldText(values.name),
    password: fieldText(values.password),
    confirmPassword: fieldText(values.confirmPassword),
  });
  if (!result.ok) return failureOf('setup', values, result.failure);
  await startSession(astro, result.value.id);
  setNotice(astro.cookies, 'Welcome to Herald. Start by adding the components your customers rely on.');
  return astro.redirect('/admin/components', 303);
}

/** Sets a password from a one-time link, then signs the user in. */
export async function setPassword(astro: FormRequest, token: string): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const result = await setPasswordWithToken(astro.locals.context, token, {
    password: fieldText(values.password),
    confirmPassword: fieldText(values.confirmPassword),
  });
  if (!result.ok) return failureOf('set-password', values, result.failure);
  await startSession(astro, result.value.userId);
  setNotice(astro.cookies, 'Your password is set.');
  return astro.redirect('/admin', 303);
}

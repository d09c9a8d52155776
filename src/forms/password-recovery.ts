import { config } from '../lib/server/config';
import { statusOfFailure } from '../lib/server/http';
import { setNotice } from '../lib/server/notice';
import { changeOwnPassword, requestPasswordReset } from '../lib/server/services/access/password-recovery';
import { setPasswordWithToken } from '../lib/server/services/access/passwords';
import type { Throttled } from '../lib/server/services/access/throttling';
import { labelOf } from '../lib/server/services/access/users';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import { startSession } from './auth';
import { readForm, type FormRequest } from './form';
import { fieldText, type FormFailure, type FormValues } from './posted';

/** The one answer /forgot-password gives, whether or not the address has an account. */
const RESET_REQUESTED_NOTICE = 'If an account exists for that address, we sent a link. It works for 1 hour.';

/** A failed form; password fields are never sent back into a page. */
function failed(intent: string, values: FormValues, result: { ok: false } & (ServiceResult<never> | Throttled)): FormFailure {
  const { password: _password, confirmPassword: _confirm, currentPassword: _current, ...safeValues } = values;
  if ('throttled' in result) return { intent, status: 429, message: result.throttled.message, fieldErrors: {}, values: safeValues };
  const fieldErrors = 'fieldErrors' in result.failure ? result.failure.fieldErrors : {};
  return { intent, status: statusOfFailure(result.failure), message: result.failure.message, fieldErrors, values: safeValues };
}

const userAgentOf = (astro: FormRequest) => astro.request.headers.get('user-agent') ?? '';

/** /forgot-password: asks for a reset link; the same answer whatever the address (see requestPasswordReset). */
export async function requestReset(astro: FormRequest): Promise<Response | FormFailure> {
  const values = (await readForm(astro.request)) ?? {};
  const result = await requestPasswordReset(
    astro.locals.context,
    { email: fieldText(values.email) },
    { clientKey: astro.locals.clientKey, address: astro.locals.clientAddress, userAgent: userAgentOf(astro) },
  );
  if (!result.ok) return failed('forgot-password', values, result);
  setNotice(astro.cookies, RESET_REQUESTED_NOTICE);
  return astro.redirect('/forgot-password', 303);
}

/**
 * /set-password/<token>: sets the password from the link. The user is signed in at once unless
 * signing in needs more than a password (a second factor, or SSO-only mode): an emailed link
 * must never stand in for those, so they sign in on /login with the new password.
 */
export async function setPasswordFromLink(astro: FormRequest, token: string): Promise<Response | FormFailure> {
  const values = (await readForm(astro.request)) ?? {};
  const { context } = astro.locals;
  const result = await setPasswordWithToken(
    context,
    token,
    { password: fieldText(values.password), confirmPassword: fieldText(values.confirmPassword) },
    { address: astro.locals.clientAddress },
  );
  if (!result.ok) return failed('set-password', values, result);
  const { userId, purpose, hasSecondFactor } = result.value;
  const what = purpose === 'reset' ? 'Your new password is set and every earlier session was signed out.' : 'Your password is set.';
  if (hasSecondFactor || config().sso?.only) {
    setNotice(astro.cookies, `${what} Sign in with it now.`);
    return astro.redirect('/login', 303);
  }
  await startSession(astro, userId, 'password');
  setNotice(astro.cookies, what);
  return astro.redirect('/admin', 303);
}

/** /admin/account/password: the signed-in user changes their own password; this session stays. */
export async function changePassword(astro: FormRequest): Promise<Response | FormFailure | null> {
  if (astro.request.method !== 'POST') return null;
  const { user, sessionId } = astro.locals;
  if (!user || !sessionId) return astro.redirect('/login', 303);
  const values = (await readForm(astro.request)) ?? {};
  const result = await changeOwnPassword(
    astro.locals.context,
    { userId: user.id, label: labelOf(user), role: user.role },
    sessionId,
    {
      currentPassword: fieldText(values.currentPassword),
      password: fieldText(values.password),
      confirmPassword: fieldText(values.confirmPassword),
    },
    { address: astro.locals.clientAddress },
  );
  if (!result.ok) return failed('change-password', values, result);
  setNotice(astro.cookies, 'Your password is changed. Every other session of yours was signed out, and you were emailed about it.');
  return astro.redirect('/admin/account/password', 303);
}

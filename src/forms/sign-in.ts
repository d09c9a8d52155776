import { z } from 'zod';
import { deviceCookieName, pendingSignInCookieName, staffCookieAttributes, staffCookieOptions } from '../lib/server/auth/cookie';
import { KNOWN_DEVICE_TTL_MS } from '../lib/server/services/access/known-devices';
import { findPendingSignIn, PENDING_SIGN_IN_TTL_MS, type PendingSignIn } from '../lib/server/services/access/pending-sign-in';
import { finishSignIn, signInWithPassword, type SecondFactorProof, type SignInClient } from '../lib/server/services/access/sign-in';
import { config } from '../lib/server/config';
import { setNotice } from '../lib/server/notice';
import { failure, readPostedForm, safeNextPath, startSession } from './auth';
import type { FormRequest } from './form';
import { fieldText, type FormFailure } from './posted';

const GENERIC_LOGIN_ERROR = 'Email or password is incorrect.';

const loginInput = z.object({
  email: z.string().trim().min(1, 'Enter your email.').max(254, GENERIC_LOGIN_ERROR),
  password: z.string().min(1, 'Enter your password.').max(256, GENERIC_LOGIN_ERROR),
});

function clientOf(astro: FormRequest): SignInClient {
  return {
    clientKey: astro.locals.clientKey,
    address: astro.locals.clientAddress,
    userAgent: astro.request.headers.get('user-agent') ?? '',
    deviceToken: astro.cookies.get(deviceCookieName())?.value,
  };
}

function tooMany(intent: string, retryAfterSeconds: number, values: Record<string, unknown>): FormFailure {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return failure(intent, 429, `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, values);
}

function rememberThisDevice(astro: FormRequest, deviceToken: string): void {
  const now = astro.locals.context.clock.now();
  astro.cookies.set(deviceCookieName(), deviceToken, staffCookieOptions(new Date(now.getTime() + KNOWN_DEVICE_TTL_MS)));
}

/** Signs in with one generic error for any wrong email or password; a user with a second factor goes on to give it. */
export async function signIn(astro: FormRequest, next: string | null): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const parsed = loginInput.safeParse(values);
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message]));
    return failure('login', 422, 'Please fill in both fields.', values, fieldErrors);
  }
  const nextPath = safeNextPath(next);
  const outcome = await signInWithPassword(astro.locals.context, { ...parsed.data, next: nextPath }, clientOf(astro));
  switch (outcome.kind) {
    case 'failed':
      return failure('login', 401, GENERIC_LOGIN_ERROR, values);
    case 'throttled':
      return tooMany('login', outcome.retryAfterSeconds, values);
    case 'sso_only':
      return failure('login', 403, `Password sign-in is turned off here: sign in with ${config().sso?.name ?? 'single sign-on'}.`, values);
    case 'second_factor': {
      const expires = new Date(astro.locals.context.clock.now().getTime() + PENDING_SIGN_IN_TTL_MS);
      astro.cookies.set(pendingSignInCookieName(), outcome.pendingToken, staffCookieOptions(expires));
      return astro.redirect('/login/second-factor', 303);
    }
    case 'signed_in':
      rememberThisDevice(astro, outcome.deviceToken);
      await startSession(astro, outcome.userId, 'password');
      return astro.redirect(nextPath, 303);
  }
}

/** The half-finished sign-in of this browser, if it is still open. */
export async function currentPendingSignIn(astro: FormRequest): Promise<PendingSignIn | null> {
  const { db, clock } = astro.locals.context;
  return findPendingSignIn(db, astro.cookies.get(pendingSignInCookieName())?.value, clock.now());
}

function proofOf(values: Record<string, unknown>): SecondFactorProof | null {
  switch (values.intent) {
    case 'totp':
      return { method: 'totp', code: fieldText(values.code) };
    case 'recovery_code':
      return { method: 'recovery_code', code: fieldText(values.recoveryCode) };
    case 'passkey':
      return { method: 'passkey', credential: fieldText(values.credential) };
    default:
      return null;
  }
}

const wrongProof: Record<SecondFactorProof['method'], string> = {
  totp: 'That code is not right. Enter the newest 6-digit code from your app.',
  recovery_code: 'That recovery code is not right, or was used already.',
  passkey: 'The passkey could not be verified. Try again, or use another factor.',
};

/** The second step: a code from the app, a recovery code or a passkey finishes the sign-in. */
export async function giveSecondFactor(astro: FormRequest, pending: PendingSignIn): Promise<Response | FormFailure> {
  const values = await readPostedForm(astro.request);
  const proof = proofOf(values);
  const intent = fieldText(values.intent) || 'totp';
  if (!proof) return failure(intent, 400, 'Unknown form action.', {});
  const field = proof.method === 'totp' ? 'code' : 'recoveryCode';
  if (proof.method !== 'passkey' && proof.code.trim() === '')
    return failure(intent, 422, 'Enter the code.', {}, { [field]: 'Enter the code.' });
  const outcome = await finishSignIn(astro.locals.context, pending, proof, clientOf(astro));
  switch (outcome.kind) {
    case 'throttled':
      return tooMany(intent, outcome.retryAfterSeconds, {});
    case 'failed':
      if (!outcome.canRetry) {
        astro.cookies.delete(pendingSignInCookieName(), staffCookieAttributes());
        setNotice(astro.cookies, 'Too many wrong codes. Sign in again with your password.');
        return astro.redirect('/login', 303);
      }
      return failure(intent, 401, wrongProof[proof.method], {}, proof.method === 'passkey' ? {} : { [field]: wrongProof[proof.method] });
    case 'signed_in':
      astro.cookies.delete(pendingSignInCookieName(), staffCookieAttributes());
      rememberThisDevice(astro, outcome.deviceToken);
      await startSession(astro, outcome.userId, outcome.method);
      return astro.redirect(safeNextPath(outcome.next), 303);
  }
}

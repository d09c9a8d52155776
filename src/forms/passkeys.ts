import { recentlyVerified } from '../lib/domain/session-policy';
import { addPasskey, passkeyAuthenticationOptions, passkeyRegistrationOptions } from '../lib/server/services/access/passkeys';
import { firstRecoveryCodes } from '../lib/server/services/access/second-factors';
import { invalid } from '../lib/server/services/kernel/errors';
import type { ShownRecoveryCodes } from './account';
import type { FormHandler, FormRequest } from './form';
import { fieldText as text } from './posted';
import { currentPendingSignIn } from './sign-in';

/**
 * Passkeys in the browser: the add form's handler, and the JSON answers the pages' scripts fetch
 * before they ask the browser for a passkey (src/components/auth/passkey-ceremony.ts).
 */

const NEEDS_JAVASCRIPT = 'Adding a passkey needs JavaScript: turn it on for this site, then try again.';

export const addPasskeyForm: FormHandler<ShownRecoveryCodes> = {
  role: 'viewer',
  reauthenticate: true,
  async run({ values, actor, context, sessionId }) {
    const credential = text(values.credential);
    // Without JavaScript the form is posted without the browser's answer.
    if (credential === '') return invalid({ credential: NEEDS_JAVASCRIPT }, NEEDS_JAVASCRIPT);
    // No session, no challenge: addPasskey refuses the answer as unverified.
    const result = await addPasskey(context, actor, sessionId ?? '', { name: text(values.name), credential });
    if (!result.ok) return result;
    const notice = `Passkey “${result.value.name}” added.`;
    const recoveryCodes = await firstRecoveryCodes(context.db, actor.userId, context.clock.now());
    if (recoveryCodes) return { ok: true, value: { shown: { notice, recoveryCodes } } };
    return { ok: true, value: { location: '/admin/account/security', notice } };
  },
};

/** A JSON answer no cache keeps (the options hold a one-time challenge). */
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

const notSignedIn = () => json(401, { message: 'You are signed out. Sign in again, then try once more.' });

/**
 * Options for adding a passkey, for the signed-in user. A user who must confirm it is them first
 * gets 403 before the browser makes a key the add form would then refuse to keep; the script
 * then posts the form, and handleForm sends them to confirm.
 */
export async function passkeyRegistrationOptionsAnswer(astro: FormRequest): Promise<Response> {
  const { user, sessionId, sessionVerifiedAt, context } = astro.locals;
  if (!user || !sessionId) return notSignedIn();
  if (!recentlyVerified(sessionVerifiedAt ?? new Date(0), context.clock.now()))
    return json(403, { message: 'For your security, confirm it is you first.', confirm: true });
  return json(200, await passkeyRegistrationOptions(context, { sessionId, userId: user.id, email: user.email, name: user.name }));
}

const NO_PASSKEY = { message: 'This account has no passkey. Use another way to prove it is you.' };

/** Options for the sign-in step after the password, for the half-finished sign-in in this browser's cookie. */
export async function pendingPasskeyOptionsAnswer(astro: FormRequest): Promise<Response> {
  const pending = await currentPendingSignIn(astro);
  if (!pending) return json(401, { message: 'This sign-in has expired. Sign in again with your password.' });
  const options = await passkeyAuthenticationOptions(astro.locals.context, {
    kind: 'pending',
    pendingId: pending.id,
    userId: pending.userId,
  });
  return options ? json(200, options) : json(404, NO_PASSKEY);
}

/** Options for re-authenticating with a passkey while signed in (the confirm page). */
export async function sessionPasskeyOptionsAnswer(astro: FormRequest): Promise<Response> {
  const { user, sessionId, context } = astro.locals;
  if (!user || !sessionId) return notSignedIn();
  const options = await passkeyAuthenticationOptions(context, { kind: 'session', sessionId, userId: user.id });
  return options ? json(200, options) : json(404, NO_PASSKEY);
}

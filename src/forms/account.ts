import { endUserSession, invalidateUserSessions } from '../lib/server/auth/session';
import { confirmIdentity, type IdentityProof } from '../lib/server/services/access/reauthentication';
import {
  confirmTotpEnrolment,
  regenerateRecoveryCodes,
  removeSecondFactor,
  startTotpEnrolment,
} from '../lib/server/services/access/second-factors';
import { updateSecurityPolicy } from '../lib/server/services/access/security-policy';
import type { Role } from '../lib/domain/roles';
import { failure, readPostedForm, safeNextPath } from './auth';
import type { FormHandler, FormRequest } from './form';
import { fieldText as text, type FormFailure } from './posted';
import { setNotice } from '../lib/server/notice';

/** Recovery codes just made, shown once in the answer to the POST. */
export interface ShownRecoveryCodes {
  notice: string;
  recoveryCodes: string[];
}

const SECURITY_PAGE = '/admin/account/security';

export const startTotpForm: FormHandler<ShownRecoveryCodes> = {
  role: 'viewer',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const result = await startTotpEnrolment(context, actor, { name: text(values.name) });
    if (!result.ok) return result;
    return { ok: true, value: { location: SECURITY_PAGE, notice: 'Scan the QR code with your app, then enter the code it shows.' } };
  },
};

export const confirmTotpForm: FormHandler<ShownRecoveryCodes> = {
  role: 'viewer',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const result = await confirmTotpEnrolment(context, actor, { factorId: text(values.factorId), code: text(values.code) });
    if (!result.ok) return result;
    const notice = `Authenticator app “${result.value.name}” added.`;
    if (result.value.recoveryCodes) return { ok: true, value: { shown: { notice, recoveryCodes: result.value.recoveryCodes } } };
    return { ok: true, value: { location: SECURITY_PAGE, notice } };
  },
};

export const removeFactorForm: FormHandler<ShownRecoveryCodes> = {
  role: 'viewer',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const result = await removeSecondFactor(context, actor, text(values.factorId));
    if (!result.ok) return result;
    return { ok: true, value: { location: SECURITY_PAGE, notice: `“${result.value.name}” removed.` } };
  },
};

export const regenerateRecoveryCodesForm: FormHandler<ShownRecoveryCodes> = {
  role: 'viewer',
  reauthenticate: true,
  async run({ actor, context }) {
    const result = await regenerateRecoveryCodes(context, actor);
    if (!result.ok) return result;
    return { ok: true, value: { shown: { notice: 'New recovery codes made; the old ones no longer work.', recoveryCodes: result.value } } };
  },
};

export const securityPolicyForm: FormHandler = {
  role: 'owner',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const posted = values.secondFactorRoles;
    const secondFactorRoles = (Array.isArray(posted) ? posted : posted === undefined ? [] : [posted]).map((role) => text(role) as Role);
    const result = await updateSecurityPolicy(context, actor, {
      idleMinutes: text(values.idleMinutes),
      absoluteHours: text(values.absoluteHours),
      secondFactorRoles,
    });
    if (!result.ok) return result;
    return { ok: true, value: { location: '/admin/settings/security', notice: 'Sign-in settings saved.' } };
  },
};

/** Signing out one other session, or all of them: ends sessions of the signed-in user only. */
export async function endSessions(astro: FormRequest): Promise<Response | FormFailure | null> {
  if (astro.request.method !== 'POST') return null;
  const values = await readPostedForm(astro.request);
  const { user, sessionId, context } = astro.locals;
  if (!user || !sessionId) return astro.redirect('/login', 303);
  if (values.intent === 'end-others') {
    await invalidateUserSessions(context.db, user.id, { except: sessionId });
    setNotice(astro.cookies, 'Every other session is signed out.');
    return astro.redirect('/admin/account/sessions', 303);
  }
  if (values.intent !== 'end-one') return failure('end-one', 400, 'Unknown form action.', {});
  const target = text(values.sessionId);
  if (target === sessionId) return failure('end-one', 400, 'To end this session, use Sign out.', {});
  const ended = await endUserSession(context.db, user.id, target);
  if (!ended) return failure('end-one', 404, 'That session has already ended.', {});
  setNotice(astro.cookies, 'That session is signed out.');
  return astro.redirect('/admin/account/sessions', 303);
}

function identityProofOf(values: Record<string, unknown>): IdentityProof | null {
  switch (values.intent) {
    case 'password':
      return { method: 'password', password: text(values.password) };
    case 'totp':
      return { method: 'totp', code: text(values.code) };
    case 'passkey':
      return { method: 'passkey', credential: text(values.credential) };
    default:
      return null;
  }
}

/** The confirm page: the password or a second factor again, then back to the change that asked for it. */
export async function confirmItIsYou(astro: FormRequest, next: string | null): Promise<Response | FormFailure | null> {
  if (astro.request.method !== 'POST') return null;
  const values = await readPostedForm(astro.request);
  const { user, sessionId, context } = astro.locals;
  if (!user || !sessionId) return astro.redirect('/login', 303);
  const proof = identityProofOf(values);
  const intent = text(values.intent);
  if (!proof) return failure(intent, 400, 'Unknown form action.', {});
  const client = { address: astro.locals.clientAddress, userAgent: astro.request.headers.get('user-agent') ?? '' };
  const result = await confirmIdentity(context, { userId: user.id, sessionId }, proof, client);
  if (!result.ok) {
    const fieldErrors = 'fieldErrors' in result.failure ? result.failure.fieldErrors : {};
    return failure(intent, 401, result.failure.message, {}, fieldErrors);
  }
  setNotice(astro.cookies, 'Thank you. For the next 5 minutes you can make sensitive changes.');
  return astro.redirect(safeNextPath(next), 303);
}

import { eq } from 'drizzle-orm';
import { consumeRateLimit, peekRateLimit } from '../../auth/rate-limit';
import { markSessionVerified } from '../../auth/session';
import { verifyPassword } from '../../auth/password';
import { user } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { verifyPasskey } from './passkeys';
import { factorKindsOf, verifyTotpCode } from './second-factors';
import { recordSignInEvent } from './sign-in-log';
import { labelOf } from './users';

/** Wrong answers on the confirm page per user: enough for typos, too few for guessing. */
const FAILURES_PER_USER = { limit: 10, windowMs: 15 * 60 * 1000 };

export type IdentityProof =
  { method: 'password'; password: string } | { method: 'totp'; code: string } | { method: 'passkey'; credential: string };

const wrongAnswer: Record<IdentityProof['method'], [field: string, message: string]> = {
  password: ['password', 'That password is not right.'],
  totp: ['code', 'That code is not right. Enter the newest 6-digit code from your app.'],
  passkey: ['form', 'The passkey could not be verified. Try again.'],
};

/** The ways this user can prove who they are again: their password, their factors, their SSO account. */
export async function identityProofsOf(context: ServiceContext, userId: string) {
  const [account] = await context.db
    .select({ passwordHash: user.passwordHash, ssoSubject: user.ssoSubject })
    .from(user)
    .where(eq(user.id, userId));
  return {
    hasPassword: Boolean(account?.passwordHash),
    hasSso: Boolean(account?.ssoSubject),
    kinds: await factorKindsOf(context.db, userId),
  };
}

/**
 * Re-authentication (ASVS V3.7.1): the signed-in user proves who they are again, with their
 * password or a second factor, before a sensitive change. Success marks the session verified now.
 */
export async function confirmIdentity(
  context: ServiceContext,
  signedIn: { userId: string; sessionId: string },
  proof: IdentityProof,
  client: { address: string; userAgent: string },
): Promise<ServiceResult<{ method: IdentityProof['method'] }>> {
  const now = context.clock.now();
  const [account] = await context.db.select().from(user).where(eq(user.id, signedIn.userId));
  if (!account) return notFound('Your account no longer exists.');
  const key = `reauth:${account.id}`;
  const budget = await peekRateLimit(context.db, key, FAILURES_PER_USER, now);
  if (!budget.allowed)
    return invalid({ form: `Too many wrong tries. Wait ${Math.ceil(budget.retryAfterSeconds / 60)} minutes.` }, 'Too many wrong tries.');
  const proved = await check(context, signedIn, proof, account.passwordHash, now);
  const [field, message] = wrongAnswer[proof.method];
  if (!proved) {
    await consumeRateLimit(context.db, key, FAILURES_PER_USER, now);
    await recordSignInEvent(
      context.db,
      {
        action: 'auth.second_factor_failed',
        userId: account.id,
        label: labelOf(account),
        ...client,
        detail: { method: proof.method, reauthentication: true },
      },
      now,
    );
    return invalid({ [field]: message }, message);
  }
  await markSessionVerified(context.db, signedIn.sessionId, now);
  await recordSignInEvent(
    context.db,
    { action: 'auth.reauthenticated', userId: account.id, label: labelOf(account), ...client, detail: { method: proof.method } },
    now,
  );
  return success({ method: proof.method });
}

async function check(
  context: ServiceContext,
  signedIn: { userId: string; sessionId: string },
  proof: IdentityProof,
  passwordHash: string | null,
  now: Date,
): Promise<boolean> {
  switch (proof.method) {
    case 'password':
      return passwordHash !== null && (await verifyPassword(passwordHash, proof.password));
    case 'totp':
      return verifyTotpCode(context.db, signedIn.userId, proof.code, now);
    case 'passkey':
      return (await verifyPasskey(context, { kind: 'session', sessionId: signedIn.sessionId, userId: signedIn.userId }, proof.credential))
        .ok;
  }
}

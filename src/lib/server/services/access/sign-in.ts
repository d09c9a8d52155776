import { eq, sql } from 'drizzle-orm';
import { clearRateLimit, consumeRateLimit, peekRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import type { SignInMethod } from '../../auth/session';
import { config } from '../../config';
import { user, type UserRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';
import { deviceStanding, recordDeviceFailure, rememberDevice, type DeviceStanding } from './known-devices';
import { verifyPasskey } from './passkeys';
import { createPendingSignIn, endPendingSignIn, recordPendingFailure, type PendingSignIn } from './pending-sign-in';
import { factorKindsOf, useRecoveryCode, verifyTotpCode } from './second-factors';
import { recordSignInEvent, type SignInEvent } from './sign-in-log';
import { authenticate, labelOf } from './users';

const MINUTE_MS = 60 * 1000;
/** Every attempt from one client (an IPv4 address, or an IPv6 /64). */
const ATTEMPTS_PER_CLIENT: RateLimitRule = { limit: 20, windowMs: 15 * MINUTE_MS };
/** Failures on one account from one client: the strict limit. */
const FAILURES_PER_ACCOUNT_AND_CLIENT: RateLimitRule = { limit: 10, windowMs: 15 * MINUTE_MS };
/**
 * Failures on one account from everywhere (ASVS V2.2.1: at most 100 an hour). Strangers can reach
 * it; a browser that signed in to the account before (a known device) is not held back by it.
 */
const FAILURES_PER_ACCOUNT: RateLimitRule = { limit: 100, windowMs: 60 * MINUTE_MS };

const THROTTLE_LOGGING: RateLimitRule = { limit: 1, windowMs: 15 * MINUTE_MS };

/** Who is trying to sign in, and from where. */
export interface SignInClient {
  /** The rate-limit key: the address, or its /64 for IPv6. */
  clientKey: string;
  address: string;
  userAgent: string;
  /** The device cookie, if the browser has one. */
  deviceToken: string | undefined;
}

export type SignInOutcome =
  | { kind: 'failed' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  /** SSO-only mode: the password was right, but this account must sign in with the identity provider. */
  | { kind: 'sso_only' }
  | { kind: 'second_factor'; pendingToken: string }
  | { kind: 'signed_in'; userId: string; deviceToken: string };

export type SecondFactorProof =
  { method: 'totp'; code: string } | { method: 'recovery_code'; code: string } | { method: 'passkey'; credential: string };

export type SecondFactorOutcome =
  | { kind: 'failed'; canRetry: boolean }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'signed_in'; userId: string; next: string; method: SignInMethod; deviceToken: string };

const methodOfProof: Record<SecondFactorProof['method'], SignInMethod> = {
  totp: 'password+totp',
  recovery_code: 'password+recovery_code',
  passkey: 'password+passkey',
};

async function findUserByEmail(context: ServiceContext, email: string): Promise<UserRow | undefined> {
  const [row] = await context.db
    .select()
    .from(user)
    .where(eq(sql`lower(${user.email})`, email));
  return row;
}

function eventOf(
  client: SignInClient,
  action: SignInEvent['action'],
  who: { userId: string | null; label: string },
  detail?: SignInEvent['detail'],
): SignInEvent {
  return { action, ...who, address: client.address, userAgent: client.userAgent, ...(detail ? { detail } : {}) };
}

/**
 * The limits that apply before a password is checked: the client's attempts; then, for a
 * browser that is not a known device of the account, the account's failures. A known device is
 * held back only by its own failures.
 */
async function throttleBeforeCheck(
  context: ServiceContext,
  email: string,
  client: SignInClient,
  device: DeviceStanding,
): Promise<number | null> {
  const now = context.clock.now();
  const attempt = await consumeRateLimit(context.db, `login:client:${client.clientKey}`, ATTEMPTS_PER_CLIENT, now);
  if (!attempt.allowed) return attempt.retryAfterSeconds;
  if (device.known) return device.locked ? 60 * 60 : null;
  for (const [key, rule] of failureLimits(email, client)) {
    const verdict = await peekRateLimit(context.db, key, rule, now);
    if (!verdict.allowed) return verdict.retryAfterSeconds;
  }
  return null;
}

const failureLimits = (email: string, client: SignInClient) =>
  [
    [`login:failures:${email}|${client.clientKey}`, FAILURES_PER_ACCOUNT_AND_CLIENT],
    [`login:failures:${email}`, FAILURES_PER_ACCOUNT],
  ] as const;

/** Counts a wrong password or code against the device that sent it, or else against the account. */
async function countFailure(context: ServiceContext, email: string, client: SignInClient, device: DeviceStanding): Promise<void> {
  const now = context.clock.now();
  if (device.known) return recordDeviceFailure(context.db, device.deviceId, now);
  for (const [key, rule] of failureLimits(email, client)) await consumeRateLimit(context.db, key, rule, now);
}

/** In SSO-only mode a password signs in only an owner with a second factor: the break-glass account. */
function passwordAllowed(account: UserRow, hasSecondFactor: boolean): boolean {
  return !config().sso?.only || (account.role === 'owner' && hasSecondFactor);
}

/** The first step: email and password. One generic failure for any wrong email or password. */
export async function signInWithPassword(
  context: ServiceContext,
  credentials: { email: string; password: string; next: string },
  client: SignInClient,
): Promise<SignInOutcome> {
  const now = context.clock.now();
  const email = credentials.email.trim().toLowerCase();
  const account = await findUserByEmail(context, email);
  const who = account ? { userId: account.id, label: labelOf(account) } : { userId: null, label: email };
  const device = await deviceStanding(context.db, client.deviceToken, account?.id ?? null, now);
  const retryAfterSeconds = await throttleBeforeCheck(context, email, client, device);
  if (retryAfterSeconds !== null) {
    // Once per client and window, so that a flood of refused attempts cannot flood the audit log.
    const firstRefusal = await consumeRateLimit(context.db, `login:throttle-logged:${client.clientKey}`, THROTTLE_LOGGING, now);
    if (firstRefusal.allowed)
      await recordSignInEvent(context.db, eventOf(client, 'auth.throttled', who, { knownDevice: device.known }), now);
    return { kind: 'throttled', retryAfterSeconds };
  }
  const authenticated = await authenticate(context, email, credentials.password);
  if (!authenticated) {
    await countFailure(context, email, client, device);
    await recordSignInEvent(context.db, eventOf(client, 'auth.sign_in_failed', who, { reason: 'password' }), now);
    return { kind: 'failed' };
  }
  const kinds = await factorKindsOf(context.db, authenticated.id);
  if (!passwordAllowed(authenticated, kinds.size > 0)) {
    await recordSignInEvent(context.db, eventOf(client, 'auth.sign_in_failed', who, { reason: 'sso_only' }), now);
    return { kind: 'sso_only' };
  }
  await clearRateLimit(context.db, failureLimits(email, client)[0][0]);
  if (kinds.size > 0)
    return { kind: 'second_factor', pendingToken: await createPendingSignIn(context.db, authenticated.id, credentials.next, now) };
  await recordSignInEvent(context.db, eventOf(client, 'auth.sign_in', who, { method: 'password' }), now);
  return {
    kind: 'signed_in',
    userId: authenticated.id,
    deviceToken: await rememberDevice(context.db, authenticated.id, device.known ? device.deviceId : null, now),
  };
}

/** The second step: a code from the app, a recovery code, or a passkey. */
export async function finishSignIn(
  context: ServiceContext,
  pending: PendingSignIn,
  proof: SecondFactorProof,
  client: SignInClient,
): Promise<SecondFactorOutcome> {
  const now = context.clock.now();
  const [account] = await context.db.select().from(user).where(eq(user.id, pending.userId));
  if (!account || account.disabledAt !== null) {
    await endPendingSignIn(context.db, pending.id);
    return { kind: 'failed', canRetry: false };
  }
  const who = { userId: account.id, label: labelOf(account) };
  const device = await deviceStanding(context.db, client.deviceToken, account.id, now);
  if (device.known && device.locked) return { kind: 'throttled', retryAfterSeconds: 60 * 60 };
  const proved = await checkProof(context, pending, proof, now);
  if (!proved) {
    await countFailure(context, account.email.toLowerCase(), client, device);
    await recordSignInEvent(context.db, eventOf(client, 'auth.second_factor_failed', who, { method: proof.method }), now);
    return { kind: 'failed', canRetry: await recordPendingFailure(context.db, pending.id) };
  }
  await endPendingSignIn(context.db, pending.id);
  const method = methodOfProof[proof.method];
  await recordSignInEvent(context.db, eventOf(client, 'auth.sign_in', who, { method }), now);
  const deviceToken = await rememberDevice(context.db, account.id, device.known ? device.deviceId : null, now);
  return { kind: 'signed_in', userId: account.id, next: pending.next, method, deviceToken };
}

async function checkProof(context: ServiceContext, pending: PendingSignIn, proof: SecondFactorProof, now: Date): Promise<boolean> {
  switch (proof.method) {
    case 'totp':
      return verifyTotpCode(context.db, pending.userId, proof.code, now);
    case 'recovery_code':
      return useRecoveryCode(context.db, pending.userId, proof.code, now);
    case 'passkey':
      return (await verifyPasskey(context, { kind: 'pending', pendingId: pending.id, userId: pending.userId }, proof.credential)).ok;
  }
}

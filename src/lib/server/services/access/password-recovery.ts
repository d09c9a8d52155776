import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../auth/password';
import { clearRateLimit, consumeRateLimit, peekRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import { invalidateUserSessions } from '../../auth/session';
import { user } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { conflict, invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import { deleteUnusedLinks, newPasswordFields } from './passwords';
import { recordSignInEvent } from './sign-in-log';
import { throttled, type Throttled } from './throttling';
import { emailInput, labelOf, type StaffActor } from './users';

/**
 * A forgotten password (a reset link by email, asked for on /forgot-password) and a password
 * changed by its own user. Either way the user is emailed that it happened.
 */

const HOUR_MS = 60 * 60 * 1000;
/** Reset emails to one address: enough for a lost email, too few to flood someone's inbox. */
const RESET_REQUESTS_PER_EMAIL: RateLimitRule = { limit: 3, windowMs: HOUR_MS };
/** Requests from one client, whatever the addresses typed. */
const RESET_REQUESTS_PER_CLIENT: RateLimitRule = { limit: 10, windowMs: HOUR_MS };
/** Wrong current passwords on the change form, per user: it must not become a way to guess. */
const WRONG_CURRENT_PER_USER: RateLimitRule = { limit: 5, windowMs: 15 * 60 * 1000 };

export const resetRequestInput = z.object({ email: emailInput });

export const changePasswordInput = z
  .object({ currentPassword: z.string(), ...newPasswordFields })
  .refine((value) => value.password === value.confirmPassword, { path: ['confirmPassword'], error: 'The passwords do not match.' });

/** Who sent a request, and from where. */
export interface RecoveryClient {
  /** The rate-limit key: the address, or its /64 for IPv6. */
  clientKey: string;
  address: string;
  userAgent: string;
}

/**
 * Asks for a reset link. The answer is the same whether the address has an account, a disabled
 * one, one without a password (SSO only, or invited and not set up), or is over its own limit:
 * only an enabled account with a password is sent a link (the job mints it when it sends). Only
 * the client's own limit is answered differently, as it says nothing about any account.
 */
export async function requestPasswordReset(
  context: ServiceContext,
  input: z.input<typeof resetRequestInput>,
  client: RecoveryClient,
): Promise<ServiceResult<null> | Throttled> {
  const parsed = parseInput(resetRequestInput, input);
  if (!parsed.ok) return parsed;
  const { email } = parsed.value;
  const now = context.clock.now();
  const perClient = await consumeRateLimit(context.db, `password-reset:client:${client.clientKey}`, RESET_REQUESTS_PER_CLIENT, now);
  if (!perClient.allowed) return throttled('Too many reset requests from your network.', perClient.retryAfterSeconds);
  const perEmail = await consumeRateLimit(context.db, `password-reset:email:${email}`, RESET_REQUESTS_PER_EMAIL, now);
  if (!perEmail.allowed) return success(null);
  const [account] = await context.db
    .select()
    .from(user)
    .where(eq(sql`lower(${user.email})`, email));
  if (!account) return success(null);
  const reason = account.disabledAt !== null ? 'disabled' : account.passwordHash === null ? 'no_password' : null;
  await context.db.transaction(async (tx) => {
    if (!reason) await context.queue.send(tx, 'password-reset', { userId: account.id, requestedBy: { address: client.address } });
    await recordSignInEvent(
      tx,
      {
        action: 'auth.password_reset_requested',
        userId: account.id,
        label: labelOf(account),
        address: client.address,
        userAgent: client.userAgent,
        detail: reason ? { sent: false, reason } : { sent: true },
      },
      now,
    );
  });
  return success(null);
}

/**
 * Changes the signed-in user's own password: the current one must be right (wrong ones count
 * against a small limit per user), every other session of theirs ends (this one stays), unused
 * set-password links stop working, and they are emailed that it happened.
 */
export async function changeOwnPassword(
  context: ServiceContext,
  actor: StaffActor,
  sessionId: string,
  input: z.input<typeof changePasswordInput>,
  origin: { address: string },
): Promise<ServiceResult<{ passwordChangedAt: Date }> | Throttled> {
  const now = context.clock.now();
  const [account] = await context.db.select().from(user).where(eq(user.id, actor.userId));
  if (!account) return notFound('Your account no longer exists.');
  if (account.passwordHash === null)
    return conflict('Your account has no Herald password: you sign in through your identity provider, so change your password there.');
  const wrongKey = `password-change:wrong-current:${account.id}`;
  const verdict = await peekRateLimit(context.db, wrongKey, WRONG_CURRENT_PER_USER, now);
  if (!verdict.allowed) return throttled('Too many wrong current passwords.', verdict.retryAfterSeconds);

  const parsed = parseInput(changePasswordInput, input);
  const fieldErrors: Record<string, string> = !parsed.ok && 'fieldErrors' in parsed.failure ? { ...parsed.failure.fieldErrors } : {};
  const current = input.currentPassword;
  if (current === '') fieldErrors.currentPassword = 'Enter your current password.';
  else if (current.length > 256 || !(await verifyPassword(account.passwordHash, current))) {
    await consumeRateLimit(context.db, wrongKey, WRONG_CURRENT_PER_USER, now);
    fieldErrors.currentPassword = 'This is not your current password.';
  } else if (parsed.ok && parsed.value.password === current) {
    fieldErrors.password = 'This is your current password: choose a new one.';
  }
  if (Object.keys(fieldErrors).length > 0 || !parsed.ok) return invalid(fieldErrors);

  await clearRateLimit(context.db, wrongKey);
  const passwordHash = await hashPassword(parsed.value.password);
  return context.db.transaction(async (tx) => {
    await tx.update(user).set({ passwordHash, passwordChangedAt: now }).where(eq(user.id, account.id));
    await invalidateUserSessions(tx, account.id, { except: sessionId });
    await deleteUnusedLinks(tx, account.id);
    await context.queue.send(tx, 'password-changed', {
      userId: account.id,
      kind: 'change',
      at: now.toISOString(),
      address: origin.address,
    });
    await recordAudit(tx, actor, now, {
      action: 'user.password_change',
      entityType: 'user',
      entityId: account.id,
      after: { address: origin.address },
    });
    return success({ passwordChangedAt: now });
  });
}

/** Whether the user has a Herald password (not SSO only), and when it was last set, for the change-password page. */
export async function passwordStatusOf(
  context: Pick<ServiceContext, 'db'>,
  userId: string,
): Promise<{ hasPassword: boolean; passwordChangedAt: Date | null }> {
  const [row] = await context.db
    .select({ hasPassword: sql<boolean>`${user.passwordHash} is not null`, passwordChangedAt: user.passwordChangedAt })
    .from(user)
    .where(eq(user.id, userId));
  return { hasPassword: Boolean(row?.hasPassword), passwordChangedAt: row?.passwordChangedAt ?? null };
}

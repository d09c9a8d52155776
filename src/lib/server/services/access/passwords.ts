import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordSchema } from '../../auth/password';
import { invalidateUserSessions } from '../../auth/session';
import { issueToken, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { passwordToken, secondFactor, user, type passwordTokenPurposes } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { notFound, success, type ServiceResult } from '../kernel/errors';
import type { Transaction } from '../kernel/rows';
import { parseInput } from '../kernel/validation';

/**
 * One-time set-password links: a new user's invitation (shown to the admin and emailed), and a
 * reset link for a forgotten password (emailed only). Each is `<id>.<secret>` with only the
 * secret's SHA-256 stored, and is minted when its email is sent, so a job's data holds no secret.
 */

export type PasswordLinkPurpose = (typeof passwordTokenPurposes)[number];

const HOUR_MS = 60 * 60 * 1000;
/** How long an invitation link stays valid. */
export const INVITATION_LINK_TTL_MS = 72 * HOUR_MS;
/** How long a reset link stays valid: short, since it opens an account that is in use. */
export const RESET_LINK_TTL_MS = HOUR_MS;
const TTL_MS: Record<PasswordLinkPurpose, number> = { invitation: INVITATION_LINK_TTL_MS, reset: RESET_LINK_TTL_MS };

/** Where a spent or expired link sends its reader. */
export const LINK_GONE_MESSAGE = 'This link is invalid, used or expired. Request a new one at /forgot-password.';

/** Two password fields that must match; `password` follows the password rules. */
export const newPasswordFields = { password: passwordSchema, confirmPassword: z.string() };
const passwordsMatch = (value: { password: string; confirmPassword: string }) => value.password === value.confirmPassword;
const mismatch = { path: ['confirmPassword'], error: 'The passwords do not match.' };

export const setPasswordInput = z.object(newPasswordFields).refine(passwordsMatch, mismatch);

/** Who set a password and from where, for the email that tells them. */
export interface PasswordOrigin {
  address: string;
}

/**
 * Stores a new link for the user and returns its token. `replaceEarlier` deletes their unused
 * links first: a new admin link or reset link makes the older ones stop working. The invitation
 * email's own link sits beside the one shown to the admin; using either spends both.
 */
export async function insertPasswordToken(
  tx: Transaction,
  userId: string,
  purpose: PasswordLinkPurpose,
  now: Date,
  options: { replaceEarlier: boolean } = { replaceEarlier: true },
): Promise<string> {
  if (options.replaceEarlier) await deleteUnusedLinks(tx, userId);
  const issued = issueToken();
  await tx.insert(passwordToken).values({
    id: issued.id,
    userId,
    purpose,
    secretHash: issued.secretHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + TTL_MS[purpose]),
  });
  return issued.token;
}

/** Makes every link the user has not used stop working (a password was set or changed). */
export async function deleteUnusedLinks(tx: Transaction, userId: string): Promise<void> {
  await tx.delete(passwordToken).where(and(eq(passwordToken.userId, userId), isNull(passwordToken.usedAt)));
}

async function findUsablePasswordToken(db: Database, token: string, now: Date) {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: passwordToken.id,
      userId: passwordToken.userId,
      purpose: passwordToken.purpose,
      secretHash: passwordToken.secretHash,
      expiresAt: passwordToken.expiresAt,
      usedAt: passwordToken.usedAt,
      email: user.email,
      disabledAt: user.disabledAt,
      hadPassword: sql<boolean>`${user.passwordHash} is not null`,
    })
    .from(passwordToken)
    .innerJoin(user, eq(user.id, passwordToken.userId))
    .where(eq(passwordToken.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;
  if (row.usedAt !== null || row.expiresAt <= now || row.disabledAt !== null) return null;
  return row;
}

/** Checks a set-password link without using it (for showing the form): whose it is and why it was made. */
export async function checkPasswordToken(
  context: ServiceContext,
  token: string,
): Promise<{ email: string; purpose: PasswordLinkPurpose } | null> {
  const found = await findUsablePasswordToken(context.db, token, context.clock.now());
  return found ? { email: found.email, purpose: found.purpose } : null;
}

async function hasSecondFactor(tx: Transaction, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: secondFactor.id })
    .from(secondFactor)
    .where(and(eq(secondFactor.userId, userId), isNotNull(secondFactor.confirmedAt)))
    .limit(1);
  return row !== undefined;
}

/**
 * Sets a password from a one-time link: the link and every other unused one are spent, every
 * session of the user ends, and the user is emailed that it happened, when and from where.
 * `hasSecondFactor` tells the caller that signing in still needs the second factor: a link from
 * an email must never stand in for it.
 */
export async function setPasswordWithToken(
  context: ServiceContext,
  token: string,
  input: z.input<typeof setPasswordInput>,
  origin: PasswordOrigin,
): Promise<ServiceResult<{ userId: string; purpose: PasswordLinkPurpose; hasSecondFactor: boolean }>> {
  const parsed = parseInput(setPasswordInput, input);
  if (!parsed.ok) return parsed;
  const passwordHash = await hashPassword(parsed.value.password);
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const found = await findUsablePasswordToken(tx, token, now);
    if (!found) return notFound(LINK_GONE_MESSAGE);
    const [spent] = await tx
      .update(passwordToken)
      .set({ usedAt: now })
      .where(and(eq(passwordToken.id, found.id), isNull(passwordToken.usedAt)))
      .returning();
    if (!spent) return notFound(LINK_GONE_MESSAGE);
    await tx.update(user).set({ passwordHash, passwordChangedAt: now }).where(eq(user.id, found.userId));
    await deleteUnusedLinks(tx, found.userId);
    await invalidateUserSessions(tx, found.userId);
    await context.queue.send(tx, 'password-changed', {
      userId: found.userId,
      kind: found.hadPassword ? 'reset' : 'first',
      at: now.toISOString(),
      address: origin.address,
    });
    await recordAudit(tx, { userId: found.userId, label: found.email }, now, {
      action: 'user.set_password',
      entityType: 'user',
      entityId: found.userId,
      after: { purpose: found.purpose, address: origin.address },
    });
    return success({ userId: found.userId, purpose: found.purpose, hasSecondFactor: await hasSecondFactor(tx, found.userId) });
  });
}

/**
 * A link for an email, minted when the email is sent (only its hash is stored); null when the
 * account may no longer have one: disabled, or (invitation) it has a password already, or
 * (reset) it has none to reset. A reset link replaces the user's earlier unused links; an
 * invitation's sits beside the one the admin was shown.
 */
export async function mintPasswordLink(
  context: ServiceContext,
  userId: string,
  purpose: PasswordLinkPurpose,
): Promise<{ email: string; name: string; token: string } | null> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [row] = await tx.select().from(user).where(eq(user.id, userId));
    if (!row || row.disabledAt !== null) return null;
    if ((row.passwordHash !== null) !== (purpose === 'reset')) return null;
    const token = await insertPasswordToken(tx, userId, purpose, now, { replaceEarlier: purpose === 'reset' });
    return { email: row.email, name: row.name, token };
  });
}

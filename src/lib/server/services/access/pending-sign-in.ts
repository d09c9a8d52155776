import { and, eq, lt } from 'drizzle-orm';
import { issueToken, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { pendingSignIn } from '../../db/schema';

/** How long the second-factor step may take after the password was right. */
export const PENDING_SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** Wrong codes before the half-finished sign-in is dropped (and the password must be typed again). */
const PENDING_FAILURE_LIMIT = 5;

export interface PendingSignIn {
  id: string;
  userId: string;
  next: string;
  challenge: string | null;
}

export async function createPendingSignIn(db: Database, userId: string, next: string, now: Date): Promise<string> {
  const issued = issueToken();
  // One half-finished sign-in per user at a time, and none left over from earlier.
  await db.delete(pendingSignIn).where(eq(pendingSignIn.userId, userId));
  await db.delete(pendingSignIn).where(lt(pendingSignIn.expiresAt, now));
  await db.insert(pendingSignIn).values({
    id: issued.id,
    userId,
    secretHash: issued.secretHash,
    next,
    createdAt: now,
    expiresAt: new Date(now.getTime() + PENDING_SIGN_IN_TTL_MS),
  });
  return issued.token;
}

/** The half-finished sign-in a token names, if it is still open. */
export async function findPendingSignIn(db: Database, token: string | undefined, now: Date): Promise<PendingSignIn | null> {
  const parts = token ? parseToken(token) : null;
  if (!parts) return null;
  const [row] = await db.select().from(pendingSignIn).where(eq(pendingSignIn.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash) || row.expiresAt <= now) return null;
  return { id: row.id, userId: row.userId, next: row.next, challenge: row.challenge };
}

/** Counts a wrong code; returns whether the sign-in may still be finished. */
export async function recordPendingFailure(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ failures: pendingSignIn.failures }).from(pendingSignIn).where(eq(pendingSignIn.id, id));
  if (!row) return false;
  if (row.failures + 1 >= PENDING_FAILURE_LIMIT) {
    await endPendingSignIn(db, id);
    return false;
  }
  await db
    .update(pendingSignIn)
    .set({ failures: row.failures + 1 })
    .where(and(eq(pendingSignIn.id, id), eq(pendingSignIn.failures, row.failures)));
  return true;
}

export async function endPendingSignIn(db: Database, id: string): Promise<void> {
  await db.delete(pendingSignIn).where(eq(pendingSignIn.id, id));
}

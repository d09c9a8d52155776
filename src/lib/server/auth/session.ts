import { eq } from 'drizzle-orm';
import type { Role } from '../../domain/roles';
import type { Database } from '../db';
import { session, user } from '../db/schema';
import { issueToken, parseToken, secretMatches } from './tokens';

/** A session unused for this long ends. */
export const SESSION_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** No session lives longer than this, however active. */
export const SESSION_ABSOLUTE_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
/** Activity is written at most this often, to spare a write per request. */
const ACTIVITY_WRITE_INTERVAL_MS = 5 * 60 * 1000;

export interface SessionTimes {
  createdAt: Date;
  lastActiveAt: Date;
}

export type SessionState = 'active' | 'idle_expired' | 'expired';

export function sessionState(times: SessionTimes, now: Date): SessionState {
  if (now.getTime() - times.createdAt.getTime() >= SESSION_ABSOLUTE_TIMEOUT_MS) return 'expired';
  if (now.getTime() - times.lastActiveAt.getTime() >= SESSION_IDLE_TIMEOUT_MS) return 'idle_expired';
  return 'active';
}

/** When the cookie should expire: the earlier of the idle and the absolute limit. */
export function sessionCookieExpiry(times: SessionTimes): Date {
  return new Date(
    Math.min(times.lastActiveAt.getTime() + SESSION_IDLE_TIMEOUT_MS, times.createdAt.getTime() + SESSION_ABSOLUTE_TIMEOUT_MS),
  );
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface ValidSession {
  sessionId: string;
  user: SessionUser;
  times: SessionTimes;
}

export async function createSession(db: Database, userId: string, now: Date): Promise<{ token: string; times: SessionTimes }> {
  const issued = issueToken();
  await db.insert(session).values({ id: issued.id, userId, secretHash: issued.secretHash, createdAt: now, lastActiveAt: now });
  return { token: issued.token, times: { createdAt: now, lastActiveAt: now } };
}

/** The session a token names, if the secret matches, it has not expired and its user is enabled. */
export async function validateSessionToken(db: Database, token: string, now: Date): Promise<ValidSession | null> {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: session.id,
      secretHash: session.secretHash,
      createdAt: session.createdAt,
      lastActiveAt: session.lastActiveAt,
      user: { id: user.id, email: user.email, name: user.name, role: user.role, disabledAt: user.disabledAt },
    })
    .from(session)
    .innerJoin(user, eq(user.id, session.userId))
    .where(eq(session.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;
  if (row.user.disabledAt !== null || sessionState(row, now) !== 'active') {
    await db.delete(session).where(eq(session.id, row.id));
    return null;
  }
  let lastActiveAt = row.lastActiveAt;
  if (now.getTime() - lastActiveAt.getTime() >= ACTIVITY_WRITE_INTERVAL_MS) {
    lastActiveAt = now;
    await db.update(session).set({ lastActiveAt }).where(eq(session.id, row.id));
  }
  const { disabledAt: _disabled, ...sessionUser } = row.user;
  return { sessionId: row.id, user: sessionUser, times: { createdAt: row.createdAt, lastActiveAt } };
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(session).where(eq(session.id, sessionId));
}

export async function invalidateUserSessions(db: Database, userId: string): Promise<void> {
  await db.delete(session).where(eq(session.userId, userId));
}

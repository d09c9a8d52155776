import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Role } from '../../domain/roles';
import { sessionState, type SessionPolicy, type SessionTimes } from '../../domain/session-policy';
import type { Database } from '../db';
import { secondFactor, session, user, type SessionRow } from '../db/schema';
import { issueToken, parseToken, secretMatches } from './tokens';

/** Activity is written at most this often, to spare a write per request (well under the shortest idle timeout). */
const ACTIVITY_WRITE_INTERVAL_MS = 60 * 1000;

/** How a session began, shown on the sessions page and in the audit log. */
export type SignInMethod = 'password' | 'password+totp' | 'password+passkey' | 'password+recovery_code' | 'sso';

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
  verifiedAt: Date;
  method: SignInMethod;
  /** Whether the user has a confirmed second factor (for the owner's "required for these roles" rule). */
  hasSecondFactor: boolean;
}

/** Where and on what a session was started, for the "your sessions" page. */
export interface SessionOrigin {
  method: SignInMethod;
  userAgent: string;
  address: string;
}

export async function createSession(
  db: Database,
  userId: string,
  now: Date,
  origin: SessionOrigin = { method: 'password', userAgent: '', address: '' },
): Promise<{ token: string; times: SessionTimes }> {
  const issued = issueToken();
  await db.insert(session).values({
    id: issued.id,
    userId,
    secretHash: issued.secretHash,
    createdAt: now,
    lastActiveAt: now,
    verifiedAt: now,
    method: origin.method,
    userAgent: origin.userAgent.slice(0, 300),
    address: origin.address.slice(0, 100),
  });
  return { token: issued.token, times: { createdAt: now, lastActiveAt: now } };
}

/** The session a token names, if the secret matches, it has not expired and its user is enabled. */
export async function validateSessionToken(db: Database, token: string, now: Date, policy: SessionPolicy): Promise<ValidSession | null> {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: session.id,
      secretHash: session.secretHash,
      createdAt: session.createdAt,
      lastActiveAt: session.lastActiveAt,
      verifiedAt: session.verifiedAt,
      method: session.method,
      user: { id: user.id, email: user.email, name: user.name, role: user.role, disabledAt: user.disabledAt },
      hasSecondFactor: sql<boolean>`exists (select 1 from ${secondFactor} where ${secondFactor.userId} = ${user.id} and ${secondFactor.confirmedAt} is not null)`,
    })
    .from(session)
    .innerJoin(user, eq(user.id, session.userId))
    .where(eq(session.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;
  if (row.user.disabledAt !== null || sessionState(row, policy, now) !== 'active') {
    await db.delete(session).where(eq(session.id, row.id));
    return null;
  }
  let lastActiveAt = row.lastActiveAt;
  if (now.getTime() - lastActiveAt.getTime() >= ACTIVITY_WRITE_INTERVAL_MS) {
    lastActiveAt = now;
    await db.update(session).set({ lastActiveAt }).where(eq(session.id, row.id));
  }
  const { disabledAt: _disabled, ...sessionUser } = row.user;
  return {
    sessionId: row.id,
    user: sessionUser,
    times: { createdAt: row.createdAt, lastActiveAt },
    verifiedAt: row.verifiedAt,
    method: row.method as SignInMethod,
    hasSecondFactor: row.hasSecondFactor,
  };
}

/** Records that the session's user just proved who they are again (re-authentication). */
export async function markSessionVerified(db: Database, sessionId: string, now: Date): Promise<void> {
  await db.update(session).set({ verifiedAt: now }).where(eq(session.id, sessionId));
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(session).where(eq(session.id, sessionId));
}

export async function invalidateUserSessions(db: Database, userId: string, options: { except?: string } = {}): Promise<void> {
  const condition = options.except ? and(eq(session.userId, userId), ne(session.id, options.except)) : eq(session.userId, userId);
  await db.delete(session).where(condition);
}

export type SessionSummary = Pick<SessionRow, 'id' | 'createdAt' | 'lastActiveAt' | 'method' | 'userAgent' | 'address'>;

/** A user's live sessions, the most recently used first. */
export async function listUserSessions(db: Database, userId: string, policy: SessionPolicy, now: Date): Promise<SessionSummary[]> {
  const rows = await db
    .select({
      id: session.id,
      createdAt: session.createdAt,
      lastActiveAt: session.lastActiveAt,
      method: session.method,
      userAgent: session.userAgent,
      address: session.address,
    })
    .from(session)
    .where(eq(session.userId, userId))
    .orderBy(desc(session.lastActiveAt));
  return rows.filter((row) => sessionState(row, policy, now) === 'active');
}

/** Ends one of the user's own sessions; false when it is not theirs (or already gone). */
export async function endUserSession(db: Database, userId: string, sessionId: string): Promise<boolean> {
  const ended = await db
    .delete(session)
    .where(and(eq(session.userId, userId), eq(session.id, sessionId)))
    .returning({ id: session.id });
  return ended.length > 0;
}

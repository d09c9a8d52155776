import { and, desc, eq, like } from 'drizzle-orm';
import type { Database } from '../../db';
import { auditLog } from '../../db/schema';
import { recordAudit } from '../kernel/audit';

/**
 * Sign-in events in the audit log (ASVS V7.1.3): every success, failure and throttled attempt,
 * each second-factor and password change, and SSO sign-ins. Actions start with `auth.`; the
 * entity is the account (null when the address typed has none) and `after` says from where.
 */
export type SignInAction =
  | 'auth.sign_in'
  | 'auth.sign_in_failed'
  | 'auth.throttled'
  | 'auth.second_factor_failed'
  | 'auth.sso_sign_in'
  | 'auth.sso_refused'
  | 'auth.reauthenticated'
  | 'auth.password_reset_requested';

export interface SignInEvent {
  action: SignInAction;
  /** The account, when one matched. */
  userId: string | null;
  /** The account's label, or the address that was typed (shown to staff only). */
  label: string;
  address: string;
  userAgent: string;
  /** What else helps staff read the event: the method, why it failed. */
  detail?: Record<string, string | number | boolean>;
}

export async function recordSignInEvent(db: Database, event: SignInEvent, now: Date): Promise<void> {
  await recordAudit(db, { userId: event.userId, label: event.label.slice(0, 300) }, now, {
    action: event.action,
    entityType: 'user',
    entityId: event.userId,
    after: { address: event.address, userAgent: event.userAgent.slice(0, 300), ...event.detail },
  });
}

export interface SignInRecord {
  at: Date;
  action: string;
  address: string;
  userAgent: string;
  method: string | null;
}

/** A user's own recent sign-in events, newest first, for their account page. */
export async function listRecentSignIns(db: Database, userId: string, limit = 20): Promise<SignInRecord[]> {
  const rows = await db
    .select({ at: auditLog.at, action: auditLog.action, after: auditLog.after })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, userId), like(auditLog.action, 'auth.%')))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((row) => {
    const after = (row.after ?? {}) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      at: row.at,
      action: row.action,
      address: text(after.address),
      userAgent: text(after.userAgent),
      method: text(after.method) || null,
    };
  });
}

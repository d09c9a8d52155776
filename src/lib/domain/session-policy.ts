/**
 * How long a staff session lives (OWASP ASVS 4.0.3 V3.3.2, level 2: signed in again at least
 * every 12 hours, and after 30 minutes without use). An owner may shorten either, never lengthen
 * them past these bounds.
 */
export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMinutes: 30, absoluteHours: 12 };

export const SESSION_POLICY_BOUNDS = {
  idleMinutes: { min: 5, max: 30 },
  absoluteHours: { min: 1, max: 12 },
} as const;

/** Sensitive changes (roles, API keys, SSO and second factors) need proof of identity this recent (ASVS V3.7.1). */
const REAUTHENTICATION_WINDOW_MS = 5 * 60 * 1000;

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

export interface SessionTimes {
  createdAt: Date;
  lastActiveAt: Date;
}

export type SessionState = 'active' | 'idle_expired' | 'expired';

export function sessionState(times: SessionTimes, policy: SessionPolicy, now: Date): SessionState {
  if (now.getTime() - times.createdAt.getTime() >= policy.absoluteHours * HOUR_MS) return 'expired';
  if (now.getTime() - times.lastActiveAt.getTime() >= policy.idleMinutes * MINUTE_MS) return 'idle_expired';
  return 'active';
}

/** When the cookie should expire: the earlier of the idle and the absolute limit. */
export function sessionCookieExpiry(times: SessionTimes, policy: SessionPolicy): Date {
  return new Date(
    Math.min(times.lastActiveAt.getTime() + policy.idleMinutes * MINUTE_MS, times.createdAt.getTime() + policy.absoluteHours * HOUR_MS),
  );
}

/** Whether the session proved who its user is (password, second factor or SSO) recently enough for a sensitive change. */
export function recentlyVerified(verifiedAt: Date, now: Date): boolean {
  const elapsed = now.getTime() - verifiedAt.getTime();
  return elapsed >= 0 && elapsed < REAUTHENTICATION_WINDOW_MS;
}

/**
 * How long Herald keeps data nobody needs any more (issue 14). The daily retention job
 * (services/retention) deletes what these rules call expired; README.md "Data retention" lists them.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A subscription nobody confirmed within 7 days never had consent: it cannot be confirmed any
 * more, and the retention job deletes it (email and webhook subscribers alike).
 */
export const PENDING_SUBSCRIPTION_TTL_MS = 7 * DAY_MS;

export function pendingSubscriptionExpired(createdAt: Date, now: Date): boolean {
  return now.getTime() - createdAt.getTime() >= PENDING_SUBSCRIPTION_TTL_MS;
}

/** Entries of the admin's alert intake log are kept 90 days. */
export const INTAKE_LOG_RETENTION_MS = 90 * DAY_MS;

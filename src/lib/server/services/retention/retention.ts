import { and, eq, isNotNull, lt, lte, or } from 'drizzle-orm';
import { INTAKE_LOG_RETENTION_MS, PENDING_SUBSCRIPTION_TTL_MS } from '../../../domain/data-retention';
import type { Database } from '../../db';
import { intakeEvent, knownDevice, passwordToken, pendingSignIn, rateLimit, session, subscriber, webhookSubscriber } from '../../db/schema';
import { KNOWN_DEVICE_TTL_MS } from '../access/known-devices';
import { getSecurityPolicy } from '../access/security-policy';
import type { ServiceContext } from '../kernel/context';

/**
 * The daily retention job (issue 14): deletes rows nobody needs any more, so no table grows
 * without bound. Each function removes one family and returns how many rows went; nothing still
 * in force is touched. The periods are in README.md "Data retention". pg-boss bounds its own
 * job table (`deleteAfterSeconds`, set in jobs/queue.ts).
 */

export interface RetentionCounts {
  rateLimits: number;
  sessions: number;
  pendingSignIns: number;
  knownDevices: number;
  passwordTokens: number;
  pendingSubscribers: number;
  pendingWebhookSubscribers: number;
  intakeEvents: number;
}

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

/** Rate-limit windows that have ended: their keys hold email and client addresses. */
async function pruneRateLimits(db: Database, now: Date): Promise<number> {
  return (await db.delete(rateLimit).where(lte(rateLimit.resetAt, now)).returning({ key: rateLimit.key })).length;
}

/** Sessions past the owner's idle or absolute limit (`sessionState` in lib/domain/session-policy.ts). */
async function pruneSessions(db: Database, now: Date): Promise<number> {
  const { session: policy } = await getSecurityPolicy(db);
  const removed = await db
    .delete(session)
    .where(
      or(
        lte(session.createdAt, before(now, policy.absoluteHours * HOUR_MS)),
        lte(session.lastActiveAt, before(now, policy.idleMinutes * MINUTE_MS)),
      ),
    )
    .returning({ id: session.id });
  return removed.length;
}

/** Password steps whose 10 minutes for the second factor are over. */
async function prunePendingSignIns(db: Database, now: Date): Promise<number> {
  return (await db.delete(pendingSignIn).where(lte(pendingSignIn.expiresAt, now)).returning({ id: pendingSignIn.id })).length;
}

/** Browsers not used to sign in for 90 days, which are then no longer known anyway. */
async function pruneKnownDevices(db: Database, now: Date): Promise<number> {
  const removed = await db
    .delete(knownDevice)
    .where(lte(knownDevice.lastUsedAt, before(now, KNOWN_DEVICE_TTL_MS)))
    .returning({ id: knownDevice.id });
  return removed.length;
}

/** Set-password links that were used or have expired (subscriber links are signed and have no rows). */
async function prunePasswordTokens(db: Database, now: Date): Promise<number> {
  const removed = await db
    .delete(passwordToken)
    .where(or(isNotNull(passwordToken.usedAt), lte(passwordToken.expiresAt, now)))
    .returning({ id: passwordToken.id });
  return removed.length;
}

/** Email subscriptions nobody confirmed within 7 days: they never consented. */
async function prunePendingSubscribers(db: Database, now: Date): Promise<number> {
  const removed = await db
    .delete(subscriber)
    .where(and(eq(subscriber.state, 'pending'), lte(subscriber.createdAt, before(now, PENDING_SUBSCRIPTION_TTL_MS))))
    .returning({ id: subscriber.id });
  return removed.length;
}

/** Webhook URLs that never passed verification within 7 days. */
async function prunePendingWebhookSubscribers(db: Database, now: Date): Promise<number> {
  const removed = await db
    .delete(webhookSubscriber)
    .where(and(eq(webhookSubscriber.state, 'pending'), lte(webhookSubscriber.createdAt, before(now, PENDING_SUBSCRIPTION_TTL_MS))))
    .returning({ id: webhookSubscriber.id });
  return removed.length;
}

/** Alert intake log entries older than 90 days. */
async function pruneIntakeEvents(db: Database, now: Date): Promise<number> {
  const removed = await db
    .delete(intakeEvent)
    .where(lt(intakeEvent.receivedAt, before(now, INTAKE_LOG_RETENTION_MS)))
    .returning({ id: intakeEvent.id });
  return removed.length;
}

/** Runs every family once, each in its own statement, and returns what each removed. */
export async function runRetention(context: ServiceContext): Promise<RetentionCounts> {
  const now = context.clock.now();
  const { db } = context;
  return {
    rateLimits: await pruneRateLimits(db, now),
    sessions: await pruneSessions(db, now),
    pendingSignIns: await prunePendingSignIns(db, now),
    knownDevices: await pruneKnownDevices(db, now),
    passwordTokens: await prunePasswordTokens(db, now),
    pendingSubscribers: await prunePendingSubscribers(db, now),
    pendingWebhookSubscribers: await prunePendingWebhookSubscribers(db, now),
    intakeEvents: await pruneIntakeEvents(db, now),
  };
}

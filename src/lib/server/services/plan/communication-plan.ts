import { desc, eq } from 'drizzle-orm';
import {
  customerEmailDueAt,
  isOutageSeverity,
  owesPostmortem,
  postmortemDueAt,
  postmortemReminderAt,
  type CommunicationPolicy,
} from '../../../domain/communication-policy';
import { formatDuration } from '../../../domain/duration';
import { hasRole } from '../../../domain/roles';
import { isIncidentOpen, severityLabels } from '../../../domain/statuses';
import { incident, incidentUpdate, notification, user, type IncidentRow } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { withLockedRow, type Transaction } from '../kernel/rows';
import { queueIncidentNotification } from '../subscribers/notifications';
import { nextUpdateOwedAt } from './next-update';

/**
 * The customer email rule, re-run after every change to an incident (in the change's
 * transaction): an open outage schedules the email at start + delay; a severity lowered out of
 * the outage set cancels it; resolving before it was sent skips it, recording how long it lasted.
 */
export async function applyCustomerEmailRule(
  tx: Transaction,
  context: ServiceContext,
  row: IncidentRow,
  policy: CommunicationPolicy,
  now: Date,
): Promise<void> {
  const state = row.customerEmailState;
  if (!isIncidentOpen(row.status)) {
    if (state !== 'scheduled') return;
    const resolvedAt = row.resolvedAt ?? now;
    if (row.customerEmailDueAt && resolvedAt >= row.customerEmailDueAt) {
      // It was owed before the resolution (no worker sent it in time): customers get it now, with the resolution.
      const late = formatDuration(now.getTime() - row.customerEmailDueAt.getTime());
      await sendDueCustomerEmail(tx, context, row, row.customerEmailDueAt, now, `sent with the resolution, ${late} after it was due`);
      return;
    }
    const lasted = formatDuration(resolvedAt.getTime() - row.startedAt.getTime());
    await tx
      .update(incident)
      .set({ customerEmailState: 'skipped', customerEmailNote: `resolved after ${lasted}` })
      .where(eq(incident.id, row.id));
    return;
  }
  const outage = isOutageSeverity(policy, row.severity);
  // An incident reopened after a skip is an outage again: customers hear if it lasts.
  if (outage && (state === 'not_required' || state === 'cancelled' || state === 'skipped')) {
    // Raised into the outage set after start + delay: owed from now, and not "late".
    const dueAt = new Date(Math.max(customerEmailDueAt(policy, row.startedAt).getTime(), now.getTime()));
    await tx
      .update(incident)
      .set({ customerEmailState: 'scheduled', customerEmailDueAt: dueAt, customerEmailNote: null })
      .where(eq(incident.id, row.id));
    await context.queue.send(
      tx,
      'customer-email',
      { incidentId: row.id, dueAt: dueAt.toISOString() },
      dueAt > now ? { startAfter: dueAt } : {},
    );
  } else if (!outage && state === 'scheduled') {
    await tx
      .update(incident)
      .set({ customerEmailState: 'cancelled', customerEmailNote: `cancelled: severity lowered to ${severityLabels[row.severity]}` })
      .where(eq(incident.id, row.id));
  }
}

/**
 * Queues the check that reminds staff of the next update, at the time it is owed: the one the
 * latest update promised, or the cadence (none for a closed incident or a severity without one).
 * Called after a public update and after a change of severity.
 */
export async function scheduleCadenceCheck(
  tx: Transaction,
  context: ServiceContext,
  row: IncidentRow,
  policy: CommunicationPolicy,
): Promise<void> {
  const dueAt = await nextUpdateOwedAt(tx, policy, row);
  if (!dueAt) return;
  await context.queue.send(tx, 'update-cadence-check', { incidentId: row.id, dueAt: dueAt.toISOString() }, { startAfter: dueAt });
}

/** On resolution of an incident that owes a post-mortem: a reminder before the deadline and one at it. */
export async function schedulePostmortemChecks(
  tx: Transaction,
  context: ServiceContext,
  row: IncidentRow,
  policy: CommunicationPolicy,
): Promise<void> {
  if (!row.resolvedAt || row.postmortemPublishedAt || !owesPostmortem(policy, row.severity)) return;
  const occasion = row.resolvedAt.toISOString();
  await context.queue.send(
    tx,
    'postmortem-check',
    { incidentId: row.id, kind: 'postmortem_reminder', occasion },
    { startAfter: postmortemReminderAt(policy, row.resolvedAt) },
  );
  await context.queue.send(
    tx,
    'postmortem-check',
    { incidentId: row.id, kind: 'postmortem_overdue', occasion },
    { startAfter: postmortemDueAt(policy, row.resolvedAt) },
  );
}

/**
 * Sends the customer email the rule scheduled, in the caller's transaction, and records it in the
 * audit log as the plan's doing: when it falls due (the customer-email job), or at the resolution
 * of an incident whose email was already owed.
 */
export async function sendDueCustomerEmail(
  tx: Transaction,
  context: ServiceContext,
  row: IncidentRow,
  dueAt: Date,
  now: Date,
  note: string | null,
): Promise<void> {
  await deliverCustomerEmail(tx, context, row, now, note);
  await recordAudit(tx, { userId: null, label: 'communication plan' }, now, {
    action: 'incident.customer_email',
    entityType: 'incident',
    entityId: row.id,
    before: { state: 'scheduled' },
    after: { dueAt, sentAt: now },
  });
}

/** Sends the customer email now, in the caller's transaction: a notification of the latest public update. */
async function deliverCustomerEmail(
  tx: Transaction,
  context: ServiceContext,
  row: IncidentRow,
  now: Date,
  note: string | null,
): Promise<void> {
  const [latest] = await tx
    .select({ id: incidentUpdate.id })
    .from(incidentUpdate)
    .where(eq(incidentUpdate.incidentId, row.id))
    .orderBy(desc(incidentUpdate.displayAt), desc(incidentUpdate.createdAt))
    .limit(1);
  if (!latest) return;
  // Subscribers who already had this update by email (staff notified it before it was an outage) are not emailed it again.
  const [existing] = await tx.select({ id: notification.id }).from(notification).where(eq(notification.incidentUpdateId, latest.id));
  const notificationId =
    existing?.id ?? (await queueIncidentNotification(tx, context, { incidentId: row.id, incidentUpdateId: latest.id, now }));
  await tx.update(incidentUpdate).set({ notifySubscribers: true }).where(eq(incidentUpdate.id, latest.id));
  await tx
    .update(incident)
    .set({ customerEmailState: 'sent', customerEmailSentAt: now, customerEmailNotificationId: notificationId, customerEmailNote: note })
    .where(eq(incident.id, row.id));
}

/** Staff send the customer email now, whatever the rule says; it will not go again when due. */
export async function sendCustomerEmailNow(context: ServiceContext, actor: Actor, incidentId: string): Promise<ServiceResult<null>> {
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, row) => {
    if (row.customerEmailState === 'sent')
      return invalid({ customerEmail: 'The customer email has already been sent.' }, 'The customer email has already been sent.');
    await deliverCustomerEmail(tx, context, row, now, `sent by ${actor.label}`);
    await recordAudit(tx, actor, now, {
      action: 'incident.customer_email_send_now',
      entityType: 'incident',
      entityId: incidentId,
      before: { state: row.customerEmailState },
    });
    return success(null);
  });
}

/** Staff hold the customer email, with a reason; it is not sent until they send it. */
export async function holdCustomerEmail(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  reason: string,
): Promise<ServiceResult<null>> {
  const trimmed = reason.trim();
  if (trimmed.length === 0) return invalid({ holdReason: 'Say why the customer email is held.' });
  if (trimmed.length > 500) return invalid({ holdReason: 'Keep the reason under 500 characters.' });
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, row) => {
    if (row.customerEmailState === 'sent') return invalid({ holdReason: 'The customer email has already been sent.' });
    await tx
      .update(incident)
      .set({ customerEmailState: 'held', customerEmailNote: `held by ${actor.label}: ${trimmed}` })
      .where(eq(incident.id, incidentId));
    await recordAudit(tx, actor, now, {
      action: 'incident.customer_email_hold',
      entityType: 'incident',
      entityId: incidentId,
      before: { state: row.customerEmailState },
      after: { reason: trimmed },
    });
    return success(null);
  });
}

/** Hands the incident's communication to another responder (reminders then go to them). */
export async function reassignIncidentOwner(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  ownerId: string,
): Promise<ServiceResult<null>> {
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, row) => {
    const [owner] = await tx.select().from(user).where(eq(user.id, ownerId));
    if (!owner || owner.disabledAt !== null || !hasRole(owner.role, 'responder')) {
      return invalid({ ownerId: 'Choose an active responder, admin or owner.' });
    }
    await tx.update(incident).set({ ownerId, updatedAt: now }).where(eq(incident.id, incidentId));
    await recordAudit(tx, actor, now, {
      action: 'incident.owner',
      entityType: 'incident',
      entityId: incidentId,
      before: { ownerId: row.ownerId },
      after: { ownerId },
    });
    return success(null);
  });
}

/** Staff who can own an incident's communication: active responders and above. */
export async function possibleIncidentOwners(context: ServiceContext): Promise<{ id: string; name: string; email: string }[]> {
  const rows = await context.db
    .select({ id: user.id, name: user.name, email: user.email, role: user.role, disabledAt: user.disabledAt })
    .from(user)
    .orderBy(user.name);
  return rows
    .filter((row) => row.disabledAt === null && hasRole(row.role, 'responder'))
    .map(({ id, name, email }) => ({ id, name, email }));
}

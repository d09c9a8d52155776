import { and, count, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db';
import { delivery, notification } from '../../db/schema';
import { newId } from '../../ids';
import type { ServiceContext } from '../kernel/context';
import type { Transaction } from '../kernel/rows';

/**
 * Queues the subscriber email for an incident update, in the caller's transaction: the update,
 * the notification row and the fan-out job commit together or not at all.
 */
export async function queueIncidentNotification(
  tx: Transaction,
  context: ServiceContext,
  options: { incidentId: string; incidentUpdateId: string; now: Date },
): Promise<string> {
  const id = newId();
  await tx
    .insert(notification)
    .values({ id, incidentId: options.incidentId, incidentUpdateId: options.incidentUpdateId, createdAt: options.now });
  await context.queue.send(tx, 'notification-fan-out', { notificationId: id });
  return id;
}

/**
 * Queues the subscriber email for a maintenance moment, in the caller's transaction. `occasion`
 * is unique per maintenance (`update:<id>`, `reminder:<start>`): queuing one twice does nothing.
 */
export async function queueMaintenanceNotification(
  tx: Transaction,
  context: ServiceContext,
  options: { maintenanceId: string; maintenanceUpdateId: string | null; occasion: string; now: Date },
): Promise<string | null> {
  const [row] = await tx
    .insert(notification)
    .values({
      id: newId(),
      maintenanceId: options.maintenanceId,
      maintenanceUpdateId: options.maintenanceUpdateId,
      occasion: options.occasion,
      createdAt: options.now,
    })
    .onConflictDoNothing()
    .returning({ id: notification.id });
  if (!row) return null;
  await context.queue.send(tx, 'notification-fan-out', { notificationId: row.id });
  return row.id;
}

export interface DeliveryCounts {
  queued: number;
  sent: number;
  failed: number;
  /** Null until the fan-out has picked the recipients. */
  recipients: number | null;
}

/**
 * How each email of an incident or a maintenance is doing (queued, sent, failed), for the admin:
 * keyed by the update it carried, or by the occasion for a maintenance reminder.
 */
export async function deliveryCountsByUpdate(
  context: ServiceContext,
  subject: { incidentId: string } | { maintenanceId: string },
): Promise<Map<string, DeliveryCounts>> {
  const notifications = await context.db
    .select()
    .from(notification)
    .where(
      'incidentId' in subject ? eq(notification.incidentId, subject.incidentId) : eq(notification.maintenanceId, subject.maintenanceId),
    );
  const result = new Map<string, DeliveryCounts>();
  if (notifications.length === 0) return result;
  const rows = await context.db
    .select({ notificationId: delivery.notificationId, state: delivery.state, value: count() })
    .from(delivery)
    .where(
      inArray(
        delivery.notificationId,
        notifications.map((row) => row.id),
      ),
    )
    .groupBy(delivery.notificationId, delivery.state);
  for (const row of notifications) {
    const counts: DeliveryCounts = { queued: 0, sent: 0, failed: 0, recipients: row.recipientCount };
    for (const item of rows.filter((entry) => entry.notificationId === row.id)) {
      if (item.state === 'sent') counts.sent += item.value;
      else if (item.state === 'failed') counts.failed += item.value;
      else counts.queued += item.value;
    }
    result.set(row.incidentUpdateId ?? row.maintenanceUpdateId ?? row.occasion ?? row.id, counts);
  }
  return result;
}

/** Every delivery of one notification that is still to be sent. */
export async function queuedDeliveryIds(db: Database, notificationId: string): Promise<string[]> {
  const rows = await db
    .select({ id: delivery.id })
    .from(delivery)
    .where(and(eq(delivery.notificationId, notificationId), eq(delivery.state, 'queued')))
    .orderBy(delivery.id);
  return rows.map((row) => row.id);
}

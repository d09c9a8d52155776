import { eq, sql } from 'drizzle-orm';
import { notification } from '../../db/schema';
import { newId } from '../../ids';
import type { ServiceContext } from '../../services/kernel/context';
import { queuedDeliveryIds } from '../../services/subscribers/notifications';

/** Deliveries per send job: small enough that a retry repeats little, large enough to keep SMTP busy. */
const DELIVERY_BATCH_SIZE = 50;

/**
 * Picks the recipients of a notification (confirmed subscribers of a component the incident or
 * maintenance affects, or of everything), writes one delivery row each and queues the send jobs, all in one transaction.
 * Running it again changes nothing: rows are unique per (notification, subscriber).
 */
export async function fanOutNotification(context: ServiceContext, notificationId: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction(async (tx) => {
    const [row] = await tx.select().from(notification).where(eq(notification.id, notificationId)).for('update');
    if (!row || row.fannedOutAt) return;
    const affected = row.incidentId
      ? sql`select component_id from incident_component where incident_id = ${row.incidentId}`
      : sql`select component_id from maintenance_component where maintenance_id = ${row.maintenanceId}`;
    // One INSERT … SELECT for every recipient: ten thousand subscribers are one statement.
    await tx.execute(sql`
      insert into delivery (id, notification_id, subscriber_id, state, attempts, created_at)
      select ${newId()} || '-' || s.id, ${notificationId}, s.id, 'queued', 0, ${now.toISOString()}::timestamptz
      from subscriber s
      where s.state = 'confirmed'
        and (
          not exists (select 1 from subscriber_component sc where sc.subscriber_id = s.id)
          or exists (
            select 1 from subscriber_component sc
            where sc.subscriber_id = s.id and sc.component_id in (${affected})
          )
        )
      on conflict (notification_id, subscriber_id) do nothing`);
    const ids = await queuedDeliveryIds(tx, notificationId);
    for (let start = 0; start < ids.length; start += DELIVERY_BATCH_SIZE) {
      await context.queue.send(tx, 'delivery-send', { notificationId, deliveryIds: ids.slice(start, start + DELIVERY_BATCH_SIZE) });
    }
    await tx.update(notification).set({ fannedOutAt: now, recipientCount: ids.length }).where(eq(notification.id, notificationId));
  });
}

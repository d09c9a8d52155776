import type { IncidentStatus } from '../../../domain/statuses';
import { incidentUpdate, type ComponentChange, type IncidentUpdateRow } from '../../db/schema';
import { newId } from '../../ids';
import type { ServiceContext } from '../kernel/context';
import { queueIncidentNotification } from '../subscribers/notifications';
import { queueIncidentWebhooks } from '../webhooks/webhook-subscribers';
import { insertOne, type Transaction } from '../kernel/rows';

/**
 * Writes one public update of an incident and, when it is to be emailed, queues its
 * notification: in the caller's transaction, so both commit together or not at all.
 */
export async function writePublicUpdate(
  tx: Transaction,
  context: ServiceContext,
  update: {
    incidentId: string;
    status: IncidentStatus;
    body: string;
    componentChanges: ComponentChange[];
    emailed: boolean;
    now: Date;
    displayAt: Date;
    createdBy: string | null;
    /** The next update it promises customers; none when left out (a post-mortem's update). */
    nextUpdateBy?: Date | null;
  },
): Promise<IncidentUpdateRow> {
  const row = await insertOne(tx, incidentUpdate, {
    id: newId(),
    incidentId: update.incidentId,
    status: update.status,
    body: update.body,
    componentChanges: update.componentChanges.length > 0 ? update.componentChanges : null,
    notifySubscribers: update.emailed,
    createdAt: update.now,
    displayAt: update.displayAt,
    createdBy: update.createdBy,
    nextUpdateBy: update.nextUpdateBy ?? null,
  });
  if (update.emailed)
    await queueIncidentNotification(tx, context, { incidentId: update.incidentId, incidentUpdateId: row.id, now: update.now });
  // Webhooks are machine readers: every public update, emailed or not.
  await queueIncidentWebhooks(tx, context, { incidentId: update.incidentId, incidentUpdateId: row.id, now: update.now });
  return row;
}

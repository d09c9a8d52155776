import { and, eq, isNull } from 'drizzle-orm';
import type { ComponentStatus } from '../../../domain/statuses';
import { component, componentStatusInterval } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import { insertOne, lockRow, type Transaction } from '../kernel/rows';
import { queueComponentWebhooks } from '../webhooks/webhook-subscribers';

/**
 * Moves a component to a new status at `at`: closes its open interval and opens the next one.
 * A change dated before the open interval began (a backfill) starts when that interval began,
 * so intervals never overlap. Returns the previous status. The new interval records what set it
 * (an incident, a maintenance, or neither when staff set it by hand). Runs in the caller's transaction.
 */
export async function changeComponentStatus(
  tx: Transaction,
  options: {
    componentId: string;
    status: ComponentStatus;
    at: Date;
    now: Date;
    incidentId?: string | null;
    maintenanceId?: string | null;
    queue: JobQueue;
  },
): Promise<ComponentStatus> {
  const current = await lockRow(tx, component, eq(component.id, options.componentId));
  if (!current) throw new Error(`component ${options.componentId} does not exist`);
  if (current.status === options.status) return current.status;

  const [open] = await tx
    .select()
    .from(componentStatusInterval)
    .where(and(eq(componentStatusInterval.componentId, options.componentId), isNull(componentStatusInterval.endedAt)));
  let startsAt = options.at;
  if (open) {
    if (open.startedAt > startsAt) startsAt = open.startedAt;
    await tx.update(componentStatusInterval).set({ endedAt: startsAt }).where(eq(componentStatusInterval.id, open.id));
  }
  const interval = await insertOne(tx, componentStatusInterval, {
    componentId: options.componentId,
    status: options.status,
    startedAt: startsAt,
    incidentId: options.incidentId ?? null,
    maintenanceId: options.maintenanceId ?? null,
  });
  await tx.update(component).set({ status: options.status, updatedAt: options.now }).where(eq(component.id, options.componentId));
  await queueComponentWebhooks(tx, options.queue, {
    componentId: options.componentId,
    intervalId: interval.id,
    oldStatus: current.status,
    newStatus: options.status,
    at: startsAt,
    now: options.now,
  });
  return current.status;
}

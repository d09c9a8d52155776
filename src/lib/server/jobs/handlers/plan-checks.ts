import { desc, eq, max } from 'drizzle-orm';
import { owesPostmortem, postmortemDueAt, postmortemReminderAt } from '../../../domain/communication-policy';
import { isIncidentOpen } from '../../../domain/statuses';
import { incident, incidentUpdate } from '../../db/schema';
import { getCommunicationPolicy } from '../../services/plan/policy';
import type { ServiceContext } from '../../services/kernel/context';
import type { JobData } from '../queue';

/**
 * Runs when a public update falls due: while the incident is open and no update was posted for
 * a whole cadence, the owner and the contacts are alerted, once per missed cadence, and the
 * next check is queued. A newer update makes the check a no-op (its own check is queued).
 */
export async function checkUpdateCadence(context: ServiceContext, incidentId: string): Promise<void> {
  const now = context.clock.now();
  const policy = await getCommunicationPolicy(context);
  const [row] = await context.db.select().from(incident).where(eq(incident.id, incidentId));
  if (!row || !isIncidentOpen(row.status)) return;
  // When updates were posted (a backfilled one is displayed earlier than it was written).
  const [latest] = await context.db
    .select({ at: max(incidentUpdate.createdAt) })
    .from(incidentUpdate)
    .where(eq(incidentUpdate.incidentId, incidentId));
  const lastPublicAt = latest?.at ?? row.createdAt;
  const cadenceMs = policy.updateCadenceMinutes * 60_000;
  const missed = Math.floor((now.getTime() - lastPublicAt.getTime()) / cadenceMs);
  if (missed < 1) {
    // Ran a moment early (the database clock leads ours): keep the chain alive.
    const dueAt = new Date(lastPublicAt.getTime() + cadenceMs);
    await context.queue.send(context.db, 'update-cadence-check', { incidentId, dueAt: dueAt.toISOString() }, { startAfter: dueAt });
    return;
  }
  const dueAt = new Date(lastPublicAt.getTime() + missed * cadenceMs);
  const nextAt = new Date(dueAt.getTime() + cadenceMs);
  await context.db.transaction(async (tx) => {
    await context.queue.send(tx, 'team-alert', { incidentId, kind: 'update_overdue', occasion: dueAt.toISOString() });
    await context.queue.send(tx, 'update-cadence-check', { incidentId, dueAt: nextAt.toISOString() }, { startAfter: nextAt });
  });
}

/**
 * Runs before and at a post-mortem's deadline: if it is still unpublished and the incident is
 * still the same resolution (not reopened, resolved again), the owner and the contacts are alerted.
 */
export async function checkPostmortem(context: ServiceContext, data: JobData['postmortem-check']): Promise<void> {
  const now = context.clock.now();
  const policy = await getCommunicationPolicy(context);
  const [row] = await context.db.select().from(incident).where(eq(incident.id, data.incidentId)).orderBy(desc(incident.updatedAt));
  if (!row || row.postmortemPublishedAt || !row.resolvedAt || isIncidentOpen(row.status) || !owesPostmortem(policy, row.severity)) return;
  if (row.resolvedAt.toISOString() !== data.occasion) return;
  const at = data.kind === 'postmortem_reminder' ? postmortemReminderAt(policy, row.resolvedAt) : postmortemDueAt(policy, row.resolvedAt);
  if (now < at) {
    await context.queue.send(context.db, 'postmortem-check', data, { startAfter: at });
    return;
  }
  await context.queue.send(context.db, 'team-alert', { incidentId: data.incidentId, kind: data.kind, occasion: data.occasion });
}

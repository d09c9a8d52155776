import { desc, eq } from 'drizzle-orm';
import { owesPostmortem, postmortemDueAt, postmortemReminderAt, updateDeadlinesAround } from '../../../domain/communication-policy';
import { isIncidentOpen } from '../../../domain/statuses';
import { incident } from '../../db/schema';
import { nextUpdateOwedAt } from '../../services/plan/next-update';
import { getCommunicationPolicy } from '../../services/plan/policy';
import type { ServiceContext } from '../../services/kernel/context';
import type { JobData } from '../queue';

/**
 * Runs when a public update falls due: while the incident is open and the time its latest update
 * promised (or the cadence) has passed with no newer update, the owner and the contacts are
 * alerted, once per missed deadline, and the next check is queued: later deadlines follow the
 * severity's cadence as it is now. A newer update moves the deadline (its own check is queued).
 */
export async function checkUpdateCadence(context: ServiceContext, incidentId: string): Promise<void> {
  const now = context.clock.now();
  const policy = await getCommunicationPolicy(context);
  const [row] = await context.db.select().from(incident).where(eq(incident.id, incidentId));
  if (!row || !isIncidentOpen(row.status)) return;
  const firstDueAt = await nextUpdateOwedAt(context.db, policy, row);
  if (!firstDueAt) return;
  // Ran a moment early (the database clock leads ours), nothing is missed yet: the chain goes on.
  const { lastMissedAt, nextAt } = updateDeadlinesAround(policy, row, firstDueAt, now);
  await context.db.transaction(async (tx) => {
    if (lastMissedAt) {
      await context.queue.send(tx, 'team-alert', { incidentId, kind: 'update_overdue', occasion: lastMissedAt.toISOString() });
    }
    if (nextAt) await context.queue.send(tx, 'update-cadence-check', { incidentId, dueAt: nextAt.toISOString() }, { startAfter: nextAt });
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

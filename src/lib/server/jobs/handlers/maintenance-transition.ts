import { eq } from 'drizzle-orm';
import { emailsMoment, isMaintenanceActive, reminderOccasion } from '../../../domain/maintenance';
import { standardMessages } from '../../../domain/maintenance-messages';
import { maintenance } from '../../db/schema';
import { systemActor, type ServiceContext } from '../../services/kernel/context';
import { lockRow } from '../../services/kernel/rows';
import { beginWindow, endWindow } from '../../services/maintenance/maintenance-transitions';
import { queueMaintenanceNotification } from '../../services/subscribers/notifications';
import type { JobData } from '../queue';

/**
 * Runs one transition job. The row is locked and its status and schedule version checked, so
 * a job that arrives twice, late, after a restart or after a reschedule acts at most once.
 */
export async function runMaintenanceTransition(
  context: ServiceContext,
  data: JobData['maintenance-transition'],
): Promise<'done' | 'skipped'> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const row = await lockRow(tx, maintenance, eq(maintenance.id, data.maintenanceId));
    if (!row || row.scheduleVersion !== data.version) return 'skipped';
    if (data.transition === 'reminder') {
      if (row.status !== 'scheduled' || !emailsMoment(row, 'reminder')) return 'skipped';
      const queued = await queueMaintenanceNotification(tx, context, {
        maintenanceId: row.id,
        maintenanceUpdateId: null,
        occasion: reminderOccasion(row.scheduledFor),
        now,
      });
      return queued ? 'done' : 'skipped';
    }
    const start = { now, actor: systemActor, message: standardMessages.automaticStart };
    if (data.transition === 'start') {
      if (row.status !== 'scheduled') return 'skipped';
      await beginWindow(tx, context, row, start);
      return 'done';
    }
    // The end came before the start ran (both were due while Herald was down, or two workers
    // took them at once): the window starts and completes now.
    const active = row.status === 'scheduled' ? await beginWindow(tx, context, row, start) : row;
    if (!isMaintenanceActive(active.status)) return 'skipped';
    await endWindow(tx, context, active, {
      now,
      actor: systemActor,
      message: standardMessages.complete,
      status: 'completed',
      emailed: emailsMoment(row, 'completed'),
    });
    return 'done';
  });
}

import { and, eq, inArray, isNull } from 'drizzle-orm';
import {
  activeMaintenanceStatuses,
  emailsMoment,
  isMaintenanceActive,
  maintenanceMayTakeOver,
  reminderDueAt,
  statusAfterMaintenance,
  type MaintenanceStatus,
  type StatusHolder,
} from '../../../domain/maintenance';
import { isIncidentOpen, type ComponentStatus } from '../../../domain/statuses';
import type { Database } from '../../db';
import { component, componentStatusInterval, incident, maintenance, maintenanceComponent, maintenanceUpdate } from '../../db/schema';
import { newId } from '../../ids';
import { dropMaintenanceTransitions, type JobData } from '../../jobs/queue';
import { recordAudit } from '../kernel/audit';
import { changeComponentStatus } from '../components/component-status';
import { systemActor, type Actor, type ServiceContext } from '../kernel/context';
import type { MaintenanceRow, MaintenanceUpdateRow } from './maintenance-queries';
import { queueMaintenanceNotification } from '../subscribers/notifications';
import { queueMaintenanceWebhooks } from '../webhooks/webhook-subscribers';

/**
 * What a maintenance email is about; the first part of its notification's occasion
 * (`<moment>:<update id>`, or `reminder:<start>`), from which the email takes its headline.
 */
export type MaintenanceEmailMoment = 'scheduled' | 'rescheduled' | 'started' | 'verifying' | 'extended' | 'update' | 'completed' | 'cancelled';

export const AUTOMATIC_START_MESSAGE = 'The scheduled maintenance is now in progress. We will post an update when it is complete.';
export const AUTOMATIC_END_MESSAGE = 'The scheduled maintenance has been completed.';

/**
 * Writes one public update of a maintenance and, when it is to be emailed, queues its
 * notification: in the caller's transaction, so both commit together or not at all.
 */
export async function writeMaintenanceUpdate(
  db: Database,
  context: ServiceContext,
  options: { maintenanceId: string; status: MaintenanceStatus; body: string; moment: MaintenanceEmailMoment; emailed: boolean; now: Date; createdBy: string | null },
): Promise<MaintenanceUpdateRow> {
  const [row] = await db
    .insert(maintenanceUpdate)
    .values({
      id: newId(),
      maintenanceId: options.maintenanceId,
      status: options.status,
      body: options.body,
      notifySubscribers: options.emailed,
      createdAt: options.now,
      createdBy: options.createdBy,
    })
    .returning();
  if (options.emailed) {
    await queueMaintenanceNotification(db, context, {
      maintenanceId: options.maintenanceId,
      maintenanceUpdateId: row!.id,
      occasion: `${options.moment}:${row!.id}`,
      now: options.now,
    });
  }
  // Webhooks are machine readers: every public update, emailed or not.
  await queueMaintenanceWebhooks(db, context, { maintenanceId: options.maintenanceId, maintenanceUpdateId: row!.id, now: options.now });
  return row!;
}

/**
 * Queues the jobs a window still needs from now on: the reminder and the start while it is
 * scheduled, the end until it is over. Each carries the schedule version, so after a
 * reschedule the jobs of the old times (dropped, or already taken by a worker) do nothing.
 */
export async function queueTransitions(db: Database, context: ServiceContext, row: MaintenanceRow, now: Date): Promise<void> {
  const send = (transition: JobData['maintenance-transition']['transition'], at: Date) =>
    context.queue.send(db, 'maintenance-transition', { maintenanceId: row.id, transition, version: row.scheduleVersion }, { startAfter: at });
  if (row.status === 'scheduled') {
    const reminderAt = reminderDueAt(row.scheduledFor, now);
    if (reminderAt && emailsMoment(row, 'reminder')) await send('reminder', reminderAt);
    await send('start', row.scheduledFor);
  }
  if (row.status === 'scheduled' || isMaintenanceActive(row.status)) await send('end', row.scheduledUntil);
}

interface Holder {
  holder: StatusHolder;
  incidentId: string | null;
  maintenanceId: string | null;
}

/** What set a component's current status: the incident or maintenance of its open interval, or staff. */
async function currentHolder(db: Database, componentId: string): Promise<Holder> {
  const [open] = await db
    .select({ incidentId: componentStatusInterval.incidentId, maintenanceId: componentStatusInterval.maintenanceId })
    .from(componentStatusInterval)
    .where(and(eq(componentStatusInterval.componentId, componentId), isNull(componentStatusInterval.endedAt)));
  return holderOf(db, { incidentId: open?.incidentId ?? null, maintenanceId: open?.maintenanceId ?? null });
}

async function holderOf(db: Database, ids: { incidentId: string | null; maintenanceId: string | null }): Promise<Holder> {
  if (ids.maintenanceId) {
    const [row] = await db.select({ status: maintenance.status }).from(maintenance).where(eq(maintenance.id, ids.maintenanceId));
    return { holder: { kind: 'maintenance', active: row ? isMaintenanceActive(row.status) : false }, incidentId: null, maintenanceId: ids.maintenanceId };
  }
  if (ids.incidentId) {
    const [row] = await db.select({ status: incident.status }).from(incident).where(eq(incident.id, ids.incidentId));
    return { holder: { kind: 'incident', open: row ? isIncidentOpen(row.status) : false }, incidentId: ids.incidentId, maintenanceId: null };
  }
  return { holder: { kind: 'manual' }, incidentId: null, maintenanceId: null };
}

/** The maintenance's live components in id order (the order every writer locks them in). */
async function windowComponents(db: Database, maintenanceId: string) {
  return db
    .select({ componentId: maintenanceComponent.componentId, status: component.status, statusBefore: maintenanceComponent.statusBefore, heldByIncidentId: maintenanceComponent.heldByIncidentId, heldByMaintenanceId: maintenanceComponent.heldByMaintenanceId })
    .from(maintenanceComponent)
    .innerJoin(component, eq(component.id, maintenanceComponent.componentId))
    .where(and(eq(maintenanceComponent.maintenanceId, maintenanceId), isNull(component.archivedAt)))
    .orderBy(maintenanceComponent.componentId);
}

/**
 * Starts a window (on time from its job, or early by staff): its components go to
 * under_maintenance unless an open incident holds them, the status each had is kept for the
 * end, and the "in progress" update is posted.
 */
export async function beginWindow(
  db: Database,
  context: ServiceContext,
  row: MaintenanceRow,
  options: { now: Date; actor: Actor; message: string; /** Staff may keep a start quiet that the switches would email. */ notify?: boolean },
): Promise<MaintenanceRow> {
  const { now } = options;
  if (row.setsUnderMaintenance) {
    for (const item of await windowComponents(db, row.id)) {
      const held = await currentHolder(db, item.componentId);
      if (!maintenanceMayTakeOver({ status: item.status, heldBy: held.holder })) continue;
      await changeComponentStatus(db, { componentId: item.componentId, status: 'under_maintenance', at: now, now, maintenanceId: row.id, queue: context.queue });
      await db
        .update(maintenanceComponent)
        .set({ statusBefore: item.status, heldByIncidentId: held.incidentId, heldByMaintenanceId: held.maintenanceId })
        .where(and(eq(maintenanceComponent.maintenanceId, row.id), eq(maintenanceComponent.componentId, item.componentId)));
    }
  }
  const [after] = await db
    .update(maintenance)
    .set({ status: 'in_progress', startedAt: now, updatedAt: now })
    .where(eq(maintenance.id, row.id))
    .returning();
  await dropMaintenanceTransitions(db, row.id, ['reminder', 'start']);
  await writeMaintenanceUpdate(db, context, {
    maintenanceId: row.id,
    status: 'in_progress',
    body: options.message,
    moment: 'started',
    emailed: (options.notify ?? true) && emailsMoment(row, 'started'),
    now,
    createdBy: options.actor.userId,
  });
  await recordAudit(db, options.actor, now, { action: 'maintenance.start', entityType: 'maintenance', entityId: row.id, before: { status: row.status }, after: { status: 'in_progress' } });
  return after!;
}

/**
 * Ends a window (completed, or cancelled while in progress): each component it moved goes back
 * to the status it had before, unless something else changed it meanwhile (an incident wins).
 */
export async function endWindow(
  db: Database,
  context: ServiceContext,
  row: MaintenanceRow,
  options: { now: Date; actor: Actor; message: string; status: 'completed' | 'cancelled'; emailed: boolean },
): Promise<MaintenanceRow> {
  const { now } = options;
  if (isMaintenanceActive(row.status)) await restoreComponents(db, context, row.id, now);
  const [after] = await db
    .update(maintenance)
    .set({
      status: options.status,
      updatedAt: now,
      ...(options.status === 'completed' ? { completedAt: now } : { cancelledAt: now }),
    })
    .where(eq(maintenance.id, row.id))
    .returning();
  await dropMaintenanceTransitions(db, row.id, ['reminder', 'start', 'end']);
  await writeMaintenanceUpdate(db, context, {
    maintenanceId: row.id,
    status: options.status,
    body: options.message,
    moment: options.status,
    emailed: options.emailed,
    now,
    createdBy: options.actor.userId,
  });
  await recordAudit(db, options.actor, now, {
    action: options.status === 'completed' ? 'maintenance.complete' : 'maintenance.cancel',
    entityType: 'maintenance',
    entityId: row.id,
    before: { status: row.status },
    after: { status: options.status, message: options.message },
  });
  return after!;
}

async function restoreComponents(db: Database, context: ServiceContext, maintenanceId: string, now: Date): Promise<void> {
  for (const item of await windowComponents(db, maintenanceId)) {
    const current = await currentHolder(db, item.componentId);
    // A component the window did not take over at its start may have been handed to it later,
    // by an incident resolving during the window: it then returns to operational.
    if (item.statusBefore === null && current.maintenanceId !== maintenanceId) continue;
    const statusBefore = item.statusBefore ?? 'operational';
    const before = await holderOf(db, { incidentId: item.heldByIncidentId, maintenanceId: item.heldByMaintenanceId });
    const target: ComponentStatus | null = statusAfterMaintenance({
      statusBefore,
      currentSetByThisMaintenance: current.maintenanceId === maintenanceId,
      heldBefore: before.holder,
    });
    if (!target) continue;
    // Back to the earlier status means back to whatever held it; operational belongs to nobody.
    const restoresHolder = target === statusBefore && target !== 'operational';
    await changeComponentStatus(db, {
      componentId: item.componentId,
      status: target,
      at: now,
      now,
      incidentId: restoresHolder ? before.incidentId : null,
      maintenanceId: restoresHolder ? before.maintenanceId : null,
      queue: context.queue,
    });
  }
}

/**
 * The components of running windows that set them under maintenance, for incidents resolving
 * during a window: they return to under_maintenance, held by that window, not to operational.
 */
export async function componentsUnderActiveMaintenance(db: Database): Promise<Map<string, string>> {
  const rows = await db
    .select({ componentId: maintenanceComponent.componentId, maintenanceId: maintenance.id })
    .from(maintenanceComponent)
    .innerJoin(maintenance, eq(maintenance.id, maintenanceComponent.maintenanceId))
    .where(and(inArray(maintenance.status, [...activeMaintenanceStatuses]), eq(maintenance.setsUnderMaintenance, true)));
  return new Map(rows.map((row) => [row.componentId, row.maintenanceId]));
}

/**
 * Runs one transition job. The row is locked and its status and schedule version checked, so
 * a job that arrives twice, late, after a restart or after a reschedule acts at most once.
 */
export async function runMaintenanceTransition(context: ServiceContext, data: JobData['maintenance-transition']): Promise<'done' | 'skipped'> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [row] = await tx.select().from(maintenance).where(eq(maintenance.id, data.maintenanceId)).for('update');
    if (!row || row.scheduleVersion !== data.version) return 'skipped';
    if (data.transition === 'reminder') {
      if (row.status !== 'scheduled' || !emailsMoment(row, 'reminder')) return 'skipped';
      const queued = await queueMaintenanceNotification(tx, context, {
        maintenanceId: row.id,
        maintenanceUpdateId: null,
        occasion: `reminder:${row.scheduledFor.toISOString()}`,
        now,
      });
      return queued ? 'done' : 'skipped';
    }
    if (data.transition === 'start') {
      if (row.status !== 'scheduled') return 'skipped';
      await beginWindow(tx, context, row, { now, actor: systemActor, message: AUTOMATIC_START_MESSAGE });
      return 'done';
    }
    // The end came before the start ran (both were due while Herald was down, or two workers
    // took them at once): the window starts and completes now.
    const active = row.status === 'scheduled' ? await beginWindow(tx, context, row, { now, actor: systemActor, message: AUTOMATIC_START_MESSAGE }) : row;
    if (!isMaintenanceActive(active.status)) return 'skipped';
    await endWindow(tx, context, active, { now, actor: systemActor, message: AUTOMATIC_END_MESSAGE, status: 'completed', emailed: emailsMoment(row, 'completed') });
    return 'done';
  });
}

/**
 * The engine that moves a maintenance window: begin, end, the public updates they post and the
 * jobs still due. Run by staff actions and by the maintenance-transition job, in their transaction.
 */
import { and, eq, isNull } from 'drizzle-orm';
import {
  emailsMoment,
  isMaintenanceActive,
  maintenanceMayTakeOver,
  reminderDueAt,
  statusAfterMaintenance,
  type MaintenanceStatus,
  type StatusHolder,
} from '../../../domain/maintenance';
import { isIncidentOpen, type ComponentStatus } from '../../../domain/statuses';
import {
  component,
  componentStatusInterval,
  incident,
  maintenance,
  maintenanceComponent,
  maintenanceUpdate,
  type MaintenanceRow,
  type MaintenanceUpdateRow,
} from '../../db/schema';
import { newId } from '../../ids';
import { dropMaintenanceTransitions, type JobData } from '../../jobs/queue';
import { recordAudit } from '../kernel/audit';
import { changeComponentStatus } from '../components/component-status';
import type { Actor, ServiceContext } from '../kernel/context';
import { insertOne, updateOne, type Transaction } from '../kernel/rows';
import { queueMaintenanceNotification } from '../subscribers/notifications';
import { queueMaintenanceWebhooks } from '../webhooks/webhook-subscribers';

/**
 * What a maintenance email is about; the first part of its notification's occasion
 * (`<moment>:<update id>`, or `reminder:<start>`), from which the email takes its headline.
 */
export type MaintenanceEmailMoment =
  'scheduled' | 'rescheduled' | 'started' | 'verifying' | 'extended' | 'update' | 'completed' | 'cancelled';

/**
 * Writes one public update of a maintenance and, when it is to be emailed, queues its
 * notification: in the caller's transaction, so both commit together or not at all.
 */
export async function writeMaintenanceUpdate(
  tx: Transaction,
  context: ServiceContext,
  options: {
    maintenanceId: string;
    status: MaintenanceStatus;
    body: string;
    moment: MaintenanceEmailMoment;
    emailed: boolean;
    now: Date;
    createdBy: string | null;
  },
): Promise<MaintenanceUpdateRow> {
  const row = await insertOne(tx, maintenanceUpdate, {
    id: newId(),
    maintenanceId: options.maintenanceId,
    status: options.status,
    body: options.body,
    notifySubscribers: options.emailed,
    createdAt: options.now,
    createdBy: options.createdBy,
  });
  if (options.emailed) {
    await queueMaintenanceNotification(tx, context, {
      maintenanceId: options.maintenanceId,
      maintenanceUpdateId: row.id,
      occasion: `${options.moment}:${row.id}`,
      now: options.now,
    });
  }
  // Webhooks are machine readers: every public update, emailed or not.
  await queueMaintenanceWebhooks(tx, context, { maintenanceId: options.maintenanceId, maintenanceUpdateId: row.id, now: options.now });
  return row;
}

/**
 * Queues the jobs a window still needs from now on: the reminder and the start while it is
 * scheduled, the end until it is over. Each carries the schedule version, so after a
 * reschedule the jobs of the old times (dropped, or already taken by a worker) do nothing.
 */
export async function queueTransitions(tx: Transaction, context: ServiceContext, row: MaintenanceRow, now: Date): Promise<void> {
  const send = (transition: JobData['maintenance-transition']['transition'], at: Date) =>
    context.queue.send(
      tx,
      'maintenance-transition',
      { maintenanceId: row.id, transition, version: row.scheduleVersion },
      { startAfter: at },
    );
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
async function currentHolder(tx: Transaction, componentId: string): Promise<Holder> {
  const [open] = await tx
    .select({ incidentId: componentStatusInterval.incidentId, maintenanceId: componentStatusInterval.maintenanceId })
    .from(componentStatusInterval)
    .where(and(eq(componentStatusInterval.componentId, componentId), isNull(componentStatusInterval.endedAt)));
  return holderOf(tx, { incidentId: open?.incidentId ?? null, maintenanceId: open?.maintenanceId ?? null });
}

async function holderOf(tx: Transaction, ids: { incidentId: string | null; maintenanceId: string | null }): Promise<Holder> {
  if (ids.maintenanceId) {
    const [row] = await tx.select({ status: maintenance.status }).from(maintenance).where(eq(maintenance.id, ids.maintenanceId));
    return {
      holder: { kind: 'maintenance', active: row ? isMaintenanceActive(row.status) : false },
      incidentId: null,
      maintenanceId: ids.maintenanceId,
    };
  }
  if (ids.incidentId) {
    const [row] = await tx.select({ status: incident.status }).from(incident).where(eq(incident.id, ids.incidentId));
    return {
      holder: { kind: 'incident', open: row ? isIncidentOpen(row.status) : false },
      incidentId: ids.incidentId,
      maintenanceId: null,
    };
  }
  return { holder: { kind: 'manual' }, incidentId: null, maintenanceId: null };
}

/** The maintenance's live components in id order (the order every writer locks them in). */
async function windowComponents(tx: Transaction, maintenanceId: string) {
  return tx
    .select({
      componentId: maintenanceComponent.componentId,
      status: component.status,
      statusBefore: maintenanceComponent.statusBefore,
      heldByIncidentId: maintenanceComponent.heldByIncidentId,
      heldByMaintenanceId: maintenanceComponent.heldByMaintenanceId,
    })
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
  tx: Transaction,
  context: ServiceContext,
  row: MaintenanceRow,
  options: {
    now: Date;
    actor: Actor;
    message: string;
    /** Staff may keep a start quiet that the switches would email. */ notify?: boolean;
  },
): Promise<MaintenanceRow> {
  const { now } = options;
  if (row.setsUnderMaintenance) {
    for (const item of await windowComponents(tx, row.id)) {
      const held = await currentHolder(tx, item.componentId);
      if (!maintenanceMayTakeOver({ status: item.status, heldBy: held.holder })) continue;
      await changeComponentStatus(tx, {
        componentId: item.componentId,
        status: 'under_maintenance',
        at: now,
        now,
        maintenanceId: row.id,
        queue: context.queue,
      });
      await tx
        .update(maintenanceComponent)
        .set({ statusBefore: item.status, heldByIncidentId: held.incidentId, heldByMaintenanceId: held.maintenanceId })
        .where(and(eq(maintenanceComponent.maintenanceId, row.id), eq(maintenanceComponent.componentId, item.componentId)));
    }
  }
  const after = await updateOne(tx, maintenance, eq(maintenance.id, row.id), { status: 'in_progress', startedAt: now, updatedAt: now });
  await dropMaintenanceTransitions(tx, row.id, ['reminder', 'start']);
  await writeMaintenanceUpdate(tx, context, {
    maintenanceId: row.id,
    status: 'in_progress',
    body: options.message,
    moment: 'started',
    emailed: (options.notify ?? true) && emailsMoment(row, 'started'),
    now,
    createdBy: options.actor.userId,
  });
  await recordAudit(tx, options.actor, now, {
    action: 'maintenance.start',
    entityType: 'maintenance',
    entityId: row.id,
    before: { status: row.status },
    after: { status: 'in_progress' },
  });
  return after;
}

/**
 * Ends a window (completed, or cancelled while in progress): each component it moved goes back
 * to the status it had before, unless something else changed it meanwhile (an incident wins).
 */
export async function endWindow(
  tx: Transaction,
  context: ServiceContext,
  row: MaintenanceRow,
  options: { now: Date; actor: Actor; message: string; status: 'completed' | 'cancelled'; emailed: boolean },
): Promise<MaintenanceRow> {
  const { now } = options;
  if (isMaintenanceActive(row.status)) await restoreComponents(tx, context, row.id, now);
  const after = await updateOne(tx, maintenance, eq(maintenance.id, row.id), {
    status: options.status,
    updatedAt: now,
    ...(options.status === 'completed' ? { completedAt: now } : { cancelledAt: now }),
  });
  await dropMaintenanceTransitions(tx, row.id, ['reminder', 'start', 'end']);
  await writeMaintenanceUpdate(tx, context, {
    maintenanceId: row.id,
    status: options.status,
    body: options.message,
    moment: options.status,
    emailed: options.emailed,
    now,
    createdBy: options.actor.userId,
  });
  await recordAudit(tx, options.actor, now, {
    action: options.status === 'completed' ? 'maintenance.complete' : 'maintenance.cancel',
    entityType: 'maintenance',
    entityId: row.id,
    before: { status: row.status },
    after: { status: options.status, message: options.message },
  });
  return after;
}

async function restoreComponents(tx: Transaction, context: ServiceContext, maintenanceId: string, now: Date): Promise<void> {
  for (const item of await windowComponents(tx, maintenanceId)) {
    const current = await currentHolder(tx, item.componentId);
    // A component the window did not take over at its start may have been handed to it later,
    // by an incident resolving during the window: it then returns to operational.
    if (item.statusBefore === null && current.maintenanceId !== maintenanceId) continue;
    const statusBefore = item.statusBefore ?? 'operational';
    const before = await holderOf(tx, { incidentId: item.heldByIncidentId, maintenanceId: item.heldByMaintenanceId });
    const target: ComponentStatus | null = statusAfterMaintenance({
      statusBefore,
      currentSetByThisMaintenance: current.maintenanceId === maintenanceId,
      heldBefore: before.holder,
    });
    if (!target) continue;
    // Back to the earlier status means back to whatever held it; operational belongs to nobody.
    const restoresHolder = target === statusBefore && target !== 'operational';
    await changeComponentStatus(tx, {
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

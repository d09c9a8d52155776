/**
 * Commands that plan a maintenance: scheduling a window (or a series, or a backfill) and editing
 * or rescheduling one. Staff actions on a window are in ./maintenance-action-commands.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { emailsMoment } from '../../../domain/maintenance';
import { rescheduledMessage, scheduledMessage } from '../../../domain/maintenance-messages';
import {
  isSameLocalTime,
  planOccurrences,
  START_TOLERANCE_MS,
  windowOf,
  type FieldErrors,
  type LocalWindow,
  type Window,
} from '../../../domain/maintenance-schedule';
import { component, maintenance, maintenanceComponent, maintenanceSeries, type MaintenanceRow } from '../../db/schema';
import { newId } from '../../ids';
import { dropMaintenanceTransitions } from '../../jobs/queue';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, type Transaction } from '../kernel/rows';
import { parseInput } from '../kernel/validation';
import { lockForAction } from './maintenance-action-commands';
import { scheduleMaintenanceInput, updateMaintenanceInput } from './maintenance-input';
import { queueTransitions, writeMaintenanceUpdate } from './maintenance-transitions';

/** Field errors for the chosen components that do not exist (or are archived), except those already `kept`. */
async function unknownComponents(tx: Transaction, ids: string[], kept: string[] = []): Promise<FieldErrors> {
  if (ids.length === 0) return {};
  const rows = await tx
    .select({ id: component.id })
    .from(component)
    .where(and(inArray(component.id, ids), isNull(component.archivedAt)));
  const known = new Set([...rows.map((row) => row.id), ...kept]);
  const errors: FieldErrors = {};
  ids.forEach((id, index) => {
    if (!known.has(id)) errors[`components.${index}`] = 'That component does not exist.';
  });
  return errors;
}

/** Validates a schedule or edit form and reads its window: the values and UTC window, or the field errors. */
function readWindowForm<Values extends LocalWindow>(
  schema: z.ZodType<Values>,
  input: unknown,
): ServiceResult<{ values: Values; window: Window }> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) return parsed;
  const window = windowOf(parsed.value);
  return 'errors' in window ? invalid(window.errors) : success({ values: parsed.value, window });
}

/** What staff set on a window besides its times and components, as stored. */
function windowSettings(values: z.output<typeof updateMaintenanceInput>) {
  return {
    title: values.title,
    description: values.description,
    timeZone: values.timeZone,
    setsUnderMaintenance: values.setsUnderMaintenance,
    notifySubscribers: values.notifySubscribers,
    notifyOnSchedule: values.notifyOnSchedule,
    notifyReminder: values.notifyReminder,
    notifyOnStart: values.notifyOnStart,
    notifyOnComplete: values.notifyOnComplete,
  };
}

/**
 * Schedules a maintenance, or a recurring series of them (each occurrence its own row, created
 * now, with its own jobs). A window in the past is accepted only as a backfill, which is
 * recorded as completed, emails nobody and changes no component.
 */
export async function scheduleMaintenance(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof scheduleMaintenanceInput>,
): Promise<ServiceResult<MaintenanceRow[]>> {
  const form = readWindowForm(scheduleMaintenanceInput, input);
  if (!form.ok) return form;
  const { values, window } = form.value;
  const now = context.clock.now();
  if (values.backfill && window.end.getTime() > now.getTime())
    return invalid({ endsAt: 'A backfill records a window that is over: its end must be in the past.' });
  if (!values.backfill && window.start.getTime() < now.getTime() - START_TOLERANCE_MS) {
    return invalid({ startsAt: 'The start is in the past. To record a past window, tick "Backfill".' });
  }
  const planned = planOccurrences(values, window);
  if ('errors' in planned) return invalid(planned.errors);

  return context.db.transaction(async (tx) => {
    const unknown = await unknownComponents(tx, values.components);
    if (Object.keys(unknown).length > 0) return invalid(unknown);
    const seriesId = planned.series
      ? (await insertOne(tx, maintenanceSeries, { id: newId(), rule: planned.series.rule, end: planned.series.end, createdAt: now })).id
      : null;
    const created: MaintenanceRow[] = [];
    for (const [index, occurrence] of planned.occurrences.entries()) {
      const row = await insertOne(tx, maintenance, {
        id: newId(),
        ...windowSettings(values),
        status: values.backfill ? 'completed' : 'scheduled',
        scheduledFor: occurrence.start,
        scheduledUntil: occurrence.end,
        backfilled: values.backfill,
        seriesId,
        startedAt: values.backfill ? occurrence.start : null,
        completedAt: values.backfill ? occurrence.end : null,
        createdAt: now,
        updatedAt: now,
        createdBy: actor.userId,
      });
      if (values.components.length > 0) {
        await tx.insert(maintenanceComponent).values(values.components.map((componentId) => ({ maintenanceId: row.id, componentId })));
      }
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId: row.id,
        status: row.status,
        body: scheduledMessage({
          start: occurrence.start,
          end: occurrence.end,
          timeZone: values.timeZone,
          backfill: values.backfill,
          series: planned.series,
        }),
        moment: 'scheduled',
        // A series is announced once, by its first occurrence; each still sends its own reminder.
        emailed: index === 0 && emailsMoment(row, 'scheduled'),
        now,
        createdBy: actor.userId,
      });
      if (!values.backfill) await queueTransitions(tx, context, row, now);
      created.push(row);
    }
    const [first] = created;
    await recordAudit(tx, actor, now, {
      action: values.backfill ? 'maintenance.backfill' : 'maintenance.schedule',
      entityType: 'maintenance',
      entityId: first?.id ?? null,
      after: { ...first, components: values.components, occurrences: created.length, series: planned.series },
    });
    return success(created);
  });
}

/**
 * Edits a maintenance. While it is scheduled, new times reschedule it: its jobs move, and
 * subscribers who were told about it hear of the new window. Once started, its times and
 * components are changed with the actions instead (extend, complete).
 */
export async function updateMaintenance(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof updateMaintenanceInput>,
): Promise<ServiceResult<MaintenanceRow>> {
  const form = readWindowForm(updateMaintenanceInput, input);
  if (!form.ok) return form;
  const { values, window } = form.value;
  const now = context.clock.now();

  return context.db.transaction(async (tx) => {
    const locked = await lockForAction(tx, maintenanceId, 'edit');
    if (!locked.ok) return locked;
    const before = locked.value;
    // Times shown back to staff unchanged are not a move.
    const moved =
      !isSameLocalTime(before.scheduledFor, values.startsAt, values.timeZone) ||
      !isSameLocalTime(before.scheduledUntil, values.endsAt, values.timeZone);
    const start = moved ? window.start : before.scheduledFor;
    const end = moved ? window.end : before.scheduledUntil;
    const currentComponents = (
      await tx
        .select({ id: maintenanceComponent.componentId })
        .from(maintenanceComponent)
        .where(eq(maintenanceComponent.maintenanceId, maintenanceId))
    ).map((row) => row.id);
    const componentsChanged =
      currentComponents.length !== values.components.length || values.components.some((id) => !currentComponents.includes(id));
    if (before.status !== 'scheduled') {
      if (moved) return invalid({ endsAt: 'It has started: use "Extend" to change its end.' });
      if (componentsChanged) return invalid({ components: 'It has started: its components can no longer change.' });
    }
    if (moved && before.status === 'scheduled' && window.start.getTime() < now.getTime() - START_TOLERANCE_MS) {
      return invalid({ startsAt: 'The new start is in the past. To begin now, use "Start now".' });
    }
    // Only added components must exist: one archived since it was chosen stays listed.
    const unknown = await unknownComponents(tx, values.components, currentComponents);
    if (Object.keys(unknown).length > 0) return invalid(unknown);

    const after = await updateOne(tx, maintenance, eq(maintenance.id, maintenanceId), {
      ...windowSettings(values),
      scheduledFor: start,
      scheduledUntil: end,
      scheduleVersion: moved ? before.scheduleVersion + 1 : before.scheduleVersion,
      updatedAt: now,
    });
    if (componentsChanged) {
      await tx.delete(maintenanceComponent).where(eq(maintenanceComponent.maintenanceId, maintenanceId));
      if (values.components.length > 0)
        await tx.insert(maintenanceComponent).values(values.components.map((componentId) => ({ maintenanceId, componentId })));
    }
    // Switching the reminder on or off changes the jobs too, so they are re-queued on any edit.
    if (after.status === 'scheduled') {
      await dropMaintenanceTransitions(tx, maintenanceId, ['reminder', 'start', 'end']);
      await queueTransitions(tx, context, after, now);
    }
    if (moved) {
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId,
        status: after.status,
        body: rescheduledMessage(start, end, values.timeZone),
        moment: 'rescheduled',
        emailed: emailsMoment(after, 'rescheduled'),
        now,
        createdBy: actor.userId,
      });
    }
    await recordAudit(tx, actor, now, {
      action: moved ? 'maintenance.reschedule' : 'maintenance.edit',
      entityType: 'maintenance',
      entityId: maintenanceId,
      before: { ...before, components: currentComponents },
      after: { ...after, components: values.components },
    });
    return success(after);
  });
}

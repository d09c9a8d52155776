import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { allowsAction, emailsMoment, MAX_MAINTENANCE_OCCURRENCES, type MaintenanceAction } from '../../../domain/maintenance';
import { describeRecurrence, expandRecurrence, utcToZonedTime, type IsoWeekday, type Occurrence, type RecurrenceEnd, type RecurrenceRule } from '../../../domain/recurrence';
import { formatInZone, formatWindow } from '../../../domain/time-format';
import type { Database } from '../../db';
import { component, maintenance, maintenanceComponent, maintenanceSeries } from '../../db/schema';
import { newId } from '../../ids';
import { dropMaintenanceTransitions } from '../../jobs/queue';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import {
  extendMaintenanceInput,
  instantOf,
  maintenanceActionInput,
  postMaintenanceUpdateInput,
  scheduleMaintenanceInput,
  START_TOLERANCE_MS,
  updateMaintenanceInput,
} from './maintenance-input';
import type { MaintenanceRow, MaintenanceUpdateRow } from './maintenance-queries';
import { beginWindow, endWindow, queueTransitions, writeMaintenanceUpdate } from './windows';
import { parseInput } from '../kernel/validation';

export const standardMessages = {
  start: 'The scheduled maintenance has started.',
  verify: 'The work is done and we are verifying that everything works as expected.',
  complete: 'The scheduled maintenance has been completed.',
  cancel: 'This scheduled maintenance has been cancelled.',
} as const;

type WindowValues = z.output<typeof updateMaintenanceInput>;

/** The UTC window of a form's local times, or the field errors that make it unusable. */
function windowOf(values: WindowValues): { start: Date; end: Date } | { errors: Record<string, string> } {
  const start = instantOf(values.startsAt, values.timeZone);
  const end = instantOf(values.endsAt, values.timeZone);
  if (end.getTime() <= start.getTime()) return { errors: { endsAt: 'The end must be after the start.' } };
  if (start.getUTCFullYear() < 2000 || end.getUTCFullYear() > 2999) return { errors: { startsAt: 'Enter a date between the years 2000 and 2999.' } };
  return { start, end };
}

/** Field errors for the chosen components that do not exist (or are archived), except those already `kept`. */
async function unknownComponents(db: Database, ids: string[], kept: string[] = []): Promise<Record<string, string>> {
  if (ids.length === 0) return {};
  const rows = await db
    .select({ id: component.id })
    .from(component)
    .where(and(inArray(component.id, ids), isNull(component.archivedAt)));
  const known = new Set([...rows.map((row) => row.id), ...kept]);
  const errors: Record<string, string> = {};
  ids.forEach((id, index) => {
    if (!known.has(id)) errors[`components.${index}`] = 'That component does not exist.';
  });
  return errors;
}

type Planned = { occurrences: Occurrence[]; series: { rule: RecurrenceRule; end: RecurrenceEnd } | null } | { errors: Record<string, string> };

/** The occurrences a schedule form asks for: one window, or a series expanded ahead of time. */
function occurrencesOf(values: z.output<typeof scheduleMaintenanceInput>, window: { start: Date; end: Date }): Planned {
  if (values.recurrence === 'none') return { occurrences: [window], series: null };
  if (values.backfill) return { errors: { recurrence: 'A backfill records one past window; it cannot repeat.' } };
  let rule: RecurrenceRule;
  if (values.recurrence === 'weekly') {
    if (values.weekdays.length === 0) return { errors: { weekdays: 'Choose at least one day of the week.' } };
    rule = { frequency: 'weekly', weekdays: [...new Set(values.weekdays)].sort() as IsoWeekday[] };
  } else {
    if (values.dayOfMonth === undefined) return { errors: { dayOfMonth: 'Enter a day of the month (1–31).' } };
    rule = { frequency: 'monthly', dayOfMonth: values.dayOfMonth };
  }
  let end: RecurrenceEnd;
  if (values.recurrenceEnd === 'count') {
    if (values.occurrences === undefined) return { errors: { occurrences: 'Enter how many times it happens.' } };
    if (values.occurrences > MAX_MAINTENANCE_OCCURRENCES) return { errors: { occurrences: `A series may have at most ${MAX_MAINTENANCE_OCCURRENCES} occurrences.` } };
    end = { count: values.occurrences };
  } else {
    if (values.until === undefined) return { errors: { until: 'Enter the date of the last occurrence.' } };
    end = { until: values.until };
  }
  const expanded = expandRecurrence({
    firstStart: values.startsAt,
    durationMinutes: Math.round((window.end.getTime() - window.start.getTime()) / 60_000),
    timeZone: values.timeZone,
    rule,
    end,
    limit: MAX_MAINTENANCE_OCCURRENCES,
  });
  if (!expanded.ok) {
    const field = values.recurrenceEnd === 'until' ? 'until' : 'occurrences';
    return {
      errors:
        expanded.reason === 'too_many'
          ? { [field]: `This would create more than ${MAX_MAINTENANCE_OCCURRENCES} occurrences: choose an earlier end date.` }
          : { recurrence: expanded.message },
    };
  }
  return { occurrences: expanded.occurrences, series: { rule, end } };
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
  const parsed = parseInput(scheduleMaintenanceInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const window = windowOf(values);
  if ('errors' in window) return invalid(window.errors);
  if (values.backfill && window.end.getTime() > now.getTime()) return invalid({ endsAt: 'A backfill records a window that is over: its end must be in the past.' });
  if (!values.backfill && window.start.getTime() < now.getTime() - START_TOLERANCE_MS) {
    return invalid({ startsAt: 'The start is in the past. To record a past window, tick "Backfill".' });
  }
  const planned = occurrencesOf(values, window);
  if ('errors' in planned) return invalid(planned.errors);

  return context.db.transaction(async (tx) => {
    const unknown = await unknownComponents(tx, values.components);
    if (Object.keys(unknown).length > 0) return invalid(unknown);
    const seriesId = planned.series ? newId() : null;
    if (planned.series) await tx.insert(maintenanceSeries).values({ id: seriesId!, rule: planned.series.rule, end: planned.series.end, createdAt: now });
    const created: MaintenanceRow[] = [];
    const seriesNote = planned.series ? ` ${describeRecurrence(planned.series.rule, planned.series.end)}.` : '';
    for (const [index, occurrence] of planned.occurrences.entries()) {
      const [row] = await tx
        .insert(maintenance)
        .values({
          id: newId(),
          title: values.title,
          description: values.description,
          status: values.backfill ? 'completed' : 'scheduled',
          scheduledFor: occurrence.start,
          scheduledUntil: occurrence.end,
          timeZone: values.timeZone,
          setsUnderMaintenance: values.setsUnderMaintenance,
          notifySubscribers: values.notifySubscribers,
          notifyOnSchedule: values.notifyOnSchedule,
          notifyReminder: values.notifyReminder,
          notifyOnStart: values.notifyOnStart,
          notifyOnComplete: values.notifyOnComplete,
          backfilled: values.backfill,
          seriesId,
          startedAt: values.backfill ? occurrence.start : null,
          completedAt: values.backfill ? occurrence.end : null,
          createdAt: now,
          updatedAt: now,
          createdBy: actor.userId,
        })
        .returning();
      if (values.components.length > 0) {
        await tx.insert(maintenanceComponent).values(values.components.map((componentId) => ({ maintenanceId: row!.id, componentId })));
      }
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId: row!.id,
        status: row!.status,
        // The description is on the page already; the first update says when.
        body: values.backfill
          ? `Carried out ${formatWindow(occurrence.start, occurrence.end, values.timeZone)}; recorded afterwards.`
          : `Scheduled for ${formatWindow(occurrence.start, occurrence.end, values.timeZone)}.${seriesNote}`,
        moment: 'scheduled',
        // A series is announced once, by its first occurrence; each still sends its own reminder.
        emailed: index === 0 && emailsMoment(row!, 'scheduled'),
        now,
        createdBy: actor.userId,
      });
      if (!values.backfill) await queueTransitions(tx, context, row!, now);
      created.push(row!);
    }
    await recordAudit(tx, actor, now, {
      action: values.backfill ? 'maintenance.backfill' : 'maintenance.schedule',
      entityType: 'maintenance',
      entityId: created[0]!.id,
      after: { ...created[0], components: values.components, occurrences: created.length, series: planned.series },
    });
    return success(created);
  });
}

/** Locks a maintenance for a staff action and checks the action fits its status. */
async function lockFor(db: Database, maintenanceId: string, action: MaintenanceAction): Promise<ServiceResult<MaintenanceRow>> {
  const [row] = await db.select().from(maintenance).where(eq(maintenance.id, maintenanceId)).for('update');
  if (!row) return notFound('That maintenance does not exist.');
  if (!allowsAction(row.status, action)) return conflict(`This maintenance is ${row.status.replace('_', ' ')}: it can no longer be changed that way.`);
  return success(row);
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
  const parsed = parseInput(updateMaintenanceInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const window = windowOf(values);
  if ('errors' in window) return invalid(window.errors);

  return context.db.transaction(async (tx) => {
    const locked = await lockFor(tx, maintenanceId, 'edit');
    if (!locked.ok) return locked;
    const before = locked.value;
    // Times shown back to staff unchanged are not a move, even where a DST fall-back makes the
    // local time ambiguous and reading it again would pick the other instant.
    const unchanged = (stored: Date, local: string) => stored.getTime() === instantOf(local, values.timeZone).getTime() || utcToZonedTime(stored, values.timeZone) === local.slice(0, 16);
    const moved = !unchanged(before.scheduledFor, values.startsAt) || !unchanged(before.scheduledUntil, values.endsAt);
    const start = moved ? window.start : before.scheduledFor;
    const end = moved ? window.end : before.scheduledUntil;
    const currentComponents = (await tx.select({ id: maintenanceComponent.componentId }).from(maintenanceComponent).where(eq(maintenanceComponent.maintenanceId, maintenanceId))).map((row) => row.id);
    const componentsChanged = currentComponents.length !== values.components.length || values.components.some((id) => !currentComponents.includes(id));
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

    const [after] = await tx
      .update(maintenance)
      .set({
        title: values.title,
        description: values.description,
        timeZone: values.timeZone,
        scheduledFor: start,
        scheduledUntil: end,
        setsUnderMaintenance: values.setsUnderMaintenance,
        notifySubscribers: values.notifySubscribers,
        notifyOnSchedule: values.notifyOnSchedule,
        notifyReminder: values.notifyReminder,
        notifyOnStart: values.notifyOnStart,
        notifyOnComplete: values.notifyOnComplete,
        scheduleVersion: moved ? before.scheduleVersion + 1 : before.scheduleVersion,
        updatedAt: now,
      })
      .where(eq(maintenance.id, maintenanceId))
      .returning();
    if (componentsChanged) {
      await tx.delete(maintenanceComponent).where(eq(maintenanceComponent.maintenanceId, maintenanceId));
      if (values.components.length > 0) await tx.insert(maintenanceComponent).values(values.components.map((componentId) => ({ maintenanceId, componentId })));
    }
    // Switching the reminder on or off changes the jobs too, so they are re-queued on any edit.
    if (after!.status === 'scheduled') {
      await dropMaintenanceTransitions(tx, maintenanceId, ['reminder', 'start', 'end']);
      await queueTransitions(tx, context, after!, now);
    }
    if (moved) {
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId,
        status: after!.status,
        body: `Rescheduled to ${formatWindow(start, end, values.timeZone)}.`,
        moment: 'rescheduled',
        emailed: emailsMoment(after!, 'rescheduled'),
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
    return success(after!);
  });
}

/**
 * The frame of every staff action on one maintenance: validate the input, lock the row, check
 * the action fits its status, then act in that transaction.
 */
async function act<Schema extends z.ZodType, T>(
  context: ServiceContext,
  maintenanceId: string,
  action: MaintenanceAction,
  schema: Schema,
  input: unknown,
  run: (tx: Database, row: MaintenanceRow, values: z.output<Schema>, now: Date) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const locked = await lockFor(tx, maintenanceId, action);
    if (!locked.ok) return locked;
    return run(tx, locked.value, parsed.value, now);
  });
}

/** Starts a scheduled maintenance now, ahead of its time (its end stays). */
export function startMaintenanceNow(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof maintenanceActionInput>) {
  return act(context, maintenanceId, 'start', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(await beginWindow(tx, context, row, { now, actor, message: values.message ?? standardMessages.start, notify: values.notifySubscribers })),
  );
}

/** Completes an in-progress maintenance now (early, or on time by hand). */
export function completeMaintenance(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof maintenanceActionInput>) {
  return act(context, maintenanceId, 'complete', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(await endWindow(tx, context, row, { now, actor, message: values.message ?? standardMessages.complete, status: 'completed', emailed: values.notifySubscribers && emailsMoment(row, 'completed') })),
  );
}

/**
 * Cancels a maintenance: its jobs go, its components return as at its end, and subscribers who
 * were told about it are told it is off.
 */
export function cancelMaintenance(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof maintenanceActionInput>) {
  return act(context, maintenanceId, 'cancel', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(await endWindow(tx, context, row, { now, actor, message: values.message ?? standardMessages.cancel, status: 'cancelled', emailed: values.notifySubscribers && emailsMoment(row, 'cancelled') })),
  );
}

/** Cancels this occurrence and every later scheduled one of its series. Returns how many. */
export function cancelMaintenanceSeries(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof maintenanceActionInput>) {
  return act(context, maintenanceId, 'cancel', maintenanceActionInput, input, async (tx, first, values, now): Promise<ServiceResult<number>> => {
    if (!first.seriesId) return invalid({ form: 'This maintenance is not part of a series.' });
    const later = await tx
      .select()
      .from(maintenance)
      .where(and(eq(maintenance.seriesId, first.seriesId), eq(maintenance.status, 'scheduled'), gt(maintenance.scheduledFor, first.scheduledFor)))
      .orderBy(maintenance.scheduledFor, maintenance.id)
      .for('update');
    for (const row of [first, ...later]) {
      await endWindow(tx, context, row, { now, actor, message: values.message ?? standardMessages.cancel, status: 'cancelled', emailed: values.notifySubscribers && emailsMoment(row, 'cancelled') });
    }
    return success(later.length + 1);
  });
}

/** Moves the end of an in-progress maintenance (later, or sooner), with an update. */
export function extendMaintenance(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof extendMaintenanceInput>) {
  return act(context, maintenanceId, 'extend', extendMaintenanceInput, input, async (tx, before, values, now): Promise<ServiceResult<MaintenanceRow>> => {
    const end = instantOf(values.endsAt, values.timeZone);
    if (end.getTime() <= now.getTime()) return invalid({ endsAt: 'The new end must be in the future. To end it now, use "Complete".' });
    const [after] = await tx
      .update(maintenance)
      .set({ scheduledUntil: end, scheduleVersion: before.scheduleVersion + 1, updatedAt: now })
      .where(eq(maintenance.id, maintenanceId))
      .returning();
    await dropMaintenanceTransitions(tx, maintenanceId, ['end']);
    await queueTransitions(tx, context, after!, now);
    await writeMaintenanceUpdate(tx, context, {
      maintenanceId,
      status: after!.status,
      body: values.message ?? `The maintenance is now expected to end ${formatInZone(end, values.timeZone)}.`,
      moment: 'extended',
      emailed: staffUpdateEmailed(after!, values.notifySubscribers),
      now,
      createdBy: actor.userId,
    });
    await recordAudit(tx, actor, now, {
      action: 'maintenance.extend',
      entityType: 'maintenance',
      entityId: maintenanceId,
      before: { scheduledUntil: before.scheduledUntil },
      after: { scheduledUntil: end, message: values.message },
    });
    return success(after!);
  });
}

/** Marks an in-progress maintenance as verifying: the work is done, checks are running. */
export function markMaintenanceVerifying(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof maintenanceActionInput>) {
  return act(context, maintenanceId, 'verify', maintenanceActionInput, input, async (tx, before, values, now): Promise<ServiceResult<MaintenanceRow>> => {
    const [after] = await tx.update(maintenance).set({ status: 'verifying', updatedAt: now }).where(eq(maintenance.id, maintenanceId)).returning();
    await writeMaintenanceUpdate(tx, context, {
      maintenanceId,
      status: 'verifying',
      body: values.message ?? standardMessages.verify,
      moment: 'verifying',
      emailed: staffUpdateEmailed(after!, values.notifySubscribers),
      now,
      createdBy: actor.userId,
    });
    await recordAudit(tx, actor, now, { action: 'maintenance.verify', entityType: 'maintenance', entityId: maintenanceId, before: { status: before.status }, after: { status: 'verifying' } });
    return success(after!);
  });
}

/** Posts a free-form update in the maintenance's current status. */
export function postMaintenanceUpdate(context: ServiceContext, actor: Actor, maintenanceId: string, input: z.input<typeof postMaintenanceUpdateInput>) {
  return act(context, maintenanceId, 'post', postMaintenanceUpdateInput, input, async (tx, row, values, now): Promise<ServiceResult<MaintenanceUpdateRow>> => {
    await tx.update(maintenance).set({ updatedAt: now }).where(eq(maintenance.id, maintenanceId));
    const update = await writeMaintenanceUpdate(tx, context, {
      maintenanceId,
      status: row.status,
      body: values.message,
      moment: 'update',
      emailed: staffUpdateEmailed(row, values.notifySubscribers),
      now,
      createdBy: actor.userId,
    });
    await recordAudit(tx, actor, now, { action: 'maintenance.update', entityType: 'maintenance', entityId: maintenanceId, after: { message: values.message } });
    return success(update);
  });
}

/** A staff update (extend, verifying, free text) is emailed when staff ask and the maintenance emails at all. */
function staffUpdateEmailed(row: MaintenanceRow, staffChoice: boolean): boolean {
  return staffChoice && emailsMoment(row, 'rescheduled');
}

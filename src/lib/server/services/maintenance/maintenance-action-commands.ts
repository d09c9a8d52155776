/**
 * Staff actions on one maintenance window: start it early, extend it, mark it verifying,
 * complete or cancel it (or the rest of its series), post an update.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { z } from 'zod';
import { allowsAction, emailsMoment, emailsStaffUpdate, type MaintenanceAction } from '../../../domain/maintenance';
import { extendedMessage, standardMessages } from '../../../domain/maintenance-messages';
import { instantOf } from '../../../domain/maintenance-schedule';
import { maintenance, type MaintenanceRow, type MaintenanceUpdateRow } from '../../db/schema';
import { dropMaintenanceTransitions } from '../../jobs/queue';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { lockRow, updateOne, type Transaction } from '../kernel/rows';
import { parseInput } from '../kernel/validation';
import { extendMaintenanceInput, maintenanceActionInput, postMaintenanceUpdateInput } from './maintenance-input';
import { beginWindow, endWindow, queueTransitions, writeMaintenanceUpdate } from './maintenance-transitions';

/** Locks a maintenance for a staff action (or an edit) and checks the action fits its status. */
export async function lockForAction(
  tx: Transaction,
  maintenanceId: string,
  action: MaintenanceAction,
): Promise<ServiceResult<MaintenanceRow>> {
  const row = await lockRow(tx, maintenance, eq(maintenance.id, maintenanceId));
  if (!row) return notFound('That maintenance does not exist.');
  if (!allowsAction(row.status, action))
    return conflict(`This maintenance is ${row.status.replace('_', ' ')}: it can no longer be changed that way.`);
  return success(row);
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
  run: (tx: Transaction, row: MaintenanceRow, values: z.output<Schema>, now: Date) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const locked = await lockForAction(tx, maintenanceId, action);
    if (!locked.ok) return locked;
    return run(tx, locked.value, parsed.value, now);
  });
}

/** Starts a scheduled maintenance now, ahead of its time (its end stays). */
export function startMaintenanceNow(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof maintenanceActionInput>,
) {
  return act(context, maintenanceId, 'start', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(
      await beginWindow(tx, context, row, {
        now,
        actor,
        message: values.message ?? standardMessages.start,
        notify: values.notifySubscribers,
      }),
    ),
  );
}

/** Completes an in-progress maintenance now (early, or on time by hand). */
export function completeMaintenance(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof maintenanceActionInput>,
) {
  return act(context, maintenanceId, 'complete', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(
      await endWindow(tx, context, row, {
        now,
        actor,
        message: values.message ?? standardMessages.complete,
        status: 'completed',
        emailed: values.notifySubscribers && emailsMoment(row, 'completed'),
      }),
    ),
  );
}

/**
 * Cancels a maintenance: its jobs go, its components return as at its end, and subscribers who
 * were told about it are told it is off.
 */
export function cancelMaintenance(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof maintenanceActionInput>,
) {
  return act(context, maintenanceId, 'cancel', maintenanceActionInput, input, async (tx, row, values, now) =>
    success(
      await endWindow(tx, context, row, {
        now,
        actor,
        message: values.message ?? standardMessages.cancel,
        status: 'cancelled',
        emailed: values.notifySubscribers && emailsMoment(row, 'cancelled'),
      }),
    ),
  );
}

/** Cancels this occurrence and every later scheduled one of its series. Returns how many. */
export function cancelMaintenanceSeries(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof maintenanceActionInput>,
) {
  return act(
    context,
    maintenanceId,
    'cancel',
    maintenanceActionInput,
    input,
    async (tx, first, values, now): Promise<ServiceResult<number>> => {
      if (!first.seriesId) return invalid({ form: 'This maintenance is not part of a series.' });
      const later = await tx
        .select()
        .from(maintenance)
        .where(
          and(
            eq(maintenance.seriesId, first.seriesId),
            eq(maintenance.status, 'scheduled'),
            gt(maintenance.scheduledFor, first.scheduledFor),
          ),
        )
        .orderBy(maintenance.scheduledFor, maintenance.id)
        .for('update');
      for (const row of [first, ...later]) {
        await endWindow(tx, context, row, {
          now,
          actor,
          message: values.message ?? standardMessages.cancel,
          status: 'cancelled',
          emailed: values.notifySubscribers && emailsMoment(row, 'cancelled'),
        });
      }
      return success(later.length + 1);
    },
  );
}

/** Moves the end of an in-progress maintenance (later, or sooner), with an update. */
export function extendMaintenance(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof extendMaintenanceInput>,
) {
  return act(
    context,
    maintenanceId,
    'extend',
    extendMaintenanceInput,
    input,
    async (tx, before, values, now): Promise<ServiceResult<MaintenanceRow>> => {
      const end = instantOf(values.endsAt, values.timeZone);
      if (end.getTime() <= now.getTime()) return invalid({ endsAt: 'The new end must be in the future. To end it now, use "Complete".' });
      const after = await updateOne(tx, maintenance, eq(maintenance.id, maintenanceId), {
        scheduledUntil: end,
        scheduleVersion: before.scheduleVersion + 1,
        updatedAt: now,
      });
      await dropMaintenanceTransitions(tx, maintenanceId, ['end']);
      await queueTransitions(tx, context, after, now);
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId,
        status: after.status,
        body: values.message ?? extendedMessage(end, values.timeZone),
        moment: 'extended',
        emailed: values.notifySubscribers && emailsStaffUpdate(after),
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
      return success(after);
    },
  );
}

/** Marks an in-progress maintenance as verifying: the work is done, checks are running. */
export function markMaintenanceVerifying(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof maintenanceActionInput>,
) {
  return act(
    context,
    maintenanceId,
    'verify',
    maintenanceActionInput,
    input,
    async (tx, before, values, now): Promise<ServiceResult<MaintenanceRow>> => {
      const after = await updateOne(tx, maintenance, eq(maintenance.id, maintenanceId), { status: 'verifying', updatedAt: now });
      await writeMaintenanceUpdate(tx, context, {
        maintenanceId,
        status: 'verifying',
        body: values.message ?? standardMessages.verify,
        moment: 'verifying',
        emailed: values.notifySubscribers && emailsStaffUpdate(after),
        now,
        createdBy: actor.userId,
      });
      await recordAudit(tx, actor, now, {
        action: 'maintenance.verify',
        entityType: 'maintenance',
        entityId: maintenanceId,
        before: { status: before.status },
        after: { status: 'verifying' },
      });
      return success(after);
    },
  );
}

/** Posts a free-form update in the maintenance's current status. */
export function postMaintenanceUpdate(
  context: ServiceContext,
  actor: Actor,
  maintenanceId: string,
  input: z.input<typeof postMaintenanceUpdateInput>,
) {
  return act(
    context,
    maintenanceId,
    'post',
    postMaintenanceUpdateInput,
    input,
    async (tx, row, values, now): Promise<ServiceResult<MaintenanceUpdateRow>> => {
      await tx.update(maintenance).set({ updatedAt: now }).where(eq(maintenance.id, maintenanceId));
      const update = await writeMaintenanceUpdate(tx, context, {
        maintenanceId,
        status: row.status,
        body: values.message,
        moment: 'update',
        emailed: values.notifySubscribers && emailsStaffUpdate(row),
        now,
        createdBy: actor.userId,
      });
      await recordAudit(tx, actor, now, {
        action: 'maintenance.update',
        entityType: 'maintenance',
        entityId: maintenanceId,
        after: { message: values.message },
      });
      return success(update);
    },
  );
}

import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import {
  actionItemStates,
  defaultActionItemDueDate,
  dueAtOfDate,
  dueDateOf,
  isCalendarDate,
  type ActionItemState,
} from '../../../domain/action-items';
import { actionItem, incident, user, type ActionItemRow, type IncidentRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, lockRow, updateOne, withLockedRow, type Transaction } from '../kernel/rows';
import { idSchema, parseInput, requiredText } from '../kernel/validation';
import { getPageSettings } from '../settings/page-settings';

/** The follow-up actions of a post-mortem: added, edited, done, dropped or reopened by staff, each audited. */

const dueDate = z.string({ error: 'Choose a due date.' }).trim().refine(isCalendarDate, 'Enter the due date as a date (YYYY-MM-DD).');

const itemFields = {
  title: requiredText('Title', 300),
  ownerId: z.string({ error: 'Choose an owner.' }).trim().min(1, 'Choose an owner.').pipe(idSchema),
};

/** A new item: blank due date takes the default for the incident's severity. */
export const newActionItemInput = z.object({
  ...itemFields,
  dueDate: z
    .union([dueDate, z.literal('')])
    .nullish()
    .transform((value) => value || null),
});

export const actionItemEditInput = z.object({ ...itemFields, dueDate });

export const actionItemStateInput = z.object({
  state: z.enum(actionItemStates, { error: 'Choose open, done or dropped.' }),
});

/** Why the item may not be saved, by field: an owner who is not an active staff user, or a due date before the incident. */
async function refusals(tx: Transaction, values: { ownerId: string; dueAt: Date }, of: IncidentRow): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const [person] = await tx
    .select({ id: user.id })
    .from(user)
    .where(and(eq(user.id, values.ownerId), isNull(user.disabledAt)));
  if (!person) errors.ownerId = 'Choose an owner from the staff list.';
  if (values.dueAt <= of.startedAt) errors.dueDate = 'The due date is before the incident began.';
  return errors;
}

const auditOf = (row: ActionItemRow) => ({
  incidentId: row.incidentId,
  title: row.title,
  ownerId: row.ownerId,
  dueAt: row.dueAt,
  state: row.state,
});

export async function addActionItem(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof newActionItemInput>,
): Promise<ServiceResult<ActionItemRow>> {
  const parsed = parseInput(newActionItemInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, row) => {
    const { timeZone } = await getPageSettings({ db: tx });
    const dueAt = dueAtOfDate(values.dueDate ?? defaultActionItemDueDate(row, now, timeZone), timeZone);
    const errors = await refusals(tx, { ownerId: values.ownerId, dueAt }, row);
    if (Object.keys(errors).length > 0) return invalid(errors);
    const created = await insertOne(tx, actionItem, {
      id: newId(),
      incidentId,
      title: values.title,
      ownerId: values.ownerId,
      dueAt,
      state: 'open',
      createdAt: now,
      updatedAt: now,
      createdBy: actor.userId,
    });
    await recordAudit(tx, actor, now, {
      action: 'action_item.create',
      entityType: 'action_item',
      entityId: created.id,
      after: auditOf(created),
    });
    return success(created);
  });
}

/** Changes the title, owner or due date; a new due date earns a new overdue reminder. */
export async function editActionItem(
  context: ServiceContext,
  actor: Actor,
  itemId: string,
  input: z.input<typeof actionItemEditInput>,
): Promise<ServiceResult<ActionItemRow>> {
  const parsed = parseInput(actionItemEditInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  return withLockedRow(context.db, actionItem, eq(actionItem.id, itemId), 'That action item does not exist.', async (tx, before) => {
    const row = await lockRow(tx, incident, eq(incident.id, before.incidentId));
    if (!row) return notFound('That incident does not exist.');
    const { timeZone } = await getPageSettings({ db: tx });
    // The date as posted: an unchanged date keeps the stored instant (set under another time zone, perhaps).
    const dueAt = values.dueDate === dueDateOf(before.dueAt, timeZone) ? before.dueAt : dueAtOfDate(values.dueDate, timeZone);
    const errors = await refusals(tx, { ownerId: values.ownerId, dueAt }, row);
    if (Object.keys(errors).length > 0) return invalid(errors);
    const after = await updateOne(tx, actionItem, eq(actionItem.id, itemId), {
      title: values.title,
      ownerId: values.ownerId,
      dueAt,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'action_item.update',
      entityType: 'action_item',
      entityId: itemId,
      before: auditOf(before),
      after: auditOf(after),
    });
    return success(after);
  });
}

const stateActions: Record<ActionItemState, string> = { open: 'action_item.reopen', done: 'action_item.done', dropped: 'action_item.drop' };
const alreadyIn: Record<ActionItemState, string> = {
  open: 'This action item is already open.',
  done: 'This action item is already done.',
  dropped: 'This action item is already dropped.',
};

/** Marks an item done or dropped (closing it), or reopens it. */
export async function changeActionItemState(
  context: ServiceContext,
  actor: Actor,
  itemId: string,
  input: z.input<typeof actionItemStateInput>,
): Promise<ServiceResult<ActionItemRow>> {
  const parsed = parseInput(actionItemStateInput, input);
  if (!parsed.ok) return parsed;
  const { state } = parsed.value;
  const now = context.clock.now();
  return withLockedRow(context.db, actionItem, eq(actionItem.id, itemId), 'That action item does not exist.', async (tx, before) => {
    if (before.state === state) return invalid({ state: alreadyIn[state] }, alreadyIn[state]);
    const after = await updateOne(tx, actionItem, eq(actionItem.id, itemId), {
      state,
      closedAt: state === 'open' ? null : now,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: stateActions[state],
      entityType: 'action_item',
      entityId: itemId,
      before: { state: before.state, closedAt: before.closedAt },
      after: { state: after.state, closedAt: after.closedAt },
    });
    return success(after);
  });
}

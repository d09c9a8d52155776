import { and, asc, count, eq, isNull, max, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { publicTree } from '../../../domain/component-visibility';
import { componentStatuses, type ComponentStatus } from '../../../domain/statuses';
import type { Database } from '../../db';
import { newId } from '../../ids';
import {
  component,
  componentGroup,
  componentStatusInterval,
  incidentComponent,
  subscriberComponent,
  type ComponentGroupRow,
  type ComponentRow,
} from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import { changeComponentStatus } from './component-status';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow } from '../kernel/rows';
import { checkboxDefaultOff, idSchema, optionalText, parseInput, requiredText } from '../kernel/validation';

interface GroupWithComponents extends ComponentGroupRow {
  components: ComponentRow[];
}
export interface ComponentTree {
  ungrouped: ComponentRow[];
  groups: GroupWithComponents[];
}

const optionalGroupId = z
  .string()
  .trim()
  .nullish()
  .transform((value) => (value ? value : null))
  .pipe(idSchema.nullable());

export const componentInput = z.object({
  name: requiredText('Name', 100),
  description: optionalText('Description', 500),
  groupId: optionalGroupId,
  hidden: checkboxDefaultOff,
  onlyShowIfDegraded: checkboxDefaultOff,
  startDate: z
    .string()
    .trim()
    .nullish()
    .transform((value) => (value ? value : null))
    .pipe(z.iso.date({ error: 'Use a date such as 2026-01-31.' }).nullable()),
});

export const groupInput = z.object({
  name: requiredText('Name', 100),
  description: optionalText('Description', 500),
  hidden: checkboxDefaultOff,
});

export const componentStatusInput = z.object({
  status: z.enum(componentStatuses, { error: 'Choose a status.' }),
});

export const moveInput = z.object({ direction: z.enum(['up', 'down'], { error: 'Choose up or down.' }) });

/**
 * Every group and non-archived component in display order: ungrouped components first. With
 * `publicOnly`, what the public may see: public components, in groups that hold some.
 */
export async function listComponentTree(context: ServiceContext, options: { publicOnly?: boolean } = {}): Promise<ComponentTree> {
  const [groups, components] = await Promise.all([
    context.db.select().from(componentGroup).orderBy(asc(componentGroup.position), asc(componentGroup.createdAt)),
    context.db.select().from(component).where(isNull(component.archivedAt)).orderBy(asc(component.position), asc(component.createdAt)),
  ]);
  const tree: ComponentTree = {
    ungrouped: components.filter((item) => item.groupId === null),
    groups: groups.map((group) => ({ ...group, components: components.filter((item) => item.groupId === group.id) })),
  };
  return options.publicOnly ? publicTree(tree) : tree;
}

export async function getComponent(context: ServiceContext, id: string): Promise<ComponentRow | undefined> {
  const [row] = await context.db.select().from(component).where(eq(component.id, id));
  return row;
}

export async function getGroup(context: ServiceContext, id: string): Promise<ComponentGroupRow | undefined> {
  const [row] = await context.db.select().from(componentGroup).where(eq(componentGroup.id, id));
  return row;
}

async function nextComponentPosition(db: Database, groupId: string | null): Promise<number> {
  const [row] = await db
    .select({ value: max(component.position) })
    .from(component)
    .where(and(groupId ? eq(component.groupId, groupId) : isNull(component.groupId), isNull(component.archivedAt)));
  return (row?.value ?? 0) + 1;
}

async function groupExists(db: Database, groupId: string | null): Promise<boolean> {
  if (groupId === null) return true;
  const [row] = await db.select({ id: componentGroup.id }).from(componentGroup).where(eq(componentGroup.id, groupId));
  return row !== undefined;
}

export async function createComponent(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof componentInput>,
): Promise<ServiceResult<ComponentRow>> {
  const parsed = parseInput(componentInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    if (!(await groupExists(tx, values.groupId))) return invalid({ groupId: 'Choose a group from the list.' });
    const created = await insertOne(tx, component, {
      id: newId(),
      ...values,
      status: 'operational',
      position: await nextComponentPosition(tx, values.groupId),
      createdAt: now,
      updatedAt: now,
    });
    await tx.insert(componentStatusInterval).values({ componentId: created.id, status: 'operational', startedAt: now });
    await recordAudit(tx, actor, now, { action: 'component.create', entityType: 'component', entityId: created.id, after: created });
    return success(created);
  });
}

export async function updateComponent(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: z.input<typeof componentInput>,
): Promise<ServiceResult<ComponentRow>> {
  const parsed = parseInput(componentInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  return withLockedRow(
    context.db,
    component,
    and(eq(component.id, id), isNull(component.archivedAt)),
    'That component does not exist.',
    async (tx, before) => {
      if (!(await groupExists(tx, values.groupId))) return invalid({ groupId: 'Choose a group from the list.' });
      const moved = before.groupId !== values.groupId;
      const after = await updateOne(tx, component, eq(component.id, id), {
        ...values,
        updatedAt: now,
        ...(moved ? { position: await nextComponentPosition(tx, values.groupId) } : {}),
      });
      if (moved) await compactComponentPositions(tx, before.groupId);
      await recordAudit(tx, actor, now, { action: 'component.update', entityType: 'component', entityId: id, before, after });
      return success(after);
    },
  );
}

/** Renumbers a group's components 1..n after one leaves it. */
async function compactComponentPositions(db: Database, groupId: string | null): Promise<void> {
  const rows = await db
    .select({ id: component.id })
    .from(component)
    .where(and(groupId ? eq(component.groupId, groupId) : isNull(component.groupId), isNull(component.archivedAt)))
    .orderBy(asc(component.position), asc(component.createdAt));
  for (const [index, row] of rows.entries()) {
    await db
      .update(component)
      .set({ position: index + 1 })
      .where(eq(component.id, row.id));
  }
}

/** Swaps an item with its neighbour in a list ordered by position; returns false at either end. */
function swapWithNeighbour<T extends { id: string }>(rows: T[], id: string, direction: 'up' | 'down'): [T, T] | null {
  const index = rows.findIndex((row) => row.id === id);
  const self = rows[index];
  const neighbour = rows[direction === 'up' ? index - 1 : index + 1];
  if (!self || !neighbour) return null;
  return [self, neighbour];
}

export async function moveComponent(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: z.input<typeof moveInput>,
): Promise<ServiceResult<null>> {
  const parsed = parseInput(moveInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [target] = await tx
      .select()
      .from(component)
      .where(and(eq(component.id, id), isNull(component.archivedAt)));
    if (!target) return notFound('That component does not exist.');
    await compactComponentPositions(tx, target.groupId);
    const siblings = await tx
      .select({ id: component.id, position: component.position })
      .from(component)
      .where(and(target.groupId ? eq(component.groupId, target.groupId) : isNull(component.groupId), isNull(component.archivedAt)))
      .orderBy(asc(component.position));
    const pair = swapWithNeighbour(siblings, id, parsed.value.direction);
    if (!pair) return success(null);
    const [self, neighbour] = pair;
    await tx.update(component).set({ position: neighbour.position, updatedAt: now }).where(eq(component.id, self.id));
    await tx.update(component).set({ position: self.position, updatedAt: now }).where(eq(component.id, neighbour.id));
    await recordAudit(tx, actor, now, {
      action: 'component.move',
      entityType: 'component',
      entityId: id,
      before: { position: self.position },
      after: { position: neighbour.position },
    });
    return success(null);
  });
}

/**
 * Removes a component from the page. One with history (incidents, or any status other than
 * operational) is archived so its history stays; one without is deleted.
 */
export async function removeComponent(
  context: ServiceContext,
  actor: Actor,
  id: string,
): Promise<ServiceResult<{ outcome: 'archived' | 'deleted' }>> {
  const now = context.clock.now();
  return withLockedRow(
    context.db,
    component,
    and(eq(component.id, id), isNull(component.archivedAt)),
    'That component does not exist.',
    async (tx, before) => {
      const [incidents] = await tx.select({ value: count() }).from(incidentComponent).where(eq(incidentComponent.componentId, id));
      const [changes] = await tx
        .select({ value: count() })
        .from(componentStatusInterval)
        .where(and(eq(componentStatusInterval.componentId, id), ne(componentStatusInterval.status, 'operational')));
      // Subscribers who chose it must keep their choice: deleting it would widen them to "every component".
      const [chosen] = await tx.select({ value: count() }).from(subscriberComponent).where(eq(subscriberComponent.componentId, id));
      const hasHistory = (incidents?.value ?? 0) > 0 || (changes?.value ?? 0) > 0 || (chosen?.value ?? 0) > 0;
      if (hasHistory) {
        await tx.update(component).set({ archivedAt: now, updatedAt: now }).where(eq(component.id, id));
      } else {
        await tx.delete(component).where(eq(component.id, id));
      }
      await compactComponentPositions(tx, before.groupId);
      const outcome = hasHistory ? 'archived' : 'deleted';
      await recordAudit(tx, actor, now, {
        action: `component.${outcome === 'archived' ? 'archive' : 'delete'}`,
        entityType: 'component',
        entityId: id,
        before,
      });
      return success({ outcome });
    },
  );
}

/** Sets a component's status outside any incident (a responder's manual change). */
export async function setComponentStatus(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: z.input<typeof componentStatusInput>,
): Promise<ServiceResult<{ from: ComponentStatus; to: ComponentStatus }>> {
  const parsed = parseInput(componentStatusInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  const status = parsed.value.status;
  return context.db.transaction(async (tx) => {
    const [target] = await tx
      .select({ id: component.id })
      .from(component)
      .where(and(eq(component.id, id), isNull(component.archivedAt)));
    if (!target) return notFound('That component does not exist.');
    const from = await changeComponentStatus(tx, { componentId: id, status, at: now, now, queue: context.queue });
    if (from !== status) {
      await recordAudit(tx, actor, now, {
        action: 'component.status',
        entityType: 'component',
        entityId: id,
        before: { status: from },
        after: { status },
      });
    }
    return success({ from, to: status });
  });
}

export async function createGroup(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof groupInput>,
): Promise<ServiceResult<ComponentGroupRow>> {
  const parsed = parseInput(groupInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [last] = await tx.select({ value: max(componentGroup.position) }).from(componentGroup);
    const created = await insertOne(tx, componentGroup, {
      id: newId(),
      ...parsed.value,
      position: (last?.value ?? 0) + 1,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, { action: 'group.create', entityType: 'group', entityId: created.id, after: created });
    return success(created);
  });
}

export async function updateGroup(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: z.input<typeof groupInput>,
): Promise<ServiceResult<ComponentGroupRow>> {
  const parsed = parseInput(groupInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return withLockedRow(context.db, componentGroup, eq(componentGroup.id, id), 'That group does not exist.', async (tx, before) => {
    const after = await updateOne(tx, componentGroup, eq(componentGroup.id, id), { ...parsed.value, updatedAt: now });
    await recordAudit(tx, actor, now, { action: 'group.update', entityType: 'group', entityId: id, before, after });
    return success(after);
  });
}

export async function moveGroup(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: z.input<typeof moveInput>,
): Promise<ServiceResult<null>> {
  const parsed = parseInput(moveInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const groups = await tx
      .select({ id: componentGroup.id })
      .from(componentGroup)
      .orderBy(asc(componentGroup.position), asc(componentGroup.createdAt));
    if (!groups.some((group) => group.id === id)) return notFound('That group does not exist.');
    const numbered = groups.map((group, index) => ({ id: group.id, position: index + 1 }));
    const pair = swapWithNeighbour(numbered, id, parsed.value.direction);
    if (pair) [pair[0].position, pair[1].position] = [pair[1].position, pair[0].position];
    for (const group of numbered) {
      await tx.update(componentGroup).set({ position: group.position }).where(eq(componentGroup.id, group.id));
    }
    if (pair) {
      await recordAudit(tx, actor, now, { action: 'group.move', entityType: 'group', entityId: id, after: { position: pair[0].position } });
    }
    return success(null);
  });
}

/** Deletes a group; its components stay, ungrouped, after the ungrouped ones. */
export async function deleteGroup(context: ServiceContext, actor: Actor, id: string): Promise<ServiceResult<null>> {
  const now = context.clock.now();
  return withLockedRow(context.db, componentGroup, eq(componentGroup.id, id), 'That group does not exist.', async (tx, before) => {
    const offset = (await nextComponentPosition(tx, null)) - 1;
    await tx
      .update(component)
      .set({ groupId: null, position: sql`${component.position} + ${offset}`, updatedAt: now })
      .where(eq(component.groupId, id));
    await tx.delete(componentGroup).where(eq(componentGroup.id, id));
    await recordAudit(tx, actor, now, { action: 'group.delete', entityType: 'group', entityId: id, before });
    return success(null);
  });
}

import { and, asc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import { TEMPLATE_DURATION_MINUTES } from '../../../domain/maintenance-templates';
import { component, maintenanceTemplate, maintenanceTemplateComponent, type MaintenanceTemplateRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow, type Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { updateMaintenanceInput } from './maintenance-input';

/** Maintenance templates: a name, a window's title, description, components, switches, and how long it lasts. */

const durationMessage = `Enter the duration in whole minutes, from ${TEMPLATE_DURATION_MINUTES.min} to ${TEMPLATE_DURATION_MINUTES.max}.`;

/** The schedule form's own rules for what a template fills in, plus a name and a duration. */
export const maintenanceTemplateInput = updateMaintenanceInput
  .pick({
    title: true,
    description: true,
    components: true,
    setsUnderMaintenance: true,
    notifySubscribers: true,
    notifyOnSchedule: true,
    notifyReminder: true,
    notifyOnStart: true,
    notifyOnComplete: true,
  })
  .extend({
    name: requiredText('Name', 100),
    durationMinutes: z.coerce
      .number({ error: durationMessage })
      .int(durationMessage)
      .min(TEMPLATE_DURATION_MINUTES.min, durationMessage)
      .max(TEMPLATE_DURATION_MINUTES.max, durationMessage),
  });

export type MaintenanceTemplateInput = z.input<typeof maintenanceTemplateInput>;
type ParsedTemplate = z.output<typeof maintenanceTemplateInput>;

interface TemplateComponent {
  componentId: string;
  name: string;
  /** Archived since the template was saved: a form filled from it leaves the component out. */
  archived: boolean;
}

export type MaintenanceTemplate = MaintenanceTemplateRow & { components: TemplateComponent[] };

async function componentsOf(db: Transaction, templateIds: string[]): Promise<Map<string, TemplateComponent[]>> {
  const byTemplate = new Map<string, TemplateComponent[]>();
  if (templateIds.length === 0) return byTemplate;
  const rows = await db
    .select({
      templateId: maintenanceTemplateComponent.templateId,
      componentId: maintenanceTemplateComponent.componentId,
      name: component.name,
      archivedAt: component.archivedAt,
    })
    .from(maintenanceTemplateComponent)
    .innerJoin(component, eq(component.id, maintenanceTemplateComponent.componentId))
    .where(inArray(maintenanceTemplateComponent.templateId, templateIds))
    .orderBy(asc(component.name));
  for (const row of rows) {
    const list = byTemplate.get(row.templateId) ?? [];
    list.push({ componentId: row.componentId, name: row.name, archived: row.archivedAt !== null });
    byTemplate.set(row.templateId, list);
  }
  return byTemplate;
}

/** Every maintenance template, by name, each with its components. */
export async function listMaintenanceTemplates(context: Pick<ServiceContext, 'db'>): Promise<MaintenanceTemplate[]> {
  const rows = await context.db.select().from(maintenanceTemplate).orderBy(asc(maintenanceTemplate.name));
  const components = await componentsOf(
    context.db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...row, components: components.get(row.id) ?? [] }));
}

export async function getMaintenanceTemplate(context: Pick<ServiceContext, 'db'>, id: string): Promise<MaintenanceTemplate | undefined> {
  const [row] = await context.db.select().from(maintenanceTemplate).where(eq(maintenanceTemplate.id, id));
  if (!row) return undefined;
  const components = await componentsOf(context.db, [row.id]);
  return { ...row, components: components.get(row.id) ?? [] };
}

/**
 * Why the parsed template may not be saved, by field: a name another maintenance template has,
 * or a component that does not exist or is archived. Read in the saving transaction.
 */
async function refusals(tx: Transaction, values: ParsedTemplate, ownId: string | null): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const sameNameAs = eq(maintenanceTemplate.name, values.name);
  const [sameName] = await tx
    .select({ id: maintenanceTemplate.id })
    .from(maintenanceTemplate)
    .where(ownId === null ? sameNameAs : and(sameNameAs, ne(maintenanceTemplate.id, ownId)));
  if (sameName) errors.name = 'Another maintenance template already has this name.';
  const live =
    values.components.length === 0
      ? new Set<string>()
      : new Set(
          (
            await tx
              .select({ id: component.id })
              .from(component)
              .where(and(inArray(component.id, values.components), isNull(component.archivedAt)))
          ).map((row) => row.id),
        );
  values.components.forEach((id, index) => {
    if (!live.has(id)) errors[`components.${index}`] = 'This component does not exist or is archived.';
  });
  return errors;
}

async function writeComponents(tx: Transaction, templateId: string, componentIds: string[]): Promise<void> {
  await tx.delete(maintenanceTemplateComponent).where(eq(maintenanceTemplateComponent.templateId, templateId));
  if (componentIds.length === 0) return;
  await tx.insert(maintenanceTemplateComponent).values(componentIds.map((componentId) => ({ templateId, componentId })));
}

const rowValues = (values: ParsedTemplate) => ({
  name: values.name,
  title: values.title,
  description: values.description,
  durationMinutes: values.durationMinutes,
  setsUnderMaintenance: values.setsUnderMaintenance,
  notifySubscribers: values.notifySubscribers,
  notifyOnSchedule: values.notifyOnSchedule,
  notifyReminder: values.notifyReminder,
  notifyOnStart: values.notifyOnStart,
  notifyOnComplete: values.notifyOnComplete,
});

const auditOf = (row: MaintenanceTemplateRow, components: string[]) => ({ ...row, components });

/** Checks, writes and audits one template in the caller's transaction: a new one when `existing` is null. */
async function saveTemplate(
  tx: Transaction,
  actor: Actor,
  now: Date,
  values: ParsedTemplate,
  existing: { id: string; before: MaintenanceTemplate | undefined } | null,
): Promise<ServiceResult<MaintenanceTemplateRow>> {
  const errors = await refusals(tx, values, existing?.id ?? null);
  if (Object.keys(errors).length > 0) return invalid(errors);
  const saved = existing
    ? await updateOne(tx, maintenanceTemplate, eq(maintenanceTemplate.id, existing.id), { ...rowValues(values), updatedAt: now })
    : await insertOne(tx, maintenanceTemplate, { id: newId(), ...rowValues(values), createdAt: now, updatedAt: now });
  await writeComponents(tx, saved.id, values.components);
  await recordAudit(tx, actor, now, {
    action: existing ? 'maintenance_template.update' : 'maintenance_template.create',
    entityType: 'maintenance_template',
    entityId: saved.id,
    ...(existing && { before: existing.before }),
    after: auditOf(saved, values.components),
  });
  return success(saved);
}

export async function createMaintenanceTemplate(
  context: ServiceContext,
  actor: Actor,
  input: MaintenanceTemplateInput,
): Promise<ServiceResult<MaintenanceTemplate>> {
  const parsed = parseInput(maintenanceTemplateInput, input);
  if (!parsed.ok) return parsed;
  const result = await context.db.transaction((tx) => saveTemplate(tx, actor, context.clock.now(), parsed.value, null));
  return withComponents(context, result);
}

export async function updateMaintenanceTemplate(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: MaintenanceTemplateInput,
): Promise<ServiceResult<MaintenanceTemplate>> {
  const parsed = parseInput(maintenanceTemplateInput, input);
  if (!parsed.ok) return parsed;
  const before = await getMaintenanceTemplate(context, id);
  const result = await withLockedRow(
    context.db,
    maintenanceTemplate,
    eq(maintenanceTemplate.id, id),
    'That maintenance template does not exist.',
    (tx) => saveTemplate(tx, actor, context.clock.now(), parsed.value, { id, before }),
  );
  return withComponents(context, result);
}

export async function deleteMaintenanceTemplate(
  context: ServiceContext,
  actor: Actor,
  id: string,
): Promise<ServiceResult<MaintenanceTemplate>> {
  const before = await getMaintenanceTemplate(context, id);
  if (!before) return notFound('That maintenance template does not exist.');
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(maintenanceTemplate).where(eq(maintenanceTemplate.id, id)).returning();
    if (!deleted) return notFound('That maintenance template does not exist.');
    await recordAudit(tx, actor, now, {
      action: 'maintenance_template.delete',
      entityType: 'maintenance_template',
      entityId: id,
      before,
    });
    return success(before);
  });
}

async function withComponents(
  context: ServiceContext,
  result: ServiceResult<MaintenanceTemplateRow>,
): Promise<ServiceResult<MaintenanceTemplate>> {
  if (!result.ok) return result;
  const saved = await getMaintenanceTemplate(context, result.value.id);
  return saved ? success(saved) : notFound('That maintenance template does not exist.');
}

import { and, asc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import { componentStatuses, incidentUpdateStatuses, severities, type ComponentStatus } from '../../../domain/statuses';
import { component, incidentTemplate, incidentTemplateComponent, type IncidentTemplateRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow, type Transaction } from '../kernel/rows';
import { checkboxDefaultOn, idSchema, parseInput, requiredText } from '../kernel/validation';

/** Incident templates: a name, the declaration's title, message, status, severity, components and notify choice. */

export const incidentTemplateInput = z.object({
  name: requiredText('Name', 100),
  title: requiredText('Title', 200),
  message: z
    .string({ error: 'Message must be text.' })
    .trim()
    .max(10_000, 'Message must be at most 10000 characters.')
    .nullish()
    .transform((value) => value ?? ''),
  /** The statuses staff can post; `postmortem` arrives with the post-mortem, never from a template. */
  status: z.enum(incidentUpdateStatuses, { error: 'Choose a status.' }),
  /** Blank or null: staff choose the severity when they declare. */
  severity: z
    .union([z.enum(severities), z.literal('')], { error: 'Choose a severity from the list, or none.' })
    .nullish()
    .transform((value) => (value ? value : null)),
  components: z
    .array(
      z.object({
        componentId: idSchema,
        status: z.enum(componentStatuses, { error: 'Choose a status for each component.' }),
      }),
    )
    .max(200, 'A template may name at most 200 components.')
    .default([])
    .refine((items) => new Set(items.map((item) => item.componentId)).size === items.length, 'A component is listed twice.'),
  notifySubscribers: checkboxDefaultOn,
});

export type IncidentTemplateInput = z.input<typeof incidentTemplateInput>;
type ParsedTemplate = z.output<typeof incidentTemplateInput>;

interface TemplateComponent {
  componentId: string;
  name: string;
  status: ComponentStatus;
  /** Archived since the template was saved: a form filled from it leaves the component out. */
  archived: boolean;
}

export type IncidentTemplate = IncidentTemplateRow & { components: TemplateComponent[] };

async function componentsOf(db: Transaction, templateIds: string[]): Promise<Map<string, TemplateComponent[]>> {
  const byTemplate = new Map<string, TemplateComponent[]>();
  if (templateIds.length === 0) return byTemplate;
  const rows = await db
    .select({
      templateId: incidentTemplateComponent.templateId,
      componentId: incidentTemplateComponent.componentId,
      status: incidentTemplateComponent.status,
      name: component.name,
      archivedAt: component.archivedAt,
    })
    .from(incidentTemplateComponent)
    .innerJoin(component, eq(component.id, incidentTemplateComponent.componentId))
    .where(inArray(incidentTemplateComponent.templateId, templateIds))
    .orderBy(asc(component.name));
  for (const row of rows) {
    const list = byTemplate.get(row.templateId) ?? [];
    list.push({ componentId: row.componentId, name: row.name, status: row.status, archived: row.archivedAt !== null });
    byTemplate.set(row.templateId, list);
  }
  return byTemplate;
}

/** Every template, by name, each with its components. */
export async function listIncidentTemplates(context: Pick<ServiceContext, 'db'>): Promise<IncidentTemplate[]> {
  const rows = await context.db.select().from(incidentTemplate).orderBy(asc(incidentTemplate.name));
  const components = await componentsOf(
    context.db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...row, components: components.get(row.id) ?? [] }));
}

export async function getIncidentTemplate(context: Pick<ServiceContext, 'db'>, id: string): Promise<IncidentTemplate | undefined> {
  const [row] = await context.db.select().from(incidentTemplate).where(eq(incidentTemplate.id, id));
  if (!row) return undefined;
  const components = await componentsOf(context.db, [row.id]);
  return { ...row, components: components.get(row.id) ?? [] };
}

/**
 * Why the parsed template may not be saved, by field: a name another template has, or a
 * component that does not exist or is archived. Read in the saving transaction.
 */
async function refusals(tx: Transaction, values: ParsedTemplate, ownId: string | null): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const [sameName] = await tx
    .select({ id: incidentTemplate.id })
    .from(incidentTemplate)
    .where(
      ownId === null ? eq(incidentTemplate.name, values.name) : and(eq(incidentTemplate.name, values.name), ne(incidentTemplate.id, ownId)),
    );
  if (sameName) errors.name = 'Another template already has this name.';
  const ids = values.components.map((item) => item.componentId);
  const live =
    ids.length === 0
      ? new Set<string>()
      : new Set(
          (
            await tx
              .select({ id: component.id })
              .from(component)
              .where(and(inArray(component.id, ids), isNull(component.archivedAt)))
          ).map((row) => row.id),
        );
  values.components.forEach((item, index) => {
    if (!live.has(item.componentId)) errors[`components.${index}.componentId`] = 'This component does not exist or is archived.';
  });
  return errors;
}

async function writeComponents(tx: Transaction, templateId: string, values: ParsedTemplate): Promise<void> {
  await tx.delete(incidentTemplateComponent).where(eq(incidentTemplateComponent.templateId, templateId));
  if (values.components.length === 0) return;
  await tx.insert(incidentTemplateComponent).values(values.components.map((item) => ({ templateId, ...item })));
}

const rowValues = (values: ParsedTemplate) => ({
  name: values.name,
  title: values.title,
  message: values.message,
  status: values.status,
  severity: values.severity,
  notifySubscribers: values.notifySubscribers,
});

const auditOf = (row: IncidentTemplateRow, components: ParsedTemplate['components']) => ({ ...row, components });

export async function createIncidentTemplate(
  context: ServiceContext,
  actor: Actor,
  input: IncidentTemplateInput,
): Promise<ServiceResult<IncidentTemplate>> {
  const parsed = parseInput(incidentTemplateInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const result = await context.db.transaction(async (tx): Promise<ServiceResult<IncidentTemplateRow>> => {
    const errors = await refusals(tx, values, null);
    if (Object.keys(errors).length > 0) return invalid(errors);
    const created = await insertOne(tx, incidentTemplate, { id: newId(), ...rowValues(values), createdAt: now, updatedAt: now });
    await writeComponents(tx, created.id, values);
    await recordAudit(tx, actor, now, {
      action: 'incident_template.create',
      entityType: 'incident_template',
      entityId: created.id,
      after: auditOf(created, values.components),
    });
    return success(created);
  });
  return withComponents(context, result);
}

export async function updateIncidentTemplate(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: IncidentTemplateInput,
): Promise<ServiceResult<IncidentTemplate>> {
  const parsed = parseInput(incidentTemplateInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const before = await getIncidentTemplate(context, id);
  const result = await withLockedRow(
    context.db,
    incidentTemplate,
    eq(incidentTemplate.id, id),
    'That template does not exist.',
    async (tx) => {
      const errors = await refusals(tx, values, id);
      if (Object.keys(errors).length > 0) return invalid(errors);
      const after = await updateOne(tx, incidentTemplate, eq(incidentTemplate.id, id), { ...rowValues(values), updatedAt: now });
      await writeComponents(tx, id, values);
      await recordAudit(tx, actor, now, {
        action: 'incident_template.update',
        entityType: 'incident_template',
        entityId: id,
        before,
        after: auditOf(after, values.components),
      });
      return success(after);
    },
  );
  return withComponents(context, result);
}

export async function deleteIncidentTemplate(context: ServiceContext, actor: Actor, id: string): Promise<ServiceResult<IncidentTemplate>> {
  const before = await getIncidentTemplate(context, id);
  if (!before) return notFound('That template does not exist.');
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(incidentTemplate).where(eq(incidentTemplate.id, id)).returning();
    if (!deleted) return notFound('That template does not exist.');
    await recordAudit(tx, actor, now, { action: 'incident_template.delete', entityType: 'incident_template', entityId: id, before });
    return success(before);
  });
}

async function withComponents(
  context: ServiceContext,
  result: ServiceResult<IncidentTemplateRow>,
): Promise<ServiceResult<IncidentTemplate>> {
  if (!result.ok) return result;
  const saved = await getIncidentTemplate(context, result.value.id);
  return saved ? success(saved) : notFound('That template does not exist.');
}

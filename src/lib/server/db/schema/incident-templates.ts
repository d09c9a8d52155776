import { boolean, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { IncidentUpdateStatus } from '../../../domain/statuses';
import { timestamptz } from './columns';
import { component } from './components';
import { componentStatusEnum, incidentStatusEnum, severityEnum } from './enums';

/** Incident templates: the declaration staff start from instead of typing one under pressure. */

export const incidentTemplate = pgTable(
  'incident_template',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    title: text().notNull(),
    message: text().notNull(),
    /** Only the statuses staff post (never `postmortem`): the service's input holds it to them. */
    status: incidentStatusEnum().$type<IncidentUpdateStatus>().notNull(),
    /** Null: staff choose the severity when they declare. */
    severity: severityEnum(),
    notifySubscribers: boolean().notNull(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [uniqueIndex('incident_template_name_idx').on(table.name)],
);
export type IncidentTemplateRow = typeof incidentTemplate.$inferSelect;

/** The components a template affects and the status each is set to. */
export const incidentTemplateComponent = pgTable(
  'incident_template_component',
  {
    templateId: text()
      .notNull()
      .references(() => incidentTemplate.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
    status: componentStatusEnum().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.templateId, table.componentId] }),
    index('incident_template_component_component_id_idx').on(table.componentId),
  ],
);

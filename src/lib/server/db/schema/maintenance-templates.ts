import { boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { component } from './components';

/** Maintenance templates: the window staff schedule again and again, kept once. */

export const maintenanceTemplate = pgTable(
  'maintenance_template',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    title: text().notNull(),
    description: text().notNull(),
    /** How long the window lasts; the schedule form sets its end this long after the start. */
    durationMinutes: integer().notNull(),
    setsUnderMaintenance: boolean().notNull(),
    notifySubscribers: boolean().notNull(),
    notifyOnSchedule: boolean().notNull(),
    notifyReminder: boolean().notNull(),
    notifyOnStart: boolean().notNull(),
    notifyOnComplete: boolean().notNull(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [uniqueIndex('maintenance_template_name_idx').on(table.name)],
);
export type MaintenanceTemplateRow = typeof maintenanceTemplate.$inferSelect;

/** The components a maintenance template affects. */
export const maintenanceTemplateComponent = pgTable(
  'maintenance_template_component',
  {
    templateId: text()
      .notNull()
      .references(() => maintenanceTemplate.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.templateId, table.componentId] }),
    index('maintenance_template_component_component_id_idx').on(table.componentId),
  ],
);

import { sql } from 'drizzle-orm';
import { bigserial, boolean, date, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { componentStatusEnum } from './enums';
import { incident } from './incidents';
import { maintenance } from './maintenance';

/** The components on the page, their groups, and every status each has held. */

export const componentGroup = pgTable('component_group', {
  id: text().primaryKey(),
  name: text().notNull(),
  description: text(),
  position: integer().notNull(),
  hidden: boolean().notNull().default(false),
  createdAt: timestamptz().notNull(),
  updatedAt: timestamptz().notNull(),
});
export type ComponentGroupRow = typeof componentGroup.$inferSelect;

export const component = pgTable(
  'component',
  {
    id: text().primaryKey(),
    groupId: text().references(() => componentGroup.id, { onDelete: 'set null' }),
    name: text().notNull(),
    description: text(),
    status: componentStatusEnum().notNull().default('operational'),
    /** 1-based within its group (or among the ungrouped components). */
    position: integer().notNull(),
    hidden: boolean().notNull().default(false),
    onlyShowIfDegraded: boolean().notNull().default(false),
    startDate: date({ mode: 'string' }),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    /** Archived components keep their history but leave every public and admin list. */
    archivedAt: timestamptz(),
  },
  (table) => [index('component_group_id_position_idx').on(table.groupId, table.position)],
);
export type ComponentRow = typeof component.$inferSelect;

/** Every status a component has held, as intervals; uptime is computed from these. */
export const componentStatusInterval = pgTable(
  'component_status_interval',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
    status: componentStatusEnum().notNull(),
    startedAt: timestamptz().notNull(),
    endedAt: timestamptz(),
    incidentId: text().references(() => incident.id, { onDelete: 'set null' }),
    /** Set when a maintenance window put the component in this status. */
    maintenanceId: text().references(() => maintenance.id, { onDelete: 'set null' }),
  },
  (table) => [
    index('component_status_interval_component_id_started_at_idx').on(table.componentId, table.startedAt),
    uniqueIndex('component_status_interval_open_idx')
      .on(table.componentId)
      .where(sql`${table.endedAt} is null`),
  ],
);

import { boolean, date, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { componentStatusEnum } from './enums';

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

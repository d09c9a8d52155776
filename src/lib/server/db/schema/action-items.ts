import { index, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { actionItemStates } from '../../../domain/action-items';
import { user } from './access';
import { timestamptz } from './columns';
import { incident } from './incidents';

/** The follow-up actions of a post-mortem, tracked until done. */

export const actionItemStateEnum = pgEnum('action_item_state', actionItemStates);

export const actionItem = pgTable(
  'action_item',
  {
    id: text().primaryKey(),
    incidentId: text()
      .notNull()
      .references(() => incident.id, { onDelete: 'cascade' }),
    title: text().notNull(),
    /** Who answers for it; null when that user was removed. */
    ownerId: text().references(() => user.id, { onDelete: 'set null' }),
    dueAt: timestamptz().notNull(),
    state: actionItemStateEnum().notNull(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    /** When it was done or dropped; null while open. */
    closedAt: timestamptz(),
    createdBy: text().references(() => user.id, { onDelete: 'set null' }),
    /** The due date the owner was last reminded of: a moved due date earns a new reminder. */
    overdueRemindedFor: timestamptz(),
  },
  (table) => [
    index('action_item_incident_id_idx').on(table.incidentId),
    index('action_item_state_due_at_idx').on(table.state, table.dueAt),
  ],
);
export type ActionItemRow = typeof actionItem.$inferSelect;

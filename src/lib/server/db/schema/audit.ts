import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { user } from './access';
import { timestamptz } from './columns';

/** Who changed what and when, with the entity before and after. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: timestamptz().notNull(),
    actorUserId: text().references(() => user.id, { onDelete: 'set null' }),
    /** Who acted, as shown in the log even after the user is gone ("Ada <ada@…>", "cli"). */
    actorLabel: text().notNull(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text(),
    before: jsonb(),
    after: jsonb(),
  },
  (table) => [index('audit_log_at_idx').on(table.at), index('audit_log_entity_type_entity_id_idx').on(table.entityType, table.entityId)],
);

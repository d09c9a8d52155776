import { sql } from 'drizzle-orm';
import { bigserial, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { component } from './components';
import { componentStatusEnum } from './enums';
import { incident } from './incidents';
import { maintenance } from './maintenance';

// Apart from components.ts because an interval names what set it (an incident or a maintenance),
// and those tables name components: one file each would make a cycle.
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

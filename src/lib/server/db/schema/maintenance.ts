import { type AnyPgColumn, bigserial, boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { maintenanceStatuses } from '../../../domain/maintenance';
import type { RecurrenceEnd, RecurrenceRule } from '../../../domain/recurrence';
import { user } from './access';
import { timestamptz } from './columns';
import { component } from './components';
import { componentStatusEnum } from './enums';
import { incident } from './incidents';

/** Scheduled maintenance windows, the series they recur in, their components and public timeline. */

export const maintenanceStatusEnum = pgEnum('maintenance_status', maintenanceStatuses);

/** A recurring maintenance: the rule its occurrences (maintenance rows) were created from. */
export const maintenanceSeries = pgTable('maintenance_series', {
  id: text().primaryKey(),
  rule: jsonb().$type<RecurrenceRule>().notNull(),
  end: jsonb().$type<RecurrenceEnd>().notNull(),
  createdAt: timestamptz().notNull(),
});
export type MaintenanceSeriesRow = typeof maintenanceSeries.$inferSelect;

/** A scheduled maintenance window; its start and end are moved by jobs (see services/maintenance/maintenance-transitions.ts). */
export const maintenance = pgTable(
  'maintenance',
  {
    id: text().primaryKey(),
    title: text().notNull(),
    description: text().notNull(),
    status: maintenanceStatusEnum().notNull(),
    scheduledFor: timestamptz().notNull(),
    scheduledUntil: timestamptz().notNull(),
    /** The zone staff entered the times in, shown back to them when editing. */
    timeZone: text().notNull(),
    /** Whether its components go to under_maintenance while it is in progress. */
    setsUnderMaintenance: boolean().notNull(),
    /** Master switch for subscriber email, then one switch per moment. */
    notifySubscribers: boolean().notNull(),
    notifyOnSchedule: boolean().notNull(),
    notifyReminder: boolean().notNull(),
    notifyOnStart: boolean().notNull(),
    notifyOnComplete: boolean().notNull(),
    /** Recorded after the fact: never notified, never changed a component. */
    backfilled: boolean().notNull().default(false),
    seriesId: text().references(() => maintenanceSeries.id, { onDelete: 'set null' }),
    /** Bumped by every reschedule: a transition job of an older version does nothing. */
    scheduleVersion: integer().notNull().default(1),
    startedAt: timestamptz(),
    completedAt: timestamptz(),
    cancelledAt: timestamptz(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    createdBy: text().references(() => user.id, { onDelete: 'set null' }),
  },
  (table) => [
    index('maintenance_status_scheduled_for_idx').on(table.status, table.scheduledFor),
    index('maintenance_series_id_idx').on(table.seriesId),
  ],
);
export type MaintenanceRow = typeof maintenance.$inferSelect;

/** The components a maintenance affects, with the status each had when it began. */
export const maintenanceComponent = pgTable(
  'maintenance_component',
  {
    maintenanceId: text()
      .notNull()
      .references(() => maintenance.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
    /** Set at the start when the window moved the component to under_maintenance: the status it had… */
    statusBefore: componentStatusEnum(),
    /** …and what held that status then (neither: staff set it by hand), for the restore rule at the end. */
    heldByIncidentId: text().references(() => incident.id, { onDelete: 'set null' }),
    heldByMaintenanceId: text().references((): AnyPgColumn => maintenance.id, { onDelete: 'set null' }),
  },
  (table) => [
    primaryKey({ columns: [table.maintenanceId, table.componentId] }),
    index('maintenance_component_component_id_idx').on(table.componentId),
  ],
);

/** The public timeline of a maintenance: scheduled, rescheduled, started, verifying, completed, cancelled… */
export const maintenanceUpdate = pgTable(
  'maintenance_update',
  {
    id: text().primaryKey(),
    maintenanceId: text()
      .notNull()
      .references(() => maintenance.id, { onDelete: 'cascade' }),
    status: maintenanceStatusEnum().notNull(),
    body: text().notNull(),
    notifySubscribers: boolean().notNull(),
    createdAt: timestamptz().notNull(),
    /** Orders updates written in the same instant (a window that starts and ends in one go). */
    sequence: bigserial({ mode: 'number' }).notNull(),
    createdBy: text().references(() => user.id, { onDelete: 'set null' }),
  },
  (table) => [index('maintenance_update_maintenance_id_created_at_idx').on(table.maintenanceId, table.createdAt)],
);
export type MaintenanceUpdateRow = typeof maintenanceUpdate.$inferSelect;

import { boolean, index, jsonb, pgEnum, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { ComponentStatus } from '../../../domain/statuses';
import { user } from './access';
import { timestamptz } from './columns';
import { component } from './components';
import { incidentStatusEnum, severityEnum } from './enums';

/** Incidents, the components they affect, and their public updates. */

export const customerEmailStates = ['not_required', 'scheduled', 'sent', 'skipped', 'held', 'cancelled'] as const;
export const customerEmailStateEnum = pgEnum('customer_email_state', customerEmailStates);

/** What staff decided when the rollback criteria held: see lib/domain/rollback-criteria.ts. */
export const rollbackDecisions = ['rolled_back', 'declined'] as const;
export const rollbackDecisionEnum = pgEnum('rollback_decision', rollbackDecisions);

export const incident = pgTable(
  'incident',
  {
    id: text().primaryKey(),
    title: text().notNull(),
    severity: severityEnum().notNull(),
    status: incidentStatusEnum().notNull(),
    startedAt: timestamptz().notNull(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    monitoringAt: timestamptz(),
    resolvedAt: timestamptz(),
    declaredBy: text().references(() => user.id, { onDelete: 'set null' }),
    /** Who answers for the incident's communication: the declarer unless reassigned. */
    ownerId: text().references(() => user.id, { onDelete: 'set null' }),
    /** The classifier's suggestion, the signals it read, and why staff chose otherwise (if they did). */
    suggestedSeverity: severityEnum(),
    severitySuggestionReason: text(),
    severitySignals: jsonb().$type<string[]>().notNull().default([]),
    severityOverrideReason: text(),
    /** The customer email rule: see lib/domain/communication-policy.ts. */
    customerEmailState: customerEmailStateEnum().notNull().default('not_required'),
    customerEmailDueAt: timestamptz(),
    customerEmailSentAt: timestamptz(),
    /** The notification that carried the customer email, for its recipient count. */
    customerEmailNotificationId: text(),
    /** Why it was skipped or held, in words ("resolved after 3 m 12 s", "held by Ada: legal review"). */
    customerEmailNote: text(),
    postmortemBody: text(),
    postmortemPublishedAt: timestamptz(),
    /** The ids of the rollback criteria staff or the alert intake found to hold, in the order met. */
    rollbackCriteriaMet: jsonb().$type<string[]>().notNull().default([]),
    /** Whether a rollback was done or declined, why, when and by whom; null while undecided. */
    rollbackDecision: rollbackDecisionEnum(),
    rollbackDecisionReason: text(),
    rollbackDecidedAt: timestamptz(),
    rollbackDecidedBy: text().references(() => user.id, { onDelete: 'set null' }),
  },
  (table) => [index('incident_started_at_idx').on(table.startedAt), index('incident_status_idx').on(table.status)],
);
export type IncidentRow = typeof incident.$inferSelect;

/** Components an incident affects, kept after the incident ends for history and filters. */
export const incidentComponent = pgTable(
  'incident_component',
  {
    incidentId: text()
      .notNull()
      .references(() => incident.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.incidentId, table.componentId] }),
    index('incident_component_component_id_idx').on(table.componentId),
  ],
);

export interface ComponentChange {
  componentId: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export const incidentUpdate = pgTable(
  'incident_update',
  {
    id: text().primaryKey(),
    incidentId: text()
      .notNull()
      .references(() => incident.id, { onDelete: 'cascade' }),
    status: incidentStatusEnum().notNull(),
    body: text().notNull(),
    /** Null when the update changed no component. */
    componentChanges: jsonb().$type<ComponentChange[]>(),
    notifySubscribers: boolean().notNull().default(true),
    createdAt: timestamptz().notNull(),
    displayAt: timestamptz().notNull(),
    /** Set when staff corrected the text after posting. */
    editedAt: timestamptz(),
    createdBy: text().references(() => user.id, { onDelete: 'set null' }),
    /** The "next update by" time this update promised customers; null when it promised none. */
    nextUpdateBy: timestamptz(),
  },
  (table) => [index('incident_update_incident_id_display_at_idx').on(table.incidentId, table.displayAt)],
);
export type IncidentUpdateRow = typeof incidentUpdate.$inferSelect;

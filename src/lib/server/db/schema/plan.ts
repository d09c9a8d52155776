import { jsonb, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Severity } from '../../../domain/statuses';
import { timestamptz } from './columns';
import { incident } from './incidents';

/** The communication plan: who is on call, and every alert sent to the team about an incident. */

/** On-call contacts alerted when an incident of a severity they are paged for is declared. */
export const contact = pgTable('contact', {
  id: text().primaryKey(),
  name: text().notNull(),
  role: text().notNull(),
  email: text().notNull(),
  webhookUrl: text(),
  severities: jsonb().$type<Severity[]>().notNull(),
  createdAt: timestamptz().notNull(),
  updatedAt: timestamptz().notNull(),
});
export type ContactRow = typeof contact.$inferSelect;

export const teamAlertKinds = [
  'declared',
  'severity_raised',
  'update_overdue',
  'postmortem_reminder',
  'postmortem_overdue',
  'rollback_criteria_met',
] as const;
export const teamAlertKindEnum = pgEnum('team_alert_kind', teamAlertKinds);

/**
 * One alert to one contact (or the incident's owner) about one incident. The unique key (incident,
 * recipient, kind, occasion) makes a retried or doubled job alert nobody twice.
 */
export const teamAlert = pgTable(
  'team_alert',
  {
    id: text().primaryKey(),
    incidentId: text()
      .notNull()
      .references(() => incident.id, { onDelete: 'cascade' }),
    kind: teamAlertKindEnum().notNull(),
    /** Distinguishes repeats of one kind, such as each overdue update (the time it fell due). */
    occasion: text().notNull(),
    recipientEmail: text().notNull(),
    recipientName: text().notNull(),
    channel: text().notNull(),
    createdAt: timestamptz().notNull(),
    sentAt: timestamptz(),
    error: text(),
  },
  (table) => [
    uniqueIndex('team_alert_incident_id_kind_occasion_recipient_email_channel_idx').on(
      table.incidentId,
      table.kind,
      table.occasion,
      table.recipientEmail,
      table.channel,
    ),
  ],
);
export type TeamAlertRow = typeof teamAlert.$inferSelect;

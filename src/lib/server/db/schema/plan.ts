import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { contactChannelKinds } from '../../../domain/chat/channel-kinds';
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

export const contactChannelKindEnum = pgEnum('contact_channel_kind', contactChannelKinds);

/**
 * A contact's chat or paging channel: a Slack, Teams, Discord or Google Chat incoming-webhook URL,
 * or a PagerDuty integration (routing) key. The target is a secret (it is all a sender needs), kept
 * as it is to send with and shown to staff only shortened. A channel that keeps failing is disabled.
 */
export const contactChannel = pgTable(
  'contact_channel',
  {
    id: text().primaryKey(),
    contactId: text()
      .notNull()
      .references(() => contact.id, { onDelete: 'cascade' }),
    kind: contactChannelKindEnum().notNull(),
    /** The webhook URL, or the PagerDuty routing key. */
    target: text().notNull(),
    /** Staff's own name for it ("#incidents"), optional. */
    label: text(),
    /** Failed sends since the last success; at the limit the channel is disabled. */
    consecutiveFailures: integer().notNull().default(0),
    lastError: text(),
    lastErrorAt: timestamptz(),
    lastSuccessAt: timestamptz(),
    disabledAt: timestamptz(),
    disabledReason: text(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [index('contact_channel_contact_id_idx').on(table.contactId)],
);
export type ContactChannelRow = typeof contactChannel.$inferSelect;

export const teamAlertKinds = [
  'declared',
  'severity_raised',
  'update_overdue',
  'postmortem_reminder',
  'postmortem_overdue',
  'rollback_criteria_met',
  /** Only for paging channels: PagerDuty resolves the alert it raised for the incident. */
  'resolved',
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
    /** `email`, `webhook`, or `<kind>:<contact_channel id>` for a chat or paging channel. */
    channel: text().notNull(),
    createdAt: timestamptz().notNull(),
    /** A channel that asked Herald to wait (HTTP 429 with Retry-After) is tried again from then. */
    retryAfter: timestamptz(),
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

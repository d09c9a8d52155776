import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { component } from './components';
import { deliveryStateEnum } from './enums';
import { incident, incidentUpdate } from './incidents';
import { maintenance, maintenanceUpdate } from './maintenance';

/** Email subscribers, and the notifications and deliveries sent to them. */

export const subscriberStates = ['pending', 'confirmed'] as const;
export const subscriberStateEnum = pgEnum('subscriber_state', subscriberStates);

/** Someone who asked for email; only confirmed subscribers are notified. */
export const subscriber = pgTable(
  'subscriber',
  {
    id: text().primaryKey(),
    email: text().notNull(),
    state: subscriberStateEnum().notNull(),
    /** How they arrived: the public form, an admin, or a CSV import. */
    source: text().notNull(),
    createdAt: timestamptz().notNull(),
    confirmedAt: timestamptz(),
    updatedAt: timestamptz().notNull(),
    /** Signs the manage links (services/subscribers/subscriber-tokens.ts); bumped to make every older one stop working. */
    linkVersion: integer().notNull().default(0),
  },
  (table) => [uniqueIndex('subscriber_email_idx').on(sql`lower(${table.email})`), index('subscriber_state_idx').on(table.state)],
);
export type SubscriberRow = typeof subscriber.$inferSelect;

/** The components a subscriber chose; none means every component. */
export const subscriberComponent = pgTable(
  'subscriber_component',
  {
    subscriberId: text()
      .notNull()
      .references(() => subscriber.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.subscriberId, table.componentId] }),
    index('subscriber_component_component_id_idx').on(table.componentId),
  ],
);

/**
 * One message to fan out to subscribers: an incident update marked "notify subscribers", or a
 * maintenance's announcement, reminder, start, end, reschedule or cancellation. Exactly one of
 * incident and maintenance is set.
 */
export const notification = pgTable(
  'notification',
  {
    id: text().primaryKey(),
    incidentId: text().references(() => incident.id, { onDelete: 'cascade' }),
    incidentUpdateId: text().references(() => incidentUpdate.id, { onDelete: 'cascade' }),
    maintenanceId: text().references(() => maintenance.id, { onDelete: 'cascade' }),
    /** The public update it carries; null for a reminder, which is not a public update. */
    maintenanceUpdateId: text().references(() => maintenanceUpdate.id, { onDelete: 'cascade' }),
    /** What a maintenance email is about, unique per maintenance: `update:<id>` or `reminder:<start>`. */
    occasion: text(),
    createdAt: timestamptz().notNull(),
    /** Set once every recipient has a delivery row. */
    fannedOutAt: timestamptz(),
    recipientCount: integer(),
  },
  (table) => [
    uniqueIndex('notification_incident_update_id_idx').on(table.incidentUpdateId),
    index('notification_incident_id_idx').on(table.incidentId),
    uniqueIndex('notification_maintenance_id_occasion_idx').on(table.maintenanceId, table.occasion),
    check('notification_one_subject', sql`(${table.incidentId} is null) <> (${table.maintenanceId} is null)`),
  ],
);
export type NotificationRow = typeof notification.$inferSelect;

/**
 * One email of a notification to one subscriber. The unique (notification, subscriber) key is
 * what makes a retry, a crash or a second worker unable to send the same email twice.
 */
export const delivery = pgTable(
  'delivery',
  {
    id: text().primaryKey(),
    notificationId: text()
      .notNull()
      .references(() => notification.id, { onDelete: 'cascade' }),
    subscriberId: text()
      .notNull()
      .references(() => subscriber.id, { onDelete: 'cascade' }),
    state: deliveryStateEnum().notNull(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    createdAt: timestamptz().notNull(),
    /** When a worker took it to send; a row left `sending` belonged to a worker that died. */
    claimedAt: timestamptz(),
    sentAt: timestamptz(),
  },
  (table) => [
    uniqueIndex('delivery_notification_id_subscriber_id_idx').on(table.notificationId, table.subscriberId),
    index('delivery_notification_id_state_idx').on(table.notificationId, table.state),
  ],
);

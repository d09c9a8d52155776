import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { chatPlatforms } from '../../../domain/chat/channel-kinds';
import type { ComponentStatus } from '../../../domain/statuses';
import type { PageStatus } from '../../../domain/rollup';
import { bytea, timestamptz } from './columns';
import { component } from './components';
import { componentStatusInterval } from './status-history';
import { deliveryStateEnum } from './enums';
import { incident, incidentUpdate } from './incidents';
import { maintenance, maintenanceUpdate } from './maintenance';

/**
 * Webhook subscribers (issue 6): machines that get Statuspage-shaped JSON POSTs about incidents,
 * maintenances and component changes. The design mirrors email: an event is written in the
 * transaction of the change it describes, a fan-out job gives each subscriber one delivery row
 * under a unique key, and a send job claims the row before the POST goes out, so nothing is sent
 * twice.
 */

export const webhookSubscriberStates = ['pending', 'active', 'disabled'] as const;
export const webhookSubscriberStateEnum = pgEnum('webhook_subscriber_state', webhookSubscriberStates);

/**
 * A URL that asked for webhooks. `pending` until it answers the verification POST with a 2xx,
 * then `active`; `disabled` after too many failed deliveries in a row (or by an admin).
 */
export const webhookSubscriber = pgTable(
  'webhook_subscriber',
  {
    id: text().primaryKey(),
    /** https, normalised by the URL parser; one subscription per URL. */
    url: text().notNull(),
    /**
     * The HMAC key every POST is signed with. Kept as it is (it must be, to sign) and shown to
     * the registrant once; never shown again, not even to admins.
     */
    signingSecret: text().notNull(),
    /** SHA-256 of the secret half of the unsubscribe token `<id>.<secret>` (see services/webhooks/webhook-subscribers.ts). */
    unsubscribeSecretHash: bytea().notNull(),
    state: webhookSubscriberStateEnum().notNull(),
    /** Optional: where to say that verification failed or that the webhook was disabled, once confirmed. */
    ownerEmail: text(),
    /** SHA-256 of the secret of the link that confirms ownerEmail (minted when that email is sent). */
    ownerEmailTokenHash: bytea(),
    /** Herald emails ownerEmail only after its holder confirmed it wants these emails. */
    ownerEmailConfirmedAt: timestamptz(),
    /** Failed deliveries since the last one that succeeded; at the limit the webhook is disabled. */
    consecutiveFailures: integer().notNull().default(0),
    /** The latest failure (verification or delivery) in words, for the registrant and admins. */
    lastError: text(),
    lastErrorAt: timestamptz(),
    lastSuccessAt: timestamptz(),
    verifiedAt: timestamptz(),
    disabledAt: timestamptz(),
    disabledReason: text(),
    /** Set when the owner was emailed about a failed verification or the disabling (once each time). */
    ownerNotifiedAt: timestamptz(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [uniqueIndex('webhook_subscriber_url_idx').on(table.url), index('webhook_subscriber_state_idx').on(table.state)],
);
export type WebhookSubscriberRow = typeof webhookSubscriber.$inferSelect;

/** The components a webhook subscriber chose; none means every component. */
export const webhookSubscriberComponent = pgTable(
  'webhook_subscriber_component',
  {
    subscriberId: text()
      .notNull()
      .references(() => webhookSubscriber.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.subscriberId, table.componentId] }),
    index('webhook_subscriber_component_component_id_idx').on(table.componentId),
  ],
);

export interface ComponentEventDetails {
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
  /** When the new status began. */
  at: string;
}

/**
 * Something webhooks announce, written in the same transaction as the change: a public incident
 * update, a public maintenance update, or a component status change. `key` names it
 * (`incident_update:<id>`, `maintenance_update:<id>`, `component_status:<interval id>`), so
 * recording one twice does nothing.
 */
export const webhookEvent = pgTable(
  'webhook_event',
  {
    id: text().primaryKey(),
    key: text().notNull(),
    incidentId: text().references(() => incident.id, { onDelete: 'cascade' }),
    incidentUpdateId: text().references(() => incidentUpdate.id, { onDelete: 'cascade' }),
    maintenanceId: text().references(() => maintenance.id, { onDelete: 'cascade' }),
    maintenanceUpdateId: text().references(() => maintenanceUpdate.id, { onDelete: 'cascade' }),
    componentId: text().references(() => component.id, { onDelete: 'cascade' }),
    componentStatusIntervalId: bigint({ mode: 'number' }).references(() => componentStatusInterval.id, { onDelete: 'cascade' }),
    /** For a component change: the statuses before and after. */
    details: jsonb().$type<ComponentEventDetails>(),
    /** The page's rolled-up status just after the change, as the envelope's `page` reports it. */
    pageStatus: jsonb().$type<PageStatus>().notNull(),
    createdAt: timestamptz().notNull(),
    /** Set once every recipient has a delivery row. */
    fannedOutAt: timestamptz(),
    recipientCount: integer(),
    /** The same for chat subscribers, whose fan-out runs on its own. */
    chatFannedOutAt: timestamptz(),
    chatRecipientCount: integer(),
  },
  (table) => [uniqueIndex('webhook_event_key_idx').on(table.key), index('webhook_event_fanned_out_at_idx').on(table.fannedOutAt)],
);
export type WebhookEventRow = typeof webhookEvent.$inferSelect;

/**
 * One POST of one event to one subscriber, with the exact body to send. Unique per (subscriber,
 * event key): a retried or doubled fan-out cannot make a second one.
 */
export const webhookDelivery = pgTable(
  'webhook_delivery',
  {
    id: text().primaryKey(),
    subscriberId: text()
      .notNull()
      .references(() => webhookSubscriber.id, { onDelete: 'cascade' }),
    eventId: text()
      .notNull()
      .references(() => webhookEvent.id, { onDelete: 'cascade' }),
    eventKey: text().notNull(),
    state: deliveryStateEnum().notNull(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    /** The HTTP status of the latest answer; null when none came (timeout, refused connection). */
    lastStatusCode: integer(),
    /** The JSON sent, byte for byte (jsonb would reorder its keys), so every retry signs the same body. */
    body: text().notNull(),
    createdAt: timestamptz().notNull(),
    /** When a worker took it to send; a row left `sending` belonged to a worker that died. */
    claimedAt: timestamptz(),
    sentAt: timestamptz(),
    /** When it was given up on. */
    failedAt: timestamptz(),
  },
  (table) => [
    uniqueIndex('webhook_delivery_subscriber_id_event_key_idx').on(table.subscriberId, table.eventKey),
    index('webhook_delivery_event_id_idx').on(table.eventId),
    index('webhook_delivery_state_idx')
      .on(table.state)
      .where(sql`${table.state} in ('queued', 'sending')`),
  ],
);

export const chatSubscriberPlatformEnum = pgEnum('chat_subscriber_platform', chatPlatforms);

/**
 * A Slack, Teams, Discord or Google Chat channel that subscribed on /subscribe through its
 * incoming-webhook URL. `pending` until the visitor types the one-time code Herald posted to the
 * channel (proving they can read it), then `active`; `disabled` after repeated failed deliveries
 * (or by an admin). Events reach it from `webhook_event`, as they reach webhook subscribers.
 */
export const chatSubscriber = pgTable(
  'chat_subscriber',
  {
    id: text().primaryKey(),
    platform: chatSubscriberPlatformEnum().notNull(),
    /** The incoming-webhook URL (a secret: it is all a sender needs), normalised; one subscription per URL. */
    url: text().notNull(),
    state: webhookSubscriberStateEnum().notNull(),
    /** SHA-256 of the one-time code posted to the channel, its expiry, and the wrong tries so far. */
    verificationCodeHash: bytea(),
    verificationExpiresAt: timestamptz(),
    verificationAttempts: integer().notNull().default(0),
    /** SHA-256 of the secret half of the unsubscribe token in every message's footer link. */
    unsubscribeSecretHash: bytea().notNull(),
    /** Optional: told by email when the channel is disabled. */
    ownerEmail: text(),
    consecutiveFailures: integer().notNull().default(0),
    lastError: text(),
    lastErrorAt: timestamptz(),
    lastSuccessAt: timestamptz(),
    verifiedAt: timestamptz(),
    disabledAt: timestamptz(),
    disabledReason: text(),
    ownerNotifiedAt: timestamptz(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [uniqueIndex('chat_subscriber_url_idx').on(table.url), index('chat_subscriber_state_idx').on(table.state)],
);
export type ChatSubscriberRow = typeof chatSubscriber.$inferSelect;

/** The components a chat subscriber chose; none means every component. */
export const chatSubscriberComponent = pgTable(
  'chat_subscriber_component',
  {
    subscriberId: text()
      .notNull()
      .references(() => chatSubscriber.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => component.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.subscriberId, table.componentId] }),
    index('chat_subscriber_component_component_id_idx').on(table.componentId),
  ],
);

/** One message of one event to one chat subscriber; unique per (subscriber, event key), like webhook deliveries. */
export const chatDelivery = pgTable(
  'chat_delivery',
  {
    id: text().primaryKey(),
    subscriberId: text()
      .notNull()
      .references(() => chatSubscriber.id, { onDelete: 'cascade' }),
    eventId: text()
      .notNull()
      .references(() => webhookEvent.id, { onDelete: 'cascade' }),
    eventKey: text().notNull(),
    state: deliveryStateEnum().notNull(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    lastStatusCode: integer(),
    /** The JSON to POST, rendered for the platform once at fan-out. */
    body: text().notNull(),
    /** A platform that answered 429 is tried again from then. */
    retryAfter: timestamptz(),
    createdAt: timestamptz().notNull(),
    claimedAt: timestamptz(),
    sentAt: timestamptz(),
    failedAt: timestamptz(),
  },
  (table) => [
    uniqueIndex('chat_delivery_subscriber_id_event_key_idx').on(table.subscriberId, table.eventKey),
    index('chat_delivery_event_id_idx').on(table.eventId),
    index('chat_delivery_state_idx')
      .on(table.state)
      .where(sql`${table.state} in ('queued', 'sending')`),
  ],
);
export type ChatDeliveryRow = typeof chatDelivery.$inferSelect;

import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  type AnyPgColumn,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { componentStatuses, incidentStatuses, severities } from '../../../domain/statuses';
import { maintenanceStatuses } from '../../../domain/maintenance';
import type { RecurrenceEnd, RecurrenceRule } from '../../../domain/recurrence';
import { roles } from '../../../domain/roles';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
const timestamptz = (name?: string) =>
  name ? timestamp(name, { withTimezone: true, mode: 'date' }) : timestamp({ withTimezone: true, mode: 'date' });

export const roleEnum = pgEnum('role', roles);
export const componentStatusEnum = pgEnum('component_status', componentStatuses);
export const incidentStatusEnum = pgEnum('incident_status', incidentStatuses);
export const severityEnum = pgEnum('severity', severities);

export const user = pgTable(
  'user',
  {
    id: text().primaryKey(),
    email: text().notNull(),
    name: text().notNull(),
    role: roleEnum().notNull(),
    /** Null until the user sets a password through their one-time link. */
    passwordHash: text(),
    createdAt: timestamptz().notNull(),
    disabledAt: timestamptz(),
  },
  (table) => [uniqueIndex('user_email_idx').on(sql`lower(${table.email})`)],
);

/** Sessions per Lucia's design: the token is `<id>.<secret>`, only the secret's SHA-256 is stored. */
export const session = pgTable(
  'session',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    lastActiveAt: timestamptz().notNull(),
  },
  (table) => [index('session_user_id_idx').on(table.userId)],
);

/** One-time links that let a new user (or one who lost it) set a password. */
export const passwordToken = pgTable(
  'password_token',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    expiresAt: timestamptz().notNull(),
    usedAt: timestamptz(),
  },
  (table) => [index('password_token_user_id_idx').on(table.userId)],
);

/** Fixed-window counters for rate limits, shared by every Herald process. */
export const rateLimit = pgTable('rate_limit', {
  key: text().primaryKey(),
  count: integer().notNull(),
  resetAt: timestamptz().notNull(),
});

export const componentGroup = pgTable('component_group', {
  id: text().primaryKey(),
  name: text().notNull(),
  description: text(),
  position: integer().notNull(),
  hidden: boolean().notNull().default(false),
  createdAt: timestamptz().notNull(),
  updatedAt: timestamptz().notNull(),
});

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

export const customerEmailStates = ['not_required', 'scheduled', 'sent', 'skipped', 'held', 'cancelled'] as const;
export const customerEmailStateEnum = pgEnum('customer_email_state', customerEmailStates);

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
  },
  (table) => [
    index('incident_started_at_idx').on(table.startedAt),
    index('incident_status_idx').on(table.status),
  ],
);

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
  oldStatus: (typeof componentStatuses)[number];
  newStatus: (typeof componentStatuses)[number];
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
  },
  (table) => [index('incident_update_incident_id_display_at_idx').on(table.incidentId, table.displayAt)],
);

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

/** Page-wide settings (name, time zone…) as one JSON value per key. */
export const setting = pgTable('setting', {
  key: text().primaryKey(),
  value: jsonb().notNull(),
  updatedAt: timestamptz().notNull(),
});

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
  },
  (table) => [uniqueIndex('subscriber_email_idx').on(sql`lower(${table.email})`), index('subscriber_state_idx').on(table.state)],
);

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
  (table) => [primaryKey({ columns: [table.subscriberId, table.componentId] }), index('subscriber_component_component_id_idx').on(table.componentId)],
);

export const subscriberTokenPurposes = ['confirm', 'manage', 'unsubscribe'] as const;
export const subscriberTokenPurposeEnum = pgEnum('subscriber_token_purpose', subscriberTokenPurposes);

/** Links in emails: `<id>.<secret>`, one purpose each, only SHA-256(secret) stored. */
export const subscriberToken = pgTable(
  'subscriber_token',
  {
    id: text().primaryKey(),
    subscriberId: text()
      .notNull()
      .references(() => subscriber.id, { onDelete: 'cascade' }),
    purpose: subscriberTokenPurposeEnum().notNull(),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    /** Null for links that stay valid while the subscription lasts (manage, unsubscribe). */
    expiresAt: timestamptz(),
    usedAt: timestamptz(),
  },
  (table) => [index('subscriber_token_subscriber_id_idx').on(table.subscriberId)],
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

export const deliveryStates = ['queued', 'sending', 'sent', 'failed'] as const;
export const deliveryStateEnum = pgEnum('delivery_state', deliveryStates);

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

/** On-call contacts alerted when an incident of a severity they are paged for is declared. */
export const contact = pgTable('contact', {
  id: text().primaryKey(),
  name: text().notNull(),
  role: text().notNull(),
  email: text().notNull(),
  webhookUrl: text(),
  severities: jsonb().$type<(typeof severities)[number][]>().notNull(),
  createdAt: timestamptz().notNull(),
  updatedAt: timestamptz().notNull(),
});

export const teamAlertKinds = ['declared', 'severity_raised', 'update_overdue', 'postmortem_reminder', 'postmortem_overdue'] as const;
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
    uniqueIndex('team_alert_incident_id_kind_occasion_recipient_email_channel_idx').on(table.incidentId, table.kind, table.occasion, table.recipientEmail, table.channel),
  ],
);

export const maintenanceStatusEnum = pgEnum('maintenance_status', maintenanceStatuses);

/** A recurring maintenance: the rule its occurrences (maintenance rows) were created from. */
export const maintenanceSeries = pgTable('maintenance_series', {
  id: text().primaryKey(),
  rule: jsonb().$type<RecurrenceRule>().notNull(),
  end: jsonb().$type<RecurrenceEnd>().notNull(),
  createdAt: timestamptz().notNull(),
});

/** A scheduled maintenance window; its start and end are moved by jobs (see services/maintenance-transitions.ts). */
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
  (table) => [index('maintenance_status_scheduled_for_idx').on(table.status, table.scheduledFor), index('maintenance_series_id_idx').on(table.seriesId)],
);

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
  (table) => [primaryKey({ columns: [table.maintenanceId, table.componentId] }), index('maintenance_component_component_id_idx').on(table.componentId)],
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

import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { user } from './access';
import { bytea, timestamptz } from './columns';
import { roleEnum, severityEnum } from './enums';
import { incident } from './incidents';

/** Tables of the automation layer (issue 7): API keys, idempotent requests and alert intake. */

/** A key for the management API: `herald_<id>.<secret>`, only SHA-256(secret) stored. */
export const apiKey = pgTable(
  'api_key',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** viewer, responder or admin: a key never holds the owner role. */
    role: roleEnum().notNull(),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    createdBy: text().references(() => user.id, { onDelete: 'set null' }),
    /** Who created it, as shown even after the user is gone. */
    createdByLabel: text().notNull(),
    expiresAt: timestamptz(),
    lastUsedAt: timestamptz(),
    revokedAt: timestamptz(),
  },
  (table) => [
    uniqueIndex('api_key_active_name_idx')
      .on(sql`lower(${table.name})`)
      .where(sql`${table.revokedAt} is null`),
  ],
);
export type ApiKeyRow = typeof apiKey.$inferSelect;

/**
 * The first answer to a POST sent with an `Idempotency-Key`, per API key: a retry with the same
 * key and body gets it again instead of acting twice. `status` is null while the first request
 * is still being handled.
 */
export const idempotentRequest = pgTable(
  'idempotent_request',
  {
    apiKeyId: text()
      .notNull()
      .references(() => apiKey.id, { onDelete: 'cascade' }),
    key: text().notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    fingerprint: text().notNull(),
    status: integer(),
    /** The answer's JSON as sent, byte for byte (jsonb would reorder its keys). */
    responseBody: text(),
    createdAt: timestamptz().notNull(),
  },
  (table) => [primaryKey({ columns: [table.apiKeyId, table.key] }), index('idempotent_request_created_at_idx').on(table.createdAt)],
);

/** An incident proposed by an alert, waiting for a responder to confirm it (intake in draft mode). */
export const incidentDraft = pgTable('incident_draft', {
  id: text().primaryKey(),
  source: text().notNull(),
  groupKey: text().notNull(),
  title: text().notNull(),
  severity: severityEnum().notNull(),
  /** The classifier's reason, in words. */
  severityReason: text().notNull(),
  signals: jsonb().$type<string[]>().notNull(),
  components: jsonb().$type<{ componentId: string; status: string }[]>().notNull(),
  message: text().notNull(),
  /** The rollback criteria the alerts measured (ids), ticked on the incident when confirmed. */
  rollbackCriteria: jsonb().$type<string[]>().notNull().default([]),
  createdAt: timestamptz().notNull(),
  updatedAt: timestamptz().notNull(),
  /** Set when a responder confirmed it (the incident it became) or dismissed it. */
  confirmedIncidentId: text().references(() => incident.id, { onDelete: 'set null' }),
  closedAt: timestamptz(),
  closedBy: text(),
});
export type IncidentDraftRow = typeof incidentDraft.$inferSelect;

/**
 * Which incident (or draft) an alert group feeds: repeated firings of one group update it
 * instead of opening another. A group whose incident was resolved starts a new link.
 */
export const alertLink = pgTable(
  'alert_link',
  {
    id: text().primaryKey(),
    source: text().notNull(),
    groupKey: text().notNull(),
    incidentId: text().references(() => incident.id, { onDelete: 'cascade' }),
    draftId: text().references(() => incidentDraft.id, { onDelete: 'cascade' }),
    /** The alert fingerprints firing at the last call, to tell a new alert from a repeat. */
    firing: jsonb().$type<string[]>().notNull(),
    status: text().notNull(),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    /** Set once the link is done with (its incident resolved, its draft closed). */
    closedAt: timestamptz(),
  },
  (table) => [
    uniqueIndex('alert_link_open_idx')
      .on(table.source, table.groupKey)
      .where(sql`${table.closedAt} is null`),
  ],
);
export type AlertLinkRow = typeof alertLink.$inferSelect;

/** What each intake call did, for the admin's intake log. */
export const intakeEvent = pgTable(
  'intake_event',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    receivedAt: timestamptz().notNull(),
    source: text().notNull(),
    apiKeyId: text().references(() => apiKey.id, { onDelete: 'set null' }),
    groupKey: text(),
    alertStatus: text(),
    /** declared, updated, unchanged, monitoring, resolved, drafted, draft_updated, rejected… */
    outcome: text().notNull(),
    detail: text().notNull(),
    incidentId: text().references(() => incident.id, { onDelete: 'set null' }),
    draftId: text().references(() => incidentDraft.id, { onDelete: 'set null' }),
  },
  (table) => [index('intake_event_received_at_idx').on(table.receivedAt)],
);
export type IntakeEventRow = typeof intakeEvent.$inferSelect;

import { z } from 'zod';
import { maintenanceStatuses } from '../../domain/maintenance';
import { componentStatuses, impactOfSeverity, impacts, incidentStatuses, severities } from '../../domain/statuses';
import type { IncidentSummary } from '../services/incidents/incident-lists';
import type { IncidentDetail } from '../services/incidents/incident-detail';
import type { MaintenanceDetail, MaintenanceSummary } from '../services/maintenance/maintenance-queries';
import type { SubscriberListItem } from '../services/subscribers/subscribers';
import { customerEmailStates, rollbackDecisions, subscriberStates, type ComponentGroupRow, type ComponentRow } from '../db/schema';

/**
 * The JSON the management API answers with: one zod schema per resource (documented in the
 * OpenAPI file and checked by the contract tests) and the function that builds it from rows.
 * Times are ISO 8601 in UTC; absent values are null, never missing.
 */

const time = z.iso.datetime({ offset: false });
const nullableTime = time.nullable();
const iso = (value: Date) => value.toISOString();
const isoOrNull = (value: Date | null) => (value ? value.toISOString() : null);

export const componentResource = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(componentStatuses),
  groupId: z.string().nullable(),
  position: z.number().int(),
  hidden: z.boolean(),
  onlyShowIfDegraded: z.boolean(),
  startDate: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
});

export function componentJson(row: ComponentRow): z.infer<typeof componentResource> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    groupId: row.groupId,
    position: row.position,
    hidden: row.hidden,
    onlyShowIfDegraded: row.onlyShowIfDegraded,
    startDate: row.startDate,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export const groupResource = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  position: z.number().int(),
  hidden: z.boolean(),
  componentIds: z.array(z.string()),
  createdAt: time,
  updatedAt: time,
});

export function groupJson(row: ComponentGroupRow, componentIds: string[]): z.infer<typeof groupResource> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    position: row.position,
    hidden: row.hidden,
    componentIds,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const componentRef = z.object({ id: z.string(), name: z.string(), status: z.enum(componentStatuses) });

const componentChange = z.object({
  componentId: z.string(),
  name: z.string(),
  oldStatus: z.enum(componentStatuses),
  newStatus: z.enum(componentStatuses),
});

const incidentUpdateResource = z.object({
  id: z.string(),
  status: z.enum(incidentStatuses),
  body: z.string(),
  componentChanges: z.array(componentChange).nullable(),
  notifySubscribers: z.boolean(),
  displayAt: time,
  createdAt: time,
  editedAt: nullableTime,
  /** The next update this one promised customers; null when none. */
  nextUpdateBy: nullableTime,
});

export const incidentResource = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(incidentStatuses),
  severity: z.enum(severities),
  impact: z.enum(impacts),
  startedAt: time,
  createdAt: time,
  updatedAt: time,
  monitoringAt: nullableTime,
  resolvedAt: nullableTime,
  ownerId: z.string().nullable(),
  suggestedSeverity: z.enum(severities).nullable(),
  severitySuggestionReason: z.string().nullable(),
  severitySignals: z.array(z.string()),
  severityOverrideReason: z.string().nullable(),
  customerEmail: z.object({ state: z.enum(customerEmailStates), dueAt: nullableTime, sentAt: nullableTime, note: z.string().nullable() }),
  postmortemPublishedAt: nullableTime,
  /** Ids of the rollback criteria met, in the order met; the decision once staff record one. */
  rollbackCriteriaMet: z.array(z.string()),
  rollbackDecision: z.object({ decision: z.enum(rollbackDecisions), reason: z.string().nullable(), decidedAt: nullableTime }).nullable(),
  components: z.array(componentRef),
  url: z.string(),
  /** Newest first; only when one incident is read. */
  updates: z.array(incidentUpdateResource).optional(),
});

type IncidentRowLike = IncidentSummary['incident'];

function incidentCore(
  row: IncidentRowLike,
  components: z.infer<typeof componentRef>[],
  publicUrl: string,
): z.infer<typeof incidentResource> {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    severity: row.severity,
    impact: impactOfSeverity(row.severity),
    startedAt: iso(row.startedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    monitoringAt: isoOrNull(row.monitoringAt),
    resolvedAt: isoOrNull(row.resolvedAt),
    ownerId: row.ownerId,
    suggestedSeverity: row.suggestedSeverity,
    severitySuggestionReason: row.severitySuggestionReason,
    severitySignals: row.severitySignals,
    severityOverrideReason: row.severityOverrideReason,
    customerEmail: {
      state: row.customerEmailState,
      dueAt: isoOrNull(row.customerEmailDueAt),
      sentAt: isoOrNull(row.customerEmailSentAt),
      note: row.customerEmailNote,
    },
    postmortemPublishedAt: isoOrNull(row.postmortemPublishedAt),
    rollbackCriteriaMet: row.rollbackCriteriaMet,
    rollbackDecision: row.rollbackDecision
      ? { decision: row.rollbackDecision, reason: row.rollbackDecisionReason, decidedAt: isoOrNull(row.rollbackDecidedAt) }
      : null,
    components,
    url: `${publicUrl}/incidents/${row.id}`,
  };
}

export function incidentSummaryJson(summary: IncidentSummary, publicUrl: string) {
  return incidentCore(summary.incident, summary.components, publicUrl);
}

export function incidentDetailJson(detail: IncidentDetail, publicUrl: string) {
  return {
    ...incidentCore(
      detail.incident,
      detail.components.map(({ id, name, status }) => ({ id, name, status })),
      publicUrl,
    ),
    updates: detail.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      componentChanges: update.componentChanges,
      notifySubscribers: update.notifySubscribers,
      displayAt: iso(update.displayAt),
      createdAt: iso(update.createdAt),
      editedAt: isoOrNull(update.editedAt),
      nextUpdateBy: isoOrNull(update.nextUpdateBy),
    })),
  };
}

const maintenanceUpdateResource = z.object({
  id: z.string(),
  status: z.enum(maintenanceStatuses),
  body: z.string(),
  notifySubscribers: z.boolean(),
  createdAt: time,
});

export const maintenanceResource = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.enum(maintenanceStatuses),
  scheduledFor: time,
  scheduledUntil: time,
  timeZone: z.string(),
  setsUnderMaintenance: z.boolean(),
  notifySubscribers: z.boolean(),
  notifyOnSchedule: z.boolean(),
  notifyReminder: z.boolean(),
  notifyOnStart: z.boolean(),
  notifyOnComplete: z.boolean(),
  backfilled: z.boolean(),
  seriesId: z.string().nullable(),
  startedAt: nullableTime,
  completedAt: nullableTime,
  cancelledAt: nullableTime,
  createdAt: time,
  updatedAt: time,
  components: z.array(componentRef),
  url: z.string(),
  /** Newest first; only when one maintenance is read. */
  updates: z.array(maintenanceUpdateResource).optional(),
});

export function maintenanceJson(summary: MaintenanceSummary | MaintenanceDetail, publicUrl: string): z.infer<typeof maintenanceResource> {
  const row = summary.maintenance;
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    scheduledFor: iso(row.scheduledFor),
    scheduledUntil: iso(row.scheduledUntil),
    timeZone: row.timeZone,
    setsUnderMaintenance: row.setsUnderMaintenance,
    notifySubscribers: row.notifySubscribers,
    notifyOnSchedule: row.notifyOnSchedule,
    notifyReminder: row.notifyReminder,
    notifyOnStart: row.notifyOnStart,
    notifyOnComplete: row.notifyOnComplete,
    backfilled: row.backfilled,
    seriesId: row.seriesId,
    startedAt: isoOrNull(row.startedAt),
    completedAt: isoOrNull(row.completedAt),
    cancelledAt: isoOrNull(row.cancelledAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    components: summary.components.map(({ id, name, status }) => ({ id, name, status })),
    url: `${publicUrl}/maintenance/${row.id}`,
    ...('updates' in summary
      ? {
          updates: summary.updates.map((update) => ({
            id: update.id,
            status: update.status,
            body: update.body,
            notifySubscribers: update.notifySubscribers,
            createdAt: iso(update.createdAt),
          })),
        }
      : {}),
  };
}

export const subscriberResource = z.object({
  id: z.string(),
  email: z.string(),
  state: z.enum(subscriberStates),
  source: z.string(),
  /** The components chosen; empty means every component. */
  componentIds: z.array(z.string()),
  createdAt: time,
  confirmedAt: nullableTime,
});

export function subscriberJson(
  row: Omit<SubscriberListItem, 'componentNames'>,
  componentIds: string[],
): z.infer<typeof subscriberResource> {
  return {
    id: row.id,
    email: row.email,
    state: row.state,
    source: row.source,
    componentIds,
    createdAt: iso(row.createdAt),
    confirmedAt: isoOrNull(row.confirmedAt),
  };
}

/** A page of a list. */
export const pageOf = <Item extends z.ZodType>(item: Item) =>
  z.object({ data: z.array(item), page: z.number().int(), pageCount: z.number().int(), total: z.number().int() });

export const listOf = <Item extends z.ZodType>(item: Item) => z.object({ data: z.array(item) });

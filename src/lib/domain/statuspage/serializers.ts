/** Pure serializers from plain inputs to the Statuspage v2 objects, and the order of lists. */
import type { PageStatus } from '../rollup';
import { impactOfSeverity, isIncidentOpen } from '../statuses';
import {
  type ComponentInput,
  type GroupInput,
  type IncidentInput,
  type IncidentUpdateInput,
  type MaintenanceInput,
  type MaintenanceUpdateInput,
  type PageInput,
  type PageRef,
  type PublicMaintenanceStatus,
  STATUS_API_LIST_LIMIT,
  type StatuspageComponent,
  type StatuspageIncident,
  type StatuspageIncidentUpdate,
  type StatuspageMaintenance,
  type StatuspagePage,
  type StatuspageStatus,
  activeMaintenanceApiStatuses,
  formatTimestamp,
  upcomingMaintenanceStatuses,
} from './contract';
// ---------------------------------------------------------------------------------------------
// Serializers

export function serializePage(page: PageInput): StatuspagePage {
  return {
    id: page.id,
    name: page.name,
    url: page.url.replace(/\/+$/, ''),
    time_zone: page.timeZone,
    updated_at: formatTimestamp(page.updatedAt, page.timeZone),
  };
}

export function serializeStatus(status: PageStatus): StatuspageStatus {
  return { indicator: status.indicator, description: status.description };
}

export function serializeComponent(item: ComponentInput, page: PageRef): StatuspageComponent {
  return {
    id: item.id,
    name: item.name,
    status: item.status,
    created_at: formatTimestamp(item.createdAt, page.timeZone),
    updated_at: formatTimestamp(item.updatedAt, page.timeZone),
    position: item.position,
    description: item.description,
    // Herald shows every component with its uptime bar.
    showcase: true,
    start_date: item.startDate,
    group_id: item.groupId,
    page_id: page.id,
    group: false,
    only_show_if_degraded: item.onlyShowIfDegraded,
  };
}

export function serializeGroup(group: GroupInput, page: PageRef): StatuspageComponent {
  return {
    id: group.id,
    name: group.name,
    status: group.status,
    created_at: formatTimestamp(group.createdAt, page.timeZone),
    updated_at: formatTimestamp(group.updatedAt, page.timeZone),
    position: group.position,
    description: group.description,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: page.id,
    group: true,
    only_show_if_degraded: false,
    components: group.components.map((item) => item.id),
  };
}

/**
 * Every visible component and group in display order: the ungrouped components, then each
 * group followed by its components.
 */
export function serializeComponents(
  ungrouped: readonly ComponentInput[],
  groups: readonly GroupInput[],
  page: PageRef,
): StatuspageComponent[] {
  return [
    ...ungrouped.map((item) => serializeComponent(item, page)),
    ...groups.flatMap((group) => [serializeGroup(group, page), ...group.components.map((item) => serializeComponent(item, page))]),
  ];
}

function byTimeDescending<T>(keys: (item: T) => (number | string)[]): (a: T, b: T) => number {
  return (a, b) => {
    const left = keys(a);
    const right = keys(b);
    for (const [index, x] of left.entries()) {
      const y = right[index];
      if (y !== undefined && x !== y) return x < y ? 1 : -1;
    }
    return 0;
  };
}

const incidentUpdateOrder = byTimeDescending<IncidentUpdateInput>((update) => [
  update.displayAt.getTime(),
  update.createdAt.getTime(),
  update.id,
]);
const maintenanceUpdateOrder = byTimeDescending<MaintenanceUpdateInput>((update) => [
  update.createdAt.getTime(),
  update.sequence,
  update.id,
]);

export function serializeIncidentUpdate(update: IncidentUpdateInput, page: PageRef): StatuspageIncidentUpdate {
  const changes = update.componentChanges ?? [];
  return {
    id: update.id,
    status: update.status,
    body: update.body,
    incident_id: update.incidentId,
    created_at: formatTimestamp(update.createdAt, page.timeZone),
    updated_at: formatTimestamp(update.editedAt ?? update.createdAt, page.timeZone),
    display_at: formatTimestamp(update.displayAt, page.timeZone),
    affected_components:
      changes.length === 0
        ? null
        : changes.map((change) => ({
            code: change.componentId,
            name: change.name,
            old_status: change.oldStatus,
            new_status: change.newStatus,
          })),
    deliver_notifications: update.notifySubscribers,
    custom_tweet: null,
    tweet_id: null,
    herald_next_update_by: update.nextUpdateBy ? formatTimestamp(update.nextUpdateBy, page.timeZone) : null,
  };
}

/** A maintenance's update in the incident update shape: it changes no component itself; it promises no next update. */
function serializeMaintenanceUpdate(
  update: MaintenanceUpdateInput & { status: PublicMaintenanceStatus },
  page: PageRef,
): StatuspageIncidentUpdate {
  const at = formatTimestamp(update.createdAt, page.timeZone);
  return {
    id: update.id,
    status: update.status,
    body: update.body,
    incident_id: update.maintenanceId,
    created_at: at,
    updated_at: at,
    display_at: at,
    affected_components: null,
    deliver_notifications: update.notifySubscribers,
    custom_tweet: null,
    tweet_id: null,
    herald_next_update_by: null,
  };
}

export function serializeIncident(item: IncidentInput, page: PageRef): StatuspageIncident {
  const zone = page.timeZone;
  const resolved = !isIncidentOpen(item.status);
  return {
    id: item.id,
    name: item.title,
    status: item.status,
    created_at: formatTimestamp(item.createdAt, zone),
    updated_at: formatTimestamp(item.updatedAt, zone),
    monitoring_at: item.monitoringAt ? formatTimestamp(item.monitoringAt, zone) : null,
    // Exactly when resolved or post-mortem; a reopened incident has none.
    resolved_at: resolved ? formatTimestamp(item.resolvedAt ?? item.updatedAt, zone) : null,
    impact: impactOfSeverity(item.severity),
    shortlink: `${page.url.replace(/\/+$/, '')}/incidents/${encodeURIComponent(item.id)}`,
    started_at: formatTimestamp(item.startedAt, zone),
    page_id: page.id,
    incident_updates: [...item.updates].sort(incidentUpdateOrder).map((update) => serializeIncidentUpdate(update, page)),
    components: item.components.map((component) => serializeComponent(component, page)),
  };
}

/** When a maintenance began, for the API and for ordering: the real start, else the planned one. */
function maintenanceStartedAt(item: Pick<MaintenanceInput, 'startedAt' | 'scheduledFor'>): Date {
  return item.startedAt ?? item.scheduledFor;
}

function isPublicMaintenanceUpdate(update: MaintenanceUpdateInput): update is MaintenanceUpdateInput & { status: PublicMaintenanceStatus } {
  return update.status !== 'cancelled';
}

export function serializeMaintenance(item: MaintenanceInput, page: PageRef): StatuspageMaintenance {
  const zone = page.timeZone;
  // Only a cancelled maintenance has a cancellation update, and those never reach the API.
  const updates = item.updates.filter(isPublicMaintenanceUpdate).sort(maintenanceUpdateOrder);
  // Verifying is a maintenance's monitoring: the first time it entered it.
  const verifying = updates.findLast((update) => update.status === 'verifying');
  return {
    id: item.id,
    name: item.title,
    status: item.status,
    created_at: formatTimestamp(item.createdAt, zone),
    updated_at: formatTimestamp(item.updatedAt, zone),
    monitoring_at: verifying ? formatTimestamp(verifying.createdAt, zone) : null,
    resolved_at: item.status === 'completed' ? formatTimestamp(item.completedAt ?? item.updatedAt, zone) : null,
    impact: 'maintenance',
    shortlink: `${page.url.replace(/\/+$/, '')}/maintenance/${encodeURIComponent(item.id)}`,
    started_at: formatTimestamp(maintenanceStartedAt(item), zone),
    page_id: page.id,
    incident_updates: updates.map((update) => serializeMaintenanceUpdate(update, page)),
    components: item.components.map((component) => serializeComponent(component, page)),
    scheduled_for: formatTimestamp(item.scheduledFor, zone),
    scheduled_until: formatTimestamp(item.scheduledUntil, zone),
  };
}

// ---------------------------------------------------------------------------------------------
// Lists: which items, in which order.

/** Incidents newest first: by start, then creation, then id (a stable order for equal times). */
const incidentOrder = byTimeDescending<Pick<IncidentInput, 'startedAt' | 'createdAt' | 'id'>>((item) => [
  item.startedAt.getTime(),
  item.createdAt.getTime(),
  item.id,
]);

/** Maintenances newest first: by when they began (else were planned to), then creation, then id. */
export const maintenanceOrder = byTimeDescending<Pick<MaintenanceInput, 'startedAt' | 'scheduledFor' | 'createdAt' | 'id'>>((item) => [
  maintenanceStartedAt(item).getTime(),
  item.createdAt.getTime(),
  item.id,
]);

export function newestIncidents<T extends Pick<IncidentInput, 'startedAt' | 'createdAt' | 'id'>>(
  items: readonly T[],
  limit = STATUS_API_LIST_LIMIT,
): T[] {
  return [...items].sort(incidentOrder).slice(0, limit);
}

export function newestMaintenances<T extends Pick<MaintenanceInput, 'startedAt' | 'scheduledFor' | 'createdAt' | 'id'>>(
  items: readonly T[],
  limit = STATUS_API_LIST_LIMIT,
): T[] {
  return [...items].sort(maintenanceOrder).slice(0, limit);
}

export function isUpcomingMaintenance(item: Pick<MaintenanceInput, 'status'>): boolean {
  return upcomingMaintenanceStatuses.includes(item.status);
}

export function isActiveMaintenance(item: Pick<MaintenanceInput, 'status'>): boolean {
  return activeMaintenanceApiStatuses.includes(item.status);
}

/**
 * The public JSON API in Atlassian Statuspage's v2 shape (../shared/statuspage-api-v2.md): pure
 * serializers from plain inputs to the contract's objects, and the eight response bodies.
 *
 * Every object is built as a literal in the contract's key order, which `JSON.stringify` keeps.
 * Timestamps are ISO-8601 with milliseconds and the offset of the page's time zone at that
 * instant (`Z` when the zone is UTC itself, `+00:00` for a zone that merely sits at offset 0).
 */
import type { MaintenanceStatus } from './maintenance';
import type { Indicator, PageStatus } from './rollup';
import { impactOfSeverity, isIncidentOpen, type ComponentStatus, type Impact, type IncidentStatus, type Severity } from './statuses';
import { formatOffset, isUtcZone, offsetMinutesAt } from './time-zone';

/** Lists of incidents and maintenances hold at most this many, newest first. */
export const STATUS_API_LIST_LIMIT = 50;

/** The eight endpoints, by their path under `/api/v2/` without `.json`. */
export const statusApiEndpoints = [
  'summary',
  'status',
  'components',
  'incidents',
  'incidents/unresolved',
  'scheduled-maintenances',
  'scheduled-maintenances/upcoming',
  'scheduled-maintenances/active',
] as const;
export type StatusApiEndpoint = (typeof statusApiEndpoints)[number];

/** The maintenance statuses the API shows: Herald's own `cancelled` never leaves the admin. */
export type PublicMaintenanceStatus = Exclude<MaintenanceStatus, 'cancelled'>;
export const upcomingMaintenanceStatuses: readonly PublicMaintenanceStatus[] = ['scheduled'];
export const activeMaintenanceApiStatuses: readonly PublicMaintenanceStatus[] = ['in_progress', 'verifying'];

// ---------------------------------------------------------------------------------------------
// Time

/**
 * `2026-03-01T15:05:09.123+01:00`: the instant as the zone's wall clock, with milliseconds and
 * the offset in force then. UTC is written `2026-03-01T14:05:09.123Z`.
 */
export function formatTimestamp(time: Date, timeZone: string): string {
  if (Number.isNaN(time.getTime())) throw new RangeError('Cannot format an invalid date');
  if (isUtcZone(timeZone)) return time.toISOString();
  // The wall clock is written with the offset rounded to whole minutes, so the string still
  // names exactly the same instant.
  const offset = offsetMinutesAt(time, timeZone);
  const wall = new Date(time.getTime() + offset * 60_000).toISOString().slice(0, 23);
  return `${wall}${formatOffset(offset)}`;
}

// ---------------------------------------------------------------------------------------------
// Inputs: plain values, shaped like Herald's rows but independent of the database.

/** The page the objects belong to: its public id, public URL (no trailing slash) and zone. */
export interface PageRef {
  id: string;
  url: string;
  timeZone: string;
}

export interface PageInput extends PageRef {
  name: string;
  /** The last change of anything public. */
  updatedAt: Date;
}

export interface ComponentInput {
  id: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
  /** 1-based within its group (or among the ungrouped components). */
  position: number;
  groupId: string | null;
  onlyShowIfDegraded: boolean;
  /** `YYYY-MM-DD`. */
  startDate: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupInput {
  id: string;
  name: string;
  description: string | null;
  /** The worst status of its components. */
  status: ComponentStatus;
  position: number;
  createdAt: Date;
  updatedAt: Date;
  /** Its visible components, in order. */
  components: ComponentInput[];
}

export interface ComponentChangeInput {
  componentId: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface IncidentUpdateInput {
  id: string;
  incidentId: string;
  status: IncidentStatus;
  body: string;
  /** Null (or empty) when the update changed no visible component. */
  componentChanges: readonly ComponentChangeInput[] | null;
  notifySubscribers: boolean;
  createdAt: Date;
  displayAt: Date;
  /** Set when staff corrected the text after posting. */
  editedAt: Date | null;
}

export interface IncidentInput {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  startedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  /** In any order; written newest first. */
  updates: readonly IncidentUpdateInput[];
  /** The affected components the public may see, with their current status. */
  components: readonly ComponentInput[];
}

export interface MaintenanceUpdateInput {
  id: string;
  maintenanceId: string;
  status: MaintenanceStatus;
  body: string;
  notifySubscribers: boolean;
  createdAt: Date;
  /** Orders updates written in the same instant. */
  sequence: number;
}

export interface MaintenanceInput {
  id: string;
  title: string;
  status: PublicMaintenanceStatus;
  scheduledFor: Date;
  scheduledUntil: Date;
  /** When the work really began, if it has. */
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** In any order; written newest first. */
  updates: readonly MaintenanceUpdateInput[];
  components: readonly ComponentInput[];
}

// ---------------------------------------------------------------------------------------------
// Outputs: the contract's objects.

export interface StatuspagePage {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface StatuspageStatus {
  indicator: Indicator;
  description: string;
}

export interface StatuspageComponent {
  id: string;
  name: string;
  status: ComponentStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
  /** Groups only: the ids of its components. */
  components?: string[];
}

export interface StatuspageAffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface StatuspageIncidentUpdate {
  id: string;
  status: IncidentStatus | PublicMaintenanceStatus;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: StatuspageAffectedComponent[] | null;
  deliver_notifications: boolean;
  custom_tweet: null;
  tweet_id: null;
}

export interface StatuspageIncident {
  id: string;
  name: string;
  status: IncidentStatus;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: Impact;
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: StatuspageIncidentUpdate[];
  components: StatuspageComponent[];
}

export interface StatuspageMaintenance {
  id: string;
  name: string;
  status: PublicMaintenanceStatus;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: 'maintenance';
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: StatuspageIncidentUpdate[];
  components: StatuspageComponent[];
  scheduled_for: string;
  scheduled_until: string;
}

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
export function serializeComponents(ungrouped: readonly ComponentInput[], groups: readonly GroupInput[], page: PageRef): StatuspageComponent[] {
  return [
    ...ungrouped.map((item) => serializeComponent(item, page)),
    ...groups.flatMap((group) => [serializeGroup(group, page), ...group.components.map((item) => serializeComponent(item, page))]),
  ];
}

function byTimeDescending<T>(keys: (item: T) => (number | string)[]): (a: T, b: T) => number {
  return (a, b) => {
    const left = keys(a);
    const right = keys(b);
    for (let index = 0; index < left.length; index += 1) {
      const x = left[index]!;
      const y = right[index]!;
      if (x !== y) return x < y ? 1 : -1;
    }
    return 0;
  };
}

const incidentUpdateOrder = byTimeDescending<IncidentUpdateInput>((update) => [update.displayAt.getTime(), update.createdAt.getTime(), update.id]);
const maintenanceUpdateOrder = byTimeDescending<MaintenanceUpdateInput>((update) => [update.createdAt.getTime(), update.sequence, update.id]);

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
        : changes.map((change) => ({ code: change.componentId, name: change.name, old_status: change.oldStatus, new_status: change.newStatus })),
    deliver_notifications: update.notifySubscribers,
    custom_tweet: null,
    tweet_id: null,
  };
}

/** A maintenance's update in the incident update shape: it changes no component itself. */
export function serializeMaintenanceUpdate(update: MaintenanceUpdateInput & { status: PublicMaintenanceStatus }, page: PageRef): StatuspageIncidentUpdate {
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
export function maintenanceStartedAt(item: Pick<MaintenanceInput, 'startedAt' | 'scheduledFor'>): Date {
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
export const incidentOrder = byTimeDescending<Pick<IncidentInput, 'startedAt' | 'createdAt' | 'id'>>((item) => [
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

export function newestIncidents<T extends Pick<IncidentInput, 'startedAt' | 'createdAt' | 'id'>>(items: readonly T[], limit = STATUS_API_LIST_LIMIT): T[] {
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

// ---------------------------------------------------------------------------------------------
// Response bodies

export interface PageBody {
  page: StatuspagePage;
}
export interface StatusBody extends PageBody {
  status: StatuspageStatus;
}
export interface ComponentsBody extends PageBody {
  components: StatuspageComponent[];
}
export interface IncidentsBody extends PageBody {
  incidents: StatuspageIncident[];
}
export interface MaintenancesBody extends PageBody {
  scheduled_maintenances: StatuspageMaintenance[];
}
export interface SummaryBody {
  page: StatuspagePage;
  components: StatuspageComponent[];
  incidents: StatuspageIncident[];
  scheduled_maintenances: StatuspageMaintenance[];
  status: StatuspageStatus;
}

/**
 * What the current-state endpoints (summary, status, components, unresolved, upcoming, active)
 * are built from, loaded once: so `summary` is its parts at one instant.
 */
export interface CurrentStateInput {
  page: PageInput;
  status: PageStatus;
  ungrouped: readonly ComponentInput[];
  groups: readonly GroupInput[];
  /** The open incidents (others are ignored). */
  unresolvedIncidents: readonly IncidentInput[];
  /** Scheduled maintenances the page announces (others are ignored). */
  upcomingMaintenances: readonly MaintenanceInput[];
  /** Maintenances in progress or verifying (others are ignored). */
  activeMaintenances: readonly MaintenanceInput[];
}

export function statusBody(input: Pick<CurrentStateInput, 'page' | 'status'>): StatusBody {
  return { page: serializePage(input.page), status: serializeStatus(input.status) };
}

export function componentsBody(input: Pick<CurrentStateInput, 'page' | 'ungrouped' | 'groups'>): ComponentsBody {
  return { page: serializePage(input.page), components: serializeComponents(input.ungrouped, input.groups, input.page) };
}

export function incidentsBody(page: PageInput, incidents: readonly IncidentInput[]): IncidentsBody {
  return { page: serializePage(page), incidents: newestIncidents(incidents).map((item) => serializeIncident(item, page)) };
}

export function unresolvedIncidentsBody(input: Pick<CurrentStateInput, 'page' | 'unresolvedIncidents'>): IncidentsBody {
  return incidentsBody(input.page, input.unresolvedIncidents.filter((item) => isIncidentOpen(item.status)));
}

export function scheduledMaintenancesBody(page: PageInput, maintenances: readonly MaintenanceInput[]): MaintenancesBody {
  return { page: serializePage(page), scheduled_maintenances: newestMaintenances(maintenances).map((item) => serializeMaintenance(item, page)) };
}

/** The scheduled maintenances: the 50 soonest when there are more, listed newest first like every list. */
function upcomingList(items: readonly MaintenanceInput[]): MaintenanceInput[] {
  const soonest = items
    .filter(isUpcomingMaintenance)
    .sort((a, b) => maintenanceOrder(b, a))
    .slice(0, STATUS_API_LIST_LIMIT);
  return newestMaintenances(soonest);
}

function activeList(items: readonly MaintenanceInput[]): MaintenanceInput[] {
  return newestMaintenances(items.filter(isActiveMaintenance));
}

export function upcomingMaintenancesBody(input: Pick<CurrentStateInput, 'page' | 'upcomingMaintenances'>): MaintenancesBody {
  return scheduledMaintenancesBody(input.page, upcomingList(input.upcomingMaintenances));
}

export function activeMaintenancesBody(input: Pick<CurrentStateInput, 'page' | 'activeMaintenances'>): MaintenancesBody {
  return scheduledMaintenancesBody(input.page, activeList(input.activeMaintenances));
}

/**
 * `summary.json`: its parts, taken from the same input. Its maintenances are exactly those of
 * `upcoming.json` and `active.json` together, newest first.
 */
export function summaryBody(input: CurrentStateInput): SummaryBody {
  const maintenances = newestMaintenances([...upcomingList(input.upcomingMaintenances), ...activeList(input.activeMaintenances)], Infinity);
  return {
    page: serializePage(input.page),
    components: serializeComponents(input.ungrouped, input.groups, input.page),
    incidents: unresolvedIncidentsBody(input).incidents,
    scheduled_maintenances: maintenances.map((item) => serializeMaintenance(item, input.page)),
    status: serializeStatus(input.status),
  };
}

/** The body of one of the current-state endpoints. */
export function currentStateBody(endpoint: Exclude<StatusApiEndpoint, 'incidents' | 'scheduled-maintenances'>, input: CurrentStateInput): object {
  switch (endpoint) {
    case 'summary':
      return summaryBody(input);
    case 'status':
      return statusBody(input);
    case 'components':
      return componentsBody(input);
    case 'incidents/unresolved':
      return unresolvedIncidentsBody(input);
    case 'scheduled-maintenances/upcoming':
      return upcomingMaintenancesBody(input);
    case 'scheduled-maintenances/active':
      return activeMaintenancesBody(input);
  }
}

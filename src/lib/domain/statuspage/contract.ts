/**
 * The public JSON API in Atlassian Statuspage's v2 shape (../shared/statuspage-api-v2.md): pure
 * serializers from plain inputs to the contract's objects, and the eight response bodies.
 *
 * Every object is built as a literal in the contract's key order, which `JSON.stringify` keeps.
 * Timestamps are ISO-8601 with milliseconds and the offset of the page's time zone at that
 * instant (`Z` when the zone is UTC itself, `+00:00` for a zone that merely sits at offset 0).
 */
import type { MaintenanceStatus } from '../maintenance';
import type { Indicator } from '../rollup';
import type { ComponentStatus, Impact, IncidentStatus, Severity } from '../statuses';
import { formatOffset, isUtcZone, offsetMinutesAt } from '../time-zone';

/** Lists of incidents and maintenances hold at most this many, newest first. */
export const STATUS_API_LIST_LIMIT = 50;

/** The eight endpoints, by their path under `/api/v2/` without `.json`. */
export type StatusApiEndpoint =
  | 'summary'
  | 'status'
  | 'components'
  | 'incidents'
  | 'incidents/unresolved'
  | 'scheduled-maintenances'
  | 'scheduled-maintenances/upcoming'
  | 'scheduled-maintenances/active';

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

interface ComponentChangeInput {
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
  /** The next update this one promised customers; null when none. */
  nextUpdateBy: Date | null;
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

interface StatuspageAffectedComponent {
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
  /** Herald's own, after Statuspage's fields (its clients ignore unknown ones): when the next update is promised; null when none. */
  herald_next_update_by: string | null;
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

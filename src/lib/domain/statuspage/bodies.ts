/** The eight response bodies of the Statuspage v2 API, built from the serializers. */
import type { PageStatus } from '../rollup';
import { isIncidentOpen } from '../statuses';
import {
  type ComponentInput,
  type GroupInput,
  type IncidentInput,
  type MaintenanceInput,
  type PageInput,
  STATUS_API_LIST_LIMIT,
  type StatusApiEndpoint,
  type StatuspageComponent,
  type StatuspageIncident,
  type StatuspageMaintenance,
  type StatuspagePage,
  type StatuspageStatus,
} from './contract';
import {
  isActiveMaintenance,
  isUpcomingMaintenance,
  maintenanceOrder,
  newestIncidents,
  newestMaintenances,
  serializeComponents,
  serializeIncident,
  serializeMaintenance,
  serializePage,
  serializeStatus,
} from './serializers';
// ---------------------------------------------------------------------------------------------
// Response bodies

interface PageBody {
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
  return incidentsBody(
    input.page,
    input.unresolvedIncidents.filter((item) => isIncidentOpen(item.status)),
  );
}

export function scheduledMaintenancesBody(page: PageInput, maintenances: readonly MaintenanceInput[]): MaintenancesBody {
  return {
    page: serializePage(page),
    scheduled_maintenances: newestMaintenances(maintenances).map((item) => serializeMaintenance(item, page)),
  };
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
export function currentStateBody(
  endpoint: Exclude<StatusApiEndpoint, 'incidents' | 'scheduled-maintenances'>,
  input: CurrentStateInput,
): object {
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

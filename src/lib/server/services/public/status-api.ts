import { and, desc, eq, inArray, lte, max, or, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { MaintenanceStatus } from '../../../domain/maintenance';
import {
  currentStateBody,
  incidentsBody,
  scheduledMaintenancesBody,
  STATUS_API_LIST_LIMIT,
  type ComponentInput,
  type CurrentStateInput,
  type GroupInput,
  type IncidentInput,
  type MaintenanceInput,
  type PageInput,
  type PublicMaintenanceStatus,
  type StatusApiEndpoint,
} from '../../../domain/statuspage';
import { componentsInOrder } from '../../../domain/component-sections';
import { worstComponentStatus } from '../../../domain/statuses';
import {
  component,
  componentGroup,
  incident,
  maintenance,
  setting,
  type ComponentRow,
  type IncidentUpdateRow,
  type MaintenanceUpdateRow,
} from '../../db/schema';
import { listComponentTree, type ComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import { listIncidents, type IncidentSummary } from '../incidents/incident-lists';
import { maintenanceSummariesByIds, publicMaintenanceSummary, type MaintenanceSummary } from '../maintenance/maintenance-queries';
import { publicSummary, visibleChanges } from './public-incidents';
import { incidentUpdatesOf, maintenanceUpdatesOf } from './updates-of';
import { getPublicSnapshot } from './public-snapshot';
import { getPageId, getPageSettings, type PageSettings } from '../settings/page-settings';

/**
 * What the public JSON API (Statuspage v2, see lib/domain/statuspage.ts) reads. The current
 * state comes from the public snapshot, the one place the public pages read from; this adds
 * only what the snapshot does not carry: the page's id and last change, every update of the
 * listed incidents and maintenances, and full component objects.
 */

/**
 * The last change of anything public: components, groups, incidents (an update or a correction
 * touches its incident), maintenances and the page settings. Hidden, archived and cancelled rows
 * count too, because hiding or cancelling is itself a public change (and leaving them out would
 * let the time go backwards). A page where nothing was ever changed dates from its install.
 */
async function lastPublicChange(context: ServiceContext): Promise<Date> {
  const kind = (name: string) => sql<string>`${name}`.as('kind');
  const rows = await unionAll(
    context.db.select({ kind: kind('change'), at: max(component.updatedAt) }).from(component),
    context.db.select({ kind: kind('change'), at: max(componentGroup.updatedAt) }).from(componentGroup),
    context.db.select({ kind: kind('change'), at: max(incident.updatedAt) }).from(incident),
    context.db.select({ kind: kind('change'), at: max(maintenance.updatedAt) }).from(maintenance),
    context.db
      .select({ kind: kind('change'), at: max(setting.updatedAt) })
      .from(setting)
      .where(eq(setting.key, 'page')),
    context.db
      .select({ kind: kind('install'), at: max(setting.updatedAt) })
      .from(setting)
      .where(eq(setting.key, 'page_id')),
  );
  const latest = (wanted: string) =>
    rows
      .flatMap((row) => (row.kind === wanted && row.at !== null ? [new Date(row.at).getTime()] : []))
      .reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const change = latest('change');
  if (Number.isFinite(change)) return new Date(change);
  const install = latest('install');
  return new Date(Number.isFinite(install) ? install : 0);
}

/** The public components by id, from the public tree. */
function publicComponentsById(tree: ComponentTree): Map<string, ComponentRow> {
  return new Map(componentsInOrder(tree).map((item) => [item.id, item]));
}

function pageInput(settings: Pick<PageSettings, 'name' | 'timeZone'>, id: string, publicUrl: string, updatedAt: Date): PageInput {
  return { id, name: settings.name, url: publicUrl.replace(/\/+$/, ''), timeZone: settings.timeZone, updatedAt };
}

function componentsOf(refs: readonly { id: string }[], visible: ReadonlyMap<string, ComponentRow>): ComponentInput[] {
  return refs.flatMap((ref) => visible.get(ref.id) ?? []);
}

function incidentInputs(
  summaries: readonly IncidentSummary[],
  updates: ReadonlyMap<string, IncidentUpdateRow[]>,
  visible: ReadonlyMap<string, ComponentRow>,
): IncidentInput[] {
  const visibleIds = new Set(visible.keys());
  return summaries.map((summary) => {
    const shown = publicSummary(summary, visibleIds);
    return {
      ...shown.incident,
      // Components hidden from the page are not named in an update either.
      updates: (updates.get(summary.incident.id) ?? []).map((update) => ({
        ...update,
        componentChanges: visibleChanges(update.componentChanges, visibleIds),
      })),
      components: componentsOf(shown.components, visible),
    };
  });
}

function isPublicMaintenance<T extends { maintenance: { status: MaintenanceStatus } }>(
  summary: T,
): summary is T & { maintenance: { status: PublicMaintenanceStatus } } {
  return summary.maintenance.status !== 'cancelled';
}

function maintenanceInputs(
  summaries: readonly MaintenanceSummary[],
  updates: ReadonlyMap<string, MaintenanceUpdateRow[]>,
  visible: ReadonlyMap<string, ComponentRow>,
): MaintenanceInput[] {
  return summaries.filter(isPublicMaintenance).map((summary) => ({
    ...summary.maintenance,
    status: summary.maintenance.status,
    updates: updates.get(summary.maintenance.id) ?? [],
    components: componentsOf(summary.components, visible),
  }));
}

function groupInputs(tree: ComponentTree): GroupInput[] {
  return tree.groups.map((group) => ({
    ...group,
    status: worstComponentStatus(group.components.map((item) => item.status)),
    components: group.components,
  }));
}

/**
 * Everything the current-state endpoints show (summary, status, components, unresolved
 * incidents, upcoming and active maintenances), loaded once, so that `summary.json` is exactly
 * its parts at one instant.
 *
 * The list of components is every public one, those marked "only show if degraded" included
 * (with that flag, as Statuspage lists them); the rolled-up status is the snapshot's, the one the
 * page shows. Upcoming maintenances are those the page announces (its announcement window).
 */
export async function loadCurrentState(context: ServiceContext, publicUrl: string): Promise<CurrentStateInput> {
  const [snapshot, tree, pageId, updatedAt] = await Promise.all([
    getPublicSnapshot(context),
    listComponentTree(context, { publicOnly: true }),
    getPageId(context),
    lastPublicChange(context),
  ]);
  const visible = publicComponentsById(tree);
  const maintenances = [...snapshot.activeMaintenances, ...snapshot.upcomingMaintenances];
  const [incidentUpdates, maintenanceUpdates] = await Promise.all([
    incidentUpdatesOf(
      context,
      snapshot.openIncidents.map((summary) => summary.incident.id),
    ),
    maintenanceUpdatesOf(
      context,
      maintenances.map((summary) => summary.maintenance.id),
    ),
  ]);
  return {
    page: pageInput(snapshot.page, pageId, publicUrl, updatedAt),
    status: snapshot.status,
    ungrouped: tree.ungrouped,
    groups: groupInputs(tree),
    unresolvedIncidents: incidentInputs(snapshot.openIncidents, incidentUpdates, visible),
    upcomingMaintenances: maintenanceInputs(snapshot.upcomingMaintenances, maintenanceUpdates, visible),
    activeMaintenances: maintenanceInputs(snapshot.activeMaintenances, maintenanceUpdates, visible),
  };
}

/** The page and its 50 most recent incidents, any status, newest first. */
async function loadRecentIncidents(context: ServiceContext, publicUrl: string): Promise<{ page: PageInput; incidents: IncidentInput[] }> {
  const [settings, tree, pageId, updatedAt, recent] = await Promise.all([
    getPageSettings(context),
    listComponentTree(context, { publicOnly: true }),
    getPageId(context),
    lastPublicChange(context),
    listIncidents(context, { page: 1, pageSize: STATUS_API_LIST_LIMIT, state: 'all' }),
  ]);
  const updates = await incidentUpdatesOf(
    context,
    recent.items.map((summary) => summary.incident.id),
  );
  return {
    page: pageInput(settings, pageId, publicUrl, updatedAt),
    incidents: incidentInputs(recent.items, updates, publicComponentsById(tree)),
  };
}

/**
 * The page and its 50 most recent maintenances, newest first (by when they began, else were
 * planned to). Scheduled ones count once the page announces them (within its announcement
 * window, like the upcoming list); cancelled ones never.
 */
async function loadRecentMaintenances(
  context: ServiceContext,
  publicUrl: string,
): Promise<{ page: PageInput; maintenances: MaintenanceInput[] }> {
  const now = context.clock.now();
  const [settings, tree, pageId, updatedAt] = await Promise.all([
    getPageSettings(context),
    listComponentTree(context, { publicOnly: true }),
    getPageId(context),
    lastPublicChange(context),
  ]);
  const announcedUntil = new Date(now.getTime() + settings.upcomingMaintenanceDays * 86_400_000);
  const rows = await context.db
    .select({ id: maintenance.id })
    .from(maintenance)
    .where(
      or(
        inArray(maintenance.status, ['in_progress', 'verifying', 'completed']),
        and(eq(maintenance.status, 'scheduled'), lte(maintenance.scheduledFor, announcedUntil)),
      ),
    )
    .orderBy(desc(sql`coalesce(${maintenance.startedAt}, ${maintenance.scheduledFor})`), desc(maintenance.createdAt), desc(maintenance.id))
    .limit(STATUS_API_LIST_LIMIT);
  const ids = rows.map((row) => row.id);
  const visible = publicComponentsById(tree);
  const [summaries, updates] = await Promise.all([maintenanceSummariesByIds(context, ids), maintenanceUpdatesOf(context, ids)]);
  return {
    page: pageInput(settings, pageId, publicUrl, updatedAt),
    maintenances: maintenanceInputs(publicMaintenanceSummary(summaries, new Set(visible.keys())), updates, visible),
  };
}

/** The body of one endpoint of the public JSON API, as a plain object in the contract's key order. */
export async function statusApiBody(context: ServiceContext, endpoint: StatusApiEndpoint, publicUrl: string): Promise<object> {
  switch (endpoint) {
    case 'incidents': {
      const { page, incidents } = await loadRecentIncidents(context, publicUrl);
      return incidentsBody(page, incidents);
    }
    case 'scheduled-maintenances': {
      const { page, maintenances } = await loadRecentMaintenances(context, publicUrl);
      return scheduledMaintenancesBody(page, maintenances);
    }
    default:
      return currentStateBody(endpoint, await loadCurrentState(context, publicUrl));
  }
}

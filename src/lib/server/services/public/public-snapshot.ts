import { and, gte, inArray, isNull, ne, or } from 'drizzle-orm';
import { componentsInOrder } from '../../../domain/component-sections';
import { publicFreshUntil } from '../../../domain/public-freshness';
import { pageStatusOf, shownTree } from '../../../domain/component-visibility';
import type { PageStatus } from '../../../domain/rollup';
import { dailyUptime, uptimePercentage, type DayUptime, type StatusInterval } from '../../../domain/uptime';
import { worstComponentStatus, type ComponentStatus } from '../../../domain/statuses';
import { componentStatusInterval, type ComponentGroupRow, type ComponentRow, type MaintenanceUpdateRow } from '../../db/schema';
import { listComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import { listOpenIncidents, type IncidentSummary } from '../incidents/incident-lists';
import { publicSummary } from './public-incidents';
import {
  latestMaintenanceUpdates,
  listActiveMaintenances,
  listUpcomingMaintenances,
  publicMaintenanceSummary,
  type MaintenanceSummary,
} from '../maintenance/maintenance-queries';
import { getPageSettings, type PageSettings } from '../settings/page-settings';

export const UPTIME_DAYS = 90;

export interface PublicComponent extends ComponentRow {
  days: DayUptime[];
  uptime: number | null;
}

interface PublicGroup extends ComponentGroupRow {
  /** The worst status of its components. */
  status: ComponentStatus;
  components: PublicComponent[];
}

export interface PublicSnapshot {
  page: PageSettings;
  status: PageStatus;
  ungrouped: PublicComponent[];
  groups: PublicGroup[];
  openIncidents: IncidentSummary[];
  /** In progress or verifying, each with its latest update. */
  activeMaintenances: (MaintenanceSummary & { latestUpdate: MaintenanceUpdateRow | undefined })[];
  /** Scheduled to start within the page's announcement window, soonest first. */
  upcomingMaintenances: MaintenanceSummary[];
  generatedAt: Date;
  /** Until when all of this holds with nothing written (lib/domain/public-freshness.ts). */
  freshUntil: Date;
}

/**
 * Everything the public status page shows, built in a handful of queries. This is the single
 * place the public pages read from, and so the single place to cache.
 */
export async function getPublicSnapshot(context: ServiceContext): Promise<PublicSnapshot> {
  const now = context.clock.now();
  const [page, tree, openIncidents, activeMaintenances] = await Promise.all([
    getPageSettings(context),
    listComponentTree(context, { publicOnly: true }),
    listOpenIncidents(context),
    listActiveMaintenances(context),
  ]);
  const horizon = new Date(now.getTime() + page.upcomingMaintenanceDays * 86_400_000);
  const [upcomingMaintenances, beyondHorizon, maintenanceUpdates] = await Promise.all([
    listUpcomingMaintenances(context, { until: horizon, limit: 50 }),
    listUpcomingMaintenances(context, { after: horizon, limit: 1 }),
    latestMaintenanceUpdates(
      context,
      activeMaintenances.map((item) => item.maintenance.id),
    ),
  ]);
  const shown = shownTree(tree);
  const components = componentsInOrder(shown);
  const intervals = await nonOperationalIntervals(
    context,
    components.map((item) => item.id),
    now,
  );

  const withUptime = (item: ComponentRow): PublicComponent => {
    const days = dailyUptime({ intervals: intervals.get(item.id) ?? [], existsSince: inServiceSince(item), now, days: UPTIME_DAYS });
    return { ...item, days, uptime: uptimePercentage(days) };
  };
  const groups = shown.groups.map((group) => ({
    ...group,
    status: worstComponentStatus(group.components.map((item) => item.status)),
    components: group.components.map(withUptime),
  }));
  const visibleIds = new Set(componentsInOrder(tree).map((item) => item.id));
  return {
    page,
    status: pageStatusOf(components),
    ungrouped: shown.ungrouped.map(withUptime),
    groups,
    openIncidents: openIncidents.map((summary) => publicSummary(summary, visibleIds)),
    activeMaintenances: publicMaintenanceSummary(activeMaintenances, visibleIds).map((item) => ({
      ...item,
      latestUpdate: maintenanceUpdates.get(item.maintenance.id),
    })),
    upcomingMaintenances: publicMaintenanceSummary(upcomingMaintenances, visibleIds),
    generatedAt: now,
    freshUntil: publicFreshUntil({
      now,
      timeZone: page.timeZone,
      countdowns: upcomingMaintenances.map((item) => item.maintenance.scheduledFor),
      moments: [
        ...activeMaintenances.map((item) => item.maintenance.scheduledUntil),
        // The next one beyond the horizon appears when its start comes within it.
        ...beyondHorizon.map((item) => new Date(item.maintenance.scheduledFor.getTime() - (horizon.getTime() - now.getTime()))),
      ],
    }),
  };
}

/** Uptime counts from the component's start date when staff gave one, else from its creation. */
function inServiceSince(item: ComponentRow): Date {
  return item.startDate ? new Date(`${item.startDate}T00:00:00Z`) : item.createdAt;
}

/** The window's intervals in any status but operational (the only ones that change a bar), by component. */
async function nonOperationalIntervals(context: ServiceContext, componentIds: string[], now: Date) {
  const byComponent = new Map<string, StatusInterval[]>();
  if (componentIds.length === 0) return byComponent;
  const windowStart = new Date(now.getTime() - (UPTIME_DAYS + 1) * 86_400_000);
  const rows = await context.db
    .select({
      componentId: componentStatusInterval.componentId,
      status: componentStatusInterval.status,
      start: componentStatusInterval.startedAt,
      end: componentStatusInterval.endedAt,
    })
    .from(componentStatusInterval)
    .where(
      and(
        inArray(componentStatusInterval.componentId, componentIds),
        ne(componentStatusInterval.status, 'operational'),
        or(isNull(componentStatusInterval.endedAt), gte(componentStatusInterval.endedAt, windowStart)),
      ),
    );
  for (const row of rows) {
    const list = byComponent.get(row.componentId) ?? [];
    list.push({ status: row.status, start: row.start, end: row.end });
    byComponent.set(row.componentId, list);
  }
  return byComponent;
}

import { inArray, sql, type SQL } from 'drizzle-orm';
import { incident, incidentComponent, maintenance, maintenanceComponent } from '../../db/schema';
import { rowsOf } from '../../db/client';
import { publicComponentIds } from '../components/visibility';
import type { ServiceContext } from '../kernel/context';
import { HISTORY_PAGE_SIZE, summariseIncidents, type IncidentSummary } from '../incidents/incident-lists';
import { maintenanceSummariesByIds, publicMaintenanceSummary, type MaintenanceSummary } from '../maintenance/maintenance-queries';
import { publicSummary } from './public-incidents';

/** One entry of the public history: an incident, or a maintenance that was carried out. */
export type HistoryItem = { kind: 'incident'; summary: IncidentSummary } | { kind: 'maintenance'; summary: MaintenanceSummary };

export interface PublicHistoryPage {
  items: HistoryItem[];
  page: number;
  pageCount: number;
  total: number;
}

/**
 * The moment an entry is filed under, newest first, and by which it is grouped into months.
 *
 * An incident: when it started. A maintenance: when the work actually started (`startedAt`),
 * falling back to its scheduled start when none was recorded. A completed maintenance always has
 * `startedAt` (a backfill records its scheduled start there), so the fallback only guards old
 * rows; the actual start is used because a window started early belongs where it happened, the
 * same rule as an incident's start.
 *
 * The SQL in `listPublicHistory` orders by exactly this (see `maintenanceAt`).
 */
export function historyTimeOf(item: HistoryItem): Date {
  return item.kind === 'incident'
    ? item.summary.incident.startedAt
    : (item.summary.maintenance.startedAt ?? item.summary.maintenance.scheduledFor);
}

const maintenanceAt = sql`coalesce(${maintenance.startedAt}, ${maintenance.scheduledFor})`;

/**
 * The public history: incidents (open or not, as on the incident history so far) and completed
 * maintenances (never scheduled, in progress or cancelled ones), newest first, 20 a page.
 *
 * One query picks the page's (kind, id) rows from a UNION ALL of both tables, a second counts
 * them exactly, and only that page's summaries are then loaded. Filtering by a component keeps
 * the entries that affected it; a component hidden from the public finds nothing, and hidden
 * components are never named.
 */
export async function listPublicHistory(
  context: ServiceContext,
  options: { page: number; componentId: string | null },
): Promise<PublicHistoryPage> {
  const pageSize = HISTORY_PAGE_SIZE;
  const visibleIds = await publicComponentIds(context.db);
  if (options.componentId && !visibleIds.has(options.componentId)) return { items: [], page: 1, pageCount: 1, total: 0 };
  const componentId = options.componentId;

  const incidentWhere: SQL = componentId
    ? sql`exists (select 1 from ${incidentComponent} where ${incidentComponent.incidentId} = ${incident.id} and ${incidentComponent.componentId} = ${componentId})`
    : sql`true`;
  const maintenanceWhere: SQL = componentId
    ? sql`${maintenance.status} = 'completed' and exists (select 1 from ${maintenanceComponent} where ${maintenanceComponent.maintenanceId} = ${maintenance.id} and ${maintenanceComponent.componentId} = ${componentId})`
    : sql`${maintenance.status} = 'completed'`;

  const [pageResult, countResult] = await Promise.all([
    context.db.execute(sql`
      select kind, id from (
        select 'incident' as kind, ${incident.id} as id, ${incident.startedAt} as at, ${incident.createdAt} as created
          from ${incident} where ${incidentWhere}
        union all
        select 'maintenance' as kind, ${maintenance.id} as id, ${maintenanceAt} as at, ${maintenance.createdAt} as created
          from ${maintenance} where ${maintenanceWhere}
      ) as history
      order by at desc, created desc, id desc
      limit ${pageSize} offset ${(options.page - 1) * pageSize}`),
    context.db.execute(sql`
      select (select count(*) from ${incident} where ${incidentWhere})::int
           + (select count(*) from ${maintenance} where ${maintenanceWhere})::int as total`),
  ]);
  const rows = rowsOf(pageResult) as { kind: 'incident' | 'maintenance'; id: string }[];
  const total = Number(rowsOf(countResult)[0]?.total ?? 0);

  const incidentIds = rows.filter((row) => row.kind === 'incident').map((row) => row.id);
  const maintenanceIds = rows.filter((row) => row.kind === 'maintenance').map((row) => row.id);
  const [incidents, maintenances] = await Promise.all([
    incidentSummariesByIds(context, incidentIds),
    maintenanceSummariesByIds(context, maintenanceIds),
  ]);
  const incidentById = new Map(incidents.map((summary) => [summary.incident.id, publicSummary(summary, visibleIds)]));
  const maintenanceById = new Map(publicMaintenanceSummary(maintenances, visibleIds).map((summary) => [summary.maintenance.id, summary]));

  const items = rows.flatMap((row): HistoryItem[] => {
    if (row.kind === 'incident') {
      const summary = incidentById.get(row.id);
      return summary ? [{ kind: 'incident', summary }] : [];
    }
    const summary = maintenanceById.get(row.id);
    return summary ? [{ kind: 'maintenance', summary }] : [];
  });
  return { items, page: options.page, pageCount: Math.max(1, Math.ceil(total / pageSize)), total };
}

/** Incident summaries of the given ids (in no particular order). */
async function incidentSummariesByIds(context: ServiceContext, ids: string[]): Promise<IncidentSummary[]> {
  if (ids.length === 0) return [];
  return summariseIncidents(context, await context.db.select().from(incident).where(inArray(incident.id, ids)));
}

import { and, asc, desc, eq, gt, inArray, lte } from 'drizzle-orm';
import { activeMaintenanceStatuses, type MaintenanceStatus } from '../../../domain/maintenance';
import type { ComponentStatus } from '../../../domain/statuses';
import {
  component,
  maintenance,
  maintenanceComponent,
  maintenanceSeries,
  maintenanceUpdate,
  type MaintenanceRow,
  type MaintenanceSeriesRow,
  type MaintenanceUpdateRow,
} from '../../db/schema';
import type { ServiceContext } from '../kernel/context';
import type { Transaction } from '../kernel/rows';
import { publicComponentIds } from '../components/visibility';

interface MaintenanceComponentRef {
  id: string;
  name: string;
  status: ComponentStatus;
  archived: boolean;
}

export interface MaintenanceSummary {
  maintenance: MaintenanceRow;
  components: MaintenanceComponentRef[];
}

export interface MaintenanceDetail extends MaintenanceSummary {
  /** Newest first. */
  updates: MaintenanceUpdateRow[];
  series: MaintenanceSeriesRow | null;
}

async function componentsOf(context: ServiceContext, maintenanceIds: string[]) {
  const byMaintenance = new Map<string, MaintenanceComponentRef[]>();
  if (maintenanceIds.length === 0) return byMaintenance;
  const rows = await context.db
    .select({
      maintenanceId: maintenanceComponent.maintenanceId,
      id: component.id,
      name: component.name,
      status: component.status,
      archivedAt: component.archivedAt,
    })
    .from(maintenanceComponent)
    .innerJoin(component, eq(component.id, maintenanceComponent.componentId))
    .where(inArray(maintenanceComponent.maintenanceId, maintenanceIds))
    .orderBy(component.position, component.name);
  for (const row of rows) {
    const list = byMaintenance.get(row.maintenanceId) ?? [];
    list.push({ id: row.id, name: row.name, status: row.status, archived: row.archivedAt !== null });
    byMaintenance.set(row.maintenanceId, list);
  }
  return byMaintenance;
}

async function summarise(context: ServiceContext, rows: MaintenanceRow[]): Promise<MaintenanceSummary[]> {
  const components = await componentsOf(
    context,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ maintenance: row, components: components.get(row.id) ?? [] }));
}

export async function getMaintenanceDetail(context: ServiceContext, maintenanceId: string): Promise<MaintenanceDetail | undefined> {
  const [row] = await context.db.select().from(maintenance).where(eq(maintenance.id, maintenanceId));
  if (!row) return undefined;
  const [updates, components, series] = await Promise.all([
    context.db
      .select()
      .from(maintenanceUpdate)
      .where(eq(maintenanceUpdate.maintenanceId, maintenanceId))
      .orderBy(desc(maintenanceUpdate.createdAt), desc(maintenanceUpdate.sequence)),
    componentsOf(context, [maintenanceId]),
    row.seriesId ? context.db.select().from(maintenanceSeries).where(eq(maintenanceSeries.id, row.seriesId)) : Promise.resolve([]),
  ]);
  return { maintenance: row, updates, components: components.get(maintenanceId) ?? [], series: series[0] ?? null };
}

/** A maintenance as the public sees it: components hidden from the page are not named. */
export async function getPublicMaintenance(context: ServiceContext, maintenanceId: string): Promise<MaintenanceDetail | undefined> {
  const [detail, visibleIds] = await Promise.all([getMaintenanceDetail(context, maintenanceId), publicComponentIds(context.db)]);
  if (!detail) return undefined;
  return { ...detail, components: detail.components.filter((item) => visibleIds.has(item.id)) };
}

/** Maintenances in progress or verifying, earliest first. */
export async function listActiveMaintenances(context: ServiceContext): Promise<MaintenanceSummary[]> {
  const rows = await context.db
    .select()
    .from(maintenance)
    .where(inArray(maintenance.status, [...activeMaintenanceStatuses]))
    .orderBy(asc(maintenance.scheduledFor));
  return summarise(context, rows);
}

/** Scheduled maintenances starting before `until` and after `after` (either bound optional), soonest first. */
export async function listUpcomingMaintenances(
  context: ServiceContext,
  options: { until?: Date; after?: Date; limit?: number } = {},
): Promise<MaintenanceSummary[]> {
  const rows = await context.db
    .select()
    .from(maintenance)
    .where(
      and(
        eq(maintenance.status, 'scheduled'),
        options.until ? lte(maintenance.scheduledFor, options.until) : undefined,
        options.after ? gt(maintenance.scheduledFor, options.after) : undefined,
      ),
    )
    .orderBy(asc(maintenance.scheduledFor), asc(maintenance.id))
    .limit(options.limit ?? 500);
  return summarise(context, rows);
}

const MAINTENANCE_PAGE_SIZE = 25;

export type MaintenanceListState = 'upcoming' | 'active' | 'past';

const statesOf: Record<MaintenanceListState, MaintenanceStatus[]> = {
  upcoming: ['scheduled'],
  active: [...activeMaintenanceStatuses],
  past: ['completed', 'cancelled'],
};

/** For the admin: one state's maintenances, upcoming soonest first, past newest first. */
export async function listMaintenances(
  context: ServiceContext,
  options: { state: MaintenanceListState; page: number },
): Promise<{ items: MaintenanceSummary[]; page: number; pageCount: number; total: number }> {
  const where = inArray(maintenance.status, statesOf[options.state]);
  const order =
    options.state === 'past'
      ? [desc(maintenance.scheduledFor), desc(maintenance.id)]
      : [asc(maintenance.scheduledFor), asc(maintenance.id)];
  const [rows, total] = await Promise.all([
    context.db
      .select()
      .from(maintenance)
      .where(where)
      .orderBy(...order)
      .limit(MAINTENANCE_PAGE_SIZE)
      .offset((options.page - 1) * MAINTENANCE_PAGE_SIZE),
    context.db.$count(maintenance, where),
  ]);
  return {
    items: await summarise(context, rows),
    page: options.page,
    pageCount: Math.max(1, Math.ceil(total / MAINTENANCE_PAGE_SIZE)),
    total,
  };
}

/** The later occurrences of a series that are still scheduled, for "cancel the rest of the series". */
export async function laterOccurrences(context: ServiceContext, row: MaintenanceRow): Promise<MaintenanceRow[]> {
  if (!row.seriesId) return [];
  return context.db
    .select()
    .from(maintenance)
    .where(and(eq(maintenance.seriesId, row.seriesId), eq(maintenance.status, 'scheduled'), gt(maintenance.scheduledFor, row.scheduledFor)))
    .orderBy(asc(maintenance.scheduledFor));
}

/** Maintenance summaries as the public sees them: components hidden from the page are not named. */
export function publicMaintenanceSummary(items: MaintenanceSummary[], visibleIds: ReadonlySet<string>): MaintenanceSummary[] {
  return items.map((item) => ({ ...item, components: item.components.filter((ref) => visibleIds.has(ref.id)) }));
}

/** The summaries of the given maintenances, in the order of `ids` (unknown ids are left out). */
export async function maintenanceSummariesByIds(context: ServiceContext, ids: string[]): Promise<MaintenanceSummary[]> {
  if (ids.length === 0) return [];
  const rows = await context.db.select().from(maintenance).where(inArray(maintenance.id, ids));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return summarise(
    context,
    ids.flatMap((id) => byId.get(id) ?? []),
  );
}

/** The newest update of each of the given maintenances, by maintenance id. */
export async function latestMaintenanceUpdates(context: ServiceContext, ids: string[]): Promise<Map<string, MaintenanceUpdateRow>> {
  if (ids.length === 0) return new Map();
  const rows = await context.db
    .selectDistinctOn([maintenanceUpdate.maintenanceId])
    .from(maintenanceUpdate)
    .where(inArray(maintenanceUpdate.maintenanceId, ids))
    .orderBy(maintenanceUpdate.maintenanceId, desc(maintenanceUpdate.createdAt), desc(maintenanceUpdate.sequence));
  return new Map(rows.map((row) => [row.maintenanceId, row]));
}

/**
 * The components of running windows that set them under maintenance, for incidents resolving
 * during a window: they return to under_maintenance, held by that window, not to operational.
 */
export async function componentsUnderActiveMaintenance(tx: Transaction): Promise<Map<string, string>> {
  const rows = await tx
    .select({ componentId: maintenanceComponent.componentId, maintenanceId: maintenance.id })
    .from(maintenanceComponent)
    .innerJoin(maintenance, eq(maintenance.id, maintenanceComponent.maintenanceId))
    .where(and(inArray(maintenance.status, [...activeMaintenanceStatuses]), eq(maintenance.setsUnderMaintenance, true)));
  return new Map(rows.map((row) => [row.componentId, row.maintenanceId]));
}

import { and, count, desc, eq, exists, inArray, notInArray, sql } from 'drizzle-orm';
import { unresolvedIncidentStatuses, type ComponentStatus } from '../../../domain/statuses';
import { component, incident, incidentComponent, incidentUpdate, type IncidentRow, type IncidentUpdateRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';

export interface IncidentSummary {
  incident: IncidentRow;
  latestUpdate: IncidentUpdateRow | null;
  components: { id: string; name: string; status: ComponentStatus }[];
}

/** Latest update and affected components for a set of incidents, in two queries. */
export async function summariseIncidents(context: ServiceContext, incidents: IncidentRow[]): Promise<IncidentSummary[]> {
  if (incidents.length === 0) return [];
  const ids = incidents.map((row) => row.id);
  const [updates, components] = await Promise.all([
    context.db
      .selectDistinctOn([incidentUpdate.incidentId])
      .from(incidentUpdate)
      .where(inArray(incidentUpdate.incidentId, ids))
      .orderBy(incidentUpdate.incidentId, desc(incidentUpdate.displayAt), desc(incidentUpdate.createdAt)),
    context.db
      .select({ incidentId: incidentComponent.incidentId, id: component.id, name: component.name, status: component.status })
      .from(incidentComponent)
      .innerJoin(component, eq(component.id, incidentComponent.componentId))
      .where(inArray(incidentComponent.incidentId, ids))
      .orderBy(component.position, component.name),
  ]);
  const latest = new Map(updates.map((update) => [update.incidentId, update]));
  return incidents.map((row) => ({
    incident: row,
    latestUpdate: latest.get(row.id) ?? null,
    components: components.filter((item) => item.incidentId === row.id).map(({ id, name, status }) => ({ id, name, status })),
  }));
}

export async function listOpenIncidents(context: ServiceContext): Promise<IncidentSummary[]> {
  const rows = await context.db
    .select()
    .from(incident)
    .where(inArray(incident.status, [...unresolvedIncidentStatuses]))
    .orderBy(desc(incident.startedAt));
  return summariseIncidents(context, rows);
}

export const HISTORY_PAGE_SIZE = 20;

export interface IncidentPage {
  items: IncidentSummary[];
  page: number;
  pageCount: number;
  total: number;
}

/** Incidents newest first, optionally only those that affected one component or in one state. */
export async function listIncidents(
  context: ServiceContext,
  options: { page: number; componentId?: string | null; state?: 'open' | 'closed' | 'all'; pageSize?: number },
): Promise<IncidentPage> {
  const pageSize = options.pageSize ?? HISTORY_PAGE_SIZE;
  const open = [...unresolvedIncidentStatuses];
  const filters = [
    options.componentId
      ? exists(
          context.db
            .select({ one: sql`1` })
            .from(incidentComponent)
            .where(and(eq(incidentComponent.incidentId, incident.id), eq(incidentComponent.componentId, options.componentId))),
        )
      : undefined,
    options.state === 'open' ? inArray(incident.status, open) : options.state === 'closed' ? notInArray(incident.status, open) : undefined,
  ];
  const where = and(...filters);
  const [rows, [total]] = await Promise.all([
    context.db
      .select()
      .from(incident)
      .where(where)
      .orderBy(desc(incident.startedAt), desc(incident.createdAt))
      .limit(pageSize)
      .offset((options.page - 1) * pageSize),
    context.db.select({ value: count() }).from(incident).where(where),
  ]);
  const totalCount = total?.value ?? 0;
  return {
    items: await summariseIncidents(context, rows),
    page: options.page,
    pageCount: Math.max(1, Math.ceil(totalCount / pageSize)),
    total: totalCount,
  };
}

import { desc, eq } from 'drizzle-orm';
import type { ComponentStatus } from '../../../domain/statuses';
import { component, incident, incidentComponent, incidentUpdate, type IncidentRow, type IncidentUpdateRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';

export interface IncidentDetail {
  incident: IncidentRow;
  /** Newest first. */
  updates: IncidentUpdateRow[];
  components: { id: string; name: string; status: ComponentStatus; archived: boolean }[];
}

export async function getIncidentDetail(context: ServiceContext, incidentId: string): Promise<IncidentDetail | undefined> {
  const [row] = await context.db.select().from(incident).where(eq(incident.id, incidentId));
  if (!row) return undefined;
  const [updates, components] = await Promise.all([
    context.db
      .select()
      .from(incidentUpdate)
      .where(eq(incidentUpdate.incidentId, incidentId))
      .orderBy(desc(incidentUpdate.displayAt), desc(incidentUpdate.createdAt)),
    context.db
      .select({
        id: component.id,
        name: component.name,
        status: component.status,
        archivedAt: component.archivedAt,
        position: component.position,
      })
      .from(incidentComponent)
      .innerJoin(component, eq(component.id, incidentComponent.componentId))
      .where(eq(incidentComponent.incidentId, incidentId))
      .orderBy(component.position, component.name),
  ]);
  return {
    incident: row,
    updates,
    components: components.map((item) => ({ id: item.id, name: item.name, status: item.status, archived: item.archivedAt !== null })),
  };
}

import { desc, inArray } from 'drizzle-orm';
import { incidentUpdate, maintenanceUpdate, type IncidentUpdateRow, type MaintenanceUpdateRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';

/**
 * Every update of the listed incidents or maintenances, newest first, for the public API and the
 * feeds: one order for both, so two updates written at the same instant come out alike.
 */

/** By incident: newest shown time first, then newest written, then by id (the tie-break of equal times). */
export async function incidentUpdatesOf(
  context: ServiceContext,
  incidentIds: readonly string[],
): Promise<Map<string, IncidentUpdateRow[]>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await context.db
    .select()
    .from(incidentUpdate)
    .where(inArray(incidentUpdate.incidentId, [...incidentIds]))
    .orderBy(desc(incidentUpdate.displayAt), desc(incidentUpdate.createdAt), desc(incidentUpdate.id));
  return Map.groupBy(rows, (row) => row.incidentId);
}

/** By maintenance: newest written first; `sequence` (unique, in writing order) breaks ties. */
export async function maintenanceUpdatesOf(
  context: ServiceContext,
  maintenanceIds: readonly string[],
): Promise<Map<string, MaintenanceUpdateRow[]>> {
  if (maintenanceIds.length === 0) return new Map();
  const rows = await context.db
    .select()
    .from(maintenanceUpdate)
    .where(inArray(maintenanceUpdate.maintenanceId, [...maintenanceIds]))
    .orderBy(desc(maintenanceUpdate.createdAt), desc(maintenanceUpdate.sequence));
  return Map.groupBy(rows, (row) => row.maintenanceId);
}

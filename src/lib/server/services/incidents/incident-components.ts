import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import { unresolvedIncidentStatuses, type ComponentStatus } from '../../../domain/statuses';
import { component, incident, incidentComponent, type ComponentChange } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import { changeComponentStatus } from '../components/component-status';
import type { Transaction } from '../kernel/rows';
import { componentsUnderActiveMaintenance } from '../maintenance/maintenance-queries';

/** The components an incident command names: which exist, and moving them to a new status. */

export async function knownComponents(tx: Transaction, ids: string[]) {
  if (ids.length === 0) return new Map<string, { id: string; name: string; status: ComponentStatus }>();
  const rows = await tx
    .select({ id: component.id, name: component.name, status: component.status })
    .from(component)
    .where(and(inArray(component.id, ids), isNull(component.archivedAt)));
  return new Map(rows.map((row) => [row.id, row]));
}

/** Applies the component statuses an update asks for and returns what really changed. */
export async function applyComponentChanges(
  tx: Transaction,
  options: {
    incidentId: string;
    changes: { componentId: string; status: ComponentStatus; maintenanceId?: string }[];
    at: Date;
    now: Date;
    queue: JobQueue;
  },
): Promise<ComponentChange[]> {
  const components = await knownComponents(
    tx,
    options.changes.map((change) => change.componentId),
  );
  const applied: ComponentChange[] = [];
  // Components are locked in id order, before anything references them (a reference takes a
  // share lock on the row), so two writes touching the same ones cannot deadlock.
  const ordered = [...options.changes].sort((a, b) => (a.componentId < b.componentId ? -1 : a.componentId > b.componentId ? 1 : 0));
  if (ordered.length > 0) {
    await tx
      .select({ id: component.id })
      .from(component)
      .where(
        inArray(
          component.id,
          ordered.map((change) => change.componentId),
        ),
      )
      .orderBy(component.id)
      .for('update');
  }
  for (const change of ordered) {
    const target = components.get(change.componentId);
    // Callers check every component with knownComponents first, in the same transaction.
    if (!target) throw new Error(`component ${change.componentId} is not known`);
    await tx.insert(incidentComponent).values({ incidentId: options.incidentId, componentId: change.componentId }).onConflictDoNothing();
    const oldStatus = await changeComponentStatus(tx, {
      componentId: change.componentId,
      status: change.status,
      at: options.at,
      now: options.now,
      // A status handed back to a running maintenance belongs to it, not to the incident.
      incidentId: change.maintenanceId ? null : options.incidentId,
      maintenanceId: change.maintenanceId ?? null,
      queue: options.queue,
    });
    if (oldStatus !== change.status) applied.push({ componentId: target.id, name: target.name, oldStatus, newStatus: change.status });
  }
  // Recorded in the order staff listed them.
  const position = new Map(options.changes.map((change, index) => [change.componentId, index]));
  const placeOf = (componentId: string) => position.get(componentId) ?? options.changes.length;
  return applied.sort((a, b) => placeOf(a.componentId) - placeOf(b.componentId));
}

export function unknownComponentErrors(changes: { componentId: string }[], known: Map<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  changes.forEach((change, index) => {
    if (!known.has(change.componentId)) errors[`components.${index}.componentId`] = 'That component does not exist.';
  });
  return errors;
}

/**
 * The affected components a resolution sends back when the update names no status for them: to
 * operational, or to under_maintenance while a running maintenance window covers them.
 */
export async function componentsToRestore(tx: Transaction, incidentId: string, named: { componentId: string }[]) {
  const affected = await tx
    .select({ componentId: incidentComponent.componentId })
    .from(incidentComponent)
    .innerJoin(component, eq(component.id, incidentComponent.componentId))
    .where(and(eq(incidentComponent.incidentId, incidentId), isNull(component.archivedAt)));
  const heldElsewhere = new Set(
    (
      await tx
        .select({ componentId: incidentComponent.componentId })
        .from(incidentComponent)
        .innerJoin(incident, eq(incident.id, incidentComponent.incidentId))
        .where(and(ne(incident.id, incidentId), inArray(incident.status, [...unresolvedIncidentStatuses])))
    ).map((row) => row.componentId),
  );
  const namedIds = new Set(named.map((change) => change.componentId));
  const underMaintenance = await componentsUnderActiveMaintenance(tx);
  return affected
    .filter((row) => !namedIds.has(row.componentId) && !heldElsewhere.has(row.componentId))
    .map((row) => {
      // A maintenance window still running takes its component back until the window ends.
      const maintenanceId = underMaintenance.get(row.componentId);
      return maintenanceId
        ? { componentId: row.componentId, status: 'under_maintenance' as const, maintenanceId }
        : { componentId: row.componentId, status: 'operational' as const };
    });
}

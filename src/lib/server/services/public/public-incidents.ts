import type { ComponentChange } from '../../db/schema';
import { listComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import type { IncidentSummary } from '../incidents/incident-lists';
import { getIncidentDetail, type IncidentDetail } from '../incidents/incident-commands';

/** Ids of the components the public may see: not hidden, not archived, not in a hidden group. */
export async function publicComponentIds(context: ServiceContext): Promise<Set<string>> {
  const tree = await listComponentTree(context, { publicOnly: true });
  return new Set([...tree.ungrouped, ...tree.groups.flatMap((group) => group.components)].map((item) => item.id));
}

function visibleChanges(changes: ComponentChange[] | null, visibleIds: ReadonlySet<string>): ComponentChange[] | null {
  const kept = changes?.filter((change) => visibleIds.has(change.componentId)) ?? [];
  return kept.length > 0 ? kept : null;
}

/** An incident summary as the public sees it: components hidden from the page are not named. */
export function publicSummary(summary: IncidentSummary, visibleIds: ReadonlySet<string>): IncidentSummary {
  return {
    ...summary,
    components: summary.components.filter((item) => visibleIds.has(item.id)),
    latestUpdate: summary.latestUpdate && { ...summary.latestUpdate, componentChanges: visibleChanges(summary.latestUpdate.componentChanges, visibleIds) },
  };
}

export async function getPublicIncident(context: ServiceContext, incidentId: string): Promise<IncidentDetail | undefined> {
  const [detail, visibleIds] = await Promise.all([getIncidentDetail(context, incidentId), publicComponentIds(context)]);
  if (!detail) return undefined;
  return {
    incident: detail.incident,
    updates: detail.updates.map((update) => ({ ...update, componentChanges: visibleChanges(update.componentChanges, visibleIds) })),
    components: detail.components.filter((item) => visibleIds.has(item.id)),
  };
}

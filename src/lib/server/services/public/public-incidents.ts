import type { ComponentChange } from '../../db/schema';
import { publicComponentIds } from '../components/visibility';
import type { ServiceContext } from '../kernel/context';
import type { IncidentSummary } from '../incidents/incident-lists';
import { getIncidentDetail, type IncidentDetail } from '../incidents/incident-detail';

/** An update's changes to public components; null when it changed none. */
export function visibleChanges(changes: ComponentChange[] | null, visibleIds: ReadonlySet<string>): ComponentChange[] | null {
  const kept = changes?.filter((change) => visibleIds.has(change.componentId)) ?? [];
  return kept.length > 0 ? kept : null;
}

/** An incident summary as the public sees it: components hidden from the page are not named. */
export function publicSummary(summary: IncidentSummary, visibleIds: ReadonlySet<string>): IncidentSummary {
  return {
    ...summary,
    components: summary.components.filter((item) => visibleIds.has(item.id)),
    latestUpdate: summary.latestUpdate && {
      ...summary.latestUpdate,
      componentChanges: visibleChanges(summary.latestUpdate.componentChanges, visibleIds),
    },
  };
}

export async function getPublicIncident(context: ServiceContext, incidentId: string): Promise<IncidentDetail | undefined> {
  const [detail, visibleIds] = await Promise.all([getIncidentDetail(context, incidentId), publicComponentIds(context.db)]);
  if (!detail) return undefined;
  return {
    incident: detail.incident,
    updates: detail.updates.map((update) => ({ ...update, componentChanges: visibleChanges(update.componentChanges, visibleIds) })),
    components: detail.components.filter((item) => visibleIds.has(item.id)),
  };
}

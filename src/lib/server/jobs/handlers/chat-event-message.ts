import { eq } from 'drizzle-orm';
import type { ChatMessage } from '../../../domain/chat/chat-message';
import { componentsInOrder } from '../../../domain/component-sections';
import { maintenanceStatusLabels } from '../../../domain/maintenance';
import { componentStatusLabels, incidentStatusLabels } from '../../../domain/statuses';
import { maintenanceUpdate, type WebhookEventRow } from '../../db/schema';
import { listComponentTree } from '../../services/components/catalog';
import { getIncidentDetail } from '../../services/incidents/incident-detail';
import type { ServiceContext } from '../../services/kernel/context';
import { maintenanceSummariesByIds } from '../../services/maintenance/maintenance-queries';

/**
 * What a chat subscriber is told about one webhook event, before its footer (each subscriber's
 * own unsubscribe link) and before any platform's shape; and the visible components it concerns,
 * for the subscribers' component choices. Null when the event is not announced after all, by the
 * same rules as webhooks: its subject is gone, hidden, cancelled or a backfill.
 */
export interface ChatEventContent {
  message: Omit<ChatMessage, 'footer'>;
  componentIds: string[];
}

export async function chatContentOf(context: ServiceContext, event: WebhookEventRow, publicUrl: string): Promise<ChatEventContent | null> {
  const tree = await listComponentTree(context, { publicOnly: true });
  const visible = new Map(componentsInOrder(tree).map((item) => [item.id, item]));
  const base = publicUrl.replace(/\/+$/, '');

  if (event.incidentId) {
    const detail = await getIncidentDetail(context, event.incidentId);
    const update = detail?.updates.find((item) => item.id === event.incidentUpdateId);
    if (!detail || !update) return null;
    const components = detail.components.filter((item) => visible.has(item.id));
    const pageUrl = `${base}/incidents/${detail.incident.id}`;
    return {
      message: {
        kind: 'incident_update',
        headline: update.status === 'resolved' ? 'Incident resolved' : 'Incident update',
        title: detail.incident.title,
        status: incidentStatusLabels[update.status],
        components: components.map((item) => ({ name: item.name, status: item.status })),
        body: update.body,
        links: [{ label: 'View the incident', url: pageUrl }],
        at: update.displayAt,
      },
      componentIds: components.map((item) => item.id),
    };
  }

  if (event.maintenanceId) {
    const [[summary], updates] = await Promise.all([
      maintenanceSummariesByIds(context, [event.maintenanceId]),
      context.db.select().from(maintenanceUpdate).where(eq(maintenanceUpdate.maintenanceId, event.maintenanceId)),
    ]);
    const update = updates.find((item) => item.id === event.maintenanceUpdateId);
    if (
      !summary ||
      !update ||
      summary.maintenance.backfilled ||
      summary.maintenance.status === 'cancelled' ||
      update.status === 'cancelled'
    )
      return null;
    const components = summary.components.filter((item) => visible.has(item.id));
    return {
      message: {
        kind: 'incident_update',
        headline: 'Maintenance update',
        title: summary.maintenance.title,
        status: maintenanceStatusLabels[update.status],
        components: components.map((item) => ({ name: item.name, status: item.status })),
        body: update.body,
        links: [{ label: 'View the maintenance', url: `${base}/maintenance/${summary.maintenance.id}` }],
        at: update.createdAt,
      },
      componentIds: components.map((item) => item.id),
    };
  }

  if (event.componentId && event.details) {
    const item = visible.get(event.componentId);
    if (!item) return null;
    const { newStatus } = event.details;
    return {
      message: {
        kind: 'incident_update',
        headline: 'Component status changed',
        title: item.name,
        status: componentStatusLabels[newStatus],
        components: [{ name: item.name, status: newStatus }],
        links: [{ label: 'View the status page', url: base }],
        at: new Date(event.details.at),
      },
      componentIds: [item.id],
    };
  }
  return null;
}

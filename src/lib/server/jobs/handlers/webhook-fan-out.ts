import { and, eq, inArray, notExists, or, exists, sql } from 'drizzle-orm';
import { formatTimestamp, serializeComponent, serializeIncident, serializeMaintenance, type PageRef } from '../../../domain/statuspage';
import { componentsInOrder } from '../../../domain/component-sections';
import type { PageStatus } from '../../../domain/rollup';
import { maintenanceUpdate, type ComponentRow, type WebhookEventRow } from '../../db/schema';
import {
  webhookDelivery,
  webhookEvent,
  webhookSubscriber,
  webhookSubscriberComponent,
  type ComponentEventDetails,
} from '../../db/schema/webhooks';
import { newId } from '../../ids';
import { listComponentTree } from '../../services/components/catalog';
import type { ServiceContext } from '../../services/kernel/context';
import { lockRow } from '../../services/kernel/rows';
import { getIncidentDetail } from '../../services/incidents/incident-detail';
import { maintenanceSummariesByIds } from '../../services/maintenance/maintenance-queries';
import { getPageId, getPageSettings } from '../../services/settings/page-settings';
import { documentationUrlOf, unsubscribeUrlOf } from '../../services/webhooks/webhook-subscribers';

/**
 * What an event says, apart from `meta` (which names each subscriber's own unsubscribe link):
 * the `page` object and the rest of the envelope, in the contract's key order, plus the visible
 * components it concerns (for the subscribers' component choices). Null when it is not to be
 * announced after all (its subject is gone, hidden, cancelled or a backfill).
 */
interface EventContent {
  rest: Record<string, unknown>;
  componentIds: string[];
}

function pageObject(pageId: string, status: PageStatus) {
  return { id: pageId, status_indicator: status.indicator, status_description: status.description };
}

async function visibleComponents(context: ServiceContext): Promise<Map<string, ComponentRow>> {
  const tree = await listComponentTree(context, { publicOnly: true });
  return new Map(componentsInOrder(tree).map((item) => [item.id, item]));
}

async function contentOf(context: ServiceContext, event: WebhookEventRow, page: PageRef): Promise<EventContent | null> {
  const visible = await visibleComponents(context);
  if (event.incidentId) {
    const detail = await getIncidentDetail(context, event.incidentId);
    if (!detail) return null;
    const components = detail.components.flatMap((item) => visible.get(item.id) ?? []);
    const incident = serializeIncident(
      {
        ...detail.incident,
        // Components hidden from the page are not named in an update either.
        updates: detail.updates.map((update) => ({
          ...update,
          componentChanges: update.componentChanges?.filter((change) => visible.has(change.componentId)) ?? null,
        })),
        components,
      },
      page,
    );
    return { rest: { incident }, componentIds: components.map((item) => item.id) };
  }
  if (event.maintenanceId) {
    const [[summary], updates] = await Promise.all([
      maintenanceSummariesByIds(context, [event.maintenanceId]),
      context.db.select().from(maintenanceUpdate).where(eq(maintenanceUpdate.maintenanceId, event.maintenanceId)),
    ]);
    const update = updates.find((item) => item.id === event.maintenanceUpdateId);
    // A backfill was never announced; a cancellation stays off the public API, and so off webhooks.
    if (
      !summary ||
      !update ||
      summary.maintenance.backfilled ||
      summary.maintenance.status === 'cancelled' ||
      update.status === 'cancelled'
    )
      return null;
    const components = summary.components.flatMap((ref) => visible.get(ref.id) ?? []);
    const incident = serializeMaintenance({ ...summary.maintenance, status: summary.maintenance.status, updates, components }, page);
    return { rest: { incident }, componentIds: components.map((item) => item.id) };
  }
  if (event.componentId && event.details) {
    const item = visible.get(event.componentId);
    if (!item) return null;
    const details: ComponentEventDetails = event.details;
    return {
      rest: {
        component_update: {
          created_at: formatTimestamp(new Date(details.at), page.timeZone),
          new_status: details.newStatus,
          old_status: details.oldStatus,
          id: event.id,
          component_id: item.id,
        },
        // As it was just after this change (a later one has its own webhook).
        component: serializeComponent({ ...item, status: details.newStatus }, page),
      },
      componentIds: [item.id],
    };
  }
  return null;
}

/**
 * Writes one delivery per active webhook subscriber that wants the event (it chose one of the
 * event's components, or none), each with the exact body it will be sent, and queues a send
 * job for each, in one transaction. Running it again changes nothing: deliveries are unique per
 * (subscriber, event key), and the event is marked fanned out.
 */
export async function fanOutWebhookEvent(
  context: ServiceContext,
  options: { eventId: string; publicUrl: string },
): Promise<{ recipients: number }> {
  const now = context.clock.now();
  const [event] = await context.db.select().from(webhookEvent).where(eq(webhookEvent.id, options.eventId));
  if (!event || event.fannedOutAt) return { recipients: 0 };
  const [settings, pageId] = await Promise.all([getPageSettings(context), getPageId(context)]);
  const page: PageRef = { id: pageId, url: options.publicUrl.replace(/\/+$/, ''), timeZone: settings.timeZone };
  const content = await contentOf(context, event, page);

  return context.db.transaction(async (tx) => {
    const locked = await lockRow(tx, webhookEvent, eq(webhookEvent.id, options.eventId));
    if (!locked || locked.fannedOutAt) return { recipients: 0 };
    if (!content) {
      await tx.update(webhookEvent).set({ fannedOutAt: now, recipientCount: 0 }).where(eq(webhookEvent.id, event.id));
      return { recipients: 0 };
    }
    const chose = (componentIds: string[]) =>
      exists(
        tx
          .select({ one: sql`1` })
          .from(webhookSubscriberComponent)
          .where(
            and(
              eq(webhookSubscriberComponent.subscriberId, webhookSubscriber.id),
              inArray(webhookSubscriberComponent.componentId, componentIds),
            ),
          ),
      );
    const choseNothing = notExists(
      tx
        .select({ one: sql`1` })
        .from(webhookSubscriberComponent)
        .where(eq(webhookSubscriberComponent.subscriberId, webhookSubscriber.id)),
    );
    const recipients = await tx
      .select({ id: webhookSubscriber.id, signingSecret: webhookSubscriber.signingSecret })
      .from(webhookSubscriber)
      .where(
        and(
          eq(webhookSubscriber.state, 'active'),
          content.componentIds.length > 0 ? or(choseNothing, chose(content.componentIds)) : choseNothing,
        ),
      );

    const pageJson = pageObject(page.id, event.pageStatus);
    const generatedAt = formatTimestamp(now, page.timeZone);
    const documentation = documentationUrlOf(options.publicUrl);
    const rows = recipients.map((recipient) => ({
      id: newId(),
      subscriberId: recipient.id,
      eventId: event.id,
      eventKey: event.key,
      state: 'queued' as const,
      body: JSON.stringify({
        meta: { unsubscribe: unsubscribeUrlOf(options.publicUrl, recipient), documentation, generated_at: generatedAt },
        page: pageJson,
        ...content.rest,
      }),
      createdAt: now,
    }));
    const inserted =
      rows.length > 0 ? await tx.insert(webhookDelivery).values(rows).onConflictDoNothing().returning({ id: webhookDelivery.id }) : [];
    for (const row of inserted) await context.queue.send(tx, 'webhook-send', { deliveryId: row.id });
    await tx.update(webhookEvent).set({ fannedOutAt: now, recipientCount: recipients.length }).where(eq(webhookEvent.id, event.id));
    return { recipients: recipients.length };
  });
}

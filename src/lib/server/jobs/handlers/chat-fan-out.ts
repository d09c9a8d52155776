import { and, eq, exists, inArray, notExists, or, sql } from 'drizzle-orm';
import { renderFor } from '../../../domain/chat/render';
import { chatDelivery, chatSubscriber, chatSubscriberComponent, webhookEvent } from '../../db/schema/webhooks';
import { newId } from '../../ids';
import { chatLinkSigner } from '../../services/chat-subscribers/chat-unsubscribe-links';
import type { ServiceContext } from '../../services/kernel/context';
import { lockRow } from '../../services/kernel/rows';
import { chatContentOf } from './chat-event-message';

/** Deliveries per send job (and per insert): a job's POSTs run a few at a time, and a retry resends only what is left. */
const SEND_BATCH = 50;
const UNSUBSCRIBE_LABEL = 'Unsubscribe';

/**
 * Writes one delivery per active chat subscriber that wants the event (it chose one of the event's
 * components, or none), each with the exact body for its platform and its own unsubscribe link, and
 * queues a send job for each, in one transaction, as webhook-fan-out.ts does. Running it again changes
 * nothing: deliveries are unique per (subscriber, event key), and the event is marked chat-fanned-out.
 *
 * Each body is rendered per subscriber, not rendered once and patched: the footer link sits inside
 * each platform's escaped markup and counts against its size limits, and rendering is cheap (the
 * bench measures it).
 */
export async function fanOutChatEvent(
  context: ServiceContext,
  options: { eventId: string; publicUrl: string },
): Promise<{ recipients: number }> {
  const now = context.clock.now();
  const [event] = await context.db.select().from(webhookEvent).where(eq(webhookEvent.id, options.eventId));
  if (!event || event.chatFannedOutAt) return { recipients: 0 };
  const content = await chatContentOf(context, event, options.publicUrl);
  const links = await chatLinkSigner(context.db, { publicUrl: options.publicUrl, now });

  return context.db.transaction(async (tx) => {
    const locked = await lockRow(tx, webhookEvent, eq(webhookEvent.id, options.eventId));
    if (!locked || locked.chatFannedOutAt) return { recipients: 0 };
    if (!content) {
      await tx.update(webhookEvent).set({ chatFannedOutAt: now, chatRecipientCount: 0 }).where(eq(webhookEvent.id, event.id));
      return { recipients: 0 };
    }
    const chose = (componentIds: string[]) =>
      exists(
        tx
          .select({ one: sql`1` })
          .from(chatSubscriberComponent)
          .where(
            and(eq(chatSubscriberComponent.subscriberId, chatSubscriber.id), inArray(chatSubscriberComponent.componentId, componentIds)),
          ),
      );
    const choseNothing = notExists(
      tx
        .select({ one: sql`1` })
        .from(chatSubscriberComponent)
        .where(eq(chatSubscriberComponent.subscriberId, chatSubscriber.id)),
    );
    const recipients = await tx
      .select({ id: chatSubscriber.id, platform: chatSubscriber.platform })
      .from(chatSubscriber)
      .where(
        and(
          eq(chatSubscriber.state, 'active'),
          content.componentIds.length > 0 ? or(choseNothing, chose(content.componentIds)) : choseNothing,
        ),
      );

    const rows = recipients.map((recipient) => ({
      id: newId(),
      subscriberId: recipient.id,
      eventId: event.id,
      eventKey: event.key,
      state: 'queued' as const,
      body: JSON.stringify(
        renderFor(recipient.platform, { ...content.message, footer: { label: UNSUBSCRIBE_LABEL, url: links.url(recipient.id) } }),
      ),
      createdAt: now,
    }));
    for (let start = 0; start < rows.length; start += SEND_BATCH) {
      const inserted = await tx
        .insert(chatDelivery)
        .values(rows.slice(start, start + SEND_BATCH))
        .onConflictDoNothing()
        .returning({ id: chatDelivery.id });
      if (inserted.length > 0) await context.queue.send(tx, 'chat-send', { deliveryIds: inserted.map((row) => row.id) });
    }
    await tx.update(webhookEvent).set({ chatFannedOutAt: now, chatRecipientCount: recipients.length }).where(eq(webhookEvent.id, event.id));
    return { recipients: recipients.length };
  });
}

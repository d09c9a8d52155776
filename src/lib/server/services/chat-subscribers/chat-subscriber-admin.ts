import { asc, count, desc, eq, inArray } from 'drizzle-orm';
import { contactChannelKindLabels } from '../../../domain/chat/channel-kinds';
import type { ChatMessage } from '../../../domain/chat/chat-message';
import { renderFor } from '../../../domain/chat/render';
import { describeTarget } from '../../../domain/chat/webhook-urls';
import { component } from '../../db/schema';
import { chatDelivery, chatSubscriber, chatSubscriberComponent, type ChatSubscriberRow } from '../../db/schema/webhooks';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { updateOne, withLockedRow } from '../kernel/rows';
import { idSchema } from '../kernel/validation';
import { postToChannel } from '../plan/channel-post';
import type { OutboundHttp } from '../webhooks/outbound-http';
import { targetPolicy } from '../webhooks/webhook-targets';

/**
 * The admin's side of chat subscribers: the list, re-enabling a disabled channel, removing one and
 * sending it a test message. The URL is a secret (it is all a sender needs), so staff and the audit
 * log only ever see its short form (`describeTarget`).
 */

/** A chat subscriber as the admin page shows it: its URL shortened, never the secret part. */
export interface ChatSubscriberListItem {
  id: string;
  platform: ChatSubscriberRow['platform'];
  platformLabel: string;
  target: string;
  state: ChatSubscriberRow['state'];
  ownerEmail: string | null;
  componentNames: string[];
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  lastSuccessAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  deliveries: { sent: number; failed: number; pending: number };
}

const NOT_FOUND = 'That chat subscriber does not exist.';

const shortTarget = (row: Pick<ChatSubscriberRow, 'platform' | 'url'>) => describeTarget(row.platform, row.url);

/** What the audit log keeps of a subscriber: no URL secret, no code or token hashes. */
const forAudit = (row: ChatSubscriberRow) => ({
  platform: row.platform,
  target: shortTarget(row),
  state: row.state,
  consecutiveFailures: row.consecutiveFailures,
});

/** Every chat subscriber, newest first. */
export async function listChatSubscribers(context: Pick<ServiceContext, 'db'>): Promise<ChatSubscriberListItem[]> {
  const rows = await context.db.select().from(chatSubscriber).orderBy(desc(chatSubscriber.createdAt), asc(chatSubscriber.url));
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [names, counts] = await Promise.all([
    context.db
      .select({ subscriberId: chatSubscriberComponent.subscriberId, name: component.name })
      .from(chatSubscriberComponent)
      .innerJoin(component, eq(component.id, chatSubscriberComponent.componentId))
      .where(inArray(chatSubscriberComponent.subscriberId, ids))
      .orderBy(asc(component.name)),
    context.db
      .select({ subscriberId: chatDelivery.subscriberId, state: chatDelivery.state, value: count() })
      .from(chatDelivery)
      .where(inArray(chatDelivery.subscriberId, ids))
      .groupBy(chatDelivery.subscriberId, chatDelivery.state),
  ]);
  return rows.map((row) => {
    const deliveries = { sent: 0, failed: 0, pending: 0 };
    for (const item of counts.filter((entry) => entry.subscriberId === row.id)) {
      if (item.state === 'sent') deliveries.sent += item.value;
      else if (item.state === 'failed') deliveries.failed += item.value;
      else deliveries.pending += item.value;
    }
    return {
      id: row.id,
      platform: row.platform,
      platformLabel: contactChannelKindLabels[row.platform],
      target: shortTarget(row),
      state: row.state,
      ownerEmail: row.ownerEmail,
      componentNames: names.filter((entry) => entry.subscriberId === row.id).map((entry) => entry.name),
      consecutiveFailures: row.consecutiveFailures,
      lastError: row.lastError,
      lastErrorAt: row.lastErrorAt,
      lastSuccessAt: row.lastSuccessAt,
      disabledReason: row.disabledReason,
      createdAt: row.createdAt,
      deliveries,
    };
  });
}

/** The short form of the subscriber a result is about, for the notice. */
export interface ChatSubscriberDone {
  platformLabel: string;
  target: string;
}

const done = (row: ChatSubscriberRow): ChatSubscriberDone => ({
  platformLabel: contactChannelKindLabels[row.platform],
  target: shortTarget(row),
});

export async function removeChatSubscriber(
  context: ServiceContext,
  actor: Actor,
  subscriberId: string,
): Promise<ServiceResult<ChatSubscriberDone>> {
  const parsedId = idSchema.safeParse(subscriberId);
  if (!parsedId.success) return notFound(NOT_FOUND);
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [removed] = await tx.delete(chatSubscriber).where(eq(chatSubscriber.id, parsedId.data)).returning();
    if (!removed) return notFound(NOT_FOUND);
    await recordAudit(tx, actor, now, {
      action: 'chat_subscriber.remove',
      entityType: 'chat_subscriber',
      entityId: removed.id,
      before: forAudit(removed),
    });
    return success(done(removed));
  });
}

/**
 * Turns a disabled chat subscriber back on, its failure count cleared: it was verified once, so
 * it is active at once and gets the next update. A pending one waits for its visitor's code.
 */
export async function reenableChatSubscriber(
  context: ServiceContext,
  actor: Actor,
  subscriberId: string,
): Promise<ServiceResult<ChatSubscriberDone>> {
  const parsedId = idSchema.safeParse(subscriberId);
  if (!parsedId.success) return notFound(NOT_FOUND);
  const now = context.clock.now();
  const where = eq(chatSubscriber.id, parsedId.data);
  return withLockedRow(context.db, chatSubscriber, where, NOT_FOUND, async (tx, before) => {
    if (before.state !== 'disabled') {
      const message =
        before.state === 'active'
          ? 'This chat subscriber is already active.'
          : 'This chat subscriber is waiting for its verification code.';
      return invalid({ form: message }, message);
    }
    const after = await updateOne(tx, chatSubscriber, where, {
      state: 'active',
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      ownerNotifiedAt: null,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'chat_subscriber.reenable',
      entityType: 'chat_subscriber',
      entityId: after.id,
      before: forAudit(before),
      after: forAudit(after),
    });
    return success(done(after));
  });
}

function testMessage(publicUrl: string): ChatMessage {
  const url = publicUrl.replace(/\/+$/, '');
  return {
    kind: 'incident_update',
    headline: 'Test message',
    title: 'Test message from Herald',
    status: 'Test',
    components: [],
    body: 'Status updates for this subscription will arrive here.',
    links: [{ label: 'Status page', url }],
  };
}

/**
 * Posts a test message to a chat subscriber now and records the answer on it (last success or
 * last error). A test never counts towards disabling it and never changes its state.
 */
export async function sendChatSubscriberTest(
  context: ServiceContext,
  options: { id: string; http: OutboundHttp; publicUrl: string },
): Promise<ServiceResult<ChatSubscriberDone>> {
  const parsedId = idSchema.safeParse(options.id);
  if (!parsedId.success) return notFound(NOT_FOUND);
  const where = eq(chatSubscriber.id, parsedId.data);
  const [row] = await context.db.select().from(chatSubscriber).where(where);
  if (!row) return notFound(NOT_FOUND);
  const sender = { http: options.http, policy: await targetPolicy(context) };
  const body = renderFor(row.platform, testMessage(options.publicUrl));
  const answer = await postToChannel(sender, { kind: row.platform, target: row.url }, body, context.clock.now());
  const now = context.clock.now();
  if (answer.kind === 'ok') {
    await context.db.update(chatSubscriber).set({ lastSuccessAt: now }).where(where);
    return success(done(row));
  }
  const why = answer.kind === 'retry_after' ? 'the platform asked Herald to wait (HTTP 429); try again in a minute' : answer.message;
  if (answer.kind === 'failed') await context.db.update(chatSubscriber).set({ lastError: answer.message, lastErrorAt: now }).where(where);
  return invalid({}, `The test message to ${done(row).platformLabel} ${done(row).target} was not delivered: ${why}`);
}

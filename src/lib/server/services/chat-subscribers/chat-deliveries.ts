import { and, eq, sql } from 'drizzle-orm';
import type { ChannelAnswer } from '../plan/channel-post';
import { chatDelivery, chatSubscriber, type ChatDeliveryRow, type ChatSubscriberRow } from '../../db/schema/webhooks';
import type { ServiceContext } from '../kernel/context';
import { MAX_CONSECUTIVE_FAILURES } from '../webhooks/webhook-subscribers';

/**
 * The life of one chat delivery, shared by the fan-out and send jobs: claimed (queued → sending)
 * before the POST and closed after, so no message goes out twice; a platform's 429 puts it back to
 * queued until its Retry-After, not counted as a failure; a failure on the last attempt counts
 * against the subscriber, which is disabled at the same threshold as webhook subscribers.
 */

export const INTERRUPTED = 'Interrupted while sending (the worker stopped); not resent, to avoid a duplicate.';

export type ChatSendOutcome =
  { kind: 'sent' } | { kind: 'retry_after'; at: Date } | { kind: 'retrying' } | { kind: 'failed'; disabled: boolean } | { kind: 'skipped' };

export async function findChatDelivery(
  context: ServiceContext,
  deliveryId: string,
): Promise<{ delivery: ChatDeliveryRow; subscriber: ChatSubscriberRow } | undefined> {
  const [row] = await context.db
    .select({ delivery: chatDelivery, subscriber: chatSubscriber })
    .from(chatDelivery)
    .innerJoin(chatSubscriber, eq(chatSubscriber.id, chatDelivery.subscriberId))
    .where(eq(chatDelivery.id, deliveryId));
  return row;
}

/** Closes a queued or sending delivery as failed, with the reason; false when it was not in that state. */
export async function failChatDelivery(context: ServiceContext, deliveryId: string, from: 'queued' | 'sending', reason: string) {
  const closed = await context.db
    .update(chatDelivery)
    .set({ state: 'failed', lastError: reason, failedAt: context.clock.now() })
    .where(and(eq(chatDelivery.id, deliveryId), eq(chatDelivery.state, from)))
    .returning({ id: chatDelivery.id });
  return closed.length > 0;
}

/** queued → sending, one attempt more; false when another worker has it or it is closed. */
export async function claimChatDelivery(context: ServiceContext, deliveryId: string): Promise<boolean> {
  const claimed = await context.db
    .update(chatDelivery)
    .set({ state: 'sending', claimedAt: context.clock.now(), attempts: sql`${chatDelivery.attempts} + 1` })
    .where(and(eq(chatDelivery.id, deliveryId), eq(chatDelivery.state, 'queued')))
    .returning({ id: chatDelivery.id });
  return claimed.length > 0;
}

/**
 * Records the platform's answer to a claimed delivery. A 429 re-queues its send job for the time the
 * platform named, in the same transaction. Only while the row is still `sending`: a request that
 * outlived its job finds it closed by the retry and must not reopen it.
 */
export async function recordChatAnswer(
  context: ServiceContext,
  options: { deliveryId: string; subscriberId: string; answer: ChannelAnswer; lastAttempt: boolean },
): Promise<ChatSendOutcome> {
  const { answer } = options;
  const now = context.clock.now();
  const mine = and(eq(chatDelivery.id, options.deliveryId), eq(chatDelivery.state, 'sending'));
  const subscriberRow = eq(chatSubscriber.id, options.subscriberId);
  return context.db.transaction(async (tx) => {
    if (answer.kind === 'ok') {
      const [sent] = await tx
        .update(chatDelivery)
        .set({ state: 'sent', sentAt: now, lastError: null, retryAfter: null })
        .where(mine)
        .returning({ id: chatDelivery.id });
      await tx.update(chatSubscriber).set({ consecutiveFailures: 0, lastSuccessAt: now, updatedAt: now }).where(subscriberRow);
      return sent ? { kind: 'sent' } : { kind: 'skipped' };
    }
    if (answer.kind === 'retry_after') {
      const [waiting] = await tx
        .update(chatDelivery)
        .set({ state: 'queued', retryAfter: answer.at, lastError: 'Rate limited by the platform; retried when it said.' })
        .where(mine)
        .returning({ id: chatDelivery.id });
      if (!waiting) return { kind: 'skipped' };
      await context.queue.send(tx, 'chat-send', { deliveryIds: [options.deliveryId] }, { startAfter: answer.at });
      return { kind: 'retry_after', at: answer.at };
    }

    const [closed] = await tx
      .update(chatDelivery)
      .set({
        state: options.lastAttempt ? 'failed' : 'queued',
        lastError: answer.message,
        ...(options.lastAttempt ? { failedAt: now } : {}),
      })
      .where(mine)
      .returning({ id: chatDelivery.id });
    await tx.update(chatSubscriber).set({ lastError: answer.message, lastErrorAt: now, updatedAt: now }).where(subscriberRow);
    if (!closed) return { kind: 'skipped' };
    if (!options.lastAttempt) return { kind: 'retrying' };

    const [counted] = await tx
      .update(chatSubscriber)
      .set({ consecutiveFailures: sql`${chatSubscriber.consecutiveFailures} + 1` })
      .where(subscriberRow)
      .returning({ failures: chatSubscriber.consecutiveFailures, state: chatSubscriber.state, ownerEmail: chatSubscriber.ownerEmail });
    if (!counted || counted.state !== 'active' || counted.failures < MAX_CONSECUTIVE_FAILURES) return { kind: 'failed', disabled: false };
    await tx
      .update(chatSubscriber)
      .set({
        state: 'disabled',
        disabledAt: now,
        disabledReason: `${counted.failures} messages in a row failed; the last: ${answer.message}`,
        ownerNotifiedAt: null,
      })
      .where(subscriberRow);
    await tx
      .update(chatDelivery)
      .set({ state: 'failed', lastError: 'Not sent: the chat subscription was disabled.', failedAt: now })
      .where(and(eq(chatDelivery.subscriberId, options.subscriberId), eq(chatDelivery.state, 'queued')));
    if (counted.ownerEmail) await context.queue.send(tx, 'chat-notice', { subscriberId: options.subscriberId });
    return { kind: 'failed', disabled: true };
  });
}

import {
  claimChatDelivery,
  failChatDelivery,
  findChatDelivery,
  INTERRUPTED,
  recordChatAnswer,
  type ChatSendOutcome,
} from '../../services/chat-subscribers/chat-deliveries';
import type { ServiceContext } from '../../services/kernel/context';
import { postToChannel } from '../../services/plan/channel-post';
import type { OutboundHttp } from '../../services/webhooks/outbound-http';
import { targetPolicy } from '../../services/webhooks/webhook-targets';

/**
 * POSTs one chat delivery through the guarded client, as webhook-send.ts does for webhooks: a row
 * found still `sending` belonged to a worker that died mid-request and is failed, not resent; a
 * delivery waiting out a platform's Retry-After is not sent before then (its job was re-queued for
 * that time).
 */
export async function sendChatDelivery(
  context: ServiceContext,
  options: { deliveryId: string; lastAttempt: boolean; http: OutboundHttp },
): Promise<ChatSendOutcome> {
  const row = await findChatDelivery(context, options.deliveryId);
  if (!row) return { kind: 'skipped' };
  const { delivery, subscriber } = row;
  if (delivery.state === 'sending') {
    await failChatDelivery(context, delivery.id, 'sending', INTERRUPTED);
    return { kind: 'failed', disabled: false };
  }
  if (delivery.state !== 'queued') return { kind: 'skipped' };
  if (delivery.retryAfter && delivery.retryAfter > context.clock.now()) return { kind: 'skipped' };
  if (subscriber.state !== 'active') {
    await failChatDelivery(context, delivery.id, 'queued', `Not sent: the chat subscription is ${subscriber.state}.`);
    return { kind: 'skipped' };
  }
  if (!(await claimChatDelivery(context, delivery.id))) return { kind: 'skipped' };

  const sender = { http: options.http, policy: await targetPolicy(context) };
  const body = JSON.parse(delivery.body) as object;
  const answer = await postToChannel(sender, { kind: subscriber.platform, target: subscriber.url }, body, context.clock.now());
  return recordChatAnswer(context, {
    deliveryId: delivery.id,
    subscriberId: subscriber.id,
    answer,
    lastAttempt: options.lastAttempt,
  });
}

/** POSTs at once within one batch job: the platforms' webhooks are rate-limited per URL, not per sender. */
const BATCH_CONCURRENCY = 8;

/**
 * Sends a batch of deliveries (one fan-out's), a few at a time. What is not accepted stays queued
 * for the job's retry, which skips what was sent; a 429 re-queued its own delivery for later.
 */
export async function sendChatDeliveries(
  context: ServiceContext,
  options: { deliveryIds: string[]; lastAttempt: boolean; http: OutboundHttp; stopping?: () => boolean },
): Promise<{ outcomes: ChatSendOutcome['kind'][]; retrying: number }> {
  const outcomes: ChatSendOutcome['kind'][] = [];
  const waiting = [...options.deliveryIds];
  const worker = async () => {
    for (let id = waiting.shift(); id !== undefined && !options.stopping?.(); id = waiting.shift())
      outcomes.push((await sendChatDelivery(context, { deliveryId: id, lastAttempt: options.lastAttempt, http: options.http })).kind);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, waiting.length) }, worker));
  return { outcomes, retrying: outcomes.filter((kind) => kind === 'retrying').length + waiting.length };
}

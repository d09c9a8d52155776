import { and, eq, sql } from 'drizzle-orm';
import { webhookDelivery, webhookSubscriber } from '../../db/schema/webhooks';
import type { ServiceContext } from '../../services/kernel/context';
import type { OutboundHttp } from '../../services/webhooks/outbound-http';
import { MAX_CONSECUTIVE_FAILURES } from '../../services/webhooks/webhook-subscribers';
import { targetPolicy } from '../../services/webhooks/webhook-targets';
import { postSignedWebhook } from './webhook-http';

export type WebhookSendOutcome = 'sent' | 'retrying' | 'failed' | 'skipped';

const INTERRUPTED = 'Interrupted while sending (the worker stopped); not resent, to avoid a duplicate.';

/**
 * POSTs one delivery. The row is claimed (queued → sending) before the request goes out and
 * closed (sent, or back to queued for the job's retry, or failed on the last attempt) after, so
 * no body is ever sent twice: a row found still `sending` belonged to a worker that died
 * mid-request, and is marked failed rather than resent (the receiver may have it already).
 *
 * A delivery that fails on its last attempt counts against its subscriber; at
 * MAX_CONSECUTIVE_FAILURES in a row the webhook is disabled, whatever else is queued for it is
 * dropped, and its owner (if it gave an email) is told once. Any success resets the count.
 */
export async function sendWebhookDelivery(
  context: ServiceContext,
  options: { deliveryId: string; lastAttempt: boolean; http: OutboundHttp },
): Promise<WebhookSendOutcome> {
  const now = () => context.clock.now();
  const [row] = await context.db
    .select({ delivery: webhookDelivery, subscriber: webhookSubscriber })
    .from(webhookDelivery)
    .innerJoin(webhookSubscriber, eq(webhookSubscriber.id, webhookDelivery.subscriberId))
    .where(eq(webhookDelivery.id, options.deliveryId));
  if (!row) return 'skipped';
  const { delivery, subscriber } = row;
  if (delivery.state === 'sending') {
    await context.db
      .update(webhookDelivery)
      .set({ state: 'failed', lastError: INTERRUPTED, failedAt: now() })
      .where(and(eq(webhookDelivery.id, delivery.id), eq(webhookDelivery.state, 'sending')));
    return 'failed';
  }
  if (delivery.state !== 'queued') return 'skipped';
  if (subscriber.state !== 'active') {
    await context.db
      .update(webhookDelivery)
      .set({ state: 'failed', lastError: `Not sent: the webhook is ${subscriber.state}.`, failedAt: now() })
      .where(and(eq(webhookDelivery.id, delivery.id), eq(webhookDelivery.state, 'queued')));
    return 'skipped';
  }

  const [claimed] = await context.db
    .update(webhookDelivery)
    .set({ state: 'sending', claimedAt: now(), attempts: sql`${webhookDelivery.attempts} + 1` })
    .where(and(eq(webhookDelivery.id, delivery.id), eq(webhookDelivery.state, 'queued')))
    .returning({ id: webhookDelivery.id });
  if (!claimed) return 'skipped';

  const result = await postSignedWebhook(options.http, {
    url: subscriber.url,
    body: delivery.body,
    secret: subscriber.signingSecret,
    policy: await targetPolicy(context),
    now: now(),
  });

  if (result.ok) {
    await context.db.transaction(async (tx) => {
      await tx
        .update(webhookDelivery)
        .set({ state: 'sent', sentAt: now(), lastStatusCode: result.status, lastError: null })
        .where(eq(webhookDelivery.id, delivery.id));
      await tx
        .update(webhookSubscriber)
        .set({ consecutiveFailures: 0, lastSuccessAt: now(), updatedAt: now() })
        .where(eq(webhookSubscriber.id, subscriber.id));
    });
    return 'sent';
  }

  return context.db.transaction(async (tx) => {
    // Only while still ours: a request that outlived its job (pg-boss retries it after
    // expireInSeconds) finds the delivery already closed by the retry, and must not reopen it.
    const [closed] = await tx
      .update(webhookDelivery)
      .set({
        state: options.lastAttempt ? 'failed' : 'queued',
        lastError: result.error,
        lastStatusCode: result.status,
        ...(options.lastAttempt ? { failedAt: now() } : {}),
      })
      .where(and(eq(webhookDelivery.id, delivery.id), eq(webhookDelivery.state, 'sending')))
      .returning({ id: webhookDelivery.id });
    const at = now();
    await tx
      .update(webhookSubscriber)
      .set({ lastError: result.error, lastErrorAt: at, updatedAt: at })
      .where(eq(webhookSubscriber.id, subscriber.id));
    if (!closed) return 'skipped';
    if (!options.lastAttempt) return 'retrying';

    const [counted] = await tx
      .update(webhookSubscriber)
      .set({ consecutiveFailures: sql`${webhookSubscriber.consecutiveFailures} + 1` })
      .where(eq(webhookSubscriber.id, subscriber.id))
      .returning({
        failures: webhookSubscriber.consecutiveFailures,
        state: webhookSubscriber.state,
        ownerEmailConfirmedAt: webhookSubscriber.ownerEmailConfirmedAt,
      });
    if (counted && counted.state === 'active' && counted.failures >= MAX_CONSECUTIVE_FAILURES) {
      await tx
        .update(webhookSubscriber)
        .set({
          state: 'disabled',
          disabledAt: at,
          disabledReason: `${counted.failures} deliveries in a row failed; the last: ${result.error}`,
          ownerNotifiedAt: null,
        })
        .where(eq(webhookSubscriber.id, subscriber.id));
      await tx
        .update(webhookDelivery)
        .set({ state: 'failed', lastError: 'Not sent: the webhook was disabled.', failedAt: at })
        .where(and(eq(webhookDelivery.subscriberId, subscriber.id), eq(webhookDelivery.state, 'queued')));
      if (counted.ownerEmailConfirmedAt)
        await context.queue.send(tx, 'webhook-notice', { subscriberId: subscriber.id, reason: 'disabled' });
    }
    return 'failed';
  });
}

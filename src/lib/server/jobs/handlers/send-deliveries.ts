import { and, eq, inArray, sql } from 'drizzle-orm';
import { delivery } from '../../db/schema';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { subscriberLinkSigner } from '../../services/subscribers/subscriber-tokens';
import { composeNotification } from './notification-message';
import { rowsOf } from '../../db/client';

/** Messages sent at once by one batch: the SMTP pool holds five connections. */
const SEND_CONCURRENCY = 5;

export interface SendOutcome {
  sent: number;
  /** Failed this attempt and left queued for the next. */
  retrying: number;
  failed: number;
  /** Found mid-send by this attempt (their worker stopped) and marked failed, never resent. */
  interrupted: number;
  /** Deliveries this batch left queued: failed this attempt, or not claimed because the worker was stopping. */
  leftQueued: string[];
}

/**
 * Sends one batch of deliveries. Each is claimed (queued → sending) just before its message goes
 * out and marked sent once the server accepts it, so a crash can leave at most the messages in
 * flight undecided. Those are never resent: a later attempt marks them failed, because the
 * server may already have accepted them and nobody may get an email twice. A clean stop
 * (`stopping`) claims nothing more and lets the messages on the wire finish, so it leaves none
 * undecided: the rest stays queued, in `leftQueued`, for the worker to hand back.
 */
export async function sendDeliveries(
  context: ServiceContext,
  mailer: Mailer,
  options: {
    notificationId: string;
    deliveryIds: string[];
    publicUrl: string;
    lastAttempt: boolean;
    /** True once the worker is stopping: nothing more is claimed, and what is on the wire finishes. */
    stopping?: () => boolean;
  },
): Promise<SendOutcome> {
  const stopping = options.stopping ?? (() => false);
  const now = () => context.clock.now();
  const interrupted = await context.db
    .update(delivery)
    .set({ state: 'failed', lastError: 'Interrupted while sending (the worker stopped); not resent, to avoid a duplicate.' })
    .where(and(inArray(delivery.id, options.deliveryIds), eq(delivery.state, 'sending')))
    .returning({ id: delivery.id });
  const outcome: SendOutcome = { sent: 0, retrying: 0, failed: 0, interrupted: interrupted.length, leftQueued: [] };

  const message = await composeNotification(context, options.notificationId, options.publicUrl);
  if (!message) return outcome;

  const links = await subscriberLinkSigner(context.db, now());
  const sendOne = async (deliveryId: string) => {
    // Claim the delivery (queued → sending); its links are signed, so nothing else is written.
    const claimed = await context.db.execute(sql`
      update delivery d set state = 'sending', claimed_at = ${now().toISOString()}::timestamptz, attempts = d.attempts + 1
      from subscriber s
      where d.id = ${deliveryId} and d.state = 'queued' and s.id = d.subscriber_id and s.state = 'confirmed'
      returning s.id as subscriber_id, s.email, s.link_version`);
    const recipient = rowsOf(claimed)[0] as { subscriber_id: string; email: string; link_version: number } | undefined;
    if (!recipient) return;
    const signed = { subscriberId: recipient.subscriber_id, linkVersion: recipient.link_version };
    const unsubscribeUrl = `${options.publicUrl}/unsubscribe/${links.sign('unsubscribe', signed)}`;
    try {
      const mail = message.render({ manageUrl: `${options.publicUrl}/subscription/${links.sign('manage', signed)}`, unsubscribeUrl });
      await mailer.send({
        to: recipient.email,
        ...mail,
        ...message.threading,
        headers: {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Auto-Submitted': 'auto-generated',
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message.slice(0, 500) : String(error);
      // Only while still ours: a send that outlived its job (pg-boss retries it after
      // expireInSeconds) finds the delivery already closed by the retry, and must not reopen it.
      await context.db
        .update(delivery)
        .set({ state: options.lastAttempt ? 'failed' : 'queued', lastError: message })
        .where(and(eq(delivery.id, deliveryId), eq(delivery.state, 'sending')));
      if (options.lastAttempt) outcome.failed += 1;
      else {
        outcome.retrying += 1;
        outcome.leftQueued.push(deliveryId);
      }
      return;
    }
    await context.db.update(delivery).set({ state: 'sent', sentAt: now(), lastError: null }).where(eq(delivery.id, deliveryId));
    outcome.sent += 1;
  };

  const pending = [...options.deliveryIds];
  await Promise.all(
    Array.from({ length: Math.min(SEND_CONCURRENCY, pending.length) }, async () => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        if (stopping()) outcome.leftQueued.push(next);
        else await sendOne(next);
      }
    }),
  );
  return outcome;
}

import { and, eq } from 'drizzle-orm';
import { formatTimestamp } from '../../../domain/statuspage';
import { webhookSubscriber } from '../../db/schema/webhooks';
import { newSecret } from '../../ids';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageId, getPageSettings } from '../../services/settings/page-settings';
import { currentPageStatus } from '../../services/components/visibility';
import type { OutboundHttp } from '../../services/webhooks/outbound-http';
import { documentationUrlOf, unsubscribeUrlOf } from '../../services/webhooks/webhook-subscribers';
import { targetPolicy } from '../../services/webhooks/webhook-targets';
import { postSignedWebhook } from './webhook-http';

export type VerificationOutcome = 'activated' | 'failed' | 'skipped';

/**
 * The verification request a new webhook must answer with a 2xx (within the usual 10 s) to
 * become active: signed like every delivery, with the usual `meta` and `page` and a
 * `verification` object holding a random `challenge` (the receiver need not echo it). A failure
 * leaves the webhook pending with the reason, which its manage page shows, and its owner (if it
 * gave an email) is told. The job does not retry: the registrant asks again from that page.
 */
export async function verifyWebhookSubscriber(
  context: ServiceContext,
  options: { subscriberId: string; publicUrl: string; http: OutboundHttp },
): Promise<VerificationOutcome> {
  const [row] = await context.db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, options.subscriberId));
  if (!row || row.state !== 'pending') return 'skipped';
  const [settings, pageId, status] = await Promise.all([getPageSettings(context), getPageId(context), currentPageStatus(context.db)]);
  const now = context.clock.now();
  const body = JSON.stringify({
    meta: {
      unsubscribe: unsubscribeUrlOf(options.publicUrl, row),
      documentation: documentationUrlOf(options.publicUrl),
      generated_at: formatTimestamp(now, settings.timeZone),
    },
    page: { id: pageId, status_indicator: status.indicator, status_description: status.description },
    verification: { challenge: newSecret() },
  });
  const result = await postSignedWebhook(options.http, {
    url: row.url,
    body,
    secret: row.signingSecret,
    policy: await targetPolicy(context),
    now,
  });
  const at = context.clock.now();
  const pending = and(eq(webhookSubscriber.id, row.id), eq(webhookSubscriber.state, 'pending'));
  if (result.ok) {
    await context.db
      .update(webhookSubscriber)
      .set({ state: 'active', verifiedAt: at, lastError: null, lastErrorAt: null, consecutiveFailures: 0, updatedAt: at })
      .where(pending);
    return 'activated';
  }
  await context.db.transaction(async (tx) => {
    const [failed] = await tx
      .update(webhookSubscriber)
      .set({ lastError: `Verification failed: ${result.error}`, lastErrorAt: at, updatedAt: at })
      .where(pending)
      .returning({ ownerEmailConfirmedAt: webhookSubscriber.ownerEmailConfirmedAt });
    if (failed?.ownerEmailConfirmedAt)
      await context.queue.send(tx, 'webhook-notice', { subscriberId: row.id, reason: 'verification_failed' });
  });
  return 'failed';
}

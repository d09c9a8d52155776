import { and, eq, isNull } from 'drizzle-orm';
import { webhookSubscriber } from '../../db/schema/webhooks';
import { webhookProblemMail } from '../../mail/templates';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import { unsubscribeUrlOf } from '../../services/webhooks/webhook-subscribers';

/**
 * Tells a webhook's owner (the email it gave, if any) that its verification failed or that it
 * was disabled: once per occasion. The message is claimed (ownerNotifiedAt) before it is sent;
 * a refused message gives the claim back and the job's retry tries again.
 */
export async function sendWebhookNotice(
  context: ServiceContext,
  mailer: Mailer,
  options: { subscriberId: string; reason: 'verification_failed' | 'disabled'; publicUrl: string },
): Promise<'sent' | 'skipped'> {
  const [row] = await context.db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, options.subscriberId));
  const stateWanted = options.reason === 'disabled' ? 'disabled' : 'pending';
  if (!row?.ownerEmail || row.state !== stateWanted) return 'skipped';
  const [claimed] = await context.db
    .update(webhookSubscriber)
    .set({ ownerNotifiedAt: context.clock.now() })
    .where(and(eq(webhookSubscriber.id, row.id), isNull(webhookSubscriber.ownerNotifiedAt)))
    .returning({ id: webhookSubscriber.id });
  if (!claimed) return 'skipped';
  const page = await getPageSettings(context);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const mail = webhookProblemMail({
    pageName: page.name,
    url: row.url,
    problem: options.reason,
    detail: (options.reason === 'disabled' ? row.disabledReason : row.lastError) ?? 'No answer with a 2xx status.',
    manageUrl: unsubscribeUrlOf(publicUrl, row),
    subscribeUrl: `${publicUrl}/subscribe?via=webhook`,
  });
  try {
    await mailer.send({
      to: row.ownerEmail,
      ...mail,
      messageId: `<webhook-notice.${row.id}.${context.clock.now().getTime()}@${new URL(publicUrl).hostname}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    await context.db.update(webhookSubscriber).set({ ownerNotifiedAt: null }).where(eq(webhookSubscriber.id, row.id));
    throw error;
  }
  return 'sent';
}

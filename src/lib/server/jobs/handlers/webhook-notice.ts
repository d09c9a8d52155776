import { and, eq, isNull } from 'drizzle-orm';
import { webhookSubscriber } from '../../db/schema/webhooks';
import { webhookContactConfirmationMail, webhookProblemMail } from '../../mail/webhook-templates';
import { withinRecipientCeiling } from '../../mail/recipient-ceiling';
import { mintContactConfirmation } from '../../services/webhooks/webhook-contact';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import { unsubscribeUrlOf } from '../../services/webhooks/webhook-subscribers';

/**
 * Tells a webhook's owner (the email it gave, once confirmed) that its verification failed or that it
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
  // Only an address whose holder confirmed it wants these emails (services/webhooks/webhook-contact.ts).
  if (!row?.ownerEmail || !row.ownerEmailConfirmedAt || row.state !== stateWanted) return 'skipped';
  if (!(await withinRecipientCeiling(context.db, row.ownerEmail, 'webhook_notice', context.clock.now()))) return 'skipped';
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

/**
 * The one email an unconfirmed contact address gets: a link to confirm that its holder wants to
 * hear about this webhook. Within the per-recipient ceiling, like every email to a typed address.
 */
export async function sendWebhookContactConfirmation(
  context: ServiceContext,
  mailer: Mailer,
  options: { subscriberId: string; publicUrl: string },
): Promise<'sent' | 'skipped'> {
  const [row] = await context.db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, options.subscriberId));
  if (!row?.ownerEmail || row.ownerEmailConfirmedAt) return 'skipped';
  if (!(await withinRecipientCeiling(context.db, row.ownerEmail, 'webhook_contact_confirmation', context.clock.now()))) return 'skipped';
  const link = await mintContactConfirmation(context.db, row.id);
  if (!link) return 'skipped';
  const page = await getPageSettings(context);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const mail = webhookContactConfirmationMail({
    pageName: page.name,
    url: link.url,
    confirmUrl: `${publicUrl}/webhooks/contact/${link.token}`,
  });
  await mailer.send({
    to: link.email,
    ...mail,
    messageId: `<webhook-contact.${row.id}.${context.clock.now().getTime()}@${new URL(publicUrl).hostname}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  return 'sent';
}

import { and, eq, isNull } from 'drizzle-orm';
import { chatSubscriber } from '../../db/schema/webhooks';
import { chatDisabledMail } from '../../mail/chat-templates';
import { withinRecipientCeiling } from '../../mail/recipient-ceiling';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';

/**
 * Tells a disabled chat subscription's owner (the email it gave) once, as webhook-notice.ts does:
 * the message is claimed (ownerNotifiedAt) before it is sent; a refused message gives the claim
 * back and the job's retry tries again.
 */
export async function sendChatNotice(
  context: ServiceContext,
  mailer: Mailer,
  options: { subscriberId: string; publicUrl: string },
): Promise<'sent' | 'skipped'> {
  const [row] = await context.db.select().from(chatSubscriber).where(eq(chatSubscriber.id, options.subscriberId));
  if (!row?.ownerEmail || row.state !== 'disabled') return 'skipped';
  if (!(await withinRecipientCeiling(context.db, row.ownerEmail, 'webhook_notice', context.clock.now()))) return 'skipped';
  const [claimed] = await context.db
    .update(chatSubscriber)
    .set({ ownerNotifiedAt: context.clock.now() })
    .where(and(eq(chatSubscriber.id, row.id), isNull(chatSubscriber.ownerNotifiedAt)))
    .returning({ id: chatSubscriber.id });
  if (!claimed) return 'skipped';
  const page = await getPageSettings(context);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const mail = chatDisabledMail({
    pageName: page.name,
    platform: row.platform,
    url: row.url,
    subscribeUrl: `${publicUrl}/subscribe?via=chat`,
  });
  try {
    await mailer.send({
      to: row.ownerEmail,
      ...mail,
      messageId: `<chat-notice.${row.id}.${context.clock.now().getTime()}@${new URL(publicUrl).hostname}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    await context.db.update(chatSubscriber).set({ ownerNotifiedAt: null }).where(eq(chatSubscriber.id, row.id));
    throw error;
  }
  return 'sent';
}

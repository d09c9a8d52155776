import { eq } from 'drizzle-orm';
import { component, subscriber, subscriberComponent } from '../../db/schema';
import { confirmationMail, subscribedAlreadyMail } from '../../mail/templates';
import type { Mailer } from '../../mail/transport';
import { withinRecipientCeiling } from '../../mail/recipient-ceiling';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import { mintSubscriberToken } from '../../services/subscribers/subscriber-tokens';
import { mintConfirmationToken } from '../../services/subscribers/subscribers';

/**
 * Answers a subscription request by email: a pending address gets a fresh confirmation link
 * (48 hours); a confirmed one gets its manage link instead, so the web form never says which.
 */
export async function sendSubscriberConfirmation(
  context: ServiceContext,
  mailer: Mailer,
  options: { subscriberId: string; publicUrl: string },
): Promise<void> {
  const [row] = await context.db.select().from(subscriber).where(eq(subscriber.id, options.subscriberId));
  if (!row) return;
  // The address was typed into a public form: within the per-recipient ceiling, or not at all.
  if (!(await withinRecipientCeiling(context.db, row.email, 'subscription_confirmation', context.clock.now()))) return;
  const page = await getPageSettings(context);
  const now = context.clock.now();
  const host = new URL(options.publicUrl).hostname;
  const messageId = `<subscription.${row.id}.${now.getTime()}@${host}>`;
  if (row.state === 'confirmed') {
    const manageToken = await mintSubscriberToken(context.db, { subscriberId: row.id, purpose: 'manage', now });
    const mail = subscribedAlreadyMail({ pageName: page.name, manageUrl: `${options.publicUrl}/subscription/${manageToken}` });
    await mailer.send({ to: row.email, ...mail, messageId });
    return;
  }
  const chosen = await context.db
    .select({ name: component.name })
    .from(subscriberComponent)
    .innerJoin(component, eq(component.id, subscriberComponent.componentId))
    .where(eq(subscriberComponent.subscriberId, row.id));
  const token = await mintConfirmationToken(context.db, row.id, now);
  const mail = confirmationMail({
    pageName: page.name,
    confirmUrl: `${options.publicUrl}/subscribe/confirm/${token}`,
    componentNames: chosen.map((item) => item.name),
  });
  await mailer.send({ to: row.email, ...mail, messageId });
}

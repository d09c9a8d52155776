import type { Mailer } from '../../mail/transport';
import { invitationMail } from '../../mail/account-templates';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import { mintPasswordLink } from '../../services/access/passwords';

/** Emails a new user their set-password link; nothing once they have set a password. */
export async function sendUserInvitation(
  context: ServiceContext,
  mailer: Mailer,
  options: { userId: string; invitedBy: string; publicUrl: string },
): Promise<void> {
  const link = await mintPasswordLink(context, options.userId, 'invitation');
  if (!link) return;
  const page = await getPageSettings(context);
  const mail = invitationMail({
    pageName: page.name,
    name: link.name,
    invitedBy: options.invitedBy,
    setPasswordUrl: `${options.publicUrl}/set-password/${link.token}`,
  });
  await mailer.send({
    to: link.email,
    ...mail,
    messageId: `<invitation.${options.userId}.${context.clock.now().getTime()}@${new URL(options.publicUrl).hostname}>`,
  });
}

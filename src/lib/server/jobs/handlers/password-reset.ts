import { eq } from 'drizzle-orm';
import { user } from '../../db/schema';
import { withinRecipientCeiling } from '../../mail/recipient-ceiling';
import type { JobData } from '../queue';
import type { Mailer } from '../../mail/transport';
import { passwordResetMail } from '../../mail/account-templates';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import { mintPasswordLink } from '../../services/access/passwords';

/**
 * Emails a reset link, minted now (only its hash is stored; it replaces the user's earlier unused
 * links). Nothing when the account was disabled or lost its password meanwhile. A retry after a
 * refused send mints another link, so only the one in the email that arrived works.
 */
export async function sendPasswordReset(
  context: ServiceContext,
  mailer: Mailer,
  options: JobData['password-reset'] & { publicUrl: string },
): Promise<void> {
  // Asked for on the public /forgot-password form: the per-recipient ceiling applies (checked
  // before minting, so that a held-back request does not void the link of an earlier email).
  if ('address' in options.requestedBy) {
    const [account] = await context.db.select({ email: user.email }).from(user).where(eq(user.id, options.userId));
    if (!account || !(await withinRecipientCeiling(context.db, account.email, 'password_reset', context.clock.now()))) return;
  }
  const link = await mintPasswordLink(context, options.userId, 'reset');
  if (!link) return;
  const page = await getPageSettings(context);
  const mail = passwordResetMail({
    pageName: page.name,
    name: link.name,
    resetUrl: `${options.publicUrl}/set-password/${link.token}`,
    requestedBy: options.requestedBy,
  });
  await mailer.send({
    to: link.email,
    ...mail,
    messageId: `<password-reset.${options.userId}.${context.clock.now().getTime()}@${new URL(options.publicUrl).hostname}>`,
  });
}

import { eq } from 'drizzle-orm';
import { user } from '../../db/schema';
import type { JobData } from '../queue';
import type { Mailer } from '../../mail/transport';
import { passwordChangedMail } from '../../mail/account-templates';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';

/** Tells a user their password was set, reset or changed: when, how and from where, and what to do if it was not them. */
export async function sendPasswordChanged(
  context: ServiceContext,
  mailer: Mailer,
  options: JobData['password-changed'] & { publicUrl: string },
): Promise<void> {
  const [account] = await context.db.select({ email: user.email, name: user.name }).from(user).where(eq(user.id, options.userId));
  if (!account) return;
  const page = await getPageSettings(context);
  const mail = passwordChangedMail({
    pageName: page.name,
    name: account.name,
    email: account.email,
    kind: options.kind,
    at: new Date(options.at),
    address: options.address,
    forgotPasswordUrl: `${options.publicUrl}/forgot-password`,
  });
  await mailer.send({
    to: account.email,
    ...mail,
    messageId: `<password-changed.${options.userId}.${new Date(options.at).getTime()}@${new URL(options.publicUrl).hostname}>`,
  });
}

import { eq } from 'drizzle-orm';
import { user } from '../../db/schema';
import type { JobData } from '../queue';
import type { Mailer } from '../../mail/transport';
import { factorChangedMail, passwordChangedMail } from '../../mail/account-templates';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';

/** The emails about changes to a staff member's sign-in. */

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

/** Tells a user a second factor of theirs was added or removed, or their recovery codes replaced, and what to do if it was not them. */
export async function sendFactorChanged(
  context: ServiceContext,
  mailer: Mailer,
  options: JobData['factor-changed'] & { publicUrl: string },
): Promise<void> {
  const [account] = await context.db.select({ email: user.email, name: user.name }).from(user).where(eq(user.id, options.userId));
  if (!account) return;
  const page = await getPageSettings(context);
  const mail = factorChangedMail({
    pageName: page.name,
    name: account.name,
    email: account.email,
    change: options.change,
    factorName: options.factorName,
    at: new Date(options.at),
    securityUrl: `${options.publicUrl}/admin/account/security`,
    forgotPasswordUrl: `${options.publicUrl}/forgot-password`,
  });
  await mailer.send({
    to: account.email,
    ...mail,
    messageId: `<factor-changed.${options.userId}.${new Date(options.at).getTime()}@${new URL(options.publicUrl).hostname}>`,
  });
}

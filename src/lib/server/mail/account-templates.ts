import { escapeHtml } from '../../domain/escape';
import { formatUtc } from '../../domain/time-format';
import { button, layout, type RenderedMail } from './templates';

/** The emails about a staff member's own account: the invitation, a reset link, and "your password was changed". */

const linkLine = (url: string) =>
  `<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(url)}</p>`;

export function invitationMail(options: { pageName: string; name: string; invitedBy: string; setPasswordUrl: string }): RenderedMail {
  const subject = `[${options.pageName}] You are invited to the status page admin`;
  const footer = 'The link works once, for 72 hours. If you did not expect this, ignore this email.';
  const text = [
    `Hello ${options.name},`,
    '',
    `${options.invitedBy} added you to the ${options.pageName} status page admin. Choose a password to sign in:`,
    '',
    options.setPasswordUrl,
    '',
    footer,
  ].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: 'Choose a password to sign in.',
    body: `<h1 style="margin:0 0 12px;font-size:20px">You are invited</h1>
<p style="margin:0 0 12px">Hello ${escapeHtml(options.name)},</p>
<p style="margin:0 0 16px">${escapeHtml(options.invitedBy)} added you to the ${escapeHtml(options.pageName)} status page admin. Choose a password to sign in.</p>
<p style="margin:0 0 16px">${button(options.setPasswordUrl, 'Choose a password')}</p>
${linkLine(options.setPasswordUrl)}`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

export function passwordResetMail(options: {
  pageName: string;
  name: string;
  resetUrl: string;
  /** Who asked: someone on /forgot-password from this address, or this admin. */
  requestedBy: { address: string } | { admin: string };
}): RenderedMail {
  const subject = `[${options.pageName}] Reset your password`;
  const why =
    'admin' in options.requestedBy
      ? `${options.requestedBy.admin} sent you a link to choose a new password for the ${options.pageName} status page admin.`
      : `Someone asked to reset your password for the ${options.pageName} status page admin (from the address ${options.requestedBy.address || 'unknown'}).`;
  const footer =
    'The link works once, for 1 hour; a newer link replaces it. If you did not ask for this, ignore this email: your password stays as it is.';
  const text = [`Hello ${options.name},`, '', why, 'Choose a new password:', '', options.resetUrl, '', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: 'Choose a new password. The link works for 1 hour.',
    body: `<h1 style="margin:0 0 12px;font-size:20px">Reset your password</h1>
<p style="margin:0 0 12px">Hello ${escapeHtml(options.name)},</p>
<p style="margin:0 0 16px">${escapeHtml(why)}</p>
<p style="margin:0 0 16px">${button(options.resetUrl, 'Choose a new password')}</p>
${linkLine(options.resetUrl)}`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

const changeWords = {
  first: { verb: 'set', how: 'through a set-password link' },
  reset: { verb: 'changed', how: 'through a password reset link' },
  change: { verb: 'changed', how: 'on the account page' },
} as const;

/** After a password was set, reset or changed: when, how and from where, and what to do if it was not them. */
export function passwordChangedMail(options: {
  pageName: string;
  name: string;
  email: string;
  kind: keyof typeof changeWords;
  at: Date;
  address: string;
  forgotPasswordUrl: string;
}): RenderedMail {
  const { verb, how } = changeWords[options.kind];
  const subject = `[${options.pageName}] Your Herald password was ${verb}`;
  const what = `The password of your account ${options.email} on the ${options.pageName} status page admin was ${verb} ${how} at ${formatUtc(options.at)}, from the address ${options.address || 'unknown'}.`;
  const sessions =
    options.kind === 'change' ? 'Every other session of yours was signed out.' : 'Every session of yours before it was signed out.';
  const notYou = `If this was not you, someone else can sign in as you: reset your password now at ${options.forgotPasswordUrl} (that signs everyone out again), and tell an owner of the status page.`;
  const text = [`Hello ${options.name},`, '', what, sessions, '', notYou, '', 'If it was you, there is nothing to do.'].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `Your password was ${verb} at ${formatUtc(options.at)}.`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">Your Herald password was ${verb}</h1>
<p style="margin:0 0 12px">Hello ${escapeHtml(options.name)},</p>
<p style="margin:0 0 12px">${escapeHtml(what)} ${escapeHtml(sessions)}</p>
<p style="margin:0 0 16px"><strong>${escapeHtml(notYou)}</strong></p>
<p style="margin:0 0 16px">${button(options.forgotPasswordUrl, 'Reset my password')}</p>`,
    footer: 'If it was you, there is nothing to do.',
  });
  return { subject, html, text };
}

const factorWords = {
  added: (name: string) => `A second factor, “${name}”, was added to`,
  removed: (name: string) => `The second factor “${name}” was removed from`,
  recovery_codes: () => 'New recovery codes were made for',
} as const;

/** After a second factor was added or removed, or the recovery codes replaced (ASVS V2.2.3): what, when, and what to do if it was not them. */
export function factorChangedMail(options: {
  pageName: string;
  name: string;
  email: string;
  change: keyof typeof factorWords;
  factorName: string;
  at: Date;
  securityUrl: string;
  forgotPasswordUrl: string;
}): RenderedMail {
  const subject = `[${options.pageName}] The second factors of your Herald account changed`;
  const what = `${factorWords[options.change](options.factorName)} your account ${options.email} on the ${options.pageName} status page admin at ${formatUtc(options.at)}.`;
  const notYou = `If this was not you, someone else is signed in as you: reset your password now at ${options.forgotPasswordUrl} (that signs everyone out), check your second factors at ${options.securityUrl}, and tell an owner of the status page.`;
  const text = [`Hello ${options.name},`, '', what, '', notYou, '', 'If it was you, there is nothing to do.'].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: what,
    body: `<h1 style="margin:0 0 12px;font-size:20px">Your second factors changed</h1>
<p style="margin:0 0 12px">Hello ${escapeHtml(options.name)},</p>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 16px"><strong>${escapeHtml(notYou)}</strong></p>
<p style="margin:0 0 16px">${button(options.securityUrl, 'Review my second factors')}</p>`,
    footer: 'If it was you, there is nothing to do.',
  });
  return { subject, html, text };
}

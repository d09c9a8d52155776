import { contactChannelKindLabels } from '../../domain/chat/channel-kinds';
import { describeTarget } from '../../domain/chat/webhook-urls';
import { escapeHtml } from '../../domain/escape';
import type { ContactChannelRow } from '../db/schema';
import { button, layout, type RenderedMail } from './templates';

/**
 * The email a contact gets when one of their chat or paging channels was disabled after repeated
 * failures. It names the channel by its short form only (the full URL holds a secret) and never
 * quotes the platform's answer: the contact's page in Herald shows it to staff.
 */
export function channelDisabledMail(options: {
  pageName: string;
  contactName: string;
  channel: Pick<ContactChannelRow, 'kind' | 'target' | 'label'>;
  contactUrl: string;
}): RenderedMail {
  const kind = contactChannelKindLabels[options.channel.kind];
  const named = `${kind}${options.channel.label ? ` “${options.channel.label}”` : ''} (${describeTarget(options.channel.kind, options.channel.target)})`;
  const headline = `Your ${kind} channel was disabled`;
  const subject = `[${options.pageName}] ${headline}`;
  const what = `The ${options.pageName} status page stopped sending team alerts for ${options.contactName} to ${named}: too many alerts in a row failed. Alerts still reach you by email.`;
  const next = `Once the channel works again, an admin can send a test message and re-enable it on your contact page: ${options.contactUrl}`;
  const footer = 'You get this email because you are a contact on the communication plan.';
  const text = [what, '', next, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `${headline}: ${named}`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(headline)}</h1>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 16px">${escapeHtml(next)}</p>
<p style="margin:0 0 16px">${button(options.contactUrl, 'Open the contact page')}</p>`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

import { contactChannelKindLabels, type ChatPlatform } from '../../domain/chat/channel-kinds';
import { describeTarget } from '../../domain/chat/webhook-urls';
import { escapeHtml } from '../../domain/escape';
import { button, layout, type RenderedMail } from './templates';

/**
 * The email to the address a chat subscription gave when the channel was disabled after repeated
 * failed messages. It names the channel by its short form only (the URL holds a secret) and never
 * quotes the platform's answer.
 */
export function chatDisabledMail(options: { pageName: string; platform: ChatPlatform; url: string; subscribeUrl: string }): RenderedMail {
  const kind = contactChannelKindLabels[options.platform];
  const named = `${kind} (${describeTarget(options.platform, options.url)})`;
  const headline = `Status updates to your ${kind} channel were stopped`;
  const subject = `[${options.pageName}] ${headline}`;
  const what = `The ${options.pageName} status page stopped posting updates to ${named}: too many messages in a row failed.`;
  const next = `Once the channel works again, subscribe it again: ${options.subscribeUrl}`;
  const footer = 'You get this email because this address was given when the channel was subscribed.';
  const text = [what, '', next, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `${headline}: ${named}`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(headline)}</h1>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 16px">${escapeHtml(next)}</p>
<p style="margin:0 0 16px">${button(options.subscribeUrl, 'Subscribe again')}</p>`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

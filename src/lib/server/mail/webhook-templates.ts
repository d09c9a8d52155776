import { escapeHtml } from '../../domain/escape';
import { button, layout, type RenderedMail } from './templates';

/**
 * The emails to a webhook subscription's contact address: first the confirmation that its holder
 * wants them, then (once confirmed) a failed verification or the disabling. They never quote the
 * receiver's answer: that is a third party's text; the webhook's own page shows it.
 */

const linkLine = (url: string) =>
  `<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(url)}</p>`;

export function webhookContactConfirmationMail(options: { pageName: string; url: string; confirmUrl: string }): RenderedMail {
  const subject = `[${options.pageName}] Confirm notices about a webhook`;
  const what = `Someone registered a webhook at the ${options.pageName} status page and gave this address, to be told if the webhook stops working. The webhook posts to ${options.url}.`;
  const ask = `Herald emails this address nothing more unless you confirm: ${options.confirmUrl}`;
  const footer = 'If this was not you, ignore this email: it is the only one you get about it.';
  const text = [what, '', ask, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: 'Confirm that you want notices about a webhook.',
    body: `<h1 style="margin:0 0 12px;font-size:20px">Confirm notices about a webhook</h1>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 16px">Herald emails this address nothing more unless you confirm.</p>
<p style="margin:0 0 16px">${button(options.confirmUrl, 'Confirm notices')}</p>
${linkLine(options.confirmUrl)}`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

/** To the confirmed contact address: the webhook's verification request failed, or it was disabled after repeated failed deliveries. */
export function webhookProblemMail(options: {
  pageName: string;
  url: string;
  problem: 'verification_failed' | 'disabled';
  manageUrl: string;
  subscribeUrl: string;
}): RenderedMail {
  const disabled = options.problem === 'disabled';
  const headline = disabled ? 'Your webhook was disabled' : 'Your webhook could not be verified';
  const subject = `[${options.pageName}] ${headline}`;
  const what = disabled
    ? `The ${options.pageName} status page stopped sending webhooks to ${options.url}: too many deliveries in a row failed.`
    : `The ${options.pageName} status page sent a verification request to ${options.url}, and it was not answered with a 2xx status within 10 seconds. The webhook stays pending and gets nothing until it is verified.`;
  const next = disabled
    ? `Once the receiver works again, register the URL again: ${options.subscribeUrl}`
    : `Once the receiver answers, ask for another verification request on the webhook's page: ${options.manageUrl}`;
  const reason = "The webhook's page shows what the receiver answered.";
  const footer = 'You get this email because you confirmed this address for the webhook. To stop it all, remove the webhook on its page.';
  const text = [what, '', reason, '', next, '', `The webhook's page: ${options.manageUrl}`, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `${headline}: ${options.url}`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(headline)}</h1>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 12px">${escapeHtml(reason)}</p>
<p style="margin:0 0 16px">${escapeHtml(next)}</p>
<p style="margin:0 0 16px">${button(options.manageUrl, "Open the webhook's page")}</p>
${linkLine(options.manageUrl)}`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}

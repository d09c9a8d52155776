import { escapeHtml } from '../../domain/escape';
import {
  componentStatusLabels,
  impactLabels,
  incidentStatusLabels,
  type ComponentStatus,
  type Impact,
  type IncidentStatus,
} from '../../domain/statuses';
import { formatUtc } from '../../domain/time-format';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * One HTML layout for every email: a single column, inline styles (mail clients drop style
 * sheets), colours that read on light and dark backgrounds, and the links spelled out in full.
 */
export function layout(options: { pageName: string; preheader: string; body: string; footer: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(options.pageName)}</title></head>
<body style="margin:0;padding:0;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">
<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(options.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse"><tr><td style="padding:24px 16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;border-collapse:collapse">
<tr><td style="padding-bottom:16px;font-size:14px;font-weight:600;color:#64748b">${escapeHtml(options.pageName)}</td></tr>
<tr><td>${options.body}</td></tr>
<tr><td style="padding-top:24px;border-top:1px solid #94a3b8;font-size:13px;color:#64748b">${options.footer}</td></tr>
</table></td></tr></table></body></html>`;
}

export const button = (href: string, label: string) =>
  `<a href="${escapeHtml(href)}" style="display:inline-block;padding:10px 16px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:600">${escapeHtml(label)}</a>`;

export const paragraphs = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((part) => `<p style="margin:0 0 12px">${escapeHtml(part).replace(/\n/g, '<br>')}</p>`)
    .join('');

export function confirmationMail(options: { pageName: string; confirmUrl: string; componentNames: string[] }): RenderedMail {
  const scope = options.componentNames.length > 0 ? `these components: ${options.componentNames.join(', ')}` : 'every component';
  const subject = `[${options.pageName}] Confirm your subscription`;
  const text = [
    `Please confirm that you want email from the ${options.pageName} status page when an incident affects ${scope}.`,
    '',
    `Confirm: ${options.confirmUrl}`,
    '',
    'The link works for 48 hours. If you did not ask for this, ignore this email: nothing will be sent to you.',
  ].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: 'Confirm your subscription to status updates.',
    body: `<h1 style="margin:0 0 12px;font-size:20px">Confirm your subscription</h1>
<p style="margin:0 0 16px">Please confirm that you want email from the ${escapeHtml(options.pageName)} status page when an incident affects ${escapeHtml(scope)}.</p>
<p style="margin:0 0 16px">${button(options.confirmUrl, 'Confirm subscription')}</p>
<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(options.confirmUrl)}</p>`,
    footer: 'The link works for 48 hours. If you did not ask for this, ignore this email: nothing will be sent to you.',
  });
  return { subject, html, text };
}

/** What every subscriber email ends with: why it came, and the links to manage or leave. */
export interface SubscriberLinks {
  pageName: string;
  manageUrl: string;
  unsubscribeUrl: string;
}

export const subscriberFooterText = (links: SubscriberLinks) => [
  '--',
  `You get this email because you subscribed to the ${links.pageName} status page.`,
  `Choose components or unsubscribe: ${links.manageUrl}`,
  `Unsubscribe now: ${links.unsubscribeUrl}`,
];

export const subscriberFooterHtml = (
  links: SubscriberLinks,
) => `You get this email because you subscribed to the ${escapeHtml(links.pageName)} status page.<br>
<a href="${escapeHtml(links.manageUrl)}" style="color:#2563eb">Choose components or unsubscribe</a> · <a href="${escapeHtml(links.unsubscribeUrl)}" style="color:#2563eb">Unsubscribe now</a>`;

/** "14:32 UTC" when on the same UTC day as `reference`, else the full "2026-03-01 14:32 UTC". */
export function clockTimeUtc(time: Date, reference: Date): string {
  const full = formatUtc(time);
  return formatUtc(reference).slice(0, 10) === full.slice(0, 10) ? full.slice(11) : full;
}

/** "Next update by 14:30 UTC": the promise an update made, as its email prints it (null when it made none). */
export const nextUpdateLine = (nextUpdateBy: Date | null, postedAt: Date): string | null =>
  nextUpdateBy ? `Next update by ${clockTimeUtc(nextUpdateBy, postedAt)}` : null;

export interface IncidentMailContent {
  pageName: string;
  incidentTitle: string;
  status: IncidentStatus;
  impact: Impact;
  body: string;
  postedAt: Date;
  /** The next update this one promised; null when none. */
  nextUpdateBy: Date | null;
  components: { name: string; status: ComponentStatus }[];
  incidentUrl: string;
  manageUrl: string;
  unsubscribeUrl: string;
}

export function incidentUpdateMail(content: IncidentMailContent): RenderedMail {
  const statusLabel = incidentStatusLabels[content.status];
  const subject = `[${content.pageName}] ${content.incidentTitle}: ${statusLabel}`;
  const componentLines = content.components.map((item) => `${item.name}: ${componentStatusLabels[item.status]}`);
  const nextUpdate = nextUpdateLine(content.nextUpdateBy, content.postedAt);
  const text = [
    content.incidentTitle,
    `${statusLabel} · ${formatUtc(content.postedAt)} · Impact: ${impactLabels[content.impact]}`,
    '',
    content.body,
    '',
    ...(nextUpdate ? [nextUpdate, ''] : []),
    ...(componentLines.length > 0 ? ['Affected components:', ...componentLines.map((line) => `- ${line}`), ''] : []),
    `Follow this incident: ${content.incidentUrl}`,
    '',
    ...subscriberFooterText(content),
  ].join('\n');
  const componentsHtml =
    componentLines.length > 0
      ? `<p style="margin:16px 0 4px;font-weight:600">Affected components</p><ul style="margin:0 0 16px;padding-left:20px">${componentLines
          .map((line) => `<li>${escapeHtml(line)}</li>`)
          .join('')}</ul>`
      : '';
  const html = layout({
    pageName: content.pageName,
    preheader: `${statusLabel}: ${content.body.slice(0, 120)}`,
    body: `<h1 style="margin:0 0 4px;font-size:20px">${escapeHtml(content.incidentTitle)}</h1>
<p style="margin:0 0 16px;font-size:14px;color:#64748b"><strong>${escapeHtml(statusLabel)}</strong> · ${escapeHtml(formatUtc(content.postedAt))} · Impact: ${escapeHtml(impactLabels[content.impact])}</p>
${paragraphs(content.body)}
${nextUpdate ? `<p style="margin:16px 0;font-weight:600">${escapeHtml(nextUpdate)}</p>` : ''}
${componentsHtml}
<p style="margin:16px 0">${button(content.incidentUrl, 'Follow this incident')}</p>`,
    footer: subscriberFooterHtml(content),
  });
  return { subject, html, text };
}

export interface MaintenanceMailContent {
  pageName: string;
  title: string;
  /** What the email is about, in words: "Scheduled", "Starts in 60 minutes", "Completed"… */
  headline: string;
  body: string;
  /** The window as its zone reads it ("Tue 24 Nov 2026, 02:00–04:00 CET"). */
  window: string;
  componentNames: string[];
  maintenanceUrl: string;
  manageUrl: string;
  unsubscribeUrl: string;
}

/** A maintenance moment for subscribers, threaded like incident email. */
export function maintenanceMail(content: MaintenanceMailContent): RenderedMail {
  const subject = `[${content.pageName}] Maintenance: ${content.title}: ${content.headline}`;
  const text = [
    content.title,
    `${content.headline} · ${content.window}`,
    '',
    content.body,
    '',
    ...(content.componentNames.length > 0
      ? ['Components under maintenance:', ...content.componentNames.map((name) => `- ${name}`), '']
      : []),
    `Details: ${content.maintenanceUrl}`,
    '',
    ...subscriberFooterText(content),
  ].join('\n');
  const componentsHtml =
    content.componentNames.length > 0
      ? `<p style="margin:16px 0 4px;font-weight:600">Components under maintenance</p><ul style="margin:0 0 16px;padding-left:20px">${content.componentNames
          .map((name) => `<li>${escapeHtml(name)}</li>`)
          .join('')}</ul>`
      : '';
  const html = layout({
    pageName: content.pageName,
    preheader: `${content.headline}: ${content.window}`,
    body: `<h1 style="margin:0 0 4px;font-size:20px">${escapeHtml(content.title)}</h1>
<p style="margin:0 0 16px;font-size:14px;color:#64748b"><strong>${escapeHtml(content.headline)}</strong> · ${escapeHtml(content.window)}</p>
${paragraphs(content.body)}
${componentsHtml}
<p style="margin:16px 0">${button(content.maintenanceUrl, 'See the maintenance')}</p>`,
    footer: subscriberFooterHtml(content),
  });
  return { subject, html, text };
}

export function subscribedAlreadyMail(options: { pageName: string; manageUrl: string }): RenderedMail {
  const subject = `[${options.pageName}] Your subscription`;
  const text = [
    `Someone (probably you) asked to subscribe this address to the ${options.pageName} status page. It is already subscribed.`,
    '',
    `Choose components or unsubscribe: ${options.manageUrl}`,
    '',
    'If you did not ask for this, ignore this email: nothing changes.',
  ].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: 'You are already subscribed.',
    body: `<h1 style="margin:0 0 12px;font-size:20px">You are already subscribed</h1>
<p style="margin:0 0 16px">Someone (probably you) asked to subscribe this address to the ${escapeHtml(options.pageName)} status page. It is already subscribed.</p>
<p style="margin:0 0 16px">${button(options.manageUrl, 'Choose components or unsubscribe')}</p>`,
    footer: 'If you did not ask for this, ignore this email: nothing changes.',
  });
  return { subject, html, text };
}

export interface TeamAlertMailContent {
  pageName: string;
  /** The first line of the message, already in words ("Critical incident declared"). */
  headline: string;
  subject: string;
  /** Why the recipient gets it: "You are paged for Critical incidents as Incident commander." */
  reason: string;
  incidentTitle: string;
  severityLabel: string;
  statusLabel: string;
  startedAt: Date;
  adminUrl: string;
  /** The rollback criteria met, in words; none, and the email does not mention rollback. */
  rollbackCriteria?: string[];
}

/** An alert to the team (a paged contact or the incident's owner); never sent to subscribers. */
export function teamAlertMail(content: TeamAlertMailContent): RenderedMail {
  const facts: [string, string][] = [
    ['Severity', content.severityLabel],
    ['Status', content.statusLabel],
    ['Started', formatUtc(content.startedAt)],
    ...(content.rollbackCriteria?.length ? [['Rollback criteria met', content.rollbackCriteria.join('; ')] as [string, string]] : []),
  ];
  const text = [
    content.headline,
    '',
    content.incidentTitle,
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    `Open the incident: ${content.adminUrl}`,
    '',
    '--',
    content.reason,
  ].join('\n');
  const html = layout({
    pageName: content.pageName,
    preheader: `${content.headline}: ${content.incidentTitle}`,
    body: `<p style="margin:0 0 4px;font-size:14px;font-weight:600;color:#b91c1c">${escapeHtml(content.headline)}</p>
<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(content.incidentTitle)}</h1>
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px;font-size:14px">${facts
      .map(
        ([label, value]) =>
          `<tr><td style="padding:2px 12px 2px 0;font-weight:600">${escapeHtml(label)}</td><td style="padding:2px 0">${escapeHtml(value)}</td></tr>`,
      )
      .join('')}</table>
<p style="margin:16px 0">${button(content.adminUrl, 'Open the incident')}</p>
<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(content.adminUrl)}</p>`,
    footer: escapeHtml(content.reason),
  });
  return { subject: content.subject, html, text };
}

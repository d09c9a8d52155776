import { escapeHtml } from '../../domain/escape';
import { button, layout, type RenderedMail } from './templates';

/** To the owner of an open action item past its due date: which item, of which incident, and where to close or move it. */
export function actionItemOverdueMail(options: {
  pageName: string;
  ownerName: string;
  itemTitle: string;
  incidentTitle: string;
  /** The date it was due by, as staff chose it ("2026-03-29"). */
  dueDate: string;
  postmortemUrl: string;
}): RenderedMail {
  const subject = `[${options.pageName}] Action item overdue: ${options.itemTitle}`;
  const what = `The action item “${options.itemTitle}” of the incident “${options.incidentTitle}” was due by ${options.dueDate} and is still open.`;
  const next = 'Mark it done or dropped, or give it a new due date, on the post-mortem page:';
  const footer = `You get this email because you own this action item on ${options.pageName}. Herald reminds you once per due date.`;
  const text = [`Hello ${options.ownerName},`, '', what, '', next, options.postmortemUrl, '', '--', footer].join('\n');
  const html = layout({
    pageName: options.pageName,
    preheader: `Due by ${options.dueDate}: ${options.itemTitle}`,
    body: `<p style="margin:0 0 4px;font-size:14px;font-weight:600;color:#b91c1c">Action item overdue</p>
<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(options.itemTitle)}</h1>
<p style="margin:0 0 12px">Hello ${escapeHtml(options.ownerName)},</p>
<p style="margin:0 0 12px">${escapeHtml(what)}</p>
<p style="margin:0 0 16px">${escapeHtml(next)}</p>
<p style="margin:0 0 16px">${button(options.postmortemUrl, 'Open the post-mortem')}</p>
<p style="margin:0 0 12px;font-size:13px;word-break:break-all">Or open this link: ${escapeHtml(options.postmortemUrl)}</p>`,
    footer: escapeHtml(footer),
  });
  return { subject, html, text };
}
